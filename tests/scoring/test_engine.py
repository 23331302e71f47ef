"""The scoring engine (DESIGN §3): property-based invariants and worked examples."""
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalogue.rules import Rules, TypeRule
from app.catalogue.services import SCHEMES_DIR, current_scheme, read_scheme_file, rules_for
from app.scoring.engine import Fact, compute, faded_points, next_change

AS_OF = date(2026, 11, 25)


def rules_from_file(version="2026.1") -> Rules:
    """The default scheme's rules, read straight from the published file (no database)."""
    data = read_scheme_file(SCHEMES_DIR / f"{version}.toml")
    return Rules(
        scheme_id=1, version=data["version"], base=data["base"], min_score=data["min_score"],
        max_score=data["max_score"],
        dimensions=tuple((d["code"], d["floor"], d["cap"]) for d in data["dimensions"]),
        tiers=tuple(sorted(((t["code"], t["min_score"]) for t in data["tiers"]),
                           key=lambda t: -t[1])),
        types={t["code"]: TypeRule(
            t["code"], t["dimension"],
            t["points"] if t["polarity"] == "positive" else -t["points"],
            t["full_days"], t["fade_days"], t.get("cap_per_year") or None,
            t.get("severity") or None, t.get("state", False), issuers=tuple(t["issuers"]),
            retention_days=(t.get("retention_days", 1825) if t["polarity"] == "negative" else None),
            document_required=t.get("document_required", False),
            repair_after_days=t.get("repair_after_days"))
            for t in data["record_types"]},
        commitment_text=data["commitment_text"],
    )


RULES = rules_from_file()
TYPES = sorted(RULES.types)
POSITIVE = [c for c in TYPES if RULES.types[c].points > 0]
NEGATIVE = [c for c in TYPES if RULES.types[c].points < 0]
STATUSES = ["active", "active", "active", "revoked", "repaired", "expired"]
FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def fact(draw, types=TYPES, statuses=STATUSES, ident=None):
    occurred = AS_OF - timedelta(days=draw(st.integers(-20, 3000)))
    ended = None
    if draw(st.booleans()):
        ended = occurred + timedelta(days=draw(st.integers(0, 1500)))
    return Fact(
        id=ident if ident is not None else draw(st.integers(1, 10**6)),
        type=draw(st.sampled_from(list(types) + ["not_a_catalogue_type"])),
        status=draw(st.sampled_from(statuses)),
        occurred=occurred, ended=ended,
        units=draw(st.integers(0, 12)),
    )


@st.composite
def facts(draw, max_size=25):
    items = draw(st.lists(fact(), max_size=max_size))
    # record ids are unique in the database; duplicates are tested on purpose below
    return [replace(f, id=i + 1) for i, f in enumerate(items)]


def new_fact(draw_fact, facts_list):
    return replace(draw_fact, id=len(facts_list) + 10_000)


def explained_total(result):
    """Base + every contribution + every adjustment that the contributions do not already hold."""
    adjustments = sum(a.points for a in result.adjustments if a.kind != "type_year_cap")
    return RULES.base + sum(c.points for c in result.contributions) + adjustments


# --- invariants ---------------------------------------------------------------------------

@FAST
@given(facts(), fact(types=POSITIVE, statuses=["active"]))
def test_adding_a_positive_record_never_lowers_the_score(existing, extra):
    before = compute(existing, RULES, AS_OF)
    after = compute(existing + [new_fact(extra, existing)], RULES, AS_OF)
    assert after.score >= before.score
    dimension = RULES.types[extra.type].dimension if extra.type in RULES.types else None
    if dimension:
        assert after.dimensions[dimension] >= before.dimensions[dimension]


@FAST
@given(facts(), fact(types=NEGATIVE, statuses=["active"]))
def test_adding_a_negative_record_never_raises_the_score(existing, extra):
    before = compute(existing, RULES, AS_OF)
    after = compute(existing + [new_fact(extra, existing)], RULES, AS_OF)
    assert after.score <= before.score
    dimension = RULES.types[extra.type].dimension if extra.type in RULES.types else None
    if dimension:
        assert after.dimensions[dimension] <= before.dimensions[dimension]


@FAST
@given(facts(), st.data())
def test_the_same_record_twice_counts_once(existing, data):
    if not existing:
        existing = [Fact(1, "blood_donation", "active", AS_OF - timedelta(days=3))]
    twice = data.draw(st.lists(st.sampled_from(existing), min_size=1, max_size=5))
    once = compute(existing, RULES, AS_OF)
    again = compute(existing + twice, RULES, AS_OF)
    assert (again.score, again.tier, again.dimensions) == (once.score, once.tier, once.dimensions)
    duplicates = [c for c in again.contributions if c.note == "duplicate"]
    assert len(duplicates) == len(twice)
    assert all(c.points == 0 and not c.counted for c in duplicates)


