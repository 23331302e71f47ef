"""Request hooks every blueprint relies on: JSON bodies, CSRF, security headers, locale."""
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import UnsupportedMediaType

from app.core.errors import ApiError
from app.core.extensions import csrf
from app.core.json import PARSED_JSON, JsonLimitError, loads
from app.core.validation import MAX_DEPTH, RowIdConverter, holds_control

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# endpoints that authenticate the caller by its own credentials in the body, never by a cookie
# (the OAuth token and revocation endpoints), registered by the rooms that serve them
_CSRF_EXEMPT_PATHS: set[str] = set()


def exempt_from_csrf(*paths):
    _CSRF_EXEMPT_PATHS.update(paths)


def require_json_body():
    if (request.method in UNSAFE and request.path.startswith("/api/")
            and request.content_length and not request.is_json):
        raise UnsupportedMediaType()


def check_json_body():
    """Refuse a JSON body that is not JSON within the limits before any view parses it; the
    arguments parser (`core.api.Parser`) reads the parsed body from `PARSED_JSON`."""
    if not request.is_json or not request.get_data(cache=True):
        return
    try:
        request.environ[PARSED_JSON] = loads(request.get_data(cache=True))
    except JsonLimitError as exc:
        raise ApiError(400, "malformed_json", _("The body nests deeper than %(depth)d levels.",
                                                depth=MAX_DEPTH)) from exc
    except ValueError as exc:
        raise ApiError(400, "malformed_json", _("The body is not valid JSON."),
                       {"reason": str(exc)[:200]}) from exc


def refuse_control_characters():
    """No query or form field may hold NUL or another control character (tabs and line breaks
    aside): the database cannot store some and no field needs them."""
    # a JSON body has no form fields (werkzeug parses forms of form content types only)
    reads_form = request.method in UNSAFE and not request.is_json
    fields = [request.args, request.form] if reads_form else [request.args]
    if any(holds_control(value) for field in fields for _name, values in field.lists()
           for value in values):
        raise ApiError(422, "control_characters", _("Control characters are not allowed."))


def protect_from_csrf():
    """Unsafe requests of a signed-in session need its CSRF token, whatever headers they carry.

    An API call without a session stands on its key alone (or is refused by the endpoint), so a
    merchant's or department's system needs no token; an Authorization header beside a session
    cookie excuses nothing.
    """
    if request.method not in UNSAFE or request.path in _CSRF_EXEMPT_PATHS:
        return
    if request.path.startswith("/api/") and not _signed_in():
        return
    csrf.protect()


def _signed_in() -> bool:
    # no session cookie, no session to load (and a merchant's system sends none)
    return (current_app.config["SESSION_COOKIE_NAME"] in request.cookies
            and current_user.is_authenticated)


def security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=()")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'",
    )
    return response


def safe_next(target: str | None, default: str = "/") -> str:
    """A same-site path to go to next, never an open redirect.

    Browsers drop tabs and newlines from a Location and read a backslash as a slash, so a path
    holding any of them (or any other control or space character) is refused, not cleaned.
    """
    if (not target or not target.startswith("/") or target.startswith("//")
            or any(c == "\\" or c.isspace() or not c.isprintable() for c in target)):
        return default
    return target


def select_locale():
    if not has_request_context():
        return "zh_CN"
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in ("zh_CN", "en"):
        return chosen
    return "zh_CN"


def register_hooks(app):
    app.jinja_env.globals["get_locale"] = get_locale
    app.url_map.converters["id"] = RowIdConverter
    app.before_request(require_json_body)
    app.before_request(check_json_body)
    app.before_request(refuse_control_characters)
    app.before_request(protect_from_csrf)
    app.after_request(security_headers)
