"""A person locked once in a transaction is not locked again in it, but every new transaction
locks afresh: a delivery in the next transaction still keeps other deliveries waiting."""
import threading
import time

from app.core.extensions import db
from app.core.passwords import hash_password
from app.departments.models import Department
from app.records.services import ingest
from app.residents.services import register_resident
from app.scoring.models import Score
from app.scoring.services import explain
from tests.factories import issuer_for, new_id_number, new_phone, record_payload


def test_the_second_transaction_of_a_session_locks_its_persons_again(live_app):
    id_number = new_id_number()
    first, second = issuer_for("blood_donation"), issuer_for("honour_moral_model")
    resident = register_resident(id_number, "孙八", new_phone(), hash_password("x"), True)
    person_id, first_id, second_id = resident.person_id, first.id, second.id
    db.session.commit()
    db.session.remove()
    scored, errors = threading.Event(), []

    def deliver_twice():
        with live_app.app_context():
            try:
                department = db.session.get(Department, first_id)
                ingest(department, [record_payload(id_number, "孙八", "blood_donation")])
                db.session.commit()  # the same session goes on with a new transaction
                ingest(department, [record_payload(id_number, "孙八", "blood_donation", days_ago=20)])
                scored.set()
                time.sleep(0.5)  # the other delivery comes while this one is uncommitted
                db.session.commit()
            except Exception as exc:  # reported to the test below
                errors.append(exc)
            finally:
                db.session.remove()

    def deliver_once():
        with live_app.app_context():
            try:
                department = db.session.get(Department, second_id)
                ingest(department, [record_payload(id_number, "孙八", "honour_moral_model")])
                db.session.commit()
            except Exception as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    holder = threading.Thread(target=deliver_twice)
    holder.start()
    assert scored.wait(10), errors
    other = threading.Thread(target=deliver_once)
    other.start()
    holder.join(30)
    other.join(30)
    assert not errors
    db.session.remove()
    expected = explain(person_id).score
    assert expected == 100 + 5 + 5 + 15
    assert db.session.get(Score, person_id).score == expected
