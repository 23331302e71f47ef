"""Onboarding benefits: scene, eligibility (lowest tier or score), limits, value, validity and
the merchants that offer each."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from app.admin.access import READERS, current_operator, role_required
from app.admin.blueprint import bp
from app.admin.onboarding_forms import BenefitForm
from app.admin.writes import unless_changed, unless_taken
from app.benefits import services
from app.benefits.models import Benefit
from app.catalogue.services import current_scheme
from app.core.audit import audit
from app.core.extensions import db
from app.merchants.services import all_merchants, offering, set_offering


def _form(benefit=None):
    form = BenefitForm(obj=benefit) if benefit is not None else BenefitForm()
    form.min_tier.choices = [SelectChoice("", _("no tier needed"))] + [
        SelectChoice(tier.code, f"{tier.name} (≥ {tier.min_score})")
        for tier in current_scheme().tiers]
    form.merchants.choices = [SelectChoice(str(m.id), m.name) for m in all_merchants()]
    if benefit is not None and request.method == "GET":
        form.merchants.data = [str(m.id) for m in offering(benefit)]
        form.min_tier.data = benefit.min_tier or ""
        form.limit_period.data = benefit.limit_period or ""
    return form


def _chosen_merchants(form):
    chosen = set(form.merchants.data or ())
    return [m for m in all_merchants() if str(m.id) in chosen]


def _plain(value):
    """A value as the audit entry's JSON keeps it (dates as ISO text)."""
    return value.isoformat() if hasattr(value, "isoformat") else value


@bp.get("/benefits")
@role_required(*READERS)
def benefits():
    return render_template("admin/benefits.html", benefits=services.all_benefits())


@bp.route("/benefits/new", methods=["GET", "POST"])
@role_required("operator")
def new_benefit():
    form = _form()
    if request.method == "GET":
        return render_template("admin/benefit.html", form=form, benefit=None)
    if not form.validate_on_submit():
        return render_template("admin/benefit.html", form=form, benefit=None), 422
    benefit = None
    if services.find_benefit(form.code.data) is None:
        benefit = unless_taken(lambda: services.create_benefit(form.code.data,
                                                               **form.fields_data()))
    if benefit is None:
        form.code.errors.append(_("A benefit with this code exists already."))
        return render_template("admin/benefit.html", form=form, benefit=None), 409
    merchants = _chosen_merchants(form)
    set_offering(benefit, merchants)
    audit(current_operator().actor, "benefit.created", "benefit", benefit.id,
          data={"code": benefit.code, "merchants": [m.id for m in merchants],
                "fields": {k: _plain(v) for k, v in form.fields_data().items()}})
    db.session.commit()
    flash(_("Benefit %(name)s created.", name=benefit.name), "ok")
    return redirect(url_for("admin.benefit", benefit_id=benefit.id)), 303


@bp.get("/benefits/<id:benefit_id>")
@role_required(*READERS)
def benefit(benefit_id):
    benefit = db.session.get(Benefit, benefit_id) or abort(404)
    return render_template("admin/benefit.html", form=_form(benefit), benefit=benefit,
                           offered_by=offering(benefit))


@bp.post("/benefits/<id:benefit_id>")
@role_required("operator")
def update_benefit(benefit_id):
    benefit = db.session.get(Benefit, benefit_id) or abort(404)
    form = _form(benefit)
    form.code.data = benefit.code  # fixed once made: residents' and merchants' systems use it
    if not form.validate_on_submit():
        return render_template("admin/benefit.html", form=form, benefit=benefit,
                               offered_by=offering(benefit)), 422
    before = sorted(m.id for m in offering(benefit))
    merchants = _chosen_merchants(form)
    changes = {}

    def save():  # the benefit's own changes are saved with its offers or not at all
        changes.update(services.update_benefit(benefit, **form.fields_data()))
        set_offering(benefit, merchants)

    if not unless_changed(save):
        flash(_("Another operator has just changed these offers: look at them and save again."),
              "error")
        return render_template("admin/benefit.html", form=form, benefit=benefit,
                               offered_by=offering(benefit)), 409
    after = sorted(m.id for m in merchants)
    if before != after:
        changes["merchants"] = [before, after]
    audit(current_operator().actor, "benefit.updated", "benefit", benefit.id,
          data={"code": benefit.code,
                "changes": {k: [_plain(v) for v in pair] for k, pair in changes.items()}})
    db.session.commit()
    flash(_("Benefit %(name)s saved; counters see the change within a minute.",
            name=benefit.name), "ok")
    return redirect(url_for("admin.benefit", benefit_id=benefit.id)), 303
