"""The merchant console: staff sign-in, the scan page, today's redemptions and outcome reports."""
import re

from app.core.extensions import db
from app.verification.models import Redemption
from tests.verification_support import csrf_token, issue, login


def _sign_in(client, staff, password=None):
    return client.post("/merchant/login", data={
        "phone": staff.plain_phone, "password": password or staff.plain_password,
        "csrf_token": csrf_token(client)})


def test_console_needs_a_staff_sign_in(app, client, make_resident):
    for path in ("/merchant/", "/merchant/redemptions"):
        response = client.get(path)
        assert response.status_code == 302 and "/merchant/login" in response.headers["Location"]
    login(client, make_resident())
    assert client.get("/merchant/").status_code == 302


def test_sign_in_checks_password_and_csrf_and_rotates_the_session(app, client, make_merchant):
    staff = make_merchant().plain_staff
    assert client.post("/merchant/login", data={"phone": staff.plain_phone,
                                                "password": staff.plain_password}).status_code == 400
    assert _sign_in(client, staff, password="wrong").status_code == 401
    with client.session_transaction() as s:
        s["planted"] = "x"
    response = _sign_in(client, staff)
    assert response.status_code == 302 and response.headers["Location"].endswith("/merchant/")
    with client.session_transaction() as s:
        assert "planted" not in s and s["_user_id"] == staff.get_id()
    page = client.get("/merchant/")
    assert page.status_code == 200 and staff.merchant.name in page.get_data(as_text=True)


def test_sign_in_is_rate_limited(app, client):
    statuses = [client.post("/merchant/login", data={
        "phone": f"1370000{n:04d}", "password": "wrong", "csrf_token": csrf_token(client)
    }).status_code for n in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429


def test_scan_page_lists_only_own_benefits_and_vendored_decoder(app, client, make_merchant,
                                                                make_benefit):
    mine, other = make_benefit(name="我的权益"), make_benefit(name="别人的权益")
    merchant = make_merchant([mine])
    make_merchant([other])
    login(client, merchant.plain_staff)
    html = client.get("/merchant/").get_data(as_text=True)
    assert "我的权益" in html and "别人的权益" not in html
    decoder = re.search(r'<script src="(/static/vendor/jsqr/jsQR\.min\.js\?v=\w+)" defer>', html)
    assert decoder, html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing loads from another site
    assert client.get(decoder.group(1)).status_code == 200


def test_todays_redemptions_and_outcome_reports(app, client, make_merchant, make_resident):
    merchant = make_merchant()
    other = make_merchant(merchant.benefits)
    login(client, merchant.plain_staff)
    headers = {"X-CSRFToken": csrf_token(client)}
    body = client.post("/api/v1/verifications", headers=headers, json={
        "token": issue(make_resident(name="王小明")), "benefit": merchant.benefits[0].code}).get_json()
    # the other merchant's system, with its key and no session
    theirs = app.test_client().post("/api/v1/verifications", json={
        "token": issue(make_resident(name="赵六")), "benefit": merchant.benefits[0].code},
        headers={"Authorization": f"Bearer {other.plain_key}"}).get_json()
    html = client.get("/merchant/redemptions").get_data(as_text=True)
    assert "王*明" in html and "赵*" not in html
    rid = body["redemption_id"]
    # without the CSRF token the report is refused
    assert client.post(f"/merchant/redemptions/{rid}/complete").status_code == 400
    response = client.post(f"/merchant/redemptions/{rid}/complete", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert db.session.get(Redemption, rid).status == "completed"
    # another merchant's redemption cannot be touched from this console
    client.post(f"/merchant/redemptions/{theirs['redemption_id']}/default",
                data={"csrf_token": csrf_token(client), "note": "未归还", "confirm": "yes"})
    assert db.session.get(Redemption, theirs["redemption_id"]).status == "granted"


def test_logout(app, client, make_merchant):
    staff = make_merchant().plain_staff
    _sign_in(client, staff)
    client.post("/merchant/logout", data={"csrf_token": csrf_token(client)})
    assert client.get("/merchant/").status_code == 302


def test_deactivating_staff_or_merchant_ends_their_sessions(app, client, make_merchant):
    merchant = make_merchant()
    login(client, merchant.plain_staff)
    assert client.get("/merchant/").status_code == 200
    merchant.plain_staff.active = False
    db.session.flush()
    assert client.get("/merchant/").status_code == 302
    merchant.plain_staff.active, merchant.active = True, False
    db.session.flush()
    assert client.get("/merchant/").status_code == 302
    merchant.active = True
    db.session.flush()
    assert client.get("/merchant/").status_code == 200
