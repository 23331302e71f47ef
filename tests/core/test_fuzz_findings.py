"""What Schemathesis once found (issue 9, item 6), one test each, on every API that takes such
input — departments', merchants', partners' and residents' alike. Never a 500, always the error
shape with a fitting 4xx. (Ancient days: tests/verification/test_bad_input.py.)"""
import pytest

from tests.partners.conftest import bearer, make_client, tokens_for
from tests.records.test_api import assert_error
from tests.resident_support import add_benefit, page_token, sign_in


@pytest.fixture
def keys(app, make_department, make_merchant, make_resident):
    """Each API's real caller: a department, a merchant, a partner's token, a resident."""
    resident = make_resident()
    hotel = add_benefit(scene="信易游", name="酒店免押金入住", min_tier="fair")
    partner = make_client("tourism", ("score", "eligibility", "booking"), offers=[hotel.code])
    token = tokens_for(app, resident, partner, "score eligibility booking")["access_token"]
    web = app.test_client()
    sign_in(web, resident)
    return {"department": {"Authorization": f"Bearer {make_department().plain_key}"},
            "merchant": {"Authorization": f"Bearer {make_merchant().plain_key}"},
            "partner": bearer(token), "web": web, "csrf": page_token(web), "hotel": hotel}


@pytest.mark.parametrize("number", ["2147483648", "99999999999", "9" * 400, "0"])
def test_ids_out_of_range_are_404(client, keys, number):
    for method, path, who in [
            ("get", f"/api/v1/redemptions/{number}", "merchant"),
            ("post", f"/api/v1/redemptions/{number}/complete", "merchant"),
            ("get", f"/api/v1/partner/bookings/{number}", "partner"),
            ("post", f"/api/v1/partner/bookings/{number}/cancel", "partner")]:
        response = getattr(client, method)(path, headers=keys[who],
                                           **({"json": {}} if method == "post" else {}))
        assert_error(response, 404)
    response = keys["web"].delete(f"/api/v1/me/consents/{number}",
                                  headers={"X-CSRFToken": keys["csrf"]})
    assert_error(response, 404)


@pytest.mark.parametrize("code", ["\x00", "hotel\x00", "a\x00b"])
def test_nul_in_a_benefit_code_is_422(client, keys, code):
    response = client.post("/api/v1/verifications", headers=keys["merchant"],
                           json={"token": "x", "benefit": code})
    assert_error(response, 422)
    response = client.get("/api/v1/partner/eligibility", headers=keys["partner"],
                          query_string={"benefit": code})
    assert_error(response, 422)
    response = client.post("/api/v1/partner/bookings", headers=keys["partner"],
                           json={"benefit": code, "reference": "R-1"})
    assert_error(response, 422)


@pytest.mark.parametrize("method,path", [
    ("put", "/api/v1/records"), ("post", "/api/v1/redemptions"),
    ("delete", "/api/v1/verifications"),
    ("post", "/api/v1/partner/score"), ("put", "/api/v1/partner/bookings"),
    ("post", "/api/v1/me/access-log"), ("put", "/api/v1/me/consents")])
def test_405_says_what_is_allowed(client, method, path):
    response = getattr(client, method)(path, json={})
    assert response.status_code == 405 and response.is_json
    assert response.get_json()["error"]["code"]
    assert response.headers["Allow"]


@pytest.mark.parametrize("source_id", ["None", "null", "undefined"])
def test_a_record_link_to_none_is_an_ordinary_404(client, keys, source_id):
    response = client.get(f"/api/v1/records/{source_id}", headers=keys["department"])
    assert_error(response, 404, "record_not_found")
