"""What a resident sees of their own score: records, explanation, trend, hints and benefits.

Read-only assembly over the scoring, catalogue and benefits services; pages turn the engine's
codes into words.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from app.benefits.services import active_benefits
from app.catalogue.services import current_scheme
from app.core.time import city_today
from app.departments.models import Department
from app.extensions import db
from app.records.models import CreditRecord
from app.scoring import services as scoring
from app.scoring.models import Score

# caps that change a dimension or the total; a year cap is already inside each record's points
SUM_ADJUSTMENTS = ("dimension_cap", "dimension_floor", "score_max", "score_min")


@dataclass
class Overview:
    result: object
    scheme: object
    tier: object
    dimensions: list  # (Dimension, points)
    last_update: object
    trend: list  # (first day of month, score)
    hints: list  # RecordType
    serious: bool


def _tier(scheme, code):
    return next((t for t in scheme.tiers if t.code == code), None)


def current_result(person_id: int):
    """The person's score explained as of the day it was last stored.

    The stored score is the one merchants' checks use; recomputing on its own as-of date
    reproduces it exactly (a score is a pure function of records, scheme and date), so what a
    resident reads always matches what a merchant's check sees.
    """
    stored = db.session.get(Score, person_id)
    return scoring.explain(person_id, stored.as_of if stored is not None else None)


def overview(person_id: int) -> Overview:
    scheme = current_scheme()
    result = current_result(person_id)
    stored = db.session.get(Score, person_id)
    last_update = stored.computed_at if stored is not None else None
    dimensions = [(d, result.dimensions.get(d.code, 0)) for d in scheme.dimensions]
    return Overview(result, scheme, _tier(scheme, result.tier), dimensions, last_update,
                    monthly_trend(person_id, result.score), hints(scheme, result),
                    scoring.serious_record_in_force(person_id))


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
    department: Department
    points: int
    counted: bool
    note: str


def record_rows(person_id: int, result) -> list[RecordRow]:
    """Every record about the person, newest first, with its contribution today."""
    scheme = current_scheme()
    types = {t.code: t for t in scheme.record_types}
    by_record = {c.record_id: c for c in result.contributions}
    rows = db.session.execute(
        select(CreditRecord, Department)
        .join(Department, Department.id == CreditRecord.department_id)
        .where(CreditRecord.person_id == person_id)
        .order_by(CreditRecord.occurred_on.desc(), CreditRecord.id.desc())
    ).all()
    out = []
    for record, department in rows:
        item = by_record.get(record.id)
        out.append(RecordRow(record, types.get(record.type_code), department,
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

    @property
    def adds_up(self) -> bool:
        return self.base + self.added - self.deducted + self.adjusted == self.score


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
    reason: str | None  # serious_record | needs_tier | needs_score | not_started | ended
    needed_tier: object = None
    merchants: list = field(default_factory=list)


def _tier_rank(scheme):
    return {t.code: t.min_score for t in scheme.tiers}


def benefit_eligibility(benefit, score: int, tier_code: str, serious: bool, scheme, today) -> tuple:
    """Return (eligible, reason, needed tier) for one benefit."""
    ranks = _tier_rank(scheme)
    if benefit.valid_from and today < benefit.valid_from:
        return False, "not_started", None
    if benefit.valid_until and today > benefit.valid_until:
        return False, "ended", None
    if serious:
        return False, "serious_record", None
    if benefit.min_tier and ranks.get(tier_code, 0) < ranks.get(benefit.min_tier, 0):
        return False, "needs_tier", _tier(scheme, benefit.min_tier)
    if benefit.min_score is not None and score < benefit.min_score:
        return False, "needs_score", None
    return True, None, None


def benefit_groups(person_id: int, result) -> list[tuple[str, list[BenefitView]]]:
    """The active 信易+ catalogue by scene, each marked eligible or not yet, and why."""
    scheme, today = current_scheme(), city_today()
    serious = scoring.serious_record_in_force(person_id)
    groups: dict[str, list[BenefitView]] = {}
    for benefit in active_benefits():
        eligible, reason, needed = benefit_eligibility(benefit, result.score, result.tier,
                                                       serious, scheme, today)
        merchants = [m for m in benefit.merchants if m.active]
        groups.setdefault(benefit.scene, []).append(
            BenefitView(benefit, eligible, reason, needed, merchants))
    return list(groups.items())
