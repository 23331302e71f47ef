"""A resident's whole visit in headless Chromium at 390×844: register → consent → sign in →
score → records → explanation → benefits → credit code (decoded by zbar, checked genuine).
Screenshots of every page go to tests/artifacts/ for people to look at."""
import base64
import io
import re
import uuid

import nacl.signing
import pytest
import requests
from PIL import Image
from playwright.sync_api import expect, sync_playwright
from pyzbar.pyzbar import decode
from sqlalchemy import select

from app.core.extensions import db
from app.credit_codes import codes, tokens
from app.merchants import services as merchant_services
from app.merchants.models import Merchant
from app.residents.services import find_resident_by_phone
from tests.browser_support import launch, screenshot
from tests.factories import issuer_with_key, new_id_number, new_phone, record_payload
from tests.resident_support import add_benefit

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture
def browser():
    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def city(live_app):
    """The departments' keys, and a merchant offering a benefit a good score unlocks."""
    suffix = uuid.uuid4().hex[:8]
    dept_keys = {rtype: issuer_with_key(rtype)[1] for rtype in (
        "blood_donation", "tax_paid_on_time", "volunteer_hours", "traffic_violation")}
    benefit = add_benefit(code=f"bike_{suffix}", scene="信易行", name="共享单车免押金",
                          name_en="Bikes without deposit", min_tier="good",
                          merchant_name=f"郑州单车{suffix}")
    merchant = db.session.scalar(select(Merchant).filter_by(name=f"郑州单车{suffix}"))
    merchant_key = merchant_services.issue_api_key(merchant, label="test")
    db.session.commit()
    return {"dept_keys": dept_keys, "benefit": benefit.code, "merchant_key": merchant_key}


@pytest.fixture
def opened(live_app):
    """Accounts a test opened for real; closed afterwards (score deleted, consent withdrawn), so
    later tests that rescore "everyone" do not find them."""
    phones = []
    yield phones
    from app.residents.services import close_account

    db.session.rollback()
    for phone in phones:
        resident = find_resident_by_phone(phone)
        if resident is not None:
            close_account(resident)
    db.session.commit()


def shot(page, name):
    screenshot(page, f"resident-{name}")


def wait_for_qr(page):
    qr = page.locator("#qr")
    expect(qr).to_have_js_property("complete", True)
    assert qr.evaluate("img => img.naturalWidth") > 0


def read_qr(page) -> str:
    image = Image.open(io.BytesIO(page.locator("#qr").screenshot()))
    found = decode(image)
    assert len(found) == 1, "exactly one QR code on the credit-code page"
    return found[0].data.decode()


def assert_genuine(base_url, token, resident_id):
    """Check the token both ways: the platform's verifier, and JWKS + PyNaCl as a merchant would."""
    checked = codes.check_token(token)
    assert checked.resident_id == resident_id and not checked.expired
    claims = tokens.decode(token)
    jwks = requests.get(f"{base_url}/.well-known/jwks.json", timeout=5).json()
    key = next(k for k in jwks["keys"] if k["kid"] == claims.kid)
    x = base64.urlsafe_b64decode(key["x"] + "=" * (-len(key["x"]) % 4))
    nacl.signing.VerifyKey(x).verify(claims.signed, claims.signature)  # raises if forged


