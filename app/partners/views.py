"""The OAuth 2.0 token and revocation endpoints (`/oauth/token`, `/oauth/revoke`).

Form posts authenticated by the client's secret (HTTP Basic or in the form), never by a cookie,
so they need no CSRF token; the answers are RFC 6749 / RFC 7009 JSON, which OAuth clients read.
Only a successful answer is committed; a code or a spent refresh token presented again also
revokes what it gave.
"""
from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from app.core.errors import ApiError, error_response
from app.core.extensions import db, limiter
from app.partners import consents
from app.partners.oauth import server

bp = Blueprint("oauth", __name__, url_prefix="/oauth")


def _finish(response):
    if response.status_code == 200:
        db.session.commit()
        return response
    db.session.rollback()
    reused = request.environ.get("app.partner_reused_code")
    replayed = request.environ.get("app.partner_replayed_refresh")
    if reused is not None:
        consents.revoke_reused_code(*reused)
    if replayed is not None:
        consents.revoke_replayed_refresh(*replayed)
    if reused is not None or replayed is not None:
        db.session.commit()
    return response


@bp.post("/token")
@limiter.limit("60/minute", key_func=get_remote_address)
def issue_token():
    """Exchange an authorization code (with its PKCE verifier) or a refresh token."""
    response = _finish(server.create_token_response())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/revoke")
@limiter.limit("60/minute", key_func=get_remote_address)
def revoke_token():
    """RFC 7009: revoke an access or refresh token of this client (200 even if unknown)."""
    return _finish(server.create_endpoint_response("revocation"))


def _oauth_error(status, description):
    """An RFC 6749 §5.2 error, which OAuth clients read (not the HTML error page)."""
    response = jsonify({"error": "invalid_request", "error_description": description})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(ApiError)
def refused_input(error):
    """Input the platform refuses before authlib sees it (a control character in a field)."""
    return _oauth_error(400, error.message)


@bp.errorhandler(413)
def too_large(error):
    return _oauth_error(413, _("The upload is too large."))


@bp.errorhandler(429)
def too_many(error):
    return error_response(429, "too_many_requests",
                          _("Too many attempts; please wait a moment and try again."),
                          headers={"Retry-After": "60"})
