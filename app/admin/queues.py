"""Reviewers' queues: objections on their working-day deadlines (overdue first), merchant default
reports under dispute, and credit repair applications, each decided with reasons.

Reviewers decide; auditors read. Opening one case reads a person's data, so it is logged in
that person's access log; every decision is an audit entry (written by the governance services).
"""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.admin.access import current_operator, role_required
from app.admin.blueprint import bp
from app.benefits.models import Benefit
from app.catalogue.services import current_scheme, record_types
from app.core.errors import ApiError
from app.core.extensions import db, limiter
from app.core.time import city_today
from app.departments.models import Department
from app.governance import objections as objection_services
from app.governance import repairs as repair_services
from app.governance.attachments import attachments_of, content
from app.governance.models import OPEN_OBJECTION, Attachment, Objection, Repair
from app.records.models import CreditRecord
from app.residents.access import N_, log_access
from app.residents.models import Person
from app.verification.models import Redemption

QUEUE_READERS = ("reviewer", "auditor")
RECENT = 20
REASON_MAX = 500
# the access log's words, stored as message ids and shown in the resident's language
PURPOSE_REVIEWING_OBJECTION = N_("Platform staff reviewing your objection")
WHAT_EVIDENCE = N_("Evidence you attached")


@bp.context_processor
def status_labels():
    objection = {"submitted": _("Submitted"), "forwarded": _("With the department"),
                 "upheld": _("Upheld"), "rejected": _("Not upheld"), "withdrawn": _("Withdrawn")}
    repair = {"submitted": _("Waiting"), "approved": _("Approved"), "refused": _("Refused")}
    return {"objection_status": lambda code: objection.get(code, code),
            "repair_status": lambda code: repair.get(code, code)}


def _objection_rows(open_only: bool):
    """(objection, record type code, department, benefit, masked name) rows in one query."""
    statuses = OPEN_OBJECTION if open_only else ("upheld", "rejected", "withdrawn")
    query = (select(Objection, CreditRecord.type_code, Department.name, Benefit, Person)
             .outerjoin(CreditRecord, CreditRecord.id == Objection.record_id)
             .join(Department, Department.id == Objection.department_id)
             .outerjoin(Redemption, Redemption.id == Objection.redemption_id)
             .outerjoin(Benefit, Benefit.id == Redemption.benefit_id)
             .join(Person, Person.id == Objection.person_id)
             .where(Objection.status.in_(statuses)))
    if not open_only:
        query = query.order_by(Objection.decided_at.desc().nulls_last(),
                               Objection.id.desc()).limit(RECENT)
    today = city_today()
    rows = [{"objection": o, "type": code, "department": department, "benefit": benefit,
             "masked_name": person.masked_name,
             "overdue": objection_services.overdue_steps(o, today)}
            for o, code, department, benefit, person in db.session.execute(query)]
    if open_only:
        # the most pressing first: overdue ones, then by the whole answer's deadline
        rows.sort(key=lambda r: (not r["overdue"], r["objection"].final_by,
                                 r["objection"].verdict_by, r["objection"].id))
    return rows


def _type_names():
    return {code: t for code, t in record_types(current_scheme()).items()}


@bp.get("/objections", endpoint="objections")
@role_required(*QUEUE_READERS)
def objections_page():
    rows = _objection_rows(open_only=True)
    return render_template(
        "admin/objections.html", types=_type_names(), today=city_today(),
        records=[r for r in rows if r["objection"].redemption_id is None],
        defaults=[r for r in rows if r["objection"].redemption_id is not None],
        decided=_objection_rows(open_only=False))


def _logged_read(person_id, what, purpose):
    operator = current_operator()
    log_access(person_id, "operator", f"{operator.username} ({operator.role})", what, purpose)


@bp.get("/objections/<id:objection_id>")
@role_required(*QUEUE_READERS)
def objection_page(objection_id, status=200):
    objection = db.session.get(Objection, objection_id) or abort(404)
    record = db.session.get(CreditRecord, objection.record_id) if objection.record_id else None
    redemption = (db.session.get(Redemption, objection.redemption_id)
                  if objection.redemption_id else None)
    _logged_read(objection.person_id, objection_services.WHAT_OBJECTION,
                 PURPOSE_REVIEWING_OBJECTION)
    db.session.commit()
    return render_template(
        "admin/objection.html", objection=objection, record=record, redemption=redemption,
        person=db.session.get(Person, objection.person_id), types=_type_names(),
        department=db.session.get(Department, objection.department_id),
        attachments=attachments_of("objection", objection.id),
        overdue=objection_services.overdue_steps(objection)), status


