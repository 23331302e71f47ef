"""The credit-code token: a compact Ed25519-signed binary, base32 so a QR code holds it in
alphanumeric mode.

Layout (87 bytes → 140 base32 characters, QR version 7 at error correction Q):

    version u8 | key id u16 | expires u32 (unix s) | token id 8 bytes | subject 8 bytes | signature 64

The signature covers `DOMAIN + the first 23 bytes`. The subject is the resident's account id
masked with a keyed pad derived from the token id, so it differs on every token (no merchant can
link two visits) and only the platform can read it. No ID number is ever inside.
"""
import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass

VERSION = 1
DOMAIN = b"xinyi-credit-code:v1:"
_LAYOUT = struct.Struct(">BHI8s8s")
PAYLOAD_SIZE = _LAYOUT.size  # 23
TOKEN_BYTES = PAYLOAD_SIZE + 64
TOKEN_CHARS = -(-TOKEN_BYTES * 8 // 5)  # 140


class InvalidToken(ValueError):
    """The text is not a well-formed credit code."""


@dataclass(frozen=True)
class Claims:
    kid: str
    expires: int
    token_id: bytes
    subject: bytes
    signed: bytes
    signature: bytes

    @property
    def token_id_hex(self):
        return self.token_id.hex()


def kid_to_int(kid: str) -> int:
    return int(kid, 16)


def kid_from_int(value: int) -> str:
    return f"{value:04x}"


_TYPING = str.maketrans("", "", " -\t\r\n")


def normalise(text: str) -> str:
    """Upper-case and drop spaces/dashes a person may add when typing the code."""
    return str(text).upper().translate(_TYPING)


def encode(kid: str, expires: int, token_id: bytes, subject: bytes, sign) -> str:
    """Build a token; `sign(message) -> 64-byte signature`."""
    payload = _LAYOUT.pack(VERSION, kid_to_int(kid), expires, token_id, subject)
    raw = payload + sign(DOMAIN + payload)
    return base64.b32encode(raw).decode().rstrip("=")


def decode(text: str) -> Claims:
    """Parse a token without checking its signature; raise InvalidToken if malformed."""
    chars = normalise(text)
    if len(chars) != TOKEN_CHARS:
        raise InvalidToken("wrong length")
    try:
        raw = base64.b32decode(chars + "=" * (-len(chars) % 8))
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken("not base32") from exc
    if len(raw) != TOKEN_BYTES or base64.b32encode(raw).decode().rstrip("=") != chars:
        raise InvalidToken("wrong length or non-canonical encoding")
    version, kid, expires, token_id, subject = _LAYOUT.unpack(raw[:PAYLOAD_SIZE])
    if version != VERSION:
        raise InvalidToken("unknown version")
    return Claims(kid_from_int(kid), expires, token_id, subject, DOMAIN + raw[:PAYLOAD_SIZE],
                  raw[PAYLOAD_SIZE:])


def _pad(secret: bytes, token_id: bytes) -> int:
    return int.from_bytes(hmac.new(secret, b"subject:" + token_id, hashlib.sha256).digest()[:8], "big")


def mask_subject(secret: bytes, resident_id: int, token_id: bytes) -> bytes:
    return (resident_id ^ _pad(secret, token_id)).to_bytes(8, "big")


def unmask_subject(secret: bytes, subject: bytes, token_id: bytes) -> int:
    return int.from_bytes(subject, "big") ^ _pad(secret, token_id)
