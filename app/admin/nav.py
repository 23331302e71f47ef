"""The console's navigation: each entry shows to the roles its view allows."""
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

# (endpoint, label), in the order they show; a missing endpoint is left out
NAV = [
    ("admin.dashboard", _l("Dashboard")),
    ("admin.departments", _l("Departments")),
    ("admin.merchants", _l("Merchants")),
    ("admin.benefits", _l("Benefit catalogue")),
    ("admin.schemes", _l("Schemes")),
    ("admin.intake", _l("Bulk intake")),
    ("admin.objections", _l("Objections")),
    ("admin.repairs", _l("Repairs")),
    ("admin.partners", _l("Partners")),
    ("admin.audit_log", _l("Audit log")),
]


def allowed(endpoint: str, operator) -> bool:
    """True if the endpoint exists and the operator's role may open it."""
    view = current_app.view_functions.get(endpoint)
    return view is not None and operator.role in getattr(view, "allowed_roles", ())


def nav_for(operator) -> list[tuple[str, str, str]]:
    """(endpoint, url, label) of every entry the operator may open."""
    return [(endpoint, url_for(endpoint), str(label)) for endpoint, label in NAV
            if allowed(endpoint, operator)]
