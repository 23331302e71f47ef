"""Records API under hostile input: every bad value is a 4xx or a rejected record, never a 500,
and a bad record never stops the good ones (issue 11, item 7)."""
import json

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.records.models import CreditRecord
from tests.factories import record_payload
from tests.records.test_api import assert_error, auth, deliver_one


@pytest.fixture
def department(make_department):
    return make_department(issues="blood_donation")


def post_raw(client, department, text):
    return client.post("/api/v1/records", data=text, content_type="application/json",
                       headers=auth(department))


def batch_text(records, literal):
    """The batch as JSON text, each "BAD" attribute value replaced by a raw JSON literal."""
    return json.dumps({"records": records}).replace('"BAD"', literal)


BAD_ATTRIBUTES = {
    "NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity", "1e400": "1e400",
    "400 digits": "1" * 400, "-2**53": str(-(2**53)), "lone surrogate": '"\\ud800"',
    "surrogate key": '{"\\udc00": 1}', "NUL": '"a\\u0000b"', "escape": '"\\u001b[31m"',
    "nested NaN": '[1, {"y": NaN}]',
}


@pytest.mark.parametrize("literal", BAD_ATTRIBUTES.values(), ids=BAD_ATTRIBUTES.keys())
def test_bad_attribute_values_reject_their_record_only(client, department, make_resident,
                                                       literal):
    resident = make_resident()
    good = record_payload(resident.plain_id, "张三", "blood_donation", attributes={"x": 0})
    bad = record_payload(resident.plain_id, "张三", "blood_donation", attributes={"x": "BAD"})
    response = post_raw(client, department, batch_text([good, bad], literal))
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    assert results[1]["errors"][0]["field"] == "attributes"
    assert results[1]["errors"][0]["message"]


def test_large_but_exact_numbers_are_taken(client, department, make_resident):
    resident = make_resident()
    records = [record_payload(resident.plain_id, "张三", "blood_donation", attributes={"x": x})
               for x in (2**53 - 1, -(2**53 - 1), 1e308, "line one\nline two\ttab")]
    assert post_raw(client, department, batch_text(records, "")).get_json()["accepted"] == 4


@pytest.mark.parametrize("field", ["source_id", "id_number", "name", "type"])
@pytest.mark.parametrize("bad", ["\ud800", "low \udfff", "\x00", "\x1b", "\x85"])
def test_control_characters_and_lone_surrogates_in_fields(client, department, make_resident,
                                                          field, bad):
    resident = make_resident()
    record = record_payload(resident.plain_id, "张三", "blood_donation")
    record[field] = record[field][:2] + bad + record[field][2:]
    good = record_payload(resident.plain_id, "张三", "blood_donation")
    # json.dumps writes a lone surrogate as its \\ud800 escape, as a hostile client would
    response = post_raw(client, department, json.dumps({"records": [record, good]}))
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "accepted"]
    assert field in {e["field"] for e in results[0]["errors"]}


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31",
                                   "0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-12:00",
                                   "9999-12-31T23:59:59"])
@pytest.mark.parametrize("field", ["occurred_at", "ended_at"])
def test_dates_at_the_ends_of_time_are_readable_errors(client, department, make_resident, value,
                                                       field):
    resident = make_resident()
    record = record_payload(resident.plain_id, "张三", "utility_arrears", **{field: value})
    response = post_raw(client, department, json.dumps({"records": [record]}))
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()["results"][0]
    assert result["status"] == "rejected"
    assert field in {e["field"] for e in result["errors"]}
    assert all(e["message"] for e in result["errors"])


def test_the_first_day_of_the_range_is_taken(client, department, make_resident):
    resident = make_resident()
    record = record_payload(resident.plain_id, "张三", "blood_donation", occurred_at="1900-01-01")
    assert post_raw(client, department, json.dumps({"records": [record]})).get_json()["accepted"] == 1


@pytest.mark.parametrize("text", [
    '{"records": [{"attributes": {"x": ' + "1" * 4301 + "}}]}",
    '{"records": [{"attributes": {"x": ' + "1" * 5000 + "}}]}",
    '{"records": ' + "[" * 1000 + "]" * 1000 + "}",
    '{"records": ' + "[" * 100000 + "]" * 100000 + "}",
    '{"records": [{"attributes": {"x": ' + "[" * 40 + "]" * 40 + "}}]}",
    '{"records": [' + '{"a": ' * 900 + "1" + "}" * 900 + "]}",
])
def test_bodies_beyond_the_parsers_limits_are_400(client, department, text):
    error = assert_error(post_raw(client, department, text), 400, "malformed_json")
    assert error["message"]
    assert record_count(department) == 0


def test_the_limits_hold_for_every_json_endpoint(client, department, make_resident,
                                                 make_merchant):
    deep = "[" * 1000 + "]" * 1000
    source_id, _record_id = deliver_one(client, department, make_resident())
    response = client.patch(f"/api/v1/records/{source_id}", data='{"attributes": ' + deep + "}",
                            content_type="application/json", headers=auth(department))
    assert_error(response, 400, "malformed_json")
    merchant = make_merchant()
    response = client.post("/api/v1/verifications", data='{"token": ' + "9" * 5000 + "}",
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {merchant.plain_key}"})
    assert_error(response, 400, "malformed_json")


@pytest.mark.parametrize("changes", [
    '{"attributes": {"x": NaN}}', '{"attributes": {"x": 1e400}}',
    '{"attributes": {"x": ' + "9" * 400 + "}}", '{"attributes": {"\\ud800": 1}}',
    '{"attributes": {"x": "\\u0000"}}', '{"type": "blood\\ud800"}', '{"occurred_at": "0001-01-01"}',
    '{"ended_at": "9999-12-31T23:00:00-12:00"}',
])
def test_bad_corrections_are_422_and_change_nothing(client, department, make_resident, changes):
    source_id, record_id = deliver_one(client, department, make_resident())
    response = client.patch(f"/api/v1/records/{source_id}", data=changes,
                            content_type="application/json", headers=auth(department))
    assert_error(response, 422)
    db.session.expire_all()
    record = db.session.get(CreditRecord, record_id)
    assert (record.type_code, record.attributes) == ("blood_donation", {})


def record_count(department):
    return db.session.scalar(select(func.count()).select_from(CreditRecord).where(
        CreditRecord.department_id == department.id)) - department.records_before


def test_backslashes_tabs_and_line_breaks_are_stored_as_sent(client, department, make_resident):
    """Records reach the table as text that gives backslashes, tabs and line breaks a meaning
    of their own (COPY's): each must come back as it was sent."""
    resident = make_resident()
    attributes = {"note": "a\\tb\tc\nd\\", "路径": "C:\\新\\", "n": 1.5, "list": ["\\N", None]}
    records = [record_payload(resident.plain_id, "张三", "blood_donation", source_id="s\\N\\t",
                              document_ref="郑\\罚〔2026〕1号\\", attributes=attributes),
               record_payload(resident.plain_id, "张三", "blood_donation", source_id="\\.",
                              document_ref=None, ended_at=None)]
    assert post_raw(client, department, json.dumps({"records": records})).get_json()[
        "accepted"] == 2
    stored = {r.source_id: r for r in db.session.scalars(select(CreditRecord).where(
        CreditRecord.department_id == department.id))}
    assert stored["s\\N\\t"].document_ref == "郑\\罚〔2026〕1号\\"
    assert stored["s\\N\\t"].attributes == attributes
    assert stored["\\."].document_ref is None and stored["\\."].attributes == {}
