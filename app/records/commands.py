import csv
import signal
import threading
import zipfile
from contextlib import contextmanager

import click
from flask.cli import AppGroup

from app.core.extensions import db
from app.departments.services import find_department
from app.records.files import ImportFileError, count_rows, read_rows
from app.records.importing import REPORT_HEADER, import_rows

records = AppGroup("records", help="Public credit records.")


@records.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--department", "code", required=True, help="Code of the delivering department.")
@click.option("--report", type=click.Path(dir_okay=False), help="Row-level error report (CSV).")
# every batch pays a dozen round trips, a commit, and a lock, a look-up and a rescore for each of
# its persons, whose records are mostly spread over the file: 20,000 rows share them four times
# as thinly as 5,000 (an import of 100,000 records: 14 % quicker), and, split between two
# connections, hold their persons' locks for some tenths of a second
@click.option("--batch-size", default=20_000, show_default=True)
def import_file(path, code, report, batch_size):
    """Import a CSV, XLSX or JSON-lines file; each batch commits, so a re-run resumes safely."""
    department = find_department(code)
    if department is None:
        raise click.ClickException(f"no department with code {code!r}")
    report = report or f"{path}.errors.csv"
    totals = {"accepted": 0, "duplicate": 0, "rejected": 0}
    stop = threading.Event()
    try:
        with _sigterm_sets(stop):
            _import(path, code, department, report, batch_size, totals, stop)
    except KeyboardInterrupt:
        db.session.rollback()
        raise click.ClickException(
            f"stopped after {sum(totals.values())} rows were committed; run the same command "
            f"again to resume (rows already taken count as duplicates)") from None
    click.echo(f"accepted {totals['accepted']}, duplicates {totals['duplicate']}, "
               f"rejected {totals['rejected']}; error report: {report}")


def _import(path, code, department, report, batch_size, totals, stop):
    try:
        total_rows = count_rows(path)
        with open(report, "w", newline="", encoding="utf-8") as out, click.progressbar(
            length=total_rows, label="importing"
        ) as bar:
            writer = csv.writer(out)
            writer.writerow(REPORT_HEADER)
            import_rows(department, read_rows(path), f"import:{code}", writer, totals,
                        bar.update, batch_size, stop)
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from exc
    except (UnicodeDecodeError, zipfile.BadZipFile) as exc:
        # batches before the unreadable part are committed; a re-run resumes as duplicates
        raise click.ClickException(f"cannot read {path} (CSV and JSON lines must be UTF-8, "
                                   f"XLSX a workbook): {exc}") from exc


@contextmanager
def _sigterm_sets(stop):
    """A SIGTERM (a stopped container, `kill`) ends the import like Ctrl-C, cleanly, with a
    count, once the batch in hand is committed."""
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
