"""Partner institutions, their OAuth clients, residents' consents, codes and tokens.

Client secrets, authorization codes and tokens are long random strings stored as SHA-256
digests only (`app.core.crypto.hash_api_key`): a copy of the database grants nothing.
"""
import hmac
from datetime import datetime

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.crypto import hash_api_key
from app.core.db import UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow

KINDS = ("lender", "tourism", "other")
SCOPES = ("score", "report", "eligibility", "booking")


class Partner(db.Model):
    """A bank, tourism platform or other institution reading residents' credit with consent."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    # requests per partner (all its clients together), as Flask-Limiter reads it
    rate_limit: Mapped[str] = mapped_column(String(40), default="120/minute")
    # the merchant it acts as when it books benefits online (tourism partners), if any
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("merchants.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    clients: Mapped[list["PartnerClient"]] = relationship(back_populates="partner",
                                                          order_by="PartnerClient.id")

    def __repr__(self):
        return f"<Partner {self.name}>"


class PartnerClient(ClientMixin, db.Model):
    """An OAuth 2.0 confidential client of a partner (RFC 6749 §2)."""

    __tablename__ = "partner_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    # what the resident is told the data is for, and for how long a consent lasts
    purpose: Mapped[str] = mapped_column(String(200))
    consent_days: Mapped[int] = mapped_column(Integer, default=30)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner] = relationship(back_populates="clients")

    def __repr__(self):
        return f"<PartnerClient {self.client_id}>"

    # what authlib asks of a client
    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        # with several registered, the request must name one (RFC 6749 §3.1.2.3)
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope):
        """The requested scopes if the client may have them all (None otherwise); all of its
        scopes when the request names none."""
        if not scope:
            return " ".join(self.scopes)
        asked = scope.split()
        return " ".join(dict.fromkeys(asked)) if set(asked) <= set(self.scopes) else None

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(hash_api_key(client_secret), self.secret_hash)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token")


class Consent(db.Model):
    """A resident's consent for one partner client to read some scopes for a purpose."""

    __tablename__ = "partner_consents"
    __table_args__ = (Index("ix_partner_consents_resident_granted", "resident_id", "granted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("partner_clients.id"))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner] = relationship()

    def __repr__(self):
        return f"<Consent {self.id} resident={self.resident_id} partner={self.partner_id}>"


class AuthorizationCode(AuthorizationCodeMixin, db.Model):
    """A single-use authorization code with its PKCE challenge (RFC 7636)."""

    __tablename__ = "partner_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("partner_clients.id"))
    consent_id: Mapped[int] = mapped_column(ForeignKey("partner_consents.id"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(200))
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self):
        return f"<AuthorizationCode {self.id} consent={self.consent_id}>"

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope


class Token(TokenMixin, db.Model):
    """An access token and its refresh token, bound to one resident through one consent."""

    __tablename__ = "partner_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("partner_clients.id"))
    consent_id: Mapped[int] = mapped_column(ForeignKey("partner_consents.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    access_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    consent: Mapped[Consent] = relationship()
    client: Mapped[PartnerClient] = relationship()

    def __repr__(self):
        return f"<Token {self.id} consent={self.consent_id}>"

    def check_client(self, client):
        return self.client_id == client.id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return int((self.access_expires_at - self.issued_at).total_seconds())

    def is_expired(self):
        now = utcnow()
        return now >= self.access_expires_at or now >= self.consent.expires_at

    def is_revoked(self):
        return self.access_revoked_at is not None or self.consent.revoked_at is not None

    def refresh_usable(self):
        now = utcnow()
        return (self.refresh_revoked_at is None and self.consent.revoked_at is None
                and self.refresh_expires_at is not None and now < self.refresh_expires_at
                and now < self.consent.expires_at)

    def get_user(self):
        return self.resident_id

    def get_client(self):
        return self.client
