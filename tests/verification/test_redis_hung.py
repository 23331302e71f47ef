"""A hung Redis (paused with SIGSTOP) against gunicorn's sync workers: every verification is still
answered, and each worker waits for Redis once per interval, not once per request (the breaker
logs each timeout it turns into a skip)."""
import math
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from app.core.extensions import db
from app.credit_codes import codes
from app.core.redis import BREAK_SECONDS
from tests.servers import gunicorn, redis_server
from tests.verification_support import committed_shop

PER_PHASE = 150


def _verify_all(url, key, benefit, tokens):
    """Verify each token (four clients at once); return (verifications/s, slowest in s, answers)."""
    def one(token):
        started = time.perf_counter()
        response = requests.post(f"{url}/api/v1/verifications", timeout=30,
                                 json={"token": token, "benefit": benefit},
                                 headers={"Authorization": f"Bearer {key}"})
        return time.perf_counter() - started, response.status_code, response.json().get("decision")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(one, tokens))
    return len(tokens) / (time.perf_counter() - started), max(a[0] for a in answers), answers


def test_a_paused_redis_costs_one_timeout_per_interval_not_one_per_request(
        live_app, database_url, tmp_path):
    shop_benefit, _merchant, key, resident = committed_shop()
    benefit = shop_benefit.code
    tokens = [codes.issue_credit_code(resident)[0] for _ in range(2 * PER_PHASE + 20)]
    db.session.commit()
    workers, log = 2, tmp_path / "gunicorn.log"
    with open(log, "wb") as stderr, redis_server(tmp_path) as (redis_process, redis_url), \
            gunicorn(live_app, database_url, tmp_path, workers=workers, stderr=stderr,
                     REDIS_URL=redis_url, VERIFICATION_RATE_LIMIT="100000/second") as url:
        _verify_all(url, key, benefit, tokens[:20])  # warm both workers
        normal_rate, normal_slowest, normal = _verify_all(url, key, benefit, tokens[20:20 + PER_PHASE])
        redis_process.send_signal(signal.SIGSTOP)
        paused_at = time.monotonic()
        # each worker holds a lease of the per-second limit (`core.ratelimit`): once the
        # window is over it must ask the paused Redis again
        time.sleep(1.1)
        paused_rate, paused_slowest, paused = _verify_all(url, key, benefit, tokens[20 + PER_PHASE:])
        paused_for = time.monotonic() - paused_at
    print(f"\nverifications/s with Redis running {normal_rate:.0f} (slowest {normal_slowest * 1000:.0f} ms),"
          f" paused {paused_rate:.0f} (slowest {paused_slowest * 1000:.0f} ms):"
          f" {paused_rate / normal_rate:.0%}")
    assert {(status, decision) for _s, status, decision in normal + paused} == {(200, "granted")}
    timeouts = log.read_text().count("Redis did not answer in time")
    # at most one wait per worker per interval of the pause, however many requests it served
    assert 1 <= timeouts <= workers * (math.ceil(paused_for / BREAK_SECONDS) + 1) < PER_PHASE
