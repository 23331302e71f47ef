"""examples/partner_client.py against a running platform, end to end: the resident approves
through the real consent form, and the example's own functions (and its command line) exchange
the code with PKCE, read, refresh and revoke — so the example cannot rot."""
import importlib.util
import json
import re
import secrets
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from app.core.extensions import db
from app.core.passwords import hash_password
from app.residents.access import access_log
from app.residents.services import close_account, find_resident_by_phone, register_resident
from tests.factories import new_id_number, new_phone
from tests.partners.conftest import CSRF, make_client
from tests.resident_support import add_benefit
from tests.servers import free_port, signed_in

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("partner_client",
                                               ROOT / "examples" / "partner_client.py")
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)


def approve_in_session(session, url):
    """A signed-in resident's requests.Session opens the consent URL and approves: the address
    the resident's browser is then sent to."""
    page = session.get(url, timeout=10)
    assert page.status_code == 200, page.text
    answer = session.post(url, timeout=10, allow_redirects=False, data={
        "csrf_token": CSRF.search(page.text).group(1), "decision": "approve"})
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


@pytest.fixture
def demo(live_app, tmp_path):
    """A bank, a travel platform and a resident, committed, with a credentials file in the
    demo's shape; the resident's account is closed afterwards."""
    bank = make_client("lender", ["score", "report"])
    travel = make_client("tourism", ["eligibility"], name=f"测试文旅{uuid.uuid4().hex[:6]}")
    phone = new_phone()
    resident = register_resident(new_id_number(), "赵六", phone, hash_password("Demo-pass1"), True)
    hotel = add_benefit(scene="信易游", name="酒店免押金入住", min_tier="fair")
    db.session.commit()
    credentials = tmp_path / "demo-credentials.json"
    credentials.write_text(json.dumps({"partners": [
        {"name": made.partner.name, "kind": made.partner.kind, "client_id": made.client_id,
         "client_secret": made.secret, "redirect_uri": made.redirect_uri,
         "scopes": list(made.client.scopes)} for made in (bank, travel)]}, ensure_ascii=False))
    yield {"credentials": credentials, "phone": phone, "person_id": resident.person_id,
           "bank": bank.partner.name, "hotel": hotel.code}
    db.session.rollback()
    close_account(find_resident_by_phone(phone))
    db.session.commit()


def test_the_bank_reads_score_and_report_refreshes_and_revokes(live_server, demo):
    partner = example.load_partner(demo["credentials"], "lender")
    verifier, challenge = example.pkce_pair()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,128}", verifier)
    state = secrets.token_urlsafe(16)
    url = example.authorize_url(live_server, partner, state, challenge)

    resident = signed_in(live_server, demo["phone"], "Demo-pass1")
    redirected = approve_in_session(resident, url)
    code = example.code_from(redirected, state)
    with pytest.raises(example.PartnerApiError):
        example.code_from(redirected, "another state")

    token = example.exchange_code(live_server, partner, code, verifier)
    assert set(token["scope"].split()) == {"score", "report"}
    assert token["token_type"] == "Bearer" and token["expires_in"] > 0

    answers = example.read_credit(live_server, partner, token["access_token"])
    assert set(answers) == {"score", "report"}
    assert answers["score"]["tier"]["code"] and isinstance(answers["score"]["score"], int)
    assert answers["report"]["score"] == answers["score"]["score"]
    assert {"dimensions", "factors", "active_negative_records"} <= set(answers["report"])
    logged = [(e.who_kind, e.who_name) for e in access_log(demo["person_id"])]
    assert logged == [("partner", demo["bank"])] * 2

    renewed = example.refresh(live_server, partner, token["refresh_token"])
    assert example.call(live_server, renewed["access_token"], "score") == answers["score"]
    with pytest.raises(example.PartnerApiError):  # a refresh token works once
        example.refresh(live_server, partner, token["refresh_token"])

    example.revoke(live_server, partner, renewed["refresh_token"])
    with pytest.raises(example.PartnerApiError) as revoked:
        example.call(live_server, renewed["access_token"], "score")
    assert (revoked.value.status, revoked.value.code) == (401, "invalid_token")


