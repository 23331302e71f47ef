"""Two deliveries naming the same new person at the same time create that person once."""
import threading
import time

from sqlalchemy import select

from app.core.extensions import db
from app.records.models import CreditRecord
from app.residents.models import Person
from app.residents.services import id_number_index
from tests.delivery_support import delivery
from tests.factories import issuer_for, new_id_number, record_payload


def test_a_person_created_by_a_concurrent_delivery_is_read_back(live_app):
    id_number = new_id_number()
    departments = [issuer_for(rtype).id for rtype in ("blood_donation", "honour_moral_model")]
    db.session.commit()
    db.session.remove()
    created, errors, outcomes = threading.Event(), [], []

    def hold():
        created.set()
        time.sleep(0.5)  # the other delivery inserts the same person meanwhile

    first = delivery(live_app, departments[0],
                     [record_payload(id_number, "钱七", "blood_donation")], outcomes, errors,
                     held=hold)
    first.start()
    assert created.wait(10), errors
    second = delivery(live_app, departments[1],
                      [record_payload(id_number, "钱七", "honour_moral_model")], outcomes, errors)
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
