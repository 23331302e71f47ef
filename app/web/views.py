from flask import Blueprint, jsonify, redirect, request, session, url_for

bp = Blueprint("web", __name__)


@bp.get("/healthz")
def health():
    return jsonify(status="ok")


@bp.get("/lang/<code>")
def switch_language(code):
    if code in ("zh_CN", "en"):
        session["lang"] = code
    target = request.args.get("next", "")
    # only same-site paths, never an open redirect
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("resident.home")
    return redirect(target)

