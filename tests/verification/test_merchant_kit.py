"""The merchant kit against the running platform: a QR rendered by the platform, decoded by zbar."""
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from app.benefits.models import Benefit
from app.core.extensions import db
from app.core.passwords import hash_password
from app.credit_codes import codes
from app.merchants import services as merchant_services
from app.residents.services import register_resident
from merchants import OfflineVerifier, VerificationClient
from tests.factories import new_id_number, new_phone
from tests.verification_support import new_credit_code, svg_to_png

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shop(live_app):
    benefit = Benefit(code=f"kit_{uuid.uuid4().hex[:8]}", name="酒店免押金入住", name_en="Hotel",
                      scene="信易游", min_tier="good", deposit_free=True)
    merchant = merchant_services.create_merchant(f"套件测试酒店{uuid.uuid4().hex[:4]}", new_credit_code())
    merchant.benefits = [benefit]
    key = merchant_services.issue_api_key(merchant)
    resident = register_resident(new_id_number(), "周杰", new_phone(), hash_password("x"), True)
    db.session.commit()
    return {"key": key, "benefit": benefit.code, "resident": resident}


def _qr_png(live_server, resident, tmp_path):
    """Render the platform's QR for a fresh code exactly as the resident's page fetches it."""
    token, _expires = codes.issue_credit_code(resident)
    db.session.commit()
    session = requests.Session()
    from flask import current_app
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(current_app)
    session.cookies.set("session", serializer.dumps({"_user_id": resident.get_id(), "_fresh": True}))
    svg = session.get(f"{live_server}/api/v1/me/credit-code/{token}.svg")
    assert svg.status_code == 200, svg.text
    png = tmp_path / "code.png"
    svg_to_png(svg.content, png)
    return token, png


def test_cli_verifies_a_platform_qr_png_decoded_by_zbar(live_server, shop, tmp_path):
    token, png = _qr_png(live_server, shop["resident"], tmp_path)
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
    token, png = _qr_png(live_server, shop["resident"], tmp_path)
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


def test_resident_page_receives_the_scan_live_over_server_sent_events(live_server, shop):
    """The credit-code page's event stream is waiting when the merchant scans; Redis pub/sub
    carries the result to it."""
    import threading

    from flask import current_app
    from flask.sessions import SecureCookieSessionInterface

    resident = shop["resident"]
    token, _expires = codes.issue_credit_code(resident)
    db.session.commit()
    session = requests.Session()
    serializer = SecureCookieSessionInterface().get_signing_serializer(current_app)
    session.cookies.set("session", serializer.dumps({"_user_id": resident.get_id(), "_fresh": True}))
    lines, opened = [], threading.Event()

    def listen():
        with session.get(f"{live_server}/api/v1/me/credit-code/{token}/events", stream=True,
                         timeout=90) as response:
            for line in response.iter_lines(decode_unicode=True):
                opened.set()
                lines.append(line)
                if line.startswith("data:") and "decision" in line:
                    return

    listener = threading.Thread(target=listen)
    listener.start()
    assert opened.wait(30)
    answer = VerificationClient(live_server, shop["key"]).verify(token, shop["benefit"])
    listener.join(60)
    assert answer["decision"] == "granted"
    assert "event: result" in lines
    data = next(line for line in lines if line.startswith("data:"))
    assert '"decision": "granted"' in data and "套件测试酒店" in data
