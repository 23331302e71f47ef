"""The resident's objections and repair applications as pages, and "How to improve"."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.catalogue.services import current_rules, current_scheme
from app.core.errors import ApiError
from app.core.extensions import db, limiter
from app.core.time import city_today
from app.governance import objections, repairs
from app.governance.attachments import checked_files
from app.records.models import CreditRecord
from app.resident_web import dashboard, improve
from app.resident_web.api import resident_key
from app.resident_web.blueprint import bp, current_resident, resident_required
from app.resident_web.forms import ActionForm
from app.resident_web.governance_forms import ObjectionForm, RepairForm
from app.verification.redemptions import contestable_default

def step_labels():
    return {"forward_by": _("Forwarded to the department"),
            "verdict_by": _("The department's verdict"),
            "notify_by": _("You are told the verdict"),
            "final_by": _("The whole answer")}


def objection_status_labels():
    return {"submitted": _("Received"), "forwarded": _("With the department"),
            "upheld": _("Upheld: the record was corrected or removed"),
            "rejected": _("Rejected"), "withdrawn": _("Withdrawn")}


def _own_record(record_id):
    record = db.session.get(CreditRecord, record_id)
    if record is None or record.person_id != current_resident().person_id:
        raise ApiError(404, "not_found", _("The page or item was not found."))
    return record


def _row(record):
    person_id = current_resident().person_id
    result = dashboard.current_result(person_id)
    return next(r for r in dashboard.record_rows(person_id, result) if r.record.id == record.id)


@bp.route("/records/<id:record_id>/object", methods=["GET", "POST"])
@resident_required()
@limiter.limit("10/hour", methods=["POST"], key_func=resident_key)
def object_to_record(record_id):
    record = _own_record(record_id)
    return _objection_form(dict(record_id=record.id), row=_row(record))


@bp.route("/defaults/<id:redemption_id>/object", methods=["GET", "POST"])
@resident_required()
@limiter.limit("10/hour", methods=["POST"], key_func=resident_key)
def object_to_default(redemption_id):
    redemption = contestable_default(current_resident().person_id, redemption_id)
    if redemption is None:
        raise ApiError(404, "not_found", _("There is no such default open to objection."))
    return _objection_form(dict(redemption_id=redemption.id), redemption=redemption)


def _objection_form(target, row=None, redemption=None):
    form = ObjectionForm()
    status = 200
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():  # a refusal undoes only this filing
                objection = objections.file_objection(
                    current_resident(), form.reason.data,
                    attachments=checked_files(request.files.getlist(form.evidence.name)), **target)
        except ApiError as exc:
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            db.session.commit()
            flash(_("Your objection was filed and forwarded to the department."), "info")
            return redirect(url_for("resident.objection", objection_id=objection.id), 303)
    elif request.method == "POST":
        status = 422
    forward_by, verdict_by, notify_by, final_by, estimated = objections.deadlines_from(city_today())
    return render_template("resident/objection_form.html", form=form, row=row,
                           redemption=redemption, steps=step_labels(), estimated=estimated,
                           deadlines={"forward_by": forward_by, "verdict_by": verdict_by,
                                      "notify_by": notify_by, "final_by": final_by}), status


@bp.get("/objections")
@resident_required()
def my_objections():
    return render_template("resident/objections.html",
                           objections=objections.resident_objections(current_resident()),
                           statuses=objection_status_labels())


@bp.get("/objections/<id:objection_id>")
@resident_required()
def objection(objection_id):
    found = objections.resident_objection(current_resident(), objection_id)
    record = db.session.get(CreditRecord, found.record_id) if found.record_id else None
    done = {"forward_by": found.forwarded_at, "verdict_by": found.decided_at,
            "notify_by": found.notified_at, "final_by": found.decided_at}
    return render_template("resident/objection.html", o=found, record=record, done=done,
                           overdue=objections.overdue_steps(found), steps=step_labels(),
                           statuses=objection_status_labels(), action=ActionForm(),
                           types={t.code: t for t in current_scheme().record_types})


@bp.post("/objections/<id:objection_id>/withdraw")
@resident_required()
def withdraw_objection(objection_id):
    if not ActionForm().validate_on_submit():
        raise ApiError(400, "bad_request", _("The request could not be understood."))
    try:
        with db.session.begin_nested():
            objections.withdraw(current_resident(), objection_id)
    except ApiError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Your objection was withdrawn."), "info")
    return redirect(url_for("resident.objection", objection_id=objection_id), 303)


@bp.route("/records/<id:record_id>/repair", methods=["GET", "POST"])
@resident_required()
@limiter.limit("10/hour", methods=["POST"], key_func=resident_key)
def repair(record_id):
    record = _own_record(record_id)
    form = RepairForm()
    status = 200
    opens = repairs.repair_opens_on(record)
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():  # a refusal undoes only this application
                repairs.file_repair(current_resident(), record.id, form.statement.data, True,
                                    checked_files(request.files.getlist(form.evidence.name)))
        except ApiError as exc:
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            db.session.commit()
            flash(_("Your application for credit repair was received; an operator will decide."),
                  "info")
            return redirect(url_for("resident.improve"), 303)
    elif request.method == "POST":
        status = 422
    return render_template("resident/repair_form.html", form=form, row=_row(record), opens=opens,
                           commitment_text=current_rules().commitment_text), status


@bp.get("/score/improve", endpoint="improve")
@resident_required()
def improve_page():
    person_id = current_resident().person_id
    result = dashboard.current_result(person_id)
    rows = dashboard.record_rows(person_id, result)
    return render_template("resident/improve.html", lines=improve.negative_lines(rows),
                           hints=dashboard.hints(current_scheme(), result),
                           repairs=repairs.repairs_of(person_id))
