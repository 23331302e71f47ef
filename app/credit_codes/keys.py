"""Ed25519 signing keys: creation, rotation, the JWKS, and a small per-process cache.

The cache only saves a query and a decryption per request; the database stays the source of
truth, so rotation on one worker reaches the others within `_CACHE_SECONDS` (and at once for a
key id a worker has not seen yet). Meanwhile no token expiring later than a genuine one could
verifies, so a retired key cannot be used to forge long-lived codes.
"""
import base64
import secrets
import threading
import time
from datetime import timedelta

from flask import current_app
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey as NaclSigningKey
from nacl.signing import VerifyKey
from sqlalchemy import or_, select

from app.core.extensions import db
from app.core.time import utcnow
from app.credit_codes.models import SigningKey

_CACHE_SECONDS = 30
_lock = threading.Lock()
_verify_cache = {}  # (app id, kid) -> (VerifyKey, retired_at epoch or None, loaded at)
_sign_cache = {}  # (app id, kid) -> nacl SigningKey


def token_ttl() -> int:
    return int(current_app.config.get("CREDIT_CODE_TTL", 60))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def create_key() -> SigningKey:
    """Make a new current signing key (flushes)."""
    taken = set(db.session.scalars(select(SigningKey.kid)))
    kid = next(k for k in (f"{secrets.randbelow(0x10000):04x}" for _ in range(1000)) if k not in taken)
    private = NaclSigningKey.generate()
    key = SigningKey(kid=kid, public_key=bytes(private.verify_key),
                     private_key=bytes(private).hex())
    db.session.add(key)
    db.session.flush()
    return key


def current_key() -> SigningKey:
    """The newest key not yet retired, created on first use."""
    key = db.session.scalar(select(SigningKey).where(SigningKey.retired_at.is_(None))
                            .order_by(SigningKey.id.desc()).limit(1))
    return key or create_key()


def rotate() -> SigningKey:
    """Retire the current key (it keeps verifying its tokens until they expire); make a new one."""
    now = utcnow()
    for key in db.session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))):
        key.retired_at = now
    return create_key()


def published_keys() -> list[SigningKey]:
    """Keys whose tokens may still be live: current ones and those retired less than a TTL ago."""
    horizon = utcnow() - timedelta(seconds=token_ttl() + 5)
    return list(db.session.scalars(
        select(SigningKey).where(or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > horizon))
        .order_by(SigningKey.id)))


def jwks() -> dict:
    """The published keys; a fresh installation creates its first key here (the caller commits)."""
    current_key()
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": k.kid, "x": _b64url(k.public_key),
                      "use": "sig", "alg": "EdDSA"} for k in published_keys()]}


def signer(key: SigningKey):
    cache_key = (id(current_app._get_current_object()), key.kid)
    private = _sign_cache.get(cache_key)
    if private is None:
        private = NaclSigningKey(bytes.fromhex(key.private_key))
        with _lock:
            _sign_cache[cache_key] = private
    return lambda message: private.sign(message).signature


def _verify_entry(kid: str):
    cache_key = (id(current_app._get_current_object()), kid)
    entry = _verify_cache.get(cache_key)
    if entry is not None and time.monotonic() - entry[2] < _CACHE_SECONDS:
        return entry
    key = db.session.scalar(select(SigningKey).filter_by(kid=kid))
    if key is None:
        return None
    retired = key.retired_at.timestamp() if key.retired_at else None
    entry = (VerifyKey(key.public_key), retired, time.monotonic())
    with _lock:
        _verify_cache[cache_key] = entry
    return entry


def signature_valid(claims) -> bool:
    """True if a known key signed the token and the key was not retired before signing it."""
    entry = _verify_entry(claims.kid)
    if entry is None:
        return False
    verify_key, retired, _loaded = entry
    # no genuine token expires later than one issued now, and a retired key's tokens no later
    # than its last possible one
    latest = time.time() if retired is None else min(time.time(), retired)
    if claims.expires > latest + token_ttl() + 5:
        return False
    try:
        verify_key.verify(claims.signed, claims.signature)
    except BadSignatureError:
        return False
    return True


def clear_cache():
    with _lock:
        _verify_cache.clear()
        _sign_cache.clear()
