"""A published scheme's parameters as plain values: what scoring and eligibility read."""
from dataclasses import dataclass


@dataclass(frozen=True)
class TypeRule:
    code: str
    dimension: str
    points: int  # signed: negative for negative records
    full_days: int
    fade_days: int
    cap_per_year: int | None = None
    severity: str | None = None
    state: bool = False  # an ongoing state (e.g. on a court list) counts in full until it ends
    issuers: tuple[str, ...] = ()  # codes of the departments entitled to deliver the type
    retention_days: int | None = None  # negative types: purged this long after the behaviour ended
    document_required: bool = False  # must carry the deciding document's reference
    repair_after_days: int | None = None  # None: not repairable through the centre


@dataclass(frozen=True)
class Rules:
    scheme_id: int
    version: str
    base: int
    min_score: int
    max_score: int
    dimensions: tuple[tuple[str, int, int], ...]  # (code, floor, cap) in display order
    tiers: tuple[tuple[str, int], ...]  # (code, min_score), highest first
    types: dict[str, TypeRule]
    commitment_text: str = ""

    @property
    def serious_types(self) -> tuple[str, ...]:
        """Record types that put a person on a legal list (they block every benefit)."""
        return tuple(code for code, rule in self.types.items() if rule.severity == "serious")

    def tier_minimum(self, code: str) -> int | None:
        """The lowest score of a tier, None for an unknown tier."""
        return next((minimum for tier, minimum in self.tiers if tier == code), None)
