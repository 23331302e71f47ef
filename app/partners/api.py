"""The partner API (OAuth 2.0 bearer tokens): score, report, eligibility and online bookings.

Every read of a resident's data logs an entry in their access log with the consent's purpose,
in the read's own transaction. One rate limit per partner covers all these endpoints.
"""
from flask.views import MethodView
from flask_babel import gettext as _
from app.core.api import Blueprint

from app.core.audit import audit
from app.core.errors import ApiError
from app.core.extensions import db, limiter
from app.partners import reads
from app.partners.access import partner_caller, partner_rate_key, partner_rate_limit
from app.partners.schemas import (
    BookingArgs,
    BookingDecisionSchema,
    BookingSchema,
    EligibilityArgs,
    EligibilitySchema,
    BookingOutcomeArgs,
    PartnerReportSchema,
    PartnerScoreSchema,
)
from app.residents.access import (
    WHAT_BOOKING,
    WHAT_ELIGIBILITY,
    WHAT_REPORT,
    WHAT_SCORE,
    log_access,
)
from app.residents.services import open_account
from app.verification import online
from app.verification import redemptions as lifecycle
from app.verification.models import Redemption

blp = Blueprint("partner", __name__, url_prefix="/api/v1/partner",
                description="Partners (banks, tourism platforms) read a consenting resident's "
                            "credit with an OAuth 2.0 access token.")


@blp.after_request
def not_cached(response):
    """A resident's credit must not stay in any cache between the partner and the platform."""
    response.headers["Cache-Control"] = "no-store"
    return response


per_partner = limiter.shared_limit(partner_rate_limit, scope="partner_api",
                                   key_func=partner_rate_key)


def _security(scope):
    return {"security": [{"partnerOAuth": [scope]}]}


def _errors(view):
    view = blp.alt_response(401, description="No, expired, revoked or unknown access token")(view)
    view = blp.alt_response(403, description="The token lacks the scope")(view)
    return blp.alt_response(429, description="Too many requests from this partner")(view)


def _reader(scope, what):
    """The caller with `scope` and its resident's person id; a read of credit data (`what`) is
    logged for the resident and audited. A partner's own bookings are not credit data."""
    caller = partner_caller(scope)
    resident = open_account(caller.resident_id)
    if resident is None:  # the account closed (its consents end with it)
        raise ApiError(401, "invalid_token",
                       _("The access token is expired, revoked or not known."))
    if what:
        log_access(resident.person_id, "partner", caller.partner.name, what, caller.consent.purpose)
        audit(caller.actor, f"partner.read.{scope}", "partner_consent", caller.consent.id,
              subject_id=resident.person_id)
    return caller, resident.person_id


@blp.route("/score")
class Score(MethodView):
    decorators = [per_partner]

    @blp.doc(**_security("score"))
    @blp.response(200, PartnerScoreSchema)
    @_errors
    def get(self):
        """The resident's score and tier (scope `score`)."""
        _caller, person_id = _reader("score", WHAT_SCORE)
        body = reads.standing(person_id).as_score()
        db.session.commit()
        return body


@blp.route("/report")
class Report(MethodView):
    decorators = [per_partner]

    @blp.doc(**_security("report"))
    @blp.response(200, PartnerReportSchema)
    @_errors
    def get(self):
        """The explained report for a loan review (scope `report`): score and tier, dimensions,
        what raised and lowered the score, and the active negative records."""
        _caller, person_id = _reader("report", WHAT_REPORT)
        body = reads.report(person_id)
        db.session.commit()
        return body


@blp.route("/eligibility")
class Eligibility(MethodView):
    decorators = [per_partner]

    @blp.doc(**_security("eligibility"))
    @blp.arguments(EligibilityArgs, location="query")
    @blp.response(200, EligibilitySchema)
    @blp.alt_response(404, description="No benefit with this code")
    @blp.alt_response(422, description="No or malformed benefit code")
    @_errors
    def get(self, args):
        """Whether the resident may use a benefit now (scope `eligibility`); the reason is the
        counter's: `not_eligible`, `limit_reached` or `not_offered`."""
        benefit = reads.find_benefit(args["benefit"])
        if benefit is None:
            partner_caller("eligibility")  # 401 / 403 before saying what exists
            raise ApiError(404, "unknown_benefit", _("There is no benefit with this code."),
                           {"benefit": args["benefit"]})
        _caller, person_id = _reader("eligibility", WHAT_ELIGIBILITY)
        body = reads.eligibility_of(person_id, benefit)
        db.session.commit()
        return body


@blp.route("/bookings")
class Bookings(MethodView):
    decorators = [per_partner]

    @blp.doc(**_security("booking"))
    @blp.arguments(BookingArgs)
    @blp.response(200, BookingDecisionSchema)
    @blp.alt_response(409, description="The reference was used for another booking")
    @blp.alt_response(415, description="Body is not JSON")
    @blp.alt_response(422, description="Unknown benefit or malformed input")
    @_errors
    def post(self, args):
        """Book a benefit the partner offers online (e.g. a deposit-free hotel stay) for the
        resident (scope `booking`): `granted` with the booking, or `denied` with the counter's
        reason. The same `reference` again returns the same booking."""
        caller, _person_id = _reader("booking", WHAT_BOOKING)
        if caller.partner.merchant_id is None:
            raise ApiError(403, "not_an_offering_party",
                           _("This partner offers no benefit online."))
        booking = online.reserve(caller, caller.resident_id, args["benefit"], args["reference"])
        db.session.commit()
        return {"decision": "granted" if booking.reason is None else "denied",
                "reason": booking.reason,
                "benefit": {"code": booking.benefit.code, "name": reads.named(booking.benefit)},
                "booking": booking.redemption}


def _own_booking(caller, person_id, booking_id) -> Redemption:
    """A booking of this partner for this token's resident; any other looks missing."""
    booking = db.session.get(Redemption, booking_id)
    if (booking is None or caller.partner.merchant_id is None
            or booking.merchant_id != caller.partner.merchant_id
            or booking.person_id != person_id):
        raise ApiError(404, "not_found", _("There is no such booking."))
    return booking


@blp.route("/bookings/<id:booking_id>")
class Booking(MethodView):
    decorators = [per_partner]

    @blp.doc(**_security("booking"))
    @blp.response(200, BookingSchema)
    @blp.alt_response(404, description="No such booking of this partner for this resident")
    @_errors
    def get(self, booking_id):
        """One of the partner's bookings for the resident (scope `booking`)."""
        caller, person_id = _reader("booking", None)
        return _own_booking(caller, person_id, booking_id)


@blp.route("/bookings/<id:booking_id>/<any(complete, default, cancel):action>",
           methods=["POST"])
@per_partner
@blp.doc(**_security("booking"))
@blp.arguments(BookingOutcomeArgs, required=False)
@blp.response(200, BookingSchema)
@blp.alt_response(404, description="No such booking of this partner for this resident")
@blp.alt_response(409, description="The booking already has another outcome")
@blp.alt_response(415, description="Body is not JSON")
@_errors
def report_outcome(args, booking_id, action):
    """Report how the booking ended, as a merchant does at the counter: `complete`, `default`
    (recorded after the grace period) or `cancel` (scope `booking`)."""
    caller, person_id = _reader("booking", None)
    booking = _own_booking(caller, person_id, booking_id)
    changed = lifecycle.report(caller, booking, action, (args or {}).get("note", ""))
    db.session.commit()
    if action == "default" and changed:
        lifecycle.tell_resident_of_default(booking)
    return booking
