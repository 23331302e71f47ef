"""POST /api/v1/verifications: every decision and reason code, idempotency, access, Redis down."""
import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.redis import get_redis
from app.credit_codes import keys, tokens
from app.merchants.models import MerchantApiKey
from app.verification.models import Redemption
from tests.verification_support import (
    bearer,
    csrf_token,
    issue,
    issue_expired,
    login,
    verify,
)


def scan_result(resident_client, token):
    """What the resident's credit-code page polls for."""
    return resident_client.post("/api/v1/me/credit-code/result", json={"token": token},
                                headers={"X-CSRFToken": csrf_token(resident_client)}).get_json()


def test_granted_answer_follows_the_contract(app, client, make_resident, make_merchant):
    resident = make_resident(name="欧阳娜娜")
    merchant = make_merchant()
    benefit = merchant.benefits[0]
    response = verify(client, merchant, issue(resident), benefit)
    assert response.status_code == 200
    body = response.get_json()
    assert body["decision"] == "granted" and body["reason"] is None
    assert body["benefit"] == {"code": benefit.code, "name": benefit.name}
    assert body["resident"] == {"masked_name": "欧**娜"}
    assert "score" not in str(body)
    redemption = db.session.get(Redemption, body["redemption_id"])
    assert (redemption.status, redemption.merchant_id, redemption.person_id) == (
        "granted", merchant.id, resident.person_id)


def _reason(client, merchant, token, benefit):
    body = verify(client, merchant, token, benefit).get_json()
    assert body["decision"] == "denied" and "redemption_id" not in body
    return body["reason"]


def test_invalid_tampered_and_garbage_tokens(app, client, make_resident, make_merchant):
    merchant = make_merchant()
    benefit = merchant.benefits[0]
    token = issue(make_resident())
    tampered = token[:30] + ("A" if token[30] != "A" else "B") + token[31:]
    for bad in (tampered, "NOT A TOKEN", "A" * 140, token[:-2]):
        body = verify(client, merchant, bad, benefit).get_json()
        assert (body["decision"], body["reason"]) == ("denied", "invalid")
        assert body["resident"]["masked_name"] is None
    # a typed code with spaces and lower case is still the same genuine token
    spaced = " ".join(token[i:i + 4] for i in range(0, len(token), 4)).lower()
    assert verify(client, merchant, spaced, benefit).get_json()["decision"] == "granted"


def test_expired_token(app, client, make_resident, make_merchant):
    merchant = make_merchant()
    assert _reason(client, merchant, issue_expired(make_resident()), merchant.benefits[0]) == "expired"


def test_already_used_even_for_another_merchant(app, client, make_resident, make_merchant, make_benefit):
    benefit = make_benefit()
    first, second = make_merchant([benefit]), make_merchant([benefit])
    token = issue(make_resident())
    assert verify(client, first, token, benefit).get_json()["decision"] == "granted"
    assert _reason(client, first, token, benefit) == "already_used"
    assert _reason(client, second, token, benefit) == "already_used"


def test_not_offered(app, client, make_resident, make_merchant, make_benefit):
    merchant = make_merchant()
    other = make_benefit()
    assert _reason(client, merchant, issue(make_resident()), other) == "not_offered"
    inactive = make_benefit(active=False)
    merchant.benefits.append(inactive)
    db.session.flush()
    assert _reason(client, merchant, issue(make_resident()), inactive) == "not_offered"


def test_not_eligible_for_low_score_serious_record_or_no_consent(app, client, make_resident,
                                                                make_merchant, make_benefit):
    high = make_benefit(min_tier=None, min_score=190)
    open_to_all_good = make_benefit(min_tier="good")
    merchant = make_merchant([high, open_to_all_good])
    assert _reason(client, merchant, issue(make_resident()), high) == "not_eligible"
    debtor = make_resident(records=[("court_dishonest_debtor", 30)])
    assert _reason(client, merchant, issue(debtor), open_to_all_good) == "not_eligible"
    unconsenting = make_resident(consent=False)
    assert _reason(client, merchant, issue(unconsenting), open_to_all_good) == "not_eligible"
    assert verify(client, merchant, issue(make_resident()), open_to_all_good).get_json()["decision"] == "granted"


