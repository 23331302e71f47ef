import marshmallow as ma


class JwkSchema(ma.Schema):
    kty = ma.fields.String(metadata={"example": "OKP"})
    crv = ma.fields.String(metadata={"example": "Ed25519"})
    kid = ma.fields.String()
    x = ma.fields.String()
    use = ma.fields.String()
    alg = ma.fields.String()


class JwksSchema(ma.Schema):
    keys = ma.fields.List(ma.fields.Nested(JwkSchema))
