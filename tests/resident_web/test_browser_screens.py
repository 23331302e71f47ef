"""The resident's screens in headless Chromium at 390×844 and 320×568: a forgotten password
reset, the tier ladder, the credit code's used, expired and offline states; every screen is
screenshot to tests/artifacts/ and must pass axe-core without a violation."""
import re
import uuid

import pytest
import requests
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from app.core.extensions import db
from app.core.passwords import hash_password
from app.merchants import services as merchant_services
from app.merchants.models import Merchant
from app.records.models import CreditRecord
from app.records.services import ingest
from app.residents.services import close_account, find_resident_by_phone, register_resident
from app.scoring.services import rescore_people
from tests import browser_support
from tests.browser_support import VIEWPORTS, launch
from tests.factories import issuer_for, new_id_number, new_phone, record_payload
from tests.resident_support import add_benefit

pytestmark = pytest.mark.browser

PASSWORD = "Screen-pass-2026"


@pytest.fixture(params=list(VIEWPORTS))
def page(request):
    """A phone-sized page; CSP bypassed only so that the injected axe-core can run."""
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport=VIEWPORTS[request.param], locale="zh-CN",
                                      is_mobile=True, has_touch=True, bypass_csp=True)
        page = context.new_page()
        page.size = request.param
        expect.set_options(timeout=15_000)  # a ceiling for a busy machine, not a speed check
        yield page
        expect.set_options(timeout=5_000)
        browser.close()


@pytest.fixture
def resident(live_app):
    """A resident at 105 (信用良好: blood donation; a traffic fine withdrawn), committed; the
    account is closed after."""
    suffix = uuid.uuid4().hex[:8]
    id_number, phone = new_id_number(), new_phone()
    account = register_resident(id_number, "孙八", phone, hash_password(PASSWORD), True)
    for rtype, days in (("blood_donation", 10), ("traffic_violation", 20)):
        ingest(issuer_for(rtype), [record_payload(id_number, "孙八", rtype, days)])
    # a withdrawn record, so the records page shows one that does not count
    db.session.scalar(select(CreditRecord).filter_by(
        person_id=account.person_id, type_code="traffic_violation")).status = "revoked"
    rescore_people([account.person_id])
    benefit = add_benefit(code=f"bike_{suffix}", scene="信易行", name="共享单车免押金",
                          min_tier="good", merchant_name=f"郑州单车{suffix}")
    merchant = db.session.scalar(select(Merchant).filter_by(name=f"郑州单车{suffix}"))
    merchant_key = merchant_services.issue_api_key(merchant, label="test")
    db.session.commit()
    account.plain_phone, account.benefit, account.merchant_key = phone, benefit.code, merchant_key
    yield account
    db.session.rollback()
    found = find_resident_by_phone(phone)
    if found is not None:
        close_account(found)
    db.session.commit()


def check_screen(page, name):
    browser_support.check_screen(page, f"resident-{name}-{page.size}")


def sign_in(page, base, phone, password=PASSWORD):
    page.goto(base + "/login")
    page.get_by_label("手机号码").fill(phone)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("score")).to_be_visible()


def test_a_resident_resets_a_forgotten_password(live_server, page, sms, resident):
    page.goto(live_server + "/login")
    check_screen(page, "login")
    page.get_by_role("link", name="忘记密码？").click()
    expect(page).to_have_url(re.compile(r"/password/forgot$"))
    check_screen(page, "forgot-password")
    page.get_by_label("手机号码").fill(resident.plain_phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page).to_have_url(re.compile(r"/password/reset$"))
    check_screen(page, "reset-password")
    code = re.search(r"\d{6}", sms.last_to(resident.plain_phone)).group(0)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("新密码").fill("Reset-pass-2026")
    page.get_by_label("再次输入密码").fill("Reset-pass-2026")
    page.get_by_role("button", name="确认新密码").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text("密码已重置")).to_be_visible()
    sign_in(page, live_server, resident.plain_phone, "Reset-pass-2026")


def test_the_score_ladder_shows_the_next_tier(live_server, page, resident):
    sign_in(page, live_server, resident.plain_phone)
    expect(page.get_by_test_id("max")).to_have_text("满分 200")
    expect(page.get_by_test_id("next-tier")).to_have_text("再得 15 分即可升至信用优秀（120 分起）。")
    expect(page.locator(".ladder li[aria-current=step]")).to_contain_text("信用良好")
    check_screen(page, "home")
    for path, name in [("/records", "records"), ("/score/explained", "explained"),
                       ("/benefits", "benefits"), ("/account", "account"),
                       ("/account/password", "password")]:
        page.goto(live_server + path)
        check_screen(page, name)


