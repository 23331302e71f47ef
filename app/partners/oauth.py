"""The OAuth 2.0 authorization server (authlib): authorization code with PKCE S256 required,
refresh tokens (rotated), revocation (RFC 7009), and the bearer-token check of the partner API.

Codes and tokens are stored hashed (`partners.consents`); every token is bound to one consent,
hence to one resident. The views (`/oauth/token`, `/oauth/revoke` here, `/oauth/authorize` in the
residents' web) commit only a successful answer.
"""
from authlib.common.security import generate_token
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator, InvalidTokenError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import request as http_request

from app.core.crypto import hash_api_key
from app.core.extensions import db
from app.core.time import utcnow
from app.partners import consents
from app.partners.models import SCOPES, Consent
from app.partners.services import find_client
from app.residents.services import open_account

CLIENT_AUTH = ["client_secret_basic", "client_secret_post"]


class S256Challenge(CodeChallenge):
    """PKCE on every authorization request, S256 only (RFC 7636 §4.2; `plain` is refused)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE (S256) is required.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


def _live_consent(consent_id) -> Consent | None:
    consent = db.session.get(Consent, consent_id)
    if consent is None or consent.revoked_at is not None or consent.expires_at <= utcnow():
        return None
    return consent


class _ConsentLifetime:
    """Access tokens last `consents.ACCESS_SECONDS`, never past their consent."""

    def generate_token(self, user=None, scope=None, grant_type=None, expires_in=None,
                       include_refresh_token=True):
        return super().generate_token(
            user=user, scope=scope, grant_type=grant_type,
            expires_in=consents.access_seconds(self.request.consent),
            include_refresh_token=include_refresh_token)


class AuthorizationCodeGrant(_ConsentLifetime, grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH

    def save_authorization_code(self, code, request):
        consent = consents.grant_consent(request.user, request.client, request.scope)
        data = request.payload.data
        consents.save_code(code, request.client, consent, request.payload.redirect_uri or "",
                           request.scope, data["code_challenge"], data["code_challenge_method"])

    def query_authorization_code(self, code, client):
        claim = consents.claim_code(code, client)
        if claim.reused:
            http_request.environ["app.partner_reused_code"] = (code, client)
        return claim.code

    def delete_authorization_code(self, authorization_code):
        """Nothing to delete: the code was marked used when it was claimed."""

    def authenticate_user(self, authorization_code):
        consent = _live_consent(authorization_code.consent_id)
        if consent is None:
            return None
        self.request.consent = consent
        return open_account(consent.resident_id)


class RefreshTokenGrant(_ConsentLifetime, grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotated: each refresh token works once

    def authenticate_refresh_token(self, refresh_token):
        token = consents.token_by_refresh(refresh_token)
        if token is None or not token.refresh_usable():
            if token is not None and token.refresh_revoked_at is not None \
                    and token.check_client(self.request.client):
                # a spent refresh token again: stolen, and either copy may be the thief's
                http_request.environ["app.partner_replayed_refresh"] = (token.consent_id,
                                                                       self.request.client)
            return None
        self.request.consent = token.consent
        return token

    def authenticate_user(self, refresh_token):
        return open_account(refresh_token.resident_id)

    def revoke_old_credential(self, refresh_token):
        if not consents.retire_refresh(refresh_token):
            raise InvalidGrantError("The refresh token was already used.")


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = CLIENT_AUTH

    def query_token(self, token_string, token_type_hint):
        """The hint only orders the search: a token not found as that type is looked for as
        the other (RFC 7009 §2.1)."""
        lookups = [consents.token_by_access, consents.token_by_refresh]
        if token_type_hint == "refresh_token":
            lookups.reverse()
        return next((found for lookup in lookups
                     if (found := lookup(token_string)) is not None), None)

    def revoke_token(self, token, request):
        refresh_too = token.refresh_hash == hash_api_key(request.form["token"])
        consents.revoke_token(token, refresh_too)


def _save_token(token, request):
    consents.save_token(token, request.client, request.consent)


server = AuthorizationServer(query_client=find_client, save_token=_save_token)
server.scopes_supported = list(SCOPES)
server.register_token_generator("default", BearerTokenGenerator(
    lambda *args, **kwargs: generate_token(42), lambda *args, **kwargs: generate_token(48),
    lambda client, grant_type: consents.ACCESS_SECONDS))
server.register_grant(AuthorizationCodeGrant, [S256Challenge(required=True)])
server.register_grant(RefreshTokenGrant)
server.register_endpoint(Revocation)


class PartnerTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return consents.token_by_access(token_string)

    def validate_token(self, token, scopes, request):
        if token is not None and (token.client.revoked_at is not None
                                  or not token.client.partner.active):
            raise InvalidTokenError(realm=self.realm)
        super().validate_token(token, scopes, request)


protector = ResourceProtector()
protector.register_token_validator(PartnerTokenValidator(realm="partner"))
