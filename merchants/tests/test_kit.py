"""The merchant kit on its own: token parsing, offline checks with a cached JWKS, retrying client.

A tiny local HTTP server plays the platform; nothing from `app/` is imported.
"""
import base64
import json
import secrets
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from nacl.signing import SigningKey

from merchants import ApiError, InvalidToken, OfflineVerifier, VerificationClient, parse_token
from merchants.__main__ import main
from merchants.token import DOMAIN


def make_token(key: SigningKey, kid: int, expires: int) -> str:
    payload = struct.pack(">BHI8s8s", 1, kid, expires, secrets.token_bytes(8), secrets.token_bytes(8))
    raw = payload + key.sign(DOMAIN + payload).signature
    return base64.b32encode(raw).decode().rstrip("=")


def jwk(key: SigningKey, kid: int) -> dict:
    x = base64.urlsafe_b64encode(bytes(key.verify_key)).decode().rstrip("=")
    return {"kty": "OKP", "crv": "Ed25519", "kid": f"{kid:04x}", "x": x}


class FakePlatform:
    """Serves a JWKS and a verification endpoint that fails the first `failures` calls."""

    def __init__(self):
        self.jwks = {"keys": []}
        self.failures = 0
        self.calls = []
        self.jwks_fetches = 0
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/.well-known/jwks.json":
                    platform.jwks_fetches += 1
                    self._send(200, platform.jwks)
                else:
                    self._send(404, {"error": {"code": "not_found", "message": "no", "details": {}}})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                platform.calls.append((self.path, self.headers.get("Idempotency-Key"), body))
                if platform.failures:
                    platform.failures -= 1
                    self._send(503, {"error": {"code": "service_unavailable", "message": "busy",
                                               "details": {}}})
                elif body.get("benefit") == "unknown":
                    self._send(422, {"error": {"code": "unknown_benefit", "message": "no such",
                                               "details": {}}})
                else:
                    self._send(200, {"decision": "granted", "reason": None, "redemption_id": 7,
                                     "benefit": {"code": body["benefit"], "name": "测试"},
                                     "resident": {"masked_name": "张*"}})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def platform():
    fake = FakePlatform()
    yield fake
    fake.close()


def test_parse_rejects_malformed_and_non_canonical_text():
    key = SigningKey.generate()
    token = make_token(key, 1, int(time.time()) + 60)
    assert parse_token(token.lower()).kid == "0001"
    # the last character carries one bit and four zero padding bits: setting a padding bit is
    # a second spelling of the same bytes, which must be refused
    non_canonical = token[:-1] + {"A": "B", "Q": "R"}[token[-1]]
    for bad in ("", "HELLO", token[:-1], non_canonical, "1" * 140):
        with pytest.raises(InvalidToken):
            parse_token(bad)


def test_offline_check_valid_expired_tampered_and_unknown_key():
    key, other = SigningKey.generate(), SigningKey.generate()
    verifier = OfflineVerifier.from_jwks({"keys": [jwk(key, 1)]})
    now = int(time.time())
    assert verifier.check(make_token(key, 1, now + 60)).valid
    assert verifier.check(make_token(key, 1, now - 1)).reason == "expired"
    assert verifier.check(make_token(other, 1, now + 60)).reason == "invalid"
    assert verifier.check(make_token(key, 2, now + 60)).reason == "invalid"
    token = make_token(key, 1, now + 60)
    flipped = token[:50] + ("A" if token[50] != "A" else "B") + token[51:]
    assert verifier.check(flipped).reason == "invalid"


def test_jwks_is_cached_on_disk(platform, tmp_path):
    old = SigningKey.generate()
    platform.jwks = {"keys": [jwk(old, 1)]}
    verifier = OfflineVerifier.from_url(platform.url, cache_dir=tmp_path, min_refresh_interval=0)
    assert verifier.check(make_token(old, 1, int(time.time()) + 60)).valid
    assert platform.jwks_fetches == 1
    # a second verifier works from the cache file, even with the platform unreachable
    platform.close()
    cached = OfflineVerifier.from_url(platform.url, cache_dir=tmp_path)
    assert cached.check(make_token(old, 1, int(time.time()) + 60)).valid


def test_unknown_kid_triggers_one_refresh(platform, tmp_path):
    old, new = SigningKey.generate(), SigningKey.generate()
    platform.jwks = {"keys": [jwk(old, 1)]}
    verifier = OfflineVerifier.from_url(platform.url, cache_dir=tmp_path, min_refresh_interval=0)
    verifier.refresh()
    platform.jwks = {"keys": [jwk(old, 1), jwk(new, 2)]}  # the platform rotated its key
    assert verifier.check(make_token(new, 2, int(time.time()) + 60)).valid
    assert platform.jwks_fetches == 2


def test_client_retries_with_the_same_idempotency_key(platform):
    platform.failures = 2
    client = VerificationClient(platform.url, "mk_test", retries=3, backoff=0.01)
    answer = client.verify("TOKEN", "bike_deposit_free")
    assert answer["decision"] == "granted"
    keys = {key for _path, key, _body in platform.calls}
    assert len(platform.calls) == 3 and len(keys) == 1 and None not in keys


def test_client_gives_up_and_raises_the_error_shape(platform):
    platform.failures = 10
    client = VerificationClient(platform.url, "mk_test", retries=2, backoff=0.01)
    with pytest.raises(ApiError) as info:
        client.verify("TOKEN", "x")
    assert info.value.status == 503 and len(platform.calls) == 3
    platform.failures = 0
    with pytest.raises(ApiError) as info:
        client.verify("TOKEN", "unknown")
    assert (info.value.status, info.value.code) == (422, "unknown_benefit")


def test_client_unreachable_server():
    client = VerificationClient("http://127.0.0.1:1", "mk_test", retries=1, backoff=0.01, timeout=0.5)
    with pytest.raises(ApiError) as info:
        client.verify("TOKEN", "x")
    assert info.value.code == "unreachable"


def test_cli_offline_and_online(platform, tmp_path, capsys):
    key = SigningKey.generate()
    platform.jwks = {"keys": [jwk(key, 9)]}
    token = make_token(key, 9, int(time.time()) + 60)
    assert main(["verify", "--token", token, "--offline", "--base-url", platform.url,
                 "--cache-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == "valid"
    assert main(["verify", "--token", token, "--benefit", "b", "--api-key", "mk",
                 "--base-url", platform.url]) == 0
    assert capsys.readouterr().out.startswith("granted 测试 张*")
