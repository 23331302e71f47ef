"""/api/docs renders the served spec with vendored Swagger UI, and the spec says how each API
is authenticated (the partners' OAuth 2.0 flow, the departments' and merchants' keys)."""
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser_support import launch, screenshot

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "vendor" / "swagger-ui"


def test_the_docs_page_loads_only_this_sites_assets(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "://" not in html  # no CDN, no absolute URL of any other site
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in assets
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()
    assert 'data-spec-url="/api/openapi.json"' in html
    assert "<script>" not in html  # the page runs under the site's Content-Security-Policy
    assert "script-src" not in page.headers["Content-Security-Policy"]


def test_the_vendored_assets_say_what_they_are_and_under_which_licence():
    assert "swagger-ui-dist 5.35.0" in (VENDOR / "VERSION").read_text()
    assert "Apache License" in (VENDOR / "LICENSE").read_text()


def test_the_spec_declares_the_oauth_flow_and_the_keys(client):
    spec = client.get("/api/openapi.json").get_json()
    schemes = spec["components"]["securitySchemes"]
    flow = schemes["partnerOAuth"]["flows"]["authorizationCode"]
    assert (flow["authorizationUrl"], flow["tokenUrl"]) == ("/oauth/authorize", "/oauth/token")
    assert {"score", "report", "eligibility"} <= set(flow["scopes"])
    assert schemes["departmentKey"] == {**schemes["departmentKey"], "type": "http",
                                         "scheme": "bearer"}
    assert schemes["merchantKey"]["scheme"] == "bearer"
    paths = spec["paths"]
    assert paths["/api/v1/records"]["post"]["security"] == [{"departmentKey": []}]
    assert paths["/api/v1/verifications"]["post"]["security"] == [{"merchantKey": []}]
    assert paths["/api/v1/me/access-log"]["get"]["security"] == [{"residentSession": []}]
    assert paths["/api/v1/catalogue"]["get"]["security"] == [{}]


@pytest.mark.browser
def test_swagger_ui_renders_the_spec_with_no_outside_request(live_server):
    outside = []
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda r: urlsplit(r.url).netloc != urlsplit(live_server).netloc
                and not r.url.startswith("data:") and outside.append(r.url))
        errors = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(f"{live_server}/api/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("信易+")
        path = '.opblock-summary-path[data-path="{}"]'
        expect(page.locator(path.format("/api/v1/verifications"))).to_be_visible()
        expect(page.locator(".auth-wrapper .authorize")).to_be_visible()  # security schemes
        page.locator(path.format("/api/v1/partner/report")).click()  # opens with its example
        expect(page.locator(".opblock.is-open .microlight").first).to_contain_text("拖欠水电气费")
        screenshot(page, "api-docs")
        browser.close()
    assert outside == []
    assert errors == []


@pytest.mark.parametrize("path,scope", [("/api/v1/partner/score", "score"),
                                        ("/api/v1/partner/report", "report"),
                                        ("/api/v1/partner/eligibility", "eligibility")])
def test_the_partner_endpoints_carry_their_scope_and_worked_examples(client, path, scope):
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"][path]["get"]
    assert operation["security"] == [{"partnerOAuth": [scope]}]
    answer = operation["responses"]["200"]["content"]["application/json"]
    schema = spec["components"]["schemas"][answer["schema"]["$ref"].rsplit("/", 1)[1]]
    assert set(answer["example"]) == set(schema["properties"])  # the example has the contract
    for status, code in (("401", "invalid_token"), ("403", "insufficient_scope"),
                         ("429", "too_many_requests")):
        error = operation["responses"][status]["content"]["application/json"]
        assert error["schema"] == {"$ref": "#/components/schemas/Error"}
        assert error["example"]["error"]["code"] == code


def test_every_error_answer_is_documented_in_the_error_shape(client):
    spec = client.get("/api/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # the path's, not an operation
                continue
            for status, response in operation["responses"].items():
                if status.startswith("4") and "$ref" not in response:
                    content = response["content"]["application/json"]
                    assert content["schema"] == {"$ref": "#/components/schemas/Error"}, \
                        (method, path, status)
