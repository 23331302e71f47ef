"""Residents' consents to partners, and the codes and tokens issued under them.

A consent is made when the resident approves; its code is single-use (a conditional UPDATE
claims it, so of two exchanges racing only one gets tokens) and its tokens live no longer than
the consent. Revoking a consent stops every one of its tokens in the same transaction.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.core.audit import audit
from app.core.crypto import hash_api_key
from app.core.extensions import db
from app.core.time import utcnow
from app.partners.models import AuthorizationCode, Consent, PartnerClient, Token
from app.residents.models import Resident

CODE_SECONDS = 300
ACCESS_SECONDS = 600  # access tokens are short-lived; partners refresh them


def grant_consent(resident: Resident, client: PartnerClient, scope: str) -> Consent:
    """A new consent to the client; it replaces the resident's earlier one to the same client
    (whose tokens stop), so "my authorisations" lists one per client and one tap withdraws it."""
    # one approval per resident at a time, so that two at once cannot both find none earlier
    db.session.execute(select(Resident.id).where(Resident.id == resident.id).with_for_update())
    now = utcnow()
    earlier = list(db.session.scalars(
        update(Consent).where(Consent.resident_id == resident.id, Consent.client_id == client.id,
                              Consent.revoked_at.is_(None), Consent.expires_at > now)
        .values(revoked_at=now).returning(Consent.id)
        .execution_options(synchronize_session=False)))
    for consent_id in earlier:
        revoke_consent_tokens(consent_id, now)
        audit(f"resident:{resident.id}", "consent.superseded", "partner_consent", consent_id,
              subject_id=resident.person_id, data={"partner_id": client.partner_id})
    consent = Consent(resident_id=resident.id, partner_id=client.partner_id, client_id=client.id,
                      scopes=scope.split(), purpose=client.purpose, granted_at=now,
                      expires_at=now + timedelta(days=client.consent_days))
    db.session.add(consent)
    db.session.flush()
    audit(f"resident:{resident.id}", "consent.granted", "partner_consent", consent.id,
          subject_id=resident.person_id,
          data={"partner_id": client.partner_id, "client_id": client.client_id,
                "scopes": consent.scopes, "expires_at": consent.expires_at.isoformat()})
    return consent


def save_code(code: str, client: PartnerClient, consent: Consent, redirect_uri: str, scope: str,
              challenge: str, method: str) -> None:
    db.session.add(AuthorizationCode(
        code_hash=hash_api_key(code), client_id=client.id, consent_id=consent.id,
        redirect_uri=redirect_uri, scope=scope, code_challenge=challenge,
        code_challenge_method=method, expires_at=utcnow() + timedelta(seconds=CODE_SECONDS)))
    db.session.flush()


@dataclass
class Claim:
    code: AuthorizationCode | None
    reused: bool = False  # the code was exchanged before: its tokens must be revoked


def claim_code(code: str, client: PartnerClient) -> Claim:
    """Take the client's unexpired code for this exchange, once ever."""
    code_hash, now = hash_api_key(code), utcnow()
    taken = db.session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.code_hash == code_hash,
               AuthorizationCode.client_id == client.id,
               AuthorizationCode.used_at.is_(None), AuthorizationCode.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    row = db.session.scalar(select(AuthorizationCode).filter_by(code_hash=code_hash,
                                                                client_id=client.id))
    if taken:
        db.session.refresh(row)
        return Claim(row)
    return Claim(None, reused=row is not None and row.used_at is not None)


def revoke_consent_tokens(consent_id: int, now: datetime | None = None) -> int:
    """Stop every token of the consent; returns how many were live."""
    now = now or utcnow()
    access = db.session.execute(
        update(Token).where(Token.consent_id == consent_id, Token.access_revoked_at.is_(None))
        .values(access_revoked_at=now).execution_options(synchronize_session=False)).rowcount
    db.session.execute(
        update(Token).where(Token.consent_id == consent_id, Token.refresh_revoked_at.is_(None))
        .values(refresh_revoked_at=now).execution_options(synchronize_session=False))
    return access