def test_limit_reached_per_period_and_cancelled_uses_do_not_count(app, client, make_resident,
                                                                   make_merchant, make_benefit):
    benefit = make_benefit(limit_count=2, limit_period="day")
    merchant = make_merchant([benefit])
    resident = make_resident()
    granted = [verify(client, merchant, issue(resident), benefit).get_json() for _ in range(2)]
    assert [g["decision"] for g in granted] == ["granted", "granted"]
    assert _reason(client, merchant, issue(resident), benefit) == "limit_reached"
    # another resident is not affected
    assert verify(client, merchant, issue(make_resident()), benefit).get_json()["decision"] == "granted"
    cancel = client.post(f"/api/v1/redemptions/{granted[0]['redemption_id']}/cancel", json={},
                         headers={"Authorization": f"Bearer {merchant.plain_key}"})
    assert cancel.status_code == 200
    assert verify(client, merchant, issue(resident), benefit).get_json()["decision"] == "granted"


def test_denied_token_is_not_consumed(app, client, make_resident, make_merchant, make_benefit):
    offered = make_benefit()
    merchant = make_merchant([offered])
    token = issue(make_resident())
    assert _reason(client, merchant, token, make_benefit()) == "not_offered"
    assert verify(client, merchant, token, offered).get_json()["decision"] == "granted"


def test_idempotent_replay_returns_the_first_answer(app, client, make_resident, make_merchant):
    merchant = make_merchant()
    benefit = merchant.benefits[0]
    token = issue(make_resident())
    first = verify(client, merchant, token, benefit, idempotency_key="scan-1").get_json()
    again = verify(client, merchant, token, benefit, idempotency_key="scan-1").get_json()
    assert first["decision"] == "granted" and again == first
    without_key = verify(client, merchant, token, benefit).get_json()
    assert without_key["reason"] == "already_used"
    reused = verify(client, merchant, issue(make_resident()), benefit, idempotency_key="scan-1")
    assert reused.status_code == 422 and reused.get_json()["error"]["code"] == "idempotency_key_reused"
    assert db.session.query(Redemption).filter_by(merchant_id=merchant.id).count() == 1


def test_a_replay_leaves_no_trace_of_its_own(app, client, make_resident, make_merchant):
    """The retry is decided again before its key is found: that decision is rolled back, so the
    resident's audit trail, access log and credit-code page show only the first scan."""
    from app.core.audit import AuditEntry
    from app.residents.access import AccessEntry

    resident_client = app.test_client()
    resident = make_resident()
    login(resident_client, resident)
    merchant = make_merchant()
    benefit = merchant.benefits[0]
    token = issue(resident)
    first = verify(client, merchant, token, benefit, idempotency_key="scan-1").get_json()

    def trail():
        audited = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.subject_id == resident.person_id))
        logged = db.session.scalar(select(func.count()).select_from(AccessEntry).where(
            AccessEntry.person_id == resident.person_id))
        return audited, logged

    before = trail()
    assert verify(client, merchant, token, benefit, idempotency_key="scan-1").get_json() == first
    assert trail() == before
    assert scan_result(resident_client, token)["decision"] == "granted"


def test_a_reused_key_is_refused_before_the_request_is(app, client, make_resident, make_merchant):
    """A key used before, sent with another request that is itself refused (no such benefit),
    is answered as the reused key it is."""
    merchant = make_merchant()
    verify(client, merchant, issue(make_resident()), merchant.benefits[0], idempotency_key="k")
    response = client.post("/api/v1/verifications", headers=bearer(merchant, "k"),
                           json={"token": issue(make_resident()), "benefit": "no_such_benefit"})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "idempotency_key_reused"
    unknown = client.post("/api/v1/verifications", headers=bearer(merchant, "fresh"),
                          json={"token": issue(make_resident()), "benefit": "no_such_benefit"})
    assert unknown.get_json()["error"]["code"] == "unknown_benefit"


