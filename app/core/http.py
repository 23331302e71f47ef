"""Request hooks every blueprint relies on: JSON bodies, CSRF, security headers, locale."""
from flask import has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.exceptions import UnsupportedMediaType

from app.core.extensions import csrf

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def require_json_body():
    if (request.method in UNSAFE and request.path.startswith("/api/")
            and request.content_length and not request.is_json):
        raise UnsupportedMediaType()


def protect_from_csrf():
    """Unsafe requests of a signed-in session need its CSRF token, whatever headers they carry.

    An API call without a session stands on its key alone (or is refused by the endpoint), so a
    merchant's or department's system needs no token; an Authorization header beside a session
    cookie excuses nothing.
    """
    if request.method not in UNSAFE:
        return
    if request.path.startswith("/api/") and not current_user.is_authenticated:
        return
    csrf.protect()


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
    app.before_request(require_json_body)
    app.before_request(protect_from_csrf)
    app.after_request(security_headers)
