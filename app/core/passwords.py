"""Password hashing with Argon2id."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_hashers = {
    "normal": PasswordHasher(),
    # tests only: the same algorithm at a cost that keeps the suite quick
    "low": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}


def _hasher():
    return _hashers[current_app.config["PASSWORD_HASH_COST"]]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
