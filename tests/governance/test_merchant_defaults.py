"""A merchant's reported default is contestable: it needs a note, the resident is told at once,
and an objection during the grace period holds the record back until it is decided."""
from datetime import timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.core.time import utcnow
from app.governance import objections
from app.records.models import CreditRecord
from app.verification import redemptions as lifecycle
from app.verification.models import Redemption
from tests.governance.support import assert_error, signed_in
from tests.verification_support import bearer, issue, verify


def _defaulted(client, merchant, resident):
    body = verify(client, merchant, issue(resident), merchant.benefits[0]).get_json()
    rid = body["redemption_id"]
    response = client.post(f"/api/v1/redemptions/{rid}/default", json={"note": "充电宝未归还"},
                           headers=bearer(merchant))
    assert response.status_code == 200, response.get_data(as_text=True)
    return rid


def _default_records(resident):
    return db.session.scalars(select(CreditRecord).filter_by(
        person_id=resident.person_id, type_code="merchant_default")).all()


def test_a_default_needs_a_note(app, api, make_resident, make_merchant):
    resident, merchant = make_resident(), make_merchant()
    rid = verify(api, merchant, issue(resident), merchant.benefits[0]).get_json()["redemption_id"]
    for body in ({}, {"note": "   "}):
        response = api.post(f"/api/v1/redemptions/{rid}/default", json=body,
                            headers=bearer(merchant))
        assert_error(response, 422, "note_required")
    assert db.session.get(Redemption, rid).status == "granted"


def test_the_resident_is_told_and_an_objection_holds_the_record_back(app, client, api, sms,
                                                                     make_resident, make_merchant):
    resident, merchant = make_resident(), make_merchant()
    rid = _defaulted(api, merchant, resident)
    assert "充电宝未归还" in sms.last_to(resident.plain_phone)
    headers = signed_in(client, resident)
    page = client.get("/records").get_data(as_text=True)
    assert f'data-redemption-id="{rid}"' in page and "充电宝未归还" in page
    response = client.post("/api/v1/me/objections", headers=headers,
                           json={"redemption_id": rid, "reason": "我当天已归还，有归还记录截图"})
    assert response.status_code == 201, response.get_data(as_text=True)
    oid = response.get_json()["id"]
    assert db.session.get(Redemption, rid).contested
    # the grace period passes: the default under objection is not recorded
    assert lifecycle.process_defaults(now=utcnow() + timedelta(days=30)) == 0
    assert _default_records(resident) == []
    # rejected after the grace period: the record is created at once
    db.session.get(Redemption, rid).default_due_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    objections.decide(oid, "rejected", "商户提供了监控记录", "operator:审核员")
    assert len(_default_records(resident)) == 1
    assert not db.session.get(Redemption, rid).contested


def test_an_upheld_objection_annuls_the_default(app, client, api, make_resident, make_merchant):
    resident, merchant = make_resident(), make_merchant()
    rid = _defaulted(api, merchant, resident)
    headers = signed_in(client, resident)
    oid = client.post("/api/v1/me/objections", headers=headers,
                      json={"redemption_id": rid, "reason": "已归还"}).get_json()["id"]
    objections.decide(oid, "upheld", "核实已归还", "operator:审核员")
    assert db.session.get(Redemption, rid).status == "cancelled"
    lifecycle.process_defaults(now=utcnow() + timedelta(days=30))
    assert _default_records(resident) == []


def test_a_withdrawn_objection_lets_the_default_run_its_course(app, client, api, make_resident,
                                                               make_merchant):
    resident, merchant = make_resident(), make_merchant()
    rid = _defaulted(api, merchant, resident)
    headers = signed_in(client, resident)
    oid = client.post("/api/v1/me/objections", headers=headers,
                      json={"redemption_id": rid, "reason": "已归还"}).get_json()["id"]
    client.post(f"/api/v1/me/objections/{oid}/withdraw", headers=headers)
    assert lifecycle.process_defaults(now=utcnow() + timedelta(days=30)) == 1
    assert len(_default_records(resident)) == 1


def test_only_ones_own_default_in_its_grace_period(app, client, api, make_resident, make_merchant):
    resident, stranger, merchant = make_resident(), make_resident(), make_merchant()
    rid = _defaulted(api, merchant, resident)
    headers = signed_in(client, stranger)
    body = {"redemption_id": rid, "reason": "不是我的"}
    assert_error(client.post("/api/v1/me/objections", headers=headers, json=body), 404)
    assert client.get(f"/defaults/{rid}/object").status_code == 404
    assert not db.session.get(Redemption, rid).contested
    # past the grace period even its own resident can no longer object
    db.session.get(Redemption, rid).default_due_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    own = signed_in(api, resident)
    assert_error(api.post("/api/v1/me/objections", headers=own,
                          json={**body, "reason": "晚了"}), 404)


def test_the_console_asks_for_a_confirmation_and_a_note(app, client, make_resident, make_merchant):
    from tests.verification_support import csrf_token, login

    resident, merchant = make_resident(), make_merchant()
    granted = verify(client, merchant, issue(resident), merchant.benefits[0]).get_json()
    rid = granted["redemption_id"]
    login(client, merchant.plain_staff)
    assert "confirm" in client.get(f"/merchant/redemptions/{rid}/default").get_data(as_text=True)
    url = f"/merchant/redemptions/{rid}/default"
    client.post(url, data={"csrf_token": csrf_token(client), "note": "未归还"})
    assert db.session.get(Redemption, rid).status == "granted"
    client.post(url, data={"csrf_token": csrf_token(client), "confirm": "yes"})
    assert db.session.get(Redemption, rid).status == "granted"
    client.post(url, data={"csrf_token": csrf_token(client), "confirm": "yes", "note": "未归还"})
    assert db.session.get(Redemption, rid).status == "defaulted"
