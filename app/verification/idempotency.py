"""Safe retries of a verification: the answer given to an `Idempotency-Key` is replayed.

The key is stored with a hash of the request in the decision's own transaction, so a retry
after a lost response gets the first answer, never a second redemption. The decision is made
first and the key stored after it: a new key, the common case, costs one statement. A key
stored before is found by that insert, and the decision just made is rolled back unseen (no
redemption, audit or access entry, nothing published) before the first answer is given.
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
    merchant_id, digest = caller.merchant.id, request_hash(token_text, benefit_code)
    try:
        decision: Decision = verify(caller, token_text, benefit_code)
    except ApiError:  # refused as a request (an unknown benefit), unless answered before
        stored = _first_answer(merchant_id, key, digest)
        if stored is None:
            raise
        return stored, None
    if _remember(merchant_id, key, digest, decision.body):
        return decision.body, decision
    stored = _first_answer(merchant_id, key, digest)
    if stored is None:  # forgotten since the insert found it: the key is free again
        return verify_once(caller, key, token_text, benefit_code)
    return stored, None


def _first_answer(merchant_id, key, digest) -> dict | None:
    """The answer stored for the key (None if none), this request's work rolled back."""
    db.session.rollback()
    return _stored(merchant_id, key, digest)


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


def _remember(merchant_id, key, digest, body) -> bool:
    """Store the answer for the key; False if the key was stored before (or by a concurrent
    retry, once it committed)."""
    connection = db.session.connection()
    return first(connection, _replay_insert(connection.dialect.name), {
        "merchant_id": merchant_id, "idempotency_key": key, "request_hash": digest,
        "response": body, "created_at": utcnow()}) is not None
