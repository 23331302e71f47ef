"""An import stores each batch in parts, one per connection, split by person (PostgreSQL;
SQLite stores it whole): every row's outcome, the counts and the report are those of storing it
whole, and a Ctrl-C counts the parts that committed. These tests commit, as an import does."""
import csv
import threading

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.records import importing
from app.records.files import BASE_FIELDS
from app.records.models import CreditRecord
from app.records.services import part_of
from app.residents.models import Person
from app.residents.services import id_number_index
from tests.factories import issuer_for, new_id_number


@pytest.fixture
def department(live_app):
    department = issuer_for("blood_donation")
    db.session.commit()
    department.records_before = records_of(department)
    return department


def records_of(department):
    return db.session.scalar(select(func.count()).select_from(CreditRecord).where(
        CreditRecord.department_id == department.id))


def parts_of_two(count):
    """`count` new ID numbers, alternately of the first and the second part of a batch split in
    two (`split_batch`), so that each batch of an even size has records in both."""
    found = {0: [], 1: []}
    while min(len(ids) for ids in found.values()) < count // 2:
        id_number = new_id_number()
        found[part_of(id_number_index(id_number), 2)].append(id_number)
    return [id_number for pair in zip(found[0], found[1]) for id_number in pair][:count]


def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(BASE_FIELDS)
        writer.writerows(rows)


def run_import(live_app, path, department):
    return live_app.test_cli_runner().invoke(args=[
        "records", "import", str(path), "--department", department.code,
        "--report", str(path.with_suffix(".errors.csv")), "--batch-size", "4"])


def stores_in_threads(monkeypatch):
    """The threads that stored a part of a batch, recorded as they store."""
    threads, store_batch = set(), importing.store_batch

    def storing(*args, **kwargs):
        threads.add(threading.get_ident())
        return store_batch(*args, **kwargs)

    monkeypatch.setattr(importing, "store_batch", storing)
    return threads


def row(source_id, id_number, name="张三"):
    return [source_id, id_number, name, "blood_donation", "2026-01-05", ""]


def test_each_row_gets_the_outcome_of_a_whole_batch(live_app, department, tmp_path, monkeypatch):
    people, sid = parts_of_two(4), f"{tmp_path.name}-{{}}".format
    rows = [row(sid(n), people[n % 4]) for n in range(8)]
    rows[5][0] = rows[4][0]  # a source id repeated within a batch
    rows += [row(sid("x"), people[1], "李四"),  # not the name the person was given
             row(sid(0), people[2]),  # a source id taken by an earlier batch
             row(sid("y"), "110101199001011234"),  # a wrong check digit
             row(sid("z"), people[3])]
    path = tmp_path / "records.csv"
    write(path, rows)
    threads = stores_in_threads(monkeypatch)

    result = run_import(live_app, path, department)

    assert result.exit_code == 0, result.output
    assert "accepted 8, duplicates 2, rejected 2" in result.output
    assert len(threads) == (2 if db.engine.dialect.name == "postgresql" else 1)
    with open(path.with_suffix(".errors.csv"), encoding="utf-8") as f:
        report = [(row["row"], row["field"]) for row in csv.DictReader(f)]
    assert report == [("10", "name"), ("12", "id_number")]
    owners = dict(db.session.execute(
        select(CreditRecord.source_id, Person.id_number_index)
        .join(Person, Person.id == CreditRecord.person_id)
        .where(CreditRecord.department_id == department.id,
               CreditRecord.source_id.like(f"{tmp_path.name}-%"))).all())
    expected = {row[0]: id_number_index(row[1]) for n, row in enumerate(rows[:8]) if n != 5}
    expected[rows[-1][0]] = id_number_index(people[3])
    assert owners == expected

    again = run_import(live_app, path, department)
    assert "accepted 0, duplicates 10, rejected 2" in again.output
    assert records_of(department) - department.records_before == 8


def test_ctrl_c_while_a_batch_is_stored_counts_the_parts_that_committed(live_app, department,
                                                                       tmp_path, monkeypatch):
    people = parts_of_two(4)
    path = tmp_path / "records.csv"
    write(path, [row(f"{tmp_path.name}-{n}", people[n % 4]) for n in range(12)])
    store_batch, main = importing.store_batch, threading.get_ident()
    calls = []

    def interrupted_in_the_second_batch(*args, **kwargs):
        if threading.get_ident() == main:
            calls.append(1)
            if len(calls) == 2:
                raise KeyboardInterrupt
        return store_batch(*args, **kwargs)

    monkeypatch.setattr(importing, "store_batch", interrupted_in_the_second_batch)
    result = run_import(live_app, path, department)

    assert result.exit_code == 1
    stored = records_of(department) - department.records_before
    # the first batch, and in parts the other half of the second, which went on to its commit
    assert stored == (6 if db.engine.dialect.name == "postgresql" else 4)
    assert f"stopped after {stored} rows were committed" in result.output

    monkeypatch.undo()
    again = run_import(live_app, path, department)
    assert f"accepted {12 - stored}, duplicates {stored}, rejected 0" in again.output
