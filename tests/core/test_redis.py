"""The Redis circuit breaker: a hung server costs one timeout, then is skipped for a while."""
import signal

import pytest
import redis

from app.core.redis import guarded_pool
from tests.servers import redis_server


def test_after_a_timeout_redis_is_skipped_until_the_interval_ends(tmp_path):
    with redis_server(tmp_path) as (process, url):
        client = redis.Redis(connection_pool=guarded_pool(url))
        assert client.ping()
        process.send_signal(signal.SIGSTOP)
        with pytest.raises(redis.TimeoutError):
            client.ping()
        breaker = client.connection_pool.connection_kwargs["breaker"]
        assert breaker.is_open
        # skipped without a round trip: a refusal, not another timeout
        with pytest.raises(redis.ConnectionError, match="skipped"):
            client.set("k", "v")
        with pytest.raises(redis.ConnectionError, match="skipped"):
            client.pipeline().incr("n").execute()
        process.send_signal(signal.SIGCONT)
        breaker.close()  # the interval is over
        assert client.ping() and client.set("k", "v")


def test_a_refused_connection_does_not_open_the_breaker():
    client = redis.Redis(connection_pool=guarded_pool("redis://127.0.0.1:1/0"))
    with pytest.raises(redis.ConnectionError):
        client.ping()
    assert not client.connection_pool.connection_kwargs["breaker"].is_open
