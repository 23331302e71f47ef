"""The purge at the end of retention (郑政文〔2017〕128号 六(七): a person's negative record is kept
five years after the behaviour ended, or its type's own period from the catalogue).

Each run purges the records past retention in batches: objections and repairs about them (with
their evidence) and the redemptions whose default they record are deleted, every audit entry
about any of these is redacted, and the records themselves leave tombstones without personal
data (`app.records.purge`). The persons concerned are rescored at once. Runs nightly
(`app.core.jobs`) and as `flask retention purge`.
"""
from datetime import date

from sqlalchemy import and_, delete, or_, select

from app.core.audit import AuditEntry, redact
from app.core.extensions import db
from app.core.time import city_today
from app.governance.models import Attachment, Objection, Repair
from app.records.purge import due_for_purge, lock_owners, purge_records
from app.verification.services import forget_redemptions, redemptions_for_records

ACTOR = "system:retention"
REASON = "record_retention_ended"


def purge_batch(today: date | None = None, limit: int = 500) -> int:
    """Purge up to `limit` records past retention on `today`; return how many. Only flushes."""
    today = today or city_today()
    record_ids = due_for_purge(today, limit)
    if not record_ids:
        return 0
    lock_owners(record_ids)
    # a correction committed meanwhile may have moved a record's end: ask again under the locks
    record_ids = due_for_purge(today, limit, among=record_ids)
    if not record_ids:
        return 0
    redemption_ids = redemptions_for_records(record_ids)
    _forget_governance(record_ids, redemption_ids)
    forget_redemptions(redemption_ids, ACTOR)
    return purge_records(record_ids, ACTOR)


def _forget_governance(record_ids, redemption_ids):
    about = Objection.record_id.in_(record_ids)
    if redemption_ids:
        about = or_(about, Objection.redemption_id.in_(redemption_ids))
    objection_ids = list(db.session.scalars(select(Objection.id).where(about)))
    repair_ids = list(db.session.scalars(select(Repair.id).where(Repair.record_id.in_(record_ids))))
    for kind, ids in (("objection", objection_ids), ("repair", repair_ids)):
        if not ids:
            continue
        redact(and_(AuditEntry.object_type == kind, AuditEntry.object_id.in_([str(i) for i in ids])),
               ACTOR, REASON)
        db.session.execute(delete(Attachment).where(Attachment.owner_kind == kind,
                                                    Attachment.owner_id.in_(ids)))
    if objection_ids:
        db.session.execute(delete(Objection).where(Objection.id.in_(objection_ids)))
    if repair_ids:
        db.session.execute(delete(Repair).where(Repair.id.in_(repair_ids)))


def purge_due(today: date | None = None, batch: int = 500) -> int:
    """Purge every record past retention, committing batch by batch; return how many."""
    total = 0
    while purged := purge_batch(today, batch):
        db.session.commit()
        total += purged
    db.session.commit()
    return total
