"""Helpers for the residents' web tests: sign in through the real form, read CSRF tokens."""
import re
import uuid

import pytest

from app.benefits.models import Benefit
from app.core.extensions import db
from app.merchants.models import Merchant
from tests.sms import InMemorySmsSender

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def form_token(client, url):
    page = client.get(url).get_data(as_text=True)
    return _CSRF.search(page).group(1)


def sign_in(client, resident, password=None):
    response = client.post("/login", data={
        "phone": resident.plain_phone, "password": password or resident.plain_password,
        "csrf_token": form_token(client, "/login")})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def page_token(client):
    """A CSRF token valid for the client's (signed-in) session, for JSON calls."""
    return form_token(client, "/account")


@pytest.fixture
def sms(base_app, monkeypatch):
    """Texts go to memory instead of the console for the test."""
    sender = InMemorySmsSender()
    monkeypatch.setitem(base_app.extensions, "sms", sender)
    return sender


def last_code(sender, phone):
    return re.search(r"\d{6}", sender.last_to(phone)).group(0)


def add_benefit(code=None, merchant_name=None, **fields):
    """A benefit offered by a merchant (unique codes, so it also works with real commits)."""
    spec = dict(code=code or f"b_{uuid.uuid4().hex[:10]}", name="测试免押金", name_en="Test waiver",
                scene="信易租", min_tier="good", deposit_free=True, value_text="免押金 ¥99",
                value_text_en="¥99 deposit waived", limit_count=3, limit_period="day")
    spec.update(fields)
    benefit = Benefit(**spec)
    merchant = Merchant(name=merchant_name or f"测试商户{uuid.uuid4().hex[:6]}",
                        credit_code=uuid.uuid4().hex[:18].upper())
    merchant.benefits = [benefit]
    db.session.add_all([benefit, merchant])
    db.session.flush()
    return benefit
