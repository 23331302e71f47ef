"""Schemathesis against the served OpenAPI spec, with each API's real credential: a department
key, a merchant key, a partner's access token (minted through the real consent and token
exchange) and a resident's session. No input, valid or not, may answer a server error or a
status the spec does not list; every operation that takes a credential is fuzzed."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.partners.conftest import make_client, tokens_for
from tests.resident_support import add_benefit, page_token, sign_in

# the credential each security scheme of the spec stands for (app/core/api.py)
SCHEMES = ("departmentKey", "merchantKey", "partnerOAuth", "residentSession")


def _scheme(operation):
    """The operation's security scheme, or None for a public one."""
    requirements = [name for requirement in operation.get("security", [{}])
                    for name in requirement]
    return requirements[0] if requirements else None


@pytest.fixture
def spec(app):
    return app.test_client().get("/api/openapi.json").get_json()


@pytest.fixture
def api_schema(spec):
    """The served spec, less its catch-all `default` responses: every status must be listed."""
    for operations in spec["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("default", None)
    return schemathesis.openapi.from_dict(spec)


OPERATIONS = [
    ("POST", "/api/v1/records"),
    ("GET", "/api/v1/records/{source_id}"),
    ("PATCH", "/api/v1/records/{source_id}"),
    ("DELETE", "/api/v1/records/{source_id}"),
    ("POST", "/api/v1/verifications"),
    ("GET", "/api/v1/redemptions"),
    ("GET", "/api/v1/redemptions/{redemption_id}"),
    ("POST", "/api/v1/redemptions/{redemption_id}/{action}"),
    ("GET", "/api/v1/partner/score"),
    ("GET", "/api/v1/partner/report"),
    ("GET", "/api/v1/partner/eligibility"),
    ("POST", "/api/v1/partner/bookings"),
    ("GET", "/api/v1/partner/bookings/{booking_id}"),
    ("POST", "/api/v1/partner/bookings/{booking_id}/{action}"),
    ("GET", "/api/v1/me/score"),
    ("GET", "/api/v1/me/access-log"),
    ("POST", "/api/v1/me/credit-code"),
    ("GET", "/api/v1/me/credit-code/{handle}.svg"),
    ("POST", "/api/v1/me/credit-code/result"),
    ("GET", "/api/v1/me/consents"),
    ("DELETE", "/api/v1/me/consents/{consent_id}"),
    ("GET", "/api/v1/objections"),
    ("GET", "/api/v1/objections/{objection_id}"),
    ("GET", "/api/v1/objections/{objection_id}/attachments/{attachment_id}"),
    ("POST", "/api/v1/objections/{objection_id}/verdict"),
    ("GET", "/api/v1/me/objections"),
    ("POST", "/api/v1/me/objections"),
    ("GET", "/api/v1/me/objections/{objection_id}"),
    ("POST", "/api/v1/me/objections/{objection_id}/withdraw"),
    ("GET", "/api/v1/me/repairs"),
    ("POST", "/api/v1/me/repairs"),
]
# operations that take no input at all: nothing to break but the credential, so no negative case
NO_INPUT = {("GET", "/api/v1/partner/score"), ("GET", "/api/v1/partner/report"),
            ("GET", "/api/v1/me/score"),
            ("POST", "/api/v1/me/credit-code"), ("GET", "/api/v1/me/consents"),
            ("GET", "/api/v1/me/objections"), ("GET", "/api/v1/me/repairs")}
CASES = [(method, path, mode) for method, path in OPERATIONS
         for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         if mode == GenerationMode.POSITIVE or (method, path) not in NO_INPUT]


@pytest.fixture
def credentials(app, make_department, make_merchant, make_resident):
    """Each scheme's real caller: the headers and cookies it sends."""
    department, merchant = make_department(), make_merchant()
    resident = make_resident(records=[("blood_donation", 3)])
    hotel = add_benefit(scene="信易游", name="酒店免押金入住", min_tier="fair")
    partner = make_client("tourism", ("score", "report", "eligibility", "booking"),
                          offers=[hotel.code], rate_limit="100000/minute")
    token = tokens_for(app, resident, partner, "score report eligibility booking")
    web = app.test_client()
    sign_in(web, resident)
    csrf = page_token(web)
    return {
        "departmentKey": {"headers": {"Authorization": f"Bearer {department.plain_key}"}},
        "merchantKey": {"headers": {"Authorization": f"Bearer {merchant.plain_key}"}},
        "partnerOAuth": {"headers": {"Authorization": f"Bearer {token['access_token']}"}},
        "residentSession": {"headers": {"X-CSRFToken": csrf},
                            "cookies": {"session": web.get_cookie("session").value}},
    }


def test_every_operation_that_takes_a_credential_is_fuzzed(spec):
    credentialed = {(method.upper(), path): _scheme(operation)
                    for path, operations in spec["paths"].items()
                    for method, operation in operations.items()
                    if isinstance(operation, dict) and _scheme(operation) is not None}
    assert set(credentialed) == set(OPERATIONS)
    assert set(credentialed.values()) == set(SCHEMES)
    takes_input = {(method, path) for method, path in OPERATIONS
                   if "requestBody" in spec["paths"][path][method.lower()]
                   or spec["paths"][path].get("parameters")
                   or spec["paths"][path][method.lower()].get("parameters")}
    assert takes_input == set(OPERATIONS) - NO_INPUT


@pytest.mark.parametrize("method,path,mode", CASES)
def test_no_server_error_and_no_undocumented_status(app, spec, api_schema, credentials, method,
                                                    path, mode):
    credential = credentials[_scheme(spec["paths"][path][method.lower()])]

    # every example runs in this test's rolled-back transaction, with its credential
    @given(case=api_schema[path][method].as_strategy(generation_mode=mode))
    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def fuzz(case):
        response = case.call(app=app, **credential)
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
        if mode == GenerationMode.POSITIVE:  # (a negative case may spoil the credential)
            assert response.status_code != 401, (case.path, response.text)

    fuzz()
