"""Onboarding from the console: departments, merchants with staff and keys, benefits; every
change is an audit entry of the operator who made it, and bad input gets a friendly 4xx."""
import re

import pytest
from sqlalchemy import select

from app.benefits.models import Benefit
from app.core.audit import AuditEntry
from app.core.crypto import hash_api_key
from app.core.extensions import db
from app.departments.models import Department
from app.merchants.models import Merchant, MerchantApiKey
from app.merchants.services import find_staff_by_phone
from tests.admin.conftest import post
from tests.factories import new_phone
from tests.verification_support import clear_caches, new_credit_code

KEY = re.compile(r'<code class="a-key">([^<]+)</code>')


def shown_key(answer):
    keys = KEY.findall(answer.get_data(as_text=True))
    assert len(keys) == 1, answer.get_data(as_text=True)
    return keys[0]


def last_entry(action):
    return db.session.scalar(select(AuditEntry).where(AuditEntry.action == action)
                             .order_by(AuditEntry.id.desc()).limit(1))


def department_key_works(app, key):
    answer = app.test_client().get("/api/v1/records/none",
                                   headers={"Authorization": f"Bearer {key}"})
    return answer.status_code == 404  # authenticated; there is just no such record


@pytest.fixture
def operator_client(signed_in):
    return signed_in("operator")


def test_a_department_is_created_with_its_key_shown_once_and_rotated(app, operator_client):
    answer = post(operator_client, "/admin/departments", {"code": "tax_east", "name": "东区税务局"})
    assert answer.status_code == 201
    key = shown_key(answer)
    department = db.session.scalar(select(Department).filter_by(code="tax_east"))
    assert department.api_key_hash == hash_api_key(key) and department_key_works(app, key)
    assert key not in operator_client.get("/admin/departments").get_data(as_text=True)
    entry = last_entry("department.created")
    assert entry.actor == operator_client.operator.actor and entry.object_id == str(department.id)

    answer = post(operator_client, f"/admin/departments/{department.id}/key")
    new_key = shown_key(answer)
    assert new_key != key and department_key_works(app, new_key)
    assert not department_key_works(app, key)
    assert last_entry("department.key_rotated").object_id == str(department.id)


@pytest.mark.parametrize("data, status", [
    ({"code": "Tax East", "name": "东区税务局"}, 422),
    ({"code": "t", "name": "东区税务局"}, 422),
    ({"code": "tax_east", "name": ""}, 422),
    ({"code": "tax_east", "name": "东区\u200b税务局"}, 422),
    ({"code": "tax_east", "name": "名" * 121}, 422),
])
def test_a_bad_department_is_refused_with_the_field_named(app, operator_client, data, status):
    answer = post(operator_client, "/admin/departments", data)
    assert answer.status_code == status
    assert 'class="error"' in answer.get_data(as_text=True)
    assert db.session.scalar(select(Department).filter_by(code="tax_east")) is None


def test_a_department_code_is_taken_once(app, operator_client, make_department):
    taken = make_department()
    answer = post(operator_client, "/admin/departments", {"code": taken.code, "name": "重复部门"})
    assert answer.status_code == 409
    assert "该编码的部门已存在" in answer.get_data(as_text=True)


def test_a_merchant_is_onboarded_with_a_benefit_a_key_and_staff(app, operator_client,
                                                                make_benefit):
    benefit = make_benefit()
    code = new_credit_code()
    answer = post(operator_client, "/admin/merchants", {
        "name": "绿城书店", "credit_code": code.lower(), "benefits": [benefit.code]})
    assert answer.status_code == 201
    key = shown_key(answer)
    merchant = db.session.scalar(select(Merchant).filter_by(credit_code=code))
    assert merchant.name == "绿城书店" and merchant.benefits == [benefit]
    assert hash_api_key(key) in {k.key_hash for k in db.session.scalars(
        select(MerchantApiKey).filter_by(merchant_id=merchant.id))}
    assert last_entry("merchant.created").data["benefits"] == [benefit.code]

    phone = new_phone()
    answer = post(operator_client, f"/admin/merchants/{merchant.id}/staff",
                  {"name": "李店员", "phone": phone, "role": "clerk"})
    assert answer.status_code == 201
    password = shown_key(answer)
    staff = find_staff_by_phone(phone)
    assert staff.merchant_id == merchant.id
    assert last_entry("merchant.staff_added").object_id == str(staff.id)
    page = operator_client.get(f"/admin/merchants/{merchant.id}").get_data(as_text=True)
    assert password not in page and phone not in page and f"{phone[:3]}****" in page
    # the new staff member signs in to the merchant console with the password shown
    staff_client = app.test_client()
    from tests.verification_support import csrf_token
    signed = staff_client.post("/merchant/login", data={
        "phone": phone, "password": password, "csrf_token": csrf_token(staff_client)})
    assert signed.status_code == 302
    assert benefit.name in staff_client.get("/merchant/").get_data(as_text=True)


