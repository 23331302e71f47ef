"""Concurrent scans of one credit code against a running server: exactly one is granted; of
outcome reports racing on one redemption, exactly one takes effect."""
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import redis
import requests
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.redis import _fast_fail
from app.core.time import utcnow
from app.credit_codes import codes
from app.records.models import CreditRecord
from app.verification import redemptions as lifecycle
from app.verification.models import Redemption
from tests.verification_support import committed_shop


@pytest.fixture(autouse=True)
def generous_rate_limit(live_app):
    """These tests are about correctness under load, not about the merchant's rate limit."""
    live_app.config["VERIFICATION_RATE_LIMIT"] = "100000/second"
    yield
    live_app.config.pop("VERIFICATION_RATE_LIMIT")


def _scan_all(url, key, tokens, benefit_code, threads=100, idempotency_key=None):
    headers = {"Authorization": f"Bearer {key}"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key

    def scan(token):
        response = requests.post(f"{url}/api/v1/verifications", timeout=60,
                                 json={"token": token, "benefit": benefit_code}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(scan, tokens))


def test_100_concurrent_scans_of_one_token_grant_exactly_once(live_server):
    benefit, merchant, key, resident = committed_shop()
    token, _expires = codes.issue_credit_code(resident)
    db.session.commit()
    answers = _scan_all(live_server, key, [token] * 100, benefit.code)
    decisions = [(a["decision"], a["reason"]) for a in answers]
    assert decisions.count(("granted", None)) == 1
    assert decisions.count(("denied", "already_used")) == 99
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Redemption.id)).filter_by(merchant_id=merchant.id)) == 1


def test_concurrent_retries_with_one_idempotency_key_all_get_the_first_answer(live_server):
    benefit, merchant, key, resident = committed_shop()
    token, _expires = codes.issue_credit_code(resident)
    db.session.commit()
    answers = _scan_all(live_server, key, [token] * 30, benefit.code, threads=30,
                        idempotency_key=uuid.uuid4().hex)
    assert answers[0]["decision"] == "granted"
    assert all(answer == answers[0] for answer in answers)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Redemption.id)).filter_by(merchant_id=merchant.id)) == 1


def test_concurrent_scans_with_redis_stopped_mid_run(live_server, live_app):
    benefit, merchant, key, resident = committed_shop()
    tokens = [codes.issue_credit_code(resident)[0] for _ in range(3)]
    db.session.commit()
    first = _scan_all(live_server, key, [tokens[0]] * 30, benefit.code, threads=30)
    good = live_app.extensions["redis"]
    live_app.extensions["redis"] = redis.Redis(host="127.0.0.1", port=1, **_fast_fail())
    try:
        # the used token is refused from the database alone; a fresh one is granted exactly once
        later = _scan_all(live_server, key, [tokens[0]] * 20 + [tokens[1]] * 40, benefit.code,
                          threads=60)
    finally:
        live_app.extensions["redis"] = good
    assert [a["decision"] for a in first].count("granted") == 1
    assert all(a["reason"] == "already_used" for a in later[:20])
    assert [a["decision"] for a in later[20:]].count("granted") == 1
    assert all(a["reason"] == "already_used" for a in later[20:] if a["decision"] == "denied")


def test_concurrent_scans_of_different_tokens_respect_the_limit(live_server):
    benefit, merchant, key, resident = committed_shop(limit_count=2)
    tokens = [codes.issue_credit_code(resident)[0] for _ in range(20)]
    db.session.commit()
    answers = _scan_all(live_server, key, tokens, benefit.code, threads=20)
    assert [a["decision"] for a in answers].count("granted") == 2
    assert {a["reason"] for a in answers if a["decision"] == "denied"} == {"limit_reached"}


def _grant_all(url, key, tokens, benefit_code):
    return [a["redemption_id"] for a in _scan_all(url, key, tokens, benefit_code, threads=10)]


def _race(url, key, redemption_id, actions):
    """Send the reports at once (a barrier releases both threads together); return the statuses."""
    start = threading.Barrier(len(actions))

    def send(action):
        start.wait()
        return requests.post(f"{url}/api/v1/redemptions/{redemption_id}/{action}", timeout=60,
                             json={"note": "未归还"} if action == "default" else {}, headers={"Authorization": f"Bearer {key}"}).status_code

    with ThreadPoolExecutor(max_workers=len(actions)) as pool:
        return dict(zip(actions, pool.map(send, actions)))


OUTCOME = {"complete": "completed", "cancel": "cancelled", "default": "defaulted"}
# what each final state must carry once due defaults are processed (the benefit is not deposit-free)
RECORDS = {"completed": ["merchant_fulfilment"], "cancelled": [], "defaulted": ["merchant_default"]}


def test_30_raced_outcome_reports_leave_every_redemption_consistent(live_server, live_app):
    benefit, merchant, key, resident = committed_shop()
    tokens = [codes.issue_credit_code(resident)[0] for _ in range(30)]
    db.session.commit()
    ids = _grant_all(live_server, key, tokens, benefit.code)
    pairs = [("complete", "cancel"), ("complete", "default"), ("cancel", "default")] * 10
    answers = {rid: _race(live_server, key, rid, pair) for rid, pair in zip(ids, pairs)}
    grace = live_app.config["MERCHANT_DEFAULT_GRACE_DAYS"]
    lifecycle.process_defaults(now=utcnow() + timedelta(days=grace, minutes=1))
    db.session.commit()

    for rid, pair in zip(ids, pairs):
        statuses, redemption = answers[rid], db.session.get(Redemption, rid)
        records = db.session.scalars(select(CreditRecord.type_code).where(
            CreditRecord.source_id.like(f"redemption-{rid}-%"))).all()
        won = [action for action in pair if statuses[action] == 200]
        assert sorted(statuses.values()) in ([200, 409], [200, 200]), statuses
        if len(won) == 2:  # the default came first, then the other report settled it
            assert "default" in pair
            won = [action for action in pair if action != "default"]
        assert redemption.status == OUTCOME[won[0]], (statuses, redemption.status)
        assert records == RECORDS[redemption.status], (statuses, redemption.status, records)
        assert (redemption.record_id is not None) == bool(records)
