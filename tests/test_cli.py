"""The `flask` command line: imports, demo data, schemes, rescoring and migrations."""
import csv
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from app.catalogue.services import SCHEMES_DIR, current_scheme
from app.core.crypto import hash_api_key
from app.core.extensions import db
from app.core.migrations import downgrade, upgrade
from app.core.passwords import check_password
from app.core.time import city_today
from app.departments.models import Department
from app.merchants.models import Merchant, MerchantApiKey
from app.records.models import CreditRecord
from app.residents.models import Person, Resident
from app.residents.services import find_resident_by_phone
from app.scoring.models import Score, ScoreHistory
from tests.factories import new_id_number

# --- record files -------------------------------------------------------------------------

HEADER = ["source_id", "id_number", "name", "type", "occurred_at", "ended_at", "hours"]


def import_rows(resident_id):
    """Rows of a department file: (values, expected outcome, bad field)."""
    day = (city_today() - timedelta(days=30)).isoformat()
    other = new_id_number()
    bad_id = other[:-1] + ("1" if other[-1] != "1" else "2")
    tag = uuid.uuid4().hex[:6]
    return [
        ([f"{tag}-1", resident_id, "张三", "blood_donation", day, "", ""], "accepted", None),
        ([f"{tag}-2", bad_id, "李四", "blood_donation", day, "", ""], "rejected", "id_number"),
        ([f"{tag}-3", resident_id, "张三", "no_such_type", day, "", ""], "rejected", "type"),
        # the volunteers' federation delivers volunteering, not the blood centre
        ([f"{tag}-4", resident_id, "张三", "volunteer_hours", day, "", "25"], "rejected", "type"),
        ([f"{tag}-5", resident_id, "张三", "tax_paid_on_time", "31/12/2025", "", ""], "rejected",
         "occurred_at"),
        ([f"{tag}-6", resident_id, "", "blood_donation", day, "", ""], "rejected", "name"),
        ([f"{tag}-7", other, "王五", "blood_donation", day, city_today().isoformat(), ""],
         "accepted", None),
    ]


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for values, _status, _field in rows:
            writer.writerow(values)
    # file row number of each data row (the header is row 1)
    return {values[0]: n for n, (values, _s, _f) in enumerate(rows, start=2)}


def write_xlsx(path, rows):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for values, _status, _field in rows:
        cells = list(values)
        if cells[4][:2] == "20":  # a real date cell, as spreadsheets hold them
            cells[4] = datetime.fromisoformat(cells[4])
        cells[6] = int(cells[6]) if cells[6] else None
        sheet.append(cells)
    workbook.save(path)
    return {values[0]: n for n, (values, _s, _f) in enumerate(rows, start=2)}


def write_jsonl(path, rows):
    numbers = {}
    with open(path, "w", encoding="utf-8") as f:
        line = 0
        for values, _status, _field in rows:
            record = {k: v for k, v in zip(HEADER[:6], values) if v}
            if values[6]:
                record["attributes"] = {"hours": int(values[6])}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            line += 1
            numbers[values[0]] = line
        f.write("{not json\n")
        f.write("[1, 2]\n")
    return numbers


WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "jsonl": write_jsonl}


