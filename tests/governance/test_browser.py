"""In headless Chromium at 390×844 (a phone): a resident goes from a record to a filed
objection (with a photo as evidence) and back to its status with every deadline; each screen passes axe-core."""
import re

import pytest
from playwright.sync_api import expect, sync_playwright

from app.core.extensions import db
from app.core.passwords import hash_password
from app.records.services import ingest
from app.residents.services import close_account, register_resident
from tests.browser_support import VIEWPORTS, check_screen, launch
from tests.factories import issuer_for, new_id_number, new_phone, record_payload
from tests.governance.support import record_of

pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def resident(live_app):
    """A resident with a fare-evasion record, committed; the account is closed afterwards."""
    id_number, phone, password = new_id_number(), new_phone(), "Passw0rd!"
    resident = register_resident(id_number, "钱七", phone, hash_password(password), True)
    outcome, = ingest(issuer_for("fare_evasion"),
                      [record_payload(id_number, "钱七", "fare_evasion", 40)])
    assert outcome.status == "accepted", outcome.errors
    db.session.commit()
    resident.plain_phone, resident.plain_password = phone, password
    yield resident
    db.session.rollback()
    close_account(db.session.merge(resident))
    db.session.commit()


def test_from_a_record_to_a_filed_objection_and_back(live_server, resident, tmp_path):
    record = record_of(resident, "fare_evasion")
    evidence = tmp_path / "车票.png"
    evidence.write_bytes(PNG)
    with sync_playwright() as p:
        browser = launch(p)
        # the CSP is bypassed only so that axe-core can be injected
        page = browser.new_context(viewport=VIEWPORTS["390x844"], locale="zh-CN", is_mobile=True,
                                   has_touch=True, bypass_csp=True).new_page()
        page.goto(live_server + "/login")
        page.get_by_label("手机号码").fill(resident.plain_phone)
        page.get_by_label("密码").fill(resident.plain_password)
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(live_server + "/")

        page.get_by_role("navigation", name="主导航").get_by_role("link", name="记录").click()
        item = page.locator(f'li[data-record-id="{record.id}"]')
        item.get_by_role("link", name="对此记录提出异议").click()
        expect(page).to_have_url(re.compile(rf"/records/{record.id}/object$"))
        check_screen(page, "governance-01-objection-form")
        page.get_by_label("记录哪里有误？").fill("那天我在外地出差，车票为证")
        page.get_by_label(re.compile("证明材料")).set_input_files(str(evidence))
        page.get_by_role("button", name="提交异议").click()

        expect(page).to_have_url(re.compile(r"/objections/\d+$"))
        expect(page.get_by_test_id("objection-status")).to_have_text("部门核实中")
        for key in ("forward_by", "verdict_by", "notify_by", "final_by"):
            expect(page.get_by_test_id(key)).not_to_be_empty()
        expect(page.get_by_text("您的异议已提交并转交部门。")).to_be_visible()
        check_screen(page, "governance-02-objection-status")
        status_url = page.url

        page.get_by_role("link", name="返回我的记录").click()
        item = page.locator(f'li[data-record-id="{record.id}"]')
        expect(item.get_by_role("link", name="对此记录提出异议")).to_have_count(0)
        item.get_by_role("link", name="您的异议正在处理中").click()
        expect(page).to_have_url(status_url)
        expect(page.get_by_test_id("objection-status")).to_have_text("部门核实中")

        # "How to improve" names the record, when it ends, and the objection under way
        page.goto(live_server + "/score/improve")
        card = page.locator(f'section[data-record-id="{record.id}"]')
        expect(card).to_contain_text("不再计入")
        expect(card.get_by_role("link", name="您的异议正在处理中")).to_be_visible()
        check_screen(page, "governance-03-improve")
        browser.close()
