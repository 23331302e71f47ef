"""The identity service is configured, the fake knows only the demo people, and production
never runs on the fake."""
import pytest
from flask import Flask

from app.core.config import ConfigError
from app.residents.identity import (
    DemoIdentityVerifier,
    IdentityVerifier,
    identity_verifier,
    init_identity,
    write_demo_subscribers,
)

ID, OTHER_ID = "410102198405061234", "410102199001011235"


class AlwaysNo(IdentityVerifier):
    def __init__(self, config=None):
        pass

    def check(self, name, id_number, phone):
        return False


def configured(env, verifier=None):
    app = Flask(__name__)
    app.config.update(APP_ENV=env, IDENTITY_VERIFIER=verifier)
    init_identity(app)
    return app.extensions["identity"]


def test_the_embedded_default_uses_the_fake(app):
    assert isinstance(identity_verifier(), DemoIdentityVerifier)


@pytest.mark.parametrize("verifier", [None, "", "app.residents.identity:DemoIdentityVerifier"])
def test_production_refuses_to_start_with_the_fake(verifier):
    with pytest.raises(ConfigError, match="IDENTITY_VERIFIER"):
        configured("production", verifier)


def test_a_named_service_is_built_with_the_config():
    assert isinstance(configured("production", f"{__name__}:AlwaysNo"), AlwaysNo)


def test_the_factory_checks_the_verifier_at_start_up(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SMS_SENDER", "tests.sms:InMemorySmsSender")
    monkeypatch.delenv("IDENTITY_VERIFIER", raising=False)
    secrets = {name: "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="
               for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "BLIND_INDEX_KEY")}
    with pytest.raises(ConfigError, match="IDENTITY_VERIFIER"):
        create_app(secrets, instance_path=str(tmp_path))


def test_the_fake_accepts_a_demo_person_only_with_their_name_and_phone(app):
    path = write_demo_subscribers({ID: {"name": "王五", "phone": "13900000001"}})
    try:
        fake = DemoIdentityVerifier()
        assert fake.check("王五", ID, "13900000001")
        assert not fake.check("王五", ID, "15000000000")  # someone else's phone
        assert not fake.check("王六", ID, "13900000001")  # the wrong name
        assert not fake.check("李四", OTHER_ID, "13900000001")  # the demo person's phone
        assert fake.check("李四", OTHER_ID, "15000000000")  # a newcomer it knows nothing of
    finally:
        path.unlink()


def test_without_demo_data_the_fake_accepts_newcomers(app):
    assert DemoIdentityVerifier().check("李四", OTHER_ID, "15000000000")
