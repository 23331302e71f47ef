"""Deliveries made in threads of their own, each in an application context (and so a session
and connection) of its own, for tests of what concurrent deliveries do."""
import threading

from app.core.extensions import db
from app.departments.models import Department
from app.records.services import ingest


def delivery(live_app, department_id, records, outcomes, errors, held=None):
    """A thread (not started) that delivers `records` for the department and commits, adding
    their outcomes to `outcomes`; `held()`, if given, runs in between, the transaction open.
    An exception is added to `errors`, for the test to report."""

    def deliver():
        with live_app.app_context():
            try:
                outcomes.extend(ingest(db.session.get(Department, department_id), records))
                if held is not None:
                    held()
                db.session.commit()
            except Exception as exc:  # reported by the test
                errors.append(exc)
            finally:
                db.session.remove()

    return threading.Thread(target=deliver)
