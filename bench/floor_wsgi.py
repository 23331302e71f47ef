"""The verification benchmark's server: the application plus a floor endpoint doing only the
irreducible work of a verification, so the two are measured in the same workers.

`POST /api/bench/floor` parses the JSON body, checks the token's Ed25519 signature and inserts
its id with `ON CONFLICT DO NOTHING`, committed durably on the application's own pool. Only
this module registers it; the application knows nothing of it.
"""
import os

from flask import Blueprint, request

from app import create_app
from app.core.extensions import db
from app.credit_codes import keys, tokens

floor = Blueprint("bench_floor", __name__)


@floor.post("/api/bench/floor")
def floor_verify():
    claims = tokens.decode(request.get_json()["token"])
    valid = keys.signature_valid(claims)
    with db.engine.connect() as connection:  # bench/verify.py creates the table
        inserted = connection.exec_driver_sql(
            "INSERT INTO bench_floor (token_id) VALUES (%(id)s) ON CONFLICT DO NOTHING",
            {"id": claims.token_id}).rowcount
        connection.commit()
    return {"valid": valid, "inserted": bool(inserted)}


app = create_app(instance_path=os.environ.get("INSTANCE_PATH") or None)
app.register_blueprint(floor)
