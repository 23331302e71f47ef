"""Every form of the console, posted with hostile values in every field (NUL and control
characters, huge strings, numbers out of range, impossible dates, markup): a friendly 4xx or a
success, never a 500."""
import re
import uuid
from html.parser import HTMLParser

import pytest

from app.core.extensions import db
from app.governance import objections, repairs
from tests.admin.conftest import post
from tests.governance.support import record_of
from tests.partners.conftest import new_credit_code
from tests.verification_support import make_benefit, make_merchant  # noqa: F401 - fixtures

HOSTILE = ["\x00", "a\x00b", "x" * 20_000, "-1", "9" * 40, "2026-13-45", "0001-01-01",
           "9999-12-31", "<script>x</script>", "\u202e\u0007", " ", "0"]


class Forms(HTMLParser):
    """(action, method, {field: value}) of each form on a page."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action") or "", (attrs.get("method") or "get").lower(),
                               {}))
        elif tag in ("input", "select", "textarea") and self.forms and attrs.get("name"):
            if attrs.get("type") in ("file",):
                return
            self.select = attrs["name"] if tag == "select" else None
            self.forms[-1][2].setdefault(attrs["name"], attrs.get("value") or "")
        elif tag == "option" and self.forms and getattr(self, "select", None):
            fields = self.forms[-1][2]
            if not fields.get(self.select) and attrs.get("value"):
                fields[self.select] = attrs["value"]


def plausible(name):
    """A value the field would accept, so that one hostile field at a time reaches the code."""
    unique = uuid.uuid4().hex[:8]
    return {"code": f"fz_{unique}", "name": f"模糊测试{unique}", "name_en": f"Fuzz {unique}",
            "credit_code": new_credit_code(), "phone": f"139{uuid.uuid4().int % 10**8:08d}",
            "min_score": "600", "limit_count": "3", "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
            "reason": "核实无误", "role": "clerk", "label": "fuzz", "url": "https://example.org/cb",
            "redirect_uris": "https://example.org/cb", "source": ""}.get(name, "x")


def forms_of(html):
    parser = Forms()
    parser.feed(html)
    return parser.forms


@pytest.fixture
def world(app, make_department, make_resident, make_merchant):
    make_department(issues="fare_evasion")
    resident = make_resident(records=[("fare_evasion", 120), ("traffic_violation", 30)])
    objection = objections.file_objection(
        resident, "不是我", record_id=record_of(resident, "traffic_violation").id)
    repair = repairs.file_repair(resident, record_of(resident, "fare_evasion").id, "已补缴", True)
    merchant = make_merchant()
    db.session.flush()
    return {"objection": objection, "repair": repair, "merchant": merchant,
            "benefit": merchant.benefits[0]}


def pages(world):
    return ["/admin/departments", "/admin/merchants", f"/admin/merchants/{world['merchant'].id}",
            "/admin/benefits", "/admin/benefits/new", f"/admin/benefits/{world['benefit'].id}",
            "/admin/partners", "/admin/schemes", "/admin/intake", "/admin/audit",
            f"/admin/objections/{world['objection'].id}", f"/admin/repairs/{world['repair'].id}"]


@pytest.mark.parametrize("role", ["operator", "reviewer"])
def test_no_console_form_answers_hostile_values_with_a_500(app, world, signed_in, role):
    client = signed_in(role)
    broke, accepted = [], set()
    for page in pages(world):
        answer = client.get(page)
        if answer.status_code != 200:
            continue
        for action, method, fields in forms_of(answer.get_data(as_text=True)):
            if method != "post" or not action.startswith("/admin") or "logout" in action:
                continue
            fields.pop("csrf_token", None)
            filled = {name: value or plausible(name) for name, value in fields.items()}
            if post(client, action, filled).status_code < 400:
                accepted.add(action)
            for name in fields:
                for value in HOSTILE:
                    filled = {name: value or plausible(name) for name, value in fields.items()}
                    reply = post(client, action, {**filled, name: value})
                    if reply.status_code >= 500:
                        broke.append((action, name, value[:20], reply.status_code))
    assert broke == []
    # the plausible values pass, so each hostile one is what the form had to deal with
    assert len(accepted) >= (6 if role == "operator" else 2), accepted


@pytest.mark.parametrize("query", [
    "since=0001-01-01", "until=9999-12-31", "since=0001-01-01&until=9999-12-31",
    "subject=9223372036854775807", "before=9223372036854775807", "subject=99999999999",
    "object=objection:" + "9" * 100, "actor=%25", "action=_%25"])
def test_the_audit_filters_answer_extreme_values_without_a_500(app, signed_in, query):
    answer = signed_in("auditor").get(f"/admin/audit?{query}")
    assert answer.status_code in (200, 422), answer.status_code


@pytest.mark.parametrize("job_id", ["%00", "%E2%80%AE", "%FF", "a%20b", "x.y"])
@pytest.mark.parametrize("page", ["/admin/intake/{}", "/admin/intake/{}.json",
                                  "/admin/intake/{}/errors.csv", "/admin/schemes/rescore/{}",
                                  "/admin/schemes/rescore/{}.json"])
def test_a_job_page_with_an_impossible_job_id_is_a_404(app, signed_in, page, job_id):
    answer = signed_in("operator").get(page.format(job_id))
    assert answer.status_code == 404, answer.status_code
