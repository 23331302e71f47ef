"""Objections (异议): filing, the automatic forward, the department's verdict, withdrawal.

Deadlines are on the Chinese working-day calendar, the filing day not counted: the centre
forwards within 5 working days (here at once: its check is automatic), the department decides
within 5 working days of receiving it, the resident is told within 2 working days of the verdict
(the web shows it at once, an SMS follows), and the whole answer is due within 12 working days.
Every state change is one conditional UPDATE, so of two racing verdicts exactly one decides.
"""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.core.audit import audit
from app.core.errors import ApiError
from app.core.extensions import db
from app.core.time import CITY_TZ, city_today, utcnow
from app.core.workdays import add_working_days
from app.departments.models import Department
from app.records import services as records
from app.records.models import CreditRecord
from app.residents.access import N_, log_access
from app.residents.locks import lock_people
from app.residents.models import Resident
from app.residents.sms import sms_sender
from app.verification import redemptions
from app.verification.models import Redemption
from app.governance.attachments import store_attachments
from app.governance.models import OPEN_OBJECTION, Objection

FORWARD_DAYS, VERDICT_DAYS, NOTIFY_DAYS, FINAL_DAYS = 5, 5, 2, 12
# the access log's words, stored as message ids and shown in the resident's language
WHAT_OBJECTION = N_("Your objection and the record it is about")
PURPOSE_DEPARTMENT_CHECK = N_("The department checking your objection")
VERDICTS = ("upheld", "rejected")


def deadlines_from(filed_on):
    """(forward_by, verdict_by, notify_by, final_by, estimated) for an objection filed that day
    and forwarded the same day."""
    forward = add_working_days(filed_on, FORWARD_DAYS)
    verdict = add_working_days(filed_on, VERDICT_DAYS)
    notify = add_working_days(verdict.day, NOTIFY_DAYS)
    final = add_working_days(filed_on, FINAL_DAYS)
    estimated = any(d.estimated for d in (forward, verdict, notify, final))
    return forward.day, verdict.day, notify.day, final.day, estimated


@dataclass
class Target:
    person_id: int
    department_id: int
    record: CreditRecord | None = None
    redemption: Redemption | None = None


def _target(resident, record_id, redemption_id) -> Target:
    """The resident's own record or reported default; another's looks exactly like a missing one."""
    if redemption_id is not None:
        redemption = redemptions.contestable_default(resident.person_id, redemption_id)
        if redemption is None:
            raise ApiError(404, "not_found", _("There is no such default open to objection."))
        return Target(resident.person_id, redemptions.platform_department().id,
                      redemption=redemption)
    record = db.session.get(CreditRecord, record_id)
    if record is None or record.person_id != resident.person_id:
        raise ApiError(404, "record_not_found", _("You have no record with that id."))
    _refuse_unless_active(record.status)
    return Target(resident.person_id, record.department_id, record=record)


def _refuse_unless_active(status):
    if status is None:  # purged at the end of its retention
        raise ApiError(404, "record_not_found", _("You have no record with that id."))
    if status != "active":
        raise ApiError(409, "record_not_active", _("Only a record in force can be objected to."))


