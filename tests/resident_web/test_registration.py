"""Registration tells a stranger nothing about who exists; the identity service and the
platform decide at the end, after the phone is proven, with one neutral answer."""
import re

import pytest

from app.core.crypto import mask_phone
from app.residents.identity import write_demo_subscribers
from app.residents.services import find_resident_by_phone, get_or_create_person
from tests.factories import new_id_number, new_phone
from tests.resident_support import form_token, last_code

REFUSED = "无法用这些信息开通账户"
READY = "账户已开通"


def _register(client, **fields):
    data = {"name": "李四", "id_number": new_id_number(), "phone": new_phone(),
            "password": "Secret-pass1", "confirm": "Secret-pass1", "consent": "y",
            "csrf_token": form_token(client, "/register")}
    data.update(fields)
    return client.post("/register", data=data), data


def _verify(client, code):
    return client.post("/register/verify", data={
        "code": code, "csrf_token": form_token(client, "/register/verify")},
        follow_redirects=True)


def _without_tokens(page, phone):
    page = page.replace(mask_phone(phone), "PHONE")
    return re.sub(r'(name="csrf_token" type="hidden" value|name="csrf-token" content)="[^"]+"',
                  r"\1", page)


@pytest.fixture
def subscribers(app):
    """Give the fake identity service subscribers for the test (the file goes afterwards)."""
    path = None

    def enrol(people):
        nonlocal path
        path = write_demo_subscribers(people)

    yield enrol
    if path is not None:
        path.unlink()


def test_a_known_id_a_wrong_name_and_a_registered_phone_answer_like_a_fresh_application(
        app, sms, make_resident):
    existing = make_resident()
    known_id = new_id_number()
    get_or_create_person(known_id, "王五")  # a department sent a record about them
    cases = {
        "fresh": {},
        "ID with an account": {"id_number": existing.plain_id, "name": "张三"},
        "wrong name": {"id_number": known_id, "name": "王六"},
        "registered phone": {"phone": existing.plain_phone},
    }
    answers = {}
    for case, fields in cases.items():
        client = app.test_client()
        response, data = _register(client, **fields)
        page = client.get("/register/verify")
        answers[case] = (response.status_code, response.headers.get("Location"),
                         page.status_code, _without_tokens(page.get_data(as_text=True),
                                                           data["phone"]))
    assert answers["fresh"][:3] == (302, "/register/verify", 200)
    for case, answer in answers.items():
        assert answer == answers["fresh"], case
    # the registered phone's holder is told, and no code reaches it
    notice = sms.last_to(existing.plain_phone)
    assert "已有账户" in notice and not re.search(r"\d{6}", notice)


def _account_holder(make_resident):
    existing = make_resident()
    return {"id_number": existing.plain_id, "name": "张三"}, existing.plain_phone


def _known_person(make_resident):
    id_number = new_id_number()
    get_or_create_person(id_number, "王五")  # a department sent a record about them
    return {"id_number": id_number, "name": "王六"}, None


def test_refusals_at_the_end_read_the_same_and_tell_the_owner(app, sms, make_resident):
    pages = []
    # each case is set up just before it: a refusal rolls back what the test added before
    for case in (_account_holder, _known_person):
        fields, owner_phone = case(make_resident)
        client = app.test_client()
        _response, data = _register(client, **fields)
        page = _verify(client, last_code(sms, data["phone"]))
        assert page.request.path == "/register", case.__name__
        assert REFUSED in page.get_data(as_text=True)
        pages.append(_without_tokens(page.get_data(as_text=True), data["phone"]))
        assert find_resident_by_phone(data["phone"]) is None
        if owner_phone:
            assert "您的身份证号" in sms.last_to(owner_phone)  # the owner hears of it
    assert pages[0] == pages[1]


def test_the_identity_check_refuses_a_phone_not_registered_to_the_person(
        client, sms, subscribers):
    """Knowing a person's name and ID number is not enough to open their account."""
    id_number, own_phone, attacker_phone = new_id_number(), new_phone(), new_phone()
    get_or_create_person(id_number, "王五")  # their records are on the platform
    subscribers({id_number: {"name": "王五", "phone": own_phone}})
    _response, data = _register(client, id_number=id_number, name="王五", phone=attacker_phone)
    page = _verify(client, last_code(sms, attacker_phone))
    assert page.request.path == "/register" and REFUSED in page.get_data(as_text=True)
    assert find_resident_by_phone(attacker_phone) is None
    # the person, with the phone registered in their name, gets in
    _response, data = _register(client, id_number=id_number, name="王五", phone=own_phone)
    page = _verify(client, last_code(sms, own_phone))
    assert READY in page.get_data(as_text=True)
    assert find_resident_by_phone(own_phone).person.name == "王五"


def test_a_registered_phone_never_gets_a_code_to_finish_with(app, sms, make_resident):
    existing = make_resident()
    client = app.test_client()
    _register(client, phone=existing.plain_phone)
    for code in ("000000", "123456"):
        page = client.post("/register/verify", data={
            "code": code, "csrf_token": form_token(client, "/register/verify")})
        assert page.status_code == 422
    assert not any(re.search(r"\d{6}", text) for to, text in sms.sent)


@pytest.mark.parametrize("name", ["张\u202e三", "张\u200b三", "张\u2066三\u2069", "张\u2028三"])
def test_names_with_hidden_characters_are_refused(client, sms, name):
    response, data = _register(client, name=name)
    assert response.status_code == 422
    assert "请删除姓名中的不可见字符或控制字符" in response.get_data(as_text=True)
    assert sms.sent == []



def test_going_back_after_registering_leads_to_sign_in_not_a_timeout(client, sms, subscribers):
    id_number, phone = new_id_number(), new_phone()
    subscribers({id_number: {"name": "赵六", "phone": phone}})
    _register(client, id_number=id_number, name="赵六", phone=phone)
    assert READY in _verify(client, last_code(sms, phone)).get_data(as_text=True)
    back = client.get("/register/verify", follow_redirects=True)
    assert back.request.path == "/login"
    page = back.get_data(as_text=True)
    assert "账户已开通，请登录" in page and "注册已超时" not in page
