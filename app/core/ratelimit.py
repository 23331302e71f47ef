"""A rate limit for the hottest endpoint, counted in one Redis round trip.

Flask-Limiter's decorator walks its limits through several layers per request; a verification
calls `check` instead, which counts on the limiter's own strategy and storage (one increment
script on Redis, behind the connection pool's breaker) and, while Redis cannot be reached,
in this process, as the limiter does. Over the limit it answers 429 with Retry-After, in the
one error shape, like every other limit.
"""
import math
import time
from functools import lru_cache, wraps

from flask import current_app, request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from app.core.extensions import limiter

_in_process = FixedWindowRateLimiter(MemoryStorage())


@lru_cache(maxsize=32)
def _item(limit: str):
    return parse(limit)


def check(limit: str, scope: str, key: str) -> None:
    """Count one request of `key` against `limit` (e.g. "50/second") in `scope`; 429 when over."""
    if not limiter.enabled:
        return
    item = _item(limit)
    strategy = limiter.limiter
    try:
        allowed = strategy.hit(item, scope, key)
    except limiter.storage.base_exceptions:
        strategy = _in_process
        allowed = strategy.hit(item, scope, key)
    if not allowed:
        try:
            reset = strategy.get_window_stats(item, scope, key).reset_time
        except limiter.storage.base_exceptions:
            reset = time.time() + item.get_expiry()
        raise TooManyRequests(retry_after=max(1, math.ceil(reset - time.time())))


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
