"""Verifying a credit code for a benefit: signature, expiry, single use, offer, eligibility, limits.

The unique `redemptions.token_id` is the barrier against double redemption, and the resident's
query reads whether the token was redeemed in the same round trip, so Redis decides nothing here.
Benefits, who offers them and the scheme's rules are cached for `OFFER_SECONDS`: a change to a
benefit or an offer reaches every worker within that time.
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timezone
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, func, select, text

from app.benefits.models import Benefit, merchant_benefits
from app.catalogue.services import current_scheme, rules_for
from app.core.audit import audit
from app.core.db import conflict_insert
from app.core.crypto import decrypt, mask_name
from app.core.errors import ApiError
from app.core.http import select_locale
from app.core.time import CITY_TZ, city_today, utcnow
from app.extensions import db
from app.scoring.models import Score
from app.residents.models import Person, Resident
from app.records.models import CreditRecord
from app.scoring.services import explain, serious_record_in_force
from app.verification import codes
from app.verification.cache import TtlCache
from app.verification.models import Redemption, VerificationReplay
from app.verification.tokens import InvalidToken

REASONS = ("expired", "already_used", "invalid", "not_eligible", "not_offered", "limit_reached")
_PERSON_LOCK = 7_240_100  # advisory-lock namespace: one verification per person at a time
OFFER_SECONDS = 10
offers = TtlCache(OFFER_SECONDS)  # (merchant id, benefit code) -> (BenefitTerms, offered)
schemes = TtlCache(30)  # None -> SchemeRules of the current scheme


@dataclass(frozen=True)
class BenefitTerms:
    """The columns of a benefit that a verification reads."""

    id: int
    code: str
    name: str
    name_en: str
    min_tier: str | None
    min_score: int | None
    limit_count: int | None
    limit_period: str | None
    valid_from: date | None
    valid_until: date | None
    active: bool


@dataclass(frozen=True)
class SchemeRules:
    serious_types: tuple[str, ...]
    tiers: dict  # tier code -> lowest score


@dataclass
class Decision:
    body: dict
    token_id: str | None = None
    resident_id: int | None = None
    person_id: int | None = None
    live: dict = field(default_factory=dict)


def find_benefit(code) -> Benefit:
    benefit = db.session.scalar(select(Benefit).filter_by(code=code))
    if benefit is None:
        raise ApiError(422, "unknown_benefit", _("There is no benefit with this code."),
                       {"benefit": code})
    return benefit


def benefit_name(benefit) -> str:
    # the locale selector's answer as is: flask-babel's get_locale() parses it into a babel
    # Locale, which costs more than the rest of a verification's Python work
    return benefit.name_en if select_locale() == "en" else benefit.name


def verify(caller, token_text: str, benefit_code: str) -> Decision:
    """Decide one scan; inserts a redemption when granted and audits every decision.

    The hot path of the platform, so it is written for few round trips: the benefit and whether
    this merchant offers it come from a short-lived cache, then one query for the resident (with
    their score, serious records and whether the token was already redeemed), one insert and
    the audit entry.
    """
    benefit, offered = offers.get((caller.merchant.id, benefit_code),
                                  lambda: _benefit_offer(caller.merchant.id, benefit_code))
    body = {"decision": "denied", "reason": None,
            "benefit": {"code": benefit.code, "name": benefit_name(benefit)},
            "resident": {"masked_name": None}}
    decision = Decision(body)
    try:
        checked = codes.check_token(token_text)
    except InvalidToken:
        return _deny(caller, decision, benefit, "invalid")
    subject = _subject(checked.resident_id, checked.claims.token_id_hex)
    if subject is None:
        return _deny(caller, decision, benefit, "invalid")
    decision.token_id, decision.resident_id = checked.claims.token_id_hex, subject.resident_id
    decision.person_id = subject.person_id
    body["resident"]["masked_name"] = mask_name(decrypt(subject.name_enc, "persons.name"))
    if checked.expired:
        return _deny(caller, decision, benefit, "expired")
    if subject.redeemed:
        return _deny(caller, decision, benefit, "already_used")
    if not offered or not _in_validity(benefit):
        return _deny(caller, decision, benefit, "not_offered")
    if subject.consented_at is None or not _eligible(subject, benefit):
        return _deny(caller, decision, benefit, "not_eligible")
    reason, redemption_id = _redeem(caller, subject, benefit, decision.token_id)
    if reason:
        return _deny(caller, decision, benefit, reason)
    body.update(decision="granted", redemption_id=redemption_id)
    audit(caller.actor, "verification.granted", "redemption", redemption_id,
          subject_id=subject.person_id,
          data={"merchant_id": caller.merchant.id, "benefit": benefit.code})
    decision.live = _live_body(caller, body)
    return decision


def _deny(caller, decision, benefit, reason):
    decision.body["reason"] = reason
    audit(caller.actor, "verification.denied", "credit_code", decision.token_id,
          subject_id=decision.person_id,
          data={"merchant_id": caller.merchant.id, "benefit": benefit.code, "reason": reason})
    decision.live = _live_body(caller, decision.body)
    return decision


def _live_body(caller, body):
    return {"status": "scanned", "decision": body["decision"], "reason": body["reason"],
            "benefit": body["benefit"], "merchant": caller.merchant.name,
            "at": utcnow().isoformat()}


def _benefit_offer(merchant_id, code) -> tuple[BenefitTerms, bool]:
    offered = select(merchant_benefits.c.benefit_id).where(
        merchant_benefits.c.merchant_id == merchant_id,
        merchant_benefits.c.benefit_id == Benefit.id).exists()
    columns = [getattr(Benefit, name) for name in BenefitTerms.__dataclass_fields__]
    row = db.session.execute(select(*columns, offered.label("offered")).filter_by(code=code)).first()
    if row is None:
        raise ApiError(422, "unknown_benefit", _("There is no benefit with this code."),
                       {"benefit": code})
    return BenefitTerms(*row[:-1]), bool(row.offered)


# built once: constructing a statement costs more Python time than running this one
_SUBJECT = (
    select(Resident.id.label("resident_id"), Resident.person_id, Resident.consented_at,
           Person.name_enc, Score.score,
           select(Redemption.id).where(Redemption.token_id == bindparam("token_id"))
           .exists().label("redeemed"),
           # the same test as scoring.engine.has_serious_in_force, done where the records are
           select(CreditRecord.id).where(
               CreditRecord.person_id == Resident.person_id, CreditRecord.status == "active",
               CreditRecord.ended_on.is_(None),
               CreditRecord.type_code.in_(bindparam("serious", expanding=True)))
           .exists().label("serious_in_force"))
    .join(Person, Person.id == Resident.person_id)
    .outerjoin(Score, Score.person_id == Resident.person_id)
    .where(Resident.id == bindparam("resident_id")))


def _subject(resident_id, token_id):
    """The resident behind a token, in one query: their person, stored score, whether an
    active serious record stands against them, and whether this token was already redeemed."""
    return db.session.connection().execute(_SUBJECT, {
        "resident_id": resident_id, "token_id": token_id,
        "serious": list(_scheme_rules().serious_types)}).first()


def _in_validity(benefit) -> bool:
    if not benefit.active:
        return False
    today = city_today()
    return not ((benefit.valid_from and today < benefit.valid_from) or (
        benefit.valid_until and today > benefit.valid_until))


def _scheme_rules() -> SchemeRules:
    """The current scheme's serious record types and tier thresholds (cached)."""
    def load():
        scheme = current_scheme()
        serious = tuple(code for code, rule in rules_for(scheme).types.items()
                        if rule.severity == "serious")
        return SchemeRules(serious, {t.code: t.min_score for t in scheme.tiers})

    return schemes.get(None, load)


def threshold(benefit) -> int:
    """The lowest score the benefit accepts (its minimum tier and/or minimum score)."""
    needed = benefit.min_score or 0
    if benefit.min_tier:
        needed = max(needed, _scheme_rules().tiers.get(benefit.min_tier, 10**6))
    return needed


def _eligible(subject, benefit) -> bool:
    if subject.serious_in_force:
        return False
    score = subject.score if subject.score is not None else explain(subject.person_id).score
    return score >= threshold(benefit)


def eligible(person_id, benefit) -> bool:
    """Eligible now: the stored score reaches the benefit's threshold and no serious record."""
    if serious_record_in_force(person_id):
        return False
    stored = db.session.get(Score, person_id)
    score = stored.score if stored is not None else explain(person_id).score
    return score >= threshold(benefit)


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    local = (now or utcnow()).astimezone(CITY_TZ).date()
    start = {"day": local, "month": local.replace(day=1),
             "year": local.replace(month=1, day=1)}.get(period)
    if start is None:
        return None
    return datetime.combine(start, dtime(0), CITY_TZ).astimezone(timezone.utc)


@cache
def _redemption_insert(dialect_name):
    """INSERT … ON CONFLICT (token_id) DO NOTHING RETURNING id, built once per dialect."""
    insert = conflict_insert(dialect_name)
    columns = ("token_id", "person_id", "resident_id", "merchant_id", "benefit_id", "staff_id",
               "status", "granted_at", "note")
    return (insert(Redemption.__table__)
            .values({name: bindparam(name, type_=Redemption.__table__.c[name].type)
                     for name in columns})
            .on_conflict_do_nothing(index_elements=["token_id"])
            .returning(Redemption.__table__.c.id))