@pytest.mark.parametrize("kind", ["csv", "xlsx", "jsonl"])
def test_records_import_with_error_report_and_idempotent_rerun(app, runner, tmp_path,
                                                               make_department, make_resident,
                                                               kind):
    department = make_department(issues="blood_donation")
    resident = make_resident()
    rows = import_rows(resident.plain_id)
    path, report = tmp_path / f"records.{kind}", tmp_path / "errors.csv"
    numbers = WRITERS[kind](path, rows)
    extra_bad = 2 if kind == "jsonl" else 0

    result = runner.invoke(args=["records", "import", str(path), "--department", department.code,
                                 "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert f"accepted 2, duplicates 0, rejected {5 + extra_bad}" in result.output
    with open(report, encoding="utf-8") as f:
        lines = list(csv.DictReader(f))
    expected = {(str(numbers[v[0]]), v[0], field) for v, status, field in rows
                if status == "rejected"}
    got = {(r["row"], r["source_id"], r["field"]) for r in lines if r["source_id"]}
    assert got == expected
    assert all(r["message"] for r in lines)
    if kind == "jsonl":
        assert {r["row"] for r in lines if not r["source_id"]} == {"8", "9"}
    mine = (CreditRecord.department_id == department.id,
            CreditRecord.source_id.in_([values[0] for values, _s, _f in rows]))
    count = db.session.scalar(select(func.count()).select_from(CreditRecord).where(*mine))
    assert count == 2
    db.session.expire_all()
    assert db.session.get(Score, resident.person_id).score == 100 + 5

    again = runner.invoke(args=["records", "import", str(path), "--department", department.code,
                                "--report", str(report)])
    assert again.exit_code == 0, again.output
    assert f"accepted 0, duplicates 2, rejected {5 + extra_bad}" in again.output
    assert db.session.scalar(select(func.count()).select_from(CreditRecord).where(*mine)) == 2


def test_import_refuses_unreadable_files(app, runner, tmp_path, make_department):
    department = make_department(issues="blood_donation")
    odd = tmp_path / "records.txt"
    odd.write_text("hello")
    result = runner.invoke(args=["records", "import", str(odd), "--department", department.code])
    assert result.exit_code != 0 and "unsupported file type" in result.output
    missing = tmp_path / "records.csv"
    missing.write_text("source_id,name\n1,张三\n", encoding="utf-8")
    result = runner.invoke(args=["records", "import", str(missing), "--department",
                                 department.code])
    assert result.exit_code != 0 and "missing columns" in result.output
    result = runner.invoke(args=["records", "import", str(missing), "--department", "nobody"])
    assert result.exit_code != 0 and "no department" in result.output
    garbage = tmp_path / "records.xlsx"
    garbage.write_bytes(b"not a workbook at all")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(",".join(HEADER).encode() + "\n1,2,\xe9\xe8,4,5,,\n".encode("latin-1"))
    for path in (garbage, latin):
        result = runner.invoke(args=["records", "import", str(path), "--department",
                                     department.code])
        assert result.exit_code == 1 and "cannot read" in result.output
        assert isinstance(result.exception, SystemExit)  # a clear message, not a traceback


# --- demo data ----------------------------------------------------------------------------

def demo_counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Department, Person, Resident, CreditRecord, Merchant, MerchantApiKey,
                          Score)}


def test_demo_is_idempotent_and_its_credentials_stay_valid(app, runner, monkeypatch):
    path = Path(app.instance_path) / "demo-credentials.json"
    if path.exists():
        path.unlink()
    first = runner.invoke(args=["demo", "--residents", "16"])
    assert first.exit_code == 0, first.output
    creds = json.loads(path.read_text())
    counts = demo_counts()
    assert counts["CreditRecord"] > 16 and counts["Score"] >= 16

    second = runner.invoke(args=["demo", "--residents", "16"])
    assert second.exit_code == 0, second.output
    assert demo_counts() == counts
    again = json.loads(path.read_text())
    assert again == creds

    # demo identities are drawn relative to today; a run on a later day changes nothing either
    later = city_today() + timedelta(days=40)
    monkeypatch.setattr("app.demo.commands.city_today", lambda: later)
    third = runner.invoke(args=["demo", "--residents", "16"])
    assert third.exit_code == 0, third.output
    assert demo_counts() == counts
    assert json.loads(path.read_text()) == creds

    assert set(creds) >= {"departments", "residents", "merchants"}
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    client = app.test_client()
    for entry in creds["departments"]:
        assert {"code", "name", "api_key"} <= set(entry)
        response = client.get("/api/v1/records/none", headers={
            "Authorization": f"Bearer {entry['api_key']}"})
        assert response.status_code == 404  # authenticated; there is just no such record
    for entry in creds["residents"]:
        assert {"phone", "password", "name", "id_number"} <= set(entry)
        resident = find_resident_by_phone(entry["phone"])
        assert check_password(resident.password_hash, entry["password"])
        assert resident.person.id_number == entry["id_number"]
        assert resident.person.name == entry["name"]
    live_keys = set(db.session.scalars(select(MerchantApiKey.key_hash)
                                       .where(MerchantApiKey.revoked_at.is_(None))))
    for entry in creds["merchants"]:
        assert {"name", "api_key", "benefits", "staff"} <= set(entry)
        assert hash_api_key(entry["api_key"]) in live_keys
    # every tier is shown by the demo residents
    tiers = set(db.session.scalars(select(Score.tier)))
    assert len(tiers) >= 3
    assert db.session.scalar(select(func.count()).select_from(ScoreHistory)) > counts["Score"]


