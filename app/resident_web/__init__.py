"""The residents' mobile web: sign-in and registration, score, records, explanation, benefits
and the credit code. Chinese first, English on request; every page works without JavaScript
except the live parts of the credit code.
"""


def register(app, api):
    """Register the blueprints, the "resident" session kind and the template helpers."""
    from app.core.auth import register_user_kind
    from app.core.extensions import login_manager
    from app.resident_web import (  # noqa: F401  (routes attach to the blueprints)
        access_log, account, consents, governance_api, governance_pages, pages)
    from app.resident_web.api import blp as me_api
    from app.resident_web.api import code_blp
    from app.resident_web.blueprint import bp
    from app.resident_web.consents_api import blp as consents_api
    from app.resident_web.labels import register as register_labels
    from app.residents.services import open_account

    register_user_kind("resident", open_account)
    login_manager.blueprint_login_views["resident"] = "resident.login"
    login_manager.login_message = None
    api.register_blueprint(me_api)
    api.register_blueprint(code_blp)
    api.register_blueprint(consents_api)
    app.register_blueprint(bp)
    register_labels(app)
