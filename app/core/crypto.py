"""Encryption of personal identifiers at rest (AES-GCM) with a keyed blind index for look-up."""
import base64
import hashlib
import hmac
import os
import secrets
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

_KEY_VERSION = b"\x01"


@lru_cache(maxsize=8)
def _cipher(key: str) -> AESGCM:
    # built once per key: a batch encrypts and decrypts thousands of identifiers
    return AESGCM(base64.b64decode(key))


def encrypt(plaintext: str, context: str) -> bytes:
    """Encrypt `plaintext`, binding it to `context` (the column) so values cannot be swapped."""
    return encrypt_bytes(plaintext.encode(), context)


def decrypt(blob: bytes, context: str) -> str:
    return decrypt_bytes(blob, context).decode()


def encrypt_bytes(data: bytes, context: str) -> bytes:
    """Encrypt a file's bytes (e.g. evidence attached to an objection), bound to `context`."""
    nonce = os.urandom(12)
    sealed = _cipher(current_app.config["FIELD_ENCRYPTION_KEY"]).encrypt(
        nonce, data, context.encode())
    return _KEY_VERSION + nonce + sealed


def decrypt_bytes(blob: bytes, context: str) -> bytes:
    if blob[:1] != _KEY_VERSION:
        raise ValueError("unknown key version")
    nonce, sealed = blob[1:13], blob[13:]
    return _cipher(current_app.config["FIELD_ENCRYPTION_KEY"]).decrypt(nonce, sealed, context.encode())


@lru_cache(maxsize=8)
def _keyed_mac(key: str):
    # keyed once per key: copying it skips the key schedule for each of a batch's thousands
    return hmac.new(base64.b64decode(key), digestmod=hashlib.sha256)


def blind_index(value: str, context: str) -> str:
    """Return a keyed, deterministic digest of `value` for equality look-ups."""
    mac = _keyed_mac(current_app.config["BLIND_INDEX_KEY"]).copy()
    mac.update(f"{context}:{value}".encode())
    return mac.hexdigest()


def new_api_key(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_api_key(key: str) -> str:
    """API keys are long random strings, so one SHA-256 is enough to store them safely."""
    return hashlib.sha256(key.encode()).hexdigest()


def mask_id_number(id_number: str) -> str:
    return f"{id_number[:3]}{'*' * (len(id_number) - 7)}{id_number[-4:]}"


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧**娜."""
    if len(name) <= 2:
        return name[:1] + "*"
    return name[:1] + "*" * (len(name) - 2) + name[-1:]
