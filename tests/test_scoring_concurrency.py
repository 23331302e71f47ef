"""Deliveries for one resident committing at the same time both end up in the stored score.

Neither delivery sees the other's uncommitted records; what keeps the stored score right is
that a delivery locks its persons before it writes, so the second one scores after the first
has committed.
"""
import threading
import time
import uuid

from app.core.passwords import hash_password
from app.departments.services import create_department
from app.extensions import db
from app.records.services import ingest
from app.residents.services import register_resident
from app.scoring.models import Score
from tests.factories import new_id_number, new_phone, record_payload


def test_concurrent_deliveries_for_one_person_are_both_scored(live_app):
    id_number = new_id_number()
    first_dept, _k = create_department(f"dept_{uuid.uuid4().hex[:8]}", "甲部门")
    second_dept, _k = create_department(f"dept_{uuid.uuid4().hex[:8]}", "乙部门")
    resident = register_resident(id_number, "孙八", new_phone(), hash_password("x"), True)
    person_id = resident.person_id
    first_id, second_id = first_dept.id, second_dept.id
    db.session.commit()
    db.session.remove()
    scored, errors = threading.Event(), []

    def deliver(department_id, rtype, hold):
        with live_app.app_context():
            try:
                from app.departments.models import Department

                department = db.session.get(Department, department_id)
                outcomes = ingest(department, [record_payload(id_number, "孙八", rtype)])
                assert outcomes[0].status == "accepted"
                if hold:
                    scored.set()
                    time.sleep(0.5)  # the other delivery scores while this one is uncommitted
                db.session.commit()
            except Exception as exc:  # reported to the test below
                errors.append(exc)
            finally:
                db.session.remove()

    holder = threading.Thread(target=deliver, args=(first_id, "blood_donation", True))
    holder.start()
    assert scored.wait(10)
    other = threading.Thread(target=deliver, args=(second_id, "honour_moral_model", False))
    other.start()
    holder.join(30)
    other.join(30)
    assert not errors
    db.session.remove()
    assert db.session.get(Score, person_id).score == 100 + 5 + 15
