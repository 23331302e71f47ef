"""Onboarding partner institutions (banks, tourism platforms): their OAuth clients with a
secret shown once, secret rotation and revocation, and the benefits they book online.

The partners room's services write the audit entries, in the operator's name."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from app.admin.access import READERS, current_operator, role_required
from app.admin.blueprint import bp
from app.admin.partner_forms import KIND_NAMES, SCOPE_NAMES, ClientForm, OffersForm, PartnerForm
from app.admin.writes import unless_changed, unless_taken
from app.benefits.services import all_benefits
from app.core.extensions import db
from app.merchants.models import Merchant
from app.partners import services
from app.partners.models import Partner, PartnerClient


def _partner(partner_id) -> Partner:
    return db.session.get(Partner, partner_id) or abort(404)


def _client(partner, client_pk) -> PartnerClient:
    client = db.session.get(PartnerClient, client_pk)
    if client is None or client.partner_id != partner.id:
        abort(404)
    return client


def _offers_form(partner, formdata=None):
    merchant = db.session.get(Merchant, partner.merchant_id) if partner.merchant_id else None
    form = OffersForm(formdata=formdata, benefits=[b.code for b in merchant.benefits]
                      if merchant else [])
    form.benefits.choices = [SelectChoice(b.code, f"{b.name} ({b.scene})")
                             for b in all_benefits()]
    return form


def _list(form, status=200):
    return render_template("admin/partners.html", partners=services.all_partners(), form=form,
                           kinds=KIND_NAMES), status


def _detail(partner, client_form=None, offers_form=None, status=200, **shown):
    return render_template(
        "admin/partner.html", partner=partner, kinds=KIND_NAMES, scope_names=SCOPE_NAMES,
        client_form=client_form or ClientForm(formdata=None),
        offers_form=offers_form or _offers_form(partner), **shown), status


@bp.get("/partners")
@role_required(*READERS)
def partners():
    return _list(PartnerForm())


@bp.post("/partners")
@role_required("operator")
def create_partner():
    form = PartnerForm()
    if not form.validate_on_submit():
        return _list(form, 422)
    actor = current_operator().actor
    partner = None
    if services.partner_by_credit_code(form.credit_code.data) is None:
        partner = unless_taken(lambda: services.create_partner(
            form.name.data, form.kind.data, form.credit_code.data, form.rate_limit.data,
            actor=actor))
    if partner is None:
        form.credit_code.errors.append(_("A partner with this code is registered already."))
        return _list(form, 409)
    db.session.commit()
    flash(_("Partner %(name)s registered: add its OAuth client below.", name=partner.name), "ok")
    return redirect(url_for("admin.partner", partner_id=partner.id)), 303


@bp.get("/partners/<id:partner_id>")
@role_required(*READERS)
def partner(partner_id):
    return _detail(_partner(partner_id))


@bp.post("/partners/<id:partner_id>/clients")
@role_required("operator")
def add_partner_client(partner_id):
    partner = _partner(partner_id)
    form = ClientForm()
    if not form.validate_on_submit():
        return _detail(partner, client_form=form, status=422)
    if "booking" in form.scopes.data and partner.merchant_id is None:
        form.scopes.errors.append(_("Online booking needs the benefits it books: choose them "
                                    "first."))
        return _detail(partner, client_form=form, status=422)
    client, secret = services.add_client(partner, form.uri_list, form.scopes.data,
                                         form.purpose.data, form.consent_days.data,
                                         actor=current_operator().actor)
    db.session.commit()
    return _detail(partner, status=201, new_client=client, new_secret=secret)


@bp.post("/partners/<id:partner_id>/clients/<id:client_pk>/secret")
@role_required("operator")
def rotate_partner_secret(partner_id, client_pk):
    partner = _partner(partner_id)
    client = _client(partner, client_pk)
    if client.revoked_at is not None:
        abort(409)
    secret = services.new_secret(client, actor=current_operator().actor)
    if secret is None:  # nothing was written
        flash(_("Another operator has just rotated this secret; rotate it again only if the "
                "new secret was lost."), "error")
        return _detail(partner, status=409)
    db.session.commit()
    return _detail(partner, new_client=client, new_secret=secret)


@bp.post("/partners/<id:partner_id>/clients/<id:client_pk>/revoke")
@role_required("operator")
def revoke_partner_client(partner_id, client_pk):
    partner = _partner(partner_id)
    services.revoke_client(_client(partner, client_pk), actor=current_operator().actor)
    db.session.commit()
    flash(_("The client is revoked: its tokens stop working at once."), "ok")
    return redirect(url_for("admin.partner", partner_id=partner.id)), 303


@bp.post("/partners/<id:partner_id>/active")
@role_required("operator")
def set_partner_active(partner_id):
    partner = _partner(partner_id)
    active = request.form.get("active") == "1"
    services.set_active(partner, active, actor=current_operator().actor)
    db.session.commit()
    flash(_("The partner is active again.") if active else
          _("The partner is suspended: its clients are refused until it is active again."), "ok")
    return redirect(url_for("admin.partner", partner_id=partner.id)), 303


@bp.post("/partners/<id:partner_id>/offers")
@role_required("operator")
def partner_offers(partner_id):
    partner = _partner(partner_id)
    form = _offers_form(partner, formdata=request.form)
    if not form.validate_on_submit():
        return _detail(partner, offers_form=form, status=422)
    actor = current_operator().actor
    if not unless_changed(lambda: services.offer_online(partner, form.benefits.data, actor=actor)):
        flash(_("Another operator has just changed these offers: look at them and save again."),
              "error")
        return _detail(partner, offers_form=form, status=409)
    db.session.commit()
    flash(_("The benefits it books online are saved."), "ok")
    return redirect(url_for("admin.partner", partner_id=partner.id)), 303
