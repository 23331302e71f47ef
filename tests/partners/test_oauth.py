"""The authorization code flow with PKCE: consent page, codes, tokens, refresh, revocation."""
from datetime import timedelta

from sqlalchemy import update

from app.core.extensions import db
from app.core.time import utcnow
from app.partners.models import Consent, Token
from tests.partners.conftest import (
    authorize_path,
    basic,
    bearer,
    decide,
    exchange,
    pkce,
    query_of,
    tokens_for,
)
from tests.resident_support import form_token, sign_in


def test_a_resident_not_signed_in_signs_in_first_and_comes_back(app, make_resident, lender):
    resident = make_resident()
    web = app.test_client()
    _verifier, challenge = pkce()
    path = authorize_path(lender, "score report", challenge)
    login = web.get(path).headers["Location"]
    assert login.startswith("/login?next=")
    response = web.post(login, data={"phone": resident.plain_phone,
                                     "password": resident.plain_password,
                                     "csrf_token": form_token(web, login)})
    assert response.status_code == 302 and response.headers["Location"] == path
    page = web.get(path).get_data(as_text=True)
    assert lender.partner.name in page and "个人信用贷款（信易贷）申请审核" in page
    assert "30 天" in page and "您的信用分和等级" in page and "信用报告解读" in page
    assert 'name="decision" value="approve"' in page and 'name="decision" value="deny"' in page
    assert 'name="csrf_token"' in page


def test_approve_gives_a_code_that_pkce_exchanges_once(app, make_resident, lender):
    resident = make_resident()
    web = app.test_client()
    sign_in(web, resident)
    verifier, challenge = pkce()
    location, query = decide(web, authorize_path(lender, "score report", challenge, "xyz"))
    assert location.startswith(lender.redirect_uri) and query["state"] == "xyz"
    api = app.test_client()
    first = exchange(api, lender, query["code"], verifier)
    assert first.status_code == 200
    body = first.get_json()
    assert body["token_type"] == "Bearer" and body["scope"] == "score report"
    assert 0 < body["expires_in"] <= 600 and body["refresh_token"]
    assert api.get("/api/v1/partner/score", headers=bearer(body["access_token"])).status_code == 200
    again = exchange(api, lender, query["code"], verifier)
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    # a code presented twice revokes what it gave (RFC 6749 §4.1.2)
    assert api.get("/api/v1/partner/score",
                   headers=bearer(body["access_token"])).status_code == 401


def test_a_wrong_verifier_is_refused(app, make_resident, lender):
    resident = make_resident()
    web = app.test_client()
    sign_in(web, resident)
    verifier, challenge = pkce()
    _location, query = decide(web, authorize_path(lender, "score", challenge))
    other, _challenge = pkce()
    wrong = exchange(app.test_client(), lender, query["code"], other)
    assert wrong.status_code == 400 and wrong.get_json()["error"] == "invalid_grant"
    missing = app.test_client().post("/oauth/token", headers=basic(lender), data={
        "grant_type": "authorization_code", "code": query["code"],
        "redirect_uri": lender.redirect_uri})
    assert missing.status_code == 400 and missing.get_json()["error"] == "invalid_request"


def test_pkce_s256_is_required(app, make_resident, lender):
    resident = make_resident()
    web = app.test_client()
    sign_in(web, resident)
    _verifier, challenge = pkce()
    for path in (authorize_path(lender, "score", None, code_challenge_method=None),
                 authorize_path(lender, "score", challenge, code_challenge_method="plain")):
        response = web.get(path)
        assert response.status_code == 302
        query = query_of(response.headers["Location"])
        assert query["error"] == "invalid_request" and query["state"] == "st-1"


def test_refusing_sends_access_denied(app, make_resident, lender):
    resident = make_resident()
    web = app.test_client()
    sign_in(web, resident)
    _verifier, challenge = pkce()
    _location, query = decide(web, authorize_path(lender, "score", challenge), "deny")
    assert query["error"] == "access_denied" and query["state"] == "st-1" and "code" not in query
    assert db.session.query(Consent).filter_by(resident_id=resident.id).count() == 0


def test_unknown_client_or_redirect_is_never_followed(app, make_resident, lender):
    resident = make_resident()
    web = app.test_client()
    sign_in(web, resident)
    _verifier, challenge = pkce()
    lender.redirect_uri = "https://evil.example/cb"
    assert web.get(authorize_path(lender, "score", challenge)).status_code == 400
    lender.client_id = "no-such-client"
    assert web.get(authorize_path(lender, "score", challenge)).status_code == 400


def test_a_scope_the_client_may_not_have_is_refused(app, make_resident, lender):
    resident = make_resident()
    web = app.test_client()
    sign_in(web, resident)
    _verifier, challenge = pkce()
    response = web.get(authorize_path(lender, "score booking", challenge))
    assert query_of(response.headers["Location"])["error"] == "invalid_scope"


