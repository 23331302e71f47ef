"""The set-based SQL rescore reproduces the pure engine exactly, and writes only what changed."""
import random
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, insert, select

from app.catalogue.services import current_scheme, rules_for
from app.core.audit import AuditEntry
from app.core.extensions import db
from app.departments.services import create_department
from app.records.models import CreditRecord
from app.residents.services import get_or_create_person, new_resident
from app.scoring.engine import compute
from app.scoring.models import Score, ScoreHistory
from app.scoring.services import facts_for, history, rescore_all, rescore_people
from tests.factories import new_id_number, new_phone

AS_OF = date(2026, 6, 30)
AS_OF_DATETIME = datetime(2026, 1, 1, tzinfo=timezone.utc)
STATUSES = ["active"] * 6 + ["revoked", "repaired", "expired"]


def make_population(seed, people=60, max_records=14, consent_share=0.85):
    """Persons (most of them consenting residents) with random records of every kind.

    Records are written straight to the table, so that cases the API refuses (dates after the
    as-of day, huge unit counts, types outside the scheme) reach the scorer too.
    """
    rng = random.Random(seed)
    rules = rules_for(current_scheme())
    codes = sorted(rules.types)
    capped = [c for c in codes if rules.types[c].cap_per_year]
    state = [c for c in codes if rules.types[c].state]
    department, _key = create_department(f"dept_{uuid.uuid4().hex[:8]}", "测试部门")
    person_ids, consenting, rows = [], [], []
    for _ in range(people):
        person = get_or_create_person(new_id_number(), "李四")
        person_ids.append(person.id)
        if rng.random() < consent_share:
            resident = new_resident(person, new_phone(), "x")
            resident.consented_at = resident.created_at = AS_OF_DATETIME
            consenting.append(person.id)
        for _ in range(rng.randint(0, max_records)):
            pool = rng.choice([codes, capped, state, ["not_in_the_scheme"]] if rng.random() < 0.05
                              else [codes, capped, state])
            code = rng.choice(pool)
            occurred = AS_OF - timedelta(days=rng.randint(-40, 2500))
            if rng.random() < 0.3:  # several records in the same year for the yearly caps
                occurred = date(AS_OF.year, rng.randint(1, 6), rng.randint(1, 28))
            ended = None
            if rng.random() < 0.4:
                ended = occurred + timedelta(days=rng.randint(0, 900))
            rows.append({
                "department_id": department.id, "source_id": uuid.uuid4().hex,
                "person_id": person.id, "type_code": code, "occurred_on": occurred,
                "ended_on": ended, "units": rng.choice([0, 1, 1, 1, 2, 5, 12, 40]),
                "attributes": {}, "status": rng.choice(STATUSES),
            })
    if rows:
        db.session.execute(insert(CreditRecord), rows)
    db.session.flush()
    return person_ids, set(consenting)


def assert_matches_engine(person_ids, consenting, as_of):
    rules = rules_for(current_scheme())
    stored = {s.person_id: s for s in db.session.scalars(
        select(Score).where(Score.person_id.in_(person_ids)))}
    assert set(stored) == consenting, "scores for consenting residents only"
    mismatches = []
    for person_id in consenting:
        expected = compute(facts_for(person_id), rules, as_of)
        got = stored[person_id]
        got = (got.score, got.tier, got.dimensions, got.next_change_on)
        expected = (expected.score, expected.tier, expected.dimensions, expected.next_change_on)
        if got != expected:
            mismatches.append((person_id, got, expected))
    assert not mismatches, mismatches[:3]


def engine_scores(person_ids, as_of, stored=False):
    """Each person's score and tier; with `stored`, also what else the stored score keeps."""
    rules = rules_for(current_scheme())
    return {p: (r.score, r.tier) + ((r.dimensions, r.next_change_on) if stored else ())
            for p in person_ids for r in [compute(facts_for(p), rules, as_of)]}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rescore_people_matches_the_engine(app, seed):
    person_ids, consenting = make_population(seed)
    for as_of in (AS_OF, AS_OF + timedelta(days=200), AS_OF - timedelta(days=365)):
        rescore_people(person_ids, as_of=as_of)
        db.session.expire_all()
        assert_matches_engine(person_ids, consenting, as_of)


