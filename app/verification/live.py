"""The scan result a resident's credit-code page shows live, passed through Redis.

Written after the verification commits: a short-lived key the page polls, and a pub/sub message
for listeners. Redis being down only delays the page; the database still has granted results.
"""
import json
import logging

from redis.exceptions import RedisError

from app.core.redis import get_redis

log = logging.getLogger(__name__)
_RESULT_SECONDS = 300
_USED_SECONDS = 600


def result_key(token_id_hex):
    return f"cc:result:{token_id_hex}"


def channel(token_id_hex):
    return f"cc:live:{token_id_hex}"


def used_key(token_id_hex):
    return f"cc:used:{token_id_hex}"


def publish(token_id_hex, result: dict, granted: bool):
    """Store and announce a scan result; mark the token used for the pre-filter if granted."""
    try:
        pipe = get_redis().pipeline(transaction=False)
        if granted:
            pipe.set(used_key(token_id_hex), 1, ex=_USED_SECONDS)
        body = json.dumps(result, ensure_ascii=False)
        pipe.set(result_key(token_id_hex), body, ex=_RESULT_SECONDS)
        pipe.publish(channel(token_id_hex), body)
        pipe.execute()
    except RedisError as exc:
        log.warning("live result not published: %s", exc)


def seen_used(token_id_hex) -> bool:
    """Fast pre-filter: True only if Redis knows the token was already redeemed."""
    try:
        return bool(get_redis().exists(used_key(token_id_hex)))
    except RedisError:
        return False


def latest(token_id_hex) -> dict | None:
    try:
        body = get_redis().get(result_key(token_id_hex))
    except RedisError:
        return None
    return json.loads(body) if body else None