def _approved_code(live_server, demo, partner, challenge):
    state = secrets.token_urlsafe(16)
    resident = signed_in(live_server, demo["phone"], "Demo-pass1")
    return example.code_from(approve_in_session(
        resident, example.authorize_url(live_server, partner, state, challenge)), state)


def test_a_wrong_verifier_or_a_reused_code_gets_no_token(live_server, demo):
    partner = example.load_partner(demo["credentials"], "lender")
    _verifier, challenge = example.pkce_pair()
    code = _approved_code(live_server, demo, partner, challenge)
    with pytest.raises(example.PartnerApiError) as refused:
        example.exchange_code(live_server, partner, code, example.pkce_pair()[0])
    assert (refused.value.status, refused.value.code) == (400, "invalid_grant")

    verifier, challenge = example.pkce_pair()
    code = _approved_code(live_server, demo, partner, challenge)
    token = example.exchange_code(live_server, partner, code, verifier)
    with pytest.raises(example.PartnerApiError) as reused:
        example.exchange_code(live_server, partner, code, verifier)
    assert reused.value.code == "invalid_grant"
    with pytest.raises(example.PartnerApiError) as stopped:  # what the code gave is revoked
        example.call(live_server, token["access_token"], "score")
    assert stopped.value.status == 401


def test_the_travel_platform_checks_eligibility_and_lacks_the_score(live_server, demo):
    partner = example.load_partner(demo["credentials"], "tourism")
    verifier, challenge = example.pkce_pair()
    code = _approved_code(live_server, demo, partner, challenge)
    token = example.exchange_code(live_server, partner, code, verifier)
    answers = example.read_credit(live_server, partner, token["access_token"],
                                  benefit=demo["hotel"])
    assert set(answers) == {"eligibility"}
    assert answers["eligibility"]["benefit"]["code"] == demo["hotel"]
    assert isinstance(answers["eligibility"]["eligible"], bool)
    with pytest.raises(example.PartnerApiError) as missing:
        example.call(live_server, token["access_token"], "score")
    assert (missing.value.status, missing.value.code) == (403, "insufficient_scope")


def test_the_command_line_in_two_steps(live_server, demo, capsys):
    common = ["--base-url", live_server, "--credentials", str(demo["credentials"])]
    assert example.main([*common, "--url-only"]) == 0
    url = re.search(r"^\s+(http\S+/oauth/authorize\?\S+)$", capsys.readouterr().out, re.M).group(1)
    state = re.search(r"state=([^&]+)", url).group(1)
    resident = signed_in(live_server, demo["phone"], "Demo-pass1")
    code = example.code_from(approve_in_session(resident, url), state)

    assert example.main([*common, "--code", code]) == 0
    out = capsys.readouterr().out
    assert "GET /api/v1/partner/score" in out and "GET /api/v1/partner/report" in out
    assert "Revoked: the next call answers 401 invalid_token" in out
    assert not (demo["credentials"].parent / "partner-client-pending.json").exists()


def test_the_partner_is_found_by_kind_name_or_client_id(demo):
    partner = example.load_partner(demo["credentials"], "lender")
    assert example.load_partner(demo["credentials"], partner["client_id"]) == partner
    with pytest.raises(LookupError):
        example.load_partner(demo["credentials"], f"nobody-{uuid.uuid4().hex}")


def test_the_example_catches_the_browser_on_its_redirect_uri():
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    caught = {}
    listener = threading.Thread(target=lambda: caught.update(
        url=example.wait_for_redirect(redirect_uri, timeout=20)))
    listener.start()
    for _ in range(100):  # until it listens
        try:
            answer = requests.get(f"{redirect_uri}?code=abc&state=s1", timeout=5)
            break
        except requests.ConnectionError:
            time.sleep(0.05)
    listener.join(20)
    assert answer.status_code == 200 and "已完成" in answer.text
    assert example.code_from(caught["url"], "s1") == "abc"
