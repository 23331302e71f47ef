"""A new scheme version from the console: its differences from the one in force, the change in
scores it would cause (a dry run on a sample, nothing written), and publishing it."""
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.admin.charts import BIN_WIDTH, score_histogram
from app.catalogue.models import Scheme
from app.catalogue.services import current_scheme, publish_scheme, rules_for, rules_from_data
from app.catalogue.validation import (
    DIMENSION_FIELDS,
    TIER_FIELDS,
    TYPE_FIELDS,
    SchemeError,
    type_entry,
)
from app.core.audit import audit
from app.core.extensions import db
from app.core.time import city_today
from app.records.models import CreditRecord
from app.residents.models import Resident
from app.scoring.engine import Fact, compute

SCHEME_FIELDS = ("name", "name_en", "base", "min_score", "max_score", "commitment_text")
SAMPLE_SIZE = 1000


@dataclass
class SectionDiff:
    added: list = field(default_factory=list)  # the new entries (dicts)
    removed: list = field(default_factory=list)  # the old entries (dicts)
    changed: list = field(default_factory=list)  # {"code", "name", "fields": [(field, old, new)]}

    def __bool__(self):
        return bool(self.added or self.removed or self.changed)


@dataclass
class SchemeDiff:
    scheme: list  # [(field, old, new)]
    dimensions: SectionDiff
    tiers: SectionDiff
    record_types: SectionDiff

    def __bool__(self):
        return bool(self.scheme or self.dimensions or self.tiers or self.record_types)


def _type_values(entry):
    # files published before optional fields were filled in leave them out or write 0/""
    values = type_entry(entry)
    values["issuers"] = list(values["issuers"] or [])
    for key, empty in (("severity", ""), ("cap_per_year", 0), ("unit_attribute", ""),
                       ("unit_size", 1), ("state", False), ("description", ""),
                       ("description_en", "")):
        values[key] = values[key] or empty
    return values


def _section(old, new, fields, normalise=lambda e, fs: {k: e.get(k) for k in fs}) -> SectionDiff:
    before = {e["code"]: normalise(e, fields) for e in old}
    after = {e["code"]: normalise(e, fields) for e in new}
    diff = SectionDiff(added=[after[c] for c in after if c not in before],
                       removed=[before[c] for c in before if c not in after])
    for code in (c for c in after if c in before):
        changes = [(k, before[code][k], after[code][k]) for k in fields
                   if before[code][k] != after[code][k]]
        if changes:
            diff.changed.append({"code": code, "name": after[code]["name"], "fields": changes})
    return diff


def diff_schemes(old: dict, new: dict) -> SchemeDiff:
    """What a new scheme file changes against a published one: scheme-wide values, and the
    dimensions, tiers and record types added, removed or changed (field by field)."""
    return SchemeDiff(
        scheme=[(k, old.get(k), new.get(k)) for k in SCHEME_FIELDS if old.get(k) != new.get(k)],
        dimensions=_section(old["dimensions"], new["dimensions"], DIMENSION_FIELDS),
        tiers=_section(old["tiers"], new["tiers"], TIER_FIELDS),
        record_types=_section(old["record_types"], new["record_types"], TYPE_FIELDS,
                              lambda e, _fields: _type_values(e)),
    )


@dataclass
class DryRun:
    """Scores of a sample of residents under the scheme in force and under the new one."""

    residents: int  # consenting residents in all
    sample: int  # of them scored
    as_of: date
    tiers: list  # [(code, name, before, after)], highest tier first
    bins: list  # [(low, high, before, after)]
    raised: int
    lowered: int
    mean_before: float
    mean_after: float


def _sample_filter(residents: int):
    """Every n-th consenting resident by person id, for about SAMPLE_SIZE of them."""
    step = max(math.ceil(residents / SAMPLE_SIZE), 1)
    conditions = [Resident.consented_at.is_not(None), Resident.closed_at.is_(None)]
    if step > 1:
        conditions.append(Resident.person_id % step == 0)
    return conditions


