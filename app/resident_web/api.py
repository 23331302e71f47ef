"""The signed-in resident's own score as JSON (resident session)."""
from flask.views import MethodView
from flask_smorest import Blueprint

from app.catalogue.services import current_scheme
from app.resident_web.blueprint import current_resident, private_pages, resident_required
from app.resident_web.labels import loc
from app.resident_web.schemas import MeScoreSchema
from app.residents.dashboard import current_result

blp = Blueprint("me", __name__, url_prefix="/api/v1/me",
                description="The signed-in resident's own data (resident session).")
blp.after_request(private_pages)


@blp.route("/score")
class MyScore(MethodView):
    decorators = [resident_required()]

    @blp.response(200, MeScoreSchema)
    @blp.alt_response(401, description="Not signed in as a resident")
    @blp.alt_response(403, description="The resident has not consented to scoring")
    def get(self):
        """My score and tier, dimension totals and every record's contribution."""
        scheme = current_scheme()
        result = current_result(current_resident().person_id)
        tier = next(t for t in scheme.tiers if t.code == result.tier)
        return {
            "score": result.score,
            "tier": {"code": tier.code, "name": loc(tier)},
            "as_of": result.as_of,
            "scheme_version": result.scheme_version,
            "dimensions": [
                {"code": d.code, "name": loc(d), "points": result.dimensions.get(d.code, 0)}
                for d in scheme.dimensions
            ],
            "contributions": [{"record_id": c.record_id, "type": c.type, "points": c.points,
                               "counted": c.counted, "note": c.note}
                              for c in result.contributions],
        }
