"""The partner API: what each scope reads, that it is logged, per-object checks, bad input."""
import pytest
from sqlalchemy import select, update

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.records.models import CreditRecord
from app.residents.access import access_log
from app.scoring.services import rescore_people, stored_score
from tests.partners.conftest import bearer, make_client, tokens_for

PARTNER = "/api/v1/partner"


@pytest.fixture
def api(app):
    return app.test_client()


def test_score_is_the_stored_score_and_the_read_is_logged(app, api, make_resident, lender):
    resident = make_resident(records=[("tax_paid_on_time", 30), ("utility_arrears", 20)])
    tokens = tokens_for(app, resident, lender)
    response = api.get(f"{PARTNER}/score", headers=bearer(tokens["access_token"]))
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    stored = stored_score(resident.person_id)
    assert body["score"] == stored.score and body["tier"]["code"] == stored.tier
    assert body["tier"]["name"] and body["scheme_version"] == "2026.1" and body["as_of"]
    entries = access_log(resident.person_id)
    assert [(e.who_kind, e.who_name, e.purpose) for e in entries] == [
        ("partner", lender.partner.name, "个人信用贷款（信易贷）申请审核")]
    audited = db.session.scalars(select(AuditEntry).where(
        AuditEntry.subject_id == resident.person_id,
        AuditEntry.action == "partner.read.score")).all()
    assert [a.actor for a in audited] == [f"partner:{lender.partner.id}:client:{lender.client_id}"]


def test_the_report_explains_and_never_shows_a_repaired_record(app, api, make_resident, lender):
    resident = make_resident(records=[("tax_paid_on_time", 30), ("utility_arrears", 20),
                                      ("traffic_violation", 15)])
    repaired = db.session.scalar(select(CreditRecord).filter_by(
        person_id=resident.person_id, type_code="traffic_violation"))
    db.session.execute(update(CreditRecord).where(CreditRecord.id == repaired.id)
                       .values(status="repaired"))
    rescore_people([resident.person_id])
    tokens = tokens_for(app, resident, lender)
    report = api.get(f"{PARTNER}/report", headers=bearer(tokens["access_token"])).get_json()
    assert report["score"] == stored_score(resident.person_id).score
    assert {d["code"] for d in report["dimensions"]} == {
        "identity", "fulfilment", "law", "social", "honours"}
    raised = [f for f in report["factors"] if f["direction"] == "raised"]
    lowered = [f for f in report["factors"] if f["direction"] == "lowered"]
    assert raised and all(f["points"] > 0 for f in raised)
    assert len(lowered) == 1 and lowered[0]["points"] < 0 and "1" in lowered[0]["text"]
    assert [r["type"] for r in report["active_negative_records"]] == ["utility_arrears"]
    assert report["active_negative_records"][0]["severity"] == "minor"
    assert "traffic_violation" not in str(report)
    english = api.get(f"{PARTNER}/report?lang=en",
                      headers=bearer(tokens["access_token"])).get_json()
    assert english["active_negative_records"][0]["name"] != report[
        "active_negative_records"][0]["name"]


def test_eligibility_uses_the_one_rule(app, api, make_resident, tourism):
    good = make_resident(records=[("tax_paid_on_time", 30)])
    dishonest = make_resident(records=[("court_dishonest_debtor", 30)])
    code = tourism.benefit.code
    for resident, eligible, reason in ((good, True, None), (dishonest, False, "not_eligible")):
        tokens = tokens_for(app, resident, tourism, scope="eligibility")
        body = api.get(f"{PARTNER}/eligibility?benefit={code}",
                       headers=bearer(tokens["access_token"])).get_json()
        assert body == {"benefit": {"code": code, "name": "酒店免押金入住"},
                        "eligible": eligible, "reason": reason}
        assert access_log(resident.person_id)[0].who_kind == "partner"


def test_eligibility_input_is_checked(app, api, make_resident, tourism):
    tokens = tokens_for(app, make_resident(), tourism, scope="eligibility")
    headers = bearer(tokens["access_token"])
    unknown = api.get(f"{PARTNER}/eligibility?benefit=nope", headers=headers)
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "unknown_benefit"
    for query in ("", "?benefit=", "?benefit=a%00b", "?benefit=" + "x" * 41):
        response = api.get(f"{PARTNER}/eligibility{query}", headers=headers)
        assert response.status_code == 422, query
        assert set(response.get_json()["error"]) == {"code", "message", "details"}
    # without a token nothing says whether a benefit exists
    assert api.get(f"{PARTNER}/eligibility?benefit=nope").status_code == 401


