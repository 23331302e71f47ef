"""Deliveries for one resident committing at the same time both end up in the stored score.

Neither delivery sees the other's uncommitted records; what keeps the stored score right is
that a delivery locks its persons before it writes, so the second one scores after the first
has committed.
"""
import threading
import time

from sqlalchemy import select

from app.core.extensions import db
from app.core.passwords import hash_password
from app.records.services import ingest
from app.residents.services import register_resident
from app.scoring.models import Score, ScoreRun
from app.scoring.services import rescore_all
from tests.delivery_support import delivery
from tests.factories import issuer_for, new_id_number, new_phone, record_payload
from tests.scoring.test_batch import AS_OF, assert_matches_engine, make_population


def test_concurrent_deliveries_for_one_person_are_both_scored(live_app):
    id_number = new_id_number()
    first_dept, second_dept = issuer_for("blood_donation"), issuer_for("honour_moral_model")
    resident = register_resident(id_number, "孙八", new_phone(), hash_password("x"), True)
    person_id = resident.person_id
    first_id, second_id = first_dept.id, second_dept.id
    db.session.commit()
    db.session.remove()
    scored, errors, outcomes = threading.Event(), [], []

    def hold():
        scored.set()
        time.sleep(0.5)  # the other delivery scores while this one is uncommitted

    holder = delivery(live_app, first_id, [record_payload(id_number, "孙八", "blood_donation")],
                      outcomes, errors, held=hold)
    holder.start()
    assert scored.wait(10)
    other = delivery(live_app, second_id, [record_payload(id_number, "孙八", "honour_moral_model")],
                     outcomes, errors)
    other.start()
    holder.join(30)
    other.join(30)
    assert not errors
    assert [outcome.status for outcome in outcomes] == ["accepted", "accepted"]
    db.session.remove()
    assert db.session.get(Score, person_id).score == 100 + 5 + 15


def test_nightly_rescore_does_not_overwrite_a_delivery_made_while_it_runs(live_app):
    """A delivery left uncommitted while the nightly rescore starts: the rescore waits for it
    and scores its record, rather than storing a score computed without it afterwards."""
    id_number = new_id_number()
    department = issuer_for("honour_moral_model")
    resident = register_resident(id_number, "周九", new_phone(), hash_password("x"), True)
    person_id = resident.person_id
    db.session.commit()
    outcomes = ingest(department, [record_payload(id_number, "周九", "honour_moral_model")])
    assert outcomes[0].status == "accepted"
    errors = []

    def nightly():
        with live_app.app_context():
            try:
                result = live_app.test_cli_runner().invoke(args=["scores", "rescore"])
                assert result.exit_code == 0, result.output
            except Exception as exc:  # reported to the test below
                errors.append(exc)
            finally:
                db.session.remove()

    run = threading.Thread(target=nightly)
    run.start()
    time.sleep(0.5)  # the nightly run reaches this person's range while the delivery is open
    db.session.commit()
    run.join(60)
    assert not run.is_alive() and not errors
    db.session.remove()
    assert db.session.get(Score, person_id).score == 100 + 15


def test_chunks_rescored_on_connections_of_their_own_match_the_engine(live_app):
    """On PostgreSQL a full rescore runs two chunks at once, each committing on a connection of
    its own: every chunk is scored, reported and counted once, as one after another would be."""
    person_ids, consenting = make_population(17, people=60)
    db.session.commit()
    chunk = max(5, max(person_ids) // 7)  # chunk boundaries fall among these persons
    reported = []
    written = rescore_all(AS_OF, chunk, progress=reported.append, full=True, workers=2)
    db.session.remove()
    assert_matches_engine(person_ids, consenting, AS_OF)
    run = db.session.scalar(select(ScoreRun).order_by(ScoreRun.id.desc()).limit(1))
    assert run.finished_at is not None and run.full_rescore and run.written == written
    assert sum(reported) == max(person_ids) + 1 and len(reported) > 2
