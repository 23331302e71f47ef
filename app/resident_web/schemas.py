"""Serialising the resident's own score, credit code and access log (`/api/v1/me/...`)."""
import marshmallow as ma

from app.resident_web.labels import loc


class MyTierSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.Function(loc, required=True)


class MyDimensionSchema(ma.Schema):
    code = ma.fields.String(required=True, attribute="dimension.code")
    name = ma.fields.Function(lambda total: loc(total.dimension), required=True)
    points = ma.fields.Integer(required=True)


class MyContributionSchema(ma.Schema):
    record_id = ma.fields.Integer(required=True)
    type = ma.fields.String(required=True)
    points = ma.fields.Integer(required=True)
    counted = ma.fields.Boolean(required=True)
    note = ma.fields.String(required=True, metadata={
        "description": "full | ongoing | fading | faded_out | not_yet_effective | capped | "
                       "partly_capped | duplicate | not_in_scheme | revoked | repaired | expired"})


class MeScoreSchema(ma.Schema):
    score = ma.fields.Integer(required=True, attribute="result.score")
    tier = ma.fields.Nested(MyTierSchema, required=True)
    as_of = ma.fields.Date(required=True, attribute="result.as_of")
    scheme_version = ma.fields.String(required=True, attribute="result.scheme_version")
    dimensions = ma.fields.List(ma.fields.Nested(MyDimensionSchema), required=True)
    contributions = ma.fields.List(ma.fields.Nested(MyContributionSchema), required=True,
                                   attribute="result.contributions")


class CreditCodeSchema(ma.Schema):
    token = ma.fields.String(required=True)
    numeric_code = ma.fields.String(required=True, metadata={
        "description": "18 digits standing for the same single-use code, for typing or a "
                       "barcode scanner", "example": "042917365108273645"})
    expires_at = ma.fields.DateTime(required=True)
    qr_svg_url = ma.fields.String(required=True)


class ScanResultArgs(ma.Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(max=200))


class ScanResultSchema(ma.Schema):
    status = ma.fields.String(metadata={"enum": ["pending", "scanned"]})
    decision = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    benefit = ma.fields.Dict(allow_none=True)
    merchant = ma.fields.String(allow_none=True)
    at = ma.fields.String(allow_none=True)
    expires_at = ma.fields.DateTime()



class AccessWhoSchema(ma.Schema):
    kind = ma.fields.String(required=True, metadata={
        "enum": ["partner", "merchant", "operator", "department"]})
    name = ma.fields.String(required=True, metadata={"example": "城市商业银行 信易贷"})


class AccessEntrySchema(ma.Schema):
    at = ma.fields.DateTime(required=True)
    who = ma.fields.Nested(AccessWhoSchema, required=True)
    what = ma.fields.String(required=True, metadata={"example": "您的信用分和等级"})
    purpose = ma.fields.String(required=True, metadata={"example": "信易贷贷款申请"})


class AccessLogSchema(ma.Schema):
    entries = ma.fields.List(ma.fields.Nested(AccessEntrySchema), required=True)


class AccessLogArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000),
                             metadata={"description": "1 for the newest reads, 2 for the next "
                                                      "older ones, …"})