def file_objection(resident, reason: str, record_id=None, redemption_id=None,
                   attachments=()) -> Objection:
    """File and forward an objection at once; the record keeps counting meanwhile."""
    target = _target(resident, record_id, redemption_id)
    lock_people([target.person_id])  # one open objection per record, even with double clicks
    if target.record is not None:
        # the department or the purge may have changed the record while we waited for the lock
        _refuse_unless_active(db.session.scalar(
            select(CreditRecord.status).where(CreditRecord.id == record_id)))
    if _open_objection(record_id, redemption_id) is not None:
        raise ApiError(409, "objection_open", _("An objection to this is already under way."))
    forward_by, verdict_by, notify_by, final_by, estimated = deadlines_from(city_today())
    objection = Objection(
        person_id=target.person_id, resident_id=resident.id, record_id=record_id,
        redemption_id=redemption_id, department_id=target.department_id, reason=reason,
        status="submitted", filed_at=utcnow(), forward_by=forward_by, verdict_by=verdict_by,
        notify_by=notify_by, final_by=final_by, deadlines_estimated=estimated)
    db.session.add(objection)
    db.session.flush()
    store_attachments("objection", objection.id, attachments)
    audit(f"resident:{resident.id}", "objection.filed", "objection", objection.id,
          subject_id=objection.person_id,
          data={"record_id": record_id, "redemption_id": redemption_id,
                "attachments": len(attachments), "deadlines_estimated": estimated})
    if target.redemption is not None and not redemptions.hold_default(
            target.redemption, f"resident:{resident.id}"):
        raise ApiError(409, "grace_period_over", _("The default can no longer be objected to."))
    _forward(objection)
    return objection


def _open_objection(record_id, redemption_id):
    column, value = ((Objection.record_id, record_id) if record_id is not None
                     else (Objection.redemption_id, redemption_id))
    return db.session.scalar(select(Objection.id).where(column == value,
                                                        Objection.status.in_(OPEN_OBJECTION)))


def open_objection_ids(record_ids) -> dict[int, int]:
    """{record id: id of its objection under way} for those of the records that have one."""
    if not record_ids:
        return {}
    return dict(db.session.execute(
        select(Objection.record_id, Objection.id)
        .where(Objection.record_id.in_(record_ids), Objection.status.in_(OPEN_OBJECTION))).all())


def _forward(objection):
    """The centre's check is automatic: a well-formed objection goes to the department at once."""
    objection.status, objection.forwarded_at = "forwarded", utcnow()
    audit("system:governance", "objection.forwarded", "objection", objection.id,
          subject_id=objection.person_id, data={"department_id": objection.department_id})
    db.session.flush()


def resident_objections(resident) -> list[Objection]:
    return list(db.session.scalars(
        select(Objection).where(Objection.resident_id == resident.id)
        .order_by(Objection.filed_at.desc(), Objection.id.desc())))


def resident_objection(resident, objection_id) -> Objection:
    objection = db.session.get(Objection, objection_id)
    if objection is None or objection.resident_id != resident.id:
        raise ApiError(404, "not_found", _("There is no such objection."))
    return objection


def department_objections(department, status=None) -> list[Objection]:
    """Objections to this department's records, each read logged in its person's access log."""
    query = select(Objection).where(Objection.department_id == department.id)
    if status is not None:
        query = query.where(Objection.status == status)
    found = list(db.session.scalars(query.order_by(Objection.filed_at, Objection.id)))
    for objection in found:
        _log_read(department, objection)
    return found


def department_objection(department, objection_id) -> Objection:
    objection = db.session.get(Objection, objection_id)
    if objection is None or objection.department_id != department.id:
        raise ApiError(404, "not_found", _("There is no such objection."))
    _log_read(department, objection)
    return objection


def _log_read(department, objection):
    log_access(objection.person_id, "department", department.name, WHAT_OBJECTION,
               PURPOSE_DEPARTMENT_CHECK)


def source_id(objection) -> str | None:
    """The department's own id of what is objected to (a default's future record's id)."""
    if objection.record_id is not None:
        return db.session.get(CreditRecord, objection.record_id).source_id
    return f"redemption-{objection.redemption_id}-merchant_default"