def _sample_facts(residents) -> dict[int, list[Fact]]:
    """{person id: facts} of the sample, in two queries whatever its size."""
    conditions = _sample_filter(residents)
    facts = {pid: [] for pid in db.session.scalars(select(Resident.person_id).where(*conditions))}
    sampled = select(Resident.person_id).where(*conditions)
    rows = db.session.execute(
        select(CreditRecord.person_id, CreditRecord.id, CreditRecord.type_code,
               CreditRecord.status, CreditRecord.occurred_on, CreditRecord.ended_on,
               CreditRecord.units)
        .where(CreditRecord.person_id.in_(sampled)))
    for person_id, *fact in rows:
        facts[person_id].append(Fact(*fact))
    return facts


def dry_run(data: dict, as_of: date | None = None) -> DryRun:
    """Score a sample of residents in memory under the scheme in force and under `data`
    (checked by `parse_scheme`) on the same day; nothing is written."""
    day = as_of or city_today()
    old_rules, new_rules = rules_for(current_scheme()), rules_from_data(data)
    residents = db.session.scalar(select(func.count()).select_from(Resident).where(
        Resident.consented_at.is_not(None), Resident.closed_at.is_(None)))
    before, after = [], []
    for facts in _sample_facts(residents).values():
        before.append(compute(facts, old_rules, day))
        after.append(compute(facts, new_rules, day))
    names = {t["code"]: t["name"] for t in current_scheme().source["tiers"]}
    names.update({t["code"]: t["name"] for t in data["tiers"]})
    tier_before, tier_after = Counter(r.tier for r in before), Counter(r.tier for r in after)
    new_codes = [c for c, _m in new_rules.tiers]
    codes = new_codes + [c for c, _m in old_rules.tiers if c not in new_codes]
    low = min(old_rules.min_score, new_rules.min_score)
    high = max(old_rules.max_score, new_rules.max_score)
    bins_before = score_histogram(Counter((r.score - low) // BIN_WIDTH for r in before).items(),
                                  low, high)
    bins_after = score_histogram(Counter((r.score - low) // BIN_WIDTH for r in after).items(),
                                 low, high)
    pairs = list(zip(before, after))
    return DryRun(
        residents=residents, sample=len(pairs), as_of=day,
        tiers=[(c, names.get(c, c), tier_before[c], tier_after[c]) for c in codes],
        bins=[(lo, hi, b, a) for (lo, hi, b), (_lo, _hi, a) in zip(bins_before, bins_after)],
        raised=sum(1 for b, a in pairs if a.score > b.score),
        lowered=sum(1 for b, a in pairs if a.score < b.score),
        mean_before=_mean(r.score for r in before), mean_after=_mean(r.score for r in after),
    )


def _mean(scores) -> float:
    scores = list(scores)
    return round(sum(scores) / len(scores), 1) if scores else 0.0


def check_new_version(data: dict) -> None:
    """A version number is published once: a file reusing one is refused."""
    if db.session.scalar(select(Scheme.id).filter_by(version=data["version"])) is not None:
        raise SchemeError(_("Version %(version)s has already been published; give the new "
                            "file a new version.", version=data["version"]))


def publish(data: dict, actor: str) -> Scheme:
    """Make a checked scheme file the scheme in force (the caller commits, then queues the
    full rescore); every published version stays stored so old scores can be reproduced.

    The scheme in force is locked first, so of two publishings at once the second waits for the
    first, then sees its version (refused if the same) and retires it: one is ever in force.
    """
    # an UPDATE changing nothing: PostgreSQL locks the row in force, SQLite the database
    db.session.execute(update(Scheme).where(Scheme.is_current.is_(True)).values(is_current=True)
                       .execution_options(synchronize_session=False))
    previous = current_scheme()  # read after the wait: the one a publishing just put in force
    check_new_version(data)
    scheme = publish_scheme(data)
    audit(actor, "scheme.published", "scheme", scheme.version,
          data={"previous": previous.version, "record_types": len(data["record_types"])})
    return scheme
