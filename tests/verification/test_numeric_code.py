"""Verifying by the 18-digit numeric code: the same single-use code as the QR token."""
from sqlalchemy import func, select, update

from app.core.extensions import db
from app.core.crypto import blind_index
from app.credit_codes import codes, numeric
from app.credit_codes.models import NumericCode
from app.verification.models import Redemption
from tests.verification_support import issue_expired, verify


def _blocks(digits):
    return f"{digits[:6]} {digits[6:12]}-{digits[12:]}"


def test_a_numeric_code_is_granted_once_and_only_once(app, client, make_resident, make_merchant):
    resident, merchant = make_resident(name="张三"), make_merchant()
    benefit = merchant.benefits[0]
    shown = codes.issue_shown_code(resident)
    first = verify(client, merchant, _blocks(shown.numeric_code), benefit).get_json()
    assert first["decision"] == "granted" and first["resident"] == {"masked_name": "张*"}
    again = verify(client, merchant, shown.numeric_code, benefit).get_json()
    assert (again["decision"], again["reason"]) == ("denied", "already_used")


def test_the_qr_and_the_number_of_one_code_cannot_both_be_redeemed(app, client, make_resident,
                                                                    make_merchant):
    resident, merchant = make_resident(), make_merchant()
    benefit = merchant.benefits[0]
    for first, second in (("token", "numeric_code"), ("numeric_code", "token")):
        shown = codes.issue_shown_code(resident)
        assert verify(client, merchant, getattr(shown, first), benefit).get_json()["decision"] == "granted"
        body = verify(client, merchant, getattr(shown, second), benefit).get_json()
        assert (body["decision"], body["reason"]) == ("denied", "already_used")
    assert db.session.scalar(select(func.count(Redemption.id))
                             .where(Redemption.person_id == resident.person_id)) == 2


def test_a_numeric_code_expires_with_its_token(app, client, make_resident, make_merchant):
    resident, merchant = make_resident(), make_merchant()
    shown = codes.issue_shown_code(resident)
    expired = issue_expired(resident)
    db.session.execute(update(NumericCode).values(token=expired).where(
        NumericCode.digest == blind_index(shown.numeric_code, numeric._CONTEXT)))
    body = verify(client, merchant, shown.numeric_code, merchant.benefits[0]).get_json()
    assert (body["decision"], body["reason"]) == ("denied", "expired")


def test_an_unknown_number_is_invalid(app, client, make_resident, make_merchant):
    merchant = make_merchant()
    codes.issue_shown_code(make_resident())
    for guess in ("000000000000000000", "123456 789012 345678"):
        body = verify(client, merchant, guess, merchant.benefits[0]).get_json()
        assert (body["decision"], body["reason"]) == ("denied", "invalid")


def test_verifying_a_number_costs_one_extra_read(app, client, make_resident, make_merchant,
                                                 count_queries):
    resident, merchant = make_resident(), make_merchant()
    benefit = merchant.benefits[0]
    verify(client, merchant, codes.issue_shown_code(resident).token, benefit)  # warm the caches
    by_token, by_number = codes.issue_shown_code(resident), codes.issue_shown_code(resident)
    with count_queries() as token_queries:
        verify(client, merchant, by_token.token, benefit)
    with count_queries() as number_queries:
        verify(client, merchant, by_number.numeric_code, benefit)
    assert len(number_queries) == len(token_queries) + 1


def test_the_spec_says_the_token_may_be_the_numeric_code(app, client):
    spec = client.get("/api/openapi.json").get_json()
    token = spec["components"]["schemas"]["VerificationArgs"]["properties"]["token"]
    assert "18-digit numeric code" in token["description"]
