"""The credit-code token layout, read without the platform (kept in step with its format).

    version u8 | key id u16 | expires u32 | token id 8 | subject 8 | Ed25519 signature 64

base32 upper-case without padding (140 characters); the signature covers DOMAIN + 23 bytes.
"""
import base64
import binascii
import struct
from dataclasses import dataclass

VERSION = 1
DOMAIN = b"xinyi-credit-code:v1:"
_LAYOUT = struct.Struct(">BHI8s8s")
_TOKEN_BYTES = _LAYOUT.size + 64
TOKEN_CHARS = -(-_TOKEN_BYTES * 8 // 5)


class InvalidToken(ValueError):
    """Not a well-formed credit code."""


@dataclass(frozen=True)
class ParsedToken:
    kid: str
    expires: int
    token_id: str
    signed: bytes
    signature: bytes


def normalise(text: str) -> str:
    return "".join(ch for ch in str(text).upper() if ch not in " -\t\r\n")


def parse_token(text: str) -> ParsedToken:
    chars = normalise(text)
    if len(chars) != TOKEN_CHARS:
        raise InvalidToken("wrong length")
    try:
        raw = base64.b32decode(chars + "=" * (-len(chars) % 8))
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken("not base32") from exc
    if len(raw) != _TOKEN_BYTES or base64.b32encode(raw).decode().rstrip("=") != chars:
        raise InvalidToken("wrong length or non-canonical encoding")
    version, kid, expires, token_id, _subject = _LAYOUT.unpack(raw[:_LAYOUT.size])
    if version != VERSION:
        raise InvalidToken("unknown version")
    return ParsedToken(f"{kid:04x}", expires, token_id.hex(), DOMAIN + raw[:_LAYOUT.size],
                       raw[_LAYOUT.size:])
