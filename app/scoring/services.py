"""Computing, storing and reading scores."""
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, select

from app.catalogue.rules import Rules
from app.catalogue.services import current_scheme, rules_for
from app.core.audit import audit, audit_many
from app.core.db import can_fan_out
from app.core.extensions import db
from app.core.time import city_today, utcnow
from app.records.read import fact_rows, serious_in_force
from app.residents.locks import lock_people, lock_range
from app.residents.read import last_person_id
from app.scoring import batch
from app.scoring.engine import Fact, Result, compute
from app.scoring.models import Score, ScoreHistory, ScoreRun

# A change stamped shortly before a run started may commit after that run read the records:
# the next run looks this far further back.
CHANGES_MARGIN = timedelta(hours=1)


def facts_for(person_id: int) -> list[Fact]:
    return [Fact(*row) for row in fact_rows(person_id)]


def explain(person_id: int, as_of: date | None = None) -> Result:
    """Compute a person's score under the current scheme, with every contribution."""
    return compute(facts_for(person_id), rules_for(current_scheme()), as_of or city_today())


def serious_record_in_force(person_id: int, rules: Rules | None = None) -> bool:
    rules = rules or rules_for(current_scheme())
    return bool(db.session.scalar(select(serious_in_force(person_id, list(rules.serious_types)))))


def stored_score(person_id: int) -> Score | None:
    return db.session.get(Score, person_id)


def stored_score_of(person_id_column):
    """SQL: the person's stored score (NULL before their first scoring), for other domains'
    single-query reads."""
    return select(Score.score).where(Score.person_id == person_id_column).scalar_subquery()


def rescore_people(person_ids, as_of: date | None = None, actor="system") -> int:
    """Recompute and store the scores of a set of people in one set-based pass; each score
    that moved keeps its old value in the history and gets an audit entry. Returns how many
    were written."""
    ids = sorted(set(person_ids))
    if not ids:
        return 0
    lock_people(ids)  # held already when the caller changed their records (locks stack)
    # only consenting residents have a score; most persons in a delivery may be neither
    ids = batch.consenting(ids)
    if not ids:
        return 0
    changes = []
    rules = rules_for(current_scheme())
    day = as_of or city_today()
    written = batch.rescore(rules, day, person_ids=ids, changes=changes)
    audit_many([
        dict(actor=actor, action="score.changed", object_type="score", object_id=c.person_id,
             subject_id=c.person_id, data={"score": c.score, "tier": c.tier,
                                           "scheme_version": rules.version,
                                           "as_of": day.isoformat()})
        for c in changes if c.moved])
    return written


def rescore_all(as_of: date | None = None, chunk: int = 100_000, progress=None,
                full: bool = False, workers: int | None = None) -> int:
    """Bring every resident's score to `as_of`, set-based, committing one chunk of persons at a
    time; return how many scores changed. `progress(persons done)` is called after each chunk.

    After a finished run under the same scheme, only the persons whose score can have changed
    since are rescored (their stored score's next change is due, or their records were written
    since that run started); the first run, a new scheme, an unfinished last run or `full`
    rescore everyone. On PostgreSQL, `workers` chunks (the `RESCORE_WORKERS` setting by
    default) run at once, each on a connection of its own.
    """
    day = as_of or city_today()
    rules = rules_for(current_scheme())
    last = db.session.scalar(select(ScoreRun).order_by(ScoreRun.id.desc()).limit(1))
    full = (full or last is None or last.finished_at is None
            or last.scheme_version != rules.version)
    run = ScoreRun(as_of=day, scheme_version=rules.version, full_rescore=full)
    db.session.add(run)
    db.session.flush()
    if not full:
        run.candidates = batch.collect_candidates(day, last.started_at - CHANGES_MARGIN)
    db.session.commit()
    top = last_person_id()
    ranges = [(lo, lo + chunk) for lo in range(0, top + 1, chunk)]
    workers = current_app.config["RESCORE_WORKERS"] if workers is None else workers
    written = 0
    for lo, chunk_written in _rescore_ranges(rules, day, ranges, not full, workers):
        written += chunk_written
        if progress is not None:
            progress(min(chunk, top + 1 - lo))
    run.written, run.finished_at = written, utcnow()
    audit("system", "scores.rescored", "scheme", rules.version,
          data={"as_of": day.isoformat(), "scores": written, "full": full,
                "candidates": run.candidates})
    db.session.commit()
    return written


def _rescore_ranges(rules, day, ranges, candidates, workers):
    """Rescore and commit each range of persons; yield (its start, scores written) per range
    as it commits. Ranges run `workers` at a time on PostgreSQL, one after another otherwise."""
    if workers <= 1 or not can_fan_out(db.session):
        for lo, hi in ranges:
            yield lo, _rescore_range(rules, day, lo, hi, candidates, serial=False)
        return
    app = current_app._get_current_object()

    def in_own_session(lo, hi):
        with app.app_context():  # a new application context: a session and connection of its own
            try:
                # the other ranges keep the other cores busy: parallel workers would only add
                # their start and the merging of their partial results
                return _rescore_range(rules, day, lo, hi, candidates, serial=True)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(in_own_session, lo, hi): lo for lo, hi in ranges}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:  # after a failure, leave the ranges not yet started for the next run
            for future in futures:
                future.cancel()


def _rescore_range(rules, day, lo, hi, candidates, serial):
    """Rescore the persons in [lo, hi) and commit; return how many scores were written."""
    lock_range(lo, hi)
    written = batch.rescore(rules, day, person_range=(lo, hi), candidates=candidates,
                            serial=serial)
    db.session.commit()
    return written


def forget_person(person_id: int) -> None:
    """Delete a person's score and its history (their account was closed)."""
    db.session.execute(delete(ScoreHistory).where(ScoreHistory.person_id == person_id))
    db.session.execute(delete(Score).where(Score.person_id == person_id))


@dataclass(frozen=True)
class ScoreChange:
    day: date  # the score and tier hold from this day until the next change
    score: int
    tier: str


def history(person_id: int, since: date) -> list[ScoreChange]:
    """The score's changes since `since`, oldest first, starting with the value it had then
    and ending with the current score (from the day it took effect)."""
    before = db.session.scalar(
        select(ScoreHistory).where(ScoreHistory.person_id == person_id, ScoreHistory.day < since)
        .order_by(ScoreHistory.day.desc()).limit(1)
    )
    after = db.session.scalars(
        select(ScoreHistory).where(ScoreHistory.person_id == person_id, ScoreHistory.day >= since)
        .order_by(ScoreHistory.day)
    ).all()
    changes = [ScoreChange(h.day, h.score, h.tier) for h in ([before] if before else []) + after]
    current = stored_score(person_id)
    if current is not None:
        changes.append(ScoreChange(current.since, current.score, current.tier))
    return changes
