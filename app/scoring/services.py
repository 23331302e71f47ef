"""Computing, storing and reading scores."""
from dataclasses import asdict
from datetime import date

from sqlalchemy import select, text

from app.catalogue.services import current_scheme, rules_for
from app.core.audit import audit, audit_many
from app.core.time import city_today
from app.extensions import db
from app.records.models import CreditRecord
from app.scoring import batch
from app.scoring.engine import Fact, Result, compute, has_serious_in_force
from app.scoring.models import Score, ScoreHistory


def facts_for(person_id: int) -> list[Fact]:
    rows = db.session.execute(
        select(CreditRecord.id, CreditRecord.type_code, CreditRecord.status,
               CreditRecord.occurred_on, CreditRecord.ended_on, CreditRecord.units)
        .where(CreditRecord.person_id == person_id)
    )
    return [Fact(*row) for row in rows]


def explain(person_id: int, as_of: date | None = None) -> Result:
    """Compute a person's score under the current scheme, with every contribution."""
    scheme = current_scheme()
    return compute(facts_for(person_id), rules_for(scheme), as_of or city_today())


def serious_record_in_force(person_id: int) -> bool:
    return has_serious_in_force(facts_for(person_id), rules_for(current_scheme()))


def rescore_person(person_id: int, as_of: date | None = None, actor="system") -> Score:
    """Recompute one person's score now, store it with its breakdown and log a change."""
    result = explain(person_id, as_of)
    score = db.session.get(Score, person_id)
    changed = score is None or (score.score, score.tier) != (result.score, result.tier)
    if score is None:
        score = Score(person_id=person_id)
        db.session.add(score)
    score.score, score.tier = result.score, result.tier
    score.scheme_version, score.as_of = result.scheme_version, result.as_of
    score.dimensions = result.dimensions
    score.breakdown = breakdown_json(result)
    if changed:
        _record_history(person_id, result)
        audit(actor, "score.changed", "score", person_id, subject_id=person_id,
              data={"score": result.score, "tier": result.tier,
                    "scheme_version": result.scheme_version, "as_of": result.as_of.isoformat()})
    db.session.flush()
    return score


def _record_history(person_id, result):
    entry = db.session.get(ScoreHistory, (person_id, result.as_of))
    if entry is None:
        db.session.add(ScoreHistory(person_id=person_id, day=result.as_of, score=result.score,
                                    tier=result.tier))
    else:
        entry.score, entry.tier = result.score, result.tier


def breakdown_json(result: Result) -> dict:
    return {
        "contributions": [asdict(c) for c in result.contributions],
        "adjustments": [asdict(a) for a in result.adjustments],
    }


def scheme_params(scheme=None) -> batch.SchemeParams:
    scheme = scheme or current_scheme()
    rules = rules_for(scheme)
    return batch.SchemeParams(scheme.id, scheme.version, scheme.base, scheme.min_score,
                              scheme.max_score, rules.dimensions, rules.tiers)


_SCORING_LOCK = 7_240_002  # PostgreSQL advisory-lock namespace: one scoring per person at a time
_BLOCK_LOCK = 7_240_003  # namespace of blocks of persons, which the nightly rescore locks whole
BLOCK_SIZE = 100_000  # persons per block


def lock_people(person_ids):
    """Wait until no other transaction is changing these persons' records or scores.

    Two deliveries for one person committing at the same time would each score without the
    other's (uncommitted) records, and the stored score would miss one of them. Take this before
    writing the records and before any audit entry (whose sealing takes the chain's lock), so
    that locks are always taken blocks first, then persons. Deliveries share their blocks'
    locks; the nightly rescore takes them alone (`lock_range`). SQLite already serialises
    writing transactions.
    """
    if person_ids and db.session.get_bind().dialect.name == "postgresql":
        ids = sorted(set(person_ids))
        db.session.execute(
            text("SELECT pg_advisory_xact_lock_shared(CAST(:ns AS integer), b) FROM (SELECT DISTINCT"
                 " p / CAST(:size AS integer) AS b FROM unnest(CAST(:ids AS integer[])) AS p"
                 " ORDER BY b) AS blocks"),
            {"ns": _BLOCK_LOCK, "size": BLOCK_SIZE, "ids": ids})
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, p) FROM "
                 "(SELECT unnest(CAST(:ids AS integer[])) AS p ORDER BY p) AS persons"),
            {"ns": _SCORING_LOCK, "ids": ids})


def lock_range(lo: int, hi: int):
    """Keep deliveries for persons in [lo, hi) waiting while a rescore of that range runs.

    Its snapshot then holds every committed record of those persons, and no delivery can store
    a newer score that the range's (older) result would overwrite.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(CAST(:ns AS integer), b) FROM"
                 " generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS b"),
            {"ns": _BLOCK_LOCK, "first": lo // BLOCK_SIZE, "last": (hi - 1) // BLOCK_SIZE})
    else:
        # SQLite has one lock for writing: take it now with a write that changes nothing
        db.session.execute(text("UPDATE scores SET score = score WHERE 1 = 0"))


def rescore_people(person_ids, as_of: date | None = None, actor="system") -> int:
    """Recompute and store the scores of a set of people in one set-based pass (totals, no
    breakdown). Each score that moved is logged, as `rescore_person` does."""
    ids = sorted(set(person_ids))
    if not ids:
        return 0
    lock_people(ids)  # held already when the caller changed their records (locks stack)
    changes = []
    params = scheme_params()
    day = as_of or city_today()
    written = batch.rescore(params, day, person_ids=ids, changes=changes)
    audit_many([
        dict(actor=actor, action="score.changed", object_type="score", object_id=c.person_id,
             subject_id=c.person_id, data={"score": c.score, "tier": c.tier,
                                           "scheme_version": params.version,
                                           "as_of": day.isoformat()})
        for c in changes if c.moved])
    return written


def history(person_id: int, since: date) -> list[ScoreHistory]:
    """Score changes since `since`, plus the last change before it (the starting value)."""
    before = db.session.scalar(
        select(ScoreHistory).where(ScoreHistory.person_id == person_id, ScoreHistory.day < since)
        .order_by(ScoreHistory.day.desc()).limit(1)
    )
    after = db.session.scalars(
        select(ScoreHistory).where(ScoreHistory.person_id == person_id, ScoreHistory.day >= since)
        .order_by(ScoreHistory.day)
    ).all()
    return ([before] if before else []) + list(after)
