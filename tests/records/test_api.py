"""Department records API (DESIGN §6, §10): per-record results, every bad input a clear 4xx."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.time import city_today
from app.records.models import CreditRecord
from app.scoring.models import Score
from tests.factories import new_id_number, record_payload


def auth(department):
    return {"Authorization": f"Bearer {department.plain_key}"}


def assert_error(response, status, code=None):
    """The one JSON error shape, with the expected status (and code)."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["message"] and isinstance(body["error"]["details"], dict)
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def post(client, department, records, **kwargs):
    return client.post("/api/v1/records", json={"records": records}, headers=auth(department),
                       **kwargs)


def record_count(department):
    return db.session.scalar(select(func.count()).select_from(CreditRecord).where(
        CreditRecord.department_id == department.id)) - department.records_before


def stored_score(person_id):
    db.session.expire_all()
    score = db.session.get(Score, person_id)
    return score and score.score


@pytest.fixture
def department(make_department):
    return make_department(issues="blood_donation")


@pytest.fixture
def volunteers(make_department):
    return make_department(issues="volunteer_hours")


@pytest.fixture
def honours(make_department):
    return make_department(issues="honour_moral_model")


# --- the catalogue --------------------------------------------------------------------------

def test_catalogue_shape(client):
    response = client.get("/api/v1/catalogue")
    assert response.status_code == 200
    body = response.get_json()
    assert body["scheme_version"] == "2026.1"
    assert [d["code"] for d in body["dimensions"]] == [
        "identity", "fulfilment", "law", "social", "honours"]
    for d in body["dimensions"]:
        assert {"code", "name", "floor", "cap"} <= set(d) and d["floor"] <= 0 < d["cap"]
    assert [(t["code"], t["min_score"]) for t in body["tiers"]] == [
        ("excellent", 150), ("very_good", 120), ("good", 95), ("minor_dishonesty", 70), ("poor", 0)]
    assert all({"code", "name", "min_score"} <= set(t) for t in body["tiers"])
    assert len(body["record_types"]) >= 25
    dimensions = {d["code"] for d in body["dimensions"]}
    for t in body["record_types"]:
        assert {"code", "name", "dimension", "polarity", "severity", "points",
                "legal_basis"} <= set(t)
        assert t["dimension"] in dimensions and t["points"] > 0 and t["legal_basis"]
        assert t["polarity"] in ("positive", "negative")
        if t["polarity"] == "positive":
            assert t["severity"] is None
        else:
            assert t["severity"] in ("minor", "major", "serious")
    codes = {t["code"]: t for t in body["record_types"]}
    assert codes["court_dishonest_debtor"]["severity"] == "serious"
    assert codes["volunteer_hours"]["polarity"] == "positive"


# --- delivery -------------------------------------------------------------------------------

def test_results_in_request_order_and_a_bad_record_never_stops_good_ones(client, department,
                                                                          make_resident):
    resident = make_resident()
    good = record_payload(resident.plain_id, "张三", "blood_donation")
    bad_checksum = record_payload(resident.plain_id[:-1] + ("0" if resident.plain_id[-1] != "0"
                                                            else "1"), "张三", "blood_donation")
    unknown_type = record_payload(resident.plain_id, "张三", "no_such_type")
    future = record_payload(resident.plain_id, "张三", "blood_donation", days_ago=-3)
    reversed_dates = record_payload(resident.plain_id, "张三", "blood_donation", days_ago=10,
                                    ended_at=(city_today() - timedelta(days=20)).isoformat())
    missing = {"source_id": "m-1", "id_number": resident.plain_id, "type": "blood_donation"}
    wrong_types = {"source_id": "w-1", "id_number": 410102, "name": ["张三"], "type": 7,
                   "occurred_at": 20260101, "attributes": "many"}
    other_good = record_payload(new_id_number(), "王五", "blood_donation", days_ago=40)
    records = [good, bad_checksum, unknown_type, 42, future, reversed_dates, missing,
               wrong_types, "text", None, [], other_good]
    response = post(client, department, records)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["accepted"] + ["rejected"] * 10 + ["accepted"]
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 0, 10)
    results = body["results"]
    assert [r["source_id"] for r in results] == [
        good["source_id"], bad_checksum["source_id"], unknown_type["source_id"], None,
        future["source_id"], reversed_dates["source_id"], "m-1", "w-1", None, None, None,
        other_good["source_id"]]

    def fields(i):
        return {e["field"] for e in results[i]["errors"]}

    assert all(e["message"] for r in results if r["status"] == "rejected" for e in r["errors"])
    assert fields(1) == {"id_number"}
    assert fields(2) == {"type"}
    assert fields(3) == {""}
    assert fields(4) == {"occurred_at"}
    assert fields(5) == {"ended_at"}
    assert {"name", "occurred_at"} <= fields(6)
    assert {"id_number", "name", "type", "occurred_at", "attributes"} <= fields(7)
    assert "record_id" not in results[1]
    assert isinstance(results[0]["record_id"], int) and isinstance(results[11]["record_id"], int)
    assert record_count(department) == 2
    assert stored_score(resident.person_id) == 105


