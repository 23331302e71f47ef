"""Who looked at my credit: every read of a person's data by anyone but the resident.

Partners, merchant verifications, operators and department answers each log one entry through
`log_access` in the same transaction as the read; residents see them on their access-log page and
at `GET /api/v1/me/access-log`. `what` and `purpose` are stored as written (English message ids
such as the ones below, or a partner's own stated purpose) and shown translated by `shown`.
"""
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow

WHO_KINDS = ("partner", "merchant", "operator", "department")


def N_(message: str) -> str:
    """Mark a message for extraction; it is stored as is and translated when shown."""
    return message


# what was read: the readers' usual reads in plain language
WHAT_VERIFICATION = N_("Your credit code, and whether you qualify for the benefit asked for")
WHAT_RECORD = N_("A record the department delivered about you")
WHAT_SCORE = N_("Your credit score and tier")
WHAT_REPORT = N_("Your explained credit report: dimensions, reasons and negative records")
WHAT_ELIGIBILITY = N_("Whether you qualify for a benefit")
WHAT_BOOKING = N_("A booking of a benefit for you (such as a deposit-free hotel stay), and "
                  "whether you qualify for it")
# and why
PURPOSE_VERIFICATION = N_("Granting a benefit at the counter")
PURPOSE_RECORD = N_("The department checking a record it delivered")


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


def shown(text: str) -> str:
    """A stored `what` or `purpose` in the reader's language (free text stays as written)."""
    return gettext(text) if text else text


def access_log(person_id: int, limit: int = 200, offset: int = 0) -> list[AccessEntry]:
    """The person's access entries, newest first (`limit` of them, after skipping `offset`)."""
    return list(db.session.scalars(
        select(AccessEntry).where(AccessEntry.person_id == person_id)
        .order_by(AccessEntry.at.desc(), AccessEntry.id.desc()).offset(offset).limit(limit)))
