"""Request and response shapes of the verification and redemption APIs."""
import marshmallow as ma

from app.core.validation import DATE_RANGE, NO_CONTROL, PLAIN_TEXT
from app.verification.services import REASONS, benefit_name


class VerificationArgs(ma.Schema):
    # a typed or scanned code may carry spaces, tabs or a line break; they are dropped later
    token = ma.fields.String(required=True, validate=[ma.validate.Length(min=1, max=400), PLAIN_TEXT],
                             metadata={"description": "The QR code's token, or the 18-digit numeric "
                                                      "code shown under it (spaces and dashes allowed)"})
    benefit = ma.fields.String(required=True,
                               validate=[ma.validate.Length(min=1, max=40), NO_CONTROL])


class BenefitRefSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()


class MaskedResidentSchema(ma.Schema):
    masked_name = ma.fields.String(allow_none=True)


class VerificationSchema(ma.Schema):
    decision = ma.fields.String(required=True, metadata={"enum": ["granted", "denied"]})
    reason = ma.fields.String(allow_none=True, metadata={"enum": list(REASONS)})
    redemption_id = ma.fields.Integer()
    benefit = ma.fields.Nested(BenefitRefSchema)
    resident = ma.fields.Nested(MaskedResidentSchema)


class OutcomeArgs(ma.Schema):
    note = ma.fields.String(load_default="", validate=[ma.validate.Length(max=200), PLAIN_TEXT],
                            metadata={"description": "Required for `default`: what went wrong, "
                                                     "as the resident will read it"})


class RedeemedBenefitSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.Function(benefit_name)


class RedemptionSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()
    benefit = ma.fields.Nested(RedeemedBenefitSchema)
    resident = ma.fields.Nested(MaskedResidentSchema, attribute="person")
    granted_at = ma.fields.DateTime()
    completed_at = ma.fields.DateTime(allow_none=True)
    cancelled_at = ma.fields.DateTime(allow_none=True)
    defaulted_at = ma.fields.DateTime(allow_none=True)
    default_due_at = ma.fields.DateTime(allow_none=True)
    record_id = ma.fields.Integer(allow_none=True)
    note = ma.fields.String()


class RedemptionListSchema(ma.Schema):
    redemptions = ma.fields.List(ma.fields.Nested(RedemptionSchema))


class RedemptionQueryArgs(ma.Schema):
    day = ma.fields.Date(load_default=None, validate=DATE_RANGE)