def test_resident_walk_through(live_server, browser, sms, city, opened):
    id_number, phone, password = new_id_number(), new_phone(), "Walk-pass-2026"
    opened.append(phone)
    page = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()

    page.goto(live_server + "/")
    expect(page.get_by_role("heading", name="信用郑州")).to_be_visible()
    shot(page, "01-landing")

    # register, with the terms shown and consent ticked
    page.get_by_role("link", name="注册").first.click()
    page.get_by_label("姓名（与身份证一致）").fill("赵六")
    page.get_by_label("居民身份证号").fill(id_number)
    page.get_by_label("手机号码").fill(phone)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_label("再次输入密码").fill(password)
    expect(page.get_by_role("heading", name="个人信用积分服务条款")).to_be_visible()
    page.get_by_label("我已阅读上述条款").check()
    shot(page, "02-register")
    page.get_by_role("button", name="继续").click()

    # the SMS one-time code
    expect(page).to_have_url(re.compile(r"/register/verify$"))
    shot(page, "03-verify-phone")
    code = re.search(r"\d{6}", sms.last_to(phone)).group(0)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="开通账户").click()

    # departments send records about the new resident
    records = [record_payload(id_number, "赵六", t, days) for t, days in
               [("blood_donation", 10), ("tax_paid_on_time", 40), ("volunteer_hours", 20),
                ("traffic_violation", 15)]]
    records[2]["attributes"] = {"hours": 30}
    for record in records:  # each from the department that issues its type
        pushed = requests.post(f"{live_server}/api/v1/records", json={"records": [record]},
                               timeout=10, headers={
                                   "Authorization": f"Bearer {city['dept_keys'][record['type']]}"})
        assert pushed.json().get("accepted") == 1, pushed.json()

    # sign in
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_label("手机号码").fill(phone)
    page.get_by_label("密码").fill(password)
    shot(page, "04-login")
    page.get_by_role("button", name="登录").click()

    # home: score and tier
    expect(page).to_have_url(live_server + "/")
    score = int(page.get_by_test_id("score").inner_text())
    assert 100 < score < 120
    expect(page.get_by_test_id("tier")).to_have_text("信用良好")
    expect(page.get_by_role("heading", name="近 12 个月")).to_be_visible()
    shot(page, "05-home")

    # records
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="记录").click()
    expect(page.locator("[data-record-id]")).to_have_count(4)
    expect(page.get_by_text("道路交通违法受到罚款")).to_be_visible()
    shot(page, "06-records")

    # explanation adds up to the score
    page.goto(live_server + "/score/explained")
    numbers = {name: int(page.get_by_test_id(name).inner_text().replace("−", "-").replace("+", ""))
               for name in ("base", "added", "deducted", "adjusted", "total")}
    assert numbers["base"] + numbers["added"] + numbers["deducted"] + numbers["adjusted"] \
        == numbers["total"] == score
    shot(page, "07-explained")

    # benefits
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="信易+").click()
    item = page.locator(f'[data-benefit="{city["benefit"]}"]')
    expect(item).to_contain_text("可享受")
    shot(page, "08-benefits")

    # credit code: a QR that zbar reads back to a token the server accepts as genuine
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="信用码").click()
    expect(page.locator("#qr")).to_be_visible()
    wait_for_qr(page)
    expect(page.locator("#countdown")).to_contain_text("秒后失效")
    shot(page, "09-credit-code")
    token = read_qr(page)
    assert token == page.locator("#credit-code").get_attribute("data-token")
    resident = find_resident_by_phone(phone)
    assert_genuine(live_server, token, resident.id)

    # "New code" fetches a fresh token through the API without reloading the page
    page.get_by_role("link", name="刷新信用码").click()
    expect(page.locator("#credit-code")).not_to_have_attribute("data-token", token)
    wait_for_qr(page)
    fresh = read_qr(page)
    assert fresh != token and fresh == page.locator("#credit-code").get_attribute("data-token")
    assert_genuine(live_server, fresh, resident.id)

    # a merchant scans it: the page shows the result live
    verdict = requests.post(f"{live_server}/api/v1/verifications", timeout=10,
                            json={"token": fresh, "benefit": city["benefit"]},
                            headers={"Authorization": f"Bearer {city['merchant_key']}"}).json()
    assert verdict.get("decision") == "granted", verdict
    expect(page.locator("#scan-result")).to_contain_text("已通过", timeout=10_000)
    shot(page, "10-credit-code-granted")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="账户").click()
    expect(page.get_by_role("heading", name="我的账户")).to_be_visible()
    shot(page, "11-account")

    page.goto(live_server + "/?lang=en")
    expect(page.get_by_role("heading", name="Five dimensions")).to_be_visible()
    shot(page, "12-home-english")


def test_credit_code_page_works_without_javascript(live_server, live_app, browser, opened):
    from app.core.passwords import hash_password
    from app.residents.services import register_resident
    from app.scoring.services import rescore_people

    phone, password = new_phone(), "NoScript-pass1"
    opened.append(phone)
    resident = register_resident(new_id_number(), "钱七", phone, hash_password(password), True)
    rescore_people([resident.person_id])
    db.session.commit()
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("手机号码").fill(phone)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("score")).to_have_text("100")
    page.goto(live_server + "/credit-code")
    expect(page.locator("#countdown")).to_contain_text("有效期")
    token = read_qr(page)
    assert_genuine(live_server, token, resident.id)
    page.get_by_role("link", name="刷新信用码").click()  # a plain link: the server issues anew
    assert read_qr(page) != token
    shot(page, "13-credit-code-no-js")
