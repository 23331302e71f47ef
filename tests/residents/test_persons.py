"""Two deliveries naming the same new person at the same time create that person once."""
import threading
import time

from sqlalchemy import select

from app.core.extensions import db
from app.departments.models import Department
from app.records.models import CreditRecord
from app.records.services import ingest
from app.residents.models import Person
from app.residents.services import id_number_index
from tests.factories import issuer_for, new_id_number, record_payload


def test_a_person_created_by_a_concurrent_delivery_is_read_back(live_app):
    id_number = new_id_number()
    departments = [issuer_for(rtype).id for rtype in ("blood_donation", "honour_moral_model")]
    db.session.commit()
    db.session.remove()
    created, errors, outcomes = threading.Event(), [], []

    def deliver(department_id, hold, rtype):
        with live_app.app_context():
            try:
                department = db.session.get(Department, department_id)
                record = record_payload(id_number, "钱七", rtype)
                outcomes.extend(ingest(department, [record]))
                if hold:
                    created.set()
                    time.sleep(0.5)  # the other delivery inserts the same person meanwhile
                db.session.commit()
            except Exception as exc:  # reported to the test below
                errors.append(exc)
            finally:
                db.session.remove()

    first = threading.Thread(target=deliver, args=(departments[0], True, "blood_donation"))
    first.start()
    assert created.wait(10), errors
    second = threading.Thread(target=deliver, args=(departments[1], False, "honour_moral_model"))
    second.start()
    first.join(30)
    second.join(30)
    assert not errors
    assert [o.status for o in outcomes] == ["accepted", "accepted"]
    db.session.remove()
    persons = db.session.scalars(
        select(Person.id).where(Person.id_number_index == id_number_index(id_number))).all()
    owners = db.session.scalars(select(CreditRecord.person_id)
                                .where(CreditRecord.id.in_([o.record_id for o in outcomes]))).all()
    assert len(persons) == 1 and owners == persons * 2
