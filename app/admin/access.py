"""Who is signed in to the console, and what their role lets them do.

Every view names the roles that may use it with `role_required`; a screen's GET and the actions
posted from it are checked separately (an auditor reads onboarding screens but changes nothing).
"""
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin.models import ROLES, Operator
from app.core.auth import user_kind

EVERYONE = ROLES
ROLE_NAMES = {"operator": _l("Operator"), "reviewer": _l("Reviewer"), "auditor": _l("Auditor")}
# who may look at what operators set up (departments, merchants, benefits, schemes)
READERS = ("operator", "auditor")
# who may read the audit log and run its chain verification
AUDIT_READERS = ("operator", "auditor")


def current_operator() -> Operator | None:
    if user_kind(current_user) == "operator" and current_user.active:
        return current_user
    return None


def role_required(*roles):
    """Let the view run only for a signed-in operator whose role is one of `roles`: others are
    sent to the sign-in page, or refused with a 403."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"roles must be some of {ROLES}, not {sorted(unknown)}")

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            operator = current_operator()
            if operator is None:
                target = request.path if request.method == "GET" else None
                return redirect(url_for("admin.login", next=target))
            if operator.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = tuple(roles)
        return wrapped

    return decorate
