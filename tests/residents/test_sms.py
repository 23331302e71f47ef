"""The SMS gateway is configured, and production never runs on the console sender."""
import pytest
from flask import Flask

from app.core.config import ConfigError
from app.residents.sms import ConsoleSmsSender, init_sms
from tests.sms import InMemorySmsSender


def configured(env, sender=None):
    app = Flask(__name__)
    app.config.update(APP_ENV=env, SMS_SENDER=sender)
    init_sms(app)
    return app.extensions["sms"]


def test_embedded_default_uses_the_console_sender(app):
    assert isinstance(app.extensions["sms"], ConsoleSmsSender)
    assert isinstance(configured("embedded"), ConsoleSmsSender)


@pytest.mark.parametrize("sender", [None, "", "app.residents.sms:ConsoleSmsSender"])
def test_production_refuses_to_start_with_the_console_sender(sender):
    with pytest.raises(ConfigError, match="SMS_SENDER"):
        configured("production", sender)


def test_a_named_gateway_is_built_with_the_config():
    assert isinstance(configured("production", "tests.sms:InMemorySmsSender"), InMemorySmsSender)


def test_the_factory_checks_the_sender_at_start_up(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SMS_SENDER", raising=False)
    secrets = {name: "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="
               for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY")}
    with pytest.raises(ConfigError, match="SMS_SENDER"):
        create_app(secrets, instance_path=str(tmp_path))
