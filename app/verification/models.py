"""Redemptions of benefits and replayable verification answers."""
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.benefits.models import Benefit
from app.core.db import UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow
from app.merchants.models import Merchant
from app.residents.models import Person

STATUSES = ("granted", "completed", "defaulted", "cancelled")


class Redemption(db.Model):
    """One use of a benefit, granted against one credit code (the token's single-use id)."""

    __tablename__ = "redemptions"
    __table_args__ = (
        Index("ix_redemptions_person_benefit_granted", "person_id", "benefit_id", "granted_at"),
        Index("ix_redemptions_merchant_granted", "merchant_id", "granted_at"),
        Index("ix_redemptions_status_due", "status", "default_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # the database's guarantee of one redemption per token, whatever Redis says
    token_id: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefits.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("merchant_staff.id"))
    status: Mapped[str] = mapped_column(String(12), default="granted")
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    defaulted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    default_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # id of the credit record this redemption's outcome produced (default or fulfilment)
    record_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")
    # the resident objected to the reported default: it is not recorded until that is decided
    contested: Mapped[bool] = mapped_column(Boolean, default=False)

    benefit: Mapped[Benefit] = relationship()
    merchant: Mapped[Merchant] = relationship()
    person: Mapped[Person] = relationship()

    def __repr__(self):
        return f"<Redemption {self.id} {self.status}>"


class VerificationReplay(db.Model):
    """The answer given to a merchant's `Idempotency-Key`, replayed for a retried request."""

    __tablename__ = "verification_replays"
    __table_args__ = (UniqueConstraint("merchant_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict] = mapped_column(db.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self):
        return f"<VerificationReplay merchant={self.merchant_id} {self.idempotency_key}>"
