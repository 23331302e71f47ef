"""The 18-digit numeric credit code, typed by a cashier or sent by a barcode scanner.

It is a random number (10¹⁸ ≈ 2⁶⁰) mapped server-side to one signed token, so it lives exactly
as long as that token and is redeemed through the token's unique `redemptions.token_id`: the
QR code and its number cannot both be used. Guessing, against the per-merchant limit of 50
verifications a second (1.6 × 10⁹ a year) with even 10⁵ codes live at once, hits a live code
with probability 10⁵ / 10¹⁸ per try, about 1.6 × 10⁻⁴ a merchant-year — and a hit grants one
benefit to a stranger, never reveals who they are beyond a masked name.
"""
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from app.core.crypto import blind_index
from app.core.extensions import db
from app.core.time import utcnow
from app.credit_codes.models import NumericCode

DIGITS = 18
KEEP_AFTER_EXPIRY = timedelta(hours=1)
_CONTEXT = "numeric-credit-code"
_TYPED = re.compile(r"[\s-]*(?:[0-9][\s-]*){18}")


def as_numeric(text: str) -> str | None:
    """The 18 digits if `text` is a numeric code (spaces and dashes allowed), else None."""
    if not isinstance(text, str) or len(text) > 64 or not _TYPED.fullmatch(text):
        return None
    return re.sub(r"[\s-]", "", text)


def issue(token: str, expires_at: datetime) -> str:
    """A fresh numeric code standing for `token` until `expires_at` (flushes)."""
    digits = f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"
    db.session.add(NumericCode(digest=blind_index(digits, _CONTEXT), token=token,
                               expires_at=expires_at))
    db.session.flush()
    return digits


def token_of(digits: str) -> str | None:
    """The token a numeric code stands for, or None if there is no such code (one indexed read)."""
    return db.session.scalar(select(NumericCode.token)
                             .where(NumericCode.digest == blind_index(digits, _CONTEXT)))


def prune() -> int:
    """Delete codes whose token expired over an hour ago; returns how many."""
    result = db.session.execute(delete(NumericCode)
                                .where(NumericCode.expires_at < utcnow() - KEEP_AFTER_EXPIRY))
    return result.rowcount
