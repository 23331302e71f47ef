"""The resident is told of a reported default exactly once: whoever reports it (a merchant's
system, its console, or a partner's booking) and however many times the report arrives."""
import pytest
from sqlalchemy import update

from app.core.extensions import db
from app.core.time import utcnow
from app.verification import redemptions as lifecycle
from app.verification.models import Redemption
from tests.partners.conftest import bearer as token_bearer
from tests.partners.conftest import tokens_for, tourism  # noqa: F401 - a fixture
from tests.resident_support import sms  # noqa: F401 - a fixture
from tests.verification_support import bearer, issue, verify


def _texts_to(sms, resident):  # noqa: F811
    return [text for to, text in sms.sent if to == resident.plain_phone]


def test_a_partner_reporting_a_booking_not_honoured_tells_the_resident(
        app, sms, make_resident, tourism):  # noqa: F811
    api = app.test_client()
    resident = make_resident(records=[("tax_paid_on_time", 30)])
    tokens = tokens_for(app, resident, tourism, scope="booking")
    headers = token_bearer(tokens["access_token"])
    booking = api.post("/api/v1/partner/bookings", headers=headers, json={
        "benefit": tourism.benefit.code, "reference": "R-9"}).get_json()["booking"]
    for _again in range(2):
        answer = api.post(f"/api/v1/partner/bookings/{booking['id']}/default", headers=headers,
                          json={"note": "客人未入住也未取消"})
        assert answer.status_code == 200, answer.get_data(as_text=True)
    texts = _texts_to(sms, resident)
    assert len(texts) == 1 and "客人未入住也未取消" in texts[0]


@pytest.fixture
def reported_meanwhile(monkeypatch):
    """Another report of the same default commits just after this request read the redemption
    (two taps of the button, or a retry crossing the first attempt)."""
    found = lifecycle.for_merchant

    def read_then_reported(merchant, redemption_id):
        redemption = found(merchant, redemption_id)
        now = utcnow()
        db.session.execute(update(Redemption).where(Redemption.id == redemption_id).values(
            status="defaulted", note="第一次上报", defaulted_at=now, default_due_at=now)
            .execution_options(synchronize_session=False))
        return redemption

    monkeypatch.setattr(lifecycle, "for_merchant", read_then_reported)


def test_a_default_reported_twice_at_once_texts_the_resident_once(
        app, sms, make_resident, make_merchant, reported_meanwhile):  # noqa: F811
    api = app.test_client()
    resident, merchant = make_resident(), make_merchant()
    rid = verify(api, merchant, issue(resident), merchant.benefits[0]).get_json()["redemption_id"]
    answer = api.post(f"/api/v1/redemptions/{rid}/default", json={"note": "第二次上报"},
                      headers=bearer(merchant))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    # the report that changed the redemption texted the resident; this one changed nothing
    assert _texts_to(sms, resident) == []
