"""What an attacker or an unusual but correct OAuth client tries against the partner API."""
from tests.partners.conftest import basic, bearer, tokens_for


def test_control_characters_at_the_token_endpoints_get_an_oauth_error(app, lender):
    api = app.test_client()
    for path, form in (("/oauth/token", {"grant_type": "refresh_token", "refresh_token": "\x00"}),
                       ("/oauth/revoke", {"token": "a\x00b"})):
        response = api.post(path, headers=basic(lender), data=form)
        assert response.status_code == 400 and response.is_json, path
        assert response.get_json()["error"] == "invalid_request"


def test_a_wrong_token_type_hint_still_revokes(app, make_resident, lender):
    """RFC 7009 §2.1: a token not found under the hint's type is looked for under the others."""
    api = app.test_client()
    tokens = tokens_for(app, make_resident(), lender)
    assert api.post("/oauth/revoke", headers=basic(lender), data={
        "token": tokens["access_token"], "token_type_hint": "refresh_token"}).status_code == 200
    assert api.get("/api/v1/partner/score",
                   headers=bearer(tokens["access_token"])).status_code == 401
    tokens = tokens_for(app, make_resident(), lender)
    assert api.post("/oauth/revoke", headers=basic(lender), data={
        "token": tokens["refresh_token"], "token_type_hint": "access_token"}).status_code == 200
    refreshed = api.post("/oauth/token", headers=basic(lender), data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 400 and refreshed.get_json()["error"] == "invalid_grant"
    assert api.get("/api/v1/partner/score",
                   headers=bearer(tokens["access_token"])).status_code == 401
