"""Schemathesis against the served OpenAPI spec, with a real department key and a real merchant
key: no input, valid or not, may answer a server error or a status the spec does not list."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

# the department records API and the merchants' verification and redemption APIs
FUZZED_PATHS = r"^/api/v1/(records|verifications|redemptions)"
OPERATIONS = [
    ("POST", "/api/v1/records"),
    ("GET", "/api/v1/records/{source_id}"),
    ("PATCH", "/api/v1/records/{source_id}"),
    ("DELETE", "/api/v1/records/{source_id}"),
    ("POST", "/api/v1/verifications"),
    ("GET", "/api/v1/redemptions"),
    ("GET", "/api/v1/redemptions/{redemption_id}"),
    ("POST", "/api/v1/redemptions/{redemption_id}/{action}"),
]


@pytest.fixture
def api_schema(app):
    """The served spec, less its catch-all `default` responses: every status must be listed."""
    spec = app.test_client().get("/api/openapi.json").get_json()
    for operations in spec["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("default", None)
    return schemathesis.openapi.from_dict(spec).include(path_regex=FUZZED_PATHS)


@pytest.fixture
def authorization(make_department, make_merchant):
    """The Authorization header of each API's real caller, by path prefix."""
    department, merchant = make_department(), make_merchant()
    return {"/api/v1/records": f"Bearer {department.plain_key}",
            "/api/v1/verifications": f"Bearer {merchant.plain_key}",
            "/api/v1/redemptions": f"Bearer {merchant.plain_key}"}


def test_every_operation_of_these_apis_is_fuzzed(api_schema):
    served = {(result.ok().method.upper(), result.ok().path)
              for result in api_schema.get_all_operations()}
    assert served == set(OPERATIONS)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("method,path", OPERATIONS)
def test_no_server_error_and_no_undocumented_status(app, api_schema, authorization, method, path,
                                                    mode):
    header = next(v for prefix, v in authorization.items() if path.startswith(prefix))

    # every example runs in this test's rolled-back transaction, with its keys
    @given(case=api_schema[path][method].as_strategy(generation_mode=mode))
    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def fuzz(case):
        case.call_and_validate(app=app, headers={"Authorization": header},
                               checks=[not_a_server_error, status_code_conformance])

    fuzz()
