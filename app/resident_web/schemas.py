"""Serialising the resident's own score (`GET /api/v1/me/score`)."""
import marshmallow as ma


class MyTierSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class MyDimensionSchema(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
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
    score = ma.fields.Integer(required=True)
    tier = ma.fields.Nested(MyTierSchema, required=True)
    as_of = ma.fields.Date(required=True)
    scheme_version = ma.fields.String(required=True)
    dimensions = ma.fields.List(ma.fields.Nested(MyDimensionSchema), required=True)
    contributions = ma.fields.List(ma.fields.Nested(MyContributionSchema), required=True)
