"""Read models of the benefits domain for the domains above it."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, select

from app.benefits.models import Benefit


@dataclass(frozen=True)
class BenefitTerms:
    """The columns of a benefit that a verification reads (what `eligibility` needs)."""

    id: int
    code: str
    name: str
    name_en: str
    min_tier: str | None
    min_score: int | None
    limit_count: int | None
    limit_period: str | None
    valid_from: date | None
    valid_until: date | None
    deposit_free: bool
    active: bool


def terms_by_code(extra=lambda benefit_id: ()):
    """SQL: the terms of the benefit whose code is bound as `:code`, plus the columns
    `extra(benefit id column)` gives; the first len(BenefitTerms) columns build BenefitTerms."""
    columns = [getattr(Benefit, name) for name in BenefitTerms.__dataclass_fields__]
    return select(*columns, *extra(Benefit.id)).where(Benefit.code == bindparam("code"))
