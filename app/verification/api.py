"""JSON endpoints: JWKS, the resident's credit code, verification and redemption outcomes."""
import os
from datetime import datetime, timezone

from flask import Response, current_app, g, request, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from app.core.errors import ApiError
from app.extensions import db, limiter
from app.residents.models import Person
from app.verification import codes, keys, live, redemptions as lifecycle, services
from app.verification.models import Redemption
from app.verification.access import current_resident, merchant_caller, merchant_rate_key
from app.verification.schemas import (CreditCodeSchema, JwksSchema, OutcomeArgs,
                                      RedemptionListSchema, RedemptionQueryArgs, RedemptionSchema,
                                      ScanResultSchema, VerificationArgs, VerificationSchema)
from app.verification.tokens import InvalidToken

jwks_blp = Blueprint("jwks", __name__, url_prefix="/.well-known",
                     description="Public keys that verify credit codes.")
code_blp = Blueprint("credit_code", __name__, url_prefix="/api/v1/me/credit-code",
                     description="A signed-in resident's short-lived credit code.")
verify_blp = Blueprint("verifications", __name__, url_prefix="/api/v1/verifications",
                       description="Merchants verify a credit code for a benefit.")
redemption_blp = Blueprint("redemptions", __name__, url_prefix="/api/v1/redemptions",
                           description="Merchants report the outcome of a granted benefit.")


def _resident_key():
    return f"resident:{current_user.id}" if current_user.is_authenticated else request.remote_addr


def verification_limit():
    """Per merchant; `VERIFICATION_RATE_LIMIT` in the config or environment overrides it."""
    return (current_app.config.get("VERIFICATION_RATE_LIMIT")
            or os.environ.get("VERIFICATION_RATE_LIMIT", "50/second"))


@jwks_blp.route("/jwks.json")
@jwks_blp.response(200, JwksSchema)
def jwks():
    """Ed25519 public keys (JWK, `OKP`) of every key whose credit codes may still be live."""
    return keys.jwks(), 200, {"Cache-Control": "public, max-age=60"}


@code_blp.route("")
class CreditCode(MethodView):
    decorators = [limiter.limit("12/minute", key_func=_resident_key)]

    @code_blp.response(200, CreditCodeSchema)
    @code_blp.alt_response(401, description="Not signed in as a resident")
    def post(self):
        """Issue a fresh 60-second credit code; the QR image at `qr_svg_url` encodes `token`."""
        resident = current_resident()
        token, expires_at = codes.issue_credit_code(resident)
        db.session.commit()  # the first code ever creates the signing key
        return {"token": token, "expires_at": expires_at,
                "qr_svg_url": url_for("credit_code.qr_svg", token=token)}


def _own_token(token):
    """Check that the token is genuine and belongs to the signed-in resident (404 otherwise)."""
    resident = current_resident()
    try:
        checked = codes.check_token(token)
    except InvalidToken:
        checked = None
    if checked is None or checked.resident_id != resident.id:
        raise ApiError(404, "not_found", _("There is no such credit code."))
    return checked


