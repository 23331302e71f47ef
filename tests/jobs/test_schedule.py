"""The schedule of the periodic jobs, the scheduler that enqueues them and `flask jobs ...`."""
import threading
import time
from datetime import timedelta

from rq.job import Job

from app.core.jobs import build_scheduler, connection, get_queue, run_scheduler
from app.core.time import CITY_TZ, utcnow

SEAL = "app.core.audit_jobs.seal_audit_log"
DEFAULTS = "app.verification.jobs.process_defaults"
RESCORE = "app.scoring.jobs.nightly_rescore"
SIGN_IN = "app.core.signin_jobs.prune_sign_in_state"
NUMERIC_CODES = "app.credit_codes.jobs.prune_numeric_codes"
RETENTION = "app.governance.jobs.purge_past_retention"


def test_each_job_is_registered_on_its_schedule_in_city_time(app, city_time):
    jobs = {job.func_name: job for job in build_scheduler().get_jobs()}
    assert set(jobs) == {SEAL, DEFAULTS, RESCORE, SIGN_IN, NUMERIC_CODES, RETENTION}
    assert jobs[RETENTION].cron == "30 3 * * *"  # after the nightly rescore
    assert jobs[SIGN_IN].cron == "30 * * * *"
    assert jobs[NUMERIC_CODES].cron == "40 * * * *"
    assert (jobs[SEAL].interval, jobs[SEAL].cron) == (60, None)
    assert jobs[DEFAULTS].cron == "0 * * * *"
    assert jobs[RESCORE].cron == "0 2 * * *"
    hourly = jobs[DEFAULTS].next_enqueue_time
    assert hourly.minute == 0 and hourly - utcnow() <= timedelta(hours=1)
    nightly = jobs[RESCORE].next_enqueue_time.astimezone(CITY_TZ)
    assert (nightly.hour, nightly.minute) == (2, 0)
    assert jobs[RESCORE].job_options["job_timeout"] > jobs[SEAL].job_options["job_timeout"]


def test_the_scheduler_enqueues_the_sealing_at_once(app):
    stop = threading.Event()
    thread = threading.Thread(target=run_scheduler, args=(build_scheduler(), stop))
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while get_queue().count == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert SEAL in [job.func_name for job in get_queue().get_jobs()]


def test_enqueue_command_queues_the_named_job_and_status_shows_it(app, runner):
    result = runner.invoke(args=["jobs", "enqueue", "rescore"])
    assert result.exit_code == 0, result.output
    job_id = result.output.split()[-1]
    assert Job.fetch(job_id, connection=connection()).func_name == RESCORE
    status = runner.invoke(args=["jobs", "status"])
    assert status.exit_code == 0 and "1 queued" in status.output
    assert runner.invoke(args=["jobs", "enqueue", "everything"]).exit_code != 0
