"""Credit codes: token format, signing keys and rotation, JWKS, the resident's QR code."""
import base64
import re
import time

import pytest
from nacl.signing import SigningKey, VerifyKey
from sqlalchemy import text

from app.core import crypto
from app.core.extensions import db
from app.credit_codes import codes, keys, tokens
from app.credit_codes.tokens import InvalidToken
from tests.verification_support import csrf_token, issue, login, svg_to_png, zbar_decode

QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def test_token_is_compact_alphanumeric_and_fits_qr_version_8(app, make_resident):
    resident = make_resident()
    token, expires_at = codes.issue_credit_code(resident)
    assert len(token) <= 150 and set(token) <= QR_ALPHANUMERIC
    assert codes.qr_version(token) <= 8
    assert 55 <= expires_at.timestamp() - time.time() <= 61
    checked = codes.check_token(token)
    assert checked.resident_id == resident.id and not checked.expired
    assert resident.plain_id not in token and resident.plain_id.encode() not in base64.b32decode(token + "=" * (-len(token) % 8))


def test_subject_handle_differs_on_every_token(app, make_resident):
    resident = make_resident()
    first, second = (tokens.decode(issue(resident)) for _ in range(2))
    assert first.subject != second.subject and first.token_id != second.token_id


def test_tampered_token_is_invalid(app, make_resident):
    token = issue(make_resident())
    for position in (5, 40, 100, 139):
        flipped = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1:]
        with pytest.raises(InvalidToken):
            codes.check_token(flipped)
    with pytest.raises(InvalidToken):
        codes.check_token(token[:-1])
    with pytest.raises(InvalidToken):
        codes.check_token("HELLO WORLD")


def test_expired_token_is_marked_expired(app, make_resident):
    token = issue(make_resident())
    assert codes.check_token(token, now=time.time() + 61).expired


