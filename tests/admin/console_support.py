"""The console in English for tests that read its messages (Chinese is the default), and the
default scheme put back after a test that published another."""
import pytest

from app.catalogue.services import load_default_scheme
from app.core.extensions import db
from app.scoring.services import rescore_all


@pytest.fixture
def console(signed_in):
    """console(role) → a test client signed in as a new operator of that role, in English."""
    def make(role="operator"):
        client = signed_in(role)
        with client.session_transaction() as session:
            session["lang"] = "en"
        return client

    return make


@pytest.fixture
def english(app):
    """Messages made outside a request (services, jobs) in English."""
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def restore_default_scheme(live_app):
    """Put the default scheme back in force, and every score with it, after a committing test
    that published another."""
    yield
    db.session.rollback()
    load_default_scheme(live_app.config["DEFAULT_SCHEME_VERSION"])
    db.session.commit()
    rescore_all(full=True)
