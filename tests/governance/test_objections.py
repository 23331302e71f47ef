"""Objections (异议): filed by the resident, forwarded at once, answered by the issuing
department only, on the working-day calendar; every step audited and the score following."""
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.time import city_today
from app.core.workdays import add_working_days
from app.governance import objections
from app.governance.models import Objection
from app.residents.access import access_log
from tests.governance.support import assert_error, dept, record_of, signed_in

RTYPE = "fare_evasion"


@pytest.fixture
def setup(app, make_department, make_resident):
    """The metro (issuer of fare evasion), a resident with such a record, another department."""
    metro = make_department(issues=RTYPE)
    resident = make_resident(records=[(RTYPE, 40), ("blood_donation", 30)])
    return metro, resident, record_of(resident, RTYPE), make_department()


def _file(client, headers, record_id, reason="那天我在外地出差，有酒店发票为证"):
    return client.post("/api/v1/me/objections", json={"record_id": record_id, "reason": reason},
                       headers=headers)


def _score(client):
    return client.get("/api/v1/me/score").get_json()


def test_filing_forwards_at_once_with_every_deadline(client, setup):
    metro, resident, record, _other = setup
    headers = signed_in(client, resident)
    response = _file(client, headers, record.id)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    today = city_today()
    assert body["record_id"] == record.id and body["status"] == "forwarded"
    verdict_by = add_working_days(today, 5).day
    assert body["deadlines"] == {
        "forward_by": add_working_days(today, 5).day.isoformat(),
        "verdict_by": verdict_by.isoformat(),
        "notify_by": add_working_days(verdict_by, 2).day.isoformat(),
        "final_by": add_working_days(today, 12).day.isoformat()}
    assert body["overdue"] == []
    listed = client.get("/api/v1/me/objections").get_json()["objections"]
    assert [o["id"] for o in listed] == [body["id"]]
    actions = set(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "objection", AuditEntry.object_id == str(body["id"]))))
    assert actions == {"objection.filed", "objection.forwarded"}
    # the record keeps counting while under objection
    counted = {c["record_id"]: c["counted"] for c in _score(client)["contributions"]}
    assert counted[record.id] is True
    # the reason is stored encrypted
    raw = db.session.execute(text("SELECT reason_enc FROM objections")).scalar()
    assert "酒店发票".encode() not in bytes(raw)


def test_rejected_keeps_the_record_and_tells_the_resident(client, api, setup, sms):
    metro, resident, record, _other = setup
    headers = signed_in(client, resident)
    oid = _file(client, headers, record.id).get_json()["id"]
    waiting = api.get("/api/v1/objections?status=forwarded", headers=dept(metro)).get_json()
    mine = [o for o in waiting["objections"] if o["id"] == oid]
    assert [(o["source_id"], o["status"]) for o in mine] == [(record.source_id, "forwarded")]
    assert mine[0]["reason"].startswith("那天我在外地")
    # the department's read is in the resident's access log
    entry = access_log(resident.person_id)[0]
    assert (entry.who_kind, entry.who_name, entry.what) == (
        "department", metro.name, objections.WHAT_OBJECTION)
    response = api.post(f"/api/v1/objections/{oid}/verdict", headers=dept(metro),
                           json={"verdict": "rejected", "reason": "闸机记录显示本人进站"})
    assert response.status_code == 200 and response.get_json()["status"] == "rejected"
    db.session.refresh(record)
    assert record.status == "active"
    mine = client.get(f"/api/v1/me/objections/{oid}").get_json()
    assert mine["status"] == "rejected" and mine["verdict_reason"] == "闸机记录显示本人进站"
    assert "闸机记录显示本人进站" in sms.last_to(resident.plain_phone)
    # decided once: a second verdict is a conflict, and nothing changes
    again = api.post(f"/api/v1/objections/{oid}/verdict", headers=dept(metro),
                        json={"verdict": "upheld", "reason": "改判"})
    assert_error(again, 409, "objection_closed")
    db.session.refresh(record)
    assert record.status == "active"


def test_upheld_without_a_correction_revokes_and_rescores_at_once(client, api, setup, sms):
    metro, resident, record, _other = setup
    headers = signed_in(client, resident)
    before = _score(client)["score"]
    oid = _file(client, headers, record.id).get_json()["id"]
    response = api.post(f"/api/v1/objections/{oid}/verdict", headers=dept(metro),
                           json={"verdict": "upheld", "reason": "核实为系统误录"})
    assert response.status_code == 200 and response.get_json()["status"] == "upheld"
    db.session.refresh(record)
    assert record.status == "revoked"
    assert _score(client)["score"] > before
    assert "成立" in sms.last_to(resident.plain_phone)
    assert db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "objection.upheld", AuditEntry.object_id == str(oid))) is not None


def test_upheld_with_a_correction_corrects_the_record(client, api, setup):
    metro, resident, record, _other = setup
    headers = signed_in(client, resident)
    oid = _file(client, headers, record.id).get_json()["id"]
    older = (city_today() - timedelta(days=250)).isoformat()
    response = api.post(f"/api/v1/objections/{oid}/verdict", headers=dept(metro), json={
        "verdict": "upheld", "reason": "日期录错", "correction": {"occurred_at": older}})
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.refresh(record)
    assert record.status == "active" and record.occurred_on.isoformat() == older
    note = {c["record_id"]: c["note"] for c in _score(client)["contributions"]}[record.id]
    assert note == "fading"


