"""What an attacker or an unusual but correct OAuth client tries against the partner API."""
from app.core.extensions import db
from app.residents.access import WHAT_BOOKING, access_log, log_access
from tests.partners.conftest import authorize_path, basic, bearer, make_client, pkce, tokens_for
from tests.resident_support import form_token, sign_in


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


def test_approving_a_client_again_replaces_the_earlier_consent(app, make_resident, lender):
    """Otherwise withdrawing "the" consent on the page would leave an older one reading on."""
    resident, api = make_resident(), app.test_client()
    other = make_client()
    kept = tokens_for(app, resident, other)
    first = tokens_for(app, resident, lender)
    second = tokens_for(app, resident, lender)
    web = app.test_client()
    sign_in(web, resident)
    listed = web.get("/api/v1/me/consents").get_json()["consents"]
    assert sorted(c["partner"]["name"] for c in listed) == sorted(
        [lender.partner.name, other.partner.name])
    refreshed = api.post("/oauth/token", headers=basic(lender), data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert refreshed.status_code == 400
    assert api.get("/api/v1/partner/score",
                   headers=bearer(first["access_token"])).status_code == 401
    for tokens in (second, kept):
        assert api.get("/api/v1/partner/score",
                       headers=bearer(tokens["access_token"])).status_code == 200
    mine, = (c for c in listed if c["partner"]["name"] == lender.partner.name)
    assert web.delete(f"/api/v1/me/consents/{mine['id']}",
                      headers={"X-CSRFToken": form_token(web, "/consents")}).status_code == 204
    assert api.get("/api/v1/partner/score",
                   headers=bearer(second["access_token"])).status_code == 401


def test_a_body_too_large_at_the_token_endpoint_gets_an_oauth_error(app, lender):
    form = {"grant_type": "authorization_code", "code": "x" * app.config["MAX_CONTENT_LENGTH"]}
    response = app.test_client().post("/oauth/token", headers=basic(lender), data=form)
    assert response.status_code == 413 and response.is_json
    assert response.get_json()["error"] == "invalid_request"


def test_a_booking_shows_in_the_access_log_as_a_booking(app, make_resident, tourism):
    resident = make_resident(records=[("tax_paid_on_time", 30)])
    token = tokens_for(app, resident, tourism, scope="booking")["access_token"]
    booked = app.test_client().post("/api/v1/partner/bookings", headers=bearer(token),
                                    json={"benefit": tourism.benefit.code, "reference": "H-1"})
    assert booked.status_code == 200
    entry, = access_log(resident.person_id)
    assert entry.who_kind == "partner" and entry.what == WHAT_BOOKING


def test_the_consent_page_cannot_be_framed(app, make_resident, lender):
    """A partner's page must not overlay the consent page and trick the resident's tap."""
    web = app.test_client()
    sign_in(web, make_resident())
    _verifier, challenge = pkce()
    page = web.get(authorize_path(lender, "score", challenge))
    assert page.status_code == 200
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_a_flood_of_reads_never_hides_an_older_one(app, make_resident):
    """A partner reading 200 times must not push an earlier reader out of the resident's view."""
    resident = make_resident()
    log_access(resident.person_id, "merchant", "早先的商户", "x", "y")
    db.session.flush()
    for _ in range(200):
        log_access(resident.person_id, "partner", "频繁查询的机构", "x", "y")
    db.session.flush()
    web = app.test_client()
    sign_in(web, resident)
    first = web.get("/api/v1/me/access-log")
    assert len(first.get_json()["entries"]) == 200
    assert {e["who"]["name"] for e in first.get_json()["entries"]} == {"频繁查询的机构"}
    assert first.headers["Link"] == '</api/v1/me/access-log?page=2>; rel="next"'
    older = web.get("/api/v1/me/access-log?page=2")
    assert [e["who"]["name"] for e in older.get_json()["entries"]] == ["早先的商户"]
    assert "Link" not in older.headers
    page = web.get("/access-log").get_data(as_text=True)
    assert "早先的商户" not in page and "/access-log?page=2" in page
    assert "早先的商户" in web.get("/access-log?page=2").get_data(as_text=True)
    for bad in ("0", "-1", "x", "99999999999"):
        assert web.get(f"/api/v1/me/access-log?page={bad}").status_code == 422
    for bad in ("0", "-1", "99999999999"):
        assert web.get(f"/access-log?page={bad}").status_code == 404
    assert web.get("/access-log?page=x").status_code == 200  # not a number: the first page


def test_a_spent_refresh_token_presented_again_stops_the_consents_tokens(app, make_resident,
                                                                          lender):
    """Refresh tokens rotate, so a spent one coming back means a copy was stolen: the thief's
    and the partner's tokens stop alike (RFC 9700 §4.14.2)."""
    api = app.test_client()
    first = tokens_for(app, make_resident(), lender)
    form = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = api.post("/oauth/token", headers=basic(lender), data=form).get_json()
    replayed = api.post("/oauth/token", headers=basic(lender), data=form)
    assert replayed.status_code == 400 and replayed.get_json()["error"] == "invalid_grant"
    assert api.get("/api/v1/partner/score",
                   headers=bearer(second["access_token"])).status_code == 401
    again = api.post("/oauth/token", headers=basic(lender), data={
        "grant_type": "refresh_token", "refresh_token": second["refresh_token"]})
    assert again.status_code == 400
