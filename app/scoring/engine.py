"""The scoring engine: a pure, deterministic function of (records, rules, as-of date).

All arithmetic is on integers so that the set-based SQL of the nightly rescore
(`app.scoring.batch`) reproduces it exactly: fading truncates toward zero, as SQL
integer division does.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.catalogue.rules import Rules, TypeRule


@dataclass(frozen=True)
class Fact:
    """What the engine needs to know of one record."""

    id: int
    type: str
    status: str
    occurred: date
    ended: date | None = None
    units: int = 1


@dataclass
class Contribution:
    record_id: int
    type: str
    dimension: str | None
    points: int
    counted: bool
    note: str  # machine code, turned into words by the views


@dataclass
class Adjustment:
    """A cap or floor that changed a total: `points` is what it added (negative: removed)."""

    kind: str  # "type_year_cap" | "dimension_cap" | "dimension_floor" | "score_max" | "score_min"
    target: str
    points: int


@dataclass
class Result:
    score: int
    tier: str
    scheme_version: str
    as_of: date
    dimensions: dict[str, int]
    contributions: list[Contribution] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    # the first day after `as_of` on which a record counts other points (None: never again)
    next_change_on: date | None = None


def trunc_div(a: int, b: int) -> int:
    """Integer division truncating toward zero, as SQL does."""
    q = abs(a) // b
    return q if a >= 0 else -q


def faded_points(rule: TypeRule, fact: Fact, as_of: date) -> tuple[int, str]:
    """Return the record's points on `as_of` and a note on its weight."""
    full = rule.points * fact.units
    if fact.occurred > as_of:
        return 0, "not_yet_effective"
    if fact.ended is not None:
        age = (as_of - fact.ended).days
    elif rule.state:
        return full, "ongoing"
    else:
        age = (as_of - fact.occurred).days
    if age <= rule.full_days:
        return full, "full"
    remaining = rule.full_days + rule.fade_days - age
    if remaining <= 0:
        return 0, "faded_out"
    return trunc_div(full * remaining, rule.fade_days), "fading"


def next_change(rule: TypeRule, fact: Fact, as_of: date) -> date | None:
    """Return the first day after `as_of` on which the record's points differ from those on
    `as_of`, None if they never will."""
    full = rule.points * fact.units
    if full == 0:
        return None
    if fact.occurred > as_of:
        return fact.occurred
    if fact.ended is None and rule.state:
        return None
    start = fact.ended or fact.occurred
    age = (as_of - start).days
    if age <= rule.full_days:
        return start + timedelta(days=rule.full_days + 1)
    left = rule.full_days + rule.fade_days - age  # days of fading still to come
    share = abs(full) * left // rule.fade_days if left > 0 else 0
    if share == 0:
        return None
    # the share |full| * left // fade_days drops below `share` once
    # left < ceil(share * fade_days / |full|)
    drops_at = -(-share * rule.fade_days // abs(full))
    return start + timedelta(days=rule.full_days + rule.fade_days + 1 - drops_at)


def tier_for(rules: Rules, score: int) -> str:
    for code, minimum in rules.tiers:
        if score >= minimum:
            return code
    return rules.tiers[-1][0]


def compute(facts, rules: Rules, as_of: date) -> Result:
    """Score one person's records under `rules` on `as_of`, with the full explanation."""
    contributions, seen, changes = [], set(), []
    per_cap_group = defaultdict(list)
    for fact in sorted(facts, key=lambda f: (f.occurred, f.id)):
        rule = rules.types.get(fact.type)
        dimension = rule.dimension if rule else None
        if fact.id in seen:
            contributions.append(Contribution(fact.id, fact.type, dimension, 0, False, "duplicate"))
            continue
        seen.add(fact.id)
        if rule is None:
            note, points = "not_in_scheme", 0
        elif fact.status != "active":
            note, points = fact.status, 0
        else:
            points, note = faded_points(rule, fact, as_of)
            changes.append(next_change(rule, fact, as_of))
        item = Contribution(fact.id, fact.type, dimension, points, points != 0, note)
        contributions.append(item)
        if item.counted:
            per_cap_group[(fact.type, fact.occurred.year)].append(item)

    adjustments = []
    dimension_raw = defaultdict(int)
    for (type_code, year), items in per_cap_group.items():
        rule = rules.types[type_code]
        total = sum(i.points for i in items)
        if rule.cap_per_year is not None and abs(total) > rule.cap_per_year:
            _apply_year_cap(items, rule.cap_per_year)
            capped = sum(i.points for i in items)
            adjustments.append(Adjustment("type_year_cap", f"{type_code}:{year}", capped - total))
            total = capped
        dimension_raw[rule.dimension] += total

    dimensions = {}
    for code, floor, cap in rules.dimensions:
        raw = dimension_raw.get(code, 0)
        value = min(max(raw, floor), cap)
        if value != raw:
            kind = "dimension_cap" if raw > cap else "dimension_floor"
            adjustments.append(Adjustment(kind, code, value - raw))
        dimensions[code] = value

    raw_score = rules.base + sum(dimensions.values())
    score = min(max(raw_score, rules.min_score), rules.max_score)
    if score != raw_score:
        kind = "score_max" if raw_score > rules.max_score else "score_min"
        adjustments.append(Adjustment(kind, "score", score - raw_score))
    next_change_on = min((day for day in changes if day is not None), default=None)
    return Result(score, tier_for(rules, score), rules.version, as_of, dimensions,
                  contributions, adjustments, next_change_on)


def _apply_year_cap(items, cap):
    """Let records use up the year's cap in date order; the rest count zero."""
    left = cap
    for item in items:
        wanted = abs(item.points)
        take = min(wanted, left)
        left -= take
        item.points = take if item.points > 0 else -take
        if take == 0:
            item.counted, item.note = False, "capped"
        elif take < wanted:
            item.note = "partly_capped"
