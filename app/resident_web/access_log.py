"""Who looked at my credit: the page and `GET /api/v1/me/access-log` (resident session)."""
from flask import render_template
from flask.views import MethodView
from flask_babel import lazy_gettext as _l

from app.resident_web.api import blp
from app.resident_web.blueprint import bp, current_resident, resident_required
from app.resident_web.schemas import AccessLogSchema
from app.residents.access import access_log, shown

KINDS = {
    "partner": _l("Partner institution"),
    "merchant": _l("Merchant"),
    "operator": _l("Platform staff"),
    "department": _l("Government department"),
}


def entries(person_id):
    """The person's access entries, newest first, in the reader's language."""
    return [{"at": entry.at, "who": {"kind": entry.who_kind, "name": entry.who_name},
             "what": shown(entry.what), "purpose": shown(entry.purpose)}
            for entry in access_log(person_id)]


@blp.route("/access-log")
class MyAccessLog(MethodView):
    decorators = [resident_required(consent=False)]

    @blp.response(200, AccessLogSchema)
    @blp.alt_response(401, description="Not signed in as a resident")
    def get(self):
        """Who read my data (partners, merchants, operators, departments): the newest 200
        reads, newest first, `what` and `purpose` in plain words."""
        return {"entries": entries(current_resident().person_id)}


@bp.get("/access-log")
@resident_required(consent=False)
def access_log_page():
    return render_template("resident/access_log.html", kinds=KINDS,
                           entries=entries(current_resident().person_id))
