"""`flask records import` under bad cells and interruptions: a bad row is rejected on its own,
and a stopped import says what was committed and resumes on a re-run (issue 11, item 7)."""
import csv
import json
import os
import signal

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.records import commands, importing
from app.records.files import BASE_FIELDS
from app.records.models import CreditRecord
from app.records.purge import purge_records
from app.records.services import check_batch, current_types, store_batch
from app.residents.services import find_person
from tests.factories import new_id_number, record_payload


def stored(department):
    return db.session.scalar(select(func.count()).select_from(CreditRecord).where(
        CreditRecord.department_id == department.id)) - department.records_before


def write_rows(path, id_number, amounts):
    """One blood-donation row per value of an `amount` column (an attribute no rule reads)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([*BASE_FIELDS, "amount"])
        for n, value in enumerate(amounts):
            writer.writerow([f"{path.stem}-{n}", id_number, "张三", "blood_donation",
                             "2026-01-05", "", value])


def run_import(runner, path, department, *extra):
    return runner.invoke(args=["records", "import", str(path), "--department", department.code,
                               "--report", str(path.with_suffix(".errors.csv")), *extra])


@pytest.mark.parametrize("bad", ["NaN", "nan", "Infinity", "-inf", "1e400", "1" * 400,
                                 "1" * 5000, "9" * 17])
def test_one_bad_number_rejects_its_row_only_and_every_rerun_agrees(app, runner, tmp_path,
                                                                    make_department, bad):
    department = make_department(issues="blood_donation")
    path = tmp_path / "records.csv"
    write_rows(path, new_id_number(), ["10"] * 4 + [bad] + ["20"] * 5)
    result = run_import(runner, path, department)
    assert result.exit_code == 0, result.output
    assert "accepted 9, duplicates 0, rejected 1" in result.output
    assert stored(department) == 9
    with open(path.with_suffix(".errors.csv"), encoding="utf-8") as f:
        errors = list(csv.DictReader(f))
    assert [(e["row"], e["field"]) for e in errors] == [("6", "attributes")]
    assert errors[0]["message"]
    again = run_import(runner, path, department)
    assert again.exit_code == 0 and "accepted 0, duplicates 9, rejected 1" in again.output


def test_control_characters_in_a_cell_reject_the_row(app, runner, tmp_path, make_department):
    department = make_department(issues="blood_donation")
    path = tmp_path / "records.csv"
    write_rows(path, new_id_number(), ["10", "a\x00b", "\x1b[2J", "20"])
    result = run_import(runner, path, department)
    assert result.exit_code == 0, result.output
    assert "accepted 2, duplicates 0, rejected 2" in result.output


def test_json_lines_beyond_the_parsers_limits_are_rejected_rows(app, runner, tmp_path,
                                                                make_department):
    department = make_department(issues="blood_donation")
    path = tmp_path / "records.jsonl"
    good = {"source_id": "g-1", "id_number": new_id_number(), "name": "张三",
            "type": "blood_donation", "occurred_at": "2026-01-05"}
    lines = ['{"source_id": "big", "attributes": {"x": ' + "1" * 5000 + "}}",
             "[" * 100000 + "]" * 100000,
             json.dumps({**good, "source_id": "nan", "attributes": {"x": float("nan")}}),
             json.dumps({**good, "source_id": "surrogate", "name": "张\ud800"}),
             json.dumps(good)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_import(runner, path, department)
    assert result.exit_code == 0, result.output
    assert "accepted 1, duplicates 0, rejected 4" in result.output


def interrupt_after(rows, stop):
    """Wrap `read_rows` so that `stop()` runs as the 7th row is read (in the 4th batch of 2)."""

    def reading(path):
        for position, row in enumerate(rows(path)):
            if position == 6:
                stop()
            yield row

    return reading


@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_a_stopped_import_says_what_was_committed_and_a_rerun_resumes(app, runner, tmp_path,
                                                                      make_department,
                                                                      monkeypatch, stop):
    department = make_department(issues="blood_donation")
    path = tmp_path / "records.csv"
    write_rows(path, new_id_number(), [str(h) for h in range(10, 20)])

    def ctrl_c():
        raise KeyboardInterrupt

    def sigterm():
        os.kill(os.getpid(), signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(commands, "read_rows",
                        interrupt_after(commands.read_rows, {"ctrl-c": ctrl_c, "sigterm": sigterm}[stop]))
    result = run_import(runner, path, department, "--batch-size", "2")
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert "Traceback" not in result.output
    assert "stopped after 6 rows were committed" in result.output and "again" in result.output
    assert stored(department) == 6
    assert signal.getsignal(signal.SIGTERM) is before

    monkeypatch.undo()
    again = run_import(runner, path, department, "--batch-size", "2")
    assert again.exit_code == 0, again.output
    assert "accepted 4, duplicates 6, rejected 0" in again.output
    assert stored(department) == 10


def test_a_person_forgotten_between_batches_is_created_again(app, make_department):
    """An import remembers the persons of its earlier batches; one forgotten meanwhile (the
    purge of their last record) is created again, not referred to by their old id."""
    department = make_department(issues="blood_donation")
    id_number, known = new_id_number(), {}

    def store(record):
        batch = check_batch([record], current_types(), department.code)
        [outcome] = store_batch(department, batch, known=known)
        db.session.commit()
        return outcome

    first = store(record_payload(id_number, "张三", "blood_donation"))
    purge_records([first.record_id])
    db.session.commit()
    assert find_person(id_number) is None
    second = store(record_payload(id_number, "张三", "blood_donation"))
    assert second.status == "accepted"
    assert db.session.get(CreditRecord, second.record_id).person_id == find_person(id_number).id


def test_a_batch_that_cannot_be_stored_ends_the_import_with_its_error(app, runner, tmp_path,
                                                                     make_department,
                                                                     monkeypatch):
    """The next batch waits to be checked until the last one's records are sent: storing that
    fails before then must not leave the checker waiting (and the command hanging)."""
    department = make_department(issues="blood_donation")
    path = tmp_path / "records.csv"
    write_rows(path, new_id_number(), [str(h) for h in range(10, 16)])
    stores = []

    def store_twice(*args, **kwargs):
        stores.append(1)
        if len(stores) == 2:
            raise RuntimeError("the database went away")
        return store_batch(*args, **kwargs)

    monkeypatch.setattr(importing, "store_batch", store_twice)
    result = run_import(runner, path, department, "--batch-size", "2")
    assert isinstance(result.exception, RuntimeError)
    assert stored(department) == 2
