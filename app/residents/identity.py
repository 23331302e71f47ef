"""Real-name identity checks behind a small interface, so the identity service can be swapped.

Before a person's records are linked to an account, the applicant's name, ID number and phone
are checked against an identity service (the carriers' three-factor check, 运营商三要素, or the
city's identity platform). `IDENTITY_VERIFIER` names its class as `module:Class` (built with the
app's config); unset, the embedded default uses a fake, which production refuses to start with.
"""
import json
from pathlib import Path

from flask import current_app

from app.core.outside import connect

DEMO_FILE = "demo-identities.json"  # in instance/, written by `flask demo`


class IdentityVerifier:
    """Tell whether a phone is registered to the person with this name and ID number."""

    def check(self, name: str, id_number: str, phone: str) -> bool:
        raise NotImplementedError


class DemoIdentityVerifier(IdentityVerifier):
    """The embedded default, a fake carrier check with no real data behind it.

    Its subscribers are the people `flask demo` loaded (`instance/demo-identities.json`: ID
    number → name and phone). For one of them it accepts only their name and their phone; a
    phone of theirs is accepted only with their ID number; a triple naming neither (a newcomer
    trying the platform, a test's person) is accepted, since the fake knows nothing about them.
    """

    def __init__(self, config=None):
        pass

    def subscribers(self) -> dict[str, dict]:
        path = Path(current_app.instance_path) / DEMO_FILE
        return json.loads(path.read_text()) if path.exists() else {}

    def check(self, name, id_number, phone):
        subscribers = self.subscribers()
        known = subscribers.get(id_number)
        if known is not None:
            return known == {"name": name, "phone": phone}
        return all(entry["phone"] != phone for entry in subscribers.values())


def write_demo_subscribers(people: dict[str, dict]) -> Path:
    """Give the fake its subscribers: {ID number: {"name", "phone"}}."""
    path = Path(current_app.instance_path) / DEMO_FILE
    path.write_text(json.dumps(people, ensure_ascii=False))
    path.chmod(0o600)
    return path


def init_identity(app):
    """Set `app.extensions["identity"]` from `IDENTITY_VERIFIER`; refuse the fake in production."""
    app.extensions["identity"] = connect(app, "IDENTITY_VERIFIER",
                                         f"{__name__}:DemoIdentityVerifier", DemoIdentityVerifier)


def identity_verifier() -> IdentityVerifier:
    return current_app.extensions["identity"]
