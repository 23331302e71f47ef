"""The merchant console: a mobile web page where staff sign in, scan or type a credit code,
see the answer, and report the outcome of today's redemptions."""
from functools import wraps

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from app.core.audit import audit
from app.core.errors import ApiError
from app.core.passwords import check_password
from app.benefits.services import find_staff_by_phone
from app.extensions import db, limiter
from app.verification import redemptions as lifecycle
from app.verification.access import MerchantCaller, current_staff
from app.verification.api import redemption_dict
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
    }


def staff_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_staff() is None:
            return redirect(url_for("merchant.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def _safe_next(target):
    if target and target.startswith("/merchant") and not target.startswith("//"):
        return target
    return url_for("merchant.scan")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;60 per hour", methods=["POST"])
def login():
    if current_staff() is not None:
        return redirect(url_for("merchant.scan"))
    error, status = None, 200
    if request.method == "POST":
        phone = request.form.get("phone", "").strip()
        password = request.form.get("password", "")
        staff = find_staff_by_phone(phone) if phone.isdigit() and len(phone) == 11 else None
        if staff is None or not staff.active or not staff.merchant.active or not password or \
                not check_password(staff.password_hash, password):
            error, status = _("The mobile number or the password is wrong."), 401
        else:
            lang = session.get("lang")
            session.clear()  # a new session at sign-in, never the one from before
            if lang:
                session["lang"] = lang
            login_user(staff, fresh=True)
            audit(f"staff:{staff.id}", "staff.signed_in", "merchant_staff", staff.id,
                  data={"merchant_id": staff.merchant_id})
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("merchant/login.html", error=error), status


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("merchant.login"))


@bp.get("/")
@staff_required
def scan():
    staff = current_staff()
    benefits = [{"code": b.code, "name": benefit_name(b)} for b in staff.merchant.benefits if b.active]
    return render_template("merchant/scan.html", staff=staff, benefits=benefits,
                           texts=reason_texts())


@bp.get("/redemptions")
@staff_required
def redemptions():
    staff = current_staff()
    rows = [redemption_dict(r) for r in lifecycle.list_for_merchant(staff.merchant)]
    return render_template("merchant/redemptions.html", staff=staff, rows=rows)


@bp.post("/redemptions/<int:redemption_id>/<any(complete, default, cancel):action>")
@staff_required
def report(redemption_id, action):
    staff = current_staff()
    caller = MerchantCaller(staff.merchant, staff, None)
    try:
        redemption = lifecycle.for_merchant(staff.merchant, redemption_id)
        lifecycle.report(caller, redemption, action, request.form.get("note", "")[:200])
    except ApiError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("merchant.redemptions")), 303
    db.session.commit()
    flash({"complete": _("Marked as completed."), "default": _("Reported as not fulfilled."),
           "cancel": _("Cancelled.")}[action], "info")
    return redirect(url_for("merchant.redemptions")), 303
