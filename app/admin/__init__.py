"""The operators' console of the credit centre: sign-in with TOTP, roles, onboarding, schemes,
queues, dashboard, audit.

Each screen lives in its own module that adds routes to `blueprint.bp` and guards every view
with `access.role_required(...)`; `register` imports them. Templates extend
`admin/layout.html`; `nav.NAV` lists the entries of the navigation.
"""
from importlib import import_module

# the modules whose views make up the console
SCREENS = ("signin", "audit_log", "dashboard", "scheme_pages", "intake", "queues",
           "departments", "merchants", "benefits", "partners")


def register(app):
    from app.admin.accounts import load_operator
    from app.admin.blueprint import bp
    from app.core.auth import register_user_kind

    for name in SCREENS:
        import_module(f"app.admin.{name}")
    register_user_kind("operator", load_operator, idle_setting="ADMIN_IDLE_MINUTES")
    app.register_blueprint(bp)