def _book(api, tokens, benefit, reference="R-1"):
    return api.post(f"{PARTNER}/bookings", headers=bearer(tokens["access_token"]),
                    json={"benefit": benefit, "reference": reference})


def test_a_booking_follows_the_redemption_lifecycle(app, api, make_resident, tourism):
    resident = make_resident(records=[("tax_paid_on_time", 30)])
    tokens = tokens_for(app, resident, tourism, scope="eligibility booking")
    code = tourism.benefit.code
    first = _book(api, tokens, code)
    assert first.status_code == 200, first.get_data(as_text=True)
    body = first.get_json()
    assert body["decision"] == "granted" and body["reason"] is None
    booking = body["booking"]
    assert booking["status"] == "granted" and booking["benefit"]["code"] == code
    # the same reference again is the same booking, not a second one
    assert _book(api, tokens, code).get_json()["booking"]["id"] == booking["id"]
    headers = bearer(tokens["access_token"])
    done = api.post(f"{PARTNER}/bookings/{booking['id']}/complete", headers=headers)
    assert done.status_code == 200 and done.get_json()["status"] == "completed"
    assert api.post(f"{PARTNER}/bookings/{booking['id']}/complete",
                    headers=headers).status_code == 200
    late = api.post(f"{PARTNER}/bookings/{booking['id']}/default", headers=headers)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "invalid_transition"
    # a completed deposit-free use is a positive record, as at the counter
    assert db.session.scalar(select(CreditRecord.type_code).where(
        CreditRecord.person_id == resident.person_id,
        CreditRecord.type_code == "deposit_free_completed")) == "deposit_free_completed"
    assert api.get(f"{PARTNER}/bookings/{booking['id']}",
                   headers=headers).get_json()["status"] == "completed"


def test_bookings_keep_the_limit(app, api, make_resident, tourism):
    tokens = tokens_for(app, make_resident(records=[("tax_paid_on_time", 30)]), tourism,
                        scope="booking")
    code = tourism.benefit.code
    decisions = [_book(api, tokens, code, f"R-{n}").get_json() for n in range(3)]
    assert [d["decision"] for d in decisions] == ["granted", "granted", "denied"]
    assert decisions[2]["reason"] == "limit_reached" and decisions[2]["booking"] is None
    # a cancelled booking frees its place
    headers = bearer(tokens["access_token"])
    api.post(f"{PARTNER}/bookings/{decisions[0]['booking']['id']}/cancel", headers=headers)
    assert _book(api, tokens, code, "R-3").get_json()["decision"] == "granted"


def test_a_benefit_the_partner_does_not_offer_online_is_not_offered(app, api, make_resident,
                                                                    tourism):
    from tests.resident_support import add_benefit

    other = add_benefit()
    tokens = tokens_for(app, make_resident(records=[("tax_paid_on_time", 30)]), tourism,
                        scope="booking")
    body = _book(api, tokens, other.code).get_json()
    assert body["decision"] == "denied" and body["reason"] == "not_offered"
    unknown = _book(api, tokens, "no_such_benefit")
    assert unknown.status_code == 422 and unknown.get_json()["error"]["code"] == "unknown_benefit"


def test_booking_input_is_checked(app, api, make_resident, tourism):
    tokens = tokens_for(app, make_resident(), tourism, scope="booking")
    headers = bearer(tokens["access_token"])
    bad = [{}, {"benefit": tourism.benefit.code}, {"benefit": tourism.benefit.code,
                                                   "reference": "x" * 65},
           {"benefit": 5, "reference": "r"}, {"benefit": tourism.benefit.code, "reference": ""}]
    for body in bad:
        response = api.post(f"{PARTNER}/bookings", headers=headers, json=body)
        assert response.status_code == 422, body
    assert api.post(f"{PARTNER}/bookings", headers=headers, data="benefit=x").status_code == 415
    assert api.post(f"{PARTNER}/bookings", headers=headers, data="{",
                    content_type="application/json").status_code == 400
    for path in ("/bookings/99999999999", "/bookings/0", "/bookings/abc"):
        assert api.get(f"{PARTNER}{path}", headers=headers).status_code == 404
    assert api.post(f"{PARTNER}/bookings/1/complete", headers=headers,
                    json={"note": "x" * 201}).status_code in (404, 422)


