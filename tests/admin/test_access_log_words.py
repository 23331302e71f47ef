"""What a department or an operator read, and why, reaches the resident's access log in the
resident's language, whichever language the reader's screen was in."""
import re

from app.core.extensions import db
from app.governance import objections, repairs
from app.governance.attachments import attachments_of
from tests.governance.support import dept, record_of
from tests.resident_support import sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_reads_of_objections_and_repairs_are_logged_in_the_residents_words(
        app, client, runner, make_department, make_resident, signed_in):
    metro = make_department(issues="fare_evasion")
    resident = make_resident(records=[("fare_evasion", 120), ("blood_donation", 30)])
    record = record_of(resident, "fare_evasion")
    objection = objections.file_objection(resident, "不是我", record_id=record.id,
                                          attachments=[("image/png", PNG)])
    repair = repairs.file_repair(resident, record.id, "已补缴", True, [("image/png", PNG)])
    db.session.commit()
    evidence = [a.id for a in attachments_of("objection", objection.id)
                + attachments_of("repair", repair.id)]

    api = app.test_client()
    assert api.get(f"/api/v1/objections/{objection.id}", headers=dept(metro)).status_code == 200
    reviewer = signed_in("reviewer")
    auditor = signed_in("auditor")
    for client_ in (reviewer, auditor):
        with client_.session_transaction() as session:
            session["lang"] = "en"  # the readers work in English
    for url in (f"/admin/objections/{objection.id}", f"/admin/repairs/{repair.id}",
                *(f"/admin/evidence/{a}" for a in evidence)):
        assert reviewer.get(url).status_code == 200, url
    assert auditor.get(f"/admin/audit?subject={resident.person_id}").status_code == 200
    assert runner.invoke(args=["repairs", "list", "--operator", "王审核"]).exit_code == 0

    sign_in(client, resident)
    entries = client.get("/api/v1/me/access-log").get_json()["entries"]
    kinds = {e["who"]["kind"] for e in entries}
    assert kinds == {"department", "operator"}
    assert len(entries) >= 2 + len(evidence) + 2
    untranslated = [(e["what"], e["purpose"]) for e in entries
                    if not (CHINESE.search(e["what"]) and CHINESE.search(e["purpose"]))]
    assert untranslated == []
