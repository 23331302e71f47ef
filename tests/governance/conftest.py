import pytest


@pytest.fixture
def api(app):
    """A second client without the resident's session, for departments' key-authenticated calls."""
    return app.test_client()
