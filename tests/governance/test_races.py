"""Two verdicts posted at the same moment decide an objection once (a conditional UPDATE)."""
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from app.core.crypto import hash_api_key, new_api_key
from app.core.extensions import db
from app.core.passwords import hash_password
from app.governance import objections
from app.governance.models import Objection
from app.records.models import CreditRecord
from app.records.services import ingest
from app.residents.services import close_account, register_resident
from tests.factories import issuer_for, new_id_number, new_phone, record_payload

RTYPE = "traffic_violation"


def _race(url, key, objection_id):
    start = threading.Barrier(2)

    def send(verdict):
        start.wait()
        return verdict, requests.post(
            f"{url}/api/v1/objections/{objection_id}/verdict", timeout=60,
            json={"verdict": verdict, "reason": "核实"},
            headers={"Authorization": f"Bearer {key}"}).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(send, ["upheld", "rejected"]))


def test_concurrent_verdicts_decide_once(live_server):
    department = issuer_for(RTYPE)
    key = new_api_key("dep")
    department.api_key_hash = hash_api_key(key)  # a key this test knows
    id_number = new_id_number()
    resident = register_resident(id_number, "周八", new_phone(), hash_password("x"), True)
    ids = []
    for _round in range(5):
        outcome, = ingest(department, [record_payload(id_number, "周八", RTYPE, 20)])
        record = db.session.get(CreditRecord, outcome.record_id)
        ids.append((objections.file_objection(resident, "不是我", record_id=record.id).id, record))
    db.session.commit()
    try:
        for objection_id, record in ids:
            statuses = _race(live_server, key, objection_id)
            assert sorted(statuses.values()) == [200, 409], statuses
            winner = next(v for v, status in statuses.items() if status == 200)
            db.session.expire_all()
            assert db.session.get(Objection, objection_id).status == winner
            assert record.status == ("revoked" if winner == "upheld" else "active")
    finally:
        db.session.rollback()
        close_account(db.session.merge(resident))
        db.session.commit()
