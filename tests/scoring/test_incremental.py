"""The nightly run rescores only the persons whose score can have changed, and ends exactly where
a full rescore would."""
import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select, update

from app.catalogue.services import current_scheme, rules_for
from app.core.extensions import db
from app.core.time import utcnow
from app.departments.services import create_department
from app.records.models import CreditRecord
from app.residents.models import Person
from app.residents.services import get_or_create_person, new_resident
from app.scoring import batch
from app.scoring.engine import Fact, faded_points
from app.scoring.models import ScoreCandidate, ScoreRun
from app.scoring.services import rescore_all, rescore_people
from tests.factories import new_id_number, new_phone
from tests.scoring.test_batch import AS_OF, assert_matches_engine, make_population

LONG_AGO = datetime(2026, 1, 1, tzinfo=timezone.utc)


def stamp_long_ago(person_ids):
    """Records delivered long before the runs: only their dates can make them count anew."""
    db.session.execute(update(CreditRecord).where(CreditRecord.person_id.in_(person_ids))
                       .values(created_at=LONG_AGO, updated_at=LONG_AGO))


def last_run():
    return db.session.scalar(select(ScoreRun).order_by(ScoreRun.id.desc()).limit(1))


def candidates_among(person_ids):
    return set(db.session.scalars(select(ScoreCandidate.person_id).where(
        ScoreCandidate.person_id.in_(person_ids))))


def change_some(rng, department, person_ids, consenting, day, step):
    """Between two nights: deliveries, corrections, revocations, repairs and consents, some of
    them rescored at once (as the API does), some only written (the night must still catch
    them)."""
    rules = rules_for(current_scheme())
    codes = sorted(rules.types)
    touched = set()
    for _ in range(rng.randint(1, 4)):
        person = rng.choice(person_ids)
        db.session.execute(insert(CreditRecord), [{
            "department_id": department.id, "source_id": uuid.uuid4().hex, "person_id": person,
            "type_code": rng.choice(codes), "status": "active", "attributes": {},
            "occurred_on": day + timedelta(days=rng.randint(-900, max(step, 0) + 5)),
            "ended_on": None, "units": rng.choice([1, 1, 2, 5])}])
        touched.add(person)
    active = db.session.scalars(select(CreditRecord).where(
        CreditRecord.person_id.in_(person_ids), CreditRecord.status == "active")).all()
    for record in rng.sample(active, min(len(active), rng.randint(1, 4))):
        change = rng.choice(["revoked", "repaired", "ended", "corrected"])
        if change == "revoked":
            record.status = "revoked"
        elif change == "repaired":
            record.status, record.repaired_at = "repaired", utcnow()
        elif change == "ended":
            record.ended_on = record.occurred_on + timedelta(days=rng.randint(0, 400))
        else:
            record.type_code, record.units = rng.choice(codes), rng.choice([0, 1, 3])
            record.occurred_on += timedelta(days=rng.randint(-200, 200))
        touched.add(record.person_id)
    outsiders = [p for p in person_ids if p not in consenting]
    if outsiders and rng.random() < 0.5:
        person = rng.choice(outsiders)
        resident = new_resident(db.session.get(Person, person), new_phone(), "x")
        resident.consented_at = utcnow()
        consenting.add(person)
        touched.add(person)
    db.session.flush()
    delivered = [p for p in touched if rng.random() < 0.5]
    if delivered:  # scored as of a day between the two nights
        rescore_people(delivered, as_of=day + timedelta(days=rng.randint(min(step, 0),
                                                                          max(step, 0))))