def test_a_merchants_benefits_keys_and_revocation(app, operator_client, make_merchant,
                                                   make_benefit):
    merchant = make_merchant()
    first, second = make_benefit(), make_benefit()
    answer = post(operator_client, f"/admin/merchants/{merchant.id}/benefits",
                  {"benefits": [first.code, second.code]})
    assert answer.status_code == 303
    assert set(merchant.benefits) == {first, second}
    assert set(last_entry("merchant.benefits_set").data["after"]) == {first.code, second.code}

    answer = post(operator_client, f"/admin/merchants/{merchant.id}/keys")
    new_key = shown_key(answer)
    assert last_entry("merchant.key_issued").object_id == str(merchant.id)
    old = db.session.scalar(select(MerchantApiKey).filter_by(
        key_hash=hash_api_key(merchant.plain_key)))
    answer = post(operator_client, f"/admin/merchants/{merchant.id}/keys/{old.id}/revoke")
    assert answer.status_code == 303 and old.revoked_at is not None
    assert last_entry("merchant.key_revoked").object_id == str(old.id)
    clear_caches()
    verify = app.test_client().post("/api/v1/verifications", json={"token": "x", "benefit": "y"},
                                    headers={"Authorization": f"Bearer {merchant.plain_key}"})
    assert verify.status_code == 401
    verify = app.test_client().post("/api/v1/verifications", json={"token": "x", "benefit": "y"},
                                    headers={"Authorization": f"Bearer {new_key}"})
    assert verify.status_code != 401
    # a key is revoked once, and only by its own merchant's page
    other = make_merchant()
    assert post(operator_client, f"/admin/merchants/{merchant.id}/keys/{old.id}/revoke"
                ).status_code == 404
    other_key = db.session.scalar(select(MerchantApiKey).filter_by(merchant_id=other.id))
    assert post(operator_client, f"/admin/merchants/{merchant.id}/keys/{other_key.id}/revoke"
                ).status_code == 404
    assert other_key.revoked_at is None


@pytest.mark.parametrize("credit_code", ["91410100MA12345678", "123", "", "9141 0100"])
def test_a_wrong_unified_social_credit_code_is_refused(app, operator_client, credit_code):
    answer = post(operator_client, "/admin/merchants", {"name": "某商户", "credit_code": credit_code})
    assert answer.status_code == 422
    assert db.session.scalar(select(Merchant).filter_by(name="某商户")) is None


def test_a_merchant_is_registered_once_and_unknown_benefits_are_refused(app, operator_client,
                                                                         make_merchant):
    merchant = make_merchant()
    answer = post(operator_client, "/admin/merchants", {"name": "重复商户",
                                                        "credit_code": merchant.credit_code})
    assert answer.status_code == 409
    answer = post(operator_client, "/admin/merchants", {
        "name": "新商户", "credit_code": new_credit_code(), "benefits": ["no_such_benefit"]})
    assert answer.status_code == 422 and "请从列表中选择" in answer.get_data(as_text=True)


@pytest.mark.parametrize("data", [
    {"name": "王", "phone": "13800000000", "role": "clerk"},
    {"name": "王店员", "phone": "1380000000", "role": "clerk"},
    {"name": "王店员", "phone": "13800000000", "role": "owner"},
])
def test_bad_staff_details_are_refused(app, operator_client, make_merchant, data):
    merchant = make_merchant()
    answer = post(operator_client, f"/admin/merchants/{merchant.id}/staff", data)
    assert answer.status_code == 422
    assert find_staff_by_phone(data["phone"]) is None


def test_a_staff_phone_has_one_account(app, operator_client, make_merchant):
    merchant = make_merchant()
    answer = post(operator_client, f"/admin/merchants/{merchant.id}/staff", {
        "name": "王店员", "phone": merchant.plain_staff.plain_phone, "role": "clerk"})
    assert answer.status_code == 409 and "该手机号已有店员账号" in answer.get_data(as_text=True)


