"""Staff sign-in: password guessing is slowed per address, and signing out ends the session
on the server."""
from app.core import signin_guard
from app.core.redis import get_redis
from app.merchants.services import staff_phone_index
from tests.verification_support import csrf_token

DELAYED = "此设备输错密码次数过多"


def _sign_in(client, address, phone, password):
    return client.post("/merchant/login", data={
        "phone": phone, "password": password, "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": address})


def test_fifty_guesses_from_five_addresses_delay_them_but_not_the_staff(app, client,
                                                                        make_merchant):
    staff = make_merchant().plain_staff
    attackers = [f"203.0.113.{n}" for n in range(1, 6)]
    for address in attackers:
        answers = [_sign_in(client, address, staff.plain_phone, f"guess-{k}") for k in range(10)]
        assert [a.status_code for a in answers] == [401] * 5 + [429] * 5
        assert DELAYED in answers[-1].get_data(as_text=True)
        assert int(answers[-1].headers["Retry-After"]) in (59, 60)
    # the staff member, at the counter, signs in
    assert _sign_in(app.test_client(), "198.51.100.20", staff.plain_phone,
                    staff.plain_password).status_code == 302
    # the attacking addresses are still held up (the rate limit now refuses them anyway)
    account = f"staff:{staff_phone_index(staff.plain_phone)}"
    assert all(signin_guard.wait_seconds(account, address) > 0 for address in attackers)


def test_counts_survive_a_redis_flush(app, client, make_merchant):
    staff = make_merchant().plain_staff
    for _ in range(5):
        _sign_in(client, "203.0.113.1", staff.plain_phone, "wrong")
    get_redis().flushdb()  # the whole of the app's Redis data
    assert _sign_in(client, "203.0.113.1", staff.plain_phone,
                    staff.plain_password).status_code == 429


def test_a_right_password_clears_the_count(app, client, make_merchant):
    staff = make_merchant().plain_staff
    for _ in range(4):
        _sign_in(client, "203.0.113.1", staff.plain_phone, "wrong")
    assert _sign_in(client, "203.0.113.1", staff.plain_phone,
                    staff.plain_password).status_code == 302
    other = app.test_client()
    statuses = [_sign_in(other, "203.0.113.1", staff.plain_phone, "wrong").status_code
                for _ in range(5)]
    assert statuses == [401] * 5


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, client, make_merchant):
    staff = make_merchant().plain_staff
    assert _sign_in(client, "198.51.100.20", staff.plain_phone,
                    staff.plain_password).status_code == 302
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/merchant/").status_code == 200  # the copy works while the session lives
    client.post("/merchant/logout", data={"csrf_token": csrf_token(client)})
    refused = thief.get("/merchant/")
    assert refused.status_code == 302 and "/merchant/login" in refused.headers["Location"]
