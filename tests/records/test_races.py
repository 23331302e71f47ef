"""A source id taken by a delivery that commits while another delivery stores the same one."""
import threading
import time

from sqlalchemy import select, text

from app.core.extensions import db
from app.records.models import CreditRecord
from tests.delivery_support import delivery
from tests.factories import issuer_for, new_id_number, record_payload


def _blocked_on_a_lock(timeout=10.0) -> bool:
    """Whether a session of this database is waiting for another's transaction (PostgreSQL);
    SQLite shows no such thing: the other session is given a moment to reach its wait."""
    if db.engine.dialect.name != "postgresql":
        time.sleep(0.3)
        return True
    with db.engine.connect() as conn:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname ="
                                " current_database() AND wait_event_type = 'Lock'")):
                return True
            conn.rollback()
            time.sleep(0.02)
    return False


def test_a_source_id_taken_meanwhile_is_a_duplicate_of_the_record_that_took_it(live_app):
    department_id = issuer_for("blood_donation").id
    db.session.commit()
    db.session.remove()
    # the same source id, for two persons: their locks do not keep the deliveries apart
    first = record_payload(new_id_number(), "钱七", "blood_donation")
    second = {**record_payload(new_id_number(), "孙八", "blood_donation"),
              "source_id": first["source_id"]}
    stored, release, errors = threading.Event(), threading.Event(), []
    firsts, seconds = [], []

    def hold():
        stored.set()
        release.wait(15)  # the other delivery looks for the source id meanwhile

    holder = delivery(live_app, department_id, [first], firsts, errors, held=hold)
    holder.start()
    assert stored.wait(10), errors
    # the second finds the source id free (the first has not committed) and inserts it, which
    # waits for the first to end; the first then commits
    other = delivery(live_app, department_id, [second], seconds, errors)
    other.start()
    waited = _blocked_on_a_lock()
    release.set()
    holder.join(30)
    other.join(30)
    assert waited and not errors
    (taken,), (raced,) = firsts, seconds
    assert taken.status == "accepted"
    assert (raced.status, raced.record_id) == ("duplicate", taken.record_id)
    stored_records = db.session.execute(select(CreditRecord.id, CreditRecord.person_id).where(
        CreditRecord.department_id == department_id,
        CreditRecord.source_id == first["source_id"])).all()
    assert [record_id for record_id, _p in stored_records] == [taken.record_id]