def test_idempotency_keys_are_per_merchant(app, client, make_resident, make_merchant, make_benefit):
    benefit = make_benefit()
    first, second = make_merchant([benefit]), make_merchant([benefit])
    token_a, token_b = issue(make_resident()), issue(make_resident())
    assert verify(client, first, token_a, benefit, "same").get_json()["decision"] == "granted"
    assert verify(client, second, token_b, benefit, "same").get_json()["decision"] == "granted"


@pytest.mark.parametrize("headers, status, code", [
    ({}, 401, "missing_credentials"),
    ({"Authorization": "Bearer mk_wrong"}, 401, "invalid_credentials"),
])
def test_credentials_are_required(app, client, headers, status, code):
    response = client.post("/api/v1/verifications", json={"token": "X", "benefit": "y"}, headers=headers)
    assert response.status_code == status and response.get_json()["error"]["code"] == code


def test_revoked_key_is_refused(app, client, make_merchant, make_resident):
    from app.core.time import utcnow
    from app.merchants.models import MerchantApiKey

    merchant = make_merchant()
    for key in db.session.query(MerchantApiKey).filter_by(merchant_id=merchant.id):
        key.revoked_at = utcnow()
    db.session.flush()
    assert verify(client, merchant, issue(make_resident()), merchant.benefits[0]).status_code == 401


def test_revoking_a_key_or_an_offer_takes_effect_once_the_cache_entry_is_old(
        app, client, make_merchant, make_resident, monkeypatch):
    from app.core.time import utcnow
    from app.merchants import access, services
    from app.merchants.models import MerchantApiKey

    merchant = make_merchant()
    benefit = merchant.benefits[0]
    assert verify(client, merchant, issue(make_resident()), benefit).get_json()["decision"] == "granted"
    merchant.benefits = []
    db.session.flush()
    # within the cache's lifetime the worker still knows the offer as it was
    assert verify(client, merchant, issue(make_resident()), benefit).get_json()["decision"] == "granted"
    monkeypatch.setattr(services.offers, "seconds", 0)
    assert _reason(client, merchant, issue(make_resident()), benefit) == "not_offered"
    for key in db.session.query(MerchantApiKey).filter_by(merchant_id=merchant.id):
        key.revoked_at = utcnow()
    db.session.flush()
    monkeypatch.setattr(access.api_keys, "seconds", 0)
    assert verify(client, merchant, issue(make_resident()), benefit).status_code == 401


@pytest.mark.parametrize("body, status", [
    ({"token": "X"}, 422), ({"benefit": "x"}, 422), ({"token": 5, "benefit": "x"}, 422),
    ({"token": "X", "benefit": "no_such_benefit"}, 422), ([1, 2], 422),
])
def test_bad_input_is_a_clear_4xx(app, client, make_merchant, body, status):
    merchant = make_merchant()
    response = client.post("/api/v1/verifications", json=body,
                           headers={"Authorization": f"Bearer {merchant.plain_key}"})
    assert response.status_code == status and "error" in response.get_json()


