"""What a partner reads of a consenting resident: score, explained report, eligibility.

The report is made only of what counts in the score today: a record under approved credit repair,
revoked, faded out or past retention contributes nothing (the engine's rules), so it never shows
here; `_shown` is the one place that decides which counted records a partner sees.
Every read is logged in the resident's access log by the API (`partners.api`).
"""
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.benefits.eligibility import VALIDITY_REASONS, eligibility
from app.benefits.models import Benefit
from app.catalogue.services import current_scheme, rules_for
from app.core.extensions import db
from app.core.http import select_locale
from app.core.time import city_today
from app.records.read import person_records
from app.scoring.services import explain, serious_record_in_force, stored_score
from app.verification.models import Redemption
from app.verification.services import period_start

ADJUSTMENT_TEXTS = {
    "dimension_cap": lambda name: _("Upper limit of the dimension %(name)s", name=name),
    "dimension_floor": lambda name: _("Lower limit of the dimension %(name)s", name=name),
    "score_max": lambda name: _("Highest possible score"),
    "score_min": lambda name: _("Lowest possible score"),
}


def named(obj) -> str:
    """The object's name in the caller's language (`?lang=en`, Chinese by default)."""
    english = getattr(obj, "name_en", None) if select_locale() == "en" else None
    return english or obj.name


@dataclass
class Standing:
    result: object  # scoring.engine.Result
    scheme: object
    tier: object

    def as_score(self) -> dict:
        return {"score": self.result.score,
                "tier": {"code": self.tier.code, "name": named(self.tier)},
                "as_of": self.result.as_of, "scheme_version": self.result.scheme_version}


def standing(person_id: int) -> Standing:
    """The score as the counter sees it: the stored one, explained as of its own day."""
    stored = stored_score(person_id)
    result = explain(person_id, stored.as_of if stored is not None else None)
    scheme = current_scheme()
    tier = next(t for t in scheme.tiers if t.code == result.tier)
    return Standing(result, scheme, tier)


def _shown(contribution) -> bool:
    return contribution.counted and contribution.points != 0


def report(person_id: int) -> dict:
    """Score, dimensions, the factors that raised and lowered it, active negative records."""
    view = standing(person_id)
    result, scheme = view.result, view.scheme
    types = {t.code: t for t in scheme.record_types}
    dimensions = {d.code: d for d in scheme.dimensions}
    by_type = defaultdict(lambda: [0, 0])  # type -> [points, records]
    for c in filter(_shown, result.contributions):
        by_type[c.type][0] += c.points
        by_type[c.type][1] += 1
    factors = [{"direction": "raised" if points > 0 else "lowered", "points": points,
                "text": _("%(name)s (records: %(num)d)", name=named(types[code]), num=count)}
               for code, (points, count) in by_type.items() if points]
    for adj in result.adjustments:
        text = ADJUSTMENT_TEXTS.get(adj.kind)
        if text is not None and adj.points:
            target = dimensions.get(adj.target)
            factors.append({"direction": "raised" if adj.points > 0 else "lowered",
                            "points": adj.points, "text": text(named(target) if target else "")})
    factors.sort(key=lambda f: (-abs(f["points"]), f["text"]))
    negative = {c.record_id for c in result.contributions if _shown(c) and c.points < 0}
    records = [r for r in person_records(person_id) if r.id in negative]
    return {**view.as_score(),
            "dimensions": [{"code": d.code, "name": named(d),
                            "points": result.dimensions.get(d.code, 0)}
                           for d in scheme.dimensions],
            "factors": factors,
            "active_negative_records": [
                {"type": r.type_code, "name": named(types[r.type_code]),
                 "severity": types[r.type_code].severity, "occurred_at": r.occurred_on,
                 "ended_at": r.ended_on} for r in records]}


def find_benefit(code: str) -> Benefit | None:
    return db.session.scalar(select(Benefit).filter_by(code=code))


def used_in_period(person_id: int, benefit: Benefit) -> int | None:
    """How often the person used the benefit in its current limit period (None: no limit)."""
    start = period_start(benefit.limit_period) if benefit.limit_count else None
    if start is None:
        return None
    return db.session.scalar(select(func.count(Redemption.id)).where(
        Redemption.person_id == person_id, Redemption.benefit_id == benefit.id,
        Redemption.status != "cancelled", Redemption.granted_at >= start))


def eligibility_of(person_id: int, benefit: Benefit) -> dict:
    """Whether the person may use the benefit now, with the counter's reason codes (a partner
    learns no more than a merchant: not *why* someone is not eligible)."""
    scheme = current_scheme()
    view = standing(person_id)
    verdict = eligibility(benefit, score=view.result.score,
                          serious=serious_record_in_force(person_id, rules_for(scheme)),
                          rules=rules_for(scheme), today=city_today(),
                          used=used_in_period(person_id, benefit))
    reason = None
    if not verdict.eligible:
        reason = ("not_offered" if verdict.reason in VALIDITY_REASONS
                  else "limit_reached" if verdict.reason == "limit_reached" else "not_eligible")
    return {"benefit": {"code": benefit.code, "name": named(benefit)},
            "eligible": verdict.eligible, "reason": reason}