def test_a_name_that_does_not_match_the_id_number_is_rejected(client, department, make_resident):
    resident = make_resident(name="张三")
    record = record_payload(resident.plain_id, "李四", "blood_donation")
    response = post(client, department, [record])
    result = response.get_json()["results"][0]
    assert result["status"] == "rejected"
    assert result["errors"][0]["field"] == "name"
    assert record_count(department) == 0


@pytest.mark.parametrize("amount", [-1, "ten", True, None, [], 10**12, 1e300, 10_010])
def test_bad_unit_attributes_are_rejected_per_record(client, volunteers, make_resident, amount):
    resident = make_resident()
    good = record_payload(resident.plain_id, "张三", "volunteer_hours", attributes={"hours": 12})
    bad = record_payload(resident.plain_id, "张三", "volunteer_hours", attributes={"hours": amount})
    response = post(client, volunteers, [bad, good])
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "accepted"]
    assert results[0]["errors"][0]["field"] == "attributes.hours"


def test_units_come_from_the_type_attribute(client, volunteers, make_resident):
    resident = make_resident()
    response = post(client, volunteers, [record_payload(
        resident.plain_id, "张三", "volunteer_hours", attributes={"hours": 47.5})])
    assert response.get_json()["accepted"] == 1
    # by its id: committing tests leave other records of the same issuer behind
    record = db.session.get(CreditRecord, response.get_json()["results"][0]["record_id"])
    assert record.units == 4  # whole blocks of 10 hours
    assert stored_score(resident.person_id) == 104


def test_redelivery_is_idempotent(client, department, make_resident):
    resident = make_resident()
    records = [record_payload(resident.plain_id, "张三", "blood_donation"),
               record_payload(resident.plain_id, "张三", "blood_donation", days_ago=400),
               record_payload(resident.plain_id, "张三", "no_such_type")]
    first = post(client, department, records).get_json()
    again = post(client, department, records).get_json()
    assert [r["status"] for r in first["results"]] == ["accepted", "accepted", "rejected"]
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate", "rejected"]
    assert (again["accepted"], again["duplicates"], again["rejected"]) == (0, 2, 1)
    assert [r.get("record_id") for r in again["results"]] == [
        r.get("record_id") for r in first["results"]]
    assert record_count(department) == 2
    assert stored_score(resident.person_id) == 110


def test_the_same_source_id_twice_in_one_batch(client, department, make_resident):
    resident = make_resident()
    record = record_payload(resident.plain_id, "张三", "blood_donation")
    body = post(client, department, [record, dict(record)]).get_json()
    assert [r["status"] for r in body["results"]] == ["accepted", "duplicate"]
    assert body["results"][0]["record_id"] == body["results"][1]["record_id"]
    assert record_count(department) == 1