def _dimmed(page):
    return float(page.locator("#qr").evaluate("img => getComputedStyle(img).opacity")) < 0.5


def test_the_credit_code_shows_used_expired_and_offline(live_server, page, resident):
    sign_in(page, live_server, resident.plain_phone)
    page.clock.install()  # the page's clock, so that a code can run out without waiting
    page.goto(live_server + "/credit-code")
    box = page.locator("#credit-code")
    expect(box).to_have_attribute("data-state", "live")
    # at 320×568 too, the QR and its countdown are on the first screen and the tabs on one line
    height = VIEWPORTS[page.size]["height"]
    for selector in ("#qr", "#countdown"):
        where = page.locator(selector).bounding_box()
        assert where["y"] >= 0 and where["y"] + where["height"] <= height, (selector, where)
    tabs = page.locator("nav.tabs a")
    assert len({round(tabs.nth(i).bounding_box()["y"]) for i in range(tabs.count())}) == 1
    assert page.locator("#countdown").get_attribute("aria-live") is None
    check_screen(page, "credit-code")

    # used: a merchant verifies it; the result shows, the code is dimmed, a fresh one is offered
    token = box.get_attribute("data-token")
    verdict = requests.post(f"{live_server}/api/v1/verifications", timeout=10,
                            json={"token": token, "benefit": resident.benefit},
                            headers={"Authorization": f"Bearer {resident.merchant_key}"}).json()
    assert verdict.get("decision") == "granted", verdict
    expect(box).to_have_attribute("data-state", "used", timeout=10_000)
    expect(page.locator("#scan-result")).to_contain_text("已通过")
    expect(page.locator("#countdown")).to_contain_text("此码已使用")
    expect(page.locator("#code-state")).to_contain_text("已通过")
    assert _dimmed(page)
    check_screen(page, "credit-code-used")
    page.get_by_role("link", name="刷新信用码").click()
    expect(box).to_have_attribute("data-state", "live")
    expect(box).not_to_have_attribute("data-token", token)
    assert not _dimmed(page)

    # expired: the refresh never answers and the time runs out
    page.route("**/api/v1/me/credit-code", lambda route: None)
    page.clock.fast_forward("02:00")
    expect(box).to_have_attribute("data-state", "expired", timeout=10_000)
    expect(page.locator("#countdown")).to_contain_text("已过期")
    assert _dimmed(page)
    check_screen(page, "credit-code-expired")

    # offline: dimmed, and said so
    page.unroute("**/api/v1/me/credit-code")
    page.context.set_offline(True)
    expect(box).to_have_attribute("data-state", "offline", timeout=10_000)
    assert _dimmed(page)
    check_screen(page, "credit-code-offline")
    page.context.set_offline(False)
    expect(box).to_have_attribute("data-state", "live", timeout=10_000)


def test_public_screens(live_server, page):
    for path, name in [("/", "landing"), ("/register", "register"),
                       ("/password/forgot", "forgot-password-empty"), ("/no-such-page", "error")]:
        page.goto(live_server + path)
        check_screen(page, name)


def test_phone_check_and_consent_screens(live_server, live_app, page, sms):
    phone = new_phone()
    page.goto(live_server + "/register")
    page.get_by_label("姓名（与身份证一致）").fill("周九")
    page.get_by_label("居民身份证号").fill(new_id_number())
    page.get_by_label("手机号码").fill(phone)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_label("我已阅读上述条款").check()
    page.get_by_role("button", name="继续").click()
    expect(page).to_have_url(re.compile(r"/register/verify$"))
    check_screen(page, "verify-phone")

    unconsented = new_phone()
    register_resident(new_id_number(), "吴十", unconsented, hash_password(PASSWORD), False)
    db.session.commit()
    try:
        page.goto(live_server + "/login")
        page.get_by_label("手机号码").fill(unconsented)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(re.compile(r"/consent$"))
        check_screen(page, "consent")
    finally:
        close_account(find_resident_by_phone(unconsented))
        db.session.commit()