def revoke_reused_code(code: str, client: PartnerClient) -> None:
    """A code presented again: revoke what it gave (RFC 6749 §4.1.2)."""
    row = db.session.scalar(select(AuthorizationCode).filter_by(code_hash=hash_api_key(code),
                                                                client_id=client.id))
    if row is not None:
        revoke_consent_tokens(row.consent_id)
        audit(f"partner_client:{client.client_id}", "consent.code_reused", "partner_consent",
              row.consent_id)


def revoke_replayed_refresh(consent_id: int, client: PartnerClient) -> None:
    """A spent refresh token presented again: stop every token of its consent, the thief's and
    the partner's alike (OAuth 2.0 Security BCP, RFC 9700 §4.14.2); the partner asks anew."""
    revoke_consent_tokens(consent_id)
    audit(f"partner_client:{client.client_id}", "consent.refresh_reused", "partner_consent",
          consent_id)


def save_token(token: dict, client: PartnerClient, consent: Consent) -> Token:
    now = utcnow()
    refresh = token.get("refresh_token")
    row = Token(client_id=client.id, consent_id=consent.id, resident_id=consent.resident_id,
                access_hash=hash_api_key(token["access_token"]),
                refresh_hash=hash_api_key(refresh) if refresh else None,
                scope=token.get("scope") or " ".join(consent.scopes), issued_at=now,
                access_expires_at=now + timedelta(seconds=int(token["expires_in"])),
                refresh_expires_at=consent.expires_at if refresh else None)
    db.session.add(row)
    db.session.flush()
    return row


def access_seconds(consent: Consent) -> int:
    """An access token's lifetime: short, and never past its consent."""
    left = int((consent.expires_at - utcnow()).total_seconds())
    return max(1, min(ACCESS_SECONDS, left))


def token_by_access(access_token: str) -> Token | None:
    return db.session.scalar(select(Token).filter_by(access_hash=hash_api_key(access_token)))


def token_by_refresh(refresh_token: str) -> Token | None:
    return db.session.scalar(select(Token).filter_by(refresh_hash=hash_api_key(refresh_token)))


def retire_refresh(token: Token) -> bool:
    """Use up a refresh token (it is rotated); False if another request used it first."""
    now = utcnow()
    changed = db.session.execute(
        update(Token).where(Token.id == token.id, Token.refresh_revoked_at.is_(None))
        .values(refresh_revoked_at=now, access_revoked_at=now)
        .execution_options(synchronize_session=False)).rowcount
    return bool(changed)


def revoke_token(token: Token, refresh_too: bool) -> None:
    """RFC 7009: revoking a refresh token also stops its access token."""
    now = utcnow()
    token.access_revoked_at = token.access_revoked_at or now
    if refresh_too:
        token.refresh_revoked_at = token.refresh_revoked_at or now
    db.session.flush()


def consents_of(resident_id: int, include_past=False) -> list[Consent]:
    """The resident's consents, newest first: in force only, unless `include_past`."""
    query = select(Consent).where(Consent.resident_id == resident_id)
    if not include_past:
        query = query.where(Consent.revoked_at.is_(None), Consent.expires_at > utcnow())
    return list(db.session.scalars(query.order_by(Consent.granted_at.desc(), Consent.id.desc())))


def consent_of(resident: Resident, consent_id: int) -> Consent | None:
    """The resident's own consent with this id (another's looks missing)."""
    consent = db.session.get(Consent, consent_id)
    return consent if consent is not None and consent.resident_id == resident.id else None


def revoke_consent(resident: Resident, consent: Consent) -> None:
    """Withdraw the consent: it and every token under it stop at once. Repeating is harmless."""
    now = utcnow()
    changed = db.session.execute(
        update(Consent).where(Consent.id == consent.id, Consent.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)).rowcount
    revoke_consent_tokens(consent.id, now)
    db.session.refresh(consent)
    if changed:
        audit(f"resident:{resident.id}", "consent.revoked", "partner_consent", consent.id,
              subject_id=resident.person_id, data={"partner_id": consent.partner_id})