def decide(objection_id, verdict, reason, actor, department=None, correction=None) -> Objection:
    """Record the verdict once and apply it: upheld corrects (or, without a correction, revokes)
    the record, or annuls a default; rejected keeps it. The score follows at once.

    `department` limits the decision to its own objections (the department API); operators
    pass None to intervene.
    """
    if verdict not in VERDICTS:
        raise ApiError(422, "invalid_input", _("The verdict is upheld or rejected."))
    _lock_person_of(objection_id)
    now = utcnow()
    scope = [Objection.id == objection_id]
    if department is not None:
        scope.append(Objection.department_id == department.id)
    changed = db.session.execute(
        update(Objection).where(*scope, Objection.status == "forwarded")
        .values(status=verdict, decided_at=now, notified_at=now, decided_by=actor,
                verdict_reason=reason, correction=_jsonable(correction))
        .execution_options(synchronize_session=False)).rowcount
    objection = db.session.get(Objection, objection_id)
    if objection is not None:
        db.session.refresh(objection)
    if objection is None or (department is not None and objection.department_id != department.id):
        raise ApiError(404, "not_found", _("There is no such objection."))
    if not changed:
        raise ApiError(409, "objection_closed",
                       _("This objection is already %(status)s.", status=objection.status),
                       {"status": objection.status})
    _apply(objection, verdict == "upheld", correction, actor)
    audit(actor, f"objection.{verdict}", "objection", objection.id, subject_id=objection.person_id,
          data={"record_id": objection.record_id, "redemption_id": objection.redemption_id,
                "corrected": bool(correction)})
    db.session.flush()
    return objection


def _lock_person_of(objection_id):
    """Lock the objection's person before its row: the purge, like every writer of records,
    takes the person first, and the other order could deadlock with it."""
    person_id = db.session.scalar(select(Objection.person_id).where(Objection.id == objection_id))
    if person_id is not None:
        lock_people([person_id])


def _jsonable(correction):
    if not correction:
        return None
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in correction.items()}


def _apply(objection, upheld, correction, actor):
    if objection.redemption_id is not None:
        redemption = db.session.get(Redemption, objection.redemption_id)
        redemptions.settle_contested_default(redemption, upheld, actor)
        return
    if not upheld:
        return
    record = db.session.get(CreditRecord, objection.record_id)
    owner = db.session.get(Department, record.department_id)
    if correction:
        records.correct(owner, record.source_id, correction)
    else:
        records.revoke(owner, record.source_id)


def withdraw(resident, objection_id) -> Objection:
    """The resident withdraws an open objection; a held default is released."""
    objection = resident_objection(resident, objection_id)
    _lock_person_of(objection.id)
    changed = db.session.execute(
        update(Objection).where(Objection.id == objection.id,
                                Objection.status.in_(OPEN_OBJECTION))
        .values(status="withdrawn", withdrawn_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(objection)
    if not changed:
        raise ApiError(409, "objection_closed",
                       _("This objection is already %(status)s.", status=objection.status),
                       {"status": objection.status})
    if objection.redemption_id is not None:
        redemptions.settle_contested_default(db.session.get(Redemption, objection.redemption_id),
                                             False, f"resident:{resident.id}")
    audit(f"resident:{resident.id}", "objection.withdrawn", "objection", objection.id,
          subject_id=objection.person_id)
    db.session.flush()
    return objection


def overdue_steps(objection, today=None) -> list[str]:
    """The deadlines passed without their step done: "forward_by", "verdict_by", "final_by"."""
    today = today or city_today()
    steps = []
    if objection.status == "submitted" and today > objection.forward_by:
        steps.append("forward_by")
    if objection.status in OPEN_OBJECTION and today > objection.verdict_by:
        steps.append("verdict_by")
    if objection.status in OPEN_OBJECTION and today > objection.final_by:
        steps.append("final_by")
    return steps


def tell_resident_of_verdict(objection) -> None:
    """Text the resident the verdict; call it after the commit (the web shows it already)."""
    resident = db.session.get(Resident, objection.resident_id)
    if resident is None or resident.closed_at is not None:
        return
    filed = objection.filed_at.astimezone(CITY_TZ).date().isoformat()
    text = (_("Your objection of %(day)s was upheld: the record has been corrected or removed.",
              day=filed) if objection.status == "upheld" else
            _("Your objection of %(day)s was rejected: %(reason)s", day=filed,
              reason=objection.verdict_reason))
    sms_sender().send(resident.phone, text)
