"""In a real browser, on the embedded default with demo data and a job worker: the dashboard's
charts drawn from real data (screenshots at desktop width), then an operator uploads a scheme
change, checks it and publishes it, and watches the rescore job finish."""
import pytest
from playwright.sync_api import sync_playwright

from tests.admin.embedded import embedded_default, sign_in_operator, verify_some_codes
from tests.admin.intake_files import csv_bytes, rows
from tests.admin.scheme_files import scheme_text
from tests.browser_support import AXE, TESTS, launch

pytestmark = pytest.mark.browser

ARTIFACTS = TESTS / "admin" / "artifacts"
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with embedded_default(tmp_path_factory.mktemp("embedded")) as (url, creds):
        yield url, creds


def _admin(creds, role):
    return next(a for a in creds["admins"] if a["role"] == role)


def _check(page, name):
    """Screenshot the screen for people to look at, and fail on any axe-core violation."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("axe.run(document).then(r => r.violations.map(v => "
                               "({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))})))")
    assert violations == [], f"{name}: {violations}"


def _bars(page, chart):
    return page.locator(f"#{chart} svg rect[class^=c]").count()


@pytest.fixture(scope="module")
def console_as(demo):
    """console_as(role) → a desktop browser page signed in as the demo operator of that role
    (once per role: a TOTP code is taken only once)."""
    url, creds = demo
    pages = {}
    with sync_playwright() as p:
        browser = launch(p)

        def page_for(role):
            if role not in pages:
                # the page's CSP refuses inline scripts, and the injected axe-core is one
                pages[role] = browser.new_context(viewport=DESKTOP, bypass_csp=True).new_page()
                sign_in_operator(pages[role], url, _admin(creds, role))
            return pages[role]

        yield page_for
        browser.close()


def test_the_dashboard_charts_the_demo_data(demo, console_as):
    url, creds = demo
    assert verify_some_codes(url, creds) >= 6
    page = console_as("auditor")
    page.goto(f"{url}/admin/")
    page.wait_for_selector("#chart-tiers")
    for chart in ("chart-tiers", "chart-scores", "chart-records", "chart-verifications",
                  "chart-scenes"):
        assert _bars(page, chart) >= 1, chart
    assert int(page.inner_text("#figure-residents")) == 120
    assert int(page.inner_text("#figure-redemptions")) >= 1
    _check(page, "admin-dashboard-1440")


def test_an_operator_publishes_a_scheme_change_and_watches_the_rescore(demo, console_as,
                                                                       tmp_path):
    url, _creds = demo
    page = console_as("operator")
    page.goto(f"{url}/admin/schemes")
    _check(page, "admin-schemes-1440")
    changed = tmp_path / "2026.2.toml"
    changed.write_text(scheme_text("2026.2", points={"traffic_violation": 32},
                                   tier_minimums={"good": 100}, added=True), encoding="utf-8")
    page.set_input_files("#scheme-file", str(changed))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#dry-run")
    assert "community_mediation" in page.inner_text("#diff-types")
    assert "100" in page.inner_text("#diff-tiers")
    assert _bars(page, "dry-run-tiers") >= 1
    _check(page, "admin-scheme-preview-1440")

    assert "2026.2" in page.inner_text("#publish button[type=submit]")
    page.click("#publish button[type=submit]")
    page.wait_for_selector("#job-bar")
    # the worker beside the web server runs the rescore; the page follows it to the end
    page.wait_for_selector("#job-outcome", timeout=60_000)
    assert page.get_attribute("#job-bar", "value") == "100"
    assert "2026.2" in page.inner_text("h1")
    _check(page, "admin-rescore-1440")
    page.goto(f"{url}/admin/schemes")
    assert "2026.2" in page.inner_text("h1")


def test_an_operator_imports_a_department_file_and_gets_the_error_report(demo, console_as,
                                                                        tmp_path):
    url, _creds = demo
    page = console_as("operator")
    page.goto(f"{url}/admin/intake")
    path = tmp_path / "volunteering.csv"
    path.write_bytes(csv_bytes(rows(good=4, bad=2)))
    page.select_option("#department", "volunteers")
    page.set_input_files("#intake-file", str(path))
    _check(page, "admin-intake-1440")
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#job-bar")
    page.wait_for_selector("#job-outcome", timeout=60_000)
    assert page.inner_text("#count-accepted") == "4"
    assert page.inner_text("#count-rejected") == "2"
    _check(page, "admin-intake-done-1440")
    with page.expect_download() as download:
        page.click("#error-report")
    report = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == "row,source_id,field,message" and len(report) == 3
