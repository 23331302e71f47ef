"""Which partner is calling the partner API, for which resident, under which consent.

The bearer token is checked on every request (no cache): a revoked consent stops at once. A
missing or bad token is 401 and a missing scope 403, both in the platform's JSON error shape with
a `WWW-Authenticate` header (RFC 6750 §3).
"""
from dataclasses import dataclass

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import MissingAuthorizationError
from authlib.oauth2.rfc6750 import InsufficientScopeError
from flask import request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from app.core.errors import ApiError
from app.partners.models import Consent, Partner, Token
from app.partners.oauth import protector


@dataclass(frozen=True)
class PartnerMerchant:
    id: int
    name: str


@dataclass(frozen=True)
class PartnerCaller:
    """A partner acting for one resident; for online bookings it acts as its merchant."""

    token: Token
    consent: Consent
    partner: Partner
    staff = None  # what the redemption lifecycle asks of a merchant caller

    @property
    def resident_id(self) -> int:
        return self.token.resident_id

    @property
    def merchant(self) -> PartnerMerchant:
        return PartnerMerchant(self.partner.merchant_id, self.partner.name)

    @property
    def actor(self) -> str:
        return f"partner:{self.partner.id}:client:{self.token.client.client_id}"


def _challenge(error: str, scope: str | None = None) -> dict:
    value = f'Bearer realm="partner", error="{error}"'
    if scope:
        value += f', scope="{scope}"'
    return {"WWW-Authenticate": value}


def _token() -> Token:
    """The request's valid access token (whatever its scopes), or ApiError 401."""
    token = request.environ.get("app.partner_token")
    if token is None:
        try:
            token = request.environ["app.partner_token"] = protector.acquire_token()
        except MissingAuthorizationError:
            raise ApiError(401, "missing_token",
                           _("Send an access token as Authorization: Bearer <token>."),
                           headers={"WWW-Authenticate": 'Bearer realm="partner"'}) from None
        except OAuth2Error:
            raise ApiError(401, "invalid_token",
                           _("The access token is expired, revoked or not known."),
                           headers=_challenge("invalid_token")) from None
    return token


def partner_caller(scope: str) -> PartnerCaller:
    """The caller, if its token is valid and carries `scope` (401 / 403 otherwise)."""
    token = _token()
    if protector.get_token_validator("bearer").scope_insufficient(token.get_scope(), [scope]):
        raise ApiError(403, "insufficient_scope",
                       _("The resident did not grant this partner the scope %(scope)s.",
                         scope=scope), {"required_scope": scope},
                       headers=_challenge(InsufficientScopeError.error, scope))
    return PartnerCaller(token, token.consent, token.client.partner)


def partner_rate_key() -> str:
    """Per partner (all its clients and residents together); per address without a token."""
    try:
        return f"partner:{_token().client.partner_id}"
    except ApiError:
        return f"ip:{get_remote_address()}"


def partner_rate_limit() -> str:
    try:
        return _token().client.partner.rate_limit
    except ApiError:
        return "60/minute"
