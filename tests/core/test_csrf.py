"""CSRF: a signed-in session needs its token whatever else the request carries; a key does not."""
import pytest

from tests.verification_support import bearer, csrf_token, issue, login


@pytest.mark.parametrize("header", ["Bearer junk", "Basic eDp5", "x"])
def test_an_authorization_header_beside_a_session_does_not_excuse_csrf(app, client, make_resident,
                                                                        make_merchant, header):
    resident, merchant = make_resident(), make_merchant()
    login(client, resident)
    refused = client.post("/api/v1/me/credit-code", headers={"Authorization": header})
    assert refused.status_code == 400
    staff = app.test_client()
    login(staff, merchant.plain_staff)
    payload = {"token": issue(make_resident()), "benefit": merchant.benefits[0].code}
    refused = staff.post("/api/v1/verifications", json=payload, headers={"Authorization": header})
    assert refused.status_code in (400, 401) and "decision" not in refused.get_json()
    allowed = client.post("/api/v1/me/credit-code", headers={"Authorization": header,
                                                             "X-CSRFToken": csrf_token(client)})
    assert allowed.status_code == 200


def test_a_key_authenticated_call_needs_no_csrf_token(app, client, make_resident, make_merchant):
    merchant = make_merchant()
    payload = {"token": issue(make_resident()), "benefit": merchant.benefits[0].code}
    response = client.post("/api/v1/verifications", json=payload, headers=bearer(merchant))
    assert response.status_code == 200 and response.get_json()["decision"] == "granted"
