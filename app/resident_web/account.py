"""Signing in and out, registering with a verified phone, consent, and closing the account."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.core.audit import audit
from app.core.auth import sign_in, sign_out
from app.core.crypto import mask_id_number, mask_phone
from app.core.extensions import db, limiter
from app.core.http import safe_next
from app.core.passwords import check_password
from app.core.signin_guard import FIRST_WAIT, TooManyFailures, wait_text
from app.resident_web.blueprint import bp, current_resident, resident_required
from app.resident_web.forms import (
    ActionForm,
    CloseAccountForm,
    CodeForm,
    ConsentForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    RegisterForm,
)
from app.residents import services

PASSWORD_PURPOSE = "password"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute;100 per hour", methods=["POST"])
def login():
    if current_resident() is not None:
        return redirect(url_for("resident.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            resident = services.authenticate(form.phone.data, form.password.data,
                                             request.remote_addr or "")
        except TooManyFailures as exc:
            form.form_errors.append(wait_text(exc.wait))
            return (render_template("resident/login.html", form=form), 429,
                    {"Retry-After": str(exc.wait)})
        if resident is None:
            db.session.commit()  # keep the failure's count
            form.form_errors.append(_("The mobile number or the password is wrong."))
            form.form_errors.append(_tries_warning(form.phone.data))
            status = 401
        else:
            sign_in(resident)
            audit(f"resident:{resident.id}", "resident.signed_in", "resident", resident.id,
                  subject_id=resident.person_id)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("resident/login.html", form=form), status


def _tries_warning(phone):
    left = services.tries_left(phone, request.remote_addr or "")
    if left == 0:
        return wait_text(FIRST_WAIT)
    return _("Tries left before this device must wait: %(count)d.", count=left)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
def forgot_password():
    """The page and its answer are the same whether or not the phone has an account."""
    form, status = ForgotPasswordForm(), 200
    if form.validate_on_submit():
        session["reset"] = services.send_reset_code(form.phone.data)
        flash(_("If this number has an account, a code has been sent to it."), "info")
        return redirect(url_for("resident.reset_password"))
    if request.method == "POST":
        status = 422
    return render_template("resident/forgot.html", form=form), status


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit("10 per minute;30 per hour", methods=["POST"])
def reset_password():
    phone = services.reset_phone(session.get("reset"))
    if phone is None:
        flash(_("The reset has expired; please start again."), "error")
        return redirect(url_for("resident.forgot_password"))
    form, status = NewPasswordForm(), 200
    if form.validate_on_submit():
        if services.reset_password(phone, form.code.data, form.password.data,
                                   request.remote_addr or ""):
            session.pop("reset")
            db.session.commit()
            flash(_("Your password has been changed; every device has been signed out. "
                    "Please sign in."), "success")
            return redirect(url_for("resident.login"))
        form.code.errors.append(_("The code is wrong or has expired."))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("resident/reset.html", form=form, phone=mask_phone(phone)), status


@bp.post("/logout")
def logout():
    ActionForm()  # the CSRF token was checked before the view ran
    sign_out()
    db.session.commit()
    flash(_("You have signed out."), "info")
    return redirect(url_for("resident.home"))


@bp.post("/account/sign-out-everywhere")
@resident_required(consent=False)
def sign_out_everywhere():
    services.sign_out_everywhere(current_resident())
    sign_out()
    db.session.commit()
    flash(_("You have been signed out on every device."), "info")
    return redirect(url_for("resident.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per minute;30 per hour", methods=["POST"])
def register():
    if current_resident() is not None:
        return redirect(url_for("resident.home"))
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        problems = services.registration_problems(form.id_number.data)
        for name, message in problems.items():
            getattr(form, name).errors.append(message)
        if not problems:
            handle = services.start_registration(form.id_number.data, form.name.data,
                                                 form.phone.data, form.password.data)
            session["registration"] = handle
            services.send_registration_code(form.phone.data)
            return redirect(url_for("resident.verify_phone"))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("resident/register.html", form=form), status


@bp.route("/register/verify", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def verify_phone():
    pending = services.pending_registration(session.get("registration"))
    if pending is None and session.get("registered"):
        # the back button after the account was opened: not an expired registration
        flash(_("Your account is open. Please sign in."), "info")
        return redirect(url_for("resident.login"))
    if pending is None:
        flash(_("The registration has expired; please start again."), "error")
        return redirect(url_for("resident.register"))
    form, status = CodeForm(), 200
    if form.validate_on_submit():
        if services.check_phone_code(services.REGISTER_PURPOSE, pending["phone"],
                                     form.code.data):
            try:
                services.finish_registration(session.pop("registration"))
                db.session.commit()
            except services.RegistrationRefused as exc:
                return _refuse_registration(str(exc))
            except IntegrityError:  # another registration of this person or phone won a race
                return _refuse_registration(str(services.RegistrationRefused()))
            session["registered"] = True
            flash(_("Your account is ready. Please sign in."), "success")
            return redirect(url_for("resident.login"))
        form.code.errors.append(_("The code is wrong or has expired."))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("resident/verify.html", form=form, resend=ActionForm(),
                           phone=mask_phone(pending["phone"])), status


def _refuse_registration(message):
    db.session.rollback()
    flash(message, "error")
    return redirect(url_for("resident.register"))


@bp.post("/register/resend")
@limiter.limit("5 per minute;20 per hour")
def resend_code():
    pending = services.pending_registration(session.get("registration"))
    if pending is None:
        return redirect(url_for("resident.register"))
    if services.send_registration_code(pending["phone"]):
        flash(_("A new code has been sent."), "info")
    else:
        flash(_("Please wait a minute before asking for another code."), "error")
    return redirect(url_for("resident.verify_phone"))


@bp.route("/consent", methods=["GET", "POST"])
@resident_required(consent=False)
def consent():
    resident = current_resident()
    if resident.consented_at is not None:
        return redirect(url_for("resident.home"))
    form = ConsentForm()
    if form.validate_on_submit():
        services.give_consent(resident)
        db.session.commit()
        return redirect(url_for("resident.home"))
    return render_template("resident/consent.html", form=form), (
        422 if request.method == "POST" else 200)


def _account_page(close_form, status=200):
    resident = current_resident()
    return render_template("resident/account.html", resident=resident,
                           masked_phone=mask_phone(resident.phone),
                           masked_id=mask_id_number(resident.person.id_number),
                           masked_name=resident.person.masked_name,
                           action=ActionForm(), close_form=close_form), status


@bp.get("/account")
@resident_required(consent=False)
def account():
    return _account_page(CloseAccountForm())


@bp.post("/account/close")
@resident_required(consent=False)
@limiter.limit("5 per minute")
def close_account():
    resident = current_resident()
    form = CloseAccountForm()
    if form.validate_on_submit():
        if check_password(resident.password_hash, form.password.data):
            services.close_account(resident)
            sign_out()
            db.session.commit()
            flash(_("Your account and your score have been deleted."), "info")
            return redirect(url_for("resident.home"))
        form.password.errors.append(_("The password is wrong."))
    return _account_page(form, 422)


@bp.route("/account/password", methods=["GET", "POST"])
@resident_required(consent=False)
@limiter.limit("10 per minute", methods=["POST"])
def change_password():
    """A sensitive change: the SMS code proves the phone is at hand, not only the session."""
    resident = current_resident()
    form, status = NewPasswordForm(), 200
    if form.validate_on_submit():
        if services.check_phone_code(PASSWORD_PURPOSE, resident.phone, form.code.data):
            services.change_password(resident, form.password.data)
            sign_in(resident)
            db.session.commit()
            flash(_("Your password has been changed; other devices have been signed out."),
                  "success")
            return redirect(url_for("resident.account"))
        form.code.errors.append(_("The code is wrong or has expired."))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("resident/password.html", form=form, send=ActionForm(),
                           phone=mask_phone(resident.phone)), status


@bp.post("/account/password/code")
@resident_required(consent=False)
@limiter.limit("5 per minute;20 per hour")
def send_password_code():
    if services.send_phone_code(PASSWORD_PURPOSE, current_resident().phone):
        flash(_("A code has been sent to %(phone)s.", phone=mask_phone(current_resident().phone)),
              "info")
    else:
        flash(_("Please wait a minute before asking for another code."), "error")
    return redirect(url_for("resident.change_password"))
