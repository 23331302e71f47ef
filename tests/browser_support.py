"""What the browser tests share: Debian's Chromium as this machine runs it, phone viewports,
screenshots for people to look at, and the axe-core check every screen must pass."""
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ARTIFACTS = TESTS / "artifacts"
AXE = TESTS / "vendor" / "axe.min.js"
VIEWPORTS = {"390x844": {"width": 390, "height": 844}, "320x568": {"width": 320, "height": 568}}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def launch(playwright, *extra_args):
    """Debian's Chromium, headless (`playwright install` cannot download browsers here)."""
    return playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                      args=CHROMIUM_ARGS + list(extra_args))


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def check_screen(page, name):
    """Screenshot the screen and fail on any axe-core violation (the page's CSP must be
    bypassed for the injected script)."""
    screenshot(page, name)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("axe.run(document).then(r => r.violations.map(v => "
                               "({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))})))")
    assert violations == [], f"{name}: {violations}"
