"""flask-smorest `Api` that documents and uses the platform's single JSON error shape, and says
in the spec how each API is authenticated and what it may answer (DESIGN §10)."""
import copy
import re

import flask_smorest
import marshmallow as ma
from apispec import BasePlugin
from webargs.flaskparser import FlaskParser

from app.core.json import PARSED_JSON

PARTNER_SCOPES = {
    "score": "Read the resident's credit score and tier",
    "report": "Read the resident's explained credit report (dimensions, reasons, active "
              "negative records)",
    "eligibility": "Check whether the resident may use a named benefit",
    "booking": "Book benefits the partner offers online for the resident and report how each "
               "booking ended",
}

SECURITY_SCHEMES = {
    "partnerOAuth": {
        "type": "oauth2",
        "description": "Partners act for one resident who approved them on the consent page: "
                       "authorization code with PKCE (S256), then `Authorization: Bearer "
                       "<access_token>`. See docs/partners.md.",
        "flows": {"authorizationCode": {"authorizationUrl": "/oauth/authorize",
                                        "tokenUrl": "/oauth/token",
                                        "refreshUrl": "/oauth/token",
                                        "scopes": PARTNER_SCOPES}},
    },
    "departmentKey": {"type": "http", "scheme": "bearer",
                       "description": "A department's API key: `Authorization: Bearer <api_key>`"},
    "merchantKey": {"type": "http", "scheme": "bearer",
                     "description": "A merchant's API key: `Authorization: Bearer <api_key>`"},
    "residentSession": {"type": "apiKey", "in": "cookie", "name": "session",
                         "description": "A signed-in resident's session (sign in at /login); "
                                        "unsafe methods also send `X-CSRFToken`"},
}

# which credential each API takes, by path; the first match wins, and an operation's own
# `security` (set with `@blp.doc`) wins over this
_SECURITY_BY_PATH = [
    (r"^/api/v1/partner/(score|report|eligibility)\b",
     lambda m: [{"partnerOAuth": [m.group(1)]}]),
    (r"^/api/v1/partner/bookings\b", lambda m: [{"partnerOAuth": ["booking"]}]),
    (r"^/api/v1/(records|objections)\b", lambda m: [{"departmentKey": []}]),
    (r"^/api/v1/(verifications|redemptions)\b", lambda m: [{"merchantKey": []}]),
    (r"^/api/v1/me/", lambda m: [{"residentSession": []}]),
]
_PUBLIC = [{}]  # the catalogue, the signing keys and the health check take no credential


# answers the request hooks (`core.http`) and the credential checks give any operation, listed
# on each so that a client (and Schemathesis) knows every status it may meet
_BODY_ERRORS = {400: "Body is not JSON, or nests too deeply", 413: "Body larger than the limit",
                415: "Body is not JSON"}
_CREDENTIAL_ERRORS = {401: "No or bad credentials"}
_COOKIE_ERRORS = {403: "No CSRF token (send X-CSRFToken)"}
_ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def _error(code, message, **details):
    return {"error": {"code": code, "message": message, "details": details}}


# worked examples of the partner API's answers (the spec's fields carry their own examples too)
_PARTNER_EXAMPLES = {
    "/api/v1/partner/score": {"200": {
        "score": 118, "tier": {"code": "good", "name": "信用良好"}, "as_of": "2026-11-27",
        "scheme_version": "2026.1"}},
    "/api/v1/partner/report": {"200": {
        "score": 96, "tier": {"code": "good", "name": "信用良好"}, "as_of": "2026-11-27",
        "scheme_version": "2026.1",
        "dimensions": [{"code": "identity", "name": "身份特质", "points": 9},
                       {"code": "fulfilment", "name": "履约守信", "points": -3},
                       {"code": "law", "name": "遵纪守法", "points": 0},
                       {"code": "social", "name": "社会公益", "points": 1},
                       {"code": "honours", "name": "荣誉表彰", "points": 0}],
        "factors": [{"direction": "raised", "text": "住房公积金连续缴存（1 条记录）", "points": 5},
                    {"direction": "lowered", "text": "拖欠水电气费（1 条记录）", "points": -3}],
        "active_negative_records": [{"type": "utility_arrears", "name": "拖欠水电气费",
                                     "severity": "minor", "occurred_at": "2026-09-02",
                                     "ended_at": None}]}},
    "/api/v1/partner/eligibility": {"200": {
        "benefit": {"code": "hotel_deposit_free", "name": "酒店免押金入住"}, "eligible": False,
        "reason": "not_eligible"}},
}
_PARTNER_ERROR_EXAMPLES = {
    "401": _error("invalid_token", "访问令牌已过期、已撤销或无效。"),
    "403": _error("insufficient_scope", "居民未授予该机构 report 权限。", required_scope="report"),
    "429": _error("too_many_requests", "尝试次数过多，请稍后再试。"),
}


