"""Bulk intake from the console: a department's CSV, XLSX or JSON-lines file, checked at the
door, imported by a background job with a progress bar, and its row-level error report."""
import tempfile
import uuid
import zipfile
from pathlib import Path, PurePath

import redis
from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.admin.access import READERS, current_operator, role_required
from app.admin.blueprint import bp
from app.core.audit import AuditEntry, audit
from app.core.errors import error_response
from app.core.extensions import db, limiter
from app.core.jobs import connection, enqueue, job_state
from app.departments.models import Department
from app.records.files import ImportFileError, read_rows
from app.records.jobs import UPLOAD_PREFIX

INTAKE_JOB = "app.records.jobs.import_upload"
SUFFIXES = (".csv", ".xlsx", ".jsonl")
UPLOAD_TTL = 24 * 3600  # an upload waits at most a day for a worker
KEEP_RESULT = 7 * 24 * 3600  # the counts and the error report stay a week
IMPORT_TIMEOUT = 3600


def _page(problem=None, status=200, chosen=None):
    departments = db.session.scalars(select(Department).where(Department.active.is_(True))
                                     .order_by(Department.name)).all()
    recent = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "intake.queued")
                                .order_by(AuditEntry.id.desc()).limit(20)).all()
    return render_template("admin/intake.html", departments=departments, recent=recent,
                           problem=problem, chosen=chosen,
                           max_mb=current_app.config["MAX_CONTENT_LENGTH"] / 1024 / 1024), status


@bp.get("/intake", endpoint="intake")
@role_required(*READERS)
def intake_page():
    return _page()


def _first_row_problem(body: bytes, suffix: str) -> str | None:
    """Why the file cannot be imported at all (format, encoding, columns), or None."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(body)
        try:
            next(read_rows(path), None)
        except ImportFileError as exc:
            return _("The file cannot be imported: %(error)s.", error=str(exc))
        except UnicodeDecodeError:
            return _("CSV and JSON-lines files must be UTF-8 text.")
        except (zipfile.BadZipFile, OSError, KeyError):
            return _("The .xlsx file is not a readable workbook.")
    return None


@bp.post("/intake")
@role_required("operator")
@limiter.limit("20 per hour")
def intake_upload():
    code = request.form.get("department", "")
    department = db.session.scalar(select(Department).filter_by(code=code, active=True))
    if department is None:
        return _page(_("Choose the department that delivered the file."), 422)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(_("Choose a file to upload."), 400, code)
    suffix = PurePath(upload.filename).suffix.lower()
    if suffix not in SUFFIXES:
        return _page(_("Upload a .csv, .xlsx or .jsonl file."), 415, code)
    body = upload.read()
    if not body.strip():
        return _page(_("The file is empty."), 400, code)
    problem = _first_row_problem(body, suffix)
    if problem:
        return _page(problem, 422, code)
    operator = current_operator()
    key = f"{UPLOAD_PREFIX}{uuid.uuid4().hex}"
    try:
        connection().set(key, body, ex=UPLOAD_TTL)
        job = enqueue(INTAKE_JOB, department.code, key, suffix, operator.actor,
                      timeout=IMPORT_TIMEOUT, result_ttl=KEEP_RESULT)
    except redis.RedisError:
        return _page(_("The job queue cannot be reached; nothing was imported. Try again in a "
                       "moment."), 503, code)
    audit(operator.actor, "intake.queued", "job", job.id,
          data={"department": department.code, "file": PurePath(upload.filename).name[:100],
                "bytes": len(body)})
    db.session.commit()
    return redirect(url_for("admin.intake_progress", job_id=job.id)), 303


def _intake_state(job_id):
    state = job_state(job_id)
    return state if state is not None and state["function"] == INTAKE_JOB else None


@bp.get("/intake/<job_id>")
@role_required(*READERS)
def intake_progress(job_id):
    state = _intake_state(job_id)
    if state is None:
        return render_template("error.html", status=404, message=_(
            "No such intake: its report is kept for a week.")), 404
    queued = db.session.scalar(select(AuditEntry).filter_by(action="intake.queued",
                                                            object_id=job_id))
    return render_template("admin/intake_job.html", job_id=job_id, state=state, queued=queued)


@bp.get("/intake/<job_id>.json")
@role_required(*READERS)
def intake_state(job_id):
    state = _intake_state(job_id)
    if state is None:
        return error_response(404, "not_found", _("No such intake."))
    if state["result"]:
        state["result"] = {k: v for k, v in state["result"].items() if k != "report"}
    return jsonify(state)


@bp.get("/intake/<job_id>/errors.csv")
@role_required(*READERS)
def intake_report(job_id):
    state = _intake_state(job_id)
    if state is None or state["status"] != "finished":
        return render_template("error.html", status=404, message=_(
            "The error report is ready once the import has finished.")), 404
    # a BOM so that spreadsheet programs read the Chinese messages as UTF-8
    return ("\ufeff" + state["result"]["report"], 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f"attachment; filename=intake-{job_id}-errors.csv"})
