"""Fixtures for the background-job tests: the worker commits for real and reads only what is
committed, so these tests commit too, with unique data."""
import os
import signal
import time

import pytest

from app.core.jobs import use_city_time


@pytest.fixture
def app(live_app):
    """The factory fixtures' app, committing for real."""
    return live_app


@pytest.fixture
def run_worker(app):
    """run_worker() → run `flask jobs worker --burst` here until the queue is empty."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def run():
        result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
        assert result.exit_code == 0, result.output

    yield run
    # the worker installs its own; pytest's Ctrl-C must keep working
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


@pytest.fixture
def city_time():
    """The process's local time set to the city's, as `flask jobs worker` sets it."""
    saved = os.environ.get("TZ")
    use_city_time()
    yield
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()
