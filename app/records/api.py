"""Department API: deliver, correct and revoke records (DESIGN §10)."""
from collections import Counter

from flask import current_app, g
from flask.views import MethodView
from app.core.api import Blueprint

from app.core.audit import audit
from app.core.extensions import db, limiter
from app.departments.services import authenticated_department
from app.records import services
from app.records.schemas import BatchResultSchema, RecordBatchArgs, RecordPatchArgs, RecordSchema
from app.residents.access import PURPOSE_RECORD, WHAT_RECORD, log_access

blp = Blueprint("records", __name__, url_prefix="/api/v1/records",
                description="Departments deliver, correct and revoke public credit records.")


@blp.before_request
def authenticate():
    # credentials first, so a caller without them learns nothing about the body's shape
    g.department = authenticated_department()


def _department_key():
    return f"department:{g.department.id}"


@blp.route("")
class RecordBatch(MethodView):
    decorators = [limiter.limit("120/minute", key_func=_department_key)]

    @blp.arguments(RecordBatchArgs)
    @blp.response(200, BatchResultSchema)
    @blp.alt_response(400, description="Body is not JSON, or nests too deeply")
    @blp.alt_response(401, description="No or bad department key")
    @blp.alt_response(413, description="Body larger than the limit")
    @blp.alt_response(415, description="Body is not JSON")
    @blp.alt_response(429, description="Too many requests from this department")
    def post(self, args):
        """Deliver up to 1,000 records; each gets its own result, in request order."""
        outcomes = services.ingest(g.department, args["records"])
        db.session.commit()
        counts = Counter(o.status for o in outcomes)
        # the body already has the schema's shape: sent as is, without a marshmallow dump
        return current_app.json.response({
            "accepted": counts["accepted"], "duplicates": counts["duplicate"],
            "rejected": counts["rejected"], "results": [o.as_dict() for o in outcomes]})


@blp.route("/<string(maxlength=64):source_id>")
class DepartmentRecord(MethodView):
    decorators = [limiter.limit("600/minute", key_func=_department_key)]

    @blp.response(200, RecordSchema)
    @blp.alt_response(401, description="No or bad department key")
    @blp.alt_response(404, description="No record of this department has that source id")
    @blp.alt_response(429, description="Too many requests from this department")
    def get(self, source_id):
        """Read back one of this department's records; the read is audited and the person sees
        it in their access log."""
        record = services.department_record(g.department, source_id)
        log_access(record.person_id, "department", g.department.name, WHAT_RECORD, PURPOSE_RECORD)
        audit(f"department:{g.department.code}", "record.read", "credit_record", record.id,
              subject_id=record.person_id)
        db.session.commit()
        return record

    @blp.arguments(RecordPatchArgs)
    @blp.response(200, RecordSchema)
    @blp.alt_response(400, description="Body is not JSON, or nests too deeply")
    @blp.alt_response(401, description="No or bad department key")
    @blp.alt_response(404, description="No record of this department has that source id")
    @blp.alt_response(409, description="The record is no longer active")
    @blp.alt_response(413, description="Body larger than the limit")
    @blp.alt_response(415, description="Body is not JSON")
    @blp.alt_response(429, description="Too many requests from this department")
    def patch(self, changes, source_id):
        """Correct a record's type, dates or attributes; the score follows at once."""
        record = services.correct(g.department, source_id, changes)
        db.session.commit()
        return record

    @blp.response(200, RecordSchema)
    @blp.alt_response(401, description="No or bad department key")
    @blp.alt_response(404, description="No record of this department has that source id")
    @blp.alt_response(429, description="Too many requests from this department")
    def delete(self, source_id):
        """Revoke a record; it stops counting at once."""
        record = services.revoke(g.department, source_id)
        db.session.commit()
        return record
