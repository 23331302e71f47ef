"""Every screen and action of the console checks the operator's role: an auditor reads and
changes nothing, a reviewer cannot onboard or publish, nobody signed out gets in, and no
screen answers an empty or malformed request with a 500."""
import pytest
from werkzeug.routing import IntegerConverter

from app.admin.models import ROLES
from tests.admin.conftest import post

# the sign-in pages themselves, open to anyone
OPEN = {"admin.login", "admin.enrol", "admin.logout", "admin.static"}
# the reviewer's part of the console: objections and repairs (and their queues)
REVIEWER_PATHS = ("/admin/objections", "/admin/repairs", "/admin/queues")


def console_routes(app):
    """(endpoint, method, url) of every guarded route, ids filled with a row that does not exist."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint in OPEN:
            continue
        values = {name: 999_999 if isinstance(converter, IntegerConverter) else "x"
                  for name, converter in rule._converters.items()}
        url = app.url_map.bind("localhost").build(rule.endpoint, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, url))
    return routes


def allowed_roles(app, endpoint):
    return getattr(app.view_functions[endpoint], "allowed_roles", None)


def test_every_console_view_names_the_roles_it_allows(app):
    unguarded = [endpoint for endpoint, _m, _u in console_routes(app)
                 if not allowed_roles(app, endpoint)]
    assert unguarded == []
    assert len(console_routes(app)) >= 15


def test_nobody_signed_out_gets_past_the_sign_in_page(app, client):
    wrong = []
    for endpoint, method, url in console_routes(app):
        answer = post(client, url) if method == "POST" else client.get(url)
        if answer.status_code != 302 or not answer.headers["Location"].startswith("/admin/login"):
            wrong.append((method, url, answer.status_code))
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_screens_it_is_allowed(app, signed_in, role):
    """Allowed: never a 403 nor a 500 (an empty form is a 4xx); not allowed: 403."""
    client = signed_in(role)
    wrong = []
    for endpoint, method, url in console_routes(app):
        answer = post(client, url) if method == "POST" else client.get(url)
        allowed = role in allowed_roles(app, endpoint)
        if allowed and (answer.status_code == 403 or answer.status_code >= 500):
            wrong.append(("refused or broke", method, url, answer.status_code))
        if not allowed and answer.status_code != 403:
            wrong.append(("let through", method, url, answer.status_code))
    assert wrong == []


def test_an_auditor_changes_nothing(app):
    """The only action an auditor may post is the audit chain's check (it writes no data but
    its own audit entry)."""
    posts = {endpoint for endpoint, method, _url in console_routes(app) if method == "POST"
             and "auditor" in allowed_roles(app, endpoint)}
    assert posts == {"admin.verify_audit_chain"}


def test_a_reviewer_cannot_onboard_or_publish(app):
    posts = {url for endpoint, method, url in console_routes(app) if method == "POST"
             and "reviewer" in allowed_roles(app, endpoint)}
    assert all(url.startswith(REVIEWER_PATHS) for url in posts), posts
    for endpoint in ("admin.create_department", "admin.create_merchant", "admin.new_benefit",
                     "admin.add_staff", "admin.issue_merchant_key"):
        assert "reviewer" not in allowed_roles(app, endpoint)
    publishing = [e for e, m, u in console_routes(app) if m == "POST" and "publish" in u]
    assert publishing and all("reviewer" not in allowed_roles(app, e) for e in publishing)


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
def test_the_nav_shows_only_what_the_role_may_open(app, signed_in, role):
    client = signed_in(role)
    page = client.get("/admin/audit" if role == "auditor" else "/admin/dashboard"
                      ).get_data(as_text=True)
    nav = page[page.index('class="a-nav"'):page.index("</nav>", page.index('class="a-nav"'))]
    assert ('href="/admin/departments"' in nav) == (role == "auditor")
    assert ('href="/admin/audit"' in nav) == (role == "auditor")


def test_the_console_home_leads_each_role_to_its_first_screen(app, signed_in):
    for role in ROLES:
        answer = signed_in(role).get("/admin/")
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/admin/")
