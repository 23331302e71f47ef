"""Each scheduled job, enqueued and run by `flask jobs worker`, does its work and commits it."""
import uuid
from datetime import timedelta

from rq.job import Job
from sqlalchemy import func, select

from app.core.audit import AuditEntry, audit, audit_many, verify_chain
from app.core.extensions import db
from app.core.jobs import JOBS, connection, enqueue, enqueue_named
from app.core.time import city_today, utcnow
from app.records.models import CreditRecord
from app.scoring.models import Score
from app.verification.models import Redemption


def result_of(job: Job):
    """The return value of a job the worker has run; fails with the job's error otherwise."""
    job = Job.fetch(job.id, connection=connection())
    assert job.get_status() == "finished", job.latest_result().exc_string
    return job.return_value()


def unsealed():
    return db.session.scalar(select(func.count()).where(AuditEntry.hash.is_(None)))


def test_appending_in_a_request_leaves_the_entries_for_the_sealer(app):
    # more entries than the 100 appends after which a request used to seal
    with app.test_request_context():
        ids = audit_many([dict(actor="test", action="jobs.appended", object_type="test",
                               object_id=i) for i in range(150)])
        hashes = db.session.scalars(select(AuditEntry.hash).where(AuditEntry.id.in_(ids))).all()
        db.session.commit()
    assert len(hashes) == 150 and set(hashes) == {None}


def test_sealing_job_chains_every_unsealed_entry(app, run_worker):
    audit("test", "jobs.sealed", "test", uuid.uuid4().hex)
    db.session.commit()
    assert unsealed() >= 1
    job = enqueue_named("seal")
    run_worker()
    assert result_of(job)["sealed"] >= 1
    assert unsealed() == 0
    checked, broken = verify_chain()
    assert broken is None and checked >= 1


def test_defaults_job_records_a_default_past_its_grace_period(app, run_worker, make_resident,
                                                              make_merchant):
    resident, merchant = make_resident(), make_merchant()
    now = utcnow()
    redemption = Redemption(token_id=uuid.uuid4().hex, person_id=resident.person_id,
                            resident_id=resident.id, merchant_id=merchant.id,
                            benefit_id=merchant.benefits[0].id, status="defaulted",
                            defaulted_at=now - timedelta(days=8),
                            default_due_at=now - timedelta(minutes=1))
    db.session.add(redemption)
    db.session.commit()
    redemption_id, person_id = redemption.id, resident.person_id
    job = enqueue_named("defaults")
    run_worker()
    assert result_of(job)["recorded"] >= 1
    db.session.expire_all()
    record_id = db.session.get(Redemption, redemption_id).record_id
    assert record_id is not None
    record = db.session.get(CreditRecord, record_id)
    assert (record.person_id, record.type_code) == (person_id, "merchant_default")


def test_nightly_rescore_job_corrects_a_stale_score(app, run_worker, make_resident):
    resident = make_resident(records=[("tax_paid_on_time", 30)])
    db.session.commit()
    person_id = resident.person_id
    score = db.session.get(Score, person_id)
    right = score.score
    score.score = right - 37
    db.session.commit()
    today = city_today().isoformat()
    job = enqueue(JOBS["rescore"].path, as_of=today)
    run_worker()
    result = result_of(job)
    assert result["as_of"] == today and result["scores"] >= 1
    db.session.expire_all()
    assert db.session.get(Score, person_id).score == right
