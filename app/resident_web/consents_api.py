"""The signed-in resident's partner consents as JSON (resident session; DESIGN §10)."""
import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext as _
from app.core.api import Blueprint

from app.core.errors import ApiError
from app.core.extensions import db
from app.partners import consents
from app.resident_web.blueprint import current_resident, private_pages, resident_required

blp = Blueprint("my_consents", __name__, url_prefix="/api/v1/me/consents",
                description="Partners the signed-in resident lets read their credit.")
blp.after_request(private_pages)


class ConsentPartnerSchema(ma.Schema):
    name = ma.fields.String(required=True, metadata={"example": "郑州银行"})
    kind = ma.fields.String(required=True, metadata={"enum": ["lender", "tourism", "other"]})


class ConsentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    partner = ma.fields.Nested(ConsentPartnerSchema, required=True)
    scopes = ma.fields.List(ma.fields.String(), required=True,
                            metadata={"example": ["score", "report"]})
    purpose = ma.fields.String(required=True)
    granted_at = ma.fields.DateTime(required=True)
    expires_at = ma.fields.DateTime(required=True)


class ConsentListSchema(ma.Schema):
    consents = ma.fields.List(ma.fields.Nested(ConsentSchema), required=True)


@blp.route("")
class MyConsents(MethodView):
    decorators = [resident_required()]

    @blp.response(200, ConsentListSchema)
    @blp.alt_response(401, description="Not signed in as a resident")
    @blp.alt_response(403, description="The resident has not consented to scoring")
    def get(self):
        """The consents in force, newest first."""
        return {"consents": consents.consents_of(current_resident().id)}


@blp.route("/<id:consent_id>")
class MyConsent(MethodView):
    decorators = [resident_required()]

    @blp.response(204)
    @blp.alt_response(401, description="Not signed in as a resident")
    @blp.alt_response(403, description="No CSRF token (send X-CSRFToken)")
    @blp.alt_response(404, description="No such consent of this resident")
    def delete(self, consent_id):
        """Withdraw a consent: every token under it stops working at once."""
        resident = current_resident()
        consent = consents.consent_of(resident, consent_id)
        if consent is None:
            raise ApiError(404, "not_found", _("There is no such consent."))
        consents.revoke_consent(resident, consent)
        db.session.commit()
