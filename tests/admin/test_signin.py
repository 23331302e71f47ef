"""Operators sign in with a password and a TOTP code (RFC 6238): a code works once, wrong
codes and guessing are refused, the first sign-in enrols the authenticator, sessions end when
left unused for 15 minutes and at sign-out on the server."""
import re
import time

import pyotp
import pytest
from sqlalchemy import func, select

from app.admin import accounts
from app.admin.models import Operator
from app.core.audit import AuditEntry
from app.core.extensions import db
from app.demo.operators import demo_operators
from tests.admin.conftest import PASSWORD, post, post_login, sign_in_as, totp_code
from tests.verification_support import csrf_token

WRONG = "用户名、密码或动态码错误"


def actions_of(actor):
    return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor == actor)
                                   .order_by(AuditEntry.id)))


def test_password_and_the_current_code_sign_in(app, client, make_operator):
    operator = make_operator()
    answer = post_login(client, operator.username, otp=totp_code(operator))
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/"
    assert client.get("/admin/audit").status_code == 200
    assert actions_of(operator.actor) == ["operator.signed_in"]


def test_the_username_is_not_case_sensitive_and_next_stays_in_the_console(app, client,
                                                                         make_operator):
    operator = make_operator()
    answer = post_login(client, operator.username.upper(), otp=totp_code(operator),
                        next="/admin/merchants")
    assert answer.headers["Location"] == "/admin/merchants"
    operator.last_totp_step = None
    other = app.test_client()
    answer = post_login(other, operator.username, otp=totp_code(operator), next="//evil.example/")
    assert answer.headers["Location"] == "/admin/"


@pytest.mark.parametrize("otp", ["", "000000", "12345", "abcdef", "1234567"])
def test_a_wrong_or_missing_code_is_refused(app, client, make_operator, otp):
    operator = make_operator()
    if otp == "000000" and totp_code(operator) == otp:
        otp = "000001"
    answer = post_login(client, operator.username, otp=otp)
    assert answer.status_code == 401
    assert WRONG in answer.get_data(as_text=True)
    assert client.get("/admin/audit").status_code == 302


def test_a_code_of_long_ago_or_far_ahead_is_refused(app, client, make_operator):
    operator = make_operator()
    for offset in (-120, 120):
        answer = post_login(client, operator.username, otp=totp_code(operator,
                                                                      time.time() + offset))
        assert answer.status_code == 401


def test_a_right_code_with_a_wrong_password_is_refused_and_not_spent(app, client, make_operator):
    operator = make_operator()
    code = totp_code(operator)
    assert post_login(client, operator.username, password="wrong password", otp=code
                      ).status_code == 401
    assert post_login(client, operator.username, otp=code).status_code == 302


def test_a_code_works_once(app, make_operator):
    """Replay: a code seen on the wire (or over a shoulder) does not sign in again."""
    operator = make_operator()
    code = totp_code(operator)
    assert post_login(app.test_client(), operator.username, otp=code).status_code == 302
    replay = app.test_client()
    answer = post_login(replay, operator.username, otp=code)
    assert answer.status_code == 401 and WRONG in answer.get_data(as_text=True)
    # nor does the code of the step before, once a later one was used
    earlier = totp_code(operator, time.time() - 30)
    assert post_login(replay, operator.username, otp=earlier).status_code == 401


def test_accept_totp_claims_each_step_once(app, make_operator):
    operator = make_operator()
    now = time.time()
    code = pyotp.TOTP(operator.totp_secret).at(now)
    assert accounts.accept_totp(operator, code, at=now)
    assert not accounts.accept_totp(operator, code, at=now)
    assert db.session.get(Operator, operator.id).last_totp_step == int(now // 30)


def test_guessing_locks_the_address_out_but_not_the_operator_elsewhere(app, make_operator):
    operator = make_operator()
    attacker = app.test_client()
    answers = [post_login(attacker, operator.username, otp=f"{n:06d}", address="203.0.113.9")
               for n in range(7)]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 2
    assert "此设备输错密码次数过多" in answers[-1].get_data(as_text=True)
    # even the right code is not checked from that address while it waits
    assert post_login(attacker, operator.username, otp=totp_code(operator),
                      address="203.0.113.9").status_code == 429
    assert post_login(app.test_client(), operator.username, otp=totp_code(operator),
                      address="198.51.100.7").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "operator.sign_in_failed")) >= 5


def test_an_unknown_operator_reads_as_a_wrong_password(app, client):
    answer = post_login(client, "nobody-here", otp="123456")
    assert answer.status_code == 401 and WRONG in answer.get_data(as_text=True)


def test_an_inactive_operator_cannot_sign_in_and_is_signed_out(app, make_operator):
    operator = make_operator()
    client = sign_in_as(app.test_client(), operator)
    operator.active = False
    db.session.flush()
    assert client.get("/admin/audit").status_code == 302
    operator.last_totp_step = None
    assert post_login(app.test_client(), operator.username,
                      otp=totp_code(operator)).status_code == 401


