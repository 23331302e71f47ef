"""Safe retries of a verification: the answer given to an `Idempotency-Key` is replayed.

The key is stored with a hash of the request in the decision's own transaction, so a retry
after a lost response gets the first answer, never a second redemption.
"""
import hashlib
import json
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from app.core.db import conflict_insert, first
from app.core.errors import ApiError
from app.core.extensions import db
from app.core.time import utcnow
from app.verification.models import VerificationReplay
from app.verification.services import Decision, verify

_REPLAYS = VerificationReplay.__table__
_REPLAY = select(_REPLAYS.c.request_hash, _REPLAYS.c.response).where(
    _REPLAYS.c.merchant_id == bindparam("merchant_id"),
    _REPLAYS.c.idempotency_key == bindparam("key"))


def check_key(key: str | None) -> None:
    if key is not None and not (0 < len(key) <= 100 and key.isprintable()):
        raise ApiError(422, "invalid_idempotency_key",
                       _("Idempotency-Key must be 1 to 100 printable characters."))


def verify_once(caller, key: str | None, token_text: str, benefit_code: str):
    """`verify`, answered once per Idempotency-Key; returns (body, the new Decision or None
    when the answer is a replay)."""
    check_key(key)
    if not key:
        decision = verify(caller, token_text, benefit_code)
        return decision.body, decision
    digest = request_hash(token_text, benefit_code)
    stored = _stored(caller.merchant.id, key, digest)
    if stored is not None:
        return stored, None
    decision: Decision = verify(caller, token_text, benefit_code)
    body = _remember(caller.merchant.id, key, digest, decision.body)
    return body, decision if body is decision.body else None


def request_hash(token_text, benefit_code) -> str:
    canonical = json.dumps({"token": str(token_text), "benefit": str(benefit_code)}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(merchant_id, key, digest) -> dict | None:
    """The answer already given for this key, or None; 422 if the body differs."""
    replay = first(db.session.connection(), _REPLAY, {"merchant_id": merchant_id, "key": key})
    if replay is None:
        return None
    if replay.request_hash != digest:
        raise ApiError(422, "idempotency_key_reused",
                       _("This Idempotency-Key was used for a different request."))
    return replay.response


_REPLAY_COLUMNS = ("merchant_id", "idempotency_key", "request_hash", "response", "created_at")


@cache
def _replay_insert(dialect_name):
    """INSERT … ON CONFLICT DO NOTHING RETURNING id, its values named (as `first` needs)."""
    insert = conflict_insert(dialect_name)
    return (insert(_REPLAYS)
            .values({name: bindparam(name, type_=_REPLAYS.c[name].type)
                     for name in _REPLAY_COLUMNS})
            .on_conflict_do_nothing(index_elements=["merchant_id", "idempotency_key"])
            .returning(_REPLAYS.c.id))


def _remember(merchant_id, key, digest, body) -> dict:
    """Store the answer for the key; if a concurrent retry stored one first, return that."""
    connection = db.session.connection()
    stored = first(connection, _replay_insert(connection.dialect.name), {
        "merchant_id": merchant_id, "idempotency_key": key, "request_hash": digest,
        "response": body, "created_at": utcnow()})
    if stored is not None:
        return body
    return _stored(merchant_id, key, digest) or body
