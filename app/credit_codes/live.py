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


def result_key(token_id_hex):
    return f"cc:result:{token_id_hex}"


def channel(token_id_hex):
    return f"cc:live:{token_id_hex}"


def publish(token_id_hex, result: dict):
    """Store and announce a scan result."""
    try:
        pipe = get_redis().pipeline(transaction=False)
        body = json.dumps(result, ensure_ascii=False)
        pipe.set(result_key(token_id_hex), body, ex=_RESULT_SECONDS)
        pipe.publish(channel(token_id_hex), body)
        pipe.execute()
    except RedisError as exc:
        log.warning("live result not published: %s", exc)


def latest(token_id_hex) -> dict | None:
    try:
        body = get_redis().get(result_key(token_id_hex))
    except RedisError:
        return None
    return json.loads(body) if body else None
