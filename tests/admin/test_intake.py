"""Bulk intake from the console: who may import, friendly refusals of files that cannot be
imported, and a file imported by a worker with its progress and row-level error report."""
import csv
import io

import pytest
from sqlalchemy import func, select

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.records.models import CreditRecord
from tests.admin.conftest import post
from tests.admin.console_support import console  # noqa: F401 - a fixture
from tests.admin.intake_files import csv_bytes, rows


def upload(client, department, body, name="records.csv"):
    data = {"department": department}
    if body is not None:
        data["file"] = (io.BytesIO(body), name)
    return post(client, "/admin/intake", data, content_type="multipart/form-data")


def records_of(department):
    """Records the department delivered during the test."""
    return db.session.scalar(select(func.count()).select_from(CreditRecord).where(
        CreditRecord.department_id == department.id)) - department.records_before


@pytest.mark.parametrize("role, status", [("operator", 200), ("auditor", 200), ("reviewer", 403)])
def test_operators_and_auditors_see_the_intake_screen(console, make_department, role, status):
    department = make_department(issues="volunteer_hours")
    answer = console(role).get("/admin/intake")
    assert answer.status_code == status
    if status == 200:
        page = answer.get_data(as_text=True)
        # only an operator is offered the upload, with the departments to choose from
        assert (f'value="{department.code}"' in page) == (role == "operator")


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
def test_only_an_operator_imports(console, make_department, role):
    department = make_department(issues="volunteer_hours")
    answer = upload(console(role), department.code, csv_bytes(rows()))
    assert answer.status_code == 403
    assert records_of(department) == 0


@pytest.mark.parametrize("department, body, name, status, message", [
    ("no_such_department", csv_bytes(rows()), "records.csv", 422, "Choose the department"),
    (None, None, None, 400, "Choose a file"),
    (None, csv_bytes(rows()), "records.txt", 415, "Upload a .csv, .xlsx or .jsonl file"),
    (None, b"  \n", "records.csv", 400, "The file is empty"),
    (None, csv_bytes(rows(), header=["source_id", "name"]), "records.csv", 422,
     "missing columns: id_number, type, occurred_at"),
    (None, "source_id,名字\n".encode("gb18030"), "records.csv", 422, "must be UTF-8"),
    (None, b"PK\x03\x04 not really a workbook", "records.xlsx", 422, "not a readable workbook"),
])
def test_a_file_that_cannot_be_imported_gets_a_friendly_refusal(
        console, make_department, department, body, name, status, message):
    real = make_department(issues="volunteer_hours")
    answer = upload(console(), department or real.code, body, name)
    assert answer.status_code == status
    page = answer.get_data(as_text=True)
    assert message in page and 'role="alert"' in page
    assert records_of(real) == 0


def test_a_file_over_the_size_limit_is_refused_kindly(console, make_department, app):
    department = make_department(issues="volunteer_hours")
    body = csv_bytes(rows()) + b"x" * app.config["MAX_CONTENT_LENGTH"]
    answer = upload(console(), department.code, body)
    assert answer.status_code == 413
    assert "too large" in answer.get_data(as_text=True)


def test_an_unknown_intake_is_a_404(console):
    client = console("auditor")
    assert client.get("/admin/intake/no-such-job").status_code == 404
    answer = client.get("/admin/intake/no-such-job.json")
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"
    assert client.get("/admin/intake/no-such-job/errors.csv").status_code == 404


def report_rows(text):
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_queued_upload_is_audited(console, make_department):
    department = make_department(issues="volunteer_hours")
    client = console()
    answer = upload(client, department.code, csv_bytes(rows()))
    assert answer.status_code == 303
    job_id = answer.headers["Location"].rsplit("/", 1)[1]
    entry = db.session.scalar(select(AuditEntry).filter_by(action="intake.queued",
                                                           object_id=job_id))
    assert entry.actor == client.operator.actor
    assert entry.data["department"] == department.code and entry.data["file"] == "records.csv"
    state = client.get(f"/admin/intake/{job_id}.json").get_json()
    assert state["status"] == "queued" and state["percent"] == 0
    # nothing is imported before a worker runs it
    assert records_of(department) == 0
