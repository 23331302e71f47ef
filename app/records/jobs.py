"""The records domain's background job: a batch file uploaded in the console, imported."""
import csv
import io
import tempfile
import zipfile
from pathlib import Path

from flask_babel import gettext as _

from app.core.jobs import connection, report_progress
from app.departments.services import find_department
from app.records.files import ImportFileError, count_rows, read_rows
from app.records.importing import REPORT_HEADER, import_rows

UPLOAD_PREFIX = "intake:upload:"


def import_upload(department_code: str, upload_key: str, suffix: str, actor: str) -> dict:
    """Import the file stored in Redis at `upload_key` for the department, in committed batches
    with the progress reported; return the counts and the row-level error report (CSV text).

    A file that turns out unreadable part way keeps the batches before (a re-run counts them as
    duplicates) and says so in `problem`.
    """
    store = connection()
    body = store.get(upload_key)
    department = find_department(department_code)
    totals = {"accepted": 0, "duplicate": 0, "rejected": 0}
    report = io.StringIO()
    writer = csv.writer(report)
    writer.writerow(REPORT_HEADER)
    result = {**totals, "rows": 0, "problem": None}
    if body is None or department is None:
        result["problem"] = _("The upload has expired: upload the file again.")
        return {**result, "report": report.getvalue()}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(body)
        done, total = 0, 0

        def progress(rows):
            nonlocal done
            done += rows
            report_progress(done, total)

        try:
            total = count_rows(path)
            report_progress(0, total)
            import_rows(department, read_rows(path), actor, writer, totals, progress)
        except (ImportFileError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
            result["problem"] = _("The file could not be read to its end (%(error)s); the rows "
                                  "before were imported.", error=str(exc)[:200])
    store.delete(upload_key)
    return {**result, **totals, "rows": sum(totals.values()), "report": report.getvalue()}
