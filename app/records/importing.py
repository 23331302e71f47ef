"""Batch files imported in committed batches (by `flask records import` and the console's
intake job), read by `files`."""
import gc
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import compress, islice
from operator import attrgetter
from typing import NamedTuple

from flask import current_app

from app.core.db import can_fan_out
from app.core.extensions import db
from app.records.services import check_batch, current_types, split_batch, store_batch

REPORT_HEADER = ("row", "source_id", "field", "message")


def import_rows(department, rows, actor, report, totals, progress=None, batch_size=1000,
                stop=None):
    """Import a batch file's `read_rows`, committing each batch (a re-run resumes: rows taken
    count as duplicates); write every error of a rejected row to `report` (a csv writer),
    count the outcomes in `totals` as it goes, call `progress(rows)` after each batch. Once
    `stop` (an Event) is set, end like Ctrl-C before the next batch.

    The next batch is read and checked in a thread while this one is stored: the check needs
    no database, and runs while the storing waits for it, from the moment the records are sent
    (until then storing needs the interpreter itself, between short statements). (A forked
    child checking on the other core instead spent more on sending each checked batch across
    than it saved, and lost to the thread whenever the machine was busy.)

    On PostgreSQL a batch is split by person into `IMPORT_CONNECTIONS` parts, stored and
    committed at once, each in a session and on a connection of its own: a person's records
    always go to the same part, so the parts never wait for each other's locks, and the
    database inserts on both cores (a batch's part is one transaction; one that fails leaves
    the others committed, and a re-run resumes as ever).
    """
    app = current_app._get_current_object()
    chunks = batches(rows, batch_size)
    # read once: the department object would be loaded again after each commit, and the
    # checking thread must not load it
    department = Sender(department.id, department.code)
    # the same persons recur batch after batch: their ID numbers are checked and the persons
    # looked up once, by the part of the batches that stores each person's records
    connections = current_app.config["IMPORT_CONNECTIONS"] if can_fan_out(db.session) else 1
    known_ids, persons = {}, [{} for _ in range(max(connections, 1))]

    def read_and_check(types, start):
        """(row numbers, checked batch, its parts) of the next batch, or None at the end of the
        file; begun once `start` is set."""
        start.wait()
        with app.app_context():
            chunk = next(chunks, None)
            if chunk is None:
                return None
            batch = check_batch([r for _n, r in chunk], types, department.code, known_ids)
            return [number for number, _r in chunk], batch, split_batch(batch, len(persons))

    def store_other(part, known):
        """Store and commit a part of a batch in a session and on a connection of its own."""
        with app.app_context():
            try:
                store_batch(department, part, actor=actor, known=known)
                db.session.commit()
            finally:
                db.session.remove()

    with _interpreter_for_batches(), ThreadPoolExecutor(max_workers=1) as checker, \
            ThreadPoolExecutor(max_workers=len(persons)) as storers:
        start = threading.Event()
        start.set()
        pending = checker.submit(read_and_check, current_types(), start)
        try:
            while (checked := pending.result()) is not None:
                if stop is not None and stop.is_set():
                    raise KeyboardInterrupt
                start = threading.Event()
                pending = checker.submit(read_and_check, current_types(), start)
                numbers, batch, (first, *others) = checked
                stored = [(part, storers.submit(store_other, part, known))
                          for part, known in zip(others, persons[1:])]
                try:
                    store_batch(department, first, actor=actor, known=persons[0],
                                inserting=start.set)
                    db.session.commit()
                except BaseException:  # Ctrl-C too: the other parts still commit
                    _end_parts(stored, totals, None)
                    raise
                if (failure := _end_parts(stored, totals, [first])) is not None:
                    raise failure
                _count(totals, batch.outcomes)
                for number, outcome in compress(zip(numbers, batch.outcomes),
                                                map(attrgetter("errors"), batch.outcomes)):
                    for error in outcome.errors:
                        report.writerow([_as_text(cell) for cell in (
                            number, outcome.source_id or "", error["field"], error["message"])])
                if progress is not None:
                    progress(len(numbers))
        finally:
            # however the loop ended (a failed batch, Ctrl-C anywhere), the checker is not left
            # waiting, and the pool's shutdown does not wait for it forever
            start.set()
    return totals


def _end_parts(stored, totals, committed):
    """Wait for the parts of a batch stored in other threads, [(part, future)]; return the
    first one's error, or None. `committed`: the parts stored here, None if this thread's part
    failed. After a failure, the parts that committed (the others go on) are counted."""
    failure, done = None, list(committed or [])
    for part, future in stored:
        if (error := future.exception()) is None:
            done.append(part)
        elif failure is None:
            failure = error
    if failure is not None or committed is None:
        for part in done:
            _count(totals, part.outcomes)
    return failure


def _count(totals, outcomes):
    """Add the outcomes to `totals` by status, without a Python loop over every row."""
    for status, count in Counter(map(attrgetter("status"), outcomes)).items():
        totals[status] += count


class Sender(NamedTuple):
    """What storing reads of the delivering department."""

    id: int
    code: str


# the collector's thresholds during an import: a young collection every 50,000 allocations
# (700 otherwise), the older generations after 20 and 100 of the one below (10 and 10)
IMPORT_COLLECTION_THRESHOLDS = (50_000, 20, 100)
# seconds a thread holds the interpreter while another waits for it (0.005 otherwise)
IMPORT_SWITCH_INTERVAL = 0.0005


@contextmanager
def _interpreter_for_batches():
    """A batch allocates tens of thousands of objects (its rows, values and outcomes), nearly
    all freed by their reference counts once stored. The cyclic collector, set off every 700
    allocations, would walk them again and again: a fifth of the import's CPU.

    The storing thread spends most of a batch waiting for PostgreSQL, and the checking thread
    fills those waits. When a statement's answer arrives, the storing thread is to go on at
    once, not after the checker's turn of 5 ms (a dozen statements a batch)."""
    thresholds, interval = gc.get_threshold(), sys.getswitchinterval()
    gc.set_threshold(*IMPORT_COLLECTION_THRESHOLDS)
    sys.setswitchinterval(IMPORT_SWITCH_INTERVAL)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        sys.setswitchinterval(interval)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_text(cell):
    """A report cell a spreadsheet shows as text: the file's own values are echoed into the
    report, and one starting like a formula would otherwise run when the report is opened."""
    text = str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def batches(rows, size):
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk
