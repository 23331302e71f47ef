"""Credit repair: eligible records only, a signed commitment, an operator's decision; approval
stops the record counting at once and the commitment stays in the record's history."""
import io

import pytest
from sqlalchemy import select

from app.catalogue.services import current_rules
from app.core.audit import AuditEntry
from app.core.extensions import db
from app.governance.models import Repair
from app.governance.repairs import decide_repair
from app.residents.access import access_log
from tests.governance.support import assert_error, record_of, signed_in

# fare evasion may be repaired 90 days after it happened; utility arrears only once ended
OLD, RECENT, ONGOING, NEVER = ("fare_evasion", 120), ("traffic_violation", 30), \
    ("utility_arrears", 200), ("court_dishonest_debtor", 400)


@pytest.fixture
def resident(make_resident):
    return make_resident(records=[OLD, RECENT, ONGOING, NEVER])


def _apply(client, headers, record_id, **body):
    return client.post("/api/v1/me/repairs", headers=headers, json={
        "record_id": record_id, "statement": "已补缴票款并参加文明乘车培训", "commitment": True,
        **body})


def test_the_repair_path(client, runner, resident, sms):
    headers = signed_in(client, resident)
    record = record_of(resident, "fare_evasion")
    before = client.get("/api/v1/me/score").get_json()["score"]
    response = _apply(client, headers, record.id)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["record_id"] == record.id and body["status"] == "submitted"
    assert body["commitment_text"] == current_rules().commitment_text != ""
    assert_error(_apply(client, headers, record.id), 409, "repair_pending")
    listed = runner.invoke(args=["repairs", "list", "--operator", "李审核"])
    assert str(body["id"]) in listed.output
    entry = access_log(resident.person_id)[0]
    assert (entry.who_kind, entry.who_name) == ("operator", "李审核")
    result = runner.invoke(args=["repairs", "approve", str(body["id"]), "--reason", "材料齐全",
                                 "--operator", "李审核"])
    assert result.exit_code == 0, result.output
    db.session.refresh(record)
    assert record.status == "repaired" and record.repaired_at is not None
    assert client.get("/api/v1/me/score").get_json()["score"] > before
    # the commitment is part of the record's history, shown to the resident
    page = client.get("/score/improve").get_data(as_text=True)
    assert current_rules().commitment_text[:20] in page and "材料齐全" in page
    assert db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "repair.approved", AuditEntry.object_id == str(body["id"])))
    # decided once
    again = runner.invoke(args=["repairs", "refuse", str(body["id"]), "--reason", "改主意"])
    assert again.exit_code != 0


def test_a_refusal_keeps_the_record_and_its_reasons(client, resident):
    headers = signed_in(client, resident)
    record = record_of(resident, "fare_evasion")
    rid = _apply(client, headers, record.id).get_json()["id"]
    decide_repair(rid, "李审核", False, "缺少补缴凭证")
    db.session.refresh(record)
    assert record.status == "active"
    mine = client.get("/api/v1/me/repairs").get_json()["repairs"]
    assert [(r["status"], r["decision_reason"]) for r in mine] == [("refused", "缺少补缴凭证")]
    # refused, the resident may apply again
    assert _apply(client, headers, record.id).status_code == 201


@pytest.mark.parametrize("rtype, code", [("traffic_violation", "repair_not_open_yet"),
                                         ("utility_arrears", "not_repairable"),
                                         ("court_dishonest_debtor", "not_repairable")])
def test_only_eligible_records(client, resident, rtype, code):
    headers = signed_in(client, resident)
    assert_error(_apply(client, headers, record_of(resident, rtype).id), 409, code)
    assert db.session.scalar(select(Repair.id).filter_by(person_id=resident.person_id)) is None


def test_only_ones_own_record_and_a_signed_commitment(client, api, resident, make_resident):
    record = record_of(resident, "fare_evasion")
    stranger = make_resident()
    headers = signed_in(api, stranger)
    assert_error(_apply(api, headers, record.id), 404, "record_not_found")
    assert api.get(f"/records/{record.id}/repair").status_code == 404
    own = signed_in(client, resident)
    for bad in (False, "yes", None):
        assert_error(_apply(client, own, record.id, commitment=bad), 422)
    assert_error(_apply(client, own, record.id, statement=" "), 422)
    assert_error(client.post("/api/v1/me/repairs", headers=own, json={"record_id": record.id}), 422)
    assert db.session.scalar(select(Repair.id).filter_by(person_id=resident.person_id)) is None


def test_the_repair_page_shows_the_commitment_and_files_evidence(client, resident):
    from tests.resident_support import form_token

    signed_in(client, resident)
    record = record_of(resident, "fare_evasion")
    url = f"/records/{record.id}/repair"
    page = client.get(url).get_data(as_text=True)
    assert current_rules().commitment_text in page
    token = form_token(client, url)
    unsigned = client.post(url, data={"csrf_token": token, "statement": "已补缴"})
    assert unsigned.status_code == 422
    pdf = (io.BytesIO(b"%PDF-1.4 evidence"), "receipt.pdf")
    response = client.post(url, content_type="multipart/form-data", data={
        "csrf_token": token, "statement": "已补缴", "commitment": "y", "evidence": [pdf]})
    assert response.status_code == 303, response.get_data(as_text=True)
    repair = db.session.scalar(select(Repair).filter_by(person_id=resident.person_id))
    from app.governance.attachments import attachments_of, content

    stored, = attachments_of("repair", repair.id)
    assert stored.content_type == "application/pdf" and b"evidence" not in stored.data
    assert content(stored) == b"%PDF-1.4 evidence"
