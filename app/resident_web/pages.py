"""The signed-in resident's pages: home, records, explanation, benefits."""
from flask import redirect, render_template, url_for

from app.core.extensions import db, limiter
from app.core.time import utcnow
from app.credit_codes import codes
from app.governance.objections import open_objection_ids
from app.resident_web import charts, dashboard
from app.resident_web.api import qr_svg_url
from app.resident_web.blueprint import bp, current_resident, resident_required
from app.resident_web.forms import ActionForm
from app.resident_web.improve import negative_lines
from app.scoring.services import serious_record_in_force
from app.verification.redemptions import pending_defaults


@bp.get("/")
def home():
    resident = current_resident()
    if resident is None:
        return render_template("resident/landing.html")
    if resident.consented_at is None:
        return redirect(url_for("resident.consent"))
    view = dashboard.overview(resident.person_id)
    scheme = view.scheme
    points = charts.trend_points(view.trend, scheme.min_score, scheme.max_score)
    return render_template(
        "resident/home.html", view=view, action=ActionForm(),
        gauge=charts.gauge_arc(view.result.score, scheme.min_score, scheme.max_score),
        trend=points, trend_line=charts.polyline(points),
        trend_scale=charts.trend_scale(view.trend, scheme.min_score, scheme.max_score),
        bars=[charts.dimension_bar(value, d.floor, d.cap) for d, value in view.dimensions],
    )


@bp.get("/records")
@resident_required()
def records():
    person_id = current_resident().person_id
    result = dashboard.current_result(person_id)
    rows = dashboard.record_rows(person_id, result)
    return render_template("resident/records.html", result=result, rows=rows,
                           objected=open_objection_ids([r.record.id for r in rows]),
                           repairable={line.row.record.id for line in negative_lines(rows)
                                       if line.repair_open and not line.repair_pending},
                           defaults=pending_defaults(person_id))


@bp.get("/score/explained")
@resident_required()
def explained():
    person_id = current_resident().person_id
    result = dashboard.current_result(person_id)
    return render_template("resident/explain.html", result=result,
                           explanation=dashboard.explanation(person_id, result))


@bp.get("/benefits")
@resident_required()
def benefits():
    person_id = current_resident().person_id
    result = dashboard.current_result(person_id)
    serious = serious_record_in_force(person_id)
    return render_template("resident/benefits.html", result=result, serious=serious,
                           groups=dashboard.benefit_groups(person_id, result, serious))


@bp.get("/credit-code")
@resident_required()
@limiter.limit("20 per minute")
def credit_code():
    """A fresh code rendered by the server; the page script refreshes it and shows scans live."""
    resident = current_resident()
    shown = codes.issue_shown_code(resident)
    db.session.commit()  # the first code ever creates the signing key
    return render_template(
        "resident/credit_code.html", token=shown.token, expires_at=shown.expires_at,
        numeric_code=shown.numeric_code, qr_svg_url=qr_svg_url(shown.token),
        ttl=int((shown.expires_at - utcnow()).total_seconds()),
        serious=serious_record_in_force(resident.person_id),
    )