def benefit_form(**overrides):
    data = {"code": "museum_free_guide", "name": "博物馆免费讲解", "name_en": "Free museum guide",
            "scene": "信易游", "description": "", "description_en": "", "min_tier": "good",
            "min_score": "", "limit_count": "2", "limit_period": "month",
            "value_text": "免费讲解一次", "value_text_en": "One free guided tour",
            "deposit_free": "", "valid_from": "2026-01-01", "valid_until": "2026-12-31",
            "active": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_benefit_is_created_and_edited_with_its_offering_merchants(app, operator_client,
                                                                      make_merchant):
    shop, other = make_merchant(), make_merchant()
    answer = post(operator_client, "/admin/benefits/new",
                  benefit_form(merchants=[str(shop.id)]))
    assert answer.status_code == 303
    benefit = db.session.scalar(select(Benefit).filter_by(code="museum_free_guide"))
    assert (benefit.min_tier, benefit.limit_count, benefit.limit_period, str(benefit.valid_until)
            ) == ("good", 2, "month", "2026-12-31")
    assert benefit in shop.benefits and benefit not in other.benefits
    assert last_entry("benefit.created").data["merchants"] == [shop.id]

    page = operator_client.get(f"/admin/benefits/{benefit.id}").get_data(as_text=True)
    assert "博物馆免费讲解" in page and shop.name in page
    answer = post(operator_client, f"/admin/benefits/{benefit.id}", benefit_form(
        code="renamed_code", min_tier="", min_score="120", limit_count="", limit_period="",
        merchants=[str(other.id)], active=None))
    assert answer.status_code == 303
    assert benefit.code == "museum_free_guide"  # the code never changes
    assert (benefit.min_tier, benefit.min_score, benefit.limit_count, benefit.active
            ) == (None, 120, None, False)
    assert benefit not in shop.benefits and benefit in other.benefits
    changes = last_entry("benefit.updated").data["changes"]
    assert changes["min_score"] == [None, 120] and changes["active"] == [True, False]
    assert changes["merchants"] == [[shop.id], [other.id]]


@pytest.mark.parametrize("overrides, message", [
    ({"limit_period": ""}, "次数与周期须同时填写或同时留空"),
    ({"min_tier": "", "min_score": ""}, "请选择最低等级或填写最低分数"),
    ({"valid_from": "2026-12-31", "valid_until": "2026-01-01"}, "结束日期早于开始日期"),
    ({"valid_from": "2026-02-30"}, "请按 YYYY-MM-DD 格式输入日期"),
    ({"min_score": "abc"}, "请输入整数"),
    ({"limit_count": "0"}, "请输入 1 至 10000 之间的数字"),
    ({"scene": "信易赌"}, "Not a valid choice"),
    ({"min_tier": "platinum"}, "Not a valid choice"),
    ({"code": "Museum Guide"}, "以字母开头"),
    ({"merchants": ["999999"]}, "请从列表中选择"),
])
def test_a_bad_benefit_is_refused_with_a_readable_message(app, operator_client, overrides,
                                                          message):
    answer = post(operator_client, "/admin/benefits/new", benefit_form(**overrides))
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert message in page or "选择" in page, page
    assert db.session.scalar(select(Benefit).filter_by(code="museum_free_guide")) is None


def test_a_benefit_code_is_taken_once(app, operator_client, make_benefit):
    taken = make_benefit()
    answer = post(operator_client, "/admin/benefits/new", benefit_form(code=taken.code))
    assert answer.status_code == 409


@pytest.mark.parametrize("url", ["/admin/merchants/999999", "/admin/benefits/999999",
                                 "/admin/merchants/0", "/admin/benefits/abc"])
def test_an_unknown_object_is_a_friendly_404(app, operator_client, url):
    answer = operator_client.get(url)
    assert answer.status_code == 404 and "<html" in answer.get_data(as_text=True)


def test_control_characters_and_a_missing_csrf_token_are_friendly_4xx(app, operator_client):
    answer = post(operator_client, "/admin/departments", {"code": "tax\x00", "name": "x"})
    assert answer.status_code == 422 and "<html" in answer.get_data(as_text=True)
    answer = operator_client.post("/admin/departments", data={"code": "tax_x", "name": "税务"})
    assert answer.status_code == 400 and "<html" in answer.get_data(as_text=True)
    assert db.session.scalar(select(Department).filter_by(code="tax_x")) is None


def test_an_auditor_sees_the_onboarding_screens_without_their_forms(app, signed_in,
                                                                    make_merchant):
    merchant = make_merchant()
    client = signed_in("auditor")
    for url in ("/admin/departments", "/admin/merchants", f"/admin/merchants/{merchant.id}",
                "/admin/benefits", f"/admin/benefits/{merchant.benefits[0].id}"):
        page = client.get(url)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        actions = set(re.findall(r'<form method="post" action="([^"]*)"', html))
        if url.startswith("/admin/benefits/"):  # the terms, shown as a form no one can send
            assert "<fieldset disabled>" in html and html.count('type="submit"') == 1
            actions.discard(url)
        assert actions == {"/admin/logout"}, url


def test_the_department_list_names_the_record_types_each_issues(app, signed_in,
                                                                make_department):
    from app.catalogue.services import current_scheme, types_by_issuer
    from app.departments.services import get_or_create_department

    issued = types_by_issuer(current_scheme())
    code = sorted(issued)[0]
    get_or_create_department(code, "发证部门")
    newcomer = make_department()
    page = signed_in("auditor").get("/admin/departments").get_data(as_text=True)
    row = page[page.index(f"<code>{code}</code>"):].split("</tr>")[0]
    assert all(t.name in row for t in issued[code])
    row = page[page.index(f"<code>{newcomer.code}</code>"):].split("</tr>")[0]
    assert "尚不能报送" in row
