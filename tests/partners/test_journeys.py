"""Partners end to end against a live server: the resident consents in headless Chromium, the
partner uses authlib's own OAuth 2.0 client (PKCE S256) for the code and the API.

A bank: consent → code → score and report → the resident sees both reads under "who looked at
my credit" → withdraws the consent with one tap → the next read is 401. A tourism platform:
consent → eligibility → a deposit-free booking → completed.
"""
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from playwright.sync_api import expect, sync_playwright

from app.core.extensions import db
from app.core.passwords import hash_password
from app.partners import services
from app.residents.services import close_account, find_resident_by_phone, register_resident
from tests.browser_support import check_screen, launch
from tests.factories import new_id_number, new_phone
from tests.partners.conftest import deliver, new_credit_code
from tests.resident_support import add_benefit
from tests.servers import signed_in

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 390, "height": 844}
CALLBACK = "http://127.0.0.1:9/callback"  # never reached: the test's browser catches it


@pytest.fixture
def browser():
    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def resident(live_app):
    """A consenting resident with a good record and a minor negative one; closed afterwards."""
    phone, password, id_number = new_phone(), "Partner-pass-2026", new_id_number()
    person = register_resident(id_number, "周八", phone, hash_password(password), True)
    deliver(id_number, "周八", [("tax_paid_on_time", 40), ("utility_arrears", 20)])
    db.session.commit()
    yield {"phone": phone, "password": password, "id": person.id}
    db.session.rollback()
    close_account(find_resident_by_phone(phone))
    db.session.commit()


def partner(kind, scopes, purpose, offers=()):
    made = services.create_partner(f"{'郑州城商银行' if kind == 'lender' else '云游文旅'}"
                                   f"{uuid.uuid4().hex[:4]}", kind, new_credit_code())
    if offers:
        services.offer_online(made, list(offers))
    client, secret = services.add_client(made, [CALLBACK], scopes, purpose, 30)
    db.session.commit()
    return made, OAuth2Session(client.client_id, secret, scope=" ".join(scopes),
                               redirect_uri=CALLBACK, code_challenge_method="S256")


def consent_in_browser(browser, base_url, oauth, who, name):
    """The partner sends the resident to the consent page; they sign in and approve there.
    Returns the URL the browser was sent back to (with the code)."""
    verifier = generate_token(64)
    url, state = oauth.create_authorization_url(f"{base_url}/oauth/authorize",
                                                code_verifier=verifier)
    page = browser.new_context(viewport=VIEWPORT, locale="zh-CN", bypass_csp=True).new_page()
    sent_back = []

    def catch(route):
        sent_back.append(route.request.url)
        route.fulfill(body="ok")

    page.route(f"{CALLBACK}**", catch)
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/login\?next=/oauth/authorize"))  # sign in first
    page.get_by_label("手机号码").fill(who["phone"])
    page.get_by_label("密码").fill(who["password"])
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=f"是否向{name}授权查询我的信用？")).to_be_visible()
    expect(page.get_by_test_id("duration")).to_contain_text("30 天")
    check_screen(page, f"partners-consent-{oauth.scope.split()[0]}")
    page.get_by_role("button", name="同意").click()
    expect(page).to_have_url(re.compile("^" + re.escape(CALLBACK)))
    assert len(sent_back) == 1, sent_back
    assert parse_qs(urlsplit(sent_back[0]).query)["state"] == [state]
    return page, sent_back[0], verifier


