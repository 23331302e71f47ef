"""Offline check of a credit code's signature and expiry with a cached JWKS.

This says whether a code is genuine and unexpired; only the platform can say whether it is
still unused and whether the resident is eligible, so grant benefits through `VerificationClient`.
"""
import base64
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from merchants.token import InvalidToken, parse_token

DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "xinyi-merchants"


@dataclass(frozen=True)
class TokenCheck:
    valid: bool
    reason: str | None  # None | "invalid" | "expired"
    kid: str | None = None
    expires: int | None = None


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class OfflineVerifier:
    """Verify tokens with JWKS keys cached on disk, refreshed when stale or on an unknown key id."""

    def __init__(self, jwks_url=None, cache_path=None, max_age=3600, min_refresh_interval=30,
                 session=None, timeout=5):
        self.jwks_url = jwks_url
        self.cache_path = Path(cache_path) if cache_path else None
        self.max_age, self.min_refresh_interval, self.timeout = max_age, min_refresh_interval, timeout
        self.session = session or requests.Session()
        self._keys, self._fetched_at, self._last_attempt = {}, 0.0, 0.0
        self._load_cache()

    @classmethod
    def from_url(cls, base_url, cache_dir=None, **kwargs):
        base = base_url.rstrip("/")
        name = base.replace("://", "_").replace("/", "_").replace(":", "_") + ".jwks.json"
        cache = Path(cache_dir or DEFAULT_CACHE) / name
        return cls(f"{base}/.well-known/jwks.json", cache, **kwargs)

    @classmethod
    def from_jwks(cls, jwks: dict):
        verifier = cls()
        verifier._install(jwks, time.time())
        return verifier

    def _install(self, jwks, fetched_at):
        keys = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and "kid" in jwk:
                keys[jwk["kid"]] = VerifyKey(_b64url(jwk["x"]))
        self._keys, self._fetched_at = keys, fetched_at

    def _load_cache(self):
        if self.cache_path and self.cache_path.exists():
            try:
                stored = json.loads(self.cache_path.read_text())
                self._install(stored["jwks"], stored["fetched_at"])
            except (ValueError, KeyError):
                pass

    def refresh(self):
        """Fetch the JWKS now and store it in the cache file (written atomically)."""
        if not self.jwks_url:
            return
        self._last_attempt = time.time()
        response = self.session.get(self.jwks_url, timeout=self.timeout)
        response.raise_for_status()
        jwks = response.json()
        self._install(jwks, time.time())
        if self.cache_path:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=self.cache_path.parent, delete=False) as tmp:
                json.dump({"fetched_at": self._fetched_at, "jwks": jwks}, tmp)
            os.replace(tmp.name, self.cache_path)

    def _key(self, kid):
        stale = time.time() - self._fetched_at > self.max_age
        if (kid not in self._keys or stale) and self.jwks_url and \
                time.time() - self._last_attempt >= self.min_refresh_interval:
            try:
                self.refresh()
            except (requests.RequestException, ValueError):
                pass  # keep using the cached keys when the platform cannot be reached
        return self._keys.get(kid)

    def check(self, token: str, now: float | None = None) -> TokenCheck:
        try:
            parsed = parse_token(token)
        except InvalidToken:
            return TokenCheck(False, "invalid")
        key = self._key(parsed.kid)
        if key is None:
            return TokenCheck(False, "invalid", parsed.kid, parsed.expires)
        try:
            key.verify(parsed.signed, parsed.signature)
        except BadSignatureError:
            return TokenCheck(False, "invalid", parsed.kid, parsed.expires)
        if parsed.expires <= (now if now is not None else time.time()):
            return TokenCheck(False, "expired", parsed.kid, parsed.expires)
        return TokenCheck(True, None, parsed.kid, parsed.expires)
