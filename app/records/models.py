from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow

STATUSES = ("active", "revoked", "repaired", "expired")


class CreditRecord(db.Model):
    """One public credit record; idempotent on (department, source id)."""

    __tablename__ = "credit_records"
    __table_args__ = (
        UniqueConstraint("department_id", "source_id"),
        Index("ix_credit_records_person_id_status", "person_id", "status"),
        # the nightly rescore reads a few persons' active records from this index alone
        Index("ix_credit_records_scoring", "person_id",
              postgresql_include=["type_code", "occurred_on", "ended_on", "units"],
              postgresql_where=text("status = 'active'"), sqlite_where=text("status = 'active'")),
        # the nightly rescore finds the records written since its last run
        Index("ix_credit_records_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    source_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    type_code: Mapped[str] = mapped_column(String(60))
    occurred_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    units: Mapped[int] = mapped_column(Integer, default=1)
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="active")
    # the deciding document's reference (决定书文号), required by some negative types
    document_ref: Mapped[str | None] = mapped_column(String(100))
    # when credit repair was approved (status then "repaired": the record counts no more)
    repaired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self):
        return f"<CreditRecord {self.id} {self.type_code} {self.status}>"


class RecordTombstone(db.Model):
    """What remains of a record purged at the end of its retention: no person, no source id.

    `reference` is a keyed digest of (department, source id): the department can confirm that
    a record it delivered was purged, nobody can read the source id back from it.
    """

    __tablename__ = "record_tombstones"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, unique=True)  # as redacted audit entries name it
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    type_code: Mapped[str] = mapped_column(String(60))
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self):
        return f"<RecordTombstone {self.record_id} {self.type_code}>"