def test_another_department_can_neither_see_nor_answer(client, api, setup):
    metro, resident, record, other = setup
    headers = signed_in(client, resident)
    oid = _file(client, headers, record.id).get_json()["id"]
    assert api.get("/api/v1/objections", headers=dept(other)).get_json() == {"objections": []}
    assert_error(api.get(f"/api/v1/objections/{oid}", headers=dept(other)), 404)
    answer = api.post(f"/api/v1/objections/{oid}/verdict", headers=dept(other),
                         json={"verdict": "upheld", "reason": "越权"})
    assert_error(answer, 404)
    db.session.refresh(record)
    assert record.status == "active"
    assert db.session.get(Objection, oid).status == "forwarded"
    assert all(e.who_name != other.name for e in access_log(resident.person_id))


def test_a_resident_can_neither_object_to_nor_see_anothers(client, api, setup, make_resident):
    _metro, resident, record, _other = setup
    oid = _file(client, signed_in(client, resident), record.id).get_json()["id"]
    stranger = make_resident()
    headers = signed_in(api, stranger)
    assert_error(_file(api, headers, record.id), 404, "record_not_found")
    assert_error(api.get(f"/api/v1/me/objections/{oid}"), 404)
    assert_error(api.post(f"/api/v1/me/objections/{oid}/withdraw", headers=headers), 404)
    assert api.get("/api/v1/me/objections").get_json() == {"objections": []}
    assert api.get(f"/objections/{oid}").status_code == 404
    assert api.get(f"/records/{record.id}/object").status_code == 404
    assert db.session.get(Objection, oid).status == "forwarded"


def test_withdrawal_and_one_objection_at_a_time(client, setup):
    _metro, resident, record, _other = setup
    headers = signed_in(client, resident)
    oid = _file(client, headers, record.id).get_json()["id"]
    assert_error(_file(client, headers, record.id), 409, "objection_open")
    response = client.post(f"/api/v1/me/objections/{oid}/withdraw", headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "withdrawn"
    assert_error(client.post(f"/api/v1/me/objections/{oid}/withdraw", headers=headers), 409)
    # withdrawn, it may be raised again
    assert _file(client, headers, record.id).status_code == 201


def test_overdue_steps_are_flagged(client, api, setup):
    metro, resident, record, _other = setup
    headers = signed_in(client, resident)
    oid = _file(client, headers, record.id).get_json()["id"]
    objection = db.session.get(Objection, oid)
    objection.verdict_by = city_today() - timedelta(days=1)
    db.session.flush()
    assert client.get(f"/api/v1/me/objections/{oid}").get_json()["overdue"] == ["verdict_by"]
    listed = api.get("/api/v1/objections", headers=dept(metro)).get_json()["objections"]
    assert next(o for o in listed if o["id"] == oid)["overdue"] == ["verdict_by"]
    page = client.get(f"/objections/{oid}").get_data(as_text=True)
    assert 'data-testid="overdue"' in page


def test_an_operator_may_step_in(client, setup, runner):
    _metro, resident, record, _other = setup
    oid = _file(client, signed_in(client, resident), record.id).get_json()["id"]
    result = runner.invoke(args=["objections", "decide", str(oid), "upheld", "--reason", "中心复核",
                                 "--operator", "王主任"])
    assert result.exit_code == 0, result.output
    db.session.refresh(record)
    assert record.status == "revoked"
    assert db.session.get(Objection, oid).decided_by == "operator:王主任"


@pytest.mark.parametrize("body, status", [
    ({}, 422),
    ({"record_id": 1}, 422),
    ({"reason": "x"}, 422),
    ({"record_id": "1", "reason": "x"}, 422),
    ({"record_id": 0, "reason": "x"}, 422),
    ({"record_id": 2**40, "reason": "x"}, 422),
    ({"record_id": 1, "redemption_id": 1, "reason": "x"}, 422),
    ({"record_id": 1, "reason": "   "}, 422),
    ({"record_id": 1, "reason": "x" * 2001}, 422),
    ({"record_id": 1, "reason": "a\x00b"}, 422),
    ([1, 2], 422),
])
def test_malformed_objections_get_the_error_shape(client, setup, body, status):
    _metro, resident, _record, _other = setup
    headers = signed_in(client, resident)
    assert_error(client.post("/api/v1/me/objections", json=body, headers=headers), status)
    assert db.session.scalar(select(Objection.id).filter_by(person_id=resident.person_id)) is None


def test_objections_need_a_signed_in_resident_and_the_csrf_token(client, setup):
    _metro, resident, record, _other = setup
    assert_error(_file(client, {}, record.id), 401)
    signed_in(client, resident)
    assert_error(_file(client, {}, record.id), 400)


@pytest.mark.parametrize("body", [{}, {"verdict": "maybe", "reason": "x"},
                                  {"verdict": "upheld"},
                                  {"verdict": "rejected", "reason": "x",
                                   "correction": {"occurred_at": "2026-01-01"}},
                                  {"verdict": "upheld", "reason": "x",
                                   "correction": {"occurred_at": "not a date"}}])
def test_malformed_verdicts_change_nothing(client, api, setup, body):
    metro, resident, record, _other = setup
    oid = _file(client, signed_in(client, resident), record.id).get_json()["id"]
    assert_error(api.post(f"/api/v1/objections/{oid}/verdict", json=body, headers=dept(metro)),
                 422)
    assert db.session.get(Objection, oid).status == "forwarded"
    assert_error(api.get("/api/v1/objections?status=nonsense", headers=dept(metro)), 422)
    assert_error(api.get("/api/v1/objections"), 401)


def test_deadlines_over_national_day_are_on_the_calendar(app):
    # filed on the last working day before 1 October 2026
    forward, verdict, notify, final, estimated = objections.deadlines_from(
        __import__("datetime").date(2026, 9, 30))
    assert [d.isoformat() for d in (forward, verdict, notify, final)] == [
        "2026-10-13", "2026-10-13", "2026-10-15", "2026-10-22"]
    assert estimated is False