def test_source_ids_belong_to_their_department(client, department, honours, make_resident):
    resident = make_resident()
    record = record_payload(resident.plain_id, "张三", "blood_donation")
    assert post(client, department, [record]).get_json()["accepted"] == 1
    record["type"] = "honour_civilised_family"
    assert post(client, honours, [record]).get_json()["accepted"] == 1
    assert stored_score(resident.person_id) == 111


def test_records_about_unknown_people_create_encrypted_persons(client, department):
    id_number = new_id_number()
    record = record_payload(id_number, "赵六", "blood_donation")
    body = post(client, department, [record]).get_json()
    assert body["accepted"] == 1
    from app.residents.services import find_person

    person = find_person(id_number)
    assert person is not None and person.name == "赵六" and person.id_number == id_number
    assert db.session.get(Score, person.id) is None  # not registered, not scored


# --- batch-level errors ---------------------------------------------------------------------

def test_batch_of_more_than_1000_is_refused_clearly(client, department):
    records = [record_payload(new_id_number(), "张三", "blood_donation") for _ in range(1001)]
    error = assert_error(post(client, department, records), 422, "invalid_input")
    assert "records" in json.dumps(error["details"])
    assert "1000" in json.dumps(error["details"])
    assert record_count(department) == 0


def test_batch_of_exactly_1000_is_taken(client, department):
    records = [record_payload(new_id_number(), "张三", "blood_donation") for _ in range(1000)]
    body = post(client, department, records).get_json()
    assert body["accepted"] == 1000 and len(body["results"]) == 1000


@pytest.mark.parametrize("body", [{"records": []}, {}, {"records": None}, {"records": "x"},
                                  {"records": {"a": 1}}, [], "records", 7, None])
def test_malformed_batches_are_422(client, department, body):
    response = client.post("/api/v1/records", data=json.dumps(body),
                           content_type="application/json", headers=auth(department))
    assert_error(response, 422)


def test_oversize_body_is_413(client, department):
    filler = "x" * (3 * 1024 * 1024)
    response = client.post("/api/v1/records", data=json.dumps({"records": [], "pad": filler}),
                           content_type="application/json", headers=auth(department))
    assert_error(response, 413, "payload_too_large")


@pytest.mark.parametrize("raw", ['{"records": [', "{'records': []}", "records", "\xff\xfe"])
def test_malformed_json_is_400(client, department, raw):
    response = client.post("/api/v1/records", data=raw.encode("latin-1"),
                           content_type="application/json", headers=auth(department))
    assert_error(response, 400, "malformed_json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_wrong_content_type_is_415(client, department, content_type):
    response = client.post("/api/v1/records", data='{"records": []}', content_type=content_type,
                           headers=auth(department))
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer ", "Basic abc", "Bearer dep_wrong",
                                    "token"])
@pytest.mark.parametrize("method,path", [("post", "/api/v1/records"),
                                         ("patch", "/api/v1/records/x"),
                                         ("delete", "/api/v1/records/x"),
                                         ("get", "/api/v1/records/x")])
def test_missing_or_bad_key_is_401(client, header, method, path):
    headers = {"Authorization": header} if header is not None else {}
    response = getattr(client, method)(path, json={"records": []}, headers=headers)
    error = assert_error(response, 401)
    assert error["code"] in ("missing_credentials", "invalid_credentials")


def test_inactive_department_is_401(client, department):
    department.active = False
    db.session.flush()
    assert_error(post(client, department, []), 401, "invalid_credentials")


def test_unknown_routes_and_methods_use_the_error_shape(client, department):
    assert_error(client.get("/api/v1/nothing-here"), 404)
    assert_error(client.put("/api/v1/records", json={}, headers=auth(department)), 405)


# --- corrections and revocations ------------------------------------------------------------

def deliver_one(client, department, resident, rtype="blood_donation", days_ago=10):
    record = record_payload(resident.plain_id, "张三", rtype, days_ago=days_ago)
    body = post(client, department, [record]).get_json()
    assert body["accepted"] == 1
    return record["source_id"], body["results"][0]["record_id"]


