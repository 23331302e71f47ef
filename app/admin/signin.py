"""Operators sign in with a password and a TOTP code; the first sign-in enrols the
authenticator app from a QR code and shows the recovery codes once."""
import time

import qrcode
import qrcode.image.svg
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from app.admin import accounts
from app.admin.access import EVERYONE, current_operator, role_required
from app.admin.blueprint import bp
from app.admin.forms import EnrolForm, LoginForm
from app.admin.nav import nav_for
from app.core.audit import audit
from app.core.auth import sign_in, sign_out
from app.core.extensions import db, limiter
from app.core.http import safe_next
from app.core.signin_guard import TooManyFailures, wait_text

PENDING_KEY = "admin_enrolling"  # (operator id, when): the password was right, no TOTP yet
PENDING_SECONDS = 600


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def login():
    if current_operator() is not None:
        return redirect(url_for("admin.home"))
    form, status = LoginForm(), 200
    if form.validate_on_submit():
        address = request.remote_addr or ""
        try:
            result = accounts.authenticate(form.username.data, form.password.data,
                                           form.otp.data or "", address)
        except TooManyFailures as exc:
            form.form_errors.append(wait_text(exc.wait))
            return (render_template("admin/login.html", form=form), 429,
                    {"Retry-After": str(exc.wait)})
        if result is None:
            audit("anonymous", "operator.sign_in_failed", "operator", None,
                  data={"username": form.username.data[:40], "address": address[:64]})
            db.session.commit()  # keep the failure's count
            form.form_errors.append(_("The username, password or one-time code is wrong."))
            status = 401
        elif result.needs_enrolment:
            db.session.commit()
            session[PENDING_KEY] = [result.operator.id, int(time.time())]
            return redirect(url_for("admin.enrol"))
        else:
            operator = result.operator
            sign_in(operator)
            audit(operator.actor, "operator.signed_in", "operator", operator.id,
                  data={"recovery_code": result.used_recovery_code})
            db.session.commit()
            if result.used_recovery_code:
                flash(_("You signed in with a recovery code; %(count)d are left.",
                        count=accounts.recovery_codes_left(operator)), "warning")
            target = safe_next(request.args.get("next"), url_for("admin.home"))
            return redirect(target if target.startswith("/admin/") else url_for("admin.home"))
    elif request.method == "POST":
        status = 400
    return render_template("admin/login.html", form=form), status


def _pending_operator():
    """The operator who gave the right password and is enrolling, while that is recent."""
    pending = session.get(PENDING_KEY)
    if not (isinstance(pending, list) and len(pending) == 2
            and all(isinstance(part, int) for part in pending)):
        return None
    operator_id, since = pending
    if time.time() - since > PENDING_SECONDS:
        return None
    operator = accounts.load_operator(operator_id)
    return operator if operator is not None and operator.totp_enrolled_at is None else None


def qr_svg(data: str) -> Markup:
    """An inline SVG QR code of `data` (the provisioning URI never leaves the page)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    return Markup(svg[svg.index("<svg"):])


@bp.route("/enrol", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def enrol():
    operator = _pending_operator()
    if operator is None:
        session.pop(PENDING_KEY, None)
        flash(_("Sign in again to set up the authenticator."), "info")
        return redirect(url_for("admin.login"))
    form, status = EnrolForm(), 200
    if form.validate_on_submit():
        codes = accounts.enrol(operator, form.otp.data)
        if codes is not None:
            sign_in(operator)
            audit(operator.actor, "operator.signed_in", "operator", operator.id,
                  data={"enrolled": True})
            db.session.commit()
            # shown in this answer only: they are stored as digests
            return render_template("admin/recovery_codes.html", codes=codes)
        db.session.commit()
        form.otp.errors = [_("That code is not right; check the app's clock and try the next one.")]
        status = 422
    elif request.method == "POST":
        status = 400
    uri = accounts.provisioning_uri(operator)
    return render_template("admin/enrol.html", form=form, qr=qr_svg(uri),
                           secret=operator.totp_secret, username=operator.username), status


@bp.post("/logout")
def logout():
    operator = current_operator()
    if operator is not None:
        audit(operator.actor, "operator.signed_out", "operator", operator.id)
    sign_out()
    db.session.commit()
    return redirect(url_for("admin.login"))


@bp.get("/")
@role_required(*EVERYONE)
def home():
    """The first screen this operator's role may open."""
    entries = nav_for(current_operator())
    if entries:
        return redirect(entries[0][1])
    return render_template("admin/home.html")