def test_cli_rescore_matches_the_engine_across_chunks(app, runner):
    person_ids, consenting = make_population(7, people=80)
    last = db.session.scalar(select(func.max(CreditRecord.person_id)))
    chunk = max(7, last // 12)  # a dozen chunks whose boundaries fall among these persons
    for as_of in (AS_OF, AS_OF + timedelta(days=400)):
        result = runner.invoke(args=["scores", "rescore", "--as-of", as_of.isoformat(),
                                     "--chunk", str(chunk)])
        assert result.exit_code == 0, result.output
        assert f"as of {as_of}" in result.output
        db.session.expire_all()
        assert_matches_engine(person_ids, consenting, as_of)


def test_an_extreme_population_matches_the_engine(app):
    """Many records per person push every dimension to its floor or cap and the score to 0/200."""
    person_ids, consenting = make_population(11, people=25, max_records=60, consent_share=1.0)
    rescore_people(person_ids, as_of=AS_OF)
    db.session.expire_all()
    assert_matches_engine(person_ids, consenting, AS_OF)


def history_count(person_ids):
    return db.session.scalar(select(func.count()).select_from(ScoreHistory).where(
        ScoreHistory.person_id.in_(person_ids)))


def stored_at(person_ids):
    db.session.expire_all()
    return {s.person_id: s.computed_at for s in db.session.scalars(
        select(Score).where(Score.person_id.in_(person_ids)))}


def nightly(runner, day):
    result = runner.invoke(args=["scores", "rescore", "--as-of", day.isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def history_rows(person_ids):
    return {(h.person_id, h.day): (h.score, h.tier) for h in db.session.scalars(
        select(ScoreHistory).where(ScoreHistory.person_id.in_(person_ids)))}


def test_history_keeps_each_moved_scores_old_value(app, runner):
    person_ids, consenting = make_population(5, people=40)
    first = AS_OF
    written = rescore_people(person_ids, as_of=first)
    assert written == len(consenting)
    # a first score has nothing before it: no history, and it holds from the day scored
    assert history_count(person_ids) == 0
    assert {db.session.get(Score, p).since for p in consenting} == {first}

    # the same day again: the persons' own rescore stores their scores, but nothing moved
    assert rescore_people(person_ids, as_of=first) == len(consenting)
    assert history_count(person_ids) == 0
    # and the nightly run over everyone rewrites none of them
    before = stored_at(person_ids)
    nightly(runner, first)
    assert stored_at(person_ids) == before

    # a later day: exactly the scores or tiers that moved leave their old value, from the day
    # it took effect, and hold their new one from that later day
    later = first + timedelta(days=300)
    before, after = engine_scores(consenting, first), engine_scores(consenting, later)
    moved = {p for p in consenting if before[p] != after[p]}
    assert moved, "the random population should have fading records"
    nightly(runner, later)
    assert history_rows(person_ids) == {(p, first): before[p] for p in moved}
    assert_matches_engine(person_ids, consenting, later)
    for person_id in consenting:
        assert db.session.get(Score, person_id).since == (later if person_id in moved else first)
    changed = next(iter(moved))
    assert db.session.get(Score, changed).as_of == later
    # a score unchanged (value, totals and next change) is not rewritten by the nightly run: it
    # keeps the day it was stored
    before, after = engine_scores(consenting, first, True), engine_scores(consenting, later, True)
    same = {p for p in consenting if before[p] == after[p]}
    assert same
    for person_id in consenting:
        assert db.session.get(Score, person_id).as_of == (first if person_id in same else later)

    # a person's own rescore dates their score today even when it did not move
    rescore_people(person_ids, as_of=later + timedelta(days=1))
    assert {s.as_of for s in db.session.scalars(select(Score).where(
        Score.person_id.in_(person_ids)))} == {later + timedelta(days=1)}


def test_the_history_gives_the_score_of_each_day_scored(app, runner):
    """Old values keep the day they took effect: read back, the value holding on each day a
    nightly run scored is the engine's score of that day."""
    person_ids, consenting = make_population(23, people=30)
    days = [AS_OF + timedelta(days=n) for n in (0, 90, 200, 365, 800, 1500)]
    for day in days:
        nightly(runner, day)
    assert history_count(person_ids) > 0
    for person_id in consenting:
        changes = history(person_id, days[0])
        assert [c.day for c in changes] == sorted({c.day for c in changes})
        for day in days:
            held = [c for c in changes if c.day <= day][-1]
            assert (held.score, held.tier) == engine_scores([person_id], day)[person_id], day


def test_moved_scores_are_audited(app):
    person_ids, consenting = make_population(9, people=15, consent_share=1.0)
    start = db.session.scalar(select(func.max(AuditEntry.id))) or 0
    rescore_people(person_ids, as_of=AS_OF, actor="test")
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.id > start, AuditEntry.action == "score.changed")).all()
    assert {e.subject_id for e in entries} == consenting
    scores = {s.person_id: s.score for s in db.session.scalars(
        select(Score).where(Score.person_id.in_(person_ids)))}
    assert all(e.data["score"] == scores[e.subject_id] and e.actor == "test" for e in entries)


def test_rescoring_named_persons_stores_the_engines_scores(app, runner):
    person_ids, consenting = make_population(13, people=5, consent_share=1.0)
    rescore_people(person_ids, as_of=AS_OF)
    for person_id in person_ids:
        score = db.session.get(Score, person_id)
        expected = compute(facts_for(person_id), rules_for(current_scheme()), AS_OF)
        assert (score.score, score.tier, score.dimensions) == (
            expected.score, expected.tier, expected.dimensions)
    # the nightly batch agrees with what the named rescore stored: it rewrites none of them
    before = stored_at(person_ids)
    nightly(runner, AS_OF)
    assert stored_at(person_ids) == before


def test_a_first_rescore_writes_every_score_once_and_no_history(app):
    person_ids, consenting = make_population(17, people=30)
    rescore_all(AS_OF, full=True)
    assert_matches_engine(person_ids, consenting, AS_OF)
    assert history_count(person_ids) == 0
    assert {db.session.get(Score, p).since for p in consenting} == {AS_OF}
    # scores gone (the range is scored as a first run again): the same day again stores them
    db.session.execute(delete(Score).where(Score.person_id.in_(person_ids)))
    assert rescore_all(AS_OF, full=True) >= len(consenting)
    db.session.expire_all()
    assert_matches_engine(person_ids, consenting, AS_OF)
    assert history_count(person_ids) == 0
