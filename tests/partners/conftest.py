"""Partners, clients and the OAuth dance through the test client."""
import base64
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from stdnum.cn import uscc

from app.core.extensions import db
from app.partners import services
from app.records.services import ingest
from tests.factories import issuer_for, record_payload
from tests.resident_support import add_benefit, form_token, sign_in

REDIRECT_URI = "https://partner.example/callback"


def new_credit_code() -> str:
    body = f"91410100MA{uuid.uuid4().hex[:7].upper()}"
    body = "".join(c if c not in "IOSVZ" else "A" for c in body)
    return body + uscc.calc_check_digit(body)


def deliver(id_number, name, records):
    """Records about a person for tests that commit (`make_resident` serves the others)."""
    # each type from the department the catalogue names as its issuer
    for rtype, days in records:
        outcome, = ingest(issuer_for(rtype), [record_payload(id_number, name, rtype, days)])
        assert outcome.status == "accepted", outcome.errors


@dataclass
class Client:
    partner: object
    client: object
    client_id: str
    secret: str
    redirect_uri: str = REDIRECT_URI


def make_client(kind="lender", scopes=("score", "report"), offers=(), rate_limit="120/minute",
                days=30, name=None):
    partner = services.create_partner(name or f"测试银行{uuid.uuid4().hex[:6]}", kind,
                                      new_credit_code(), rate_limit)
    if offers:
        services.offer_online(partner, list(offers))
    client, secret = services.add_client(partner, [REDIRECT_URI], list(scopes),
                                         "个人信用贷款（信易贷）申请审核", days)
    db.session.flush()
    return Client(partner, client, client.client_id, secret)


@pytest.fixture
def lender(app):
    return make_client()


@pytest.fixture
def tourism(app):
    benefit = add_benefit(scene="信易游", name="酒店免押金入住", name_en="Hotel without deposit",
                          min_tier="good", limit_count=2, limit_period="month")
    made = make_client("tourism", ("eligibility", "booking"), offers=[benefit.code],
                       name=f"测试文旅{uuid.uuid4().hex[:6]}")
    made.benefit = benefit
    return made


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_path(made, scope, challenge, state="st-1", **extra):
    params = {"response_type": "code", "client_id": made.client_id,
              "redirect_uri": made.redirect_uri, "scope": scope, "state": state,
              "code_challenge": challenge, "code_challenge_method": "S256", **extra}
    return "/oauth/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})


def query_of(location):
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def decide(web, path, decision="approve"):
    """Post the consent page's form; return the redirect's query."""
    response = web.post(path, data={"csrf_token": form_token(web, path), "decision": decision})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"], query_of(response.headers["Location"])


def basic(made):
    raw = f"{made.client_id}:{made.secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def exchange(api, made, code, verifier):
    return api.post("/oauth/token", headers=basic(made), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": made.redirect_uri,
        "code_verifier": verifier})


def tokens_for(app, resident, made, scope="score report"):
    """Sign the resident in, approve, exchange: the token response as JSON."""
    web = app.test_client()
    sign_in(web, resident)
    verifier, challenge = pkce()
    _location, query = decide(web, authorize_path(made, scope, challenge))
    response = exchange(app.test_client(), made, query["code"], verifier)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# a form's CSRF token in a page's HTML (for tests that post the consent form over HTTP)
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
