"""Publishing a scheme from the console puts it in force and a worker rescores everyone, with the
progress shown; the worker reads only what is committed, so these tests commit."""
import threading
import time
import uuid

import pytest
from sqlalchemy import select

from app.admin import schemes
from app.catalogue.models import Scheme
from app.catalogue.services import current_scheme, parse_scheme
from app.core.audit import AuditEntry
from app.core.extensions import db
from app.scoring.models import Score
from tests.admin.conftest import post, sign_in_as
from tests.admin.console_support import restore_default_scheme  # noqa: F401 - a fixture
from tests.admin.scheme_files import scheme_text
from tests.jobs.conftest import run_worker  # noqa: F401 - a fixture


@pytest.fixture
def app(live_app):
    """The factory fixtures' app, committing for real."""
    return live_app


def test_publishing_rescores_everyone_in_a_job_with_its_progress(
        app, make_operator, make_resident, run_worker, restore_default_scheme):  # noqa: F811
    driver = make_resident(records=[("traffic_violation", 10)])
    operator = make_operator("operator")
    db.session.commit()
    person_id = driver.person_id
    assert db.session.get(Score, person_id).score == 98
    client = sign_in_as(app.test_client(), operator)
    db.session.commit()
    version = f"t{uuid.uuid4().hex[:8]}"

    answer = post(client, "/admin/schemes/publish",
                  {"source": scheme_text(version, points={"traffic_violation": 32})})
    assert answer.status_code == 303
    progress_url = answer.headers["Location"]
    assert current_scheme().version == version
    entry = db.session.scalar(select(AuditEntry).filter_by(action="scheme.published",
                                                           object_id=version))
    assert entry.actor == operator.actor and entry.data["previous"] == "2026.1"
    state = client.get(f"{progress_url}.json").get_json()
    assert state["status"] == "queued" and state["percent"] == 0

    run_worker()

    state = client.get(f"{progress_url}.json").get_json()
    assert state["status"] == "finished" and state["percent"] == 100
    assert state["result"]["scores"] >= 1
    page = client.get(progress_url).get_data(as_text=True)
    assert 'id="job-outcome"' in page and 'value="100"' in page
    db.session.expire_all()
    score = db.session.get(Score, person_id)
    assert (score.score, score.scheme_version) == (68, version)


def test_two_versions_published_at_once_leave_one_in_force(app, restore_default_scheme):
    """Each publishing in its own connection, the first holding its transaction open while the
    second starts: the second waits, then retires the first."""
    first, second = (f"t{uuid.uuid4().hex[:8]}" for _ in range(2))
    started, errors = threading.Event(), []

    def publish_in_thread(version, hold):
        with app.app_context():
            try:
                schemes.publish(parse_scheme(scheme_text(version)), "operator:test")
                if hold:
                    started.set()
                    time.sleep(0.5)  # the other publishing starts meanwhile and must wait
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                started.set()
            finally:
                db.session.remove()

    holder = threading.Thread(target=publish_in_thread, args=(first, True))
    holder.start()
    started.wait(10)
    other = threading.Thread(target=publish_in_thread, args=(second, False))
    other.start()
    holder.join(30)
    other.join(30)
    assert errors == []
    db.session.expire_all()
    in_force = db.session.scalars(select(Scheme.version).filter_by(is_current=True)).all()
    assert in_force == [second]
    entry = db.session.scalar(select(AuditEntry).filter_by(action="scheme.published",
                                                           object_id=second))
    assert entry.data["previous"] == first
