"""Onboarding partners from the console: the institution, its OAuth clients (secret shown
once, rotated, revoked), suspension and the benefits it books online; the partners room writes
each change's audit entry in the operator's name."""
import re

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.crypto import hash_api_key
from app.core.extensions import db
from app.partners import services
from app.partners.models import Partner
from tests.admin.conftest import post
from tests.verification_support import new_credit_code


@pytest.fixture
def operator_client(signed_in):
    return signed_in("operator")


def last_entry(action):
    return db.session.scalar(select(AuditEntry).where(AuditEntry.action == action)
                             .order_by(AuditEntry.id.desc()).limit(1))


def make_partner(operator_client, **overrides):
    data = {"name": "中原银行", "kind": "lender", "credit_code": new_credit_code(),
            "rate_limit": "120/minute", **overrides}
    answer = post(operator_client, "/admin/partners", data)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return db.session.scalar(select(Partner).filter_by(credit_code=data["credit_code"]))


def client_form(**overrides):
    return {"redirect_uris": "https://bank.example/callback\nhttp://127.0.0.1:8000/cb",
            "scopes": ["score", "report"], "purpose": "个人消费贷款审批", "consent_days": "30",
            **overrides}


def test_a_partner_gets_a_client_whose_secret_is_shown_once(app, operator_client):
    partner = make_partner(operator_client)
    actor = operator_client.operator.actor
    assert (partner.kind, partner.active) == ("lender", True)
    assert last_entry("partner.created").actor == actor
    answer = post(operator_client, f"/admin/partners/{partner.id}/clients", client_form())
    assert answer.status_code == 201
    page = answer.get_data(as_text=True)
    client_id = re.search(r'id="new-client-id">([^<]+)<', page).group(1)
    secret = re.search(r'id="new-client-secret">([^<]+)<', page).group(1)
    client = services.find_client(client_id)
    assert client.secret_hash == hash_api_key(secret)
    assert client.scopes == ["score", "report"] and len(client.redirect_uris) == 2
    assert last_entry("partner.client_added").actor == actor
    assert secret not in operator_client.get(f"/admin/partners/{partner.id}").get_data(
        as_text=True)

    answer = post(operator_client, f"/admin/partners/{partner.id}/clients/{client.id}/secret")
    rotated = re.search(r'id="new-client-secret">([^<]+)<', answer.get_data(as_text=True)).group(1)
    assert rotated != secret and client.secret_hash == hash_api_key(rotated)
    assert last_entry("partner.secret_rotated").actor == actor

    answer = post(operator_client, f"/admin/partners/{partner.id}/clients/{client.id}/revoke")
    assert answer.status_code == 303 and services.find_client(client_id) is None
    assert last_entry("partner.client_revoked").actor == actor
    assert post(operator_client, f"/admin/partners/{partner.id}/clients/{client.id}/secret"
                ).status_code == 409


def test_a_partner_is_suspended_and_books_benefits_online(app, operator_client, make_benefit):
    partner = make_partner(operator_client, kind="tourism", name="郑州文旅")
    answer = post(operator_client, f"/admin/partners/{partner.id}/active", {"active": "0"})
    assert answer.status_code == 303 and partner.active is False
    assert last_entry("partner.deactivated").actor == operator_client.operator.actor
    post(operator_client, f"/admin/partners/{partner.id}/active", {"active": "1"})
    assert partner.active is True

    refused = post(operator_client, f"/admin/partners/{partner.id}/clients",
                   client_form(scopes=["booking"]))
    assert refused.status_code == 422  # nothing to book yet
    benefit = make_benefit()
    answer = post(operator_client, f"/admin/partners/{partner.id}/offers",
                  {"benefits": [benefit.code]})
    assert answer.status_code == 303 and partner.merchant_id is not None
    assert last_entry("partner.offers").data["benefits"] == [benefit.code]
    answer = post(operator_client, f"/admin/partners/{partner.id}/clients",
                  client_form(scopes=["booking", "eligibility"]))
    assert answer.status_code == 201


@pytest.mark.parametrize("overrides", [
    {"credit_code": "91410100MA12345678"}, {"kind": "casino"}, {"rate_limit": "lots"},
    {"name": ""}, {"name": "银\u200b行"},
])
def test_a_bad_partner_is_refused(app, operator_client, overrides):
    data = {"name": "中原银行", "kind": "lender", "credit_code": new_credit_code(),
            "rate_limit": "120/minute", **overrides}
    answer = post(operator_client, "/admin/partners", data)
    assert answer.status_code == 422 and 'class="error"' in answer.get_data(as_text=True)


def test_a_partner_is_registered_once(app, operator_client):
    partner = make_partner(operator_client)
    answer = post(operator_client, "/admin/partners", {
        "name": "又一家", "kind": "lender", "credit_code": partner.credit_code,
        "rate_limit": "120/minute"})
    assert answer.status_code == 409


@pytest.mark.parametrize("overrides", [
    {"redirect_uris": "http://bank.example/callback"},
    {"redirect_uris": "https://bank.example/cb#frag"},
    {"redirect_uris": "not a uri"},
    {"redirect_uris": ""},
    {"scopes": []},
    {"scopes": ["everything"]},
    {"purpose": ""},
    {"consent_days": "0"},
    {"consent_days": "366"},
    {"consent_days": "many"},
])
def test_a_bad_client_is_refused(app, operator_client, overrides):
    partner = make_partner(operator_client)
    answer = post(operator_client, f"/admin/partners/{partner.id}/clients",
                  client_form(**overrides))
    assert answer.status_code == 422 and 'class="error"' in answer.get_data(as_text=True)
    assert partner.clients == []


def test_a_client_is_changed_only_through_its_own_partner(app, operator_client):
    first, second = make_partner(operator_client), make_partner(operator_client)
    post(operator_client, f"/admin/partners/{second.id}/clients", client_form())
    client = second.clients[0]
    assert post(operator_client, f"/admin/partners/{first.id}/clients/{client.id}/revoke"
                ).status_code == 404
    assert client.revoked_at is None


def test_an_auditor_reads_partners_without_a_form(app, operator_client, signed_in):
    partner = make_partner(operator_client)
    post(operator_client, f"/admin/partners/{partner.id}/clients", client_form())
    auditor = signed_in("auditor")
    for url, shown in (("/admin/partners", partner.name),
                       (f"/admin/partners/{partner.id}", partner.clients[0].client_id)):
        page = auditor.get(url)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert shown in html
        assert set(re.findall(r'<form method="post" action="([^"]*)"', html)) == {"/admin/logout"}


def _digits_only_credit_code():
    """A valid unified social credit code of digits alone, as many real ones are."""
    from stdnum.cn import uscc

    for serial in range(100_000_000, 100_001_000):
        body = f"91410100{serial}"
        if uscc.calc_check_digit(body).isdigit():
            return body + uscc.calc_check_digit(body)
    raise AssertionError("no digits-only code in range")


def test_a_partner_whose_credit_code_is_all_digits_is_registered_and_found(app, operator_client):
    code = _digits_only_credit_code()
    partner = make_partner(operator_client, credit_code=code)
    assert partner is not None and services.find_partner(code) == partner
    assert services.find_partner(str(partner.id)) == partner
    # the same code again is a friendly 409, not a look-up by id
    again = post(operator_client, "/admin/partners", {"name": "另一家", "kind": "lender",
                                                      "credit_code": code,
                                                      "rate_limit": "120/minute"})
    assert again.status_code == 409
