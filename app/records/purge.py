"""Purging records at the end of their retention (the rules are in `app.records.retention`).

A purged record is deleted with everything personal about it: the audit entries about it are
redacted (`app.core.audit.redact`), a person known only from purged records is forgotten, and a
tombstone without personal data takes its place. Its person is rescored at once.
Domains above records drop their own rows about the records first (`app.governance.retention`
runs the whole purge).
"""
from datetime import date, timedelta

from sqlalchemy import and_, delete, false, insert, or_, select

from app.catalogue.services import current_rules
from app.core.audit import AuditEntry, redact
from app.core.crypto import blind_index
from app.core.extensions import db
from app.core.time import utcnow
from app.records.models import CreditRecord, RecordTombstone
from app.records.signals import records_changed
from app.residents.locks import lock_people
from app.residents.services import forget_persons_without_account


def _past_retention(today: date):
    """SQL: the record's retention ended before `today` (see `retention.retention_end`)."""
    conditions = []
    for code, rule in current_rules().types.items():
        if rule.points >= 0 or rule.retention_days is None:
            continue
        last_start = today - timedelta(days=rule.retention_days + 1)
        ended = CreditRecord.ended_on <= last_start
        if not rule.state:  # a one-off event ends the day it happened
            ended = or_(ended, and_(CreditRecord.ended_on.is_(None),
                                    CreditRecord.occurred_on <= last_start))
        conditions.append(and_(CreditRecord.type_code == code, ended))
    return or_(*conditions) if conditions else false()


def due_for_purge(today: date, limit: int = 1000, among=None) -> list[int]:
    """Ids of up to `limit` records (of `among`, if given) whose retention ended before
    `today`, oldest first."""
    query = select(CreditRecord.id).where(_past_retention(today))
    if among is not None:
        query = query.where(CreditRecord.id.in_(among))
    return list(db.session.scalars(query.order_by(CreditRecord.id).limit(limit)))


def tombstone_reference(department_id: int, source_id: str) -> str:
    return blind_index(f"{department_id}:{source_id}", "record_tombstones.reference")


def lock_owners(record_ids) -> None:
    """Lock the persons these records are about (before any other write of the purge)."""
    lock_people(set(db.session.scalars(select(CreditRecord.person_id).where(
        CreditRecord.id.in_(record_ids)))))


def purge_records(record_ids, actor: str = "system:retention") -> int:
    """Delete these records, leaving tombstones, redacting their audit entries and rescoring
    their persons; return how many were purged. Only flushes."""
    lock_owners(record_ids)
    records = db.session.execute(
        select(CreditRecord.id, CreditRecord.person_id, CreditRecord.department_id,
               CreditRecord.source_id, CreditRecord.type_code)
        .where(CreditRecord.id.in_(record_ids))).all()
    if not records:
        return 0
    now = utcnow()
    db.session.execute(insert(RecordTombstone), [
        {"record_id": r.id, "reference": tombstone_reference(r.department_id, r.source_id),
         "department_id": r.department_id, "type_code": r.type_code, "purged_at": now}
        for r in records])
    ids = [r.id for r in records]
    redact(and_(AuditEntry.object_type == "credit_record",
                AuditEntry.object_id.in_([str(i) for i in ids])), actor, "record_retention_ended")
    db.session.execute(delete(CreditRecord).where(CreditRecord.id.in_(ids)))
    persons = {r.person_id for r in records}
    still_known = set(db.session.scalars(select(CreditRecord.person_id).where(
        CreditRecord.person_id.in_(persons)).distinct()))
    forgotten = forget_persons_without_account(persons - still_known)
    db.session.flush()
    records_changed.send(persons - forgotten, actor="system")
    return len(ids)
