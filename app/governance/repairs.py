"""Credit repair (信用修复): a resident who has corrected the behaviour applies with a statement,
evidence and the scheme's credit commitment; an operator approves (the record stops counting at
once) or refuses with reasons."""
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.catalogue.services import current_rules
from app.core.audit import audit
from app.core.errors import ApiError
from app.core.extensions import db
from app.core.time import city_today, utcnow
from app.governance.attachments import store_attachments
from app.governance.models import Repair
from app.records.models import CreditRecord
from app.records.services import mark_repaired
from app.residents.access import N_
from app.residents.locks import lock_people

# the access log's words, stored as message ids and shown in the resident's language
WHAT_REPAIR = N_("Your credit repair application and the record it is about")
PURPOSE_DECIDING_REPAIR = N_("Deciding your credit repair application")


def repair_opens_on(record, rules=None) -> date | None:
    """The first day the record may be repaired, or None if it never can be (not a repairable
    type, not in force, or an ongoing state not yet ended)."""
    rules = rules or current_rules()
    rule = rules.types.get(record.type_code)
    if rule is None or rule.repair_after_days is None or record.status != "active":
        return None
    ended = record.ended_on or (None if rule.state else record.occurred_on)
    if ended is None:
        return None
    return ended + timedelta(days=rule.repair_after_days)


def file_repair(resident, record_id, statement: str, commitment: bool, attachments=()) -> Repair:
    """Apply for repair of the resident's own record once it is eligible."""
    if commitment is not True:
        raise ApiError(422, "commitment_required",
                       _("Sign the credit commitment to apply for repair."),
                       {"fields": {"commitment": [_("The commitment must be accepted.")]}})
    record = db.session.get(CreditRecord, record_id)
    if record is None or record.person_id != resident.person_id:
        raise ApiError(404, "record_not_found", _("You have no record with that id."))
    rules = current_rules()
    opens = repair_opens_on(record, rules)
    if opens is None:
        raise ApiError(409, "not_repairable", _("This record cannot be repaired."))
    if city_today() < opens:
        raise ApiError(409, "repair_not_open_yet",
                       _("Repair of this record opens on %(day)s.", day=opens.isoformat()),
                       {"opens_on": opens.isoformat()})
    lock_people([record.person_id])  # one pending application per record
    # the department or the purge may have changed the record while we waited for the lock
    status = db.session.scalar(select(CreditRecord.status).where(CreditRecord.id == record_id))
    if status is None:
        raise ApiError(404, "record_not_found", _("You have no record with that id."))
    if status != "active":
        raise ApiError(409, "not_repairable", _("This record cannot be repaired."))
    if pending_repair(record.id) is not None:
        raise ApiError(409, "repair_pending", _("An application for this record is under review."))
    repair = Repair(person_id=record.person_id, resident_id=resident.id, record_id=record.id,
                    statement=statement, commitment_text=rules.commitment_text,
                    status="submitted", filed_at=utcnow())
    db.session.add(repair)
    db.session.flush()
    store_attachments("repair", repair.id, attachments)
    audit(f"resident:{resident.id}", "repair.filed", "repair", repair.id,
          subject_id=record.person_id,
          data={"record_id": record.id, "commitment_signed": True, "attachments": len(attachments)})
    db.session.flush()
    return repair


def pending_repair(record_id) -> int | None:
    return db.session.scalar(select(Repair.id).where(Repair.record_id == record_id,
                                                     Repair.status == "submitted"))


def repairs_of(person_id) -> list[Repair]:
    return list(db.session.scalars(select(Repair).where(Repair.person_id == person_id)
                                   .order_by(Repair.filed_at.desc(), Repair.id.desc())))


def submitted_repairs() -> list[Repair]:
    """Applications waiting for an operator, oldest first."""
    return list(db.session.scalars(select(Repair).where(Repair.status == "submitted")
                                   .order_by(Repair.filed_at, Repair.id)))


def decide_repair(repair_id: int, operator_name: str, approve: bool, reason: str) -> Repair:
    """An operator's decision, taken once (a conditional UPDATE); approval stops the record
    counting and rescoring follows at once."""
    reason = (reason or "").strip()
    if not reason:
        raise ApiError(422, "reason_required", _("Give the reasons for the decision."))
    status = "approved" if approve else "refused"
    # the person before the row, as the purge (which deletes applications) takes them
    person_id = db.session.scalar(select(Repair.person_id).where(Repair.id == repair_id))
    if person_id is not None:
        lock_people([person_id])
    now = utcnow()
    changed = db.session.execute(
        update(Repair).where(Repair.id == repair_id, Repair.status == "submitted")
        .values(status=status, decided_at=now, decided_by=operator_name[:80],
                decision_reason=reason[:500])
        .execution_options(synchronize_session=False)).rowcount
    repair = db.session.get(Repair, repair_id)
    if repair is None:
        raise ApiError(404, "not_found", _("There is no such repair application."))
    db.session.refresh(repair)
    if not changed:
        raise ApiError(409, "repair_decided",
                       _("This application is already %(status)s.", status=repair.status),
                       {"status": repair.status})
    if approve:
        mark_repaired(repair.record_id, now)
    audit(f"operator:{operator_name}", f"repair.{status}", "repair", repair.id,
          subject_id=repair.person_id, data={"record_id": repair.record_id, "reason": reason})
    db.session.flush()
    return repair