def test_a_token_for_resident_a_never_reads_resident_b(app, api, make_resident, tourism):
    scopes = "score report eligibility booking"
    both = make_client("tourism", scopes.split(), offers=[tourism.benefit.code],
                       name="双权限平台")
    alice = make_resident(records=[("tax_paid_on_time", 30), ("volunteer_hours", 10)])
    bob = make_resident(records=[("utility_arrears", 20)], name="李四")
    token_a = tokens_for(app, alice, both, scope=scopes)["access_token"]
    token_b = tokens_for(app, bob, both, scope=scopes)["access_token"]
    score_a = api.get(f"{PARTNER}/score", headers=bearer(token_a)).get_json()["score"]
    assert score_a == stored_score(alice.person_id).score != stored_score(bob.person_id).score
    report_a = api.get(f"{PARTNER}/report", headers=bearer(token_a)).get_json()
    assert report_a["active_negative_records"] == []
    booking_b = _book(api, {"access_token": token_b}, tourism.benefit.code, "B-1").get_json()
    booking_id = booking_b["booking"]["id"]
    assert api.get(f"{PARTNER}/bookings/{booking_id}", headers=bearer(token_a)).status_code == 404
    for action in ("complete", "default", "cancel"):
        response = api.post(f"{PARTNER}/bookings/{booking_id}/{action}", headers=bearer(token_a))
        assert response.status_code == 404
    # the same reference under A's token cannot take over B's booking
    taken = _book(api, {"access_token": token_a}, tourism.benefit.code, "B-1")
    assert taken.status_code == 409
    assert {e.who_kind for e in access_log(bob.person_id)} == {"partner"}
    assert len(access_log(bob.person_id)) == 1  # bob's booking; alice's reads are alice's


def test_another_partner_cannot_touch_a_booking(app, api, make_resident, tourism):
    resident = make_resident(records=[("tax_paid_on_time", 30)])
    tokens = tokens_for(app, resident, tourism, scope="booking")
    booking_id = _book(api, tokens, tourism.benefit.code).get_json()["booking"]["id"]
    rival = make_client("tourism", ("booking",), offers=[tourism.benefit.code], name="另一平台")
    rival_token = tokens_for(app, resident, rival, scope="booking")["access_token"]
    assert api.get(f"{PARTNER}/bookings/{booking_id}",
                   headers=bearer(rival_token)).status_code == 404


def test_missing_scope_is_403_on_every_endpoint(app, api, make_resident, tourism):
    tokens = tokens_for(app, make_resident(), tourism, scope="eligibility")
    headers = bearer(tokens["access_token"])
    for method, path in (("get", "/score"), ("get", "/report"), ("post", "/bookings"),
                         ("get", "/bookings/1"), ("post", "/bookings/1/cancel")):
        kwargs = {"json": {"benefit": "x", "reference": "y"}} if path == "/bookings" else {}
        response = getattr(api, method)(f"{PARTNER}{path}", headers=headers, **kwargs)
        assert response.status_code == 403, path


def test_per_partner_rate_limit(app, api, make_resident):
    slow = make_client(rate_limit="3/minute")
    other = make_client()
    resident = make_resident()
    token = tokens_for(app, resident, slow)["access_token"]
    token_other = tokens_for(app, resident, other)["access_token"]
    answers = [api.get(f"{PARTNER}/score", headers=bearer(token)).status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    limited = api.get(f"{PARTNER}/report", headers=bearer(token))
    assert limited.status_code == 429
    assert limited.get_json()["error"]["code"] == "too_many_requests"
    assert int(limited.headers["Retry-After"]) > 0
    assert api.get(f"{PARTNER}/score", headers=bearer(token_other)).status_code == 200


def test_a_closed_account_stops_its_tokens(app, api, make_resident, lender):
    from app.residents.services import close_account

    resident = make_resident()
    tokens = tokens_for(app, resident, lender)
    close_account(resident)
    assert api.get(f"{PARTNER}/score", headers=bearer(tokens["access_token"])).status_code == 401


def test_a_deactivated_partner_or_revoked_client_stops(app, api, make_resident, lender):
    from app.partners import services

    tokens = tokens_for(app, make_resident(), lender)
    services.revoke_client(lender.client)
    assert api.get(f"{PARTNER}/score", headers=bearer(tokens["access_token"])).status_code == 401
