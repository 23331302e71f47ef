"""Demo partners: a city commercial bank's 信易贷 product and a 信易游 tourism platform.

Their client ids stay fixed and their secrets stay the same across `flask demo` runs while the
last credentials file still holds the live one.
"""
from sqlalchemy import select

from app.core.crypto import hash_api_key
from app.core.extensions import db
from app.partners import services
from app.partners.models import Partner, PartnerClient

REDIRECT_URI = "http://127.0.0.1:8765/callback"  # where examples/ listens for the code

PARTNERS = [
    dict(name="中原城市商业银行（信易贷）", kind="lender", credit_code="91410100MA3X00080G",
         client_id="xinyidai-bank", scopes=["score", "report"], offers=[],
         purpose="个人信用贷款（信易贷）申请审核", days=30),
    dict(name="河南文旅云游平台", kind="tourism", credit_code="91410100MA3X00090H",
         client_id="xinyiyou-travel", scopes=["eligibility", "booking"],
         offers=["hotel_deposit_free"], purpose="信易游免押金酒店预订", days=30),
]


def demo_partners(previous: list) -> list:
    """Create or refresh the demo partners; return their entries for the credentials file."""
    out = []
    for spec in PARTNERS:
        partner = db.session.scalar(select(Partner).filter_by(credit_code=spec["credit_code"]))
        if partner is None:
            partner = services.create_partner(spec["name"], spec["kind"], spec["credit_code"],
                                              actor="demo")
        if spec["offers"]:
            services.offer_online(partner, spec["offers"], actor="demo")
        client = db.session.scalar(select(PartnerClient).filter_by(client_id=spec["client_id"]))
        if client is None:
            client, secret = services.add_client(
                partner, [REDIRECT_URI], spec["scopes"], spec["purpose"], spec["days"],
                client_id=spec["client_id"], actor="demo")
        else:
            secret = next((e["client_secret"] for e in previous
                           if e.get("client_id") == client.client_id
                           and hash_api_key(e.get("client_secret", "")) == client.secret_hash),
                          None) or services.new_secret(client, actor="demo")
        out.append({"name": partner.name, "kind": partner.kind, "client_id": client.client_id,
                    "client_secret": secret, "redirect_uri": REDIRECT_URI,
                    "scopes": list(client.scopes)})
    return out
