"""The redemption lifecycle, its credit records, and merchants kept apart."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.core.time import utcnow
from app.records.models import CreditRecord
from app.verification import redemptions as lifecycle
from app.verification.models import Redemption
from tests.verification_support import bearer, issue, verify


def _grant(client, merchant, resident, benefit=None):
    body = verify(client, merchant, issue(resident), benefit or merchant.benefits[0]).get_json()
    assert body["decision"] == "granted"
    return body["redemption_id"]


def _report(client, merchant, redemption_id, action, **body):
    if action == "default":
        body.setdefault("note", "充电宝未归还")
    return client.post(f"/api/v1/redemptions/{redemption_id}/{action}", json=body,
                       headers=bearer(merchant))


def _records(person_id, rtype):
    return db.session.scalars(select(CreditRecord).filter_by(person_id=person_id, type_code=rtype)).all()


def test_completed_deposit_free_use_adds_a_positive_record(app, client, make_resident, make_merchant,
                                                           make_benefit):
    resident = make_resident()
    merchant = make_merchant([make_benefit(deposit_free=True)])
    rid = _grant(client, merchant, resident)
    response = _report(client, merchant, rid, "complete")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "completed" and body["record_id"]
    assert len(_records(resident.person_id, "deposit_free_completed")) == 1
    # repeating the report changes nothing
    assert _report(client, merchant, rid, "complete").get_json()["record_id"] == body["record_id"]
    assert len(_records(resident.person_id, "deposit_free_completed")) == 1


def test_completed_pay_later_use_adds_merchant_fulfilment(app, client, make_resident, make_merchant,
                                                          make_benefit):
    resident = make_resident()
    merchant = make_merchant([make_benefit(deposit_free=False, scene="信易医")])
    _report(client, merchant, _grant(client, merchant, resident), "complete")
    assert len(_records(resident.person_id, "merchant_fulfilment")) == 1


def test_default_becomes_a_negative_record_only_after_the_grace_period(app, client, runner,
                                                                       make_resident, make_merchant):
    from app.scoring.models import Score

    resident = make_resident(records=[("tax_paid_on_time", 30)])
    merchant = make_merchant()
    rid = _grant(client, merchant, resident)
    body = _report(client, merchant, rid, "default", note="充电宝未归还").get_json()
    assert body["status"] == "defaulted" and body["record_id"] is None
    redemption = db.session.get(Redemption, rid)
    grace = app.config["MERCHANT_DEFAULT_GRACE_DAYS"]
    assert redemption.default_due_at - redemption.defaulted_at == timedelta(days=grace)
    lifecycle.process_defaults()
    assert db.session.get(Redemption, rid).record_id is None
    before = db.session.get(Score, resident.person_id).score
    assert lifecycle.process_defaults(now=utcnow() + timedelta(days=grace, minutes=1)) >= 1
    assert db.session.get(Redemption, rid).record_id is not None
    assert len(_records(resident.person_id, "merchant_default")) == 1
    db.session.expire_all()
    assert db.session.get(Score, resident.person_id).score < before
    # once recorded, the outcome is final
    assert _report(client, merchant, rid, "complete").status_code == 409
    lifecycle.process_defaults(now=utcnow() + timedelta(days=grace + 1))
    assert len(_records(resident.person_id, "merchant_default")) == 1


def test_default_cli_records_due_defaults(app, runner, client, make_resident, make_merchant):
    resident = make_resident()
    merchant = make_merchant()
    rid = _grant(client, merchant, resident)
    _report(client, merchant, rid, "default")
    db.session.get(Redemption, rid).default_due_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    result = runner.invoke(args=["redemptions", "process-defaults"])
    assert result.exit_code == 0 and "default(s) recorded" in result.output
    assert len(_records(resident.person_id, "merchant_default")) == 1


@pytest.mark.parametrize("settle", ["complete", "cancel"])
def test_settling_within_the_grace_period_prevents_the_record(app, client, make_resident,
                                                              make_merchant, settle):
    resident = make_resident()
    merchant = make_merchant()
    rid = _grant(client, merchant, resident)
    _report(client, merchant, rid, "default")
    assert _report(client, merchant, rid, settle).status_code == 200
    lifecycle.process_defaults(now=utcnow() + timedelta(days=30))
    assert _records(resident.person_id, "merchant_default") == []


@pytest.mark.parametrize("first, second", [("complete", "cancel"), ("cancel", "complete"),
                                           ("cancel", "default"), ("complete", "default")])
def test_final_outcomes_cannot_change(app, client, make_resident, make_merchant, first, second):
    merchant = make_merchant()
    rid = _grant(client, merchant, make_resident())
    assert _report(client, merchant, rid, first).status_code == 200
    response = _report(client, merchant, rid, second)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "invalid_transition"


def test_a_merchant_cannot_see_or_act_on_another_merchants_redemptions(app, client, make_resident,
                                                                       make_merchant, make_benefit):
    benefit = make_benefit()
    mine, theirs = make_merchant([benefit]), make_merchant([benefit])
    rid = _grant(client, theirs, make_resident())
    own = _grant(client, mine, make_resident())
    assert client.get(f"/api/v1/redemptions/{rid}", headers=bearer(mine)).status_code == 404
    for action in ("complete", "default", "cancel"):
        assert _report(client, mine, rid, action).status_code == 404
    assert db.session.get(Redemption, rid).status == "granted"
    listed = client.get("/api/v1/redemptions", headers=bearer(mine)).get_json()["redemptions"]
    assert [r["id"] for r in listed] == [own]
    assert client.get(f"/api/v1/redemptions/{rid}", headers=bearer(theirs)).status_code == 200
    assert client.get("/api/v1/redemptions").status_code == 401


def test_listing_by_day(app, client, make_resident, make_merchant):
    merchant = make_merchant()
    rid = _grant(client, merchant, make_resident())
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    assert client.get(f"/api/v1/redemptions?day={yesterday}", headers=bearer(merchant)).get_json() == {"redemptions": []}
    body = client.get(f"/api/v1/redemptions/{rid}", headers=bearer(merchant)).get_json()
    assert body["resident"]["masked_name"].endswith("*") and body["status"] == "granted"
    assert client.get("/api/v1/redemptions?day=notaday", headers=bearer(merchant)).status_code == 422


def test_unknown_action_and_id(app, client, make_merchant):
    merchant = make_merchant()
    assert client.post("/api/v1/redemptions/999999/complete", json={}, headers=bearer(merchant)).status_code == 404
    assert client.post("/api/v1/redemptions/1/explode", json={}, headers=bearer(merchant)).status_code in (404, 405)
