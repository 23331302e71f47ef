"""The audit-log viewer: filters, pages newest first, a person's trail logged as an operator's
read, and the chain verification on a button."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app.admin import audit_search
from app.core.audit import AuditEntry, audit, seal
from app.core.extensions import db
from app.core.time import city_today
from app.residents.access import access_log
from tests.admin.conftest import post
from tests.core.test_audit import DROP_TRIGGERS


def ids_on(page):
    return [int(row) for row in re.findall(r"<tr>\s*<td>(\d+)</td>", page)]


@pytest.fixture
def auditor(signed_in):
    return signed_in("auditor")


def test_filters_narrow_by_actor_action_object_and_dates(app, auditor):
    a = audit("operator:77", "merchant.created", "merchant", 5)
    b = audit("operator:77", "merchant.key_issued", "merchant", 6)
    c = audit("operator:770", "merchant.created", "merchant", 5)
    d = audit("staff:3", "staff.signed_in", "merchant_staff", 3)
    old = audit("operator:77", "department.created", "department", 1)

    def shown(**query):
        answer = auditor.get("/admin/audit", query_string=query)
        assert answer.status_code == 200
        return set(ids_on(answer.get_data(as_text=True))) & {a, b, c, d, old}

    assert shown() == {a, b, c, d, old}
    assert shown(actor="operator:77") == {a, b, old}  # not operator:770
    assert shown(actor="operator") == {a, b, c, old}
    assert shown(action="merchant") == {a, b, c}
    assert shown(action="merchant.created") == {a, c}
    assert shown(object="merchant:5") == {a, c}
    assert shown(object="merchant_staff") == {d}
    today, day = city_today(), timedelta(days=1)
    assert shown(since=today.isoformat(), until=today.isoformat()) == {a, b, c, d, old}
    assert shown(since=(today + day).isoformat()) == set()
    assert shown(until=(today - day).isoformat()) == set()
    assert shown(actor="operator:77", action="merchant", until=today.isoformat()) == {a, b}
    assert shown(actor="100%_", action="%") == set()  # wildcards are taken literally


def test_pages_run_newest_first_without_gaps(app, auditor):
    made = [audit("test:pages", "page.test", "thing", n)
            for n in range(audit_search.PAGE_SIZE + 7)]
    first = auditor.get("/admin/audit?actor=test:pages").get_data(as_text=True)
    assert ids_on(first) == sorted(made, reverse=True)[:audit_search.PAGE_SIZE]
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    second = auditor.get(older.replace("&amp;", "&")).get_data(as_text=True)
    assert ids_on(second) == sorted(made, reverse=True)[audit_search.PAGE_SIZE:]
    assert 'rel="next"' not in second
    assert '<a href="/admin/audit?actor=test:pages">' in second  # "newest" keeps the filter


@pytest.mark.parametrize("query", ["since=2026-02-30", "until=yesterday", "subject=abc",
                                   "subject=0", "before=-4", "since=2026-05-02&until=2026-05-01",
                                   "actor=" + "x" * 81])
def test_malformed_filters_are_a_friendly_422(app, auditor, query):
    answer = auditor.get(f"/admin/audit?{query}")
    assert answer.status_code == 422
    assert 'role="alert"' in answer.get_data(as_text=True)


def test_what_an_entry_says_about_a_person_shows_in_their_trail_and_is_logged(
        app, auditor, make_resident):
    resident = make_resident()
    entry = audit("system", "score.changed", "score", resident.person_id,
                  subject_id=resident.person_id, data={"score": 117})
    listing = auditor.get("/admin/audit?action=score.changed").get_data(as_text=True)
    assert entry in ids_on(listing) and "117" not in listing
    assert access_log(resident.person_id) == []
    trail = auditor.get(f"/admin/audit?subject={resident.person_id}").get_data(as_text=True)
    assert "117" in trail
    logged = access_log(resident.person_id)
    assert [(e.who_kind, e.who_name) for e in logged] == [
        ("operator", auditor.operator.username)]
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "audit_log.read_trail",
        AuditEntry.subject_id == resident.person_id)).actor == auditor.operator.actor


def test_the_button_verifies_the_chain_and_says_so(app, auditor):
    audit("test", "thing.done", "thing", 1)
    seal()
    audit("test", "thing.done", "thing", 2)  # not sealed yet: counted, not checked
    answer = post(auditor, "/admin/audit/verify")
    assert answer.status_code == 303
    page = auditor.get(answer.headers["Location"]).get_data(as_text=True)
    assert "审计链完整" in page
    checked = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "audit_log.verified").order_by(AuditEntry.id.desc()).limit(1))
    assert checked.actor == auditor.operator.actor and checked.data["broken_at"] is None
    assert checked.data["unsealed"] >= 1 and checked.data["checked"] >= 1


def test_the_button_names_the_first_altered_entry(app, auditor):
    target = audit("test", "thing.done", "thing", 1, data={"n": 1})
    audit("test", "thing.done", "thing", 2)
    seal()
    dialect = db.session.get_bind().dialect.name
    for statement in DROP_TRIGGERS[dialect]:
        db.session.execute(text(statement))
    db.session.execute(text("UPDATE audit_entries SET data = :d WHERE id = :id"),
                       {"d": '{"n": 99}', "id": target})
    answer = post(auditor, "/admin/audit/verify")
    page = auditor.get(answer.headers["Location"]).get_data(as_text=True)
    assert f"审计链在第 {target} 条记录处断裂" in page


def test_the_button_needs_the_csrf_token(app, auditor):
    assert auditor.post("/admin/audit/verify").status_code == 400


def test_the_check_returns_to_the_filtered_page_and_nowhere_else(app, auditor):
    kept = post(auditor, "/admin/audit/verify", {"back": "/admin/audit?actor=operator"})
    assert kept.headers["Location"] == "/admin/audit?actor=operator"
    for elsewhere in ("https://evil.example/", "//evil.example", "/admin/merchants"):
        answer = post(auditor, "/admin/audit/verify", {"back": elsewhere})
        assert answer.headers["Location"] == "/admin/audit"


def test_details_show_chinese_as_written(app, auditor):
    audit("test:zh", "thing.named", "thing", 1, data={"name": "绿城书店"})
    page = auditor.get("/admin/audit?actor=test:zh").get_data(as_text=True)
    assert "绿城书店" in page and "\\u" not in page
