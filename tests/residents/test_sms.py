"""The SMS gateway is configured, and production never runs on the console sender."""
import pytest

from app import create_app
from app.core.config import ConfigError
from app.residents.sms import ConsoleSmsSender
from tests.sms import InMemorySmsSender

SECRETS = {"SECRET_KEY": "s", "FIELD_ENCRYPTION_KEY": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=",
           "BLIND_INDEX_KEY": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="}


@pytest.fixture
def production(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return str(tmp_path)


def test_embedded_default_uses_the_console_sender(app):
    assert isinstance(app.extensions["sms"], ConsoleSmsSender)


def test_production_refuses_to_start_with_the_console_sender(production, monkeypatch):
    monkeypatch.delenv("SMS_SENDER", raising=False)
    with pytest.raises(ConfigError, match="SMS_SENDER"):
        create_app(instance_path=production)
    monkeypatch.setenv("SMS_SENDER", "app.residents.sms:ConsoleSmsSender")
    with pytest.raises(ConfigError, match="SMS_SENDER"):
        create_app(instance_path=production)


def test_production_starts_with_a_named_gateway(production, monkeypatch):
    monkeypatch.setenv("SMS_SENDER", "tests.sms:InMemorySmsSender")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=production)
    assert isinstance(app.extensions["sms"], InMemorySmsSender)