def test_delivery_correction_and_revocation_rescore_at_once(client, honours, make_resident):
    department = honours
    resident = make_resident()
    assert stored_score(resident.person_id) is None
    source_id, record_id = deliver_one(client, department, resident, "honour_civilised_family")
    assert stored_score(resident.person_id) == 106

    response = client.patch(f"/api/v1/records/{source_id}", json={"type": "honour_moral_model"},
                            headers=auth(department))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["type"] == "honour_moral_model"
    assert response.get_json()["record_id"] == record_id
    assert stored_score(resident.person_id) == 115

    long_ago = (city_today() - timedelta(days=2000)).isoformat()
    response = client.patch(f"/api/v1/records/{source_id}", json={"occurred_at": long_ago},
                            headers=auth(department))
    assert response.status_code == 200 and response.get_json()["occurred_at"] == long_ago
    assert stored_score(resident.person_id) == 100

    client.patch(f"/api/v1/records/{source_id}", json={"occurred_at": city_today().isoformat()},
                 headers=auth(department))
    assert stored_score(resident.person_id) == 115
    response = client.delete(f"/api/v1/records/{source_id}", headers=auth(department))
    assert response.status_code == 200 and response.get_json()["status"] == "revoked"
    assert stored_score(resident.person_id) == 100

    again = client.delete(f"/api/v1/records/{source_id}", headers=auth(department))
    assert again.status_code == 200 and again.get_json()["status"] == "revoked"
    assert record_count(department) == 1

    # a revoked record cannot be corrected back into force
    assert_error(client.patch(f"/api/v1/records/{source_id}", json={"type": "honour_moral_model"},
                              headers=auth(department)), 409, "record_not_active")
    # and re-delivering it does not bring it back either
    body = post(client, department, [{**record_payload(resident.plain_id, "张三", "honour_moral_model"),
                                      "source_id": source_id}]).get_json()
    assert body["results"][0] == {"source_id": source_id, "status": "duplicate",
                                  "record_id": record_id}
    assert stored_score(resident.person_id) == 100


def test_another_departments_source_id_is_404(client, department, honours, make_resident):
    owner, other = department, honours
    resident = make_resident()
    source_id, _record_id = deliver_one(client, owner, resident)
    assert_error(client.delete(f"/api/v1/records/{source_id}", headers=auth(other)), 404,
                 "record_not_found")
    assert_error(client.patch(f"/api/v1/records/{source_id}", json={"type": "blood_donation"},
                              headers=auth(other)), 404, "record_not_found")
    assert_error(client.get(f"/api/v1/records/{source_id}", headers=auth(other)), 404)
    assert client.get(f"/api/v1/records/{source_id}", headers=auth(owner)).status_code == 200
    assert stored_score(resident.person_id) == 105


@pytest.mark.parametrize("changes,field", [
    ({"type": "no_such_type"}, "type"),
    ({"occurred_at": "2999-01-01"}, "occurred_at"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"ended_at": "2000-01-01"}, "ended_at"),
    ({"attributes": "x"}, "attributes"),
    ({"type": 5}, "type"),
    ({"source_id": "new"}, "source_id"),
])
def test_bad_corrections_are_422_and_change_nothing(client, department, make_resident, changes,
                                                    field):
    resident = make_resident()
    source_id, _record_id = deliver_one(client, department, resident)
    response = client.patch(f"/api/v1/records/{source_id}", json=changes, headers=auth(department))
    error = assert_error(response, 422)
    assert field in json.dumps(error["details"])
    record = client.get(f"/api/v1/records/{source_id}", headers=auth(department)).get_json()
    assert record["type"] == "blood_donation" and record["status"] == "active"
    assert stored_score(resident.person_id) == 105


@pytest.mark.parametrize("raw,content_type,status", [
    ("[1, 2]", "application/json", 422),
    ("null", "application/json", 422),
    ('{"type": ', "application/json", 400),
    ("type=x", "text/plain", 415),
])
def test_malformed_correction_bodies(client, department, make_resident, raw, content_type, status):
    resident = make_resident()
    source_id, _record_id = deliver_one(client, department, resident)
    response = client.patch(f"/api/v1/records/{source_id}", data=raw, content_type=content_type,
                            headers=auth(department))
    assert_error(response, status)


