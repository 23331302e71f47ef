"""The 信易+ credit-points platform."""
import os
from pathlib import Path

from flask import Flask

from app import extensions
from app.config import load_config


def create_app(config=None, instance_path=None):
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True,
                static_folder="../static")
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app):
    from app.core import auth  # noqa: F401 - installs the session user loader
    from app.core.http import register_hooks, select_locale
    from app.core.redis import init_redis

    init_redis(app)
    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=_migrations_dir())
    extensions.login_manager.init_app(app)
    extensions.csrf.init_app(app)
    extensions.babel.init_app(app, locale_selector=select_locale)
    extensions.limiter.init_app(app)
    extensions.api.init_app(app)
    register_hooks(app)
    _import_models()


def _migrations_dir():
    return str(Path(__file__).resolve().parent.parent / "migrations")


def _import_models():
    """Every model module, so that metadata and migrations see all tables."""
    from app.admin import models as _admin  # noqa: F401
    from app.benefits import models as _benefits  # noqa: F401
    from app.catalogue import models as _catalogue  # noqa: F401
    from app.core import audit as _audit  # noqa: F401
    from app.departments import models as _departments  # noqa: F401
    from app.records import models as _records  # noqa: F401
    from app.residents import models as _residents  # noqa: F401
    from app.scoring import models as _scoring  # noqa: F401
    from app.verification import models as _verification  # noqa: F401


def register_blueprints(app):
    from app import resident_web, verification
    from app.catalogue.api import blp as catalogue_api
    from app.records.api import blp as records_api
    from app.web.views import bp as web

    extensions.api.register_blueprint(catalogue_api)
    extensions.api.register_blueprint(records_api)
    verification.register(app, extensions.api)
    resident_web.register(app, extensions.api)
    app.register_blueprint(web)


def register_errorhandlers(app):
    from app.core.errors import register_errorhandlers as register

    register(app)


def register_commands(app):
    from app.cli import register

    register(app)
