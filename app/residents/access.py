"""Who looked at my credit: every read of a person's data by anyone but the resident.

Partners, merchant verifications, operators and department answers each log one entry through
`log_access` in the same transaction as the read; residents see them on their access-log page and
at `GET /api/v1/me/access-log`.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow

WHO_KINDS = ("partner", "merchant", "operator", "department")


class AccessEntry(db.Model):
    __tablename__ = "access_entries"
    __table_args__ = (Index("ix_access_entries_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    who_kind: Mapped[str] = mapped_column(String(20))
    who_name: Mapped[str] = mapped_column(String(200))
    what: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(200))

    def __repr__(self):
        return f"<AccessEntry {self.id} person={self.person_id} {self.who_kind}>"


def log_access(person_id: int, who_kind: str, who_name: str, what: str, purpose: str) -> None:
    """Log one read of `person_id`'s data; the caller's transaction commits it with the read."""
    if who_kind not in WHO_KINDS:
        raise ValueError(f"unknown kind of reader: {who_kind}")
    db.session.add(AccessEntry(person_id=person_id, who_kind=who_kind, who_name=who_name[:200],
                               what=what[:200], purpose=purpose[:200]))


def access_log(person_id: int, limit: int = 200) -> list[AccessEntry]:
    """The person's access entries, newest first."""
    return list(db.session.scalars(
        select(AccessEntry).where(AccessEntry.person_id == person_id)
        .order_by(AccessEntry.at.desc(), AccessEntry.id.desc()).limit(limit)))
