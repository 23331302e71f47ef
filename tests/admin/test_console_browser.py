"""The operators' console in a real browser at desktop width, walked end to end on the demo
data: an operator signs in with the demo TOTP secret, brings a merchant live with a benefit and
a staff account, and that staff member verifies a demo resident's credit code.

The walk is one test made of named steps, so later parts of the console add their steps to it
(publishing a scheme change and watching the rescore, deciding a repair application).

The demo's departments, merchants and partners have fixed codes that other tests' data may
take, so the demo is loaded into a database of its own, served by its own server and worker."""
import json
import os
import re
import threading
import uuid
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from app import create_app
from app.core.extensions import db
from app.core.migrations import upgrade
from app.core.redis import get_redis
from app.governance.models import Repair
from app.governance.repairs import file_repair
from app.records.models import CreditRecord
from tests.admin.scheme_files import scheme_text
from tests.browser_support import VIEWPORTS, check_screen, launch, screenshot
from tests.conftest import TEST_CONFIG, _postgres_database
from tests.jobs.conftest import run_worker  # noqa: F401 - a fixture
from tests.verification_support import new_credit_code

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def demo_app(base_app, tmp_path_factory):
    """An app on a new database (same backend, same Redis) with the demo loaded as `make run`
    loads it."""
    instance = tmp_path_factory.mktemp("demo-instance")
    if os.environ.get("DATABASE_URL"):
        url, drop = _postgres_database()
    else:
        url, drop = f"sqlite:///{instance / 'demo.db'}", lambda: None
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                      "REDIS_URL": base_app.config["REDIS_URL"]}, instance_path=str(instance))
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo", "--residents", "8"])
        assert result.exit_code == 0, result.output
        yield app
        db.session.remove()
        db.engine.dispose()
    drop()


@pytest.fixture
def app(demo_app):
    """The factory fixtures' and the worker's app: the demo's, committing for real."""
    with demo_app.app_context():
        get_redis().flushdb()  # the queue starts empty, as the shared app's tests expect
        yield demo_app
        db.session.remove()


@pytest.fixture
def live_server(app):
    """The demo's app served on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def demo(app):
    """The demo's credentials file, as a dict."""
    return json.loads((Path(app.instance_path) / "demo-credentials.json").read_text())


def admin_of(demo, role):
    return next(entry for entry in demo["admins"] if entry["role"] == role)


def desktop_page(browser):
    # the page's CSP refuses inline scripts, and the injected axe-core is one
    return browser.new_context(viewport=DESKTOP, bypass_csp=True).new_page()


def sign_in_with_totp(page, live_server, admin):
    """The console's sign-in form: username, password and the authenticator's current code."""
    page.goto(f"{live_server}/admin/login")
    check_screen(page, "admin-login-1280")
    page.fill("input[name=username]", admin["username"])
    page.fill("input[name=password]", admin["password"])
    page.fill("input[name=otp]", pyotp.TOTP(admin["totp_secret"]).now())
    page.click("main button[type=submit]")
    page.wait_for_selector(".a-nav")
    assert admin["username"] in page.inner_text(".a-who")


def create_benefit(page, live_server, code):
    page.goto(f"{live_server}/admin/benefits/new")
    page.fill("#code", code)
    page.fill("#name", "社区书房免押金借阅")
    page.fill("#name_en", "Community library without deposit")
    page.select_option("#scene", "信易阅")
    page.select_option("#min_tier", "good")
    page.fill("#limit_count", "3")
    page.select_option("#limit_period", "month")
    page.fill("#value_text", "免押金 ¥50")
    page.fill("#value_text_en", "¥50 deposit waived")
    page.check("#deposit_free")
    check_screen(page, "admin-benefit-new-1280")
    page.click("main form[action='/admin/benefits/new'] button[type=submit]")
    page.wait_for_selector(".flash-ok")


def onboard_merchant(page, live_server, benefit_code):
    """A merchant with the benefit; returns its name and its staff member's phone and password."""
    name, phone = f"社区书房{uuid.uuid4().hex[:4]}", f"136{uuid.uuid4().int % 10**8:08d}"
    page.goto(f"{live_server}/admin/merchants")
    page.fill("#name", name)
    page.fill("#credit_code", new_credit_code())
    page.select_option("#benefits", [benefit_code])
    page.click("main form[action='/admin/merchants'] button[type=submit]")
    key = page.inner_text("code.a-key")
    assert key.startswith("mk_")
    check_screen(page, "admin-merchant-key-1280")
    page.click("text=完成")
    page.wait_for_selector("#staff")
    page.fill("#staff #name", "赵店员")
    page.fill("#staff #phone", phone)
    page.click("#staff button[type=submit]")
    password = page.inner_text("#staff code.a-key")
    assert re.fullmatch(r"[A-Za-z0-9]{12}", password)
    check_screen(page, "admin-merchant-1280")
    return {"name": name, "phone": phone, "password": password}


def residents_numeric_code(browser, live_server, resident):
    """The demo resident signs in on a phone and opens the credit code page."""
    page = browser.new_context(viewport=VIEWPORTS["390x844"], is_mobile=True).new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=phone]", resident["phone"])
    page.fill("input[name=password]", resident["password"])
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/credit-code")
    return page.inner_text("#numeric-code").replace(" ", "")