# --- schemes and rescoring ----------------------------------------------------------------

def test_publishing_a_new_scheme_then_rescoring_changes_scores(app, runner, tmp_path,
                                                               make_resident):
    resident = make_resident(records=[("blood_donation", 10)])
    db.session.expire_all()
    assert db.session.get(Score, resident.person_id).score == 105
    version = f"t{uuid.uuid4().hex[:8]}"
    source = (SCHEMES_DIR / "2026.1.toml").read_text(encoding="utf-8")
    source = source.replace('version = "2026.1"', f'version = "{version}"', 1)
    start = source.index('code = "blood_donation"')
    at = source.index("points = 5", start)
    source = source[:at] + "points = 9" + source[at + len("points = 5"):]
    path = tmp_path / "scheme.toml"
    path.write_text(source, encoding="utf-8")

    result = runner.invoke(args=["scheme", "publish", str(path)])
    assert result.exit_code == 0, result.output
    assert current_scheme().version == version
    result = runner.invoke(args=["scores", "rescore"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    score = db.session.get(Score, resident.person_id)
    assert (score.score, score.scheme_version) == (109, version)
    assert app.test_client().get("/api/v1/catalogue").get_json()["scheme_version"] == version

    # publishing the same version again changes nothing
    assert runner.invoke(args=["scheme", "publish", str(path)]).exit_code == 0


@pytest.mark.parametrize("change,message", [
    (('points = 5', 'points = -5'), "points"),
    (('polarity = "negative"', 'polarity = "neutral"'), "polarity"),
    (('dimension = "social"', 'dimension = "nowhere"'), "unknown dimension"),
])
def test_a_broken_scheme_is_not_published(app, runner, tmp_path, change, message):
    source = (SCHEMES_DIR / "2026.1.toml").read_text(encoding="utf-8")
    source = source.replace('version = "2026.1"', 'version = "broken"', 1).replace(*change, 1)
    path = tmp_path / "scheme.toml"
    path.write_text(source, encoding="utf-8")
    result = runner.invoke(args=["scheme", "publish", str(path)])
    assert result.exit_code != 0
    assert "scheme not published" in result.output and message in result.output
    assert current_scheme().version == "2026.1"


# --- migrations ---------------------------------------------------------------------------

def test_alembic_is_imported_only_once_a_migration_runs(tmp_path):
    """Building the app (every command and worker does) leaves Alembic out; `flask db` brings it."""
    script = (
        "import sys\n"
        "from app import create_app\n"
        "app = create_app(instance_path=sys.argv[1])\n"
        "print('alembic' in sys.modules)\n"
        "app.test_cli_runner().invoke(args=['db', '--help'])\n"
        "print('alembic' in sys.modules, 'migrate' in app.extensions)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env,
                         cwd=Path(__file__).resolve().parent.parent, capture_output=True,
                         text=True, check=True).stdout.split("\n")
    assert out[:2] == ["False", "True True"]


def test_migrations_downgrade_to_base_and_upgrade_again(scratch_app):
    upgrade()
    engine = db.engine
    tables = set(inspect(engine).get_table_names())
    assert {"persons", "residents", "credit_records", "scores", "score_history",
            "audit_entries", "schemes", "record_types"} <= tables
    downgrade(revision="base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert set(inspect(engine).get_table_names()) == tables
    # the append-only trigger came back with the table
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO audit_entries (at, actor, action, object_type, data, prev_hash, hash) "
            "VALUES (CURRENT_TIMESTAMP, 'a', 'b', 'c', '{}', 'p', 'h')"))
    with pytest.raises(Exception, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_entries SET actor = 'x'"))
