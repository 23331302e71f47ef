"""Fixtures and helpers for the credit-code and verification tests."""
import subprocess
import uuid

import pytest

from app.benefits.models import Benefit
from app.core.extensions import db
from app.core.passwords import hash_password
from app.credit_codes import codes
from app.merchants import services as merchant_services

_CHECK = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def new_credit_code() -> str:
    """A valid 18-character unified social credit code (GB 32100-2015 check character)."""
    from stdnum.cn import uscc

    body = "91410100" + uuid.uuid4().hex[:9].upper().replace("I", "1").replace("O", "0")
    body = "".join(c for c in body if c in _CHECK)[:17].ljust(17, "0")
    return body + uscc.calc_check_digit(body)


def committed_shop(limit_count=None):
    """A benefit (limited to `limit_count` a day, if given), a merchant offering it with an API
    key, and a consenting resident, committed: for tests that run a server or several
    connections. Returns (benefit, merchant, key, resident)."""
    from app.residents.services import register_resident
    from tests.factories import new_id_number, new_phone

    benefit = Benefit(code=f"c_{uuid.uuid4().hex[:10]}", name="测试权益", name_en="Test benefit",
                      scene="信易租", min_tier="good", limit_count=limit_count,
                      limit_period="day" if limit_count else None)
    db.session.add(benefit)
    merchant = merchant_services.create_merchant(f"测试商户{uuid.uuid4().hex[:6]}", new_credit_code())
    merchant.benefits = [benefit]
    key = merchant_services.issue_api_key(merchant)
    resident = register_resident(new_id_number(), "李四", new_phone(), hash_password("x"), True)
    db.session.commit()
    return benefit, merchant, key, resident


def clear_caches():
    from app.catalogue import services as catalogue
    from app.credit_codes import keys
    from app.merchants import access, services

    keys.clear_cache()
    access.api_keys.clear()
    services.offers.clear()
    catalogue.current_rules_cache.clear()


@pytest.fixture(autouse=True)
def fresh_key_cache():
    """Forget cached signing keys, API keys and offers: a rolled-back test may have changed them."""
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def make_benefit(app):
    def make(**fields):
        spec = dict(code=f"b_{uuid.uuid4().hex[:10]}", name="测试免押金", name_en="Test waiver",
                    scene="信易租", min_tier="good", deposit_free=True)
        spec.update(fields)
        benefit = Benefit(**spec)
        db.session.add(benefit)
        db.session.flush()
        return benefit

    return make


@pytest.fixture
def make_merchant(app, make_benefit):
    """make_merchant(benefits=[Benefit,...]) → merchant with .plain_key and .plain_staff."""

    def make(benefits=None, staff_password="Staff-pass1"):
        merchant = merchant_services.create_merchant(f"测试商户{uuid.uuid4().hex[:6]}", new_credit_code())
        merchant.benefits = list(benefits if benefits is not None else [make_benefit()])
        merchant.plain_key = merchant_services.issue_api_key(merchant, label="test")
        phone = f"13{uuid.uuid4().int % 10**9:09d}"
        staff = merchant_services.add_staff(merchant, "店员", phone, hash_password(staff_password))
        staff.plain_phone, staff.plain_password = phone, staff_password
        merchant.plain_staff = staff
        db.session.flush()
        return merchant

    return make


def login(client, user):
    """Sign `user` in on `client` as the sign-in forms do (the session is recorded on the server)."""
    from flask import session

    from app.core.auth import sign_in

    with client.application.test_request_context():
        sign_in(user)
        signed_in = dict(session)
    with client.session_transaction() as s:
        s.update(signed_in)


def csrf_token(client):
    """A CSRF token for the client's session: the secret goes into its session cookie."""
    from flask import g, session
    from flask_wtf.csrf import generate_csrf

    with client.session_transaction() as s:
        secret = s.get("csrf_token")
    with client.application.test_request_context():
        g.pop("csrf_token", None)  # the test's app context outlives requests: drop another's
        if secret:
            session["csrf_token"] = secret
        token = generate_csrf()
        secret = session["csrf_token"]
    with client.session_transaction() as s:
        s["csrf_token"] = secret
    return token


def issue(resident) -> str:
    token, _expires = codes.issue_credit_code(resident)
    return token


def bearer(merchant, idempotency_key=None):
    headers = {"Authorization": f"Bearer {merchant.plain_key}"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    return headers


def svg_to_png(svg: bytes, path) -> None:
    subprocess.run(["rsvg-convert", "-w", "600", "-b", "white", "-o", str(path)], input=svg,
                   check=True)


def zbar_decode(path) -> list[str]:
    from PIL import Image
    from pyzbar.pyzbar import decode

    return [r.data.decode() for r in decode(Image.open(path))]


def issue_expired(resident, seconds_ago=5) -> str:
    """A genuine token of the resident that expired `seconds_ago`."""
    import secrets
    import time

    from app.credit_codes import keys, tokens

    key = keys.current_key()
    token_id = secrets.token_bytes(8)
    subject = tokens.mask_subject(codes._subject_secret(), resident.id, token_id)
    return tokens.encode(key.kid, int(time.time()) - seconds_ago, token_id, subject, keys.signer(key))


def verify(client, merchant, token, benefit, idempotency_key=None):
    """Verify as a merchant's system does; the response is read and closed as a WSGI server
    closes it once sent (when a denial is published to the resident's page)."""
    response = client.post("/api/v1/verifications", json={"token": token, "benefit": benefit.code},
                           headers=bearer(merchant, idempotency_key))
    response.get_data()
    response.close()
    return response
