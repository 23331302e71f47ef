"""Races against a running server: a code or refresh token exchanged at once by many requests
gives tokens once; bookings racing on one reference or on a limit keep single use and limits."""
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
import requests
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.passwords import hash_password
from app.partners import services
from app.residents.services import close_account, register_resident
from app.verification.models import Redemption
from tests.factories import new_id_number, new_phone
from tests.partners.conftest import deliver, new_credit_code, pkce, query_of
from tests.resident_support import add_benefit
from tests.servers import signed_in

THREADS = 10
CALLBACK = "https://partner.example/callback"


@pytest.fixture
def setup(live_app):
    phone, password, id_number = new_phone(), "Race-pass-2026", new_id_number()
    resident = register_resident(id_number, "吴九", phone, hash_password(password), True)
    deliver(id_number, "吴九", [("tax_paid_on_time", 40)])
    benefit = add_benefit(scene="信易游", limit_count=2, limit_period="month")
    partner = services.create_partner(f"并发平台{uuid.uuid4().hex[:6]}", "tourism",
                                      new_credit_code(), rate_limit="100000/second")
    services.offer_online(partner, [benefit.code])
    client, secret = services.add_client(partner, [CALLBACK], ["booking"], "酒店预订", 30)
    db.session.commit()
    yield {"phone": phone, "password": password, "benefit": benefit.code,
           "auth": (client.client_id, secret), "merchant_id": partner.merchant_id}
    db.session.rollback()
    close_account(resident)
    db.session.commit()


def _code(url, setup):
    web = signed_in(url, setup["phone"], setup["password"])
    verifier, challenge = pkce()
    path = "/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": setup["auth"][0], "redirect_uri": CALLBACK,
        "scope": "booking", "state": "s", "code_challenge": challenge,
        "code_challenge_method": "S256"})
    response = web.post(url + path, data={"csrf_token": web.csrf, "decision": "approve"},
                        allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return query_of(response.headers["Location"])["code"], verifier


def _all_at_once(call, n=THREADS):
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(lambda _i: call(), range(n)))


def _token(url, setup, form):
    return requests.post(f"{url}/oauth/token", auth=setup["auth"], data=form, timeout=60)


def test_a_code_gives_tokens_once(live_server, setup):
    code, verifier = _code(live_server, setup)
    answers = _all_at_once(lambda: _token(live_server, setup, {
        "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
        "code_verifier": verifier}))
    assert sorted(a.status_code for a in answers) == [200] + [400] * (THREADS - 1)
    # the code came back: what it gave is revoked (RFC 6749 §4.1.2)
    token = next(a.json() for a in answers if a.status_code == 200)["access_token"]
    assert requests.get(f"{live_server}/api/v1/partner/bookings/1", timeout=10, headers={
        "Authorization": f"Bearer {token}"}).status_code == 401


def test_a_refresh_token_gives_tokens_once(live_server, setup):
    code, verifier = _code(live_server, setup)
    tokens = _token(live_server, setup, {"grant_type": "authorization_code", "code": code,
                                         "redirect_uri": CALLBACK,
                                         "code_verifier": verifier}).json()
    refreshed = _all_at_once(lambda: _token(live_server, setup, {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}))
    assert sorted(a.status_code for a in refreshed) == [200] + [400] * (THREADS - 1)


def test_racing_bookings_keep_single_use_and_the_limit(live_server, setup):
    code, verifier = _code(live_server, setup)
    token = _token(live_server, setup, {"grant_type": "authorization_code", "code": code,
                                        "redirect_uri": CALLBACK,
                                        "code_verifier": verifier}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def book(reference):
        return requests.post(f"{live_server}/api/v1/partner/bookings", headers=headers,
                             json={"benefit": setup["benefit"], "reference": reference},
                             timeout=60).json()

    same = _all_at_once(lambda: book("SAME-1"))
    assert {a["decision"] for a in same} == {"granted"}
    assert len({a["booking"]["id"] for a in same}) == 1
    many = _all_at_once(lambda: book(uuid.uuid4().hex))
    granted = [a for a in many if a["decision"] == "granted"]
    assert len(granted) == 1  # the limit is 2 a month, one of them taken by SAME-1
    assert {a["reason"] for a in many if a["decision"] == "denied"} == {"limit_reached"}
    db.session.rollback()
    assert db.session.scalar(select(func.count(Redemption.id)).where(
        Redemption.merchant_id == setup["merchant_id"])) == 2


def test_approvals_at_once_leave_one_consent_in_force(live_server, setup):
    """A double tap (or several tabs) approving the same partner leaves one consent to withdraw,
    not several that read on after the one withdrawn."""
    web = signed_in(live_server, setup["phone"], setup["password"])
    _verifier, challenge = pkce()
    path = "/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": setup["auth"][0], "redirect_uri": CALLBACK,
        "scope": "booking", "state": "s", "code_challenge": challenge,
        "code_challenge_method": "S256"})
    answers = _all_at_once(lambda: web.post(live_server + path, allow_redirects=False, timeout=60,
                                            data={"csrf_token": web.csrf, "decision": "approve"}))
    assert {a.status_code for a in answers} == {302}
    listed = web.get(f"{live_server}/api/v1/me/consents", timeout=10).json()["consents"]
    assert len(listed) == 1
