from tests.factories import new_id_number, record_payload


def test_catalogue_lists_scheme(client):
    body = client.get("/api/v1/catalogue").get_json()
    assert body["scheme_version"] == "2026.1"
    assert len(body["record_types"]) >= 25


def test_records_accepted_and_scored(client, make_department, make_resident):
    dept = make_department()
    resident = make_resident()
    payload = {"records": [record_payload(resident.plain_id, "张三", "blood_donation")]}
    r = client.post("/api/v1/records", json=payload,
                    headers={"Authorization": f"Bearer {dept.plain_key}"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["accepted"] == 1
    from app.scoring.models import Score
    from app.extensions import db
    assert db.session.get(Score, resident.person_id).score == 105
