"""Intake keeps the catalogue's rules: only a type's issuers deliver it, decisions carry their
document's reference, and a negative record past its retention is refused (issue 8 items 1-2)."""
import csv
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.catalogue.services import SCHEMES_DIR, publish_scheme, read_scheme_file
from app.core.extensions import db
from app.core.time import city_today
from app.records.files import BASE_FIELDS
from app.records.models import CreditRecord
from app.scoring.models import Score
from tests.factories import new_id_number, record_payload


def auth(department):
    return {"Authorization": f"Bearer {department.plain_key}"}


def deliver(client, department, *records):
    response = client.post("/api/v1/records", json={"records": list(records)},
                           headers=auth(department))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def errors_of(result):
    return {e["field"]: e["message"] for e in result.get("errors", [])}


def days_ago(n):
    return (city_today() - timedelta(days=n)).isoformat()


@pytest.fixture
def volunteers(make_department):
    return make_department(issues="volunteer_hours")


@pytest.fixture
def court(make_department):
    return make_department(issues="court_dishonest_debtor")


def test_a_department_cannot_deliver_a_type_it_does_not_issue(client, volunteers, court,
                                                              make_resident):
    resident = make_resident()
    listing = record_payload(resident.plain_id, "张三", "court_dishonest_debtor")
    wrong, = deliver(client, volunteers, listing)
    assert wrong["status"] == "rejected"
    message = errors_of(wrong)["type"]
    assert "court" in message and "无权" in message  # Chinese first, naming the issuers
    assert db.session.get(Score, resident.person_id) is None  # nothing counted, nothing blocked
    right, = deliver(client, court, listing)
    assert right["status"] == "accepted"


def test_a_correction_cannot_turn_a_record_into_a_type_the_department_does_not_issue(
        client, court, make_resident):
    resident = make_resident()
    record = record_payload(resident.plain_id, "张三", "court_dishonest_debtor")
    deliver(client, court, record)
    response = client.patch(f"/api/v1/records/{record['source_id']}",
                            json={"type": "tax_arrears"}, headers=auth(court))
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["errors"][0]["field"] == "type"
    stored = client.get(f"/api/v1/records/{record['source_id']}", headers=auth(court)).get_json()
    assert stored["type"] == "court_dishonest_debtor"


def test_another_department_can_neither_see_correct_nor_revoke_a_record(
        client, court, volunteers, make_resident):
    resident = make_resident()
    record = record_payload(resident.plain_id, "张三", "court_dishonest_debtor")
    deliver(client, court, record)
    path = f"/api/v1/records/{record['source_id']}"
    assert client.get(path, headers=auth(volunteers)).status_code == 404
    assert client.patch(path, json={"ended_at": days_ago(1)},
                        headers=auth(volunteers)).status_code == 404
    assert client.delete(path, headers=auth(volunteers)).status_code == 404
    mine = client.get(path, headers=auth(court)).get_json()
    assert mine["status"] == "active" and mine["ended_at"] is None


def test_a_decision_without_its_document_reference_is_rejected(client, court, make_resident):
    resident = make_resident()
    without = record_payload(resident.plain_id, "张三", "court_dishonest_debtor")
    del without["document_ref"]
    blank = record_payload(resident.plain_id, "张三", "court_dishonest_debtor", document_ref="  ")
    with_ref = record_payload(resident.plain_id, "张三", "court_dishonest_debtor",
                              document_ref="（2026）豫01执123号")
    results = deliver(client, court, without, blank, with_ref)
    assert [r["status"] for r in results] == ["rejected", "rejected", "accepted"]
    assert "决定书文号" in errors_of(results[0])["document_ref"]
    assert "document_ref" in errors_of(results[1])
    got = client.get(f"/api/v1/records/{with_ref['source_id']}", headers=auth(court)).get_json()
    assert got["document_ref"] == "（2026）豫01执123号"
    # a correction cannot take the reference away either
    response = client.patch(f"/api/v1/records/{with_ref['source_id']}",
                            json={"document_ref": None}, headers=auth(court))
    assert response.status_code == 422


def test_a_negative_record_past_its_retention_is_rejected_with_the_reason(
        client, make_department, make_resident):
    tax = make_department(issues="tax_arrears")
    resident = make_resident()
    # arrears paid in 2015: five years after that ended in 2020
    old = record_payload(resident.plain_id, "张三", "tax_arrears", days_ago=4000,
                         ended_at=days_ago(1830))
    # a one-off penalty counts from the day it happened
    market = make_department(issues="admin_penalty_minor")
    old_penalty = record_payload(resident.plain_id, "张三", "admin_penalty_minor", days_ago=1826)
    # still in arrears since long ago: not ended, so still kept
    ongoing = record_payload(resident.plain_id, "张三", "tax_arrears", days_ago=4000)
    recent_end = record_payload(resident.plain_id, "张三", "tax_arrears", days_ago=4000,
                                ended_at=days_ago(1825))
    results = deliver(client, tax, old, ongoing, recent_end)
    assert [r["status"] for r in results] == ["rejected", "accepted", "accepted"]
    reason = errors_of(results[0])["ended_at"]
    assert "1825" in reason and (city_today() - timedelta(days=5)).isoformat() in reason
    penalty, = deliver(client, market, old_penalty)
    assert penalty["status"] == "rejected" and "occurred_at" in errors_of(penalty)
    # positive records have no retention
    blood = make_department(issues="blood_donation")
    honour, = deliver(client, blood, record_payload(resident.plain_id, "张三", "blood_donation",
                                                    days_ago=3000))
    assert honour["status"] == "accepted"


def test_the_import_path_keeps_the_same_rules(app, runner, tmp_path, volunteers, make_resident):
    resident = make_resident()
    path = tmp_path / "records.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([*BASE_FIELDS, "document_ref", "hours"])
        writer.writerow(["v-1", resident.plain_id, "张三", "volunteer_hours", days_ago(5), "", "",
                         "20"])
        writer.writerow(["v-2", resident.plain_id, "张三", "court_dishonest_debtor", days_ago(5),
                         "", "（2026）豫01执9号", ""])
    result = runner.invoke(args=["records", "import", str(path), "--department", volunteers.code,
                                 "--report", str(tmp_path / "errors.csv")])
    assert result.exit_code == 0, result.output
    assert "accepted 1, duplicates 0, rejected 1" in result.output
    with open(tmp_path / "errors.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["row"], r["field"]) for r in rows] == [("3", "type")]
    assert db.session.scalar(select(func.count()).select_from(CreditRecord).where(
        CreditRecord.person_id == resident.person_id)) == 1


def test_a_newly_published_scheme_decides_the_next_delivery(app, client, volunteers):
    """Intake keeps a published scheme's types, which never change: a new version in force is
    read from the next delivery on, not from what was kept."""
    def volunteering(name):
        return record_payload(new_id_number(), name, "volunteer_hours", attributes={"hours": 12})

    [accepted] = deliver(client, volunteers, volunteering("张三"))
    assert accepted["status"] == "accepted"
    data = read_scheme_file(SCHEMES_DIR / f"{app.config['DEFAULT_SCHEME_VERSION']}.toml")
    data["version"] += "-no-volunteers"
    for rtype in data["record_types"]:
        if rtype["code"] == "volunteer_hours":
            rtype["issuers"] = [code for code in rtype["issuers"] if code != volunteers.code]
    publish_scheme(data)
    db.session.flush()

    [refused] = deliver(client, volunteers, volunteering("李四"))
    assert refused["status"] == "rejected" and "type" in errors_of(refused)
