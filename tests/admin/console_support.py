"""The console in English for tests that read its messages (Chinese is the default)."""
import pytest


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
