"""The published record catalogue (public)."""
from flask.views import MethodView
from app.core.api import Blueprint

from app.catalogue.schemas import CatalogueSchema
from app.catalogue.services import current_scheme

blp = Blueprint("catalogue", __name__, url_prefix="/api/v1/catalogue",
                description="The record catalogue and scoring rules now in force.")


@blp.route("")
class Catalogue(MethodView):
    @blp.response(200, CatalogueSchema)
    def get(self):
        """Dimensions, tiers and every record type that can touch a score, with its legal basis."""
        scheme = current_scheme()
        return {"scheme_version": scheme.version, "commitment_text": scheme.commitment_text,
                "dimensions": scheme.dimensions,
                "tiers": scheme.tiers, "record_types": scheme.record_types}
