"""Ed25519 keys that sign residents' credit codes."""
from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Encrypted, UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow


class SigningKey(db.Model):
    """An Ed25519 key that signs credit codes; the private half is encrypted at rest."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(8), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    private_key: Mapped[str] = mapped_column("private_key_enc", Encrypted("signing_keys.private_key"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # set when a newer key takes over; tokens it signed keep verifying until they expire
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self):
        return f"<SigningKey {self.kid}>"


class NumericCode(db.Model):
    """The 18-digit number shown under a QR code, standing for the same single-use token.

    Stored by a keyed digest of the digits, the token encrypted: a copy of this table gives no
    code to type. Rows outlive their token by an hour (then pruned), so a late scan answers
    `expired` rather than `invalid`.
    """

    __tablename__ = "numeric_codes"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    token: Mapped[str] = mapped_column("token_enc", Encrypted("numeric_codes.token"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def __repr__(self):
        return f"<NumericCode expires {self.expires_at:%H:%M:%S}>"