@FAST
@given(facts(), st.data(), st.sampled_from(["revoked", "repaired", "expired"]))
def test_revoked_repaired_and_expired_records_count_zero(existing, data, status):
    if not existing:
        return
    index = data.draw(st.integers(0, len(existing) - 1))
    changed = list(existing)
    changed[index] = replace(existing[index], status=status)
    without = existing[:index] + existing[index + 1:]
    result = compute(changed, RULES, AS_OF)
    reference = compute(without, RULES, AS_OF)
    assert (result.score, result.tier, result.dimensions) == (
        reference.score, reference.tier, reference.dimensions)
    item = next(c for c in result.contributions if c.record_id == changed[index].id)
    assert (item.points, item.counted) == (0, False)
    assert item.note in (status, "not_in_scheme")


@FAST
@given(facts(max_size=60))
def test_score_stays_in_range_and_tier_matches_thresholds(existing):
    result = compute(existing, RULES, AS_OF)
    assert RULES.min_score <= result.score <= RULES.max_score
    expected = next(code for code, minimum in RULES.tiers if result.score >= minimum)
    assert result.tier == expected
    for code, floor, cap in RULES.dimensions:
        assert floor <= result.dimensions[code] <= cap


@FAST
@given(facts(max_size=60))
def test_the_explanation_adds_up(existing):
    result = compute(existing, RULES, AS_OF)
    assert explained_total(result) == result.score
    # year caps are already inside the contributions: they account for the faded points left out
    faded = sum(faded_points(RULES.types[f.type], f, AS_OF)[0] for f in existing
                if f.type in RULES.types and f.status == "active")
    year_caps = sum(a.points for a in result.adjustments if a.kind == "type_year_cap")
    assert faded + year_caps == sum(c.points for c in result.contributions)
    for code, _floor, _cap in RULES.dimensions:
        counted = sum(c.points for c in result.contributions if c.dimension == code)
        limits = sum(a.points for a in result.adjustments
                     if a.target == code and a.kind in ("dimension_cap", "dimension_floor"))
        assert counted + limits == result.dimensions[code]


@FAST
@given(facts())
def test_the_score_is_deterministic_and_order_independent(existing):
    first = compute(existing, RULES, AS_OF)
    second = compute(list(reversed(existing)), RULES, AS_OF)
    assert (first.score, first.dimensions, first.adjustments) == (
        second.score, second.dimensions, second.adjustments)


# --- worked examples ------------------------------------------------------------------------

def days_ago(n):
    return AS_OF - timedelta(days=n)


def score_of(*facts_list):
    return compute(list(facts_list), RULES, AS_OF)


def test_no_records_gives_the_base_score():
    result = score_of()
    assert (result.score, result.tier) == (100, "good")
    assert set(result.dimensions.values()) == {0}


