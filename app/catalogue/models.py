"""Scheme versions: dimensions, tiers and record types are data, never code."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow


class Scheme(db.Model):
    __tablename__ = "schemes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    published_on: Mapped[date] = mapped_column(Date)
    base: Mapped[int] = mapped_column(Integer)
    min_score: Mapped[int] = mapped_column(Integer)
    max_score: Mapped[int] = mapped_column(Integer)
    # the credit commitment (信用承诺) a resident signs when applying for credit repair
    commitment_text: Mapped[str] = mapped_column(Text, default="")
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    # the published file as loaded, so any past score can be reproduced exactly
    source: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dimensions: Mapped[list["Dimension"]] = relationship(order_by="Dimension.position")
    tiers: Mapped[list["Tier"]] = relationship(order_by="Tier.min_score.desc()")
    record_types: Mapped[list["RecordType"]] = relationship(order_by="RecordType.id")

    def __repr__(self):
        return f"<Scheme {self.version}>"


class Dimension(db.Model):
    __tablename__ = "dimensions"
    __table_args__ = (UniqueConstraint("scheme_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("schemes.id"))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    floor: Mapped[int] = mapped_column(Integer)
    cap: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)

    def __repr__(self):
        return f"<Dimension {self.code}>"


class Tier(db.Model):
    __tablename__ = "tiers"
    __table_args__ = (UniqueConstraint("scheme_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("schemes.id"))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    min_score: Mapped[int] = mapped_column(Integer)

    def __repr__(self):
        return f"<Tier {self.code}>"


class RecordType(db.Model):
    __tablename__ = "record_types"
    __table_args__ = (UniqueConstraint("scheme_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("schemes.id"))
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    dimension: Mapped[str] = mapped_column(String(30))
    polarity: Mapped[str] = mapped_column(String(10))
    severity: Mapped[str | None] = mapped_column(String(10))
    points: Mapped[int] = mapped_column(Integer)
    full_days: Mapped[int] = mapped_column(Integer)
    fade_days: Mapped[int] = mapped_column(Integer)
    cap_per_year: Mapped[int | None] = mapped_column(Integer)
    # an ongoing state (on a court list, in arrears) counts in full until the department ends it
    state: Mapped[bool] = mapped_column(Boolean, default=False)
    unit_attribute: Mapped[str | None] = mapped_column(String(40))
    unit_size: Mapped[int] = mapped_column(Integer, default=1)
    legal_basis: Mapped[str] = mapped_column(Text)
    # codes of the departments entitled to deliver this type
    issuers: Mapped[list] = mapped_column(JSON, default=list)
    # negative types: days after the behaviour ended until the record is purged
    retention_days: Mapped[int | None] = mapped_column(Integer)
    # a negative record must carry the deciding document's reference (决定书文号)
    document_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # days after the behaviour ended from which credit repair may be applied for; None: never
    repair_after_days: Mapped[int | None] = mapped_column(Integer)

    def __repr__(self):
        return f"<RecordType {self.code}>"

    @property
    def signed_points(self):
        return self.points if self.polarity == "positive" else -self.points
