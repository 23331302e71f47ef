"""Partner organisations and their OAuth clients: what the CLI and the operators' console call.

A client secret is shown once, when it is made, and stored hashed.
"""
import secrets
from urllib.parse import urlsplit

from limits import parse
from sqlalchemy import select, update

from app.benefits.models import Benefit
from app.core.audit import audit
from app.core.crypto import hash_api_key
from app.core.extensions import db
from app.core.time import utcnow
from app.core.validation import MAX_ROW_ID
from app.merchants.models import Merchant
from app.merchants.services import create_merchant, normalise_credit_code
from app.partners.models import KINDS, SCOPES, Partner, PartnerClient

DEFAULT_CONSENT_DAYS = 30  # a loan application's review


def create_partner(name: str, kind: str, credit_code: str, rate_limit="120/minute",
                   actor="system") -> Partner:
    """A partner organisation; raise ValueError on a bad kind, credit code or rate limit."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 120:
        raise ValueError("the name must have 1 to 120 characters")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    check_rate_limit(rate_limit)
    partner = Partner(name=name, kind=kind, credit_code=normalise_credit_code(credit_code),
                      rate_limit=rate_limit)
    if partner_by_credit_code(partner.credit_code) is not None:
        raise ValueError("a partner with this credit code exists already")
    db.session.add(partner)
    db.session.flush()
    audit(actor, "partner.created", "partner", partner.id,
          data={"name": name, "kind": kind, "credit_code": partner.credit_code})
    return partner


def check_rate_limit(value: str) -> None:
    try:
        parse(value)
    except ValueError as exc:
        raise ValueError(f"not a rate limit such as 120/minute: {value}") from exc


def offer_online(partner: Partner, benefit_codes, actor="system") -> Merchant:
    """Let the partner book these benefits online: it acts as a merchant offering them (its
    own, under the same credit code), so bookings follow the counter's redemption lifecycle."""
    benefits = list(db.session.scalars(select(Benefit).where(Benefit.code.in_(benefit_codes))))
    unknown = set(benefit_codes) - {b.code for b in benefits}
    if unknown:
        raise ValueError(f"unknown benefit(s): {', '.join(sorted(unknown))}")
    merchant = db.session.get(Merchant, partner.merchant_id) if partner.merchant_id else None
    if merchant is None:
        merchant = db.session.scalar(select(Merchant).filter_by(credit_code=partner.credit_code))
        merchant = merchant or create_merchant(partner.name, partner.credit_code)
        partner.merchant_id = merchant.id
    merchant.benefits = benefits
    db.session.flush()
    audit(actor, "partner.offers", "partner", partner.id,
          data={"merchant_id": merchant.id, "benefits": sorted(benefit_codes)})
    return merchant


def check_redirect_uri(uri: str) -> str:
    parts = urlsplit(uri)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.fragment or (
            parts.scheme == "http" and not local):
        raise ValueError(f"a redirect URI must be https (http only on loopback), "
                         f"without a fragment: {uri}")
    return uri


def add_client(partner: Partner, redirect_uris, scopes, purpose: str,
               consent_days=DEFAULT_CONSENT_DAYS, client_id: str | None = None,
               secret: str | None = None, actor="system") -> tuple[PartnerClient, str]:
    """A new OAuth client of the partner; returns it with its secret (shown only now)."""
    scopes = list(dict.fromkeys(scopes))
    if not scopes or set(scopes) - set(SCOPES):
        raise ValueError(f"scopes must be some of {', '.join(SCOPES)}")
    if "booking" in scopes and partner.merchant_id is None:
        raise ValueError("the booking scope needs benefits the partner offers online")
    uris = [check_redirect_uri(u) for u in redirect_uris]
    if not uris:
        raise ValueError("give at least one redirect URI")
    purpose = (purpose or "").strip()
    if not 1 <= len(purpose) <= 200:
        raise ValueError("the purpose must have 1 to 200 characters")
    if not 1 <= int(consent_days) <= 365:
        raise ValueError("a consent lasts 1 to 365 days")
    secret = secret or secrets.token_urlsafe(32)
    client = PartnerClient(partner=partner, client_id=client_id or f"pc_{secrets.token_hex(12)}",
                           secret_hash=hash_api_key(secret), redirect_uris=uris, scopes=scopes,
                           purpose=purpose, consent_days=int(consent_days))
    db.session.add(client)
    db.session.flush()
    audit(actor, "partner.client_added", "partner_client", client.client_id,
          data={"partner_id": partner.id, "scopes": scopes, "redirect_uris": uris})
    return client, secret


def new_secret(client: PartnerClient, actor="system") -> str | None:
    """Replace the client's secret; the old one stops working at once. None if the secret
    changed since `client` was read (another rotation won: one conditional UPDATE, so no
    secret is handed out that was overwritten at once)."""
    secret = secrets.token_urlsafe(32)
    rotated = db.session.execute(
        update(PartnerClient).where(PartnerClient.id == client.id,
                                    PartnerClient.secret_hash == client.secret_hash)
        .values(secret_hash=hash_api_key(secret))
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(client)
    if rotated != 1:
        return None
    audit(actor, "partner.secret_rotated", "partner_client", client.client_id)
    db.session.flush()
    return secret


def revoke_client(client: PartnerClient, actor="system") -> None:
    """Stop the client: no new authorizations, tokens or reads."""
    client.revoked_at = client.revoked_at or utcnow()
    audit(actor, "partner.client_revoked", "partner_client", client.client_id)
    db.session.flush()


def set_active(partner: Partner, active: bool, actor="system") -> None:
    partner.active = active
    audit(actor, "partner.activated" if active else "partner.deactivated", "partner", partner.id)
    db.session.flush()


def partner_by_credit_code(code: str) -> Partner | None:
    return db.session.scalar(select(Partner).filter_by(credit_code=code.upper()))


def find_partner(ref: str) -> Partner | None:
    """A partner by unified social credit code (always 18 characters, often digits only) or by
    id (the command line takes either)."""
    if len(ref) == 18:
        return partner_by_credit_code(ref)
    if ref.isdigit() and int(ref) <= MAX_ROW_ID:
        return db.session.get(Partner, int(ref))
    return None


def all_partners() -> list[Partner]:
    return list(db.session.scalars(select(Partner).order_by(Partner.id)))


def find_client(client_id: str) -> PartnerClient | None:
    """A live client of an active partner, or None."""
    client = db.session.scalar(select(PartnerClient).filter_by(client_id=client_id))
    if client is None or client.revoked_at is not None or not client.partner.active:
        return None
    return client
