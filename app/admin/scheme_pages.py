"""Schemes in the console: the scheme in force and its record types, a new version's diff and
dry run, publishing it and watching the full rescore it starts."""
from pathlib import PurePath

import redis
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.admin import schemes
from app.admin.access import READERS, current_operator, role_required
from app.admin.blueprint import bp
from app.admin.charts import Series, bar_chart
from app.catalogue.models import Scheme
from app.catalogue.services import current_scheme, parse_scheme
from app.catalogue.validation import SchemeError
from app.core.errors import error_response
from app.core.extensions import db, limiter
from app.core.jobs import enqueue, job_state
from app.scoring.models import ScoreRun

SCHEME_MAX_BYTES = 512 * 1024
RESCORE_JOB = "app.scoring.jobs.full_rescore"
RESCORE_TIMEOUT = 4 * 3600


def _overview(problems=None, status=200):
    scheme = current_scheme()
    history = db.session.scalars(select(Scheme).order_by(Scheme.created_at.desc())).all()
    runs = db.session.scalars(select(ScoreRun).order_by(ScoreRun.id.desc()).limit(5)).all()
    return render_template("admin/schemes.html", scheme=scheme, history=history, runs=runs,
                           problems=problems, max_kb=SCHEME_MAX_BYTES // 1024), status


@bp.get("/schemes", endpoint="schemes")
@role_required(*READERS)
def schemes_page():
    return _overview()


def _uploaded_text():
    """The uploaded scheme file's text, or (problem, status) for a friendly refusal."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, (_("Choose a scheme file (.toml) to upload."), 400)
    if PurePath(upload.filename).suffix.lower() != ".toml":
        return None, (_("A scheme is a .toml file like the published ones."), 415)
    body = upload.read(SCHEME_MAX_BYTES + 1)
    if len(body) > SCHEME_MAX_BYTES:
        return None, (_("The file is larger than %(kb)d KB.", kb=SCHEME_MAX_BYTES // 1024), 413)
    try:
        return body.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None, (_("The file must be UTF-8 text."), 422)


def _checked(text):
    """(scheme data, None) or (None, problems) for a file that cannot be published."""
    try:
        data = parse_scheme(text)
        schemes.check_new_version(data)
    except SchemeError as exc:
        return None, exc.problems
    return data, None


@bp.post("/schemes/preview")
@role_required("operator")
@limiter.limit("20 per minute")
def scheme_preview():
    text, refused = _uploaded_text()
    if refused:
        return _overview([refused[0]], refused[1])
    data, problems = _checked(text)
    if problems:
        return _overview(problems, 422)
    current = current_scheme()
    diff = schemes.diff_schemes(current.source, data)
    run = schemes.dry_run(data)
    return render_template("admin/scheme_preview.html", current=current, data=data, diff=diff,
                           run=run, source=text, charts=_dry_run_charts(run))


def _dry_run_charts(run):
    before, after = _("In force"), _("New version")
    tiers = bar_chart([name for _c, name, _b, _a in run.tiers],
                      [Series(before, [b for _c, _n, b, _a in run.tiers]),
                       Series(after, [a for _c, _n, _b, a in run.tiers])])
    bins = bar_chart([str(low) for low, _h, _b, _a in run.bins],
                     [Series(before, [b for _l, _h, b, _a in run.bins]),
                      Series(after, [a for _l, _h, _b, a in run.bins])], label_every=2)
    return {"tiers": tiers, "bins": bins}


@bp.post("/schemes/publish")
@role_required("operator")
@limiter.limit("10 per minute")
def scheme_publish():
    text = request.form.get("source", "")
    if not text or len(text.encode()) > SCHEME_MAX_BYTES:
        return _overview([_("Upload the scheme file again.")], 400)
    data, problems = _checked(text)
    if problems:
        return _overview(problems, 422)
    try:
        scheme = schemes.publish(data, current_operator().actor)
    except SchemeError as exc:  # another operator published this version meanwhile
        db.session.rollback()
        return _overview(exc.problems, 409)
    db.session.commit()
    try:
        job = enqueue(RESCORE_JOB, timeout=RESCORE_TIMEOUT)
    except redis.RedisError:
        # the scheme is in force; the nightly run rescores everyone under a new scheme
        flash(_("Scheme %(version)s is in force, but the rescore could not be queued now: it "
                "will run with tonight's rescore.", version=scheme.version), "error")
        return redirect(url_for("admin.schemes")), 303
    flash(_("Scheme %(version)s is in force; every score is being recomputed.",
            version=scheme.version), "info")
    return redirect(url_for("admin.rescore_progress", job_id=job.id)), 303


def _rescore_state(job_id):
    state = job_state(job_id)
    return state if state is not None and state["function"] == RESCORE_JOB else None


@bp.get("/schemes/rescore/<job_id>")
@role_required(*READERS)
def rescore_progress(job_id):
    state = _rescore_state(job_id)
    if state is None:
        return render_template("error.html", status=404,
                               message=_("No such rescore: it may have finished long ago.")), 404
    return render_template("admin/rescore.html", job_id=job_id, state=state,
                           scheme=current_scheme())


@bp.get("/schemes/rescore/<job_id>.json")
@role_required(*READERS)
def rescore_state(job_id):
    state = _rescore_state(job_id)
    if state is None:
        return error_response(404, "not_found", _("No such rescore."))
    return jsonify(state)
