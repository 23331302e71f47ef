"""Online redemption: an offering party books a benefit for a resident without a credit code.

A tourism partner (acting as its own merchant, see `partners.services.offer_online`) reserves,
say, a deposit-free hotel stay for a resident who consented. The booking is a redemption like a
counter's: the same table, lifecycle (`redemptions.report`), eligibility rule and limits. Its
single-use id is derived from the party's booking reference, so the unique `token_id` makes a
reference book once, and a retried request gets the same booking back.
"""
import hashlib
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from app.benefits.eligibility import VALIDITY_REASONS, eligibility
from app.catalogue.services import current_rules
from app.core.audit import audit
from app.core.errors import ApiError
from app.core.extensions import db
from app.core.time import city_today
from app.merchants.services import offer
from app.scoring.services import explain
from app.verification.models import Redemption
from app.verification.services import _redeem, _subject


@dataclass
class Booking:
    benefit: object  # BenefitTerms
    reason: str | None  # None when booked; else a verification reason code
    redemption: Redemption | None = None
    replayed: bool = False  # the reference was booked before: this is that booking


def booking_token_id(merchant_id: int, reference: str) -> str:
    digest = hashlib.sha256(f"booking:{merchant_id}:{reference}".encode()).hexdigest()
    return "bk" + digest[:30]


def reserve(caller, resident_id: int, benefit_code: str, reference: str) -> Booking:
    """Book `benefit_code` for the resident under the caller's `reference` (idempotent)."""
    found = offer(caller.merchant.id, benefit_code)
    if found is None:
        raise ApiError(422, "unknown_benefit", _("There is no benefit with this code."),
                       {"benefit": benefit_code})
    benefit, offered = found
    token_id = booking_token_id(caller.merchant.id, reference)
    rules = current_rules()
    subject = _subject(resident_id, token_id, rules)
    if subject is None:
        raise ApiError(404, "not_found", _("There is no such resident."))
    if subject.redeemed:
        return _replay(benefit, token_id, subject.person_id)
    if not offered:
        return _deny(caller, benefit, subject.person_id, "not_offered")
    if subject.consented_at is None:
        return _deny(caller, benefit, subject.person_id, "not_eligible")
    score = subject.score if subject.score is not None else explain(subject.person_id).score
    facts = dict(score=score, serious=subject.serious_in_force, rules=rules, today=city_today())
    verdict = eligibility(benefit, **facts)
    if not verdict.eligible:
        reason = "not_offered" if verdict.reason in VALIDITY_REASONS else "not_eligible"
        return _deny(caller, benefit, subject.person_id, reason)
    reason, redemption_id = _redeem(caller, subject, benefit, token_id, facts)
    if reason == "already_used":  # the same reference, booked by a concurrent retry
        return _replay(benefit, token_id, subject.person_id)
    if reason:
        return _deny(caller, benefit, subject.person_id, reason)
    audit(caller.actor, "booking.granted", "redemption", redemption_id,
          subject_id=subject.person_id,
          data={"merchant_id": caller.merchant.id, "benefit": benefit.code,
                "reference": reference})
    return Booking(benefit, None, db.session.get(Redemption, redemption_id))


def _replay(benefit, token_id, person_id) -> Booking:
    existing = db.session.scalar(select(Redemption).filter_by(token_id=token_id))
    if existing.person_id != person_id or existing.benefit_id != benefit.id:
        raise ApiError(409, "reference_in_use",
                       _("This booking reference was used for another booking."))
    return Booking(benefit, None, existing, replayed=True)


def _deny(caller, benefit, person_id, reason) -> Booking:
    audit(caller.actor, "booking.denied", "benefit", benefit.code, subject_id=person_id,
          data={"merchant_id": caller.merchant.id, "reason": reason})
    return Booking(benefit, reason)
