"""One resident can never see another's score, records or credit code (every resident URL)."""
import re

import pytest

from app.core.crypto import mask_phone
from app.credit_codes import codes
from tests.resident_support import page_token, sign_in
from tests.verification_support import login, new_credit_code

PAGES = ["/", "/records", "/score/explained", "/benefits", "/credit-code", "/account",
         "/access-log", "/account/password", "/api/v1/me/score", "/api/v1/me/access-log"]


@pytest.fixture
def two(make_resident):
    """Alice (blood donation, 105) and Bob (a penalty and a traffic fine, 93): no type shared."""
    alice = make_resident(records=[("blood_donation", 3)], name="张三")
    bob = make_resident(records=[("traffic_violation", 4), ("admin_penalty_minor", 6)], name="李四")
    return alice, bob


def _own_markers(resident):
    return {mask_phone(resident.plain_phone), resident.plain_id[-4:]}


@pytest.mark.parametrize("url", PAGES)
def test_a_resident_sees_only_their_own_data(app, two, url):
    alice, bob = two
    client = app.test_client()
    sign_in(client, alice)
    response = client.get(url)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for marker in ("道路交通违法受到罚款", "一般失信行政处罚", "traffic_violation", "admin_penalty_minor",
                   mask_phone(bob.plain_phone)):
        assert marker not in body, (url, marker)
    if url == "/api/v1/me/score":
        data = response.get_json()
        assert data["score"] == 105
        assert {c["type"] for c in data["contributions"]} == {"blood_donation"}
    if url == "/records":
        assert "无偿献血" in body
    if url == "/":
        assert 'data-testid="score">105<' in body
    if url == "/account":
        assert mask_phone(alice.plain_phone) in body
    if url == "/credit-code":
        token = re.search(r'data-token="([A-Z2-7]+)"', body).group(1)
        assert codes.check_token(token).resident_id == alice.id


@pytest.mark.parametrize("url", PAGES)
def test_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    if url.startswith("/api/"):
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"
    elif url == "/":
        assert response.status_code == 200 and "data-testid" not in response.get_data(as_text=True)
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def _open_code(client, token, what):
    if what == "qr":
        return client.get(f"/api/v1/me/credit-code/{codes.url_handle(token)}.svg")
    return client.post("/api/v1/me/credit-code/result", json={"token": token},
                       headers={"X-CSRFToken": page_token(client)})


@pytest.mark.parametrize("what", ["qr", "result"])
def test_a_resident_cannot_open_anothers_credit_code(app, two, what):
    alice, bob = two
    bob_client = app.test_client()
    sign_in(bob_client, bob)
    issued = bob_client.post("/api/v1/me/credit-code",
                             headers={"X-CSRFToken": page_token(bob_client)}).get_json()
    assert _open_code(bob_client, issued["token"], what).status_code == 200
    alice_client = app.test_client()
    sign_in(alice_client, alice)
    response = _open_code(alice_client, issued["token"], what)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    own = alice_client.post("/api/v1/me/credit-code",
                            headers={"X-CSRFToken": page_token(alice_client)}).get_json()
    assert codes.check_token(own["token"]).resident_id == alice.id


def test_a_merchant_staff_session_is_not_a_resident(app, two):
    from app.core.passwords import hash_password
    from app.merchants import services as merchant_services

    # a code of its own: the demo's merchants may be in the database (committed browser walks)
    merchant = merchant_services.create_merchant("测试商户", new_credit_code())
    staff = merchant_services.add_staff(merchant, "店员", "13912345678", hash_password("Staff-pass1"))
    client = app.test_client()
    login(client, staff)  # a live staff session, recorded on the server
    assert client.get("/merchant/").status_code == 200
    assert client.get("/records").status_code == 302
    assert client.get("/api/v1/me/score").status_code == 401


@pytest.mark.parametrize("path", ["/", "/records", "/benefits", "/account"])
def test_every_signed_in_page_carries_the_csrf_token_for_api_calls(client, make_resident, path):
    """DESIGN §10: cookie-authenticated API calls read the token from any signed-in page."""
    sign_in(client, make_resident())
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
    response = client.post("/api/v1/me/credit-code", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and "numeric_code" in response.get_json()


def test_signed_out_pages_carry_no_csrf_meta(client):
    assert 'name="csrf-token"' not in client.get("/login").get_data(as_text=True)
