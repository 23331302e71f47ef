"""Reading the audit log for the console: filters, pages newest first, the chain check."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select

from app.core.audit import AuditEntry, verify_chain
from app.core.extensions import db
from app.core.time import CITY_TZ

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    """Each part narrows the entries; a name matches itself and everything under it
    (`operator` matches `operator:3`, `merchant` matches `merchant.created`)."""

    actor: str = ""
    action: str = ""
    object: str = ""  # `type` or `type:id`
    subject: int | None = None  # the person an entry is about
    since: date | None = None  # city dates, both included
    until: date | None = None


def _under(column, value, separator):
    return or_(column == value, column.startswith(value + separator, autoescape=True))


def _city_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), CITY_TZ)


def _conditions(f: AuditFilter):
    conditions = []
    if f.actor:
        conditions.append(_under(AuditEntry.actor, f.actor, ":"))
    if f.action:
        conditions.append(_under(AuditEntry.action, f.action, "."))
    if f.object:
        object_type, _sep, object_id = f.object.partition(":")
        conditions.append(AuditEntry.object_type == object_type)
        if object_id:
            conditions.append(AuditEntry.object_id == object_id)
    if f.subject is not None:
        conditions.append(AuditEntry.subject_id == f.subject)
    if f.since:
        conditions.append(AuditEntry.at >= _city_midnight(f.since))
    if f.until:
        conditions.append(AuditEntry.at < _city_midnight(f.until + timedelta(days=1)))
    return conditions


def page(f: AuditFilter, before: int | None = None) -> tuple[list[AuditEntry], int | None]:
    """Up to `PAGE_SIZE` entries matching `f`, newest first, with ids below `before`; and the
    `before` of the next page (None on the last)."""
    query = select(AuditEntry).where(*_conditions(f))
    if before is not None:
        query = query.where(AuditEntry.id < before)
    entries = list(db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE + 1)))
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    return entries, (entries[-1].id if more else None)


def unsealed_count() -> int:
    """Entries appended since the last sealing (the sealer runs every minute)."""
    return db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.hash.is_(None)))


@dataclass(frozen=True)
class ChainCheck:
    checked: int
    broken_at: int | None  # id of the first altered entry
    unsealed: int

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def check_chain() -> ChainCheck:
    """Recompute the sealed chain; entries not yet sealed are counted, not checked (sealing is
    the sealer's, never a request's)."""
    checked, broken = verify_chain()
    return ChainCheck(checked, broken, unsealed_count())
