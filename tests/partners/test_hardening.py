"""What an attacker or an unusual but correct OAuth client tries against the partner API."""
from tests.partners.conftest import basic


def test_control_characters_at_the_token_endpoints_get_an_oauth_error(app, lender):
    api = app.test_client()
    for path, form in (("/oauth/token", {"grant_type": "refresh_token", "refresh_token": "\x00"}),
                       ("/oauth/revoke", {"token": "a\x00b"})):
        response = api.post(path, headers=basic(lender), data=form)
        assert response.status_code == 400 and response.is_json, path
        assert response.get_json()["error"] == "invalid_request"