def _reason():
    reason = request.form.get("reason", "").strip()
    if not reason:
        raise ApiError(422, "reason_required", _("Give the reasons for the decision."))
    return reason[:REASON_MAX]


@bp.post("/objections/<id:objection_id>/decide")
@role_required("reviewer")
@limiter.limit("60 per minute")
def objection_decide(objection_id):
    verdict = request.form.get("verdict", "")
    try:
        if verdict not in objection_services.VERDICTS:
            raise ApiError(422, "invalid_input", _("Choose upheld or rejected."))
        objection = objection_services.decide(objection_id, verdict, _reason(),
                                              current_operator().actor)
    except ApiError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
        return objection_page(objection_id, status=exc.status)
    db.session.commit()
    objection_services.tell_resident_of_verdict(objection)
    flash(_("Objection %(id)d: %(verdict)s.", id=objection.id,
            verdict=_("upheld") if verdict == "upheld" else _("not upheld")), "info")
    return redirect(url_for("admin.objections")), 303


def _repair_rows(open_only: bool):
    query = (select(Repair, CreditRecord, Person)
             .join(CreditRecord, CreditRecord.id == Repair.record_id)
             .join(Person, Person.id == Repair.person_id))
    if open_only:
        query = query.where(Repair.status == "submitted").order_by(Repair.filed_at, Repair.id)
    else:
        query = (query.where(Repair.status != "submitted")
                 .order_by(Repair.decided_at.desc(), Repair.id.desc()).limit(RECENT))
    return [{"repair": r, "record": record, "masked_name": person.masked_name}
            for r, record, person in db.session.execute(query)]


@bp.get("/repairs", endpoint="repairs")
@role_required(*QUEUE_READERS)
def repairs_page():
    return render_template("admin/repairs.html", types=_type_names(),
                           waiting=_repair_rows(open_only=True),
                           decided=_repair_rows(open_only=False))


@bp.get("/repairs/<id:repair_id>")
@role_required(*QUEUE_READERS)
def repair_page(repair_id, status=200):
    repair = db.session.get(Repair, repair_id) or abort(404)
    record = db.session.get(CreditRecord, repair.record_id)
    _logged_read(repair.person_id, repair_services.WHAT_REPAIR,
                 repair_services.PURPOSE_DECIDING_REPAIR)
    db.session.commit()
    return render_template(
        "admin/repair.html", repair=repair, record=record, types=_type_names(),
        person=db.session.get(Person, repair.person_id),
        department=db.session.get(Department, record.department_id),
        attachments=attachments_of("repair", repair.id)), status


@bp.post("/repairs/<id:repair_id>/decide")
@role_required("reviewer")
@limiter.limit("60 per minute")
def repair_decide(repair_id):
    decision = request.form.get("decision", "")
    try:
        if decision not in ("approve", "refuse"):
            raise ApiError(422, "invalid_input", _("Choose approve or refuse."))
        repair = repair_services.decide_repair(repair_id, str(current_operator().id),
                                               decision == "approve", _reason())
    except ApiError as exc:
        db.session.rollback()
        if exc.status == 404:
            abort(404)
        flash(exc.message, "error")
        return repair_page(repair_id, status=exc.status)
    db.session.commit()
    flash(_("Repair application %(id)d: %(decision)s.", id=repair.id,
            decision=_("approved") if repair.status == "approved" else _("refused")), "info")
    return redirect(url_for("admin.repairs")), 303


@bp.get("/evidence/<id:attachment_id>")
@role_required(*QUEUE_READERS)
def evidence(attachment_id):
    """A photo or PDF a resident attached to an objection or a repair application."""
    attachment = db.session.get(Attachment, attachment_id) or abort(404)
    owner = db.session.get(Objection if attachment.owner_kind == "objection" else Repair,
                           attachment.owner_id) or abort(404)
    _logged_read(owner.person_id, WHAT_EVIDENCE,
                 PURPOSE_REVIEWING_OBJECTION if attachment.owner_kind == "objection"
                 else repair_services.PURPOSE_DECIDING_REPAIR)
    db.session.commit()
    return Response(content(attachment), mimetype=attachment.content_type, headers={
        "Content-Disposition": f"inline; filename=evidence-{attachment.id}",
        "X-Content-Type-Options": "nosniff"})
