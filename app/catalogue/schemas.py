import marshmallow as ma


class DimensionSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    name_en = ma.fields.String()
    floor = ma.fields.Integer()
    cap = ma.fields.Integer()


class TierSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    name_en = ma.fields.String()
    min_score = ma.fields.Integer()


class RecordTypeSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    name_en = ma.fields.String()
    description = ma.fields.String()
    dimension = ma.fields.String()
    polarity = ma.fields.String()
    severity = ma.fields.String(allow_none=True)
    points = ma.fields.Integer()
    full_days = ma.fields.Integer()
    fade_days = ma.fields.Integer()
    cap_per_year = ma.fields.Integer(allow_none=True)
    unit_attribute = ma.fields.String(allow_none=True)
    unit_size = ma.fields.Integer()
    legal_basis = ma.fields.String()


class CatalogueSchema(ma.Schema):
    scheme_version = ma.fields.String()
    dimensions = ma.fields.List(ma.fields.Nested(DimensionSchema))
    tiers = ma.fields.List(ma.fields.Nested(TierSchema))
    record_types = ma.fields.List(ma.fields.Nested(RecordTypeSchema))
