"""SMS one-time codes and short-lived values, kept in Redis.

Redis is a fast path: when it cannot be reached, the same counters are kept in this process
(bounded, expiring) so codes stay protected and available rather than failing open or closed.
"""
import hashlib
import hmac
import secrets
import threading
import time

import redis
from flask import current_app

from app.core.redis import get_redis

OTP_SECONDS = 5 * 60
OTP_MAX_TRIES = 5
OTP_RESEND_SECONDS = 60


class _LocalStore:
    """Process-local stand-in used only while Redis is down."""

    def __init__(self, max_keys=10_000):
        self._data, self._lock, self._max = {}, threading.Lock(), max_keys

    def _live(self, key):
        item = self._data.get(key)
        if item and item[1] < time.monotonic():
            del self._data[key]
            return None
        return item

    def incr(self, key, ttl):
        with self._lock:
            item = self._live(key)
            value = (int(item[0]) if item else 0) + 1
            expires = item[1] if item else time.monotonic() + ttl
            if len(self._data) >= self._max:
                self._data.clear()
            self._data[key] = (value, expires)
            return value

    def get(self, key):
        with self._lock:
            item = self._live(key)
            return item[0] if item else None

    def set(self, key, value, ttl):
        with self._lock:
            self._data[key] = (value, time.monotonic() + ttl)

    def delete(self, *keys):
        with self._lock:
            for key in keys:
                self._data.pop(key, None)


_local = _LocalStore()


def _incr(key, ttl):
    try:
        # the window starts with the first failure (SET NX also works on Redis < 7, unlike
        # EXPIRE NX); MULTI/EXEC keeps the pair atomic
        pipe = get_redis().pipeline()
        pipe.set(key, 0, ex=ttl, nx=True)
        pipe.incr(key)
        return int(pipe.execute()[1])
    except redis.RedisError:
        return _local.incr(key, ttl)


def _get(key):
    try:
        value = get_redis().get(key)
        return value.decode() if isinstance(value, bytes) else value
    except redis.RedisError:
        value = _local.get(key)
        return None if value is None else str(value)


def _set(key, value, ttl):
    try:
        get_redis().set(key, value, ex=ttl)
    except redis.RedisError:
        _local.set(key, value, ttl)


def _delete(*keys):
    try:
        get_redis().delete(*keys)
    except redis.RedisError:
        pass
    _local.delete(*keys)


# --- one-time codes -------------------------------------------------------------------------

def _code_digest(code):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def issue_code(purpose: str, target: str) -> str | None:
    """Create a 6-digit code for (purpose, target); None if one was sent less than a minute ago."""
    if _get(f"otp:sent:{purpose}:{target}") is not None:
        return None
    code = f"{secrets.randbelow(10**6):06d}"
    _set(f"otp:code:{purpose}:{target}", _code_digest(code), OTP_SECONDS)
    _delete(f"otp:tries:{purpose}:{target}")
    _set(f"otp:sent:{purpose}:{target}", "1", OTP_RESEND_SECONDS)
    return code


def check_code(purpose: str, target: str, code: str) -> bool:
    """True once for the right code; the code is used up, and so is it after too many tries."""
    key = f"otp:code:{purpose}:{target}"
    stored = _get(key)
    if stored is None:
        return False
    tries = _incr(f"otp:tries:{purpose}:{target}", OTP_SECONDS)
    if tries > OTP_MAX_TRIES:
        _delete(key)
        return False
    if hmac.compare_digest(stored, _code_digest(code.strip())):
        _delete(key, f"otp:tries:{purpose}:{target}")
        return True
    return False


# --- short-lived values (e.g. a registration waiting for its SMS code) -----------------------

def stash(key: str, value: str, ttl: int) -> None:
    _set(f"stash:{key}", value, ttl)


def fetch(key: str) -> str | None:
    return _get(f"stash:{key}")


def drop(key: str) -> None:
    _delete(f"stash:{key}")
