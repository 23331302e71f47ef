"""Who looked at my credit: merchants' verifications and departments' reads are logged for the
person read, and each resident sees only their own entries, on the page and in the API."""
import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.passwords import hash_password
from app.residents.access import (
    PURPOSE_VERIFICATION,
    WHAT_REPORT,
    WHAT_VERIFICATION,
    AccessEntry,
    access_log,
    log_access,
)
from app.residents.services import close_account, find_resident_by_phone, register_resident
from tests.browser_support import VIEWPORTS, check_screen, launch
from tests.factories import new_id_number, new_phone, record_payload
from tests.resident_support import sign_in
from tests.verification_support import issue, issue_expired, verify

PASSWORD = "Looked-at-2026"


def _api_entries(app, resident):
    client = app.test_client()
    sign_in(client, resident)
    response = client.get("/api/v1/me/access-log")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    return response.get_json()["entries"]


def test_a_verification_shows_up_for_the_resident_scanned_and_no_one_else(
        app, client, make_resident, make_merchant):
    alice, bob = make_resident(records=[("blood_donation", 3)]), make_resident(name="李四")
    merchant = make_merchant()
    granted = verify(client, merchant, issue(alice), merchant.benefits[0]).get_json()
    assert granted["decision"] == "granted"

    entries = _api_entries(app, alice)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["who"] == {"kind": "merchant", "name": merchant.name}
    assert entry["what"] == "您的信用码，以及您是否符合所申请优惠的条件"
    assert entry["purpose"] == "在柜台办理信易+优惠"
    assert set(entry) == {"at", "who", "what", "purpose"}
    assert _api_entries(app, bob) == []


def test_a_denied_scan_is_a_read_too_but_a_code_naming_no_one_logs_nothing(
        app, client, make_resident, make_merchant):
    alice = make_resident()
    merchant = make_merchant()
    benefit = merchant.benefits[0]
    assert verify(client, merchant, issue_expired(alice), benefit).get_json()["reason"] == "expired"
    assert verify(client, merchant, "NOT-A-CODE", benefit).get_json()["reason"] == "invalid"
    logged = [(e.who_kind, e.who_name) for e in access_log(alice.person_id)]
    assert logged == [("merchant", merchant.name)]
    assert db.session.query(AccessEntry).filter(AccessEntry.who_name == merchant.name).count() == 1


def test_a_department_reading_back_a_record_is_logged_for_its_person(
        app, client, make_resident, make_department):
    alice, bob = make_resident(name="张三"), make_resident(name="李四")
    department = make_department(name="市税务局")
    payload = record_payload(alice.plain_id, "张三", "tax_paid_on_time", days_ago=5)
    headers = {"Authorization": f"Bearer {department.plain_key}"}
    delivered = client.post("/api/v1/records", json={"records": [payload]}, headers=headers)
    assert delivered.get_json()["accepted"] == 1
    assert access_log(alice.person_id) == []  # delivering is not reading

    assert client.get(f"/api/v1/records/{payload['source_id']}", headers=headers).status_code == 200
    audited = db.session.scalars(select(AuditEntry).where(
        AuditEntry.subject_id == alice.person_id, AuditEntry.action == "record.read")).all()
    assert [a.actor for a in audited] == [f"department:{department.code}"]
    [entry] = _api_entries(app, alice)
    assert entry["who"] == {"kind": "department", "name": "市税务局"}
    assert entry["what"] == "该部门报送的一条关于您的信用记录"
    assert _api_entries(app, bob) == []
    # a read that finds nothing names no one
    assert client.get("/api/v1/records/no-such-record", headers=headers).status_code == 404
    assert len(access_log(alice.person_id)) == 1


def test_the_page_lists_reads_newest_first_in_plain_language(app, make_resident):
    alice, bob = make_resident(), make_resident(name="李四")
    log_access(alice.person_id, "partner", "城市商业银行 信易贷", "Your credit score and tier",
               "个人消费贷款申请")
    log_access(alice.person_id, "operator", "平台运营 王五", "Your explained credit report: "
               "dimensions, reasons and negative records", "处理您的异议")
    log_access(bob.person_id, "merchant", "鲍勃的酒店", "Your credit score and tier", "x")
    db.session.flush()
    client = app.test_client()
    sign_in(client, alice)
    page = client.get("/access-log")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "谁查询了我的信用" in body
    assert body.index("平台运营 王五") < body.index("城市商业银行 信易贷")
    for text in ("您的信用分和等级", "个人消费贷款申请", "合作机构", "平台工作人员", "处理您的异议"):
        assert text in body
    assert "鲍勃的酒店" not in body
    assert "Your credit score and tier" not in body
    english = client.get("/access-log?lang=en").get_data(as_text=True)
    assert "Your credit score and tier" in english and "Partner institution" in english
    assert "个人消费贷款申请" in english  # a partner's own words stay as written


def test_the_page_says_so_when_no_one_has_looked(app, make_resident):
    client = app.test_client()
    sign_in(client, make_resident())
    body = client.get("/access-log").get_data(as_text=True)
    assert "还没有人查询过您的信用信息。" in body
    assert 'class="records access-log"' not in body


def test_the_account_and_home_pages_link_to_it(app, make_resident):
    client = app.test_client()
    sign_in(client, make_resident())
    for url in ("/", "/account"):
        assert 'href="/access-log"' in client.get(url).get_data(as_text=True), url


def test_visitors_are_turned_away(client):
    response = client.get("/api/v1/me/access-log")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/access-log").headers["Location"].startswith("/login")


def test_the_spec_documents_the_contract(client):
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/me/access-log"]["get"]
    schema = spec["components"]["schemas"][
        operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        .rsplit("/", 1)[1]]
    assert set(schema["properties"]) == {"entries"}
    entry = spec["components"]["schemas"]["AccessEntry"]
    assert set(entry["properties"]) == {"at", "who", "what", "purpose"}
    assert set(spec["components"]["schemas"]["AccessWho"]["properties"]["kind"]["enum"]) == {
        "partner", "merchant", "operator", "department"}


@pytest.fixture
def looked_at(live_app):
    """A resident whom a bank and a merchant have read, committed; the account closed after."""
    phone = new_phone()
    resident = register_resident(new_id_number(), "孙八", phone, hash_password(PASSWORD), True)
    log_access(resident.person_id, "merchant", "嵩山大酒店", WHAT_VERIFICATION,
               PURPOSE_VERIFICATION)
    log_access(resident.person_id, "partner", "中原城市商业银行（信易贷）", WHAT_REPORT,
               "个人信用贷款（信易贷）申请审核")
    db.session.commit()
    yield phone
    db.session.rollback()
    close_account(find_resident_by_phone(phone))
    db.session.commit()


@pytest.mark.browser
@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_page_on_a_phone_from_the_account_page(live_server, looked_at, size):
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_context(viewport=VIEWPORTS[size], locale="zh-CN", is_mobile=True,
                                   has_touch=True, bypass_csp=True).new_page()
        page.goto(live_server + "/login")
        page.get_by_label("手机号码").fill(looked_at)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.goto(live_server + "/account")
        page.get_by_role("link", name="谁查询了我的信用").click()
        expect(page.get_by_role("heading", name="谁查询了我的信用")).to_be_visible()
        entries = page.locator(".access-entry")
        expect(entries).to_have_count(2)
        expect(entries.first).to_contain_text("中原城市商业银行（信易贷）")
        expect(entries.first).to_contain_text("您的信用报告")
        expect(entries.nth(1)).to_contain_text("在柜台办理信易+优惠")
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[size]["width"]
        check_screen(page, f"resident-access-log-{size}")
        browser.close()
