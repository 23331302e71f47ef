"""What changes while a resident's filing waits for the person's lock: the department revoking
the record, or the nightly purge deleting it. The filing looks again once it holds the lock and
refuses in a friendly way (never a 500, never an objection or application about nothing)."""
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, text

from app.core.errors import ApiError
from app.core.time import utcnow
from app.core.extensions import db
from app.governance import objections, repairs
from app.governance.models import Objection, Repair
from app.verification import redemptions
from app.verification.models import Redemption
from app.records.purge import purge_records
from app.residents.locks import lock_people
from tests.governance.support import record_of


def _revoke(record_id):
    """The department's revocation, committed by another transaction meanwhile."""
    db.session.execute(text("UPDATE credit_records SET status = 'revoked' WHERE id = :id"),
                       {"id": record_id})


def _purge(record_id):
    purge_records([record_id])


def _meanwhile(monkeypatch, module, change, record_id):
    """Run `change` just before the filing takes the person's lock."""
    def lock_after_change(person_ids):
        change(record_id)
        lock_people(person_ids)
    monkeypatch.setattr(module, "lock_people", lock_after_change)


@pytest.mark.parametrize("change, status", [(_revoke, 409), (_purge, 404)])
def test_an_objection_is_refused_when_its_record_changed_before_the_lock(
        app, make_department, make_resident, monkeypatch, change, status):
    make_department(issues="fare_evasion")
    resident = make_resident(records=[("fare_evasion", 40)])
    record_id = record_of(resident, "fare_evasion").id
    _meanwhile(monkeypatch, objections, change, record_id)
    with pytest.raises(ApiError) as refused:
        objections.file_objection(resident, "不是我", record_id=record_id)
    assert refused.value.status == status
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Objection).where(
        Objection.record_id == record_id)) == 0


@pytest.mark.parametrize("change, status", [(_revoke, 409), (_purge, 404)])
def test_a_repair_is_refused_when_its_record_changed_before_the_lock(
        app, make_department, make_resident, monkeypatch, change, status):
    make_department(issues="fare_evasion")
    resident = make_resident(records=[("fare_evasion", 120)])
    record_id = record_of(resident, "fare_evasion").id
    _meanwhile(monkeypatch, repairs, change, record_id)
    with pytest.raises(ApiError) as refused:
        repairs.file_repair(resident, record_id, "已补缴票款", True)
    assert refused.value.status == status
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Repair).where(
        Repair.record_id == record_id)) == 0


def test_a_default_completed_by_the_merchant_during_its_objection_stays_completed(
        app, make_resident, make_merchant):
    """The merchant settles a contested default (the item came back after all) before the
    verdict: upholding the objection then annuls nothing, and the completed use with its
    positive record stands."""
    from tests.verification_support import bearer, issue, verify

    api = app.test_client()
    resident, merchant = make_resident(), make_merchant()
    rid = verify(api, merchant, issue(resident), merchant.benefits[0]).get_json()["redemption_id"]
    assert api.post(f"/api/v1/redemptions/{rid}/default", json={"note": "未归还"},
                    headers=bearer(merchant)).status_code == 200
    objection = objections.file_objection(resident, "已归还", redemption_id=rid)
    completed = api.post(f"/api/v1/redemptions/{rid}/complete", headers=bearer(merchant))
    assert completed.status_code == 200, completed.get_data(as_text=True)
    record_id = completed.get_json()["record_id"]

    objections.decide(objection.id, "upheld", "商户已确认归还", "operator:审核员")
    redemption = db.session.get(Redemption, rid)
    db.session.refresh(redemption)
    assert (redemption.status, redemption.record_id, redemption.contested) == (
        "completed", record_id, False)


@pytest.fixture
def statement_order(monkeypatch):
    """The order in which the person's lock is taken and the case rows are written."""
    order = []

    def record(_conn, _cursor, statement, *_args):
        verb = statement.lstrip().split(" ", 2)
        if verb[0].upper() in ("UPDATE", "DELETE") and len(verb) > 1:
            order.append(f"{verb[0].upper()} {verb[1]}")

    def locked(person_ids):
        order.append("lock")
        lock_people(person_ids)

    for module in (objections, repairs):
        monkeypatch.setattr(module, "lock_people", locked)
    event.listen(db.engine, "before_cursor_execute", record)
    yield order
    event.remove(db.engine, "before_cursor_execute", record)


def _first(order, prefix):
    return next((i for i, step in enumerate(order) if step.startswith(prefix)), len(order))


@pytest.mark.parametrize("step", ["verdict", "withdrawal"])
def test_an_objection_is_decided_with_its_person_locked_before_its_row(
        app, make_department, make_resident, statement_order, step):
    """The purge locks the person, then deletes the objection: a verdict or a withdrawal that
    held the objection's row while waiting for the person would deadlock with it."""
    make_department(issues="fare_evasion")
    resident = make_resident(records=[("fare_evasion", 40)])
    objection = objections.file_objection(resident, "不是我",
                                          record_id=record_of(resident, "fare_evasion").id)
    statement_order.clear()
    if step == "verdict":
        objections.decide(objection.id, "upheld", "核实", "operator:审核员")
    else:
        objections.withdraw(resident, objection.id)
    assert _first(statement_order, "lock") < _first(statement_order, "UPDATE objections")


def test_a_repair_is_decided_with_its_person_locked_before_its_row(
        app, make_department, make_resident, statement_order):
    make_department(issues="fare_evasion")
    resident = make_resident(records=[("fare_evasion", 120)])
    repair = repairs.file_repair(resident, record_of(resident, "fare_evasion").id, "已补缴", True)
    statement_order.clear()
    repairs.decide_repair(repair.id, "7", True, "材料齐全")
    assert _first(statement_order, "lock") < _first(statement_order, "UPDATE repairs")


def test_a_due_default_is_recorded_with_its_person_locked_before_its_row(
        app, make_resident, make_merchant, monkeypatch):
    """An objection to a default locks the person, then the redemption's row: the nightly job
    that records due defaults takes them in the same order, or the two could deadlock."""
    from tests.verification_support import bearer, issue, verify

    api = app.test_client()
    resident, merchant = make_resident(), make_merchant()
    rid = verify(api, merchant, issue(resident), merchant.benefits[0]).get_json()["redemption_id"]
    assert api.post(f"/api/v1/redemptions/{rid}/default", json={"note": "未归还"},
                    headers=bearer(merchant)).status_code == 200
    order = []

    def locked(person_ids):
        order.append(("lock", sorted(person_ids)))
        lock_people(person_ids)

    def statement(_conn, _cursor, sql, *_args):
        if "FOR UPDATE" in sql or sql.lstrip().upper().startswith("UPDATE REDEMPTIONS"):
            order.append(("row", None))

    monkeypatch.setattr(redemptions, "lock_people", locked)
    event.listen(db.engine, "before_cursor_execute", statement)
    try:
        assert redemptions.process_defaults(utcnow() + timedelta(days=8)) >= 1
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
    assert order[0][0] == "lock" and resident.person_id in order[0][1], order
    assert db.session.get(Redemption, rid).record_id is not None
