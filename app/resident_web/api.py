"""The signed-in resident's own data as JSON: score and credit code (resident session)."""
from datetime import datetime, timezone

from flask import Response, request, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from app.core.api import Blueprint

from app.core.errors import ApiError
from app.core.extensions import db, limiter
from app.credit_codes import codes, live
from app.credit_codes.tokens import InvalidToken
from app.resident_web.blueprint import current_resident, private_pages, resident_required
from app.resident_web.dashboard import score_report
from app.resident_web.schemas import (
    CreditCodeSchema,
    MeScoreSchema,
    ScanResultArgs,
    ScanResultSchema,
)
from app.verification.redemptions import result_for_token

blp = Blueprint("me", __name__, url_prefix="/api/v1/me",
                description="The signed-in resident's own data (resident session).")
blp.after_request(private_pages)
code_blp = Blueprint("credit_code", __name__, url_prefix="/api/v1/me/credit-code",
                     description="A signed-in resident's short-lived credit code.")


@blp.route("/score")
class MyScore(MethodView):
    decorators = [resident_required()]

    @blp.response(200, MeScoreSchema)
    @blp.alt_response(401, description="Not signed in as a resident")
    @blp.alt_response(403, description="The resident has not consented to scoring")
    def get(self):
        """My score and tier, dimension totals and every record's contribution."""
        return score_report(current_resident().person_id)


def resident_key():
    return f"resident:{current_user.id}" if current_user.is_authenticated else request.remote_addr


def _signed_in():
    resident = current_resident()
    if resident is None:
        raise ApiError(401, "unauthorized", _("Please sign in first."))
    return resident


@code_blp.route("")
class CreditCode(MethodView):
    decorators = [limiter.limit("12/minute", key_func=resident_key)]

    @code_blp.response(200, CreditCodeSchema)
    @code_blp.alt_response(401, description="Not signed in as a resident")
    @code_blp.alt_response(429, description="Too many codes asked for in a minute")
    def post(self):
        """Issue a fresh 60-second credit code; the QR image at `qr_svg_url` encodes `token`,
        and `numeric_code` stands for the same single-use code."""
        shown = codes.issue_shown_code(_signed_in())
        db.session.commit()  # the first code ever creates the signing key
        return {"token": shown.token, "numeric_code": shown.numeric_code,
                "expires_at": shown.expires_at, "qr_svg_url": qr_svg_url(shown.token)}


def qr_svg_url(token):
    """Where the token's QR image is; the URL holds an opaque handle, never the token."""
    return url_for("credit_code.qr_svg", handle=codes.url_handle(token))


def _own_token(token):
    """Check that the token is genuine and belongs to the signed-in resident (404 otherwise)."""
    resident = _signed_in()
    try:
        checked = codes.check_token(token)
    except InvalidToken:
        checked = None
    if checked is None or checked.resident_id != resident.id:
        raise ApiError(404, "not_found", _("There is no such credit code."))
    return checked


@code_blp.route("/<string:handle>.svg")
@code_blp.alt_response(404, description="Not this resident's code")
def qr_svg(handle):
    """The credit code as an SVG QR code (error correction Q), only for its own resident."""
    try:
        token = codes.token_of_handle(handle)
    except InvalidToken:
        raise ApiError(404, "not_found", _("There is no such credit code.")) from None
    _own_token(token)
    return Response(codes.qr_svg(token), mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, no-store"})


@code_blp.route("/result", methods=["POST"])
@limiter.limit("120/minute", key_func=resident_key)
@code_blp.arguments(ScanResultArgs)
@code_blp.response(200, ScanResultSchema)
@code_blp.alt_response(404, description="Not this resident's code")
@code_blp.alt_response(429, description="Polling too fast")
def scan_result(args):
    """Poll after showing the code: `pending` until a merchant scans it, then the decision.

    Each poll answers at once (no request waits for a scan), and the token travels in the
    body, so it stays out of access logs.
    """
    checked = _own_token(args["token"])
    token_id = checked.claims.token_id_hex
    result = live.latest(token_id) or result_for_token(token_id) or {"status": "pending"}
    result["expires_at"] = datetime.fromtimestamp(checked.claims.expires, timezone.utc)
    return result
