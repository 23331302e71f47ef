"""What a resident sees of their own score: records, explanation, trend, hints and benefits.

Read-only assembly over the catalogue, records, scoring, benefits and merchants services; pages
turn the engine's codes into words.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from app.benefits.eligibility import eligibility
from app.benefits.services import active_benefits
from app.catalogue.services import current_scheme, rules_for
from app.core.time import city_today
from app.departments.services import departments_by_id
from app.merchants.services import offering_merchants
from app.records.models import CreditRecord
from app.records.read import person_records
from app.scoring import services as scoring

# caps that change a dimension or the total; a year cap is already inside each record's points
SUM_ADJUSTMENTS = ("dimension_cap", "dimension_floor", "score_max", "score_min")


class DimensionTotal(NamedTuple):
    dimension: object
    points: int


@dataclass
class ScoreReport:
    """The score as merchants' checks see it, explained (`GET /api/v1/me/score`)."""

    result: object
    tier: object
    dimensions: list  # DimensionTotal


@dataclass
class Ladder:
    """The scheme's tiers, lowest first, with where the score stands among them."""

    steps: list  # (Tier, is the resident's tier)
    next_tier: object  # the Tier above, None at the top
    points_to_next: int | None


@dataclass
class Overview:
    result: object
    scheme: object
    tier: object
    dimensions: list  # DimensionTotal
    last_update: object
    trend: list  # (first day of month, score)
    hints: list  # RecordType
    serious: bool
    ladder: Ladder


def _tier(scheme, code):
    return next((t for t in scheme.tiers if t.code == code), None)


def ladder(scheme, result) -> Ladder:
    tiers = sorted(scheme.tiers, key=lambda t: t.min_score)
    above = next((t for t in tiers if t.min_score > result.score), None)
    return Ladder([(t, t.code == result.tier) for t in tiers], above,
                  above.min_score - result.score if above is not None else None)


def current_result(person_id: int):
    """The person's score explained as of the day it was last stored.

    The stored score is the one merchants' checks use; recomputing on its own as-of date
    reproduces it exactly (a score is a pure function of records, scheme and date), so what a
    resident reads always matches what a merchant's check sees.
    """
    stored = scoring.stored_score(person_id)
    return scoring.explain(person_id, stored.as_of if stored is not None else None)


def _totals(scheme, result):
    return [DimensionTotal(d, result.dimensions.get(d.code, 0)) for d in scheme.dimensions]


def score_report(person_id: int) -> ScoreReport:
    scheme, result = current_scheme(), current_result(person_id)
    return ScoreReport(result, _tier(scheme, result.tier), _totals(scheme, result))


def overview(person_id: int) -> Overview:
    scheme = current_scheme()
    result = current_result(person_id)
    stored = scoring.stored_score(person_id)
    last_update = stored.computed_at if stored is not None else None
    return Overview(result, scheme, _tier(scheme, result.tier), _totals(scheme, result), last_update,
                    monthly_trend(person_id, result.score), hints(scheme, result),
                    scoring.serious_record_in_force(person_id), ladder(scheme, result))


def monthly_trend(person_id: int, current: int, months=12) -> list[tuple[date, int]]:
    """The score at the end of each of the last `months` months, the current month last."""
    today = city_today()
    starts = []
    year, month = today.year, today.month
    for _i in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    starts.reverse()
    changes = scoring.history(person_id, starts[0])
    points = []
    for i, start in enumerate(starts):
        end = starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else today
        known = [h.score for h in changes if h.day <= end]
        points.append((start, known[-1] if known else None))
    # the live score is today's value, whether or not the nightly run has stored it yet
    points[-1] = (points[-1][0], current)
    return points


def hints(scheme, result, limit=5) -> list:
    """Positive record types the resident lacks, in dimensions that still have room."""
    have = {c.type for c in result.contributions if c.counted and c.points > 0}
    room = {d.code: d.cap - result.dimensions.get(d.code, 0) for d in scheme.dimensions}
    candidates = [t for t in scheme.record_types
                  if t.polarity == "positive" and t.code not in have
                  and room.get(t.dimension, 0) > 0]
    candidates.sort(key=lambda t: (-min(t.points, room[t.dimension]), t.id))
    return candidates[:limit]


@dataclass
class RecordRow:
    record: CreditRecord
    record_type: object
    department: object
    points: int
    counted: bool
    note: str


def record_rows(person_id: int, result) -> list[RecordRow]:
    """Every record about the person, newest first, with its contribution today."""
    scheme = current_scheme()
    types = {t.code: t for t in scheme.record_types}
    by_record = {c.record_id: c for c in result.contributions}
    records = person_records(person_id)
    departments = departments_by_id(r.department_id for r in records)
    out = []
    for record in records:
        item = by_record.get(record.id)
        out.append(RecordRow(record, types.get(record.type_code), departments[record.department_id],
                             item.points if item else 0, bool(item and item.counted),
                             item.note if item else record.status))
    return out


@dataclass
class DimensionLines:
    dimension: object
    additions: list = field(default_factory=list)   # RecordRow
    deductions: list = field(default_factory=list)  # RecordRow
    adjustments: list = field(default_factory=list)  # Adjustment
    total: int = 0


@dataclass
class Explanation:
    base: int
    score: int
    scheme_version: str
    dimensions: list
    year_caps: list
    score_adjustments: list
    added: int
    deducted: int
    adjusted: int


def explanation(person_id: int, result, rows=None) -> Explanation:
    """Base + additions − deductions + caps = score, dimension by dimension."""
    scheme = current_scheme()
    rows = rows if rows is not None else record_rows(person_id, result)
    lines = {d.code: DimensionLines(d, total=result.dimensions.get(d.code, 0))
             for d in scheme.dimensions}
    for row in rows:
        dim = row.record_type.dimension if row.record_type else None
        if not row.counted or dim not in lines:
            continue
        (lines[dim].additions if row.points > 0 else lines[dim].deductions).append(row)
    year_caps, score_adjustments = [], []
    for adj in result.adjustments:
        if adj.kind in ("dimension_cap", "dimension_floor") and adj.target in lines:
            lines[adj.target].adjustments.append(adj)
        elif adj.kind == "type_year_cap":
            year_caps.append(adj)
        else:
            score_adjustments.append(adj)
    added = sum(r.points for line in lines.values() for r in line.additions)
    deducted = -sum(r.points for line in lines.values() for r in line.deductions)
    adjusted = sum(a.points for a in result.adjustments if a.kind in SUM_ADJUSTMENTS)
    return Explanation(scheme.base, result.score, result.scheme_version, list(lines.values()),
                       year_caps, score_adjustments, added, deducted, adjusted)


@dataclass
class BenefitView:
    benefit: object
    eligible: bool
    reason: str | None  # see `benefits.eligibility.Verdict`
    needed_tier: object = None  # the Tier to reach
    merchants: list = field(default_factory=list)
    threshold: int | None = None  # the lowest score that meets its tier and score minimums
    min_tier: object = None  # the Tier it asks for, if any


def _threshold(benefit, rules) -> int | None:
    minimums = [m for m in (rules.tier_minimum(benefit.min_tier) if benefit.min_tier else None,
                            benefit.min_score) if m is not None]
    return max(minimums) if minimums else None


def benefit_groups(person_id: int, result, serious: bool) -> list[tuple[str, list[BenefitView]]]:
    """The active 信易+ catalogue by scene, usable ones first, each with why it is not (yet)."""
    scheme, today = current_scheme(), city_today()
    rules = rules_for(scheme)
    benefits = active_benefits()
    merchants = offering_merchants(b.id for b in benefits)
    groups: dict[str, list[BenefitView]] = {}
    for benefit in benefits:
        verdict = eligibility(benefit, score=result.score, serious=serious, rules=rules,
                              today=today)
        groups.setdefault(benefit.scene, []).append(BenefitView(
            benefit, verdict.eligible, verdict.reason, _tier(scheme, verdict.needed_tier),
            merchants.get(benefit.id, []), _threshold(benefit, rules),
            _tier(scheme, benefit.min_tier)))
    for views in groups.values():
        views.sort(key=lambda v: (not v.eligible, v.threshold or 0))
    # scenes with something usable first; sorted() keeps the catalogue order otherwise
    return sorted(groups.items(), key=lambda item: not any(v.eligible for v in item[1]))
