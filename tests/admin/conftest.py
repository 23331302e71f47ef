"""Operators of each role, signed in with their TOTP code as in the console."""
import itertools
import time
import uuid

import pyotp
import pytest

from app.admin import accounts
from app.core.extensions import db
from tests.verification_support import csrf_token

PASSWORD = "correct horse battery"
_steps = itertools.count(1)


def totp_code(operator, at=None):
    return pyotp.TOTP(operator.totp_secret).at(time.time() if at is None else at)


@pytest.fixture
def make_operator(app):
    def make(role="operator", enrolled=True):
        operator = accounts.create_operator(f"op-{uuid.uuid4().hex[:10]}", PASSWORD, role,
                                            enrolled=enrolled)
        db.session.flush()
        return operator

    return make


def post_login(client, username, password=PASSWORD, otp="", address="198.51.100.7", **query):
    return client.post("/admin/login", query_string=query, data={
        "username": username, "password": password, "otp": otp,
        "csrf_token": csrf_token(client)}, environ_base={"REMOTE_ADDR": address})


def sign_in_as(client, operator):
    """Sign the client in as `operator`, with a code of a step no earlier sign-in used."""
    # each sign-in in a test needs a fresh step: forget the last one used
    operator.last_totp_step = None
    db.session.flush()
    answer = post_login(client, operator.username, otp=totp_code(operator))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


@pytest.fixture
def signed_in(app, make_operator):
    """signed_in(role) → a test client signed in as a new operator of that role."""
    def make(role="operator"):
        operator = make_operator(role)
        client = app.test_client()
        sign_in_as(client, operator)
        client.operator = operator
        return client

    return make


def post(client, url, data=None, **kwargs):
    """POST a console form with the client's CSRF token."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)}, **kwargs)
