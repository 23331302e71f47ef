"""The console's blueprint: every screen under /admin/, never cached by the browser."""
import json

from flask import Blueprint

from app.core.crypto import mask_phone
from app.core.time import CITY_TZ

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.add_app_template_filter(mask_phone, "mask_phone")


@bp.app_template_filter("admin_time")
def admin_time(value):
    """A stored UTC time as the city's wall clock, to the second."""
    return value.astimezone(CITY_TZ).strftime("%Y-%m-%d %H:%M:%S") if value else ""


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_filter("admin_json")
def admin_json(value):
    """JSON as people read it: Chinese as itself, not as \\u escapes (the template escapes it)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@bp.context_processor
def console():
    from app.admin.access import ROLE_NAMES, current_operator
    from app.admin.nav import nav_for

    operator = current_operator()
    return {"operator": operator, "admin_nav": nav_for(operator) if operator else [],
            "role_names": ROLE_NAMES}
