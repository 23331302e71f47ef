"""Background jobs: one RQ queue on the app's Redis, a worker running each job in the app
context, and the schedule of the periodic jobs.

Jobs are named by dotted path, so nothing here imports the domains whose work it runs.
"""
import logging
import os
import threading
import time
from dataclasses import dataclass

import redis
from flask import current_app
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler
from rq.exceptions import NoSuchJobError
from rq.job import Job, get_current_job
from rq.utils import import_attribute

from app.core.time import CITY_TZ

QUEUE = "default"


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job: where its function is, how long it may run, and when."""

    path: str  # dotted path of the job function
    timeout: int  # seconds a run may take before the worker stops it
    cron: str | None = None  # city time
    interval: int | None = None  # seconds


JOBS = {
    "seal": JobSpec("app.core.audit_jobs.seal_audit_log", timeout=600, interval=60),
    "defaults": JobSpec("app.verification.jobs.process_defaults", timeout=1800, cron="0 * * * *"),
    "rescore": JobSpec("app.scoring.jobs.nightly_rescore", timeout=4 * 3600, cron="0 2 * * *"),
    "sign_in": JobSpec("app.core.signin_jobs.prune_sign_in_state", timeout=600, cron="30 * * * *"),
    "numeric_codes": JobSpec("app.credit_codes.jobs.prune_numeric_codes", timeout=600,
                             cron="40 * * * *"),
    "retention": JobSpec("app.governance.jobs.purge_past_retention", timeout=3600,
                         cron="30 3 * * *"),
}

log = logging.getLogger(__name__)


def connection() -> redis.Redis:
    """The Redis connection of the queue and its workers, one per app.

    Not the app's fast-fail client: a worker waits on the queue for minutes at a time, and RQ
    lengthens the socket timeout of the connection it is given.
    """
    extensions = current_app.extensions
    if "rq" not in extensions:
        extensions["rq"] = redis.Redis.from_url(current_app.config["REDIS_URL"])
    return extensions["rq"]


def get_queue() -> Queue:
    return Queue(QUEUE, connection=connection())


def enqueue(func_path: str, *args, timeout: int | None = None, result_ttl: int | None = None,
            **kwargs) -> Job:
    """Queue a call of the function at `func_path` for a worker (after the commit it reads);
    its result is kept `result_ttl` seconds (RQ's default when None)."""
    return get_queue().enqueue(func_path, args=args, kwargs=kwargs, job_timeout=timeout,
                               result_ttl=result_ttl)


def report_progress(done: int, total: int) -> None:
    """Tell whoever watches the running job how far it is (a no-op outside a job)."""
    job = get_current_job()
    if job is not None:
        job.meta.update(done=done, total=total)
        job.save_meta()


def job_state(job_id: str) -> dict | None:
    """A queued job's status, progress and result for a progress bar; None if unknown."""
    try:
        job = Job.fetch(job_id, connection=connection())
    except (NoSuchJobError, ValueError):  # RQ refuses an id that no job could have
        return None
    status = job.get_status()
    done, total = job.meta.get("done", 0), job.meta.get("total", 0)
    if status == "finished":
        done = total = max(total, 1)
    return {"function": job.func_name, "status": str(getattr(status, "value", status)),
            "done": done, "total": total,
            "percent": round(100 * done / total) if total else 0,
            "result": job.return_value() if status == "finished" else None}


def enqueue_named(name: str) -> Job:
    """Queue a run of one of `JOBS` now."""
    spec = JOBS[name]
    return enqueue(spec.path, timeout=spec.timeout)


# SimpleWorker runs each job in the worker's own process rather than in a forked work-horse.
# A fork would inherit the database pool's open connections (SQLite's and PostgreSQL's alike)
# and could copy a lock held by the scheduler thread, which the child could never release. The
# jobs are set-based SQL and need little memory, so a work-horse's isolation buys little; a
# job that overruns its timeout is still stopped (SIGALRM, in the main thread).
class AppWorker(SimpleWorker):
    """Run each job in a fresh context of the app the worker was started in."""

    def perform_job(self, job, queue, execution):
        # the context's teardown removes the job's session: nothing a job left open or cached
        # reaches the next one
        with current_app.app_context():
            return super().perform_job(job, queue, execution)


def make_worker() -> AppWorker:
    return AppWorker([get_queue()], connection=connection())


def build_scheduler() -> CronScheduler:
    """A cron scheduler with every job of `JOBS` registered on its schedule."""
    scheduler = CronScheduler(connection=connection())
    for spec in JOBS.values():
        scheduler.register(import_attribute(spec.path), QUEUE, cron=spec.cron,
                           interval=spec.interval, job_timeout=spec.timeout)
    return scheduler


def use_city_time():
    """Make the process's local time the city's: RQ reads cron fields in local time.

    Stored times are all timezone-aware UTC, so only the schedule and log times change.
    """
    os.environ["TZ"] = CITY_TZ.key
    time.tzset()


def run_scheduler(scheduler: CronScheduler, stop: threading.Event):
    """Enqueue the scheduled jobs when due until `stop` is set.

    `CronScheduler.start()` does the same but installs signal handlers, which only the main
    thread may do, and the worker holds that one.
    """
    scheduler.register_birth()
    try:
        while not stop.is_set():
            try:
                if scheduler.enqueue_jobs():
                    scheduler.save()
                scheduler.heartbeat()
                pause = scheduler.calculate_sleep_interval()
            except redis.RedisError:
                # a job not enqueued stays due and is enqueued on the next pass
                log.exception("cron scheduler: Redis unavailable, retrying")
                pause = 5
            stop.wait(pause)
    finally:
        try:
            scheduler.register_death()
        except redis.RedisError:
            pass  # its registry entry expires on its own
