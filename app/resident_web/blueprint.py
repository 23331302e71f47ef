"""The residents' mobile web blueprint and its access checks."""
from functools import wraps

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.auth import user_kind
from app.core.errors import ApiError

bp = Blueprint("resident", __name__)


@bp.after_request
def private_pages(response):
    """Personal pages must not stay in shared caches or the browser's history cache."""
    if current_resident() is not None:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def current_resident():
    """The signed-in resident (the account object itself, not the proxy), or None."""
    if user_kind(current_user) != "resident":
        return None
    return current_user._get_current_object()


def resident_required(consent=True):
    """Only a signed-in resident (who has consented to scoring, unless `consent=False`)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            api = request.path.startswith("/api/")
            resident = current_resident()
            if resident is None:
                if api:
                    raise ApiError(401, "unauthorized", _("Please sign in first."))
                return redirect(url_for("resident.login", next=request.full_path.rstrip("?")))
            if consent and resident.consented_at is None:
                if api:
                    raise ApiError(403, "consent_required",
                                   _("Agree to be scored before your score can be shown."))
                return redirect(url_for("resident.consent"))
            return view(*args, **kwargs)

        return wrapped

    return decorator
