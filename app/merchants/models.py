"""Merchants that offer benefits, their API keys and their staff."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.benefits.models import Benefit
from app.core.db import Encrypted, UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow

merchant_benefits = Table(
    "merchant_benefits",
    db.metadata,
    Column("merchant_id", ForeignKey("merchants.id"), primary_key=True),
    Column("benefit_id", ForeignKey("benefits.id"), primary_key=True),
)


class Merchant(db.Model):
    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    benefits: Mapped[list[Benefit]] = relationship(
        secondary=merchant_benefits, order_by=Benefit.id)
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
    phone: Mapped[str] = mapped_column("phone_enc", Encrypted("merchant_staff.phone"))
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
