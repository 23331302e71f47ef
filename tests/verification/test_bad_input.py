"""Verification and redemption APIs under hostile input: a clear 4xx, never a 500 (issue 11,
item 7)."""
import json

import pytest

from app.core.extensions import db
from app.verification.models import Redemption
from tests.records.test_api import assert_error
from tests.verification_support import bearer, issue, verify


def post_raw(client, merchant, path, text):
    return client.post(path, data=text, content_type="application/json", headers=bearer(merchant))


@pytest.mark.parametrize("field", ["token", "benefit"])
@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800", "\\udfff", "\\u001b", "\\u0085"])
def test_control_characters_and_lone_surrogates_are_422(app, client, make_merchant, make_resident,
                                                        field, bad):
    merchant = make_merchant()
    body = {"token": issue(make_resident()), "benefit": merchant.benefits[0].code}
    body[field] = body[field][:3] + "BAD" + body[field][3:]
    text = json.dumps(body).replace("BAD", bad)
    error = assert_error(post_raw(client, merchant, "/api/v1/verifications", text), 422)
    assert field in error["details"]["fields"]


def test_a_scanned_code_may_end_in_a_line_break(app, client, make_merchant, make_resident):
    merchant = make_merchant()
    token = issue(make_resident())
    response = client.post("/api/v1/verifications", headers=bearer(merchant), json={
        "token": token + "\r\n", "benefit": merchant.benefits[0].code})
    assert response.get_json()["decision"] == "granted"


@pytest.mark.parametrize("path", ["/api/v1/redemptions/99999999999",
                                  "/api/v1/redemptions/2147483648",
                                  "/api/v1/redemptions/0",
                                  "/api/v1/redemptions/" + "9" * 400])
def test_ids_beyond_the_column_are_404(app, client, make_merchant, path):
    merchant = make_merchant()
    assert_error(client.get(path, headers=bearer(merchant)), 404)
    for action in ("complete", "default", "cancel"):
        response = client.post(f"{path}/{action}", json={}, headers=bearer(merchant))
        assert_error(response, 404)


def test_the_largest_id_is_an_ordinary_404(app, client, make_merchant):
    response = client.get("/api/v1/redemptions/2147483647", headers=bearer(make_merchant()))
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31",
                                 "2026-02-30", "x", "\x00"])
def test_days_outside_the_calendar_are_422(app, client, make_merchant, day):
    response = client.get("/api/v1/redemptions", query_string={"day": day},
                          headers=bearer(make_merchant()))
    assert_error(response, 422)


def test_a_day_in_range_lists(app, client, make_merchant):
    response = client.get("/api/v1/redemptions?day=1900-01-01", headers=bearer(make_merchant()))
    assert response.status_code == 200 and response.get_json() == {"redemptions": []}


@pytest.mark.parametrize("note", ["a\\u0000b", "\\ud800", "\\u001b[2J"])
def test_outcome_notes_that_cannot_be_stored_are_422(app, client, make_merchant, make_resident,
                                                     note):
    merchant = make_merchant()
    rid = verify(client, merchant, issue(make_resident()), merchant.benefits[0]).get_json()[
        "redemption_id"]
    response = post_raw(client, merchant, f"/api/v1/redemptions/{rid}/complete",
                        '{"note": "' + note + '"}')
    assert_error(response, 422)
    assert db.session.get(Redemption, rid).status == "granted"
    response = post_raw(client, merchant, f"/api/v1/redemptions/{rid}/complete",
                        '{"note": "returned\\nin good order"}')
    assert response.status_code == 200 and response.get_json()["status"] == "completed"