def test_volunteer_hours_correction_recomputes_units(client, volunteers, make_resident):
    department = volunteers
    resident = make_resident()
    record = record_payload(resident.plain_id, "张三", "volunteer_hours", attributes={"hours": 20})
    post(client, department, [record])
    assert stored_score(resident.person_id) == 102
    response = client.patch(f"/api/v1/records/{record['source_id']}",
                            json={"attributes": {"hours": 80}}, headers=auth(department))
    assert response.status_code == 200
    assert stored_score(resident.person_id) == 108
    error = assert_error(client.patch(f"/api/v1/records/{record['source_id']}",
                                      json={"attributes": {"hours": -5}}, headers=auth(department)),
                         422)
    assert "attributes.hours" in json.dumps(error["details"])


def test_deliveries_revocations_and_corrections_are_audited(client, honours, make_resident):
    from app.core.audit import AuditEntry

    department = honours
    resident = make_resident()
    start = db.session.scalar(select(func.max(AuditEntry.id))) or 0
    source_id, record_id = deliver_one(client, department, resident, "honour_civilised_family")
    client.patch(f"/api/v1/records/{source_id}", json={"type": "honour_moral_model"},
                 headers=auth(department))
    client.delete(f"/api/v1/records/{source_id}", headers=auth(department))
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.id > start)
                                 .order_by(AuditEntry.id)).all()
    actions = [e.action for e in entries]
    assert actions == ["records.accepted", "score.changed", "record.corrected", "score.changed",
                       "record.revoked", "score.changed"]
    accepted = entries[0]
    assert accepted.actor == f"department:{department.code}"
    assert accepted.data["record_ids"] == [record_id]
    assert entries[2].object_id == str(record_id) and entries[2].subject_id == resident.person_id
    assert entries[2].data["before"]["type"] == "honour_civilised_family"
    assert [e.data["score"] for e in entries if e.action == "score.changed"] == [106, 115, 100]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_rejected_per_record(client, volunteers, make_resident, literal):
    department = volunteers
    resident = make_resident()
    bad = record_payload(resident.plain_id, "张三", "volunteer_hours", attributes={"hours": 0})
    raw = json.dumps({"records": [bad]}).replace('"hours": 0', f'"hours": {literal}')
    response = client.post("/api/v1/records", data=raw, content_type="application/json",
                           headers=auth(department))
    if response.status_code == 400:  # a parser may refuse the literal outright
        assert_error(response, 400, "malformed_json")
        return
    assert response.status_code == 200
    assert response.get_json()["results"][0]["status"] == "rejected"


def test_nul_characters_are_refused_not_a_server_error(client, department, make_resident):
    """PostgreSQL cannot store NUL in text: it must be a 4xx on both backends, never a 500."""
    resident = make_resident()
    bad = record_payload(resident.plain_id, "张三", "blood_donation", source_id="a\x00b")
    bad_name = record_payload(resident.plain_id, "张\x00三", "blood_donation")
    good = record_payload(resident.plain_id, "张三", "blood_donation")
    results = post(client, department, [bad, bad_name, good]).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "accepted"]
    assert results[0]["errors"][0]["field"] == "source_id"
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)("/api/v1/records/a%00b", json={},
                                           headers=auth(department))
        assert_error(response, 404, "record_not_found")
    response = client.patch(f"/api/v1/records/{good['source_id']}", json={"type": "x\x00"},
                            headers=auth(department))
    assert_error(response, 422)
    assert_error(client.get("/api/v1/records/" + "x" * 300, headers=auth(department)), 404)


def test_too_many_requests_is_429_in_the_error_shape(client, department):
    statuses = [post(client, department, []).status_code for _ in range(121)]
    assert statuses[:120] == [422] * 120
    error = assert_error(post(client, department, []), 429, "too_many_requests")
    assert error["message"]