def test_non_json_body_is_415(app, client, make_merchant):
    merchant = make_merchant()
    response = client.post("/api/v1/verifications", data="token=x",
                           headers={"Authorization": f"Bearer {merchant.plain_key}",
                                    "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415


def test_staff_session_verifies_with_csrf(app, client, make_merchant, make_resident):
    merchant = make_merchant()
    login(client, merchant.plain_staff)
    payload = {"token": issue(make_resident()), "benefit": merchant.benefits[0].code}
    assert client.post("/api/v1/verifications", json=payload).status_code == 400
    response = client.post("/api/v1/verifications", json=payload,
                           headers={"X-CSRFToken": csrf_token(client)})
    assert response.get_json()["decision"] == "granted"
    redemption = db.session.get(Redemption, response.get_json()["redemption_id"])
    assert redemption.staff_id == merchant.plain_staff.id


def test_resident_session_cannot_verify(app, client, make_resident):
    login(client, make_resident())
    response = client.post("/api/v1/verifications", json={"token": "X", "benefit": "y"},
                           headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 401


def test_already_used_comes_from_the_database_whatever_redis_holds(app, client, make_resident,
                                                                   make_merchant):
    merchant = make_merchant()
    benefit = merchant.benefits[0]
    token = issue(make_resident())
    assert verify(client, merchant, token, benefit).get_json()["decision"] == "granted"
    get_redis().flushdb()  # Redis forgot: the unique constraint still refuses a second use
    assert _reason(client, merchant, token, benefit) == "already_used"


def test_verification_with_redis_stopped_is_still_correct(app, client, make_resident, make_merchant):
    merchant = make_merchant()
    benefit = merchant.benefits[0]
    resident = make_resident()
    token = issue(resident)
    assert verify(client, merchant, token, benefit).get_json()["decision"] == "granted"
    good_redis = app.extensions["redis"]
    import redis

    from app.core.redis import _fast_fail

    # a Redis that is not there: nothing listens on port 1
    app.extensions["redis"] = redis.Redis(host="127.0.0.1", port=1, **_fast_fail())
    try:
        assert _reason(client, merchant, token, benefit) == "already_used"
        fresh = issue(resident)
        assert verify(client, merchant, fresh, benefit).get_json()["decision"] == "granted"
        assert _reason(client, merchant, fresh, benefit) == "already_used"
        assert _reason(client, merchant, issue_expired(resident), benefit) == "expired"
        login(client, resident)
        result = scan_result(client, fresh)
        assert result["status"] == "scanned" and result["decision"] == "granted"
    finally:
        app.extensions["redis"] = good_redis


def test_resident_sees_the_scan_result_live(app, client, make_resident, make_merchant):
    resident = make_resident()
    merchant = make_merchant()
    token = issue(resident)
    resident_client = app.test_client()
    login(resident_client, resident)
    assert scan_result(resident_client, token)["status"] == "pending"
    verify(client, merchant, token, merchant.benefits[0])
    result = scan_result(resident_client, token)
    assert (result["status"], result["decision"], result["merchant"]) == ("scanned", "granted", merchant.name)
    # a denial is shown too
    denied_token = issue(resident)
    verify(client, merchant, denied_token, merchant.benefits[0])
    verify(client, merchant, denied_token, merchant.benefits[0])
    result = scan_result(resident_client, denied_token)
    assert result["decision"] == "denied" and result["reason"] == "already_used"


def test_every_decision_is_audited_for_the_resident(app, client, make_resident, make_merchant):
    from app.core.audit import AuditEntry

    resident = make_resident()
    merchant = make_merchant()
    token = issue(resident)
    benefit = merchant.benefits[0]
    granted = verify(client, merchant, token, benefit).get_json()
    verify(client, merchant, token, benefit)
    entries = [(e.actor, e.action, e.object_type, e.object_id, e.data)
               for e in db.session.query(AuditEntry).filter_by(subject_id=resident.person_id)
               .order_by(AuditEntry.id) if e.action.startswith("verification.")]
    key_id = db.session.scalar(select(MerchantApiKey.id).filter_by(merchant_id=merchant.id))
    actor = f"merchant:{merchant.id}:key:{key_id}"
    assert entries == [
        (actor, "verification.granted", "redemption", str(granted["redemption_id"]),
         {"merchant_id": merchant.id, "benefit": benefit.code}),
        (actor, "verification.denied", "credit_code", tokens.decode(token).token_id_hex,
         {"merchant_id": merchant.id, "benefit": benefit.code, "reason": "already_used"})]


def test_verification_is_rate_limited_per_merchant(app, client, make_merchant):
    app.config["VERIFICATION_RATE_LIMIT"] = "3/minute"
    try:
        merchant = make_merchant()
        statuses = [client.post("/api/v1/verifications", json={"token": "X", "benefit": "nope"},
                                headers={"Authorization": f"Bearer {merchant.plain_key}"}).status_code
                    for _ in range(4)]
    finally:
        app.config.pop("VERIFICATION_RATE_LIMIT")
    assert statuses == [422, 422, 422, 429]


def test_keys_rotated_between_issue_and_scan_still_verify(app, client, make_resident, make_merchant):
    merchant = make_merchant()
    token = issue(make_resident())
    keys.rotate()
    keys.clear_cache()
    assert verify(client, merchant, token, merchant.benefits[0]).get_json()["decision"] == "granted"
