"""Sessions are recorded on the server: signing out ends every copy of a cookie, and a session
ends when unused for a while or after its maximum lifetime."""
import time

from sqlalchemy import func, select, update

from app.core.extensions import db
from app.core.sessions import UserSession
from app.core.time import utcnow
from tests.resident_support import form_token, last_code, page_token, sign_in


def _copy(app, client):
    """Another browser holding a copy of the client's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _sessions_of(resident):
    return db.session.scalar(select(func.count()).select_from(UserSession)
                             .where(UserSession.account == f"resident:{resident.id}"))


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, client, make_resident):
    sign_in(client, make_resident())
    thief = _copy(app, client)
    assert thief.get("/records").status_code == 200  # the copy works while the session lives
    client.post("/logout", data={"csrf_token": page_token(client)})
    assert thief.get("/records").headers["Location"].startswith("/login")
    assert thief.get("/api/v1/me/score").status_code == 401


def test_sign_out_everywhere_and_a_new_password_end_the_recorded_sessions(app, client, sms,
                                                                        make_resident):
    resident = make_resident()
    sign_in(client, resident)
    sign_in(app.test_client(), resident)
    assert _sessions_of(resident) == 2
    client.post("/account/sign-out-everywhere", data={"csrf_token": page_token(client)})
    assert _sessions_of(resident) == 0
    sign_in(client, resident)
    sign_in(app.test_client(), resident)
    token = form_token(client, "/account/password")
    client.post("/account/password/code", data={"csrf_token": token})
    client.post("/account/password", data={
        "code": last_code(sms, resident.plain_phone), "password": "Brand-new-pass1",
        "confirm": "Brand-new-pass1", "csrf_token": token})
    assert _sessions_of(resident) == 1  # only the one that changed it, started again


def test_a_session_unused_for_longer_than_the_idle_limit_ends(app, client, make_resident):
    sign_in(client, make_resident())
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as s:
        s["seen"] = int(time.time()) - idle + 90
    assert client.get("/records").status_code == 200  # still within the limit, and renewed
    with client.session_transaction() as s:
        assert s["seen"] >= int(time.time()) - 5
        s["seen"] = int(time.time()) - idle - 1
    assert client.get("/records").headers["Location"].startswith("/login")


def test_a_session_ends_at_its_maximum_lifetime_however_busy(app, client, make_resident):
    resident = make_resident()
    sign_in(client, resident)
    row = db.session.scalar(select(UserSession).where(
        UserSession.account == f"resident:{resident.id}"))
    lifetime = (row.expires_at - row.created_at).total_seconds()
    assert lifetime == app.config["SESSION_MAX_HOURS"] * 3600
    assert app.permanent_session_lifetime.total_seconds() == lifetime  # the cookie's own limit
    db.session.execute(update(UserSession).values(expires_at=utcnow()))
    assert client.get("/records").headers["Location"].startswith("/login")


def test_a_signed_in_request_looks_its_session_up_once(client, make_resident, count_queries):
    sign_in(client, make_resident())
    client.get("/records")
    with count_queries() as queries:
        client.get("/api/v1/me/score")
    assert sum("user_sessions" in q for q in queries) == 1


def test_the_hourly_job_deletes_expired_sessions_and_forgotten_failures(app, make_resident):
    from datetime import timedelta

    from app.core import sessions, signin_guard
    from app.core.signin_jobs import prune_sign_in_state

    live = sessions.start("resident:1", timedelta(hours=1))
    sessions.start("resident:2", timedelta(seconds=-1))
    signin_guard.record_failure("resident:x", "203.0.113.1")
    signin_guard.record_failure("resident:y", "203.0.113.1")
    db.session.execute(update(signin_guard.SignInFailure)
                       .where(signin_guard.SignInFailure.account == "resident:y")
                       .values(last_failure_at=utcnow() - signin_guard.FORGET_AFTER))
    assert prune_sign_in_state() == {"sessions": 1, "failures": 1}
    assert sessions.is_live(live, "resident:1")