def test_the_consent_form_needs_its_csrf_token(app, make_resident, lender):
    resident = make_resident()
    web = app.test_client()
    sign_in(web, resident)
    _verifier, challenge = pkce()
    response = web.post(authorize_path(lender, "score", challenge), data={"decision": "approve"})
    assert response.status_code == 400
    assert db.session.query(Consent).filter_by(resident_id=resident.id).count() == 0


def test_client_secret_post_and_a_wrong_secret(app, make_resident, lender):
    resident = make_resident()
    web = app.test_client()
    sign_in(web, resident)
    verifier, challenge = pkce()
    _location, query = decide(web, authorize_path(lender, "score", challenge))
    form = {"grant_type": "authorization_code", "code": query["code"],
            "redirect_uri": lender.redirect_uri, "code_verifier": verifier,
            "client_id": lender.client_id, "client_secret": "wrong"}
    api = app.test_client()
    assert api.post("/oauth/token", data=form).status_code in (400, 401)
    form["client_secret"] = lender.secret
    assert api.post("/oauth/token", data=form).status_code == 200


def test_refresh_tokens_rotate(app, make_resident, lender):
    tokens = tokens_for(app, make_resident(), lender)
    api = app.test_client()
    refreshed = api.post("/oauth/token", headers=basic(lender), data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.get_data(as_text=True)
    new = refreshed.get_json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert api.get("/api/v1/partner/score", headers=bearer(new["access_token"])).status_code == 200
    # the old pair is spent: its access token and refresh token stop
    assert api.get("/api/v1/partner/score",
                   headers=bearer(tokens["access_token"])).status_code == 401
    reused = api.post("/oauth/token", headers=basic(lender), data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert reused.status_code == 400 and reused.get_json()["error"] == "invalid_grant"


def test_revocation_rfc7009(app, make_resident, lender):
    tokens = tokens_for(app, make_resident(), lender)
    api = app.test_client()
    assert api.post("/oauth/revoke", headers=basic(lender),
                    data={"token": "made-up"}).status_code == 200
    response = api.post("/oauth/revoke", headers=basic(lender),
                        data={"token": tokens["refresh_token"],
                              "token_type_hint": "refresh_token"})
    assert response.status_code == 200
    assert api.get("/api/v1/partner/score",
                   headers=bearer(tokens["access_token"])).status_code == 401
    again = api.post("/oauth/token", headers=basic(lender), data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert again.status_code == 400


def test_another_client_cannot_revoke_or_refresh_my_tokens(app, make_resident, lender):
    from tests.partners.conftest import make_client

    other = make_client()
    tokens = tokens_for(app, make_resident(), lender)
    api = app.test_client()
    assert api.post("/oauth/token", headers=basic(other), data={
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"]}).status_code == 400
    api.post("/oauth/revoke", headers=basic(other), data={"token": tokens["access_token"]})
    assert api.get("/api/v1/partner/score",
                   headers=bearer(tokens["access_token"])).status_code == 200


def test_expired_revoked_and_made_up_tokens_are_401(app, make_resident, lender):
    api = app.test_client()
    expired = tokens_for(app, make_resident(), lender)
    db.session.execute(update(Token).values(access_expires_at=utcnow() - timedelta(seconds=1)))
    made_up = "x" * 42
    for headers in (bearer(expired["access_token"]), bearer(made_up), {}):
        response = api.get("/api/v1/partner/score", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="partner"')
        assert set(response.get_json()["error"]) == {"code", "message", "details"}
    # a consent past its end stops its tokens too, whatever the token's own lifetime
    fresh = tokens_for(app, make_resident(), lender)
    db.session.execute(update(Consent).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert api.get("/api/v1/partner/score",
                   headers=bearer(fresh["access_token"])).status_code == 401


def test_a_missing_scope_is_403(app, make_resident, lender):
    tokens = tokens_for(app, make_resident(), lender, scope="score")
    response = app.test_client().get("/api/v1/partner/report",
                                     headers=bearer(tokens["access_token"]))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_no_token_outlives_its_consent(app, make_resident, lender):
    resident = make_resident()
    web = app.test_client()
    sign_in(web, resident)
    verifier, challenge = pkce()
    _location, query = decide(web, authorize_path(lender, "score", challenge))
    db.session.execute(update(Consent).values(expires_at=utcnow() + timedelta(seconds=100)))
    body = exchange(app.test_client(), lender, query["code"], verifier).get_json()
    assert 0 < body["expires_in"] <= 100
    token = db.session.query(Token).filter_by(resident_id=resident.id).one()
    consent = db.session.get(Consent, token.consent_id)
    assert token.refresh_expires_at == consent.expires_at
