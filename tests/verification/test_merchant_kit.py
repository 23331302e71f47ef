"""The merchant kit against the running platform: a QR rendered by the platform, decoded by zbar."""
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from app.benefits.models import Benefit
from app.core.extensions import db
from app.core.passwords import hash_password
from app.credit_codes import codes
from app.merchants import services as merchant_services
from app.residents.services import register_resident
from merchants import OfflineVerifier, VerificationClient
from tests.factories import new_id_number, new_phone
from tests.servers import signed_in
from tests.verification_support import new_credit_code, svg_to_png

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shop(live_app):
    benefit = Benefit(code=f"kit_{uuid.uuid4().hex[:8]}", name="酒店免押金入住", name_en="Hotel",
                      scene="信易游", min_tier="good", deposit_free=True)
    merchant = merchant_services.create_merchant(f"套件测试酒店{uuid.uuid4().hex[:4]}", new_credit_code())
    merchant.benefits = [benefit]
    key = merchant_services.issue_api_key(merchant)
    phone = new_phone()
    resident = register_resident(new_id_number(), "周杰", phone, hash_password("Kit-pass1"), True)
    db.session.commit()
    return {"key": key, "benefit": benefit.code, "resident": resident, "phone": phone}


def _resident_session(live_server, shop):
    return signed_in(live_server, shop["phone"], "Kit-pass1")


def _new_code(session, live_server):
    """A fresh code as the resident's page asks for one: {"token", "expires_at", "qr_svg_url"}."""
    response = session.post(f"{live_server}/api/v1/me/credit-code", timeout=10,
                            headers={"X-CSRFToken": session.csrf})
    assert response.status_code == 200, response.text
    return response.json()


def _qr_png(live_server, shop, tmp_path):
    """Render the platform's QR for a fresh code exactly as the resident's page fetches it."""
    session = _resident_session(live_server, shop)
    code = _new_code(session, live_server)
    svg = session.get(live_server + code["qr_svg_url"], timeout=10)
    assert svg.status_code == 200, svg.text
    png = tmp_path / "code.png"
    svg_to_png(svg.content, png)
    return code["token"], png


def test_cli_verifies_a_platform_qr_png_decoded_by_zbar(live_server, shop, tmp_path):
    token, png = _qr_png(live_server, shop, tmp_path)
    zbarimg = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True)
    assert zbarimg.stdout.strip() == token
    cli = [sys.executable, "-m", "merchants", "verify", "--image", str(png),
           "--benefit", shop["benefit"], "--api-key", shop["key"], "--base-url", live_server]
    first = subprocess.run(cli, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("granted 酒店免押金入住 周*")
    again = subprocess.run(cli, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert again.returncode == 1 and "(already_used)" in again.stdout


def test_offline_check_with_the_platform_jwks(live_server, shop, tmp_path):
    token, png = _qr_png(live_server, shop, tmp_path)
    cli = [sys.executable, "-m", "merchants", "verify", "--image", str(png), "--offline",
           "--base-url", live_server, "--cache-dir", str(tmp_path / "cache")]
    result = subprocess.run(cli, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert (result.returncode, result.stdout.strip()) == (0, "valid")
    verifier = OfflineVerifier.from_url(live_server, cache_dir=tmp_path / "cache")
    tampered = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    assert verifier.check(tampered).reason == "invalid"
    assert verifier.check(token, now=10**10).reason == "expired"


def test_client_retry_with_the_same_key_gets_the_first_answer(live_server, shop):
    token, _expires = codes.issue_credit_code(shop["resident"])
    db.session.commit()
    client = VerificationClient(live_server, shop["key"])
    first = client.verify(token, shop["benefit"], idempotency_key="till-3-0001")
    replay = client.verify(token, shop["benefit"], idempotency_key="till-3-0001")
    assert first["decision"] == "granted" and replay == first
    assert client.verify(token, shop["benefit"])["reason"] == "already_used"
    listed = client.redemptions()
    assert [r["id"] for r in listed] == [first["redemption_id"]]
    assert client.complete(first["redemption_id"])["status"] == "completed"


def test_resident_page_sees_the_scan_by_polling(live_server, shop):
    """The credit-code page polls with short requests: pending, then the merchant's answer."""
    session = _resident_session(live_server, shop)
    token = _new_code(session, live_server)["token"]

    def poll():
        response = session.post(f"{live_server}/api/v1/me/credit-code/result", timeout=10,
                                json={"token": token}, headers={"X-CSRFToken": session.csrf})
        assert response.status_code == 200, response.text
        return response.json()

    assert poll()["status"] == "pending"
    answer = VerificationClient(live_server, shop["key"]).verify(token, shop["benefit"])
    assert answer["decision"] == "granted"
    result = poll()
    assert (result["status"], result["decision"]) == ("scanned", "granted")
    assert result["merchant"].startswith("套件测试酒店")
