"""Reviewers' queues: objections (overdue first), disputed default reports and repair
applications; reviewers decide with reasons, auditors only read, operators see neither."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.time import city_today, utcnow
from app.governance.objections import WHAT_OBJECTION, file_objection
from app.governance.repairs import WHAT_REPAIR, file_repair
from app.records.models import CreditRecord
from app.residents.access import access_log
from app.scoring.models import Score
from app.verification.models import Redemption
from tests.admin.conftest import post
from tests.admin.console_support import console  # noqa: F401 - a fixture

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def record_of(resident, rtype):
    return db.session.scalar(select(CreditRecord).filter_by(person_id=resident.person_id,
                                                            type_code=rtype))


@pytest.fixture
def cases(make_resident):
    """A resident with an objection to a recent traffic violation and a repair application for
    an old fare evasion."""
    resident = make_resident(records=[("traffic_violation", 10), ("fare_evasion", 120)])
    objection = file_objection(resident, "当天我不在郑州", record_id=record_of(
        resident, "traffic_violation").id, attachments=[("image/png", PNG)])
    repair = file_repair(resident, record_of(resident, "fare_evasion").id,
                         "已补缴票款并参加文明乘车培训", True)
    db.session.flush()
    return resident, objection, repair


def pages(objection, repair):
    return ["/admin/objections", f"/admin/objections/{objection.id}", "/admin/repairs",
            f"/admin/repairs/{repair.id}"]


@pytest.mark.parametrize("role, status", [("reviewer", 200), ("auditor", 200),
                                          ("operator", 403)])
def test_reviewers_and_auditors_see_the_queues(console, cases, role, status):
    _resident, objection, repair = cases
    client = console(role)
    for url in pages(objection, repair):
        assert client.get(url).status_code == status, url
    if status == 200:
        page = client.get(f"/admin/objections/{objection.id}").get_data(as_text=True)
        # only a reviewer is offered the decision
        assert ('id="decide"' in page) == (role == "reviewer")


@pytest.mark.parametrize("role", ["auditor", "operator"])
def test_only_a_reviewer_decides(console, cases, role):
    resident, objection, repair = cases
    client = console(role)
    assert post(client, f"/admin/objections/{objection.id}/decide",
                {"verdict": "upheld", "reason": "x"}).status_code == 403
    assert post(client, f"/admin/repairs/{repair.id}/decide",
                {"decision": "approve", "reason": "x"}).status_code == 403
    db.session.refresh(objection)
    db.session.refresh(repair)
    assert (objection.status, repair.status) == ("forwarded", "submitted")
    assert record_of(resident, "traffic_violation").status == "active"


def test_opening_a_case_is_in_the_residents_access_log(console, cases):
    resident, objection, repair = cases
    client = console("auditor")
    client.get(f"/admin/objections/{objection.id}")
    client.get(f"/admin/repairs/{repair.id}")
    entries = [e for e in access_log(resident.person_id) if e.who_kind == "operator"]
    assert {e.what for e in entries} == {WHAT_OBJECTION, WHAT_REPAIR}
    assert all(client.operator.username in e.who_name for e in entries)


def test_overdue_objections_come_first(console, cases, make_resident):
    _resident, recent, _repair = cases
    other = make_resident(records=[("traffic_violation", 20)])
    late = file_objection(other, "记录有误", record_id=record_of(other, "traffic_violation").id)
    late.verdict_by = late.final_by = city_today() - timedelta(days=1)
    db.session.flush()
    page = console("reviewer").get("/admin/objections").get_data(as_text=True)
    assert page.index(f'data-objection="{late.id}" class="a-overdue"') < page.index(
        f'data-objection="{recent.id}"')


def test_a_disputed_default_report_has_its_own_queue(console, make_resident, make_merchant):
    resident, merchant = make_resident(), make_merchant()
    redemption = Redemption(token_id=uuid.uuid4().hex, person_id=resident.person_id,
                            resident_id=resident.id, merchant_id=merchant.id,
                            benefit_id=merchant.benefits[0].id, status="defaulted",
                            defaulted_at=utcnow(), default_due_at=utcnow() + timedelta(days=7))
    db.session.add(redemption)
    db.session.flush()
    objection = file_objection(resident, "我已按时归还", redemption_id=redemption.id)
    page = console("reviewer").get("/admin/objections").get_data(as_text=True)
    defaults = page.split('id="objections-defaults"')[1].split("</table>")[0]
    assert f'data-objection="{objection.id}"' in defaults
    benefit = merchant.benefits[0]
    assert benefit.name_en in defaults if benefit.name_en else benefit.name in defaults


def test_a_reviewer_upholds_an_objection_and_the_score_follows(console, cases):
    resident, objection, _repair = cases
    client = console("reviewer")
    before = db.session.get(Score, resident.person_id).score
    url = f"/admin/objections/{objection.id}/decide"
    assert post(client, url, {"verdict": "upheld", "reason": " "}).status_code == 422
    assert post(client, url, {"verdict": "maybe", "reason": "x"}).status_code == 422
    answer = post(client, url, {"verdict": "upheld", "reason": "经核实当天不在本市"})
    assert answer.status_code == 303
    db.session.refresh(objection)
    assert objection.status == "upheld" and objection.verdict_reason == "经核实当天不在本市"
    assert record_of(resident, "traffic_violation").status == "revoked"
    db.session.expire_all()
    assert db.session.get(Score, resident.person_id).score > before
    entry = db.session.scalar(select(AuditEntry).filter_by(action="objection.upheld",
                                                           object_id=str(objection.id)))
    assert entry.actor == client.operator.actor
    again = post(client, url, {"verdict": "rejected", "reason": "改主意"})
    assert again.status_code == 409 and "already" in again.get_data(as_text=True)
    assert post(client, "/admin/objections/999999/decide",
                {"verdict": "upheld", "reason": "x"}).status_code == 404


def test_a_reviewer_approves_a_repair_once(console, cases):
    resident, _objection, repair = cases
    client = console("reviewer")
    url = f"/admin/repairs/{repair.id}/decide"
    assert post(client, url, {"decision": "approve", "reason": ""}).status_code == 422
    answer = post(client, url, {"decision": "approve", "reason": "材料齐全"})
    assert answer.status_code == 303
    db.session.refresh(repair)
    assert repair.status == "approved" and repair.decision_reason == "材料齐全"
    assert record_of(resident, "fare_evasion").status == "repaired"
    entry = db.session.scalar(select(AuditEntry).filter_by(action="repair.approved",
                                                           object_id=str(repair.id)))
    assert entry.actor == client.operator.actor
    assert post(client, url, {"decision": "refuse", "reason": "改主意"}).status_code == 409
    page = client.get("/admin/repairs").get_data(as_text=True)
    assert f'data-repair="{repair.id}"' in page.split('id="repairs-decided"')[1]


def test_evidence_is_shown_to_reviewers_only(console, cases):
    _resident, objection, _repair = cases
    page = console("reviewer").get(f"/admin/objections/{objection.id}").get_data(as_text=True)
    link = page.split('href="/admin/evidence/')[1].split('"')[0]
    answer = console("auditor").get(f"/admin/evidence/{link}")
    assert answer.status_code == 200 and answer.data == PNG
    assert answer.mimetype == "image/png"
    assert console("operator").get(f"/admin/evidence/{link}").status_code == 403


def test_the_queue_costs_the_same_queries_however_many_objections(console, cases,
                                                                   make_resident,
                                                                   count_queries):
    client = console("reviewer")
    client.get("/admin/objections")
    with count_queries() as few:
        client.get("/admin/objections")
    for _ in range(4):
        other = make_resident(records=[("traffic_violation", 5)])
        file_objection(other, "有误", record_id=record_of(other, "traffic_violation").id)
    db.session.flush()
    with count_queries() as more:
        client.get("/admin/objections")
    assert more.count == few.count
