"""The merchant console in a real browser at a phone's viewport: sign in, type or scan a code
(a fake camera showing the platform's QR), see the answer."""
import subprocess
import uuid
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import sync_playwright

from app.benefits.models import Benefit
from app.core.extensions import db
from app.core.passwords import hash_password
from app.credit_codes import codes
from app.merchants import services as merchant_services
from app.residents.services import register_resident
from tests.factories import new_id_number, new_phone
from tests.verification_support import new_credit_code

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parents[1] / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture
def shop(live_app):
    benefit = Benefit(code=f"ui_{uuid.uuid4().hex[:8]}", name="共享充电宝免押金",
                      name_en="Power bank without deposit", scene="信易租", min_tier="good",
                      deposit_free=True)
    merchant = merchant_services.create_merchant(f"浏览器测试商户{uuid.uuid4().hex[:4]}", new_credit_code())
    merchant.benefits = [benefit]
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    merchant_services.add_staff(merchant, "店员", phone, hash_password("Staff-pass1"))
    resident = register_resident(new_id_number(), "陈晓红", new_phone(), hash_password("x"), True)
    db.session.commit()
    return {"phone": phone, "password": "Staff-pass1", "resident": resident, "benefit": benefit}


def test_staff_types_a_code_and_sees_the_answer(live_server, shop):
    ARTIFACTS.mkdir(exist_ok=True)
    token, _expires = codes.issue_credit_code(shop["resident"])
    db.session.commit()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                is_mobile=True, has_touch=True)
        page.goto(f"{live_server}/merchant/login")
        page.screenshot(path=str(ARTIFACTS / "merchant-login.png"), full_page=True)
        page.fill("input[name=phone]", shop["phone"])
        page.fill("input[name=password]", shop["password"])
        page.click("button[type=submit]")
        page.wait_for_selector("#verify-form")
        page.select_option("#benefit", shop["benefit"].code)
        page.fill("#token", token.lower())
        page.screenshot(path=str(ARTIFACTS / "merchant-scan.png"), full_page=True)
        page.click("#verify-button")
        page.wait_for_selector("#result.m-granted")
        assert page.inner_text("#result-name") == "陈*红"
        assert page.inner_text("#result-benefit") == "共享充电宝免押金"
        page.screenshot(path=str(ARTIFACTS / "merchant-granted.png"), full_page=True)
        # the same code again is refused, with the reason in words
        page.click("#next-scan")
        page.fill("#token", token)
        page.click("#verify-button")
        page.wait_for_selector("#result.m-denied")
        assert page.inner_text("#result-reason").strip()
        page.screenshot(path=str(ARTIFACTS / "merchant-denied.png"), full_page=True)
        page.click("a[href='/merchant/redemptions']")
        page.wait_for_selector(".m-item")
        assert "陈*红" in page.inner_text(".m-item")
        page.click(".m-item button.m-complete")
        page.wait_for_selector(".m-status-completed")
        page.screenshot(path=str(ARTIFACTS / "merchant-redemptions.png"), full_page=True)
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
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS + camera)
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        page.goto(f"{live_server}/merchant/login")
        page.fill("input[name=phone]", shop["phone"])
        page.fill("input[name=password]", shop["password"])
        page.click("button[type=submit]")
        page.wait_for_selector("#verify-form")
        page.select_option("#benefit", shop["benefit"].code)
        page.click("#start-camera")
        # the vendored decoder reads the code from the camera and verifies it without typing
        page.wait_for_selector("#result.m-granted", timeout=20_000)
        assert page.input_value("#token") == token
        assert page.inner_text("#result-name") == "陈*红"
        browser.close()