def test_fading_full_weight_then_linear_then_zero():
    rule = RULES.types["blood_donation"]  # +5, full 730 days, fades over 365
    assert (rule.points, rule.full_days, rule.fade_days) == (5, 730, 365)

    def points(age):
        return faded_points(rule, Fact(1, "blood_donation", "active", days_ago(age)), AS_OF)

    assert points(0) == (5, "full")
    assert points(730) == (5, "full")
    assert points(731) == (4, "fading")  # 5 * 364 / 365 truncated
    assert points(730 + 365 // 2) == (2, "fading")
    assert points(730 + 364) == (0, "fading")
    assert points(730 + 365) == (0, "faded_out")
    assert points(5000) == (0, "faded_out")
    assert points(-1) == (0, "not_yet_effective")


def test_the_next_change_is_the_next_day_the_truncated_points_step():
    rule = RULES.types["blood_donation"]  # +5, full 730 days, fades over 365
    start = days_ago(731)  # 4 points: 5 * 364 // 365
    assert next_change(rule, Fact(1, "blood_donation", "active", start), AS_OF) == start + \
        timedelta(days=804)  # 5 * 291 // 365 = 3, while 5 * 292 // 365 = 4
    assert next_change(rule, Fact(1, "blood_donation", "active", days_ago(10)), AS_OF) == \
        days_ago(10) + timedelta(days=731)
    assert next_change(rule, Fact(1, "blood_donation", "active", days_ago(1090)), AS_OF) is None
    debtor = Fact(1, "court_dishonest_debtor", "active", days_ago(4000))
    assert next_change(RULES.types["court_dishonest_debtor"], debtor, AS_OF) is None


@FAST
@given(st.lists(fact(types=TYPES, statuses=["active"]), min_size=1, max_size=6,
                unique_by=lambda f: f.id))
def test_points_stay_as_they_are_until_the_next_change(facts):
    """Brute force, day by day: the points of every record stay until the person's next change,
    and one record's differ on that day."""
    result = compute(facts, RULES, AS_OF)
    counted = [(RULES.types[f.type], f) for f in facts if f.type in RULES.types]
    horizon = max([f.occurred for _, f in counted] + [f.ended or f.occurred for _, f in counted],
                  default=AS_OF) + timedelta(days=3000)
    day, today = AS_OF, [faded_points(r, f, AS_OF)[0] for r, f in counted]
    while day < horizon:
        day += timedelta(days=1)
        if [faded_points(r, f, day)[0] for r, f in counted] != today:
            break
    else:
        day = None
    assert result.next_change_on == day


def test_negative_fading_truncates_toward_zero():
    rule = RULES.types["traffic_violation"]  # -2, full 90, fade 275
    fact_ = Fact(1, "traffic_violation", "active", days_ago(91))
    assert faded_points(rule, fact_, AS_OF) == (-1, "fading")  # -2 * 274 / 275 → -1, not -2


def test_an_ongoing_state_counts_in_full_until_it_ends():
    debtor = Fact(1, "court_dishonest_debtor", "active", days_ago(4000))
    assert score_of(debtor).dimensions["law"] == -60
    assert faded_points(RULES.types["court_dishonest_debtor"], debtor, AS_OF) == (-60, "ongoing")
    # once ended, the window runs from the end: full for 730 days, then fading over 1095
    ended = replace(debtor, ended=days_ago(800))
    points, note = faded_points(RULES.types["court_dishonest_debtor"], ended, AS_OF)
    assert note == "fading" and points == -(60 * (730 + 1095 - 800) // 1095) == -56
    gone = replace(debtor, ended=days_ago(730 + 1095))
    assert score_of(gone).score == 100


def test_a_non_state_record_fades_from_when_it_happened():
    penalty = Fact(1, "admin_penalty_minor", "active", days_ago(400))  # full 90, fade 275
    assert score_of(penalty).score == 100
    assert score_of(replace(penalty, occurred=days_ago(30))).score == 95


def test_volunteer_hours_are_capped_per_year_in_date_order():
    rule = RULES.types["volunteer_hours"]
    assert (rule.points, rule.cap_per_year) == (1, 10)
    year = AS_OF.year
    first = Fact(1, "volunteer_hours", "active", date(year, 1, 10), units=6)
    second = Fact(2, "volunteer_hours", "active", date(year, 3, 1), units=7)
    third = Fact(3, "volunteer_hours", "active", date(year, 6, 1), units=2)
    last_year = Fact(4, "volunteer_hours", "active", date(year - 1, 12, 31), units=8)
    result = score_of(third, second, first, last_year)
    by_id = {c.record_id: c for c in result.contributions}
    assert (by_id[1].points, by_id[1].note) == (6, "full")
    assert (by_id[2].points, by_id[2].note) == (4, "partly_capped")
    assert (by_id[3].points, by_id[3].counted, by_id[3].note) == (0, False, "capped")
    assert by_id[4].points == 8  # another year has its own cap
    assert result.dimensions["social"] == 18
    caps = [a for a in result.adjustments if a.kind == "type_year_cap"]
    assert [(a.target, a.points) for a in caps] == [(f"volunteer_hours:{year}", -5)]
    assert explained_total(result) == result.score == 118


def test_dimension_cap_and_floor_are_applied_and_explained():
    honours = [Fact(i, "honour_moral_model", "active", days_ago(10)) for i in range(1, 4)]
    result = score_of(*honours)  # 3 x 15 = 45, capped at 30
    assert result.dimensions["honours"] == 30
    assert ("dimension_cap", "honours", -15) in [(a.kind, a.target, a.points)
                                                 for a in result.adjustments]
    law = [Fact(i, "court_dishonest_debtor", "active", days_ago(10)) for i in range(1, 4)]
    result = score_of(*law)  # 3 x -60 = -180, floor -120
    assert result.dimensions["law"] == -120
    assert ("dimension_floor", "law", 60) in [(a.kind, a.target, a.points)
                                              for a in result.adjustments]
    assert result.score == 0 and result.tier == "poor"
    assert explained_total(result) == 0


def test_score_range_clamps_at_the_ceiling():
    rules = replace(RULES, base=190)
    result = compute([Fact(1, "honour_moral_model", "active", days_ago(1))], rules, AS_OF)
    assert result.score == 200
    assert [(a.kind, a.points) for a in result.adjustments] == [("score_max", -5)]


def test_tiers_at_their_thresholds():
    def tier(score):
        return compute([], replace(RULES, base=score), AS_OF).tier

    assert [tier(s) for s in (150, 149, 120, 119, 95, 94, 70, 69, 0)] == [
        "excellent", "very_good", "very_good", "good", "good", "minor_dishonesty",
        "minor_dishonesty", "poor", "poor"]


def test_records_outside_the_scheme_count_zero():
    result = score_of(Fact(1, "unknown_type", "active", days_ago(1)))
    assert result.score == 100
    assert result.contributions[0].note == "not_in_scheme"


@pytest.mark.usefixtures("app")
def test_published_rules_match_the_scheme_file():
    rules = rules_for(current_scheme())
    assert rules == replace(RULES, scheme_id=rules.scheme_id)
    assert "court_dishonest_debtor" in rules.serious_types
    assert rules.tier_minimum("good") == 95 and rules.tier_minimum("nope") is None
