"""The redemption lifecycle (granted → completed | defaulted | cancelled) and its records.

Modelled on WeChat Pay Score service orders: the merchant reports the outcome. A completed use
adds a small positive record at once; a reported default becomes a negative `merchant_default`
record only after the grace period (`MERCHANT_DEFAULT_GRACE_DAYS`), and the merchant may still
complete or cancel it until then. A default needs the merchant's note; the resident is told at once
and may object during the grace period, which holds the record back (`contested`) until the
objection is decided: upheld, the default is annulled; rejected or withdrawn, it is recorded as
soon as its grace period has passed.
"""
from datetime import datetime, timedelta, timezone
from datetime import time as dtime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import selectinload

from app.core.audit import audit
from app.core.errors import ApiError
from app.core.extensions import db
from app.core.time import CITY_TZ, utcnow
from app.departments.models import Department
from app.departments.services import get_or_create_department
from app.records.services import ingest
from app.residents.locks import lock_people
from app.residents.models import Resident
from app.residents.sms import sms_sender
from app.verification.models import Redemption
from app.verification.services import benefit_name

PLATFORM_DEPARTMENT = ("xinyi_platform", "信用郑州信易+平台")
_TARGET = {"complete": "completed", "default": "defaulted", "cancel": "cancelled"}


def platform_department() -> Department:
    """The platform itself, as the department that reports redemption outcomes."""
    return get_or_create_department(*PLATFORM_DEPARTMENT)


def for_merchant(merchant, redemption_id) -> Redemption:
    """A redemption of this merchant; another merchant's looks exactly like a missing one."""
    redemption = db.session.get(Redemption, redemption_id)
    if redemption is None or redemption.merchant_id != merchant.id:
        raise ApiError(404, "not_found", _("There is no such redemption."))
    return redemption


def list_for_merchant(merchant, day=None) -> list[Redemption]:
    """The merchant's redemptions granted on a city day (today by default), newest first,
    with their benefits and persons loaded (three queries however many there are)."""
    day = day or utcnow().astimezone(CITY_TZ).date()
    start = datetime.combine(day, dtime(0), CITY_TZ).astimezone(timezone.utc)
    return list(db.session.scalars(
        select(Redemption).where(Redemption.merchant_id == merchant.id,
                                 Redemption.granted_at >= start,
                                 Redemption.granted_at < start + timedelta(days=1))
        .options(selectinload(Redemption.benefit), selectinload(Redemption.person))
        .order_by(Redemption.id.desc())))


def result_for_token(token_id: str) -> dict | None:
    """A granted scan of this token as the resident's page shows it, or None. Granted scans are
    in the database, so the page still learns of them with Redis down."""
    redemption = db.session.scalar(select(Redemption).filter_by(token_id=token_id))
    if redemption is None:
        return None
    return {"status": "scanned", "decision": "granted", "reason": None,
            "benefit": {"code": redemption.benefit.code, "name": benefit_name(redemption.benefit)},
            "merchant": redemption.merchant.name, "at": redemption.granted_at.isoformat()}


def _replaceable(action):
    """The states an outcome may replace: a granted use, or (to settle it) a default not yet
    recorded; a default replaces only a granted use."""
    if action == "default":
        return Redemption.status == "granted"
    return or_(Redemption.status == "granted",
               and_(Redemption.status == "defaulted", Redemption.record_id.is_(None)))


