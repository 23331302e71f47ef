"""Issuing and reading residents' credit codes."""
import base64
import binascii
import hashlib
import io
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

import qrcode
import qrcode.image.svg
from cryptography.exceptions import InvalidTag
from flask import current_app
from qrcode.util import MODE_ALPHA_NUM, QRData

from app.core import crypto
from app.credit_codes import keys, numeric, tokens
from app.residents.models import Resident

# a fixed mask skips qrcode's trial of all eight (several milliseconds per code)
QR_MASK = 4
_HANDLE_CONTEXT = "credit-code-url"


def _subject_secret() -> bytes:
    return _derived_subject_secret(current_app.config["BLIND_INDEX_KEY"])


@lru_cache(maxsize=4)
def _derived_subject_secret(blind_index_key: str) -> bytes:
    # derived once per key: every scan unmasks its token's subject with it
    return hashlib.sha256(b"credit-code-subject:" + base64.b64decode(blind_index_key)).digest()


def issue_credit_code(resident: Resident) -> tuple[str, datetime]:
    """Return a fresh signed token for the resident and when it expires (60 s by default)."""
    key = keys.current_key()
    expires = int(time.time()) + keys.token_ttl()
    token_id = secrets.token_bytes(8)
    subject = tokens.mask_subject(_subject_secret(), resident.id, token_id)
    token = tokens.encode(key.kid, expires, token_id, subject, keys.signer(key))
    return token, datetime.fromtimestamp(expires, timezone.utc)


@dataclass(frozen=True)
class ShownCode:
    token: str
    numeric_code: str
    expires_at: datetime


def issue_shown_code(resident: Resident) -> ShownCode:
    """A fresh token and the 18-digit numeric code shown under its QR, valid together (flushes)."""
    token, expires_at = issue_credit_code(resident)
    return ShownCode(token, numeric.issue(token, expires_at), expires_at)


def token_of_typed(text: str) -> str:
    """The token itself, or the token an 18-digit numeric code stands for; raise InvalidToken
    for a numeric code the platform never issued (or pruned)."""
    digits = numeric.as_numeric(text)
    if digits is None:
        return text
    token = numeric.token_of(digits)
    if token is None:
        raise tokens.InvalidToken("unknown numeric code")
    return token


@dataclass(frozen=True)
class CheckedToken:
    claims: tokens.Claims
    resident_id: int
    expired: bool


def check_token(text: str, now: float | None = None) -> CheckedToken:
    """Parse and verify a token's signature; raise InvalidToken if it is not genuine."""
    claims = tokens.decode(text)
    if not keys.signature_valid(claims):
        raise tokens.InvalidToken("bad signature")
    resident_id = tokens.unmask_subject(_subject_secret(), claims.subject, claims.token_id)
    expired = claims.expires <= (now if now is not None else time.time())
    return CheckedToken(claims, resident_id, expired)


def url_handle(token: str) -> str:
    """An opaque stand-in for a token in URLs, so live codes never reach access logs."""
    return base64.urlsafe_b64encode(crypto.encrypt(token, _HANDLE_CONTEXT)).decode().rstrip("=")


def token_of_handle(handle: str) -> str:
    """The token a URL handle stands for; raise InvalidToken if the platform did not make it."""
    try:
        sealed = base64.urlsafe_b64decode(handle + "=" * (-len(handle) % 4))
        return crypto.decrypt(sealed, _HANDLE_CONTEXT)
    except (binascii.Error, ValueError, InvalidTag) as exc:
        raise tokens.InvalidToken("not a credit-code handle") from exc


def qr_svg(token: str) -> bytes:
    """An SVG QR code holding exactly `token` in alphanumeric mode at error correction Q."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, box_size=10, border=4,
                       mask_pattern=QR_MASK, image_factory=qrcode.image.svg.SvgPathImage)
    qr.add_data(QRData(token.encode(), mode=MODE_ALPHA_NUM))
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image().save(out)
    return out.getvalue()


def qr_version(token: str) -> int:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, mask_pattern=QR_MASK)
    qr.add_data(QRData(token.encode(), mode=MODE_ALPHA_NUM))
    qr.make(fit=True)
    return qr.version
