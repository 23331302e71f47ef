"""The scan result a resident's credit-code page shows live, passed through Redis.

Written after the verification commits, as a short-lived key the page polls (a poll is a short
request, so no worker is held waiting for a scan). Redis being down only loses denied results;
the database still has granted ones.
"""
import json
import logging

from redis.exceptions import RedisError

from app.core.redis import get_redis

log = logging.getLogger(__name__)
_RESULT_SECONDS = 300


def result_key(token_id_hex):
    return f"cc:result:{token_id_hex}"


def publish(token_id_hex, result: dict, client=None):
    """Store a scan result for the resident's page to find (with `client`, outside a request)."""
    try:
        (client or get_redis()).set(result_key(token_id_hex),
                                    json.dumps(result, ensure_ascii=False), ex=_RESULT_SECONDS)
    except RedisError as exc:
        log.warning("live result not published: %s", exc)


def publish_after(response, token_id_hex, result: dict):
    """Publish once `response` has been sent: the merchant's answer does not wait for Redis."""
    client = get_redis()
    response.call_on_close(lambda: publish(token_id_hex, result, client))
    return response


def latest(token_id_hex) -> dict | None:
    try:
        body = get_redis().get(result_key(token_id_hex))
    except RedisError:
        return None
    return json.loads(body) if body else None
