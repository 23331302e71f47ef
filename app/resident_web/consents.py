"""Partner consent in the residents' web: the OAuth consent page (`/oauth/authorize`) and
"my authorisations" (`/consents`), where one tap withdraws a consent and stops its tokens.

The consent page names the partner, the purpose, each scope in plain words and how long the
consent lasts; approving or refusing posts to the same URL (with the CSRF token), and the answer
is authlib's 302 back to the partner's redirect URI.
"""
from datetime import timedelta

from authlib.oauth2 import OAuth2Error
from flask import abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import AnyOf

from app.core.extensions import db, limiter
from app.core.time import utcnow
from app.partners import consents
from app.partners.oauth import server
from app.resident_web.blueprint import bp, current_resident, resident_required
from app.resident_web.forms import ActionForm

SCOPE_TEXTS = {
    "score": _l("Your credit score and tier"),
    "report": _l("Your explained credit report: the score by dimension, what raised and lowered "
                 "it, and the negative records in force (never a repaired record)"),
    "eligibility": _l("Whether you qualify for a 信易+ benefit they name"),
    "booking": _l("Booking 信易+ benefits they offer for you (such as a deposit-free hotel stay) "
                  "and reporting how each ended, as a merchant at the counter does"),
}
KIND_TEXTS = {
    "lender": _l("Lender"),
    "tourism": _l("Tourism platform"),
    "other": _l("Other institution"),
}


class DecisionForm(FlaskForm):
    decision = StringField(validators=[AnyOf(["approve", "deny"])])


def _labels():
    return {"scope_text": lambda s: SCOPE_TEXTS.get(s, s),
            "kind_text": lambda k: KIND_TEXTS.get(k, k)}


@bp.route("/oauth/authorize", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def authorize():
    """Ask the signed-in resident whether a partner may read their credit."""
    resident = current_resident()
    if resident is None:
        return redirect(url_for("resident.login", next=request.full_path.rstrip("?")))
    if resident.consented_at is None:
        return redirect(url_for("resident.consent"))
    try:
        grant = server.get_consent_grant(end_user=resident)
    except OAuth2Error as error:
        if error.redirect_uri:  # a known client and its registered address: tell the partner
            return server.handle_error_response(None, error)
        abort(400)
    form = DecisionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        approved = form.decision.data == "approve"
        response = server.create_authorization_response(
            grant=grant, grant_user=resident if approved else None)
        db.session.commit()
        return response
    client = grant.client
    return render_template(
        "resident/authorize.html", form=form, client=client, partner=client.partner,
        scopes=grant.request.scope.split(), days=client.consent_days,
        until=utcnow() + timedelta(days=client.consent_days), **_labels())


@bp.get("/consents")
@resident_required()
def my_consents():
    resident = current_resident()
    everything = consents.consents_of(resident.id, include_past=True)
    now = utcnow()
    live = [c for c in everything if c.revoked_at is None and c.expires_at > now]
    return render_template("resident/consents.html", live=live,
                           past=[c for c in everything if c not in live], action=ActionForm(),
                           **_labels())


@bp.post("/consents/<id:consent_id>/revoke")
@resident_required()
def revoke_consent(consent_id):
    resident = current_resident()
    consent = consents.consent_of(resident, consent_id)
    if consent is None:
        abort(404)
    consents.revoke_consent(resident, consent)
    db.session.commit()
    return redirect(url_for("resident.my_consents"))
