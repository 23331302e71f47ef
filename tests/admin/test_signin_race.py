"""Two sign-ins racing with one TOTP code: the conditional UPDATE of the last step used lets
exactly one of them in, on a live server with real commits."""
import re
import threading
import uuid

import requests

from app.admin import accounts
from app.core.extensions import db
from tests.admin.conftest import PASSWORD, totp_code


def ready_session(live_server):
    session = requests.Session()
    page = session.get(f"{live_server}/admin/login").text
    return session, re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_one_code_sent_twice_at_once_signs_in_once(live_app, live_server):
    operator = accounts.create_operator(f"race-{uuid.uuid4().hex[:8]}", PASSWORD, "auditor",
                                        enrolled=True)
    db.session.commit()
    code, sessions = totp_code(operator), [ready_session(live_server) for _ in range(4)]
    barrier, statuses = threading.Barrier(len(sessions)), []

    def sign_in(session, token):
        barrier.wait()
        answer = session.post(f"{live_server}/admin/login", allow_redirects=False, data={
            "username": operator.username, "password": PASSWORD, "otp": code,
            "csrf_token": token})
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=sign_in, args=pair) for pair in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [302, 401, 401, 401]
