"""A department's file imported by a worker: progress to the end, the counts, the row-level
error report to download, and a re-run taking nothing twice. The worker reads only what is
committed, so these tests commit."""
import csv
import io

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.records.models import CreditRecord
from tests.admin.conftest import post, sign_in_as
from tests.admin.intake_files import csv_bytes, rows, xlsx_bytes
from tests.jobs.conftest import run_worker  # noqa: F401 - a fixture


@pytest.fixture
def app(live_app):
    return live_app


@pytest.fixture
def operator_client(app, make_operator):
    operator = make_operator("operator")
    db.session.commit()
    client = sign_in_as(app.test_client(), operator)
    db.session.commit()
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def upload(client, department, body, name):
    answer = post(client, "/admin/intake", {"department": department.code,
                                            "file": (io.BytesIO(body), name)},
                  content_type="multipart/form-data")
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return answer.headers["Location"]


def records_of(department):
    """Records the department delivered during the test."""
    return db.session.scalar(select(func.count()).select_from(CreditRecord).where(
        CreditRecord.department_id == department.id)) - department.records_before


@pytest.mark.parametrize("name, encode", [("records.csv", csv_bytes),
                                          ("records.xlsx", xlsx_bytes)])
def test_a_file_is_imported_with_progress_and_an_error_report(
        app, operator_client, make_department, run_worker, name, encode):  # noqa: F811
    department = make_department(issues="volunteer_hours")
    db.session.commit()
    body = encode(rows(good=3, bad=2))
    progress = upload(operator_client, department, body, name)
    assert operator_client.get(f"{progress}.json").get_json()["status"] == "queued"

    run_worker()

    state = operator_client.get(f"{progress}.json").get_json()
    assert state["status"] == "finished" and state["percent"] == 100
    assert "report" not in state["result"]
    assert (state["result"]["accepted"], state["result"]["rejected"]) == (3, 2)
    assert records_of(department) == 3
    page = operator_client.get(progress).get_data(as_text=True)
    assert 'id="count-accepted">3<' in page and 'id="error-report"' in page
    report = operator_client.get(f"{progress}/errors.csv")
    assert report.headers["Content-Disposition"].startswith("attachment")
    errors = list(csv.DictReader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(e["row"], e["field"]) for e in errors] == [("5", "id_number"), ("6", "type")]

    again = upload(operator_client, department, body, name)
    run_worker()
    result = operator_client.get(f"{again}.json").get_json()["result"]
    assert (result["accepted"], result["duplicate"], result["rejected"]) == (0, 3, 2)
    assert records_of(department) == 3


def test_the_error_report_neutralises_cells_a_spreadsheet_would_run_as_formulas(
        app, operator_client, make_department, run_worker):  # noqa: F811
    """A department's file is not trusted: an id such as =HYPERLINK(...) echoed into the error
    report must open in a spreadsheet as text, not as a formula."""
    department = make_department(issues="volunteer_hours")
    db.session.commit()
    good = rows(good=1, bad=0)[0]
    evil = ['=HYPERLINK("http://x.invalid","click")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1"]
    table = [[source_id, good[1], "张三", "no_such_type", "2026-01-05", "", ""]
             for source_id in evil]
    progress = upload(operator_client, department, csv_bytes(table), "records.csv")
    run_worker()

    report = operator_client.get(f"{progress}/errors.csv").get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(report.lstrip("\ufeff"))) for cell in row]
    assert len([c for c in cells if "SUM(A1)" in c or "HYPERLINK" in c]) == 2
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
