"""Verifying a credit code for a benefit: signature, expiry, single use, offer, eligibility, limits.

The unique `redemptions.token_id` is the barrier against double redemption; Redis only answers
`already_used` early for tokens it has seen granted.
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, time as dtime, timezone

from flask_babel import get_locale, gettext as _
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.benefits.models import Benefit, merchant_benefits
from app.catalogue.services import current_scheme
from app.core.audit import audit
from app.core.errors import ApiError
from app.core.time import CITY_TZ, city_today, utcnow
from app.extensions import db
from app.scoring.models import Score
from app.scoring.services import explain, serious_record_in_force
from app.verification import codes, live
from app.verification.models import Redemption, VerificationReplay
from app.verification.tokens import InvalidToken

REASONS = ("expired", "already_used", "invalid", "not_eligible", "not_offered", "limit_reached")
_PERSON_LOCK = 7_240_100  # advisory-lock namespace: one verification per person at a time


@dataclass
class Decision:
    body: dict
    token_id: str | None = None
    resident_id: int | None = None
    person_id: int | None = None
    live: dict = field(default_factory=dict)

    @property
    def granted(self):
        return self.body["decision"] == "granted"


def find_benefit(code) -> Benefit:
    benefit = db.session.scalar(select(Benefit).filter_by(code=code))
    if benefit is None:
        raise ApiError(422, "unknown_benefit", _("There is no benefit with this code."),
                       {"benefit": code})
    return benefit


def benefit_name(benefit) -> str:
    return benefit.name_en if str(get_locale()) == "en" else benefit.name


def verify(caller, token_text: str, benefit_code: str) -> Decision:
    """Decide one scan; flushes a redemption when granted and audits every decision."""
    benefit = find_benefit(benefit_code)
    body = {"decision": "denied", "reason": None,
            "benefit": {"code": benefit.code, "name": benefit_name(benefit)},
            "resident": {"masked_name": None}}
    decision = Decision(body)
    try:
        checked = codes.check_token(token_text)
    except InvalidToken:
        return _deny(caller, decision, benefit, "invalid")
    resident = codes.resident_for(checked)
    if resident is None:
        return _deny(caller, decision, benefit, "invalid")
    decision.token_id, decision.resident_id = checked.claims.token_id_hex, resident.id
    decision.person_id = resident.person_id
    body["resident"]["masked_name"] = resident.person.masked_name
    if checked.expired:
        return _deny(caller, decision, benefit, "expired")
    if live.seen_used(decision.token_id) or _redeemed(decision.token_id):
        return _deny(caller, decision, benefit, "already_used")
    if not _offered(caller.merchant, benefit):
        return _deny(caller, decision, benefit, "not_offered")
    if resident.consented_at is None or not eligible(resident.person_id, benefit):
        return _deny(caller, decision, benefit, "not_eligible")
    reason, redemption = _redeem(caller, resident, benefit, decision.token_id)
    if reason:
        return _deny(caller, decision, benefit, reason)
    body.update(decision="granted", redemption_id=redemption.id)
    audit(caller.actor, "verification.granted", "redemption", redemption.id,
          subject_id=resident.person_id,
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


def _redeemed(token_id) -> bool:
    return db.session.scalar(select(Redemption.id).filter_by(token_id=token_id)) is not None


def _offered(merchant, benefit) -> bool:
    if not benefit.active:
        return False
    today = city_today()
    if (benefit.valid_from and today < benefit.valid_from) or (
            benefit.valid_until and today > benefit.valid_until):
        return False
    return db.session.scalar(select(func.count()).select_from(merchant_benefits).where(
        merchant_benefits.c.merchant_id == merchant.id,
        merchant_benefits.c.benefit_id == benefit.id)) > 0


def threshold(benefit) -> int:
    """The lowest score the benefit accepts (its minimum tier and/or minimum score)."""
    needed = benefit.min_score or 0
    if benefit.min_tier:
        tiers = {t.code: t.min_score for t in current_scheme().tiers}
        needed = max(needed, tiers.get(benefit.min_tier, 10**6))
    return needed


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


def _redeem(caller, resident, benefit, token_id):
    """Insert the redemption, then check the limit counting it; (reason, redemption)."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        # serialises one person's concurrent scans so two tokens cannot both slip under a limit
        session.execute(text("SELECT pg_advisory_xact_lock(:ns, :p)"),
                        {"ns": _PERSON_LOCK, "p": resident.person_id})
    redemption = Redemption(token_id=token_id, person_id=resident.person_id,
                            resident_id=resident.id, merchant_id=caller.merchant.id,
                            benefit_id=benefit.id, staff_id=caller.staff.id if caller.staff else None,
                            granted_at=utcnow())
    nested = session.begin_nested()
    try:
        session.add(redemption)
        session.flush()
    except IntegrityError:
        nested.rollback()
        return "already_used", None
    start = period_start(benefit.limit_period) if benefit.limit_count else None
    if start is not None:
        used = session.scalar(select(func.count(Redemption.id)).where(
            Redemption.person_id == resident.person_id, Redemption.benefit_id == benefit.id,
            Redemption.status != "cancelled", Redemption.granted_at >= start,
            Redemption.id != redemption.id))
        if used >= benefit.limit_count:
            nested.rollback()
            return "limit_reached", None
    nested.commit()
    return None, redemption


def request_hash(token_text, benefit_code) -> str:
    canonical = json.dumps({"token": str(token_text), "benefit": str(benefit_code)}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def stored_replay(merchant_id, key, digest) -> dict | None:
    """The answer already given for this Idempotency-Key, or None; 422 if the body differs."""
    replay = db.session.scalar(select(VerificationReplay).filter_by(
        merchant_id=merchant_id, idempotency_key=key))
    if replay is None:
        return None
    if replay.request_hash != digest:
        raise ApiError(422, "idempotency_key_reused",
                       _("This Idempotency-Key was used for a different request."))
    return replay.response


def remember_replay(merchant_id, key, digest, body) -> dict:
    """Store the answer for the key; if a concurrent retry stored one first, return that."""
    nested = db.session.begin_nested()
    try:
        db.session.add(VerificationReplay(merchant_id=merchant_id, idempotency_key=key,
                                          request_hash=digest, response=body))
        db.session.flush()
        nested.commit()
        return body
    except IntegrityError:
        nested.rollback()
        return stored_replay(merchant_id, key, digest) or body
