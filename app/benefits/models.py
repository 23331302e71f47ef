from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.time import utcnow
from app.extensions import db

SCENES = ("信易租", "信易行", "信易游", "信易医", "信易购", "信易停", "信易贷", "信易阅")

merchant_benefits = Table(
    "merchant_benefits",
    db.metadata,
    Column("merchant_id", ForeignKey("merchants.id"), primary_key=True),
    Column("benefit_id", ForeignKey("benefits.id"), primary_key=True),
)


class Benefit(db.Model):
    """A 信易+ item: a convenience on top of normal service, unlocked by a good score."""

    __tablename__ = "benefits"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    scene: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    min_tier: Mapped[str | None] = mapped_column(String(30))
    min_score: Mapped[int | None] = mapped_column(Integer)
    limit_count: Mapped[int | None] = mapped_column(Integer)
    limit_period: Mapped[str | None] = mapped_column(String(10))  # day | month | year
    value_text: Mapped[str] = mapped_column(String(120), default="")
    value_text_en: Mapped[str] = mapped_column(String(160), default="")
    deposit_free: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    merchants: Mapped[list["Merchant"]] = relationship(
        secondary=merchant_benefits, back_populates="benefits"
    )

    def __repr__(self):
        return f"<Benefit {self.code}>"


class Merchant(db.Model):
    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    benefits: Mapped[list[Benefit]] = relationship(
        secondary=merchant_benefits, back_populates="merchants"
    )
    staff: Mapped[list["MerchantStaff"]] = relationship(back_populates="merchant")

    def __repr__(self):
        return f"<Merchant {self.name}>"


class MerchantApiKey(db.Model):
    __tablename__ = "merchant_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    merchant: Mapped[Merchant] = relationship()

    def __repr__(self):
        return f"<MerchantApiKey {self.id} merchant={self.merchant_id}>"


class MerchantStaff(UserMixin, db.Model):
    __tablename__ = "merchant_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"))
    phone_index: Mapped[str] = mapped_column(String(64), unique=True)
    phone_enc: Mapped[bytes] = mapped_column(db.LargeBinary)
    name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20), default="clerk")  # clerk | manager
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    merchant: Mapped[Merchant] = relationship(back_populates="staff")

    def __repr__(self):
        return f"<MerchantStaff {self.id} merchant={self.merchant_id}>"

    def get_id(self):
        return f"staff:{self.id}:{self.session_epoch}"
