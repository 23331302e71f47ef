"""One JSON error shape for every API, a friendly page for everything else."""
import logging
import math
import time

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

from app.core.extensions import limiter

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


class ApiError(Exception):
    """Raise from a service or view to answer with a specific code and status."""

    def __init__(self, status, code, message, details=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}
        self.headers = headers or {}  # e.g. WWW-Authenticate on a 401


def wants_json():
    path = request.path
    return path.startswith(("/api/", "/.well-known/")) or (
        request.accept_mimetypes.best == "application/json"
    )


def error_response(status, code, message, details=None, headers=None):
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _friendly_messages():
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in first."),
        403: _("You are not allowed to do this."),
        404: _("The page or item was not found."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with the current state; refresh and try again."),
        413: _("The upload is too large."),
        415: _("Send the data as JSON."),
        422: _("Some fields are invalid."),
        429: _("Too many attempts; please wait a moment and try again."),
        500: _("Something went wrong on our side; nothing you sent was lost. Please try again."),
    }


def _http_details(error):
    data = getattr(error, "data", None) or {}
    messages = data.get("errors") or data.get("messages")
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "headers", "form"}:
        # webargs nests errors under the location; one location per request here
        messages = next(iter(messages.values()), messages) if len(messages) == 1 else messages
    return ({"fields": messages} if messages else {}), data.get("message")


def handle_http_exception(error):
    status = error.code or 500
    message = _friendly_messages().get(status, error.description)
    details, custom = _http_details(error)
    # keep the headers the exception carries (a 405's Allow), not its content type
    headers = {name: value for name, value in error.get_headers()
               if name.lower() != "content-type"}
    headers.update((getattr(error, "data", None) or {}).get("headers") or {})
    retry_after = _retry_after(status, headers)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if not wants_json():
        return (render_template("error.html", status=status, message=custom or message,
                                retry_after=retry_after), status, headers)
    return error_response(status, CODES.get(status, "error"), custom or message, details, headers)


def _retry_after(status, headers):
    """Seconds to wait after a 429: its Retry-After, or else the limit that was hit."""
    if status != 429:
        return None
    if str(headers.get("Retry-After", "")).isdigit():
        return int(headers["Retry-After"])
    limit = limiter.current_limit
    return max(1, math.ceil(limit.reset_at - time.time())) if limit else None


def handle_api_error(error):
    if not wants_json():
        return (render_template("error.html", status=error.status, message=error.message),
                error.status, error.headers)
    return error_response(error.status, error.code, error.message, error.details, error.headers)


def handle_unexpected(error):
    log.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http_exception(InternalServerError())


def register_errorhandlers(app):
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(Exception, handle_unexpected)