class ContractPlugin(BasePlugin):
    """Declare the security schemes, give every operation the credential its path takes, and
    list the error answers every operation of its kind may give."""

    def init_spec(self, spec):
        for name, scheme in SECURITY_SCHEMES.items():
            spec.components.security_scheme(name, scheme)

    def operation_helper(self, path=None, operations=None, **kwargs):
        security = _PUBLIC
        for pattern, requirement in _SECURITY_BY_PATH:
            found = re.match(pattern, path or "")
            if found:
                security = requirement(found)
                break
        for method, operation in (operations or {}).items():
            operation.setdefault("security", security)
            errors = {}
            if "requestBody" in operation:
                errors.update(_BODY_ERRORS)
            schemes = {name for requirement in operation["security"] for name in requirement}
            if schemes:
                errors.update(_CREDENTIAL_ERRORS)
            if "residentSession" in schemes and method.upper() in ("POST", "PUT", "PATCH",
                                                                   "DELETE"):
                errors.update(_COOKIE_ERRORS)
            responses = operation.setdefault("responses", {})
            for status, description in errors.items():
                if status not in responses and str(status) not in responses:
                    responses[str(status)] = {"description": description}
            _document_answers(path, responses)


def _document_answers(path, responses):
    """Every error answer in the one error shape; the partner API's answers with examples."""
    partner = path.startswith("/api/v1/partner/")
    for status, response in responses.items():
        # (a string or a $ref names a shared response, which already has its content)
        if str(status).startswith(("4", "5")) and isinstance(response, dict) \
                and "$ref" not in response:
            response.setdefault("content", copy.deepcopy(_ERROR_CONTENT))
            if partner and str(status) in _PARTNER_ERROR_EXAMPLES:
                response["content"]["application/json"].setdefault(
                    "example", _PARTNER_ERROR_EXAMPLES[str(status)])
    for status, example in _PARTNER_EXAMPLES.get(path, {}).items():
        response = responses.get(int(status)) or responses.get(status) or {}
        content = response.get("content", {}).get("application/json")
        if content is not None:
            content.setdefault("example", example)


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "invalid_input"})
    message = ma.fields.String(required=True)
    details = ma.fields.Dict()


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


class Parser(FlaskParser):
    """webargs' parser, taking the JSON body `core.http.check_json_body` parsed (within its
    limits) rather than parsing it again."""

    def _raw_load_json(self, req):
        if PARSED_JSON in req.environ:
            return req.environ[PARSED_JSON]
        return super()._raw_load_json(req)


class Blueprint(flask_smorest.Blueprint):
    """The platform's API blueprint: its arguments come from `Parser`."""

    ARGUMENTS_PARSER = Parser()


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app=None, *, spec_kwargs=None, config_prefix=""):
        spec_kwargs = {"extra_plugins": [ContractPlugin()], **(spec_kwargs or {})}
        super().__init__(app, spec_kwargs=spec_kwargs, config_prefix=config_prefix)

    def _register_error_handlers(self):
        """Errors are rendered by `app.core.errors`, for pages and APIs alike."""
