"""A rate limit for the hottest endpoint, counted in at most one Redis round trip.

Flask-Limiter's decorator walks its limits through several layers per request; a verification
calls `check` instead. It counts in the limiter's own fixed windows on Redis (the same keys),
and a process takes a share of a large limit at a time (a lease) and counts it down in memory:
a limit of 50/second asks Redis at every request, one of 5,000/second once per 50 requests.
Tokens a process took and did not use lapse with their window, so a lease can only make the
limit bite a little earlier (by at most a share per process), never later. While Redis cannot
be reached the process counts alone, as the limiter does. Over the limit it answers 429 with
Retry-After, in the one error shape, like every other limit.
"""
import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache, wraps

import redis
from flask import current_app, request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from app.core.extensions import limiter
from app.core.redis import get_redis

LEASE_SHARE = 100  # a lease is 1/100 of the limit (one token below 200 a window)

# add `n` to the window's count, starting the window if it is new (as limits' own script does);
# answer the count and the milliseconds the window has left
_TAKE = """
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if count == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return {count, redis.call('PTTL', KEYS[1])}
"""

_in_process = FixedWindowRateLimiter(MemoryStorage())


@dataclass
class _Lease:
    left: int
    ends: float  # time.monotonic() at which the Redis window ends


_MAX_LEASES = 10_000
_leases: dict[tuple, _Lease] = {}
_leases_lock = threading.Lock()


@lru_cache(maxsize=32)
def _item(limit: str):
    return parse(limit)


def check(limit: str, scope: str, key: str) -> None:
    """Count one request of `key` against `limit` (e.g. "50/second") in `scope`; 429 when over."""
    if not limiter.enabled:
        return
    item = _item(limit)
    lease_key = (limit, scope, key)
    with _leases_lock:
        lease = _leases.get(lease_key)
        if lease is not None and lease.left > 0 and time.monotonic() < lease.ends:
            lease.left -= 1
            return
    try:
        granted, ends = _take(item, scope, key)
    except redis.RedisError:
        if not _in_process.hit(item, scope, key):
            reset = _in_process.get_window_stats(item, scope, key).reset_time
            raise TooManyRequests(retry_after=max(1, math.ceil(reset - time.time()))) from None
        return
    if granted == 0:
        raise TooManyRequests(retry_after=max(1, math.ceil(ends - time.monotonic())))
    if granted > 1:
        with _leases_lock:
            if len(_leases) >= _MAX_LEASES:  # one per merchant and limit; drop the lapsed
                now = time.monotonic()
                for stale in [k for k, v in _leases.items() if v.ends <= now]:
                    del _leases[stale]
            _leases[lease_key] = _Lease(granted - 1, ends)


def _take(item, scope, key) -> tuple[int, float]:
    """Take a lease of the window's tokens from Redis: (how many, when the window ends)."""
    size = max(1, item.amount // LEASE_SHARE)
    count, left_ms = _take_script()(keys=[limiter.storage.prefixed_key(item.key_for(scope, key))],
                                    args=[size, item.get_expiry()])
    ends = time.monotonic() + max(left_ms, 0) / 1000
    before = count - size
    return max(0, min(size, item.amount - before)), ends


def _take_script():
    scripts = current_app.extensions.setdefault("ratelimit_scripts", {})
    if "take" not in scripts:
        scripts["take"] = get_redis().register_script(_TAKE)
    return scripts["take"]


def limited(limit, scope: str, key):
    """A view decorator: `check(limit(), scope, key())` before the view (and its arguments).
    Flask-Limiter's own pass over the request then skips the view (`_counted_here`)."""
    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            check(limit(), scope, key())
            return view(*args, **kwargs)
        checked.counted_here = True
        return checked
    return decorate


@limiter.request_filter
def _counted_here() -> bool:
    return getattr(current_app.view_functions.get(request.endpoint), "counted_here", False)
