"""The purge at the end of retention: nothing personal about a purged record is left in any
table or audit entry, a tombstone remains, the audit chain still verifies and the person is
rescored (issue 8 item 2)."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select, text

from app.core.audit import AuditEntry, seal, verify_chain
from app.core.extensions import db
from app.core.time import city_today
from app.governance.models import Objection
from app.governance.objections import file_objection
from app.governance.retention import purge_due
from app.records.models import CreditRecord, RecordTombstone
from app.records.purge import tombstone_reference
from app.residents.models import Person
from app.residents.services import id_number_index
from app.scoring.models import Score
from tests.factories import new_id_number, record_payload

ENDED = 100  # the arrears were paid this many days ago
# the first day on which five years from then have passed
PURGE_DAY = city_today() - timedelta(days=ENDED) + timedelta(days=1826)


def database_text() -> str:
    """Every row of every table, rendered as text, as this transaction sees them."""
    connection = db.session.connection()
    dump = []
    for table in inspect(connection).get_table_names():
        for row in connection.execute(text(f'SELECT * FROM "{table}"')):
            dump.append(" ".join(str(value) for value in row))
    return "\n".join(dump)


def stored_score(person_id):
    db.session.expire_all()
    return db.session.get(Score, person_id).score


def deliver(client, department, record):
    response = client.post("/api/v1/records", json={"records": [record]},
                           headers={"Authorization": f"Bearer {department.plain_key}"})
    assert response.get_json()["results"][0]["status"] == "accepted", response.get_json()
    return response.get_json()["results"][0]["record_id"]


@pytest.fixture
def history(client, make_department, make_resident):
    """A resident with paid tax arrears (corrected once and objected to) and a blood donation,
    and a person never registered whose only record is an old penalty."""
    tax = make_department(issues="tax_arrears")
    market = make_department(issues="admin_penalty_minor")
    resident = make_resident(records=[("blood_donation", 10)])
    tag = uuid.uuid4().hex[:10]
    arrears = record_payload(resident.plain_id, "张三", "tax_arrears", days_ago=400,
                             source_id=f"arrears-{tag}", document_ref=f"郑税通〔2026〕{tag}号",
                             ended_at=(city_today() - timedelta(days=ENDED)).isoformat())
    arrears_id = deliver(client, tax, arrears)
    response = client.patch(f"/api/v1/records/{arrears['source_id']}",
                            json={"attributes": {"notice": f"催缴通知-{tag}"}},
                            headers={"Authorization": f"Bearer {tax.plain_key}"})
    assert response.status_code == 200
    file_objection(resident, "已于期限内缴清", record_id=arrears_id)
    stranger_id = new_id_number()
    penalty = record_payload(stranger_id, "欧阳璇瑾", "admin_penalty_minor", days_ago=ENDED,
                             source_id=f"penalty-{tag}")
    penalty_id = deliver(client, market, penalty)
    return {"resident": resident, "arrears": arrears, "notice": f"催缴通知-{tag}",
            "arrears_id": arrears_id, "tax": tax,
            "stranger_id": stranger_id, "penalty": penalty, "penalty_id": penalty_id,
            "market": market}


def test_a_purged_record_leaves_nothing_personal_and_the_chain_verifies(history, runner):
    h = history
    resident = h["resident"]
    stranger_id = db.session.scalar(select(Person.id).filter_by(
        id_number_index=id_number_index(h["stranger_id"])))
    assert stored_score(resident.person_id) < 105  # the arrears count while kept
    seal()
    entries_before = db.session.scalars(select(AuditEntry.id).where(
        AuditEntry.object_type == "credit_record",
        AuditEntry.object_id.in_([str(h["arrears_id"]), str(h["penalty_id"])]))).all()
    assert len(entries_before) == 1  # the correction, with the document as it was
    objection_id = db.session.scalar(select(Objection.id).filter_by(record_id=h["arrears_id"]))
    objection_entries = db.session.scalars(select(AuditEntry.id).where(
        AuditEntry.object_type == "objection", AuditEntry.object_id == str(objection_id))).all()
    assert objection_entries  # filed and forwarded, naming the record and the person

    purge_due(PURGE_DAY - timedelta(days=1))
    assert db.session.get(CreditRecord, h["arrears_id"]) is not None  # its last day is kept
    assert purge_due(PURGE_DAY) >= 2

    # the records, the objection and the never-registered person are gone
    assert db.session.get(CreditRecord, h["arrears_id"]) is None
    assert db.session.get(CreditRecord, h["penalty_id"]) is None
    assert db.session.scalar(select(func.count()).select_from(Objection).where(
        Objection.record_id == h["arrears_id"])) == 0
    assert db.session.get(Person, stranger_id) is None
    # nothing personal anywhere: no source id, no document reference, no blind index
    dump = database_text()
    for secret in (h["arrears"]["source_id"], h["penalty"]["source_id"],
                   h["arrears"]["document_ref"], h["penalty"]["document_ref"],
                   id_number_index(h["stranger_id"]), h["notice"]):
        assert secret not in dump, secret
    # the tombstones say what was purged, by whom delivered, and nothing about whom
    stones = {t.record_id: t for t in db.session.scalars(select(RecordTombstone).where(
        RecordTombstone.record_id.in_([h["arrears_id"], h["penalty_id"]])))}
    assert stones[h["arrears_id"]].type_code == "tax_arrears"
    assert stones[h["arrears_id"]].department_id == h["tax"].id
    assert stones[h["arrears_id"]].reference == tombstone_reference(h["tax"].id,
                                                                    h["arrears"]["source_id"])
    # the audit entries about them are redacted, the redaction recorded, the chain intact
    for entry_id in entries_before + objection_entries:
        entry = db.session.get(AuditEntry, entry_id)
        assert (entry.subject_id, entry.data) == (None, {}) and entry.redacted_at is not None
    redactions = db.session.scalars(select(AuditEntry).filter_by(action="audit.redacted")).all()
    assert set(entries_before + objection_entries) <= {
        i for r in redactions for i in r.data["entry_ids"]}
    assert all(set(r.data) == {"entry_ids", "reason"} for r in redactions)
    seal()
    checked, broken = verify_chain()
    assert broken is None and checked >= len(entries_before)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    # the resident is rescored at once: only the blood donation is left
    assert stored_score(resident.person_id) == 105


def test_the_command_purges_and_a_kept_record_stays(history, runner):
    h = history
    early = (PURGE_DAY - timedelta(days=1)).isoformat()
    result = runner.invoke(args=["retention", "purge", "--today", early])
    assert result.exit_code == 0, result.output
    assert db.session.get(CreditRecord, h["arrears_id"]) is not None  # its last day is kept
    result = runner.invoke(args=["retention", "purge", "--today", PURGE_DAY.isoformat()])
    assert result.exit_code == 0 and "purged" in result.output
    assert db.session.get(CreditRecord, h["arrears_id"]) is None
    blood = db.session.scalar(select(CreditRecord).filter_by(
        person_id=h["resident"].person_id, type_code="blood_donation"))
    assert blood is not None  # positive records have no retention


def test_a_redacted_entry_nothing_accounts_for_breaks_the_chain(app):
    from app.core.audit import audit

    entry_id = audit("test", "test.personal", "thing", 1, subject_id=None, data={"name": "张三"})
    seal()
    # a redaction the triggers allow, but done by hand: no audit.redacted entry names it
    db.session.execute(text("UPDATE audit_entries SET data = '{}', redacted_at = :now "
                            "WHERE id = :id"), {"now": "2026-01-01 00:00:00", "id": entry_id})
    db.session.expire_all()
    assert verify_chain()[1] == entry_id


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET data = '{\"x\": 1}', redacted_at = :now WHERE id = :id",
    "UPDATE audit_entries SET actor = 'x', data = '{}', redacted_at = :now WHERE id = :id",
    "UPDATE audit_entries SET content_hash = 'x', data = '{}', redacted_at = :now WHERE id = :id",
])
def test_the_triggers_allow_a_redaction_only_as_a_blanking(app, statement):
    from sqlalchemy.exc import DatabaseError

    from app.core.audit import audit

    entry_id = audit("test", "test.personal", "thing", 1, data={"name": "张三"})
    seal()
    with pytest.raises(DatabaseError, match="append-only"):
        with db.session.begin_nested():
            db.session.execute(text(statement), {"now": "2026-01-01 00:00:00", "id": entry_id})


def test_a_purged_default_takes_its_redemption_and_the_entries_about_it(
        app, api, make_resident, make_merchant):
    from app.verification import redemptions as lifecycle
    from app.verification.models import Redemption
    from tests.verification_support import bearer, issue, verify

    resident, merchant = make_resident(), make_merchant()
    rid = verify(api, merchant, issue(resident), merchant.benefits[0]).get_json()["redemption_id"]
    note = f"押金未退-{uuid.uuid4().hex[:8]}"
    response = api.post(f"/api/v1/redemptions/{rid}/default", json={"note": note},
                        headers=bearer(merchant))
    assert response.status_code == 200, response.get_data(as_text=True)
    lifecycle.process_defaults(now=db.session.get(Redemption, rid).default_due_at)
    record_id = db.session.get(Redemption, rid).record_id
    assert record_id is not None and stored_score(resident.person_id) < 100
    seal()
    about = select(AuditEntry.id).where(AuditEntry.object_type == "redemption",
                                        AuditEntry.object_id == str(rid))
    entries = db.session.scalars(about).all()
    assert entries

    purge_due(city_today() + timedelta(days=1826))

    assert db.session.get(CreditRecord, record_id) is None
    assert db.session.get(Redemption, rid) is None
    assert note not in database_text()
    for entry_id in entries:
        assert db.session.get(AuditEntry, entry_id).data == {}
    seal()
    assert verify_chain()[1] is None
    assert stored_score(resident.person_id) == 100
