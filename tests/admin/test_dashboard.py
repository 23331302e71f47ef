"""The dashboard: every role sees it; its charts count what is in the database, in a fixed
number of aggregate queries however much there is."""
import re
import uuid

import pytest

from app.core.audit import audit
from app.core.extensions import db
from app.verification.models import Redemption


@pytest.mark.parametrize("role", ["operator", "reviewer", "auditor"])
def test_every_role_sees_the_dashboard(signed_in, role):
    client = signed_in(role)
    assert client.get("/admin/").headers["Location"].endswith("/admin/dashboard")
    page = client.get("/admin/dashboard")
    assert page.status_code == 200 and 'id="chart-tiers"' in page.get_data(as_text=True)


def test_a_visitor_is_sent_to_sign_in(client):
    answer = client.get("/admin/dashboard")
    assert answer.status_code == 302 and "/admin/login" in answer.headers["Location"]


def _bars(page, chart):
    """The bar titles of one chart on the page."""
    figure = re.search(rf'<figure class="a-chart" id="{chart}">(.*?)</figure>', page, re.S)
    return re.findall(r"<rect class=\"c\d\"[^>]*><title>([^<]*)</title>", figure.group(1))


def _figure(page, name):
    return int(re.search(rf'id="figure-{name}"[^>]*>(\d+)<', page).group(1))


def test_the_charts_count_what_happened(signed_in, make_resident, make_merchant, make_department):
    client = signed_in("auditor")
    before = client.get("/admin/dashboard").get_data(as_text=True)
    department = make_department(issues="volunteer_hours")
    resident = make_resident(records=[("blood_donation", 3)])
    from app.records.services import ingest
    from tests.factories import record_payload

    ingest(department, [record_payload(resident.plain_id, "张三", "volunteer_hours", 5,
                                       attributes={"hours": 4}) for _ in range(3)])
    merchant = make_merchant()
    benefit = merchant.benefits[0]
    db.session.add(Redemption(token_id=uuid.uuid4().hex, person_id=resident.person_id,
                              resident_id=resident.id, merchant_id=merchant.id,
                              benefit_id=benefit.id))
    for action in ("verification.granted", "verification.denied", "verification.denied"):
        audit("merchant:test", action, "credit_code", uuid.uuid4().hex)
    db.session.flush()

    page = client.get("/admin/dashboard").get_data(as_text=True)
    assert _figure(page, "residents") == _figure(before, "residents") + 1
    assert _figure(page, "records") == _figure(before, "records") + 4
    assert _figure(page, "redemptions") == _figure(before, "redemptions") + 1
    delivered = [t for t in _bars(page, "chart-records") if f"· {department.name}: " in t]
    assert delivered and int(delivered[-1].rsplit(": ", 1)[1]) >= 3
    verified = " ".join(_bars(page, "chart-verifications"))
    assert "Granted" in verified or "已通过" in verified or "通过" in verified
    assert any(benefit.scene in t for t in _bars(page, "chart-scenes"))
    assert benefit.scene in page.split('id="scene-outcomes"')[1]


def test_the_dashboard_costs_the_same_queries_however_many_residents(
        signed_in, make_resident, count_queries):
    client = signed_in("operator")
    client.get("/admin/dashboard")
    with count_queries() as few:
        assert client.get("/admin/dashboard").status_code == 200
    for _ in range(5):
        make_resident(records=[("tax_paid_on_time", 20), ("traffic_violation", 4)])
    db.session.flush()
    with count_queries() as more:
        assert client.get("/admin/dashboard").status_code == 200
    assert more.count == few.count <= 16


def test_the_dashboard_counts_the_objections_and_repairs_due(signed_in, make_resident):
    from datetime import timedelta

    from app.core.time import city_today
    from app.governance.objections import file_objection
    from app.governance.repairs import file_repair
    from app.records.models import CreditRecord
    from sqlalchemy import select

    client = signed_in("reviewer")
    before = client.get("/admin/dashboard").get_data(as_text=True)
    resident = make_resident(records=[("traffic_violation", 10), ("fare_evasion", 120)])
    records = {r.type_code: r for r in db.session.scalars(
        select(CreditRecord).filter_by(person_id=resident.person_id))}
    late = file_objection(resident, "有误", record_id=records["traffic_violation"].id)
    late.verdict_by = city_today() - timedelta(days=1)
    file_repair(resident, records["fare_evasion"].id, "已纠正", True)
    db.session.flush()
    page = client.get("/admin/dashboard").get_data(as_text=True)
    for figure, more in (("objections", 1), ("overdue", 1), ("repairs", 1), ("disputed", 0)):
        assert _figure(page, figure) == _figure(before, figure) + more, figure
