"""The 信易+ credit-points platform.

The house plan, lowest room first. A package imports only packages below it; where a lower room
must set off work in a higher one it sends a signal (`records.signals`, `residents.signals`)
that the higher room connects to in `register_domains`. `tests/test_layers.py` holds the code
to this plan.

    core          db, crypto, audit log, errors, Redis, jobs, config, extensions, sign-in,
                  migrations
    catalogue     scheme versions, record types, the scheme's rules
    residents     persons (record subjects) and their accounts; locks on persons
    departments   who delivers records, and their keys
    records       intake, correction, revocation, batch import
    scoring       the engine, storage, set-based rescoring
    benefits      the 信易+ catalogue and the one eligibility rule
    merchants     merchant organisations, API keys, staff
    credit_codes  signing keys, tokens, QR images, JWKS, live scan results
    verification  decisions at the counter, idempotency, the redemption lifecycle
    governance    issuers, retention, objections on the working-day calendar, credit repair
    partners      partner institutions, OAuth 2.0 consents and tokens, the partner API
    resident_web, merchant_web, web, demo, admin: the outer rooms, which call services
"""
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.core import extensions
from app.core.config import load_config


def create_app(config=None, instance_path=None):
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True,
                static_folder="../static")
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))
    trust_proxies(app)
    register_extensions(app)
    register_domains()
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def trust_proxies(app):
    """Behind `TRUSTED_PROXIES` load balancers, take the client's address and scheme from their
    X-Forwarded-For/-Proto, so rate limits and the audit log see the real client."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_extensions(app):
    from app.core import auth  # noqa: F401 - installs the session user loader
    from app.core.http import register_hooks, select_locale
    from app.core.migrations import init_migrations
    from app.core.redis import init_redis
    from app.residents.identity import init_identity
    from app.residents.sms import init_sms

    init_redis(app)
    init_sms(app)
    init_identity(app)
    extensions.db.init_app(app)
    init_migrations(app)
    extensions.login_manager.init_app(app)
    extensions.csrf.init_app(app)
    extensions.babel.init_app(app, locale_selector=select_locale)
    extensions.limiter.init_app(app)
    extensions.api.init_app(app)
    register_hooks(app)
    _import_models()


def _import_models():
    """Every model module, so that metadata and migrations see all tables."""
    from app.admin import models as _admin  # noqa: F401
    from app.benefits import models as _benefits  # noqa: F401
    from app.catalogue import models as _catalogue  # noqa: F401
    from app.core import audit as _audit  # noqa: F401
    from app.core import sessions as _sessions  # noqa: F401
    from app.core import signin_guard as _signin_guard  # noqa: F401
    from app.core import workdays as _workdays  # noqa: F401
    from app.credit_codes import models as _credit_codes  # noqa: F401
    from app.departments import models as _departments  # noqa: F401
    from app.governance import models as _governance  # noqa: F401
    from app.merchants import models as _merchants  # noqa: F401
    from app.partners import models as _partners  # noqa: F401
    from app.residents import access as _access  # noqa: F401
    from app.records import models as _records  # noqa: F401
    from app.residents import models as _residents  # noqa: F401
    from app.scoring import models as _scoring  # noqa: F401
    from app.verification import models as _verification  # noqa: F401


def register_domains():
    """Connect each domain to the lower ones' signals and session kinds (idempotent)."""
    from app import merchants, partners, scoring
    from app.admin.demo_accounts import make_demo_operator
    from app.demo.operators import operator_wanted

    scoring.register()
    merchants.register()
    partners.connect()
    # sibling outer rooms: the demo asks the console for its operators
    operator_wanted.connect(make_demo_operator)


def register_blueprints(app):
    from app import admin, merchant_web, partners, resident_web
    from app.catalogue.api import blp as catalogue_api
    from app.credit_codes.api import jwks_blp
    from app.governance.api import blp as objections_api
    from app.records.api import blp as records_api
    from app.verification.api import redemption_blp, verify_blp
    from app.web.assets import bp as assets
    from app.web.views import bp as web

    for blp in (catalogue_api, records_api, jwks_blp, verify_blp, redemption_blp, objections_api):
        extensions.api.register_blueprint(blp)
    partners.register(app, extensions.api)
    resident_web.register(app, extensions.api)
    merchant_web.register(app)
    admin.register(app)
    app.register_blueprint(web)
    app.register_blueprint(assets)


def register_errorhandlers(app):
    from app.core.errors import register_errorhandlers as register

    register(app)


def register_commands(app):
    from app.cli import register

    register(app)
