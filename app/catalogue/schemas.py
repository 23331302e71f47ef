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
    issuers = ma.fields.List(ma.fields.String(), metadata={
        "description": "Codes of the departments entitled to deliver this type; a delivery by "
                       "any other department is rejected on `type`."})
    retention_days = ma.fields.Integer(allow_none=True, metadata={
        "description": "Negative types: days after the behaviour ended (a one-off event: after "
                       "it happened) until the record is purged; a record already past it is "
                       "rejected at intake. null for positive types."})
    document_required = ma.fields.Boolean(metadata={
        "description": "A record of this type must carry the deciding document's reference "
                       "(决定书文号) in its top-level `document_ref`."})
    repair_after_days = ma.fields.Integer(allow_none=True, metadata={
        "description": "Days after the behaviour ended from which the resident may apply for "
                       "credit repair (信用修复); null: not repairable through the centre."})


class CatalogueSchema(ma.Schema):
    scheme_version = ma.fields.String()
    commitment_text = ma.fields.String(metadata={
        "description": "The credit commitment (信用承诺) a resident signs when applying for repair."})
    dimensions = ma.fields.List(ma.fields.Nested(DimensionSchema))
    tiers = ma.fields.List(ma.fields.Nested(TierSchema))
    record_types = ma.fields.List(ma.fields.Nested(RecordTypeSchema))
