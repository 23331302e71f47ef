"""A database connection dropped under a verification (a restarted server, a killed backend):
that scan is answered in the one error shape, and the pool replaces the connection, so every
later scan is answered as usual. On PostgreSQL the drop hits the one statement the lean path
runs on the driver's own cursor (`core.db.first_row`)."""

import psycopg
import pytest
import requests

from app.core.extensions import db
from app.credit_codes import codes
from app.verification import services
from tests.verification_support import committed_shop


def _drop(connection, database_url):
    """End the connection as the server would."""
    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        url = database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (driver.info.backend_pid,))
    else:
        driver.close()


@pytest.fixture
def drop_once(monkeypatch, database_url):
    """The next verification's connection is dropped just before its decision."""
    dropped = []
    rules = services.current_rules

    def current_rules():
        if not dropped:
            dropped.append(True)
            _drop(db.session.connection(), database_url)
        return rules()

    monkeypatch.setattr(services, "current_rules", current_rules)
    return dropped


def test_a_dropped_connection_fails_one_scan_and_is_replaced(live_server, drop_once):
    shop_benefit, _merchant, key, resident = committed_shop()
    benefit = shop_benefit.code
    tokens = [codes.issue_credit_code(resident)[0] for _ in range(12)]
    db.session.commit()

    def scan(token):
        return requests.post(f"{live_server}/api/v1/verifications", timeout=30,
                             json={"token": token, "benefit": benefit},
                             headers={"Authorization": f"Bearer {key}"})

    scan(tokens[0])  # the caches of key, offer and rules are warm: the next scan reads the person
    drop_once.clear()
    failed = scan(tokens[1])
    assert drop_once and failed.status_code == 500
    assert failed.json()["error"]["code"] == "internal_error"
    # more scans than the pool holds connections: a dead one left in it would be handed out
    pool_size = db.engine.pool.size() + 1
    answers = [scan(token).json() for token in tokens[2:2 + pool_size]]
    assert [a["decision"] for a in answers] == ["granted"] * pool_size
