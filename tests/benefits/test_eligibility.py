"""One eligibility rule for the benefits page, the counter and partners."""
from dataclasses import dataclass
from datetime import date

import pytest

from app.benefits.eligibility import VALIDITY_REASONS, eligibility
from app.catalogue.rules import Rules

RULES = Rules(scheme_id=1, version="t", base=100, min_score=0, max_score=200, dimensions=(),
              tiers=(("excellent", 150), ("good", 95), ("poor", 0)), types={})
TODAY = date(2026, 11, 27)


@dataclass
class Terms:
    active: bool = True
    valid_from: date | None = None
    valid_until: date | None = None
    min_tier: str | None = "good"
    min_score: int | None = None
    limit_count: int | None = None


def check(terms=None, score=120, serious=False, used=None):
    return eligibility(terms or Terms(), score=score, serious=serious, rules=RULES, today=TODAY,
                       used=used)


def test_a_good_score_without_a_serious_record_is_eligible():
    verdict = check()
    assert (verdict.eligible, verdict.reason, verdict.needed_tier) == (True, None, None)


@pytest.mark.parametrize("terms, reason", [
    (Terms(active=False), "inactive"),
    (Terms(valid_from=date(2026, 11, 28)), "not_started"),
    (Terms(valid_until=date(2026, 11, 26)), "ended"),
])
def test_outside_its_validity_no_one_is_eligible(terms, reason):
    verdict = check(terms, score=200)
    assert (verdict.eligible, verdict.reason) == (False, reason)
    assert verdict.reason in VALIDITY_REASONS


def test_validity_days_are_inclusive():
    assert check(Terms(valid_from=TODAY, valid_until=TODAY)).eligible


def test_a_serious_record_blocks_whatever_the_score():
    assert check(score=200, serious=True).reason == "serious_record"


def test_tier_threshold_is_the_tiers_lowest_score():
    assert check(score=95).eligible
    verdict = check(score=94)
    assert (verdict.reason, verdict.needed_tier) == ("needs_tier", "good")
    assert check(Terms(min_tier="no_such_tier"), score=200).reason == "needs_tier"


def test_minimum_score_applies_beside_the_tier():
    assert check(Terms(min_tier=None, min_score=130), score=129).reason == "needs_score"
    assert check(Terms(min_tier=None, min_score=130), score=130).eligible


def test_limit_counts_only_when_the_uses_are_known():
    terms = Terms(limit_count=2)
    assert check(terms).eligible
    assert check(terms, used=1).eligible
    assert check(terms, used=2).reason == "limit_reached"
    assert check(Terms(limit_count=None), used=99).eligible