@pytest.mark.parametrize("seed", [21, 22, 23, 24, 25])
def test_incremental_nights_end_where_a_full_rescore_does(app, seed):
    rng = random.Random(seed)
    person_ids, consenting = make_population(seed, people=50)
    stamp_long_ago(person_ids)
    department, _key = create_department(f"dept_{uuid.uuid4().hex[:8]}", "测试部门")
    chunk = max(5, max(person_ids) // 6)  # chunk boundaries fall among these persons
    day = AS_OF - timedelta(days=rng.randint(0, 400))
    rescore_all(day, chunk, full=True)
    assert_matches_engine(person_ids, consenting, day)

    # nights in a row, nights skipped, a run for the same day again and one for an earlier day
    steps = [1] + [rng.choice([0, 1, 1, 2, 3, 17, 45, 120, 400, -3]) for _ in range(7)]
    for night, step in enumerate(steps):
        change_some(rng, department, person_ids, consenting, day, step)
        day += timedelta(days=step)
        new_scheme = night > 0 and rng.random() < 0.15
        if new_scheme:  # as if another scheme had been in force at the last run
            last_run().scheme_version = "older"
        rescore_all(day, chunk)
        run = last_run()
        assert run.full_rescore is new_scheme
        assert run.finished_at is not None and run.as_of == day
        db.session.expire_all()
        assert_matches_engine(person_ids, consenting, day)
        if night == 0:  # one day on, most persons' scores cannot have moved
            assert len(candidates_among(person_ids)) < len(person_ids) // 2
        # a full rescore of the same day finds nothing left to write
        assert rescore_all(day, chunk, full=True) == 0


def test_a_fading_record_makes_its_person_a_candidate_only_on_the_days_its_points_step(app):
    rules = rules_for(current_scheme())
    rule = next(r for r in rules.types.values()
                if not r.state and r.fade_days > abs(r.points) > 1)
    person = get_or_create_person(new_id_number(), "王五")
    new_resident(person, new_phone(), "x").consented_at = LONG_AGO
    department, _key = create_department(f"dept_{uuid.uuid4().hex[:8]}", "测试部门")
    occurred = AS_OF - timedelta(days=rule.full_days + rule.fade_days // 2)
    db.session.execute(insert(CreditRecord), [{
        "department_id": department.id, "source_id": "fading", "person_id": person.id,
        "type_code": rule.code, "occurred_on": occurred, "units": 1, "status": "active",
        "attributes": {}, "created_at": LONG_AGO, "updated_at": LONG_AGO}])
    fact = Fact(1, rule.code, "active", occurred)
    rescore_all(AS_OF - timedelta(days=1), full=True)
    stepped, still = [], []
    for offset in range(40):
        night = AS_OF + timedelta(days=offset)
        changed = faded_points(rule, fact, night - timedelta(days=1)) != faded_points(rule, fact, night)
        rescore_all(night)
        (stepped if changed else still).append(person.id in candidates_among([person.id]))
    assert stepped and all(stepped)
    assert still and not any(still)


def test_a_consenting_resident_never_scored_is_a_candidate(app):
    """However the resident came to have no score (consent long ago, a score deleted), the next
    night scores them."""
    rescore_all(AS_OF, full=True)
    person = get_or_create_person(new_id_number(), "赵六")
    resident = new_resident(person, new_phone(), "x")
    resident.consented_at = LONG_AGO
    db.session.flush()
    batch.collect_candidates(AS_OF + timedelta(days=1), utcnow())
    assert candidates_among([person.id]) == {person.id}


def test_a_resident_who_consented_since_the_last_run_is_a_candidate(app):
    """Registered long ago, consenting only now: the next night scores them (every resident
    consenting earlier was scored by a run that started after their consent)."""
    rescore_all(AS_OF, full=True)
    since = utcnow()
    person = get_or_create_person(new_id_number(), "赵六")
    resident = new_resident(person, new_phone(), "x")
    resident.created_at = LONG_AGO
    db.session.flush()
    batch.collect_candidates(AS_OF + timedelta(days=1), since)
    assert candidates_among([person.id]) == set()  # no consent, no score
    resident.consented_at = utcnow()
    db.session.flush()
    batch.collect_candidates(AS_OF + timedelta(days=1), since)
    assert candidates_among([person.id]) == {person.id}


def test_a_new_scheme_or_an_unfinished_run_rescores_everyone(app):
    person_ids, _consenting = make_population(31, people=10)
    rescore_all(AS_OF, full=True)
    rescore_all(AS_OF)
    assert not last_run().full_rescore
    last_run().scheme_version = "older"
    rescore_all(AS_OF)
    assert last_run().full_rescore
    last_run().finished_at = None  # a run that stopped half-way
    rescore_all(AS_OF)
    assert last_run().full_rescore
    assert db.session.scalar(select(func.count()).select_from(ScoreRun)) >= 4


def test_cli_full_flag_rescores_everyone(app, runner):
    make_population(32, people=5)
    for args, full in ((["--full"], True), ([], False)):
        result = runner.invoke(args=["scores", "rescore", "--as-of", AS_OF.isoformat(), *args])
        assert result.exit_code == 0, result.output
        assert last_run().full_rescore is full
