"""The 18-digit numeric credit code: issued with the token, stored safely, pruned after expiry."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.core.crypto import blind_index
from app.core.extensions import db
from app.credit_codes import codes, jobs, numeric
from app.credit_codes.models import NumericCode
from app.credit_codes.tokens import InvalidToken
from tests.verification_support import csrf_token, login


def test_resident_api_returns_a_numeric_code_that_stands_for_the_token(app, client, make_resident):
    login(client, make_resident())
    body = client.post("/api/v1/me/credit-code",
                       headers={"X-CSRFToken": csrf_token(client)}).get_json()
    assert re.fullmatch(r"\d{18}", body["numeric_code"])
    assert codes.token_of_typed(body["numeric_code"]) == body["token"]
    row = db.session.get(NumericCode, blind_index(body["numeric_code"], numeric._CONTEXT))
    assert row.expires_at.isoformat() == body["expires_at"].replace("Z", "+00:00")


def test_credit_code_page_shows_the_number_in_blocks_of_six(app, client, make_resident):
    login(client, make_resident())
    page = client.get("/credit-code").get_data(as_text=True)
    shown = re.search(r'id="numeric-code">(\d{6}) (\d{6}) (\d{6})<', page)
    assert shown, page
    assert codes.token_of_typed("".join(shown.groups())) in page


def test_numbers_differ_and_neither_digits_nor_token_are_stored_in_clear(app, make_resident):
    resident = make_resident()
    shown = [codes.issue_shown_code(resident) for _ in range(20)]
    assert len({s.numeric_code for s in shown}) == 20
    stored = db.session.execute(text("SELECT digest, token_enc FROM numeric_codes")).all()
    dump = b"".join(row.digest.encode() + bytes(row.token_enc) for row in stored)
    for s in shown:
        assert s.numeric_code.encode() not in dump and s.token.encode() not in dump


@pytest.mark.parametrize("typed", ["123456 789012 345678", "123456-789012-345678",
                                   " 123456789012345678\n"])
def test_spaces_and_dashes_are_allowed(typed):
    assert numeric.as_numeric(typed) == "123456789012345678"


@pytest.mark.parametrize("typed", ["12345678901234567", "1234567890123456789", "12345678901234567X",
                                   "１２３４５６７８９０１２３４５６７８", "", "1" * 18 + " " * 60])
def test_other_text_is_not_a_numeric_code(typed):
    assert numeric.as_numeric(typed) is None


def test_an_unknown_number_is_an_invalid_token(app):
    with pytest.raises(InvalidToken):
        codes.token_of_typed("000000000000000000")


def test_prune_forgets_numbers_an_hour_after_their_token_expired(app, make_resident):
    resident = make_resident()
    old, fresh = codes.issue_shown_code(resident), codes.issue_shown_code(resident)
    row = db.session.get(NumericCode, blind_index(old.numeric_code, numeric._CONTEXT))
    row.expires_at = old.expires_at - numeric.KEEP_AFTER_EXPIRY - timedelta(minutes=2)
    db.session.flush()
    assert jobs.prune_numeric_codes()["pruned"] >= 1
    assert codes.token_of_typed(fresh.numeric_code) == fresh.token
    with pytest.raises(InvalidToken):
        codes.token_of_typed(old.numeric_code)
