"""Batch files (CSV, XLSX, JSON lines) read as a stream of record dicts for intake, and
imported in committed batches (by `flask records import` and the console's intake job)."""
import csv
import gc
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import compress, islice
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from flask import current_app

from app.core.db import can_fan_out
from app.core.extensions import db
from app.core.json import loads
from app.records.services import check_batch, current_types, split_batch, store_batch

BASE_FIELDS = ("source_id", "id_number", "name", "type", "occurred_at", "ended_at")
# columns of the record itself, the rest being attributes; all but these two are required
RECORD_FIELDS = (*BASE_FIELDS, "document_ref")
OPTIONAL_FIELDS = ("ended_at", "document_ref")
REPORT_HEADER = ("row", "source_id", "field", "message")


class ImportFileError(ValueError):
    """A file that cannot be read at all (unknown format, missing columns)."""


def read_rows(path):
    """Yield (row number, record dict or the raw line when unparseable) from a batch file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _tabular(_csv_rows(path))
    elif suffix == ".xlsx":
        yield from _tabular(_xlsx_rows(path))
    elif suffix in (".jsonl", ".ndjson"):
        yield from _jsonl(path)
    else:
        raise ImportFileError(f"unsupported file type {suffix!r}: use .csv, .xlsx or .jsonl")


def count_rows(path) -> int:
    """Data rows in the file, for the progress bar."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).active
        return max((sheet.max_row or 1) - 1, 0)
    with path.open("rb") as f:
        lines = sum(1 for line in f if line.strip())
    return lines - 1 if path.suffix.lower() == ".csv" else lines


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


def _csv_rows(path):
    with path.open(newline="", encoding="utf-8-sig") as f:
        yield from csv.reader(f)


def _xlsx_rows(path):
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    for row in workbook.active.iter_rows(values_only=True):
        yield ["" if v is None else _cell(v) for v in row]


def _cell(value):
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    return str(value)


def _tabular(rows):
    rows = iter(rows)
    header = [h.strip() for h in next(rows, [])]
    missing = [f for f in RECORD_FIELDS if f not in OPTIONAL_FIELDS and f not in header]
    if missing:
        raise ImportFileError(f"missing columns: {', '.join(missing)}")
    # where each column is (the last of a repeated name), and which are attributes
    position = {name: i for i, name in enumerate(header)}
    fields = [(name, i) for name, i in position.items() if name in RECORD_FIELDS]
    attributes = [(name, i) for name, i in position.items() if name not in RECORD_FIELDS]
    width = len(header)
    for number, values in enumerate(rows, start=2):
        values = list(map(str.strip, values))
        if not any(values):
            continue
        if len(values) < width:  # a short row lacks its last columns
            values += [""] * (width - len(values))
        record = {name: values[i] for name, i in fields if values[i]}
        # any other column is a type-specific attribute, numeric where it looks numeric
        record["attributes"] = {name: _number(values[i]) for name, i in attributes if values[i]}
        yield number, record


def _number(text):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _jsonl(path):
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield number, loads(line)
            except ValueError:  # not JSON, or beyond the limits of app.core.json
                yield number, line.rstrip("\n")
