"""Verifying a credit code for a benefit: signature, expiry, single use, offer, eligibility, limits.

The unique `redemptions.token_id` is the barrier against double redemption, and the resident's
query reads whether the token was redeemed in the same round trip, so Redis decides nothing here.
Benefits, who offers them and the scheme's rules are cached for a few seconds
(`merchants.services.offer`, `catalogue.services.current_rules`).
"""
from dataclasses import dataclass, field
from datetime import datetime, timezone
from datetime import time as dtime
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, delete, func, select, text

from app.benefits.eligibility import VALIDITY_REASONS, eligibility
from app.catalogue.services import current_rules
from app.core.audit import AuditEntry, redact
from app.core.crypto import mask_name
from app.core.db import conflict_insert
from app.core.errors import ApiError
from app.core.extensions import db
from app.core.http import select_locale
from app.core.time import CITY_TZ, city_today, utcnow
from app.credit_codes import codes
from app.credit_codes.tokens import InvalidToken
from app.merchants.services import offer
from app.records.read import serious_in_force
from app.residents.read import account_subject
from app.scoring.services import explain, stored_score_of
from app.verification.models import Redemption
from app.verification.trail import record_decision

REASONS = ("expired", "already_used", "invalid", "not_eligible", "not_offered", "limit_reached")
_PERSON_LOCK = 7_240_100  # advisory-lock namespace: one verification per person at a time


@dataclass
class Decision:
    body: dict
    token_id: str | None = None
    person_id: int | None = None
    live: dict = field(default_factory=dict)  # a denial for the resident's page; empty if none


def benefit_name(benefit) -> str:
    # the locale selector's answer as is: flask-babel's get_locale() parses it into a babel
    # Locale, which costs more than the rest of a verification's Python work
    return benefit.name_en if select_locale() == "en" else benefit.name


def verify(caller, token_text: str, benefit_code: str) -> Decision:
    """Decide one scan; inserts a redemption when granted and audits every decision.

    The hot path of the platform, so it is written for few round trips: the benefit and whether
    this merchant offers it come from a short-lived cache, then one query for the resident (with
    their score, serious records and whether the token was already redeemed), one insert and
    the audit entry, which carries the resident's access-log entry along (`trail`).
    """
    found = offer(caller.merchant.id, benefit_code)
    if found is None:
        raise ApiError(422, "unknown_benefit", _("There is no benefit with this code."),
                       {"benefit": benefit_code})
    benefit, offered = found
    body = {"decision": "denied", "reason": None,
            "benefit": {"code": benefit.code, "name": benefit_name(benefit)},
            "resident": {"masked_name": None}}
    decision = Decision(body)
    try:
        # an 18-digit numeric code costs one indexed read; a QR token none
        checked = codes.check_token(codes.token_of_typed(token_text))
    except InvalidToken:
        return _deny(caller, decision, benefit, "invalid")
    rules = current_rules()
    subject = _subject(checked.resident_id, checked.claims.token_id_hex, rules)
    if subject is None:
        return _deny(caller, decision, benefit, "invalid")
    decision.token_id, decision.person_id = checked.claims.token_id_hex, subject.person_id
    body["resident"]["masked_name"] = mask_name(subject.name)
    if checked.expired:
        return _deny(caller, decision, benefit, "expired")
    if subject.redeemed:
        return _deny(caller, decision, benefit, "already_used")
    if not offered:
        return _deny(caller, decision, benefit, "not_offered")
    if subject.consented_at is None:
        return _deny(caller, decision, benefit, "not_eligible")
    score = subject.score if subject.score is not None else explain(subject.person_id).score
    facts = dict(score=score, serious=subject.serious_in_force, rules=rules, today=city_today())
    verdict = eligibility(benefit, **facts)
    if not verdict.eligible:
        reason = "not_offered" if verdict.reason in VALIDITY_REASONS else "not_eligible"
        return _deny(caller, decision, benefit, reason)
    reason, redemption_id = _redeem(caller, subject, benefit, decision.token_id, facts)
    if reason:
        return _deny(caller, decision, benefit, reason)
    body.update(decision="granted", redemption_id=redemption_id)
    record_decision(caller, "verification.granted", "redemption", redemption_id,
                    subject.person_id, {"merchant_id": caller.merchant.id, "benefit": benefit.code})
    # nothing to publish live: the resident's page reads a grant from the database
    # (`redemptions.result_for_token`), so a grant costs no Redis round trip
    return decision


def _deny(caller, decision, benefit, reason):
    decision.body["reason"] = reason
    record_decision(caller, "verification.denied", "credit_code", decision.token_id,
                    decision.person_id,
                    {"merchant_id": caller.merchant.id, "benefit": benefit.code, "reason": reason})
    decision.live = _live_body(caller, decision.body)
    return decision


def _live_body(caller, body):
    return {"status": "scanned", "decision": body["decision"], "reason": body["reason"],
            "benefit": body["benefit"], "merchant": caller.merchant.name,
            "at": utcnow().isoformat()}


@cache
def _subject_statement():
    """The resident behind a token with their stored score, whether a serious record stands
    against them and whether this token was already redeemed: one query (built once), each
    part written by the domain whose table it reads."""
    return account_subject(lambda person_id: (
        stored_score_of(person_id).label("score"),
        serious_in_force(person_id).label("serious_in_force"),
        select(Redemption.id).where(Redemption.token_id == bindparam("token_id"))
        .exists().label("redeemed")))


def _subject(resident_id, token_id, rules):
    return db.session.connection().execute(_subject_statement(), {
        "resident_id": resident_id, "token_id": token_id,
        "serious": list(rules.serious_types)}).first()


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


def _redeem(caller, subject, benefit, token_id, facts):
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
        if not eligibility(benefit, used=used, **facts).eligible:
            session.execute(delete(Redemption).where(Redemption.id == redemption_id))
            return "limit_reached", None
    return None, redemption_id


def redemptions_for_records(record_ids) -> list[int]:
    """Ids of the redemptions whose outcome produced these records."""
    return list(db.session.scalars(select(Redemption.id).where(Redemption.record_id.in_(record_ids))))


def forget_redemptions(redemption_ids, actor: str) -> None:
    """Delete these redemptions and redact the audit entries about them (their default record
    reached the end of its retention). Only flushes."""
    if not redemption_ids:
        return
    redact(and_(AuditEntry.object_type == "redemption",
                AuditEntry.object_id.in_([str(i) for i in redemption_ids])),
           actor, "record_retention_ended")
    db.session.execute(delete(Redemption).where(Redemption.id.in_(redemption_ids)))
