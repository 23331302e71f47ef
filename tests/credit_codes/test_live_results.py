"""Live scan results under gunicorn's sync workers, as production runs: residents following
their codes cannot hold the workers, so the site keeps answering."""
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from app.core.extensions import db
from app.core.passwords import hash_password
from app.residents.services import register_resident
from tests.factories import new_id_number, new_phone
from tests.servers import gunicorn, signed_in

PASSWORD = "Live-pass1"


def test_two_residents_following_their_codes_cannot_take_the_site_down(live_app, database_url,
                                                                        tmp_path):
    phones = [new_phone() for _ in range(2)]
    for phone in phones:
        register_resident(new_id_number(), "赵六", phone, hash_password(PASSWORD), True)
    db.session.commit()
    with gunicorn(live_app, database_url, tmp_path, workers=2) as url:
        sessions = [signed_in(url, phone, PASSWORD) for phone in phones]
        tokens = [s.post(f"{url}/api/v1/me/credit-code", headers={"X-CSRFToken": s.csrf},
                         timeout=10).json()["token"] for s in sessions]

        def follow(session, token):
            """What a page or a script may do to follow a code: the former event stream (which
            held a worker for up to 65 s), then the poll the page makes."""
            stream = session.get(f"{url}/api/v1/me/credit-code/{token}/events", timeout=30)
            poll = session.post(f"{url}/api/v1/me/credit-code/result", json={"token": token},
                                headers={"X-CSRFToken": session.csrf}, timeout=30)
            return stream.status_code, poll.status_code, poll.json()["status"]

        with ThreadPoolExecutor(max_workers=2) as pool:
            following = [pool.submit(follow, s, t) for s, t in zip(sessions, tokens)]
            time.sleep(0.5)  # both residents are on the workers now
            health = requests.get(f"{url}/healthz", timeout=10)
            answers = [f.result(timeout=60) for f in following]
    assert health.status_code == 200
    assert answers == [(404, 200, "pending")] * 2
