"""`flask jobs ...`: the worker, with the scheduler beside it, and enqueueing by hand."""
import threading

import click
from flask.cli import AppGroup
from rq import Worker
from rq.cron import CronScheduler

from app.core.jobs import (
    JOBS,
    QUEUE,
    build_scheduler,
    connection,
    enqueue_named,
    get_queue,
    make_worker,
    run_scheduler,
    use_city_time,
)
from app.core.time import CITY_TZ

jobs_group = AppGroup("jobs", help="Background jobs and their schedule.")


@jobs_group.command("worker")
@click.option("--burst", is_flag=True, help="Quit once the queue is empty (no scheduler).")
@click.option("--no-scheduler", is_flag=True,
              help="Run jobs only: start the scheduler beside one worker, not all.")
def worker_command(burst, no_scheduler):
    """Run queued jobs; the scheduler in the same process enqueues the periodic ones."""
    stop, scheduler_thread = threading.Event(), None
    if not (burst or no_scheduler):
        use_city_time()
        scheduler_thread = threading.Thread(target=run_scheduler, args=(build_scheduler(), stop),
                                            name="cron-scheduler", daemon=True)
        scheduler_thread.start()
    try:
        make_worker().work(burst=burst)
    finally:
        stop.set()
        if scheduler_thread is not None:
            scheduler_thread.join(5)


@jobs_group.command("enqueue")
@click.argument("name", type=click.Choice(sorted(JOBS)))
def enqueue_command(name):
    """Queue a run of a scheduled job now."""
    job = enqueue_named(name)
    click.echo(f"enqueued {name}: {job.id}")


@jobs_group.command("status")
def status():
    """Queued and failed jobs, the workers and the schedule (city time)."""
    queue = get_queue()
    click.echo(f"queue {QUEUE}: {queue.count} queued, {queue.failed_job_registry.count} failed")
    for worker in Worker.all(connection=connection()):
        click.echo(f"worker {worker.name}: {worker.get_state()}")
    for scheduler in CronScheduler.all(connection()):
        click.echo(f"scheduler {scheduler.name}")
        for job in scheduler.get_jobs():
            every = f"cron {job.cron!r}" if job.cron else f"every {job.interval} s"
            due = job.next_enqueue_time
            when = f"{due.astimezone(CITY_TZ):%Y-%m-%d %H:%M:%S}" if due else "now"
            click.echo(f"  {job.func_name}: {every}, next {when}")
