"""Department API: objections to the department's own records, and its verdicts (DESIGN §10)."""
from flask import Response, g
from flask_babel import gettext as _
from app.core.api import Blueprint

from app.core.extensions import db, limiter
from app.departments.services import authenticated_department
from app.core.errors import ApiError
from app.governance import objections
from app.governance.attachments import attachments_of, content
from app.governance.schemas import (
    DepartmentObjectionListSchema,
    DepartmentObjectionSchema,
    StatusArgs,
    VerdictArgs,
)

blp = Blueprint("objections", __name__, url_prefix="/api/v1/objections",
                description="Departments see and answer objections to their own records.")


@blp.before_request
def authenticate():
    g.department = authenticated_department()


def _department_key():
    return f"department:{g.department.id}"


def department_view(objection) -> dict:
    return {"id": objection.id, "source_id": objections.source_id(objection),
            "reason": objection.reason, "status": objection.status,
            "filed_at": objection.filed_at, "deadlines": objection.deadlines,
            "overdue": objections.overdue_steps(objection),
            "verdict_reason": objection.verdict_reason,
            "attachments": attachments_of("objection", objection.id)}


@blp.route("")
@limiter.limit("120/minute", key_func=_department_key)
@blp.arguments(StatusArgs, location="query")
@blp.response(200, DepartmentObjectionListSchema)
@blp.alt_response(401, description="No or bad department key")
@blp.alt_response(422, description="Unknown status")
def list_objections(args):
    """Objections to this department's records (e.g. `?status=forwarded`: waiting for a verdict)."""
    found = objections.department_objections(g.department, args.get("status"))
    views = [department_view(o) for o in found]
    db.session.commit()  # the access log entries of the reads
    return {"objections": views}


@blp.route("/<id:objection_id>")
@limiter.limit("600/minute", key_func=_department_key)
@blp.response(200, DepartmentObjectionSchema)
@blp.alt_response(401, description="No or bad department key")
@blp.alt_response(404, description="No objection to this department's records has that id")
def get_objection(objection_id):
    """One objection to this department's records."""
    view = department_view(objections.department_objection(g.department, objection_id))
    db.session.commit()
    return view


@blp.route("/<id:objection_id>/attachments/<id:attachment_id>")
@limiter.limit("600/minute", key_func=_department_key)
@blp.alt_response(401, description="No or bad department key")
@blp.alt_response(404, description="Not an attachment of this department's objection")
def attachment(objection_id, attachment_id):
    """The resident's evidence file (an image or a PDF), decrypted."""
    found = objections.department_objection(g.department, objection_id)
    item = next((a for a in attachments_of("objection", found.id) if a.id == attachment_id), None)
    if item is None:
        raise ApiError(404, "not_found", _("There is no such attachment."))
    data = content(item)
    db.session.commit()  # the access log entry of the read
    return Response(data, mimetype=item.content_type, headers={
        "Cache-Control": "private, no-store", "Content-Disposition": "attachment",
        "X-Content-Type-Options": "nosniff"})


@blp.route("/<id:objection_id>/verdict", methods=["POST"])
@limiter.limit("120/minute", key_func=_department_key)
@blp.arguments(VerdictArgs)
@blp.response(200, DepartmentObjectionSchema)
@blp.alt_response(400, description="Body is not JSON, or nests too deeply")
@blp.alt_response(401, description="No or bad department key")
@blp.alt_response(404, description="No objection to this department's records has that id")
@blp.alt_response(409, description="The objection is already decided or withdrawn")
@blp.alt_response(415, description="Body is not JSON")
@blp.alt_response(422, description="Invalid verdict, reason or correction")
def verdict(args, objection_id):
    """Decide: `upheld` corrects the record (with `correction`) or revokes it; `rejected` keeps
    it, with the reason. The score changes at once; the resident is told."""
    objection = objections.decide(objection_id, args["verdict"], args["reason"],
                                  f"department:{g.department.code}", department=g.department,
                                  correction=args.get("correction"))
    view = department_view(objection)
    db.session.commit()
    objections.tell_resident_of_verdict(objection)
    return view
