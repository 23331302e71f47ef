"""Pages and endpoints shared by every part of the site: health, language, errors."""
from flask import Blueprint, current_app, jsonify, redirect, request, session, url_for

from app.core.http import safe_next

bp = Blueprint("web", __name__)


@bp.get("/healthz")
def health():
    return jsonify(status="ok")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it at the root whatever the page links."""
    return current_app.send_static_file("favicon.ico")


@bp.get("/lang/<code>")
def switch_language(code):
    if code in ("zh_CN", "en"):
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("resident.home")))
