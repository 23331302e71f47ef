"""A forgotten password: a code by SMS, a new password, every session ended; the pages tell a
stranger nothing about which phones have accounts, and warn before the sign-in delay."""
import re

from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.passwords import check_password
from tests.factories import new_phone
from tests.resident_support import form_token, last_code, sign_in

NEW_PASSWORD = "Brand-new-pass9"


def _ask(client, phone, address="192.0.2.10"):
    return client.post("/password/forgot", data={
        "phone": phone, "csrf_token": form_token(client, "/password/forgot")},
        environ_base={"REMOTE_ADDR": address})


def _reset(client, code, password=NEW_PASSWORD):
    return client.post("/password/reset", data={
        "code": code, "password": password, "confirm": password,
        "csrf_token": form_token(client, "/password/reset")})


def _neutral(page):
    """The page without what differs on every load (tokens, the masked phone)."""
    page = re.sub(r'value="[^"]+"', 'value=""', page)
    return re.sub(r"1\d\d\*{4}\d{4}", "PHONE", page)


def test_the_login_page_links_to_the_reset(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


def test_a_resident_resets_a_forgotten_password_and_signs_in_with_it(app, client, sms,
                                                                      make_resident):
    resident = make_resident()
    assert _ask(client, resident.plain_phone).headers["Location"] == "/password/reset"
    response = _reset(client, last_code(sms, resident.plain_phone))
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert check_password(resident.password_hash, NEW_PASSWORD)
    assert db.session.scalar(select(AuditEntry).filter_by(
        action="resident.password_reset", object_id=str(resident.id))) is not None
    sign_in(client, resident, NEW_PASSWORD)


def test_the_reset_ends_every_other_session(app, client, sms, make_resident):
    resident = make_resident()
    elsewhere = app.test_client()
    sign_in(elsewhere, resident)
    assert elsewhere.get("/records").status_code == 200
    _ask(client, resident.plain_phone)
    assert _reset(client, last_code(sms, resident.plain_phone)).status_code == 302
    assert elsewhere.get("/records").status_code == 302  # back to the sign-in page


def test_a_wrong_code_changes_nothing_and_codes_are_single_use(client, sms, make_resident):
    resident = make_resident()
    _ask(client, resident.plain_phone)
    code = last_code(sms, resident.plain_phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert _reset(client, wrong).status_code == 422
    assert check_password(resident.password_hash, resident.plain_password)
    assert _reset(client, code).status_code == 302
    _ask(client, resident.plain_phone, address="192.0.2.11")  # within the resend wait: no code
    assert _reset(client, code, "Another-pass77").status_code == 422
    assert check_password(resident.password_hash, NEW_PASSWORD)


def test_the_answer_is_the_same_for_a_phone_without_an_account(client, sms, make_resident):
    resident, stranger = make_resident(), new_phone()
    known, unknown = _ask(client, resident.plain_phone), _ask(client, stranger)
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code,
                                                              unknown.headers["Location"])
    known_page = _neutral(client.get("/password/reset").get_data(as_text=True))
    _ask(client, resident.plain_phone)
    again = _neutral(client.get("/password/reset").get_data(as_text=True))
    _ask(client, stranger)
    unknown_page = _neutral(client.get("/password/reset").get_data(as_text=True))
    assert known_page == again == unknown_page
    assert sms.last_to(stranger) is None  # nothing reaches a phone without an account
    assert _reset(client, "000000").status_code == 422  # and no code opens anything


def test_reset_requests_are_rate_limited(client, sms):
    statuses = [_ask(client, new_phone()).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]


def test_reset_attempts_are_rate_limited(client, sms, make_resident):
    resident = make_resident()
    _ask(client, resident.plain_phone)
    statuses = [_reset(client, "000000").status_code for _ in range(11)]
    assert statuses == [422] * 10 + [429]
    page = _reset(client, "000000").get_data(as_text=True)
    assert "秒后再试" in page and '<a href="/password/reset">返回上一页</a>' in page


def test_the_reset_page_without_a_request_goes_back_to_the_start(client):
    assert client.get("/password/reset").headers["Location"] == "/password/forgot"


def test_a_reset_lifts_the_sign_in_delay_of_the_device_that_made_it(client, sms, make_resident):
    resident = make_resident()
    for _ in range(5):
        client.post("/login", data={"phone": resident.plain_phone, "password": "wrong",
                                    "csrf_token": form_token(client, "/login")})
    _ask(client, resident.plain_phone, address="127.0.0.1")
    assert _reset(client, last_code(sms, resident.plain_phone)).status_code == 302
    sign_in(client, resident, NEW_PASSWORD)


def test_wrong_passwords_warn_how_many_tries_are_left(client, make_resident):
    resident = make_resident()
    pages = [client.post("/login", data={
        "phone": resident.plain_phone, "password": "wrong",
        "csrf_token": form_token(client, "/login")}).get_data(as_text=True) for _ in range(5)]
    assert "还可尝试 4 次" in pages[0] and "还可尝试 1 次" in pages[3]
    assert "1 分钟后再试" in pages[4]
    # a phone without an account is warned the same way
    stranger = client.post("/login", data={"phone": new_phone(), "password": "wrong",
                                           "csrf_token": form_token(client, "/login")})
    assert "还可尝试 4 次" in stranger.get_data(as_text=True)
