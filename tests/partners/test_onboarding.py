"""Onboarding partners: services, the `flask partners` commands and the demo partners."""
import pytest
from sqlalchemy import select

from app.benefits.models import Benefit
from app.core.extensions import db
from app.demo import benefits as demo_benefits
from app.demo.partners import PARTNERS, demo_partners
from app.partners import services
from app.partners.models import Partner, PartnerClient
from tests.partners.conftest import new_credit_code


def test_create_and_add_client_print_the_secret_once(app, runner):
    code = new_credit_code()
    created = runner.invoke(args=["partners", "create", "--name", "测试城商行", "--kind", "lender",
                                  "--credit-code", code, "--rate-limit", "30/minute"])
    assert created.exit_code == 0, created.output
    partner = db.session.scalar(select(Partner).filter_by(credit_code=code))
    assert partner.kind == "lender" and partner.rate_limit == "30/minute"
    added = runner.invoke(args=["partners", "add-client", code, "--redirect-uri",
                                "https://bank.example/cb", "--scope", "score", "--scope",
                                "report", "--purpose", "贷款审批", "--days", "30"])
    assert added.exit_code == 0, added.output
    lines = dict(line.split(None, 1) for line in added.output.splitlines()[:2])
    client = db.session.scalar(select(PartnerClient).filter_by(client_id=lines["client_id"]))
    assert client.check_client_secret(lines["client_secret"])
    assert lines["client_secret"] not in client.secret_hash
    listed = runner.invoke(args=["partners", "list"])
    assert lines["client_id"] in listed.output and lines["client_secret"] not in listed.output


@pytest.mark.parametrize("args, message", [
    (["--kind", "bank", "--credit-code", "91410100MA3X00080G"], "bank"),
    (["--kind", "lender", "--credit-code", "91410100MA3X00080X"], "checksum"),
    (["--kind", "lender", "--credit-code", "91410100MA3X00080G", "--rate-limit", "lots"],
     "rate limit"),
    (["--kind", "tourism", "--credit-code", "91410100MA3X00080G", "--offers", "nope"],
     "unknown benefit"),
])
def test_create_refuses_bad_input(app, runner, args, message):
    result = runner.invoke(args=["partners", "create", "--name", "某机构", *args])
    assert result.exit_code != 0 and message in result.output.lower()
    assert db.session.scalar(select(Partner).filter_by(name="某机构")) is None


def test_add_client_refuses_bad_input(app):
    partner = services.create_partner("某银行", "lender", new_credit_code())
    for kwargs in ({"redirect_uris": ["http://bank.example/cb"]},  # plain http off loopback
                   {"redirect_uris": ["https://bank.example/cb#x"]},
                   {"scopes": ["everything"]},
                   {"scopes": ["booking"]},  # it offers nothing online
                   {"purpose": ""}, {"consent_days": 0}):
        args = {"redirect_uris": ["https://bank.example/cb"], "scopes": ["score"],
                "purpose": "贷款审批", "consent_days": 30, **kwargs}
        with pytest.raises(ValueError):
            services.add_client(partner, **args)


def _hotel_benefit():
    spec = next(b for b in demo_benefits.BENEFITS if b["code"] == "hotel_deposit_free")
    if db.session.scalar(select(Benefit).filter_by(code=spec["code"])) is None:
        db.session.add(Benefit(**spec))
        db.session.flush()


def test_demo_partners_are_stable_across_runs(app):
    _hotel_benefit()
    first = demo_partners([])
    assert [p["kind"] for p in first] == ["lender", "tourism"]
    assert {"name", "kind", "client_id", "client_secret", "redirect_uri", "scopes"} <= set(first[0])
    assert demo_partners(first) == first
    for entry, spec in zip(first, PARTNERS):
        client = db.session.scalar(select(PartnerClient).filter_by(client_id=entry["client_id"]))
        assert client.check_client_secret(entry["client_secret"])
        assert entry["scopes"] == spec["scopes"] and client.redirect_uris == [entry["redirect_uri"]]
    # without the last file's secrets a run issues new ones (and the old stop working)
    fresh = demo_partners([])
    assert fresh[0]["client_secret"] != first[0]["client_secret"]
    client = db.session.scalar(select(PartnerClient).filter_by(client_id=fresh[0]["client_id"]))
    assert not client.check_client_secret(first[0]["client_secret"])
    tourism = db.session.scalar(select(Partner).filter_by(kind="tourism",
                                                          credit_code=PARTNERS[1]["credit_code"]))
    assert [b.code for b in tourism_merchant_benefits(tourism)] == ["hotel_deposit_free"]


def tourism_merchant_benefits(partner):
    from app.merchants.models import Merchant

    return db.session.get(Merchant, partner.merchant_id).benefits
