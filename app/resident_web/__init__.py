"""The residents' mobile web: sign-in and registration, score, records, explanation, benefits
and the credit code. Chinese first, English on request; every page works without JavaScript
except the live parts of the credit code.
"""
from app.core.auth import register_user_kind
from app.extensions import db, login_manager


def _load_resident(resident_id):
    from app.residents.models import Resident

    resident = db.session.get(Resident, resident_id)
    return resident if resident is not None and resident.closed_at is None else None


def register(app, api):
    """Register the blueprints, the "resident" session kind and the template helpers."""
    from app.resident_web import account, pages  # noqa: F401  (routes attach to the blueprint)
    from app.resident_web.api import blp as me_api
    from app.resident_web.blueprint import bp
    from app.resident_web.labels import register as register_labels

    register_user_kind("resident", _load_resident)
    login_manager.blueprint_login_views["resident"] = "resident.login"
    login_manager.login_message = None
    api.register_blueprint(me_api)
    app.register_blueprint(bp)
    register_labels(app)
