"""Settings: secrets from the environment, refused start-up in production without them."""
import json

import pytest

from app import create_app
from app.core.config import SECRET_NAMES, ConfigError, load_config


@pytest.fixture
def clean_env(monkeypatch):
    for name in (*SECRET_NAMES, "APP_ENV", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_without_secrets_refuses_to_start(clean_env, tmp_path):
    clean_env.setenv("APP_ENV", "production")
    with pytest.raises(ConfigError) as error:
        load_config(str(tmp_path))
    assert all(name in str(error.value) for name in SECRET_NAMES)
    with pytest.raises(ConfigError):
        create_app(instance_path=str(tmp_path))
    # and it never falls back to generated dev keys
    assert not (tmp_path / "dev-secrets.json").exists()


@pytest.mark.parametrize("missing", SECRET_NAMES)
def test_production_refuses_any_single_missing_secret(clean_env, tmp_path, missing):
    clean_env.setenv("APP_ENV", "production")
    for name in SECRET_NAMES:
        if name != missing:
            clean_env.setenv(name, "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=")
    with pytest.raises(ConfigError, match=missing):
        load_config(str(tmp_path))


def test_production_with_secrets_starts(clean_env, tmp_path):
    clean_env.setenv("APP_ENV", "production")
    for name in SECRET_NAMES:
        clean_env.setenv(name, f"{name}-from-the-environment")
    cfg = load_config(str(tmp_path))
    assert cfg["SECRET_KEY"] == "SECRET_KEY-from-the-environment"
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "dev-secrets.json").exists()


def test_embedded_default_generates_private_dev_keys_once(clean_env, tmp_path):
    first = load_config(str(tmp_path))
    path = tmp_path / "dev-secrets.json"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    stored = json.loads(path.read_text())
    assert {first[n] for n in SECRET_NAMES} == {stored[n] for n in SECRET_NAMES}
    assert load_config(str(tmp_path))["FIELD_ENCRYPTION_KEY"] == first["FIELD_ENCRYPTION_KEY"]
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'platform.db'}"
    assert first["SESSION_COOKIE_SECURE"] is False


def test_database_url_selects_postgresql_with_psycopg(clean_env, tmp_path):
    clean_env.setenv("DATABASE_URL", "postgres://user@db.example:5432/credit")
    assert load_config(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://user@db.example:5432/credit")
