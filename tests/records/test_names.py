"""Names that departments send are refused when they hold bidirectional controls or other
invisible characters (U+202E would make a name read backwards), by the API and the importer."""
import pytest

from app.records.services import ingest
from tests.factories import new_id_number, record_payload

HIDDEN = ["张\u202e三", "张\u200b三", "\u2067张三", "张三\ufeff", "张\u2028三"]


@pytest.mark.parametrize("name", HIDDEN)
def test_the_api_rejects_the_record(client, make_department, name):
    department = make_department(issues="blood_donation")
    response = client.post("/api/v1/records", headers={
        "Authorization": f"Bearer {department.plain_key}"}, json={"records": [
            record_payload(new_id_number(), name, "blood_donation"),
            record_payload(new_id_number(), "张三", "blood_donation")]})
    assert response.status_code == 200
    bad, good = response.get_json()["results"]
    assert bad["status"] == "rejected" and bad["errors"][0]["field"] == "name"
    assert good["status"] == "accepted"


@pytest.mark.parametrize("name", HIDDEN)
def test_the_importer_rejects_the_row(app, make_department, name):
    """Imported files go through the same intake as the API."""
    outcomes = ingest(make_department(issues="blood_donation"), [record_payload(new_id_number(), name, "blood_donation")])
    assert outcomes[0].status == "rejected"
    assert [error["field"] for error in outcomes[0].errors] == ["name"]


def test_rare_characters_and_middle_dots_stay_allowed(app, make_department):
    names = ["买买提·艾力", "𠮷田", "\ue000明"]  # private use: rare characters of older systems
    outcomes = ingest(make_department(issues="blood_donation"),
                      [record_payload(new_id_number(), name, "blood_donation") for name in names])
    assert [outcome.status for outcome in outcomes] == ["accepted"] * 3