def test_first_sign_in_enrols_the_authenticator_and_shows_recovery_codes_once(app, client,
                                                                              make_operator):
    operator = make_operator("auditor", enrolled=False)
    answer = post_login(client, operator.username)
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/enrol"
    assert client.get("/admin/audit").status_code == 302  # not signed in yet
    page = client.get("/admin/enrol").get_data(as_text=True)
    assert "<svg" in page and operator.totp_secret in page
    wrong = post(client, "/admin/enrol", {"otp": "000000" if totp_code(operator) != "000000"
                                          else "111111"})
    assert wrong.status_code == 422
    answer = post(client, "/admin/enrol", {"otp": totp_code(operator)})
    assert answer.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", answer.get_data(as_text=True))
    assert len(codes) == accounts.RECOVERY_CODE_COUNT == len(set(codes))
    assert operator.totp_enrolled_at is not None
    assert client.get("/admin/audit").status_code == 200
    assert "operator.enrolled_totp" in actions_of(operator.actor)
    # the enrolment page is gone, and the codes are not stored as they were shown
    assert client.get("/admin/enrol").status_code == 302
    stored = {c.code_digest for c in operator.recovery_codes}
    assert not stored & set(codes)
    # a recovery code signs in once, in place of the app's code
    other = app.test_client()
    answer = post_login(other, operator.username, otp=codes[0].upper())
    assert answer.status_code == 302
    assert accounts.recovery_codes_left(operator) == accounts.RECOVERY_CODE_COUNT - 1
    assert post_login(app.test_client(), operator.username, otp=codes[0]).status_code == 401


def test_the_enrolment_page_needs_the_password_first(app, client, make_operator):
    make_operator(enrolled=False)
    answer = client.get("/admin/enrol")
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/login"
    with client.session_transaction() as s:
        s["admin_enrolling"] = ["x", "y"]
    assert client.get("/admin/enrol").status_code == 302


def test_an_enrolled_operator_is_not_shown_the_secret_again(app, client, make_operator):
    operator = make_operator()
    answer = post_login(client, operator.username)  # no code: the secret must not be offered
    assert answer.status_code == 401
    assert client.get("/admin/enrol").status_code == 302


def test_a_session_unused_for_15_minutes_ends(app, client, make_operator):
    sign_in_as(client, make_operator())
    idle = app.config["ADMIN_IDLE_MINUTES"] * 60
    assert idle == 15 * 60 < app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as s:
        s["seen"] = int(time.time()) - idle + 90
    assert client.get("/admin/audit").status_code == 200
    with client.session_transaction() as s:
        s["seen"] = int(time.time()) - idle - 1
    answer = client.get("/admin/audit")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/admin/login")


def test_sign_out_ends_the_session_on_the_server(app, client, make_operator):
    operator = make_operator()
    sign_in_as(client, operator)
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/admin/audit").status_code == 200
    answer = client.post("/admin/logout", data={"csrf_token": csrf_token(client)})
    assert answer.headers["Location"] == "/admin/login"
    assert thief.get("/admin/audit").status_code == 302
    assert actions_of(operator.actor)[-1] == "operator.signed_out"


def test_sign_in_without_the_csrf_token_is_refused(app, client, make_operator):
    operator = make_operator()
    answer = client.post("/admin/login", data={"username": operator.username,
                                               "password": PASSWORD, "otp": totp_code(operator)})
    assert answer.status_code == 400
    assert "<html" in answer.get_data(as_text=True)


def test_pages_of_the_console_are_not_cached(app, signed_in):
    client = signed_in("auditor")
    assert client.get("/admin/audit").headers["Cache-Control"] == "no-store"
    assert app.test_client().get("/admin/login").headers["Cache-Control"] == "no-store"


def test_flask_admin_create_prints_the_secret_and_its_uri(app, runner):
    result = runner.invoke(args=["admin", "create", "--username", "Chief.Operator",
                                 "--role", "operator", "--password", "a long enough pass"])
    assert result.exit_code == 0, result.output
    operator = accounts.find_operator("chief.operator")
    assert operator.role == "operator" and operator.totp_enrolled_at is None
    assert f"TOTP secret: {operator.totp_secret}" in result.output
    assert "otpauth://totp/" in result.output and f"secret={operator.totp_secret}" in result.output
    again = runner.invoke(args=["admin", "create", "--username", "chief.operator",
                                "--role", "auditor", "--password", "a long enough pass"])
    assert again.exit_code != 0 and "exists already" in again.output
    for args in (["--username", "x", "--role", "operator"],
                 ["--username", "ok-name", "--role", "boss"],
                 ["--username", "ok-name", "--role", "operator", "--password", "short"]):
        extra = [] if "--password" in args else ["--password", "a long enough pass"]
        assert runner.invoke(args=["admin", "create", *args, *extra]).exit_code != 0


def test_demo_operators_cover_every_role_and_sign_in_with_their_secret(app):
    first = demo_operators("demo password 1")
    assert [entry["role"] for entry in first] == ["operator", "reviewer", "auditor"]
    assert demo_operators("demo password 1") == first  # the same accounts and secrets again
    for entry in first:
        client = app.test_client()
        code = pyotp.TOTP(entry["totp_secret"]).now()
        answer = post_login(client, entry["username"], password=entry["password"], otp=code)
        assert answer.status_code == 302, entry