def test_a_bank_reads_with_consent_until_the_resident_withdraws_it(live_server, browser,
                                                                   resident, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # loopback HTTP in the test
    bank, oauth = partner("lender", ["score", "report"], "个人信用贷款（信易贷）申请审核")
    page, callback, verifier = consent_in_browser(browser, live_server, oauth, resident,
                                                  bank.name)
    token = oauth.fetch_token(f"{live_server}/oauth/token", authorization_response=callback,
                              code_verifier=verifier)
    assert token["token_type"] == "Bearer" and set(token["scope"].split()) == {"score", "report"}

    score = oauth.get(f"{live_server}/api/v1/partner/score", timeout=10)
    assert score.status_code == 200, score.text
    report = oauth.get(f"{live_server}/api/v1/partner/report", timeout=10).json()
    assert report["score"] == score.json()["score"]
    assert [r["type"] for r in report["active_negative_records"]] == ["utility_arrears"]
    assert {f["direction"] for f in report["factors"]} == {"raised", "lowered"}

    # the resident sees both reads, by whom and for what
    web = signed_in(live_server, resident["phone"], resident["password"])
    entries = web.get(f"{live_server}/api/v1/me/access-log", timeout=10).json()["entries"]
    reads = [e for e in entries if e["who"] == {"kind": "partner", "name": bank.name}]
    assert len(reads) == 2
    assert {e["purpose"] for e in reads} == {"个人信用贷款（信易贷）申请审核"}

    # one tap on "my authorisations" withdraws the consent; the next read is refused
    page.goto(f"{live_server}/consents")
    expect(page.get_by_role("heading", name="我的授权")).to_be_visible()
    check_screen(page, "partners-my-authorisations")
    page.get_by_role("button", name=f"撤回对{bank.name}的授权").click()
    expect(page.get_by_test_id("no-consents")).to_be_visible()
    refused = oauth.get(f"{live_server}/api/v1/partner/score", timeout=10)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_token"
    assert "WWW-Authenticate" in refused.headers
    # nor can the partner refresh its way back in
    again = requests.post(f"{live_server}/oauth/token", timeout=10, auth=(oauth.client_id,
                                                                         oauth.client_secret),
                          data={"grant_type": "refresh_token",
                                "refresh_token": token["refresh_token"]})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_tourism_platform_books_a_deposit_free_stay(live_server, live_app, browser, resident,
                                                      monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    hotel = add_benefit(code=f"hotel_{uuid.uuid4().hex[:8]}", scene="信易游",
                        name="酒店免押金入住", name_en="Hotel without deposit", min_tier="good",
                        limit_count=4, limit_period="month")
    db.session.commit()
    platform, oauth = partner("tourism", ["eligibility", "booking"], "信易游免押金酒店预订",
                              offers=[hotel.code])
    page, callback, verifier = consent_in_browser(browser, live_server, oauth, resident,
                                                  platform.name)
    oauth.fetch_token(f"{live_server}/oauth/token", authorization_response=callback,
                      code_verifier=verifier)
    base = f"{live_server}/api/v1/partner"

    checked = oauth.get(f"{base}/eligibility", params={"benefit": hotel.code}, timeout=10).json()
    assert checked == {"benefit": {"code": hotel.code, "name": "酒店免押金入住"},
                       "eligible": True, "reason": None}
    booked = oauth.post(f"{base}/bookings", json={"benefit": hotel.code,
                                                  "reference": "HN-0001"}, timeout=10).json()
    assert booked["decision"] == "granted", booked
    booking = booked["booking"]
    assert booking["status"] == "granted"
    # a retried booking request (say, after a lost answer) is the same booking
    retried = oauth.post(f"{base}/bookings", json={"benefit": hotel.code,
                                                   "reference": "HN-0001"}, timeout=10).json()
    assert retried["booking"]["id"] == booking["id"]
    # the guest checked out: the platform reports it, as a hotel's counter would
    done = oauth.post(f"{base}/bookings/{booking['id']}/complete", json={"note": "已离店"},
                      timeout=10)
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert oauth.get(f"{base}/bookings/{booking['id']}",
                     timeout=10).json()["status"] == "completed"
    # the completed deposit-free use shows among the resident's records
    web = signed_in(live_server, resident["phone"], resident["password"])
    contributions = web.get(f"{live_server}/api/v1/me/score", timeout=10).json()["contributions"]
    assert "deposit_free_completed" in {c["type"] for c in contributions}