def test_rotation_keeps_old_key_verifying_until_its_tokens_expire(app, make_resident, client):
    resident = make_resident()
    old_token = issue(resident)
    old_kid = tokens.decode(old_token).kid
    new_key = keys.rotate()
    keys.clear_cache()
    new_token = issue(resident)
    assert tokens.decode(new_token).kid == new_key.kid != old_kid
    assert codes.check_token(old_token).resident_id == resident.id
    published = {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    assert {old_kid, new_key.kid} <= published
    # once the old key's last token has expired it is no longer published nor trusted
    from datetime import timedelta

    from app.credit_codes.models import SigningKey

    old = db.session.query(SigningKey).filter_by(kid=old_kid).one()
    old.retired_at = old.retired_at - timedelta(seconds=keys.token_ttl() + 10)
    db.session.flush()
    keys.clear_cache()
    published = {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    assert old_kid not in published and new_key.kid in published
    with pytest.raises(InvalidToken):
        codes.check_token(old_token)


def test_jwks_verifies_a_token_signature(app, client, make_resident):
    token = issue(make_resident())
    claims = tokens.decode(token)
    body = client.get("/.well-known/jwks.json").get_json()
    jwk = next(k for k in body["keys"] if k["kid"] == claims.kid)
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519")
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    VerifyKey(raw).verify(claims.signed, claims.signature)


def test_private_keys_are_encrypted_at_rest(app, make_resident):
    issue(make_resident())
    key = keys.current_key()
    stored = db.session.execute(text("SELECT private_key_enc FROM signing_keys WHERE id = :id"),
                                {"id": key.id}).scalar_one()
    seed = bytes.fromhex(crypto.decrypt(bytes(stored), "signing_keys.private_key"))
    assert seed.hex().encode() not in bytes(stored) and seed not in bytes(stored)
    assert bytes(SigningKey(seed).verify_key) == key.public_key


def test_credit_code_endpoint_needs_a_resident_and_csrf(app, client, make_resident, make_merchant):
    assert client.post("/api/v1/me/credit-code").status_code == 401
    resident = make_resident()
    login(client, resident)
    refused = client.post("/api/v1/me/credit-code")
    assert refused.status_code == 400  # no CSRF token
    staff = make_merchant().plain_staff
    other = app.test_client()
    login(other, staff)
    assert other.post("/api/v1/me/credit-code",
                      headers={"X-CSRFToken": csrf_token(other)}).status_code == 401


def test_resident_gets_a_code_and_its_qr_decodes_to_exactly_the_token(app, client, make_resident,
                                                                       tmp_path):
    resident = make_resident()
    login(client, resident)
    response = client.post("/api/v1/me/credit-code", headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"token", "numeric_code", "expires_at", "qr_svg_url"}
    svg = client.get(body["qr_svg_url"])
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    png = tmp_path / "code.png"
    svg_to_png(svg.data, png)
    assert zbar_decode(png) == [body["token"]]


def test_resident_cannot_fetch_another_residents_qr(app, client, make_resident):
    mine, theirs = make_resident(), make_resident()
    login(client, mine)
    headers = {"X-CSRFToken": csrf_token(client)}
    token = issue(theirs)
    assert client.get(f"/api/v1/me/credit-code/{codes.url_handle(token)}.svg").status_code == 404
    assert client.post("/api/v1/me/credit-code/result", json={"token": token},
                       headers=headers).status_code == 404
    assert client.get(f"/api/v1/me/credit-code/{codes.url_handle(issue(mine))}.svg").status_code == 200


@pytest.mark.parametrize("handle", ["x", "A" * 300, "%00", "Zm9v", "ü"])
def test_a_made_up_qr_handle_is_not_found(app, client, make_resident, handle):
    login(client, make_resident())
    response = client.get(f"/api/v1/me/credit-code/{handle}.svg")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_live_codes_never_appear_in_a_url(app, client, make_resident, make_merchant):
    """Access logs record URLs: the QR image and the scan result are reached without the token."""
    login(client, make_resident())
    headers = {"X-CSRFToken": csrf_token(client)}
    body = client.post("/api/v1/me/credit-code", headers=headers).get_json()
    assert body["token"] not in body["qr_svg_url"]
    assert tokens.normalise(body["token"]) not in body["qr_svg_url"].upper()
    assert client.get(body["qr_svg_url"]).status_code == 200
    page = client.get("/credit-code").get_data(as_text=True)
    token = re.search(r'data-token="([A-Z2-7]+)"', page).group(1)
    urls = re.findall(r'(?:src|data-[a-z-]*url)="([^"]+)"', page)
    assert urls and not any(token in url for url in urls)
    result = client.post("/api/v1/me/credit-code/result", json={"token": token}, headers=headers)
    assert result.status_code == 200 and result.get_json()["status"] == "pending"
    # the old URLs that carried the token are gone
    assert client.get(f"/api/v1/me/credit-code/{token}/result").status_code in (404, 405)
    assert client.get(f"/api/v1/me/credit-code/{token}/events").status_code in (404, 405)


def test_credit_code_issue_is_rate_limited(app, client, make_resident):
    login(client, make_resident())
    headers = {"X-CSRFToken": csrf_token(client)}
    statuses = [client.post("/api/v1/me/credit-code", headers=headers).status_code for _ in range(14)]
    assert statuses[:12] == [200] * 12 and statuses[-1] == 429
    assert client.post("/api/v1/me/credit-code", headers=headers).get_json()["error"]["code"] == "too_many_requests"


def test_cli_rotates_and_lists_keys(app, runner, make_resident):
    issue(make_resident())
    before = keys.current_key().kid
    rotated = runner.invoke(args=["credit-keys", "rotate"])
    listed = runner.invoke(args=["credit-keys", "list"])
    assert rotated.exit_code == 0, rotated.output
    new_kid = rotated.output.split(":")[-1].strip()
    assert new_kid != before
    assert f"{before}  created" in listed.output and "retired" in listed.output
    assert f"{new_kid}  created" in listed.output and "current" in listed.output


def test_jwks_is_public_and_cacheable(app, client, make_resident):
    issue(make_resident())
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200 and "max-age" in response.headers.get("Cache-Control", "")


def _forge(resident, key, expires):
    """A token signed with `key` (as by someone holding its private half) expiring at `expires`."""
    import secrets

    token_id = secrets.token_bytes(8)
    subject = tokens.mask_subject(codes._subject_secret(), resident.id, token_id)
    return tokens.encode(key.kid, int(expires), token_id, subject, keys.signer(key))


def test_a_rotated_out_key_cannot_forge_long_lived_codes_while_workers_still_cache_it(
        app, make_resident):
    resident = make_resident()
    leaked = keys.current_key()
    codes.check_token(issue(resident))  # this worker now caches the key as current
    keys.rotate()  # on another worker: the cache here still says current
    with pytest.raises(InvalidToken):
        codes.check_token(_forge(resident, leaked, time.time() + 3600))
    with pytest.raises(InvalidToken):
        codes.check_token(_forge(resident, keys.current_key(), time.time() + keys.token_ttl() + 60))
    genuine = _forge(resident, keys.current_key(), time.time() + keys.token_ttl())
    assert codes.check_token(genuine).resident_id == resident.id


def test_a_fresh_installation_publishes_its_first_key_before_any_code(app, client, make_resident):
    from app.credit_codes.models import SigningKey

    db.session.query(SigningKey).delete()
    db.session.flush()
    keys.clear_cache()
    published = client.get("/.well-known/jwks.json").get_json()["keys"]
    assert len(published) == 1
    assert tokens.decode(issue(make_resident())).kid == published[0]["kid"]
