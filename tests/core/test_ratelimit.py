"""The verification's rate limit leases a share of a large limit to each process: Redis is asked
once per share, the processes together never let more than the limit through, and tokens a
process leased lapse with their window."""
import time
import uuid

import pytest
from werkzeug.exceptions import TooManyRequests

from app.core import ratelimit
from app.core.extensions import limiter
from app.core.redis import get_redis


def _count(limit, scope, key):
    """The window's count in Redis (what every process has taken of it)."""
    item = ratelimit._item(limit)
    return int(get_redis().get(limiter.storage.prefixed_key(item.key_for(scope, key))) or 0)


def _allowed(limit, scope, key):
    try:
        ratelimit.check(limit, scope, key)
    except TooManyRequests:
        return False
    return True


@pytest.fixture
def process(app, monkeypatch):
    """Switch between processes: each has leases of its own."""
    processes = {}

    def switch(name):
        monkeypatch.setattr(ratelimit, "_leases", processes.setdefault(name, {}))

    with app.test_request_context():
        yield switch


def test_a_large_limit_asks_redis_once_per_share(process):
    key = uuid.uuid4().hex
    process("a")
    counts = []
    for _ in range(11):
        assert _allowed("1000/minute", "test", key)
        counts.append(_count("1000/minute", "test", key))
    assert counts == [10] * 10 + [20]  # a share is 1/100 of the limit


def test_a_small_limit_is_counted_at_every_request(process):
    key = uuid.uuid4().hex
    process("a")
    answers = [_allowed("150/minute", "test", key) for _ in range(151)]
    assert answers == [True] * 150 + [False]
    assert _count("150/minute", "test", key) == 151


def test_processes_together_never_let_more_than_the_limit_through(process):
    key = uuid.uuid4().hex
    allowed = 0
    for turn in range(400):
        process("ab"[turn % 2])
        allowed += _allowed("300/minute", "test", key)
    assert allowed == 300
    with pytest.raises(TooManyRequests) as refused:
        ratelimit.check("300/minute", "test", key)
    assert 1 <= refused.value.retry_after <= 60


def test_a_refused_process_does_not_wait_for_another_process_lease(process):
    """A process holding unused tokens makes another be refused a little early, never late."""
    key = uuid.uuid4().hex
    process("a")
    assert _allowed("300/minute", "test", key)  # "a" holds 2 more
    process("b")
    allowed_b = sum(_allowed("300/minute", "test", key) for _ in range(300))
    assert allowed_b == 297


def test_leased_tokens_lapse_with_their_window(process):
    key = uuid.uuid4().hex
    process("a")
    assert _allowed("300/second", "test", key)
    assert _count("300/second", "test", key) == 3  # "a" holds 2 more of this window
    time.sleep(1.05)  # the window is over, its key gone
    assert _count("300/second", "test", key) == 0
    assert _allowed("300/second", "test", key)
    assert _count("300/second", "test", key) == 3  # a new lease, not the old window's tokens
