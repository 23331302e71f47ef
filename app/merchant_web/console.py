"""The merchant console: a mobile web page where staff sign in, scan or type a credit code,
see the answer, and report the outcome of today's redemptions."""
from functools import wraps

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.core.audit import audit
from app.core.auth import sign_in, sign_out
from app.core.errors import ApiError
from app.core.extensions import db, limiter
from app.core.http import safe_next, select_locale
from app.core.signin_guard import TooManyFailures, wait_text
from app.merchants.access import MerchantCaller, current_staff
from app.merchants.services import authenticate_staff
from app.verification import redemptions as lifecycle
from app.verification.services import benefit_name

bp = Blueprint("merchant", __name__, url_prefix="/merchant")


def reason_texts():
    return {
        "granted": _("Granted"),
        "denied": _("Denied"),
        "expired": _("The code has expired: ask the resident to refresh it."),
        "already_used": _("This code has already been used."),
        "invalid": _("This is not a genuine 信易+ credit code."),
        "not_eligible": _("The resident is not eligible for this benefit now."),
        "not_offered": _("Your shop does not offer this benefit."),
        "limit_reached": _("The resident has used this benefit as often as allowed for now."),
        "error": _("The check failed; please try again."),
        "network": _("No connection; please try again."),
        "denied_todo": _("Serve the customer on the usual terms."),
        "camera_denied": _("The camera is not allowed: allow it for this site in the browser "
                           "settings, or type the code."),
        "camera_missing": _("No camera was found on this device: type the code or use a scanner."),
        "camera_busy": _("The camera is in use by another app: close it and try again."),
        "camera_unsupported": _("This browser cannot use the camera here: type the code or use "
                                "a scanner."),
        "camera_failed": _("The camera could not be started: type the code or use a scanner."),
    }


def what_to_do(benefit) -> str:
    """The line a cashier acts on once a benefit is granted, e.g. 免押金 ¥99 — 请直接出借."""
    value = benefit.value_text_en if select_locale() == "en" else benefit.value_text
    if benefit.deposit_free:
        todo = _("hand it over without a deposit")
    else:
        todo = _("go ahead as described")
    return f"{value} — {todo}" if value else todo


def staff_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_staff() is None:
            return redirect(url_for("merchant.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def login():
    if current_staff() is not None:
        return redirect(url_for("merchant.scan"))
    error, status = None, 200
    if request.method == "POST":
        try:
            staff = authenticate_staff(request.form.get("phone", "").strip(),
                                       request.form.get("password", ""), request.remote_addr or "")
        except TooManyFailures as exc:
            return (render_template("merchant/login.html", error=wait_text(exc.wait)), 429,
                    {"Retry-After": str(exc.wait)})
        if staff is None:
            db.session.commit()  # keep the failure's count
            error, status = _("The mobile number or the password is wrong."), 401
        else:
            sign_in(staff)
            audit(f"staff:{staff.id}", "staff.signed_in", "merchant_staff", staff.id,
                  data={"merchant_id": staff.merchant_id})
            db.session.commit()
            target = safe_next(request.args.get("next"), url_for("merchant.scan"))
            return redirect(target if target.startswith("/merchant") else url_for("merchant.scan"))
    return render_template("merchant/login.html", error=error), status


@bp.post("/logout")
def logout():
    sign_out()
    db.session.commit()
    return redirect(url_for("merchant.login"))


@bp.get("/")
@staff_required
def scan():
    staff = current_staff()
    benefits = [{"code": b.code, "name": benefit_name(b), "todo": what_to_do(b)}
                for b in staff.merchant.benefits if b.active]
    return render_template("merchant/scan.html", staff=staff, benefits=benefits,
                           texts=reason_texts())


@bp.get("/redemptions")
@staff_required
def redemptions():
    staff = current_staff()
    return render_template("merchant/redemptions.html", staff=staff,
                           rows=lifecycle.list_for_merchant(staff.merchant))


@bp.get("/redemptions/<id:redemption_id>/default")
@staff_required
def confirm_default(redemption_id):
    """Reporting a default is a second step: the resident is told and may object to it."""
    staff = current_staff()
    redemption = lifecycle.for_merchant(staff.merchant, redemption_id)
    return render_template("merchant/default.html", staff=staff, r=redemption)


@bp.post("/redemptions/<id:redemption_id>/<any(complete, default, cancel):action>")
@staff_required
def report(redemption_id, action):
    staff = current_staff()
    caller = MerchantCaller(staff.merchant, staff, None)
    if action == "default" and (request.form.get("confirm") != "yes"
                                or not request.form.get("note", "").strip()):
        flash(_("Say what went wrong and tick the box to confirm the report."), "error")
        return redirect(url_for("merchant.confirm_default", redemption_id=redemption_id)), 303
    try:
        redemption = lifecycle.for_merchant(staff.merchant, redemption_id)
        changed = lifecycle.report(caller, redemption, action, request.form.get("note", "")[:200])
    except ApiError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("merchant.redemptions")), 303
    db.session.commit()
    if action == "default" and changed:
        lifecycle.tell_resident_of_default(redemption)
    flash({"complete": _("Marked as completed."), "default": _("Reported as not fulfilled."),
           "cancel": _("Cancelled.")}[action], "info")
    return redirect(url_for("merchant.redemptions")), 303
