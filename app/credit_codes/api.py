"""The public keys that verify credit codes."""
from app.core.api import Blueprint

from app.core.extensions import db
from app.credit_codes import keys
from app.credit_codes.schemas import JwksSchema

jwks_blp = Blueprint("jwks", __name__, url_prefix="/.well-known",
                     description="Public keys that verify credit codes.")


@jwks_blp.route("/jwks.json")
@jwks_blp.response(200, JwksSchema)
def jwks():
    """Ed25519 public keys (JWK, `OKP`) of every key whose credit codes may still be live."""
    body = keys.jwks()
    db.session.commit()  # the first request of a fresh installation creates the first key
    return body, 200, {"Cache-Control": "public, max-age=60"}