def report(caller, redemption, action, note="") -> bool:
    """Apply a merchant's outcome report; True if it changed the redemption, False for a
    repeat of the report already applied (a no-op).

    The transition is one conditional UPDATE: of two reports racing on a redemption exactly one
    changes it, and only that one adds records (and, for a default, has the resident told:
    `tell_resident_of_default` after the commit).
    """
    if action == "default" and not note.strip():
        raise ApiError(422, "note_required",
                       _("Say what went wrong: a default needs a note the resident can read."),
                       {"fields": {"note": [_("Missing data for required field.")]}})
    target, now = _TARGET[action], utcnow()
    values = {"status": target}
    if note:
        values["note"] = note
    if action == "complete":
        values["completed_at"] = now
    elif action == "cancel":
        values["cancelled_at"] = now
    else:
        grace = int(current_app.config.get("MERCHANT_DEFAULT_GRACE_DAYS", 7))
        values.update(defaulted_at=now, default_due_at=now + timedelta(days=grace))
    changed = db.session.execute(
        update(Redemption).where(Redemption.id == redemption.id, _replaceable(action))
        .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(redemption)
    if not changed:
        if redemption.status == target:
            return False
        raise ApiError(409, "invalid_transition",
                       _("This redemption is already %(status)s.", status=redemption.status),
                       {"status": redemption.status})
    if action == "complete":
        _fulfilment_record(redemption)
    audit(caller.actor, f"redemption.{target}", "redemption", redemption.id,
          subject_id=redemption.person_id,
          data={"merchant_id": redemption.merchant_id, "note": note})
    db.session.flush()
    return True


def tell_resident_of_default(redemption) -> None:
    """Text the resident that a default was reported and how long they have to object; call it
    after the commit, so no message goes out for a report that was rolled back."""
    resident = db.session.get(Resident, redemption.resident_id)
    if resident is None or resident.closed_at is not None:
        return
    due = redemption.default_due_at.astimezone(CITY_TZ).date().isoformat()
    sms_sender().send(resident.phone, _(
        "%(merchant)s reported that %(benefit)s was not honoured: %(note)s. If this is wrong, "
        "object on the records page before %(due)s.", merchant=redemption.merchant.name,
        benefit=benefit_name(redemption.benefit), note=redemption.note, due=due))


def _record(redemption, rtype, occurred: datetime):
    benefit, person = redemption.benefit, redemption.person
    payload = {"source_id": f"redemption-{redemption.id}-{rtype}", "id_number": person.id_number,
               "name": person.name, "type": rtype,
               "occurred_at": occurred.astimezone(CITY_TZ).date().isoformat(),
               "attributes": {"redemption_id": redemption.id, "benefit": benefit.code,
                              "merchant_id": redemption.merchant_id}}
    outcome = ingest(platform_department(), [payload], actor="system:redemptions")[0]
    if outcome.status not in ("accepted", "duplicate"):
        raise RuntimeError(f"redemption {redemption.id}: record rejected {outcome.errors}")
    redemption.record_id = outcome.record_id


def _fulfilment_record(redemption):
    rtype = "deposit_free_completed" if redemption.benefit.deposit_free else "merchant_fulfilment"
    _record(redemption, rtype, redemption.completed_at)


def process_defaults(now: datetime | None = None) -> int:
    """Turn defaults whose grace period has passed into negative records; return how many."""
    now = now or utcnow()
    is_due = (Redemption.status == "defaulted", Redemption.record_id.is_(None),
              Redemption.contested.is_(False), Redemption.default_due_at <= now)
    # persons first, then their rows — the order an objection to a default takes them in — and
    # asked again under the locks, so a default objected to meanwhile is held back
    lock_people(db.session.scalars(select(Redemption.person_id).where(*is_due)).all())
    due = list(db.session.scalars(
        select(Redemption).where(*is_due).order_by(Redemption.id).with_for_update(skip_locked=True)))
    for redemption in due:
        _record(redemption, "merchant_default", redemption.defaulted_at)
        audit("system:redemptions", "redemption.default_recorded", "redemption", redemption.id,
              subject_id=redemption.person_id, data={"record_id": redemption.record_id})
    db.session.flush()
    return len(due)


def contestable_default(person_id: int, redemption_id: int, now: datetime | None = None):
    """The person's reported default still in its grace period and not yet contested, or None."""
    redemption = db.session.get(Redemption, redemption_id)
    now = now or utcnow()
    if (redemption is None or redemption.person_id != person_id
            or redemption.status != "defaulted" or redemption.record_id is not None
            or redemption.contested or redemption.default_due_at <= now):
        return None
    return redemption


def pending_defaults(person_id: int) -> list[Redemption]:
    """The person's reported defaults not yet recorded, newest first (the resident's notice)."""
    return list(db.session.scalars(
        select(Redemption).where(Redemption.person_id == person_id,
                                 Redemption.status == "defaulted", Redemption.record_id.is_(None))
        .options(selectinload(Redemption.benefit), selectinload(Redemption.merchant))
        .order_by(Redemption.id.desc())))


def hold_default(redemption, actor) -> bool:
    """Hold a default back from becoming a record while an objection runs; False if too late."""
    held = db.session.execute(
        update(Redemption).where(Redemption.id == redemption.id, Redemption.status == "defaulted",
                                 Redemption.record_id.is_(None), Redemption.contested.is_(False),
                                 Redemption.default_due_at > utcnow())
        .values(contested=True).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(redemption)
    if held:
        audit(actor, "redemption.default_contested", "redemption", redemption.id,
              subject_id=redemption.person_id)
    return bool(held)


def settle_contested_default(redemption, upheld: bool, actor) -> None:
    """End the hold: an upheld objection annuls the default, otherwise it is recorded once its
    grace period has passed (at once if it already has)."""
    values = {"contested": False}
    if upheld:  # a default the merchant settled meanwhile (completed, cancelled) stays settled
        still_default = Redemption.status == "defaulted"
        values.update(status=case((still_default, "cancelled"), else_=Redemption.status),
                      cancelled_at=case((still_default, utcnow()), else_=Redemption.cancelled_at))
    changed = db.session.execute(
        update(Redemption).where(Redemption.id == redemption.id, Redemption.contested.is_(True))
        .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(redemption)
    if not changed:
        return
    annulled = upheld and redemption.status == "cancelled"
    audit(actor, "redemption.default_annulled" if annulled else "redemption.default_released",
          "redemption", redemption.id, subject_id=redemption.person_id)
    if not upheld and redemption.status == "defaulted" and redemption.default_due_at <= utcnow():
        _record(redemption, "merchant_default", redemption.defaulted_at)
        audit("system:redemptions", "redemption.default_recorded", "redemption", redemption.id,
              subject_id=redemption.person_id, data={"record_id": redemption.record_id})
    db.session.flush()