def _redeem(caller, subject, benefit, token_id):
    """Insert the redemption (the unique token id decides races), then check the period limit
    counting it; returns (reason, redemption id)."""
    session = db.session
    connection = session.connection()
    dialect_name = connection.dialect.name
    start = period_start(benefit.limit_period) if benefit.limit_count else None
    if start is not None and dialect_name == "postgresql":
        # serialises one person's scans of limited benefits, so two tokens cannot both slip
        # under the limit (SQLite serialises writers already)
        session.execute(text("SELECT pg_advisory_xact_lock(:ns, :p)"),
                        {"ns": _PERSON_LOCK, "p": subject.person_id})
    redemption_id = connection.execute(_redemption_insert(dialect_name), {
        "token_id": token_id, "person_id": subject.person_id,
        "resident_id": subject.resident_id, "merchant_id": caller.merchant.id,
        "benefit_id": benefit.id, "staff_id": caller.staff.id if caller.staff else None,
        "status": "granted", "granted_at": utcnow(), "note": ""}).scalar()
    if redemption_id is None:
        return "already_used", None
    if start is not None:
        used = session.scalar(select(func.count(Redemption.id)).where(
            Redemption.person_id == subject.person_id, Redemption.benefit_id == benefit.id,
            Redemption.status != "cancelled", Redemption.granted_at >= start,
            Redemption.id != redemption_id))
        if used >= benefit.limit_count:
            session.execute(delete(Redemption).where(Redemption.id == redemption_id))
            return "limit_reached", None
    return None, redemption_id


def request_hash(token_text, benefit_code) -> str:
    canonical = json.dumps({"token": str(token_text), "benefit": str(benefit_code)}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


_REPLAYS = VerificationReplay.__table__
_REPLAY = select(_REPLAYS.c.request_hash, _REPLAYS.c.response).where(
    _REPLAYS.c.merchant_id == bindparam("merchant_id"),
    _REPLAYS.c.idempotency_key == bindparam("key"))


def stored_replay(merchant_id, key, digest) -> dict | None:
    """The answer already given for this Idempotency-Key, or None; 422 if the body differs."""
    replay = db.session.connection().execute(_REPLAY, {"merchant_id": merchant_id,
                                                       "key": key}).first()
    if replay is None:
        return None
    if replay.request_hash != digest:
        raise ApiError(422, "idempotency_key_reused",
                       _("This Idempotency-Key was used for a different request."))
    return replay.response


@cache
def _replay_insert(dialect_name):
    insert = conflict_insert(dialect_name)
    return (insert(_REPLAYS)
            .on_conflict_do_nothing(index_elements=["merchant_id", "idempotency_key"])
            .returning(_REPLAYS.c.id))


def remember_replay(merchant_id, key, digest, body) -> dict:
    """Store the answer for the key; if a concurrent retry stored one first, return that."""
    connection = db.session.connection()
    stored = connection.execute(_replay_insert(connection.dialect.name), {
        "merchant_id": merchant_id, "idempotency_key": key, "request_hash": digest,
        "response": body, "created_at": utcnow()}).first()
    if stored is not None:
        return body
    return stored_replay(merchant_id, key, digest) or body
