"""The merchant console in a real browser at a phone's viewport: sign in, type or scan a code
(a fake camera showing the platform's QR), see the answer."""
import subprocess
import uuid

import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from app.benefits.models import Benefit
from app.core.extensions import db
from app.core.passwords import hash_password
from app.credit_codes import codes
from app.merchants import services as merchant_services
from app.residents.services import register_resident
from tests.browser_support import VIEWPORTS, check_screen, launch
from tests.factories import new_id_number, new_phone
from tests.verification_support import new_credit_code

pytestmark = pytest.mark.browser



@pytest.fixture
def shop(live_app):
    benefit = Benefit(code=f"ui_{uuid.uuid4().hex[:8]}", name="共享充电宝免押金",
                      name_en="Power bank without deposit", scene="信易租", min_tier="good",
                      deposit_free=True, value_text="免押金 ¥99", value_text_en="¥99 deposit waived")
    merchant = merchant_services.create_merchant(f"浏览器测试商户{uuid.uuid4().hex[:4]}", new_credit_code())
    merchant.benefits = [benefit]
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    merchant_services.add_staff(merchant, "店员", phone, hash_password("Staff-pass1"))
    resident = register_resident(new_id_number(), "陈晓红", new_phone(), hash_password("x"), True)
    db.session.commit()
    return {"phone": phone, "password": "Staff-pass1", "resident": resident, "benefit": benefit}


def _open(p, size, extra_args=()):
    browser = launch(p, *extra_args)
    # the page's CSP refuses inline scripts, and the injected axe-core is one
    context = browser.new_context(viewport=VIEWPORTS[size], device_scale_factor=2, is_mobile=True,
                                  has_touch=True, bypass_csp=True)
    return browser, context.new_page()


def _sign_in(page, live_server, shop):
    page.goto(f"{live_server}/merchant/login")
    page.fill("input[name=phone]", shop["phone"])
    page.fill("input[name=password]", shop["password"])
    page.click("button[type=submit]")
    page.wait_for_selector("#verify-form")
    page.select_option("#benefit", shop["benefit"].code)


def _check_screen(page, name, size):
    check_screen(page, f"merchant-{name}-{size}")


def _answer_in_view_and_field_focused(page, size):
    box = page.locator("#result").bounding_box()
    height = VIEWPORTS[size]["height"]
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= height, box
    assert page.evaluate("document.activeElement.id") == "token"


def _press_enter_for_answer(page):
    """Enter submits at once (the button is disabled until the answer is shown)."""
    page.keyboard.press("Enter")
    page.wait_for_selector("#verify-button:enabled")


@pytest.mark.parametrize("size", VIEWPORTS)
def test_cashier_types_the_number_then_a_scanner_sends_one(live_server, shop, size):
    typed, scanned = (codes.issue_shown_code(shop["resident"]) for _ in range(2))
    db.session.commit()
    with sync_playwright() as p:
        browser, page = _open(p, size)
        page.goto(f"{live_server}/merchant/login")
        _check_screen(page, "login", size)
        _sign_in(page, live_server, shop)
        assert page.evaluate("document.activeElement.id") == "token"  # ready for a scanner
        _check_screen(page, "scan", size)
        # typed by hand, in the blocks the resident's screen shows
        page.fill("#token", f"{typed.numeric_code[:6]} {typed.numeric_code[6:12]} {typed.numeric_code[12:]}")
        page.click("#verify-button")
        page.wait_for_selector("#result.m-granted")
        assert page.inner_text("#result-name") == "陈*红"
        assert page.inner_text("#result-todo") == "免押金 ¥99 — 请直接出借，无需押金"
        _answer_in_view_and_field_focused(page, size)
        _check_screen(page, "granted", size)
        # a barcode scanner: keystrokes into the focused field, then Enter
        page.keyboard.type(scanned.numeric_code)
        _press_enter_for_answer(page)
        assert page.get_attribute("#result", "class") == "m-result m-granted"
        assert page.input_value("#token") == scanned.numeric_code  # the scan replaced the last one
        _answer_in_view_and_field_focused(page, size)
        # the QR of an already redeemed code is refused: one code, one redemption
        page.keyboard.type(typed.token)
        _press_enter_for_answer(page)
        assert page.get_attribute("#result", "class") == "m-result m-denied"
        assert page.inner_text("#result-reason") == "此信用码已被使用。"
        assert page.inner_text("#result-todo") == "请按常规方式办理。"
        _answer_in_view_and_field_focused(page, size)
        _check_screen(page, "denied", size)
        page.click("a[href='/merchant/redemptions']")
        page.wait_for_selector(".m-item")
        assert page.locator(".m-item").count() == 2
        page.click(".m-item button.m-complete >> nth=0")
        page.wait_for_selector(".m-status-completed")
        _check_screen(page, "redemptions", size)
        for link in page.locator(".m-nav .m-tab").all():
            tab = link.bounding_box()
            assert tab["width"] >= 44 and tab["height"] >= 44
        browser.close()


def test_camera_errors_are_told_in_words(live_server, shop):
    with sync_playwright() as p:
        # no fake device: the browser finds no camera, or is not allowed one
        browser, page = _open(p, "390x844")
        _sign_in(page, live_server, shop)
        page.click("#start-camera")
        page.wait_for_function("document.querySelector('#camera-status').textContent !== ''")
        status = page.inner_text("#camera-status")
        assert "Error" not in status and ("摄像头" in status), status
        _check_screen(page, "camera-error", "390x844")
        browser.close()


def _camera_video(token, path):
    """A few seconds of Y4M video showing the platform's QR of `token`, as a phone camera would."""
    png = path.with_suffix(".png")
    subprocess.run(["rsvg-convert", "-b", "white", "-w", "360", "-o", str(png)],
                   input=codes.qr_svg(token), check=True)
    frame = Image.new("RGB", (640, 480), "white")
    frame.paste(Image.open(png).convert("RGB"), (140, 60))
    y, cb, cr = frame.convert("YCbCr").split()
    chroma = [c.resize((320, 240)).tobytes() for c in (cb, cr)]
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(30):
            out.write(b"FRAME\n" + y.tobytes() + chroma[0] + chroma[1])


def test_staff_scans_a_code_with_the_camera(live_server, shop, tmp_path):
    token, _expires = codes.issue_credit_code(shop["resident"])
    db.session.commit()
    video = tmp_path / "camera.y4m"
    _camera_video(token, video)
    camera = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={video}"]
    with sync_playwright() as p:
        browser = launch(p, *camera)
        page = browser.new_page(viewport=VIEWPORTS["390x844"], is_mobile=True)
        _sign_in(page, live_server, shop)
        page.click("#start-camera")
        # the vendored decoder reads the code from the camera and verifies it without typing
        page.wait_for_selector("#result.m-granted", timeout=20_000)
        assert page.input_value("#token") == token
        assert page.inner_text("#result-name") == "陈*红"
        browser.close()
