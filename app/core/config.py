"""Settings read from the environment; the embedded default fills in dev keys from `instance/`."""
import base64
import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

SECRET_NAMES = ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY")


class ConfigError(RuntimeError):
    """Raised at start-up when a required setting is missing."""


def _env_int(name, default):
    return int(os.environ.get(name, default))


def load_config(instance_path, overrides=None):
    """Build the settings mapping for one application instance."""
    overrides = dict(overrides or {})
    env = os.environ.get("APP_ENV", "embedded")
    cfg = {
        "APP_ENV": env,
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        # no ping on every checkout (a round trip per request): `core.db` pings only a connection
        # idle long enough to have been dropped, and recycling bounds a connection's age
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800},
        "REDIS_URL": os.environ.get("REDIS_URL"),
        # seconds a Redis reply may take before the breaker skips Redis for a while
        "REDIS_TIMEOUT": float(os.environ.get("REDIS_TIMEOUT", 0.2)),
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        "RECORDS_BATCH_LIMIT": 1000,
        # chunks of persons the batch rescore runs at once on PostgreSQL, one connection each
        "RESCORE_WORKERS": _env_int("RESCORE_WORKERS", 2),
        # connections an import stores each batch on at once on PostgreSQL, its persons split
        # among them
        "IMPORT_CONNECTIONS": _env_int("IMPORT_CONNECTIONS", 2),
        "DEFAULT_SCHEME_VERSION": "2026.1",
        "PASSWORD_HASH_COST": os.environ.get("PASSWORD_HASH_COST", "normal"),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_SUPPORTED_LOCALES": ["zh_CN", "en"],
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "API_TITLE": "信易+ credit-points platform",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        # /api/docs: Swagger UI from static/vendor/swagger-ui (see its VERSION), never a CDN
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
        # X-RateLimit-* on every answer costs two more Redis round trips per request; a 429
        # still says when to retry (`core.errors`)
        "RATELIMIT_HEADERS_ENABLED": False,
        "MERCHANT_DEFAULT_GRACE_DAYS": _env_int("MERCHANT_DEFAULT_GRACE_DAYS", 7),
        "CREDIT_CODE_TTL": _env_int("CREDIT_CODE_TTL", 60),
        # proxy hops in front of the app whose X-Forwarded-For/-Proto are believed (0: none)
        "TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
        "SMS_SENDER": os.environ.get("SMS_SENDER"),
        "IDENTITY_VERIFIER": os.environ.get("IDENTITY_VERIFIER"),
        "SESSION_IDLE_MINUTES": _env_int("SESSION_IDLE_MINUTES", 30),
        # operators hold the keys to the platform: their sessions end sooner when left unused
        "ADMIN_IDLE_MINUTES": _env_int("ADMIN_IDLE_MINUTES", 15),
        "SESSION_MAX_HOURS": _env_int("SESSION_MAX_HOURS", 12),
    }
    for name in SECRET_NAMES:
        if os.environ.get(name):
            cfg[name] = os.environ[name]
    cfg.update(overrides)
    missing = [n for n in SECRET_NAMES if not cfg.get(n)]
    if missing:
        if env == "production":
            raise ConfigError(f"missing required settings: {', '.join(missing)}")
        cfg.update({n: v for n, v in _dev_secrets(instance_path).items() if n in missing})
    cfg["SESSION_COOKIE_SECURE"] = env == "production"
    # Flask refuses a signed cookie older than this, whatever it holds
    cfg["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=cfg["SESSION_MAX_HOURS"])
    return cfg


def _database_url(instance_path):
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'platform.db'}"
    # psycopg 3 is the driver this project installs
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _dev_secrets(instance_path):
    """Load or create the embedded default's dev keys (git-ignored `instance/dev-secrets.json`)."""
    path = Path(instance_path) / "dev-secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = {
        "SECRET_KEY": secrets.token_urlsafe(32),
        "FIELD_ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "BLIND_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    path.write_text(json.dumps(keys, indent=2))
    path.chmod(0o600)
    return keys
