"""Objections (异议), credit repairs (信用修复) and the evidence residents attach to them."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Encrypted, UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow

OBJECTION_STATUSES = ("submitted", "forwarded", "upheld", "rejected", "withdrawn")
OPEN_OBJECTION = ("submitted", "forwarded")
REPAIR_STATUSES = ("submitted", "approved", "refused")


class Objection(db.Model):
    """A resident's objection to a record, or to a merchant's reported default not yet recorded."""

    __tablename__ = "objections"
    __table_args__ = (
        Index("ix_objections_department_status", "department_id", "status"),
        Index("ix_objections_person_filed", "person_id", "filed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    # exactly one of the two: the record objected to, or the default that would become one
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"), index=True)
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemptions.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))  # who answers
    reason: Mapped[str] = mapped_column("reason_enc", Encrypted("objections.reason"))
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    forward_by: Mapped[date] = mapped_column(Date)
    verdict_by: Mapped[date] = mapped_column(Date)
    notify_by: Mapped[date] = mapped_column(Date)
    final_by: Mapped[date] = mapped_column(Date)
    # a deadline fell in a year without calendar data: Monday–Friday was assumed
    deadlines_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    verdict_reason: Mapped[str | None] = mapped_column("verdict_reason_enc",
                                                        Encrypted("objections.verdict_reason"))
    correction: Mapped[dict | None] = mapped_column(JSON)

    def __repr__(self):
        return f"<Objection {self.id} {self.status}>"

    @property
    def deadlines(self) -> dict:
        return {"forward_by": self.forward_by, "verdict_by": self.verdict_by,
                "notify_by": self.notify_by, "final_by": self.final_by}


class Repair(db.Model):
    """A resident's application for credit repair of a negative record, with a signed commitment."""

    __tablename__ = "repairs"
    __table_args__ = (Index("ix_repairs_status_filed", "status", "filed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"), index=True)
    statement: Mapped[str] = mapped_column("statement_enc", Encrypted("repairs.statement"))
    commitment_text: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decision_reason: Mapped[str | None] = mapped_column(String(500))

    def __repr__(self):
        return f"<Repair {self.id} {self.status}>"


class Attachment(db.Model):
    """Evidence (an image or a PDF) attached to an objection or a repair, stored encrypted."""

    __tablename__ = "governance_attachments"
    __table_args__ = (Index("ix_governance_attachments_owner", "owner_kind", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(10))  # "objection" | "repair"
    owner_id: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # AES-GCM, bound to the owner
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self):
        return f"<Attachment {self.id} {self.owner_kind}:{self.owner_id}>"
