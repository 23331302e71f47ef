"""Merchants' JSON endpoints: verifying a credit code, and redemption outcomes."""
import os

from flask import current_app, g, request
from flask.views import MethodView
from app.core.api import Blueprint

from app.core.extensions import db
from app.core.ratelimit import limited
from app.credit_codes import live
from app.merchants.access import merchant_caller, merchant_rate_key
from app.verification import redemptions as lifecycle
from app.verification.idempotency import verify_once
from app.verification.schemas import (
    OutcomeArgs,
    RedemptionListSchema,
    RedemptionQueryArgs,
    RedemptionSchema,
    VerificationArgs,
    VerificationSchema,
)

verify_blp = Blueprint("verifications", __name__, url_prefix="/api/v1/verifications",
                       description="Merchants verify a credit code for a benefit.")
redemption_blp = Blueprint("redemptions", __name__, url_prefix="/api/v1/redemptions",
                           description="Merchants report the outcome of a granted benefit.")


def verification_limit():
    """Per merchant; `VERIFICATION_RATE_LIMIT` in the config or environment overrides it."""
    return (current_app.config.get("VERIFICATION_RATE_LIMIT")
            or os.environ.get("VERIFICATION_RATE_LIMIT", "50/second"))


@verify_blp.route("")
class Verifications(MethodView):
    # one Redis round trip (`core.ratelimit`) rather than Flask-Limiter's layers
    decorators = [limited(verification_limit, "verifications", merchant_rate_key)]

    # a schema instance: webargs builds none per request
    @verify_blp.arguments(VerificationArgs())
    @verify_blp.response(200, VerificationSchema)
    @verify_blp.alt_response(400, description="Body is not JSON, or nests too deeply")
    @verify_blp.alt_response(401, description="No or bad merchant credentials")
    @verify_blp.alt_response(413, description="Body larger than the limit")
    @verify_blp.alt_response(415, description="Body is not JSON")
    @verify_blp.alt_response(422, description="Unknown benefit, or Idempotency-Key reused")
    @verify_blp.alt_response(429, description="Too many verifications from this merchant")
    def post(self, args):
        """Verify a credit code for a benefit: `granted` (with a redemption) or `denied` + reason.

        Send `Idempotency-Key` to make retries safe: a replay returns the first answer.
        """
        body, decision = verify_once(merchant_caller(), request.headers.get("Idempotency-Key"),
                                     args["token"], args["benefit"])
        db.session.commit()
        # the body already has the schema's shape: sent as is, without a marshmallow dump
        response = current_app.json.response(body)
        if decision is not None and decision.token_id and decision.live:
            live.publish_after(response, decision.token_id, decision.live)
        return response


@redemption_blp.before_request
def authenticate():
    g.caller = merchant_caller()


@redemption_blp.route("")
@redemption_blp.arguments(RedemptionQueryArgs, location="query")
@redemption_blp.response(200, RedemptionListSchema)
@redemption_blp.alt_response(401, description="No or bad merchant credentials")
def list_redemptions(args):
    """This merchant's redemptions granted on a day (city time; today by default)."""
    return {"redemptions": lifecycle.list_for_merchant(g.caller.merchant, args["day"])}


@redemption_blp.route("/<id:redemption_id>")
@redemption_blp.response(200, RedemptionSchema)
@redemption_blp.alt_response(401, description="No or bad merchant credentials")
@redemption_blp.alt_response(404, description="No such redemption for this merchant")
def get_redemption(redemption_id):
    """One of this merchant's redemptions."""
    return lifecycle.for_merchant(g.caller.merchant, redemption_id)


@redemption_blp.route("/<id:redemption_id>/<any(complete, default, cancel):action>", methods=["POST"])
@redemption_blp.arguments(OutcomeArgs, required=False)
@redemption_blp.response(200, RedemptionSchema)
@redemption_blp.alt_response(400, description="Body is not JSON, or nests too deeply")
@redemption_blp.alt_response(401, description="No or bad merchant credentials")
@redemption_blp.alt_response(404, description="No such redemption for this merchant")
@redemption_blp.alt_response(413, description="Body larger than the limit")
@redemption_blp.alt_response(415, description="Body is not JSON")
@redemption_blp.alt_response(409, description="The redemption already has another outcome")
def report_outcome(args, redemption_id, action):
    """Report the outcome: `complete`, `default` (needs a `note`; the resident is told and may
    object; recorded after the grace period) or `cancel`."""
    redemption = lifecycle.for_merchant(g.caller.merchant, redemption_id)
    changed = lifecycle.report(g.caller, redemption, action, (args or {}).get("note", ""))
    db.session.commit()
    if action == "default" and changed:
        lifecycle.tell_resident_of_default(redemption)
    return redemption
