"""Request and response shapes of the partner API (DESIGN §10 "Partners")."""
import marshmallow as ma

from app.core.validation import NO_CONTROL, PLAIN_TEXT
from app.verification.schemas import BenefitRefSchema
from app.verification.services import benefit_name


class PartnerTierSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "good"})
    name = ma.fields.String(required=True, metadata={"example": "信用良好"})


class PartnerScoreSchema(ma.Schema):
    score = ma.fields.Integer(required=True, metadata={"example": 112})
    tier = ma.fields.Nested(PartnerTierSchema, required=True)
    as_of = ma.fields.Date(required=True, metadata={"example": "2026-11-27"})
    scheme_version = ma.fields.String(required=True, metadata={"example": "2026.1"})


class PartnerDimensionSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "fulfilment"})
    name = ma.fields.String(required=True, metadata={"example": "履约守信"})
    points = ma.fields.Integer(required=True, metadata={"example": 8})


class FactorSchema(ma.Schema):
    direction = ma.fields.String(required=True, metadata={"enum": ["raised", "lowered"]})
    text = ma.fields.String(required=True, metadata={"example": "按期足额纳税（2 条记录）"})
    points = ma.fields.Integer(required=True, metadata={"example": 6})


class NegativeRecordSchema(ma.Schema):
    type = ma.fields.String(required=True, metadata={"example": "utility_arrears"})
    name = ma.fields.String(required=True, metadata={"example": "拖欠水电气费"})
    severity = ma.fields.String(allow_none=True, required=True,
                                metadata={"enum": ["minor", "major", "serious", None]})
    occurred_at = ma.fields.Date(required=True)
    ended_at = ma.fields.Date(allow_none=True, required=True)


class PartnerReportSchema(PartnerScoreSchema):
    dimensions = ma.fields.List(ma.fields.Nested(PartnerDimensionSchema), required=True)
    factors = ma.fields.List(ma.fields.Nested(FactorSchema), required=True, metadata={
        "description": "What raised and lowered the score, by kind of record, largest first"})
    active_negative_records = ma.fields.List(ma.fields.Nested(NegativeRecordSchema),
                                             required=True, metadata={
        "description": "Negative records counting today (never one under approved credit "
                       "repair or past retention)"})


class EligibilityArgs(ma.Schema):
    benefit = ma.fields.String(required=True, validate=[ma.validate.Length(min=1, max=40),
                                                        NO_CONTROL],
                               metadata={"example": "hotel_deposit_free"})


class EligibilitySchema(ma.Schema):
    benefit = ma.fields.Nested(BenefitRefSchema, required=True)
    eligible = ma.fields.Boolean(required=True)
    reason = ma.fields.String(allow_none=True, required=True, metadata={
        "enum": [None, "not_eligible", "limit_reached", "not_offered"]})


class BookingArgs(ma.Schema):
    benefit = ma.fields.String(required=True, validate=[ma.validate.Length(min=1, max=40),
                                                        NO_CONTROL],
                               metadata={"example": "hotel_deposit_free"})
    reference = ma.fields.String(required=True, validate=[ma.validate.Length(min=1, max=64),
                                                          NO_CONTROL],
                                 metadata={"description": "The partner's own booking number; "
                                           "booking the same reference again returns the same "
                                           "booking", "example": "HN20261127-0042"})


class BookedBenefitSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.Function(benefit_name)


class BookingSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={
        "enum": ["granted", "completed", "defaulted", "cancelled"]})
    benefit = ma.fields.Nested(BookedBenefitSchema, required=True)
    granted_at = ma.fields.DateTime(required=True)
    completed_at = ma.fields.DateTime(allow_none=True)
    cancelled_at = ma.fields.DateTime(allow_none=True)
    defaulted_at = ma.fields.DateTime(allow_none=True)
    default_due_at = ma.fields.DateTime(allow_none=True)
    note = ma.fields.String()


class BookingDecisionSchema(ma.Schema):
    decision = ma.fields.String(required=True, metadata={"enum": ["granted", "denied"]})
    reason = ma.fields.String(allow_none=True, required=True, metadata={
        "enum": [None, "not_eligible", "not_offered", "limit_reached"]})
    benefit = ma.fields.Nested(BenefitRefSchema, required=True)
    booking = ma.fields.Nested(BookingSchema, allow_none=True, required=True)


class BookingOutcomeArgs(ma.Schema):
    note = ma.fields.String(load_default="", validate=[ma.validate.Length(max=200), PLAIN_TEXT])