@code_blp.route("/<string:token>.svg")
@code_blp.alt_response(404, description="Not this resident's code")
def qr_svg(token):
    """The credit code as an SVG QR code (error correction Q), only for its own resident."""
    _own_token(token)
    return Response(codes.qr_svg(token), mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, no-store"})


@code_blp.route("/<string:token>/result")
@code_blp.response(200, ScanResultSchema)
def scan_result(token):
    """Poll after showing the code: `pending` until a merchant scans it, then the decision."""
    checked = _own_token(token)
    result = live.latest(checked.claims.token_id_hex)
    if result is None:
        result = _result_from_database(checked.claims.token_id_hex) or {"status": "pending"}
    result["expires_at"] = datetime.fromtimestamp(checked.claims.expires, timezone.utc)
    return result


def _result_from_database(token_id):
    """Granted scans are in the database, so the page still learns of them with Redis down."""
    redemption = db.session.scalar(select(Redemption).filter_by(token_id=token_id))
    if redemption is None:
        return None
    return {"status": "scanned", "decision": "granted", "reason": None,
            "benefit": {"code": redemption.benefit.code,
                        "name": services.benefit_name(redemption.benefit)},
            "merchant": redemption.merchant.name, "at": redemption.granted_at.isoformat()}


@verify_blp.route("")
class Verifications(MethodView):
    decorators = [limiter.limit(verification_limit, key_func=merchant_rate_key)]

    @verify_blp.arguments(VerificationArgs)
    @verify_blp.response(200, VerificationSchema)
    @verify_blp.alt_response(401, description="No or bad merchant credentials")
    @verify_blp.alt_response(422, description="Unknown benefit, or Idempotency-Key reused")
    def post(self, args):
        """Verify a credit code for a benefit: `granted` (with a redemption) or `denied` + reason.

        Send `Idempotency-Key` to make retries safe: a replay returns the first answer.
        """
        caller = merchant_caller()
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (0 < len(key) <= 100 and key.isprintable()):
            raise ApiError(422, "invalid_idempotency_key",
                           _("Idempotency-Key must be 1 to 100 printable characters."))
        if key:
            digest = services.request_hash(args["token"], args["benefit"])
            stored = services.stored_replay(caller.merchant.id, key, digest)
            if stored is not None:
                return stored
        decision = services.verify(caller, args["token"], args["benefit"])
        body = decision.body
        if key:
            body = services.remember_replay(caller.merchant.id, key, digest, body)
        db.session.commit()
        if decision.token_id and body is decision.body:
            live.publish(decision.token_id, decision.live)
        return body


def redemption_dict(redemption):
    person = db.session.get(Person, redemption.person_id)
    return {"id": redemption.id, "status": redemption.status,
            "benefit": {"code": redemption.benefit.code,
                        "name": services.benefit_name(redemption.benefit)},
            "resident": {"masked_name": person.masked_name},
            "granted_at": redemption.granted_at, "completed_at": redemption.completed_at,
            "cancelled_at": redemption.cancelled_at, "defaulted_at": redemption.defaulted_at,
            "default_due_at": redemption.default_due_at, "record_id": redemption.record_id,
            "note": redemption.note}


@redemption_blp.before_request
def authenticate():
    g.caller = merchant_caller()


@redemption_blp.route("")
@redemption_blp.arguments(RedemptionQueryArgs, location="query")
@redemption_blp.response(200, RedemptionListSchema)
def list_redemptions(args):
    """This merchant's redemptions granted on a day (city time; today by default)."""
    rows = lifecycle.list_for_merchant(g.caller.merchant, args["day"])
    return {"redemptions": [redemption_dict(r) for r in rows]}


@redemption_blp.route("/<int:redemption_id>")
@redemption_blp.response(200, RedemptionSchema)
@redemption_blp.alt_response(404, description="No such redemption for this merchant")
def get_redemption(redemption_id):
    """One of this merchant's redemptions."""
    return redemption_dict(lifecycle.for_merchant(g.caller.merchant, redemption_id))


@redemption_blp.route("/<int:redemption_id>/<any(complete, default, cancel):action>", methods=["POST"])
@redemption_blp.arguments(OutcomeArgs, required=False)
@redemption_blp.response(200, RedemptionSchema)
@redemption_blp.alt_response(404, description="No such redemption for this merchant")
@redemption_blp.alt_response(409, description="The redemption already has another outcome")
def report_outcome(args, redemption_id, action):
    """Report the outcome: `complete`, `default` (recorded after the grace period) or `cancel`."""
    redemption = lifecycle.for_merchant(g.caller.merchant, redemption_id)
    lifecycle.report(g.caller, redemption, action, (args or {}).get("note", ""))
    db.session.commit()
    return redemption_dict(redemption)


@code_blp.route("/<string:token>/events")
def scan_events(token):
    """The scan result as a server-sent event (`event: result`), pushed through Redis pub/sub.

    The stream ends with the first result or when the code expires; polling `/result` is the
    fallback (and the better choice behind sync workers).
    """
    import json
    import time

    from flask import stream_with_context
    from redis.exceptions import RedisError

    from app.core.redis import get_redis

    checked = _own_token(token)
    token_id, deadline = checked.claims.token_id_hex, checked.claims.expires + 5
    first = live.latest(token_id) or _result_from_database(token_id)
    try:
        pubsub = None if first else get_redis().pubsub(ignore_subscribe_messages=True)
        if pubsub is not None:
            pubsub.subscribe(live.channel(token_id))
            first = live.latest(token_id)  # a result published just before subscribing
    except RedisError:
        pubsub = None

    def stream():
        yield "retry: 1500\n\n"
        result = first
        try:
            while result is None and pubsub is not None and time.time() < deadline:
                message = pubsub.get_message(timeout=1.0)
                if message and message.get("type") == "message":
                    result = json.loads(message["data"])
                else:
                    yield ": keep-alive\n\n"
        except RedisError:
            result = None
        finally:
            if pubsub is not None:
                pubsub.close()
        if result is not None:
            yield f"event: result\ndata: {json.dumps(result, ensure_ascii=False)}\n\n"
        else:
            yield "event: timeout\ndata: {}\n\n"

    return Response(stream_with_context(stream()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
