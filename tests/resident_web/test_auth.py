"""Signing in and out, lock-out, CSRF, registration with an SMS code, consent, closing."""
import re
from datetime import date, timedelta

import pytest
import redis
from sqlalchemy import func, select, update

from app.core.extensions import db
from app.core.redis import get_redis
from app.core.signin_guard import SignInFailure
from app.core.time import city_today, utcnow
from app.records.models import CreditRecord
from app.residents.models import Resident
from app.residents.services import find_resident_by_phone, get_or_create_person, phone_index
from app.scoring.models import Score, ScoreHistory
from tests.factories import new_id_number, new_phone
from tests.resident_support import form_token, last_code, page_token, sign_in


def _login(client, phone, password):
    return client.post("/login", data={"phone": phone, "password": password,
                                       "csrf_token": form_token(client, "/login")})


def test_sign_in_redirects_home_and_shows_the_score(client, make_resident):
    resident = make_resident(records=[("blood_donation", 10)])
    response = sign_in(client, resident)
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="score">105<' in page and "信用良好" in page


def test_sign_in_follows_only_same_site_next(client, make_resident):
    resident = make_resident()
    token = form_token(client, "/login")
    response = client.post("/login?next=//evil.example/x", data={
        "phone": resident.plain_phone, "password": resident.plain_password, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_sign_in_rotates_the_session(client, make_resident):
    resident = make_resident()
    client.get("/lang/en")
    token = form_token(client, "/login")
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
        before = s["csrf_token"]
    response = client.post("/login", data={
        "phone": resident.plain_phone, "password": resident.plain_password, "csrf_token": token})
    assert response.status_code == 302
    with client.session_transaction() as s:
        assert "planted" not in s
        assert s["lang"] == "en"
        assert s["_user_id"] == resident.get_id()
        assert s.get("csrf_token") != before


def test_wrong_password_is_refused(client, make_resident):
    resident = make_resident()
    response = _login(client, resident.plain_phone, "wrong-password")
    assert response.status_code == 401
    assert "手机号码或密码错误" in response.get_data(as_text=True)
    assert client.get("/records").status_code == 302


def _login_from(client, address, phone, password):
    return client.post("/login", data={"phone": phone, "password": password,
                                       "csrf_token": form_token(client, "/login")},
                       environ_base={"REMOTE_ADDR": address})


def test_five_wrong_passwords_delay_that_address_only(client, make_resident):
    resident, other = make_resident(), make_resident()
    statuses = [_login_from(client, "203.0.113.9", resident.plain_phone, "wrong").status_code
                for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    delayed = _login_from(client, "203.0.113.9", resident.plain_phone, resident.plain_password)
    assert delayed.status_code == 429 and delayed.headers["Retry-After"] in ("59", "60")
    assert "1 分钟后再试" in delayed.get_data(as_text=True)
    # the owner, from their own address, is not locked out by a stranger's guesses
    assert _login_from(client, "198.51.100.7", resident.plain_phone,
                       resident.plain_password).status_code == 302
    client.post("/logout", data={"csrf_token": page_token(client)})
    # nor is another account from the guessing address
    assert _login_from(client, "203.0.113.9", other.plain_phone,
                       other.plain_password).status_code == 302


def test_each_further_failure_doubles_the_wait(client, make_resident):
    resident = make_resident()
    for _ in range(5):
        _login_from(client, "203.0.113.9", resident.plain_phone, "wrong")
    waits = []
    for _ in range(3):  # let the wait pass, then fail again
        db.session.execute(update(SignInFailure).values(blocked_until=utcnow()))
        assert _login_from(client, "203.0.113.9", resident.plain_phone, "wrong").status_code == 401
        waits.append(int(_login_from(client, "203.0.113.9", resident.plain_phone,
                                     "wrong").headers["Retry-After"]))
    # Flask-Limiter rewrites Retry-After in whole seconds from now, which may drop one
    assert [round(wait, -1) for wait in waits] == [120, 240, 480]


def test_failure_counts_survive_a_redis_flush(client, make_resident):
    resident = make_resident()
    for _ in range(5):
        _login_from(client, "203.0.113.9", resident.plain_phone, "wrong")
    get_redis().flushdb()  # the whole of the app's Redis data
    assert _login_from(client, "203.0.113.9", resident.plain_phone,
                       resident.plain_password).status_code == 429


def test_the_delay_holds_when_redis_is_down(app, client, make_resident):
    resident = make_resident()
    real = app.extensions["redis"]
    app.extensions["redis"] = redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.2,
                                          socket_connect_timeout=0.2)
    try:
        statuses = [_login(client, resident.plain_phone, "nope").status_code for _ in range(6)]
        assert statuses == [401] * 5 + [429]
        assert _login(client, resident.plain_phone, resident.plain_password).status_code == 429
    finally:
        app.extensions["redis"] = real


def test_sign_in_is_rate_limited_per_address(client):
    statuses = [_login(client, new_phone(), "whatever-pass").status_code for _ in range(21)]
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429


@pytest.mark.parametrize("data", [
    {"phone": "13800000000", "password": "x"},  # no token
    {"phone": "13800000000", "password": "x", "csrf_token": "forged"},
])
def test_login_form_without_a_valid_csrf_token_is_rejected(client, data):
    client.get("/login")
    assert client.post("/login", data=data).status_code == 400


def test_state_changes_need_a_csrf_token(client, make_resident):
    resident = make_resident()
    sign_in(client, resident)
    assert client.post("/logout").status_code == 400
    assert client.post("/account/sign-out-everywhere", data={"csrf_token": "x"}).status_code == 400
    api = client.post("/api/v1/me/credit-code")
    assert api.status_code == 400 and api.get_json()["error"]["code"] == "bad_request"
    assert client.get("/records").status_code == 200  # still signed in
    ok = client.post("/api/v1/me/credit-code", headers={"X-CSRFToken": page_token(client)})
    assert ok.status_code == 200
    assert set(ok.get_json()) == {"token", "numeric_code", "expires_at", "qr_svg_url"}


def test_sign_out(client, make_resident):
    sign_in(client, make_resident())
    response = client.post("/logout", data={"csrf_token": page_token(client)})
    assert response.status_code == 302
    assert client.get("/records").headers["Location"].startswith("/login")


def test_sign_out_everywhere_ends_other_sessions(app, make_resident):
    resident = make_resident()
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, resident)
    sign_in(laptop, resident)
    response = laptop.post("/account/sign-out-everywhere", data={"csrf_token": page_token(laptop)})
    assert response.headers["Location"] == "/login"
    assert phone.get("/records").status_code == 302
    assert phone.get("/api/v1/me/score").status_code == 401
    assert resident.session_epoch == 1
    sign_in(phone, resident)  # signing in again works
    assert phone.get("/records").status_code == 200


# --- registration ------------------------------------------------------------------------------

def _register(client, **fields):
    data = {"name": "李四", "id_number": new_id_number(), "phone": new_phone(),
            "password": "Secret-pass1", "confirm": "Secret-pass1", "consent": "y",
            "csrf_token": form_token(client, "/register")}
    data.update(fields)
    return client.post("/register", data=data), data


def test_registration_with_sms_code_opens_a_consenting_account(client, sms):
    response, data = _register(client)
    assert response.status_code == 302 and response.headers["Location"] == "/register/verify"
    assert find_resident_by_phone(data["phone"]) is None  # not before the phone is verified
    from app.residents import guard

    # the code and the pending application wait in Redis (encrypted), not in this process
    assert get_redis().exists(f"otp:code:register:{phone_index(data['phone'])}")
    assert data["id_number"].encode() not in b"".join(
        get_redis().get(k) or b"" for k in get_redis().keys("stash:registration:*"))
    assert get_redis().keys("stash:registration:*") and guard._local._data == {}
    page = client.get("/register/verify").get_data(as_text=True)
    assert data["phone"][-4:] in page and data["phone"] not in page  # masked
    code = last_code(sms, data["phone"])
    response = client.post("/register/verify", data={
        "code": code, "csrf_token": form_token(client, "/register/verify")})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    resident = find_resident_by_phone(data["phone"])
    assert resident.consented_at is not None and resident.phone_verified_at is not None
    assert resident.person.name == "李四"
    assert db.session.get(Score, resident.person_id).score == 100
    resident.plain_phone, resident.plain_password = data["phone"], data["password"]
    sign_in(client, resident)
    assert 'data-testid="score">100<' in client.get("/").get_data(as_text=True)


def test_wrong_codes_are_refused_and_used_up(client, sms):
    _response, data = _register(client)
    code = last_code(sms, data["phone"])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = client.post("/register/verify", data={
            "code": wrong, "csrf_token": form_token(client, "/register/verify")})
        assert response.status_code == 422
    response = client.post("/register/verify", data={
        "code": code, "csrf_token": form_token(client, "/register/verify")})
    assert response.status_code == 422  # too many tries: even the right code is dead now
    assert find_resident_by_phone(data["phone"]) is None


def test_a_new_code_waits_a_minute(client, sms):
    _response, data = _register(client)
    token = form_token(client, "/register/verify")
    response = client.post("/register/resend", data={"csrf_token": token})
    assert response.status_code == 302
    assert len([t for to, t in sms.sent if to == data["phone"]]) == 1


def _under_18_id():
    today = city_today()
    return new_id_number(date(today.year - 18, today.month, 1) + timedelta(days=40))


@pytest.mark.parametrize("case, fields, field_error", [
    ("bad checksum", {"id_number": "bad"}, "这不是有效的居民身份证号"),
    ("under 18", {"id_number": "under18"}, "年满 18 周岁才能注册"),
    ("no consent", {"consent": ""}, "您需要同意条款才能开通账户"),
    ("bad phone", {"phone": "12345"}, "请输入 11 位中国大陆手机号码"),
    ("passwords differ", {"confirm": "Other-pass1"}, "两次输入的密码不一致"),
    ("short password", {"password": "short", "confirm": "short"}, "请至少使用 8 个字符"),
])
def test_registration_validation(client, sms, case, fields, field_error):
    if fields.get("id_number") == "bad":
        good = new_id_number()
        fields = {"id_number": good[:-1] + ("0" if good[-1] != "0" else "1")}
    elif fields.get("id_number") == "under18":
        fields = {"id_number": _under_18_id()}
    response, data = _register(client, **fields)
    assert response.status_code == 422, case
    assert field_error in response.get_data(as_text=True), case
    assert sms.sent == [] and find_resident_by_phone(data["phone"]) is None


def test_registration_is_rate_limited(client, sms):
    statuses = [_register(client, id_number="x")[0].status_code for _ in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429


# --- consent and closing ------------------------------------------------------------------------

def test_a_resident_without_consent_is_asked_first(client, make_resident):
    resident = make_resident(consent=False, records=[("blood_donation", 3)])
    sign_in(client, resident)
    assert client.get("/").headers["Location"] == "/consent"
    assert client.get("/records").headers["Location"] == "/consent"
    api = client.get("/api/v1/me/score")
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "consent_required"
    token = form_token(client, "/consent")
    assert client.post("/consent", data={"csrf_token": token}).status_code == 422
    response = client.post("/consent", data={"csrf_token": token, "consent": "y"})
    assert response.headers["Location"] == "/"
    assert client.get("/api/v1/me/score").get_json()["score"] == 105
    assert db.session.get(Score, resident.person_id).score == 105


def test_closing_the_account_deletes_the_score_but_not_the_records(client, make_resident):
    resident = make_resident(records=[("blood_donation", 3), ("tax_paid_on_time", 20)])
    person_id, resident_id = resident.person_id, resident.id
    sign_in(client, resident)
    client.get("/")
    token = page_token(client)
    wrong = client.post("/account/close",
                        data={"csrf_token": token, "password": "nope", "confirm": "y"})
    assert wrong.status_code == 422 and db.session.get(Resident, resident_id) is not None
    unconfirmed = client.post("/account/close", data={"csrf_token": token,
                                                      "password": resident.plain_password})
    assert unconfirmed.status_code == 422
    response = client.post("/account/close", data={
        "csrf_token": token, "password": resident.plain_password, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    closed = db.session.get(Resident, resident_id)
    assert closed.closed_at is not None and closed.consented_at is None
    assert find_resident_by_phone(resident.plain_phone) is None  # the phone is freed
    assert db.session.get(Score, person_id) is None
    assert db.session.scalar(select(func.count()).select_from(ScoreHistory)
                             .where(ScoreHistory.person_id == person_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(CreditRecord)
                             .where(CreditRecord.person_id == person_id)) == 2
    assert client.get("/records").status_code == 302
    assert _login(client, resident.plain_phone, resident.plain_password).status_code == 401


def test_the_embedded_default_prints_codes_to_the_console(app, client, capsys):
    from app.residents.sms import ConsoleSmsSender, sms_sender

    assert isinstance(sms_sender(), ConsoleSmsSender)
    _response, data = _register(client)
    out = capsys.readouterr().out
    assert data["phone"] in out and re.search(r"验证码是 \d{6}", out)


def test_a_closed_account_can_be_opened_again(client, sms, make_resident):
    resident = make_resident(records=[("blood_donation", 3)])
    sign_in(client, resident)
    client.post("/account/close", data={"csrf_token": page_token(client),
                                        "password": resident.plain_password, "confirm": "y"})
    response, data = _register(client, id_number=resident.plain_id, name="张三",
                               phone=resident.plain_phone)
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post("/register/verify", data={"code": last_code(sms, data["phone"]),
                                          "csrf_token": form_token(client, "/register/verify")})
    reopened = find_resident_by_phone(resident.plain_phone)
    assert reopened.id == resident.id and reopened.closed_at is None
    assert db.session.get(Score, resident.person_id).score == 105
    reopened.plain_phone, reopened.plain_password = data["phone"], data["password"]
    sign_in(client, reopened)
    assert client.get("/api/v1/me/score").get_json()["score"] == 105


def test_closing_keeps_redemptions_valid(client, make_resident):
    """Redemptions point at the account, so the row stays (a foreign key on PostgreSQL)."""
    from app.merchants.models import Merchant
    from app.verification.models import Redemption
    from tests.resident_support import add_benefit

    resident = make_resident(records=[("blood_donation", 3)])
    benefit = add_benefit()
    merchant = db.session.scalar(select(Merchant).where(Merchant.benefits.contains(benefit)))
    db.session.add(Redemption(token_id="ab" * 8, person_id=resident.person_id,
                              resident_id=resident.id, merchant_id=merchant.id,
                              benefit_id=benefit.id, status="completed", note=""))
    db.session.flush()
    sign_in(client, resident)
    response = client.post("/account/close", data={
        "csrf_token": page_token(client), "password": resident.plain_password, "confirm": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Redemption)
                             .where(Redemption.resident_id == resident.id)) == 1


def test_changing_the_password_needs_the_sms_code(app, sms, make_resident):
    resident = make_resident()
    phone_client, laptop = app.test_client(), app.test_client()
    sign_in(phone_client, resident)
    sign_in(laptop, resident)
    token = form_token(laptop, "/account/password")
    data = {"code": "123456", "password": "Brand-new-pass1", "confirm": "Brand-new-pass1",
            "csrf_token": token}
    assert laptop.post("/account/password", data=data).status_code == 422  # no code sent yet
    laptop.post("/account/password/code", data={"csrf_token": token})
    data["code"] = last_code(sms, resident.plain_phone)
    response = laptop.post("/account/password", data=data)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert laptop.get("/records").status_code == 200  # this session was signed in again
    assert phone_client.get("/records").status_code == 302  # the others were signed out
    assert _login(phone_client, resident.plain_phone, resident.plain_password).status_code == 401
    assert _login(phone_client, resident.plain_phone, "Brand-new-pass1").status_code == 302


def test_changing_the_password_with_a_wrong_code_changes_nothing(client, sms, make_resident):
    resident = make_resident()
    sign_in(client, resident)
    token = form_token(client, "/account/password")
    client.post("/account/password/code", data={"csrf_token": token})
    code = last_code(sms, resident.plain_phone)
    response = client.post("/account/password", data={
        "code": "000000" if code != "000000" else "111111", "password": "Brand-new-pass1",
        "confirm": "Brand-new-pass1", "csrf_token": token})
    assert response.status_code == 422 and "验证码错误或已过期" in response.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    assert _login(client, resident.plain_phone, resident.plain_password).status_code == 302
