"""The console's outcome reports under hostile input: a clear answer, never a 500 (issue 11,
item 7)."""
import pytest

from app.core.extensions import db
from app.verification.models import Redemption
from tests.verification_support import csrf_token, issue, verify


def sign_in(client, staff):
    response = client.post("/merchant/login", data={
        "phone": staff.plain_phone, "password": staff.plain_password,
        "csrf_token": csrf_token(client)})
    assert response.status_code == 302


@pytest.mark.parametrize("rid", ["99999999999", "2147483648", "0", "9" * 400])
def test_redemption_ids_beyond_the_column_are_404(app, client, make_merchant, rid):
    merchant = make_merchant()
    sign_in(client, merchant.plain_staff)
    response = client.post(f"/merchant/redemptions/{rid}/complete",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 404


def test_a_note_that_cannot_be_stored_is_refused(app, client, make_merchant, make_resident):
    merchant = make_merchant()
    rid = verify(client, merchant, issue(make_resident()), merchant.benefits[0]).get_json()[
        "redemption_id"]
    sign_in(client, merchant.plain_staff)
    response = client.post(f"/merchant/redemptions/{rid}/complete",
                           data={"csrf_token": csrf_token(client), "note": "a\x00b"})
    assert response.status_code == 422
    assert db.session.get(Redemption, rid).status == "granted"
    response = client.post(f"/merchant/redemptions/{rid}/complete",
                           data={"csrf_token": csrf_token(client), "note": "退回\r\n完好"})
    assert response.status_code == 303
    assert db.session.get(Redemption, rid).status == "completed"
