"""Who looked at my credit: the page and `GET /api/v1/me/access-log` (resident session)."""
from flask import abort, render_template, request, url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l

from app.resident_web.api import blp
from app.resident_web.blueprint import bp, current_resident, resident_required
from app.resident_web.schemas import AccessLogArgs, AccessLogSchema
from app.residents.access import access_log, shown

KINDS = {
    "partner": _l("Partner institution"),
    "merchant": _l("Merchant"),
    "operator": _l("Platform staff"),
    "department": _l("Government department"),
}


PER_PAGE = 200
OLDER = {"Link": {"schema": {"type": "string"}, "description":
                  'The page of older reads, if any: `</api/v1/me/access-log?page=2>; rel="next"`'}}


def entries(person_id, page=1):
    """One page of the person's access entries, newest first, in the reader's language, and
    the next (older) page's number or None: every read stays reachable, however many follow."""
    found = access_log(person_id, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    return ([{"at": entry.at, "who": {"kind": entry.who_kind, "name": entry.who_name},
              "what": shown(entry.what), "purpose": shown(entry.purpose)}
             for entry in found[:PER_PAGE]],
            page + 1 if len(found) > PER_PAGE else None)


@blp.route("/access-log")
class MyAccessLog(MethodView):
    decorators = [resident_required(consent=False)]

    @blp.arguments(AccessLogArgs, location="query")
    @blp.response(200, AccessLogSchema, headers=OLDER)
    @blp.alt_response(401, description="Not signed in as a resident")
    @blp.alt_response(422, description="A page number that is not a whole number from 1")
    def get(self, args):
        """Who read my data (partners, merchants, operators, departments): 200 reads a page,
        newest first, `what` and `purpose` in plain words; a `Link` header (rel="next") leads
        to the older ones."""
        found, next_page = entries(current_resident().person_id, args["page"])
        headers = {}
        if next_page:
            older = url_for("me.MyAccessLog", page=next_page)
            headers["Link"] = f'<{older}>; rel="next"'
        return {"entries": found}, 200, headers


@bp.get("/access-log")
@resident_required(consent=False)
def access_log_page():
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= 100_000:
        abort(404)
    found, next_page = entries(current_resident().person_id, page)
    return render_template("resident/access_log.html", kinds=KINDS, entries=found,
                           next_page=next_page)
