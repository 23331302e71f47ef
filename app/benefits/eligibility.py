"""Who may use a benefit now: one rule for the benefits page, the counter and partners."""
from dataclasses import dataclass
from datetime import date

from app.catalogue.rules import Rules


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    # inactive | not_started | ended | serious_record | needs_tier | needs_score | limit_reached
    reason: str | None = None
    needed_tier: str | None = None  # the tier code a `needs_tier` resident must reach


VALIDITY_REASONS = ("inactive", "not_started", "ended")


def eligibility(benefit, *, score: int, serious: bool, rules: Rules, today: date,
                used: int | None = None) -> Verdict:
    """Whether a person with `score` (and a serious record in force or not) may use `benefit`
    today; `used` is how often they used it in the current limit period, when known."""
    closed = closed_reason(benefit, today)
    if closed:
        return Verdict(False, closed)
    if serious:
        return Verdict(False, "serious_record")
    if benefit.min_tier:
        minimum = rules.tier_minimum(benefit.min_tier)
        if minimum is None or score < minimum:
            return Verdict(False, "needs_tier", benefit.min_tier)
    if benefit.min_score is not None and score < benefit.min_score:
        return Verdict(False, "needs_score")
    if used is not None and benefit.limit_count is not None and used >= benefit.limit_count:
        return Verdict(False, "limit_reached")
    return Verdict(True)


def closed_reason(benefit, today: date) -> str | None:
    """Why nobody may use the benefit today (one of `VALIDITY_REASONS`), or None."""
    if not benefit.active:
        return "inactive"
    if benefit.valid_from and today < benefit.valid_from:
        return "not_started"
    if benefit.valid_until and today > benefit.valid_until:
        return "ended"
    return None


def score_needed(benefit, rules: Rules) -> int | None:
    """The lowest score at which `eligibility` can grant the benefit (to a person without a
    serious record, below any limit, on a day it is open); None if no score can."""
    needed = []
    if benefit.min_tier:
        minimum = rules.tier_minimum(benefit.min_tier)
        if minimum is None:
            return None
        needed.append(minimum)
    if benefit.min_score is not None:
        needed.append(benefit.min_score)
    return max(needed, default=rules.min_score)