def staff_verifies(browser, live_server, staff, benefit_code, numeric_code):
    page = browser.new_context(viewport=VIEWPORTS["390x844"], is_mobile=True).new_page()
    page.goto(f"{live_server}/merchant/login")
    page.fill("input[name=phone]", staff["phone"])
    page.fill("input[name=password]", staff["password"])
    page.click("button[type=submit]")
    page.wait_for_selector("#verify-form")
    assert staff["name"] in page.inner_text(".m-shop")
    page.select_option("#benefit", benefit_code)
    page.fill("#token", numeric_code)
    page.click("#verify-button")
    page.wait_for_selector("#result.m-granted")
    screenshot(page, "admin-walk-staff-granted-390x844")
    return page.inner_text("#result-todo")


def audit_log_shows(page, live_server, actions):
    page.goto(f"{live_server}/admin/audit?actor=operator")
    page.click("#verify-chain")
    page.wait_for_selector(".flash-ok")
    text = page.inner_text("#audit-entries")
    assert all(action in text for action in actions), text
    check_screen(page, "admin-audit-log-1280")


def publish_scheme_change(page, live_server, tmp_path, run_worker):
    """Upload a scheme raising the cost of a traffic violation, check its diff and dry run,
    publish it, and watch the rescore job (run by a worker) reach the end."""
    version = f"w{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{version}.toml"
    path.write_text(scheme_text(version, points={"traffic_violation": 32}), encoding="utf-8")
    page.goto(f"{live_server}/admin/schemes")
    page.set_input_files("#scheme-file", str(path))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#dry-run")
    assert "traffic_violation" in page.inner_text("#diff-types")
    page.click("#publish button[type=submit]")
    page.wait_for_selector("#job-bar")
    run_worker()
    page.wait_for_selector("#job-outcome")
    assert page.get_attribute("#job-bar", "value") == "100"
    check_screen(page, "admin-walk-rescore-1280")
    return version


def repair_waiting(make_resident):
    """A resident's application to repair a fare evasion of four months ago."""
    resident = make_resident(records=[("fare_evasion", 120)])
    record = db.session.scalar(db.select(CreditRecord).filter_by(person_id=resident.person_id))
    repair = file_repair(resident, record.id, "已补缴票款并参加文明乘车培训", True)
    db.session.commit()
    return repair.id, record.id


def reviewer_approves_repair(page, live_server, repair_id):
    page.goto(f"{live_server}/admin/repairs")
    page.click(f"tr[data-repair='{repair_id}'] a")
    page.wait_for_selector("#decide")
    page.check("input[name=decision][value=approve]")
    page.fill("#reason", "已纠正失信行为，材料齐全")
    check_screen(page, "admin-walk-repair-1280")
    page.click("#decide button[type=submit]")
    page.wait_for_selector(f"#repairs-decided tr[data-repair='{repair_id}']")


def test_an_operator_brings_a_merchant_live_and_its_staff_serves_a_resident(
        live_server, demo, tmp_path, make_resident, run_worker):  # noqa: F811
    resident = next(r for r in demo["residents"] if r["profile"] == "model")
    benefit_code = f"study_{uuid.uuid4().hex[:6]}"
    with sync_playwright() as p:
        browser = launch(p)
        console = desktop_page(browser)
        sign_in_with_totp(console, live_server, admin_of(demo, "operator"))
        create_benefit(console, live_server, benefit_code)
        staff = onboard_merchant(console, live_server, benefit_code)
        numeric_code = residents_numeric_code(browser, live_server, resident)
        assert staff_verifies(browser, live_server, staff, benefit_code, numeric_code
                              ) == "免押金 ¥50 — 请直接出借，无需押金"
        version = publish_scheme_change(console, live_server, tmp_path, run_worker)
        audit_log_shows(console, live_server, ["benefit.created", "merchant.created",
                                               "merchant.staff_added", "scheme.published"])
        assert version in console.inner_text("#audit-entries")
        repair_id, record_id = repair_waiting(make_resident)
        reviewer = desktop_page(browser)
        sign_in_with_totp(reviewer, live_server, admin_of(demo, "reviewer"))
        reviewer_approves_repair(reviewer, live_server, repair_id)
        browser.close()
    db.session.expire_all()
    assert db.session.get(Repair, repair_id).status == "approved"
    assert db.session.get(CreditRecord, record_id).status == "repaired"


def test_an_auditor_reads_the_console_but_finds_no_form_to_change_it(live_server, demo):
    with sync_playwright() as p:
        browser = launch(p)
        page = desktop_page(browser)
        sign_in_with_totp(page, live_server, admin_of(demo, "auditor"))
        page.goto(f"{live_server}/admin/merchants")
        assert page.locator("main form[action='/admin/merchants']").count() == 0
        check_screen(page, "admin-merchants-auditor-1280")
        answer = page.goto(f"{live_server}/admin/benefits/new")
        assert answer.status == 403
        check_screen(page, "admin-forbidden-1280")
        browser.close()
