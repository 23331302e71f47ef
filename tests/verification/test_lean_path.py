"""What the lean verification path must keep: the documented answer shape, a 429 that says when
to retry although other answers carry no rate-limit headers, and a grant the resident sees."""
import time
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import func, select

from app.benefits.eligibility import eligibility
from app.catalogue.services import current_rules
from app.core.extensions import db
from app.core.redis import get_redis
from app.core.time import city_today
from app.credit_codes import live, tokens
from app.scoring.services import explain
from app.verification.models import Redemption
from app.verification.schemas import VerificationSchema
from tests.verification_support import csrf_token, issue, login, verify


@contextmanager
def verification_limit(app, limit):
    app.config["VERIFICATION_RATE_LIMIT"] = limit
    try:
        yield
    finally:
        app.config.pop("VERIFICATION_RATE_LIMIT")


def unknown_benefit_scans(client, merchant, times):
    """Answers to `times` scans of a benefit that does not exist (422 until the limit is hit)."""
    return [client.post("/api/v1/verifications", json={"token": "X", "benefit": "nope"},
                        headers={"Authorization": f"Bearer {merchant.plain_key}"})
            for _ in range(times)]


def _documented(body):
    return set(body) <= set(VerificationSchema().fields) and not VerificationSchema().validate(body)


def test_answers_have_the_documented_shape(app, client, make_resident, make_merchant):
    resident, merchant = make_resident(), make_merchant()
    token = issue(resident)
    granted = verify(client, merchant, token, merchant.benefits[0]).get_json()
    denied = verify(client, merchant, token, merchant.benefits[0]).get_json()
    assert granted["decision"] == "granted" and isinstance(granted["redemption_id"], int)
    assert denied == {"decision": "denied", "reason": "already_used",
                      "benefit": granted["benefit"], "resident": granted["resident"]}
    assert _documented(granted) and _documented(denied)
    assert set(granted["benefit"]) == {"code", "name"} and set(granted["resident"]) == {"masked_name"}


def test_a_merchant_over_the_limit_is_told_when_to_retry(app, client, make_merchant):
    with verification_limit(app, "2/minute"):
        answers = unknown_benefit_scans(client, make_merchant(), 3)
    refused = answers[-1]
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 61  # the window end, rounded up


def test_a_grant_reaches_the_residents_page_without_a_redis_write(app, client, make_resident,
                                                                  make_merchant):
    resident, merchant = make_resident(), make_merchant()
    token = issue(resident)
    verify(client, merchant, token, merchant.benefits[0])
    token_id = tokens.decode(token).token_id_hex
    assert get_redis().get(live.result_key(token_id)) is None
    resident_client = app.test_client()
    login(resident_client, resident)
    result = resident_client.post("/api/v1/me/credit-code/result", json={"token": token},
                                  headers={"X-CSRFToken": csrf_token(resident_client)}).get_json()
    assert (result["status"], result["decision"], result["merchant"]) == ("scanned", "granted",
                                                                          merchant.name)


def test_the_one_statement_grant_follows_the_eligibility_rule_at_every_edge(
        app, client, make_resident, make_merchant, make_benefit):
    """On PostgreSQL the statement that reads the resident also grants; it must grant exactly
    when the rule the pages use does (both backends answer by that rule)."""
    rules, today = current_rules(), city_today()
    score = explain(make_resident().person_id).score
    tiers = dict(rules.tiers)
    above = next((code for code, minimum in rules.tiers[::-1] if minimum > score), None)
    at_or_below = next(code for code, minimum in rules.tiers if minimum <= score)
    terms = [dict(min_tier=None, min_score=score), dict(min_tier=None, min_score=score + 1),
             dict(min_tier=at_or_below), dict(min_tier=at_or_below, min_score=tiers[at_or_below]),
             dict(min_tier=None, active=False), dict(min_tier=None, valid_until=today - timedelta(1)),
             dict(min_tier=None, valid_from=today + timedelta(1)),
             dict(min_tier=None, valid_from=today, valid_until=today)]
    if above:
        terms.append(dict(min_tier=above))
    benefits = [make_benefit(**spec) for spec in terms]
    merchant = make_merchant(benefits)
    for benefit in benefits:
        for resident, serious in ((make_resident(), False),
                                  (make_resident(records=[("court_dishonest_debtor", 30)]), True)):
            facts = dict(score=explain(resident.person_id).score, rules=rules, today=today)
            expected = eligibility(benefit, serious=serious, **facts).eligible
            answer = verify(client, merchant, issue(resident), benefit).get_json()
            assert (answer["decision"] == "granted") == expected, (benefit.code, answer)
            granted = db.session.scalar(select(func.count()).select_from(Redemption)
                                        .filter_by(person_id=resident.person_id))
            assert granted == int(expected)


def test_the_limit_holds_in_the_process_while_redis_is_skipped(app, client, make_merchant):
    breaker = app.extensions["redis"].connection_pool.connection_kwargs["breaker"]
    breaker.open_until = time.monotonic() + 60  # as after a timeout: Redis is not asked
    try:
        with verification_limit(app, "3/minute"):
            answers = unknown_benefit_scans(client, make_merchant(), 4)
    finally:
        breaker.close()
    assert [a.status_code for a in answers] == [422, 422, 422, 429]
    assert answers[-1].get_json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60


def test_a_denial_reaches_the_residents_page_once_the_answer_is_sent(app, client, make_resident,
                                                                     make_merchant):
    resident, merchant = make_resident(), make_merchant()
    token = issue(resident)
    verify(client, merchant, token, merchant.benefits[0])
    response = client.post("/api/v1/verifications",
                           json={"token": token, "benefit": merchant.benefits[0].code},
                           headers={"Authorization": f"Bearer {merchant.plain_key}"})
    key = live.result_key(tokens.decode(token).token_id_hex)
    assert response.get_json()["reason"] == "already_used"
    assert get_redis().get(key) is None  # the merchant's answer did not wait for Redis
    response.close()  # as the server does once the answer is sent
    assert live.latest(tokens.decode(token).token_id_hex)["reason"] == "already_used"


def test_one_merchant_over_the_limit_leaves_another_merchant_alone(app, client, make_merchant):
    busy, other = make_merchant(), make_merchant()
    with verification_limit(app, "2/minute"):
        busy_answers = unknown_benefit_scans(client, busy, 3)
        other_answers = unknown_benefit_scans(client, other, 2)
    assert [a.status_code for a in busy_answers] == [422, 422, 429]
    assert [a.status_code for a in other_answers] == [422, 422]
