"""Onboarding merchants: the unified social credit code, the benefits offered, staff accounts
and API keys (each key and first password shown once)."""
import secrets

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from app.admin.access import READERS, current_operator, role_required
from app.admin.blueprint import bp
from app.admin.onboarding_forms import MerchantBenefitsForm, MerchantForm, StaffForm
from app.admin.writes import unless_changed, unless_taken
from app.benefits.services import all_benefits
from app.core.audit import audit
from app.core.extensions import db
from app.core.passwords import hash_password
from app.merchants import services
from app.merchants.models import Merchant

_PASSWORD_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"


def _benefit_choices():
    return [SelectChoice(b.code, f"{b.name} ({b.scene})") for b in all_benefits()]


def _chosen_benefits(codes):
    chosen = set(codes or ())
    return [b for b in all_benefits() if b.code in chosen]


def _merchant(merchant_id) -> Merchant:
    return db.session.get(Merchant, merchant_id) or abort(404)


def _list(form, status=200):
    return render_template("admin/merchants.html", merchants=services.all_merchants(),
                           form=form), status


@bp.get("/merchants")
@role_required(*READERS)
def merchants():
    form = MerchantForm()
    form.benefits.choices = _benefit_choices()
    return _list(form)


@bp.post("/merchants")
@role_required("operator")
def create_merchant():
    form = MerchantForm()
    form.benefits.choices = _benefit_choices()
    if not form.validate_on_submit():
        return _list(form, 422)
    if services.find_merchant_by_credit_code(form.credit_code.data) is not None:
        merchant = None
    else:
        merchant = unless_taken(lambda: services.create_merchant(form.name.data,
                                                                 form.credit_code.data))
    if merchant is None:
        form.credit_code.errors.append(_("A merchant with this code is registered already."))
        return _list(form, 409)
    benefits = _chosen_benefits(form.benefits.data)
    services.set_benefits(merchant, benefits)
    api_key = services.issue_api_key(merchant, label="console")
    audit(current_operator().actor, "merchant.created", "merchant", merchant.id,
          data={"name": merchant.name, "credit_code": merchant.credit_code,
                "benefits": [b.code for b in benefits]})
    db.session.commit()
    return render_template("admin/key_shown.html", owner=merchant.name, api_key=api_key,
                           back="admin.merchant", back_args={"merchant_id": merchant.id}), 201


def _detail(merchant, benefits_form=None, staff_form=None, status=200, **shown):
    benefits_form = benefits_form or MerchantBenefitsForm(
        formdata=None, benefits=[b.code for b in merchant.benefits])
    benefits_form.benefits.choices = _benefit_choices()
    return render_template("admin/merchant.html", merchant=merchant,
                           benefits_form=benefits_form, staff_form=staff_form or StaffForm(
                               formdata=None), keys=services.live_api_keys(merchant),
                           **shown), status


@bp.get("/merchants/<id:merchant_id>")
@role_required(*READERS)
def merchant(merchant_id):
    return _detail(_merchant(merchant_id))


@bp.post("/merchants/<id:merchant_id>/benefits")
@role_required("operator")
def merchant_benefits(merchant_id):
    merchant = _merchant(merchant_id)
    form = MerchantBenefitsForm()
    form.benefits.choices = _benefit_choices()
    if not form.validate_on_submit():
        return _detail(merchant, benefits_form=form, status=422)
    before = [b.code for b in merchant.benefits]
    if not unless_changed(lambda: services.set_benefits(
            merchant, _chosen_benefits(form.benefits.data))):
        flash(_("Another operator has just changed these offers: look at them and save again."),
              "error")
        return _detail(merchant, benefits_form=form, status=409)
    audit(current_operator().actor, "merchant.benefits_set", "merchant", merchant.id,
          data={"before": before, "after": [b.code for b in merchant.benefits]})
    db.session.commit()
    flash(_("The benefits offered are saved; counters see them within a minute."), "ok")
    return redirect(url_for("admin.merchant", merchant_id=merchant.id)), 303


@bp.post("/merchants/<id:merchant_id>/staff")
@role_required("operator")
def add_staff(merchant_id):
    merchant = _merchant(merchant_id)
    form = StaffForm()
    if not form.validate_on_submit():
        return _detail(merchant, staff_form=form, status=422)
    password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(12))
    staff = None
    if services.find_staff_by_phone(form.phone.data) is None:
        staff = unless_taken(lambda: services.add_staff(
            merchant, form.name.data, form.phone.data, hash_password(password), form.role.data))
    if staff is None:
        form.phone.errors.append(_("This mobile number has a staff account already."))
        return _detail(merchant, staff_form=form, status=409)
    audit(current_operator().actor, "merchant.staff_added", "merchant_staff", staff.id,
          data={"merchant_id": merchant.id, "role": staff.role})
    db.session.commit()
    return _detail(merchant, status=201, new_staff=staff, new_password=password)


@bp.post("/merchants/<id:merchant_id>/keys")
@role_required("operator")
def issue_merchant_key(merchant_id):
    merchant = _merchant(merchant_id)
    api_key = services.issue_api_key(merchant, label="console")
    audit(current_operator().actor, "merchant.key_issued", "merchant", merchant.id)
    db.session.commit()
    return render_template("admin/key_shown.html", owner=merchant.name, api_key=api_key,
                           back="admin.merchant", back_args={"merchant_id": merchant.id}), 201


@bp.post("/merchants/<id:merchant_id>/keys/<id:key_id>/revoke")
@role_required("operator")
def revoke_merchant_key(merchant_id, key_id):
    merchant = _merchant(merchant_id)
    if not services.revoke_api_key(merchant, key_id):
        abort(404)
    audit(current_operator().actor, "merchant.key_revoked", "merchant_api_key", key_id,
          data={"merchant_id": merchant.id})
    db.session.commit()
    flash(_("The key is revoked; calls with it are refused within a minute."), "ok")
    return redirect(url_for("admin.merchant", merchant_id=merchant.id)), 303
