"""Operators of the credit centre: accounts with a role, a TOTP second factor and recovery codes."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Encrypted, UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow

# operator: onboarding and the catalogue; reviewer: objections and repairs; auditor: reads only
ROLES = ("operator", "reviewer", "auditor")


class Operator(UserMixin, db.Model):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    totp_secret: Mapped[str] = mapped_column("totp_secret_enc", Encrypted("operators.totp_secret"))
    # set once the operator has shown a code from the authenticator app (enrolment)
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the 30-second step of the last code accepted: a code is good once
    last_totp_step: Mapped[int | None] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(back_populates="operator")

    def __repr__(self):
        return f"<Operator {self.username} ({self.role})>"

    def get_id(self):
        return f"operator:{self.id}:{self.session_epoch}"

    @property
    def actor(self) -> str:
        """How the audit log names this operator."""
        return f"operator:{self.id}"


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator; stored as a keyed digest."""

    __tablename__ = "operator_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    operator: Mapped[Operator] = relationship(back_populates="recovery_codes")

    def __repr__(self):
        return f"<RecoveryCode {self.id} operator={self.operator_id}>"
