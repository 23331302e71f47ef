"""A resident's consents: listed, withdrawn with one tap (page or API), every token stopped."""
from app.core.extensions import db
from app.partners.models import Consent
from tests.partners.conftest import bearer, make_client, tokens_for
from tests.resident_support import form_token, page_token, sign_in


def test_consents_are_listed_and_revoked_through_the_api(app, make_resident, lender):
    resident = make_resident()
    first = tokens_for(app, resident, lender)
    # a consent to another client (approving the same client again replaces the consent)
    refreshed = tokens_for(app, resident, make_client(), scope="score")
    web = app.test_client()
    sign_in(web, resident)
    listed = web.get("/api/v1/me/consents").get_json()["consents"]
    assert len(listed) == 2
    consent = listed[1]
    assert consent["partner"] == {"name": lender.partner.name, "kind": "lender"}
    assert consent["scopes"] == ["score", "report"] and consent["purpose"]
    assert consent["granted_at"] < consent["expires_at"]
    # without the CSRF header a cookie-authenticated DELETE is refused
    assert web.delete(f"/api/v1/me/consents/{consent['id']}").status_code in (400, 403)
    response = web.delete(f"/api/v1/me/consents/{consent['id']}",
                          headers={"X-CSRFToken": page_token(web)})
    assert response.status_code == 204
    api = app.test_client()
    assert api.get("/api/v1/partner/score",
                   headers=bearer(first["access_token"])).status_code == 401
    assert api.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"],
        "client_id": lender.client_id, "client_secret": lender.secret}).status_code == 400
    # the other consent's token still works
    assert api.get("/api/v1/partner/score",
                   headers=bearer(refreshed["access_token"])).status_code == 200
    assert [c["id"] for c in web.get("/api/v1/me/consents").get_json()["consents"]] == [
        listed[0]["id"]]


def test_a_resident_cannot_see_or_revoke_another_residents_consent(app, make_resident, lender):
    alice, bob = make_resident(), make_resident()
    tokens = tokens_for(app, alice, lender)
    alice_consent = db.session.query(Consent).filter_by(resident_id=alice.id).one()
    web = app.test_client()
    sign_in(web, bob)
    assert web.get("/api/v1/me/consents").get_json() == {"consents": []}
    response = web.delete(f"/api/v1/me/consents/{alice_consent.id}",
                          headers={"X-CSRFToken": page_token(web)})
    assert response.status_code == 404
    page = web.post(f"/consents/{alice_consent.id}/revoke",
                    data={"csrf_token": page_token(web)})
    assert page.status_code == 404
    assert app.test_client().get("/api/v1/partner/score",
                                 headers=bearer(tokens["access_token"])).status_code == 200
    assert app.test_client().get("/api/v1/me/consents").status_code == 401


def test_the_page_lists_and_revokes_with_one_tap(app, make_resident, lender):
    resident = make_resident()
    tokens = tokens_for(app, resident, lender)
    other = make_client(kind="tourism", scopes=("eligibility",), name="某文旅平台")
    tokens_for(app, resident, other, scope="eligibility")
    web = app.test_client()
    sign_in(web, resident)
    page = web.get("/consents").get_data(as_text=True)
    assert lender.partner.name in page and "某文旅平台" in page
    consent = db.session.query(Consent).filter_by(resident_id=resident.id,
                                                  partner_id=lender.partner.id).one()
    assert web.post(f"/consents/{consent.id}/revoke").status_code == 400  # no CSRF token
    response = web.post(f"/consents/{consent.id}/revoke",
                        data={"csrf_token": form_token(web, "/consents")})
    assert response.status_code == 302 and response.headers["Location"] == "/consents"
    assert app.test_client().get("/api/v1/partner/score",
                                 headers=bearer(tokens["access_token"])).status_code == 401
    page = web.get("/consents").get_data(as_text=True)
    assert f'data-testid="consent-{consent.id}"' not in page and "某文旅平台" in page
