"""Rate limits key on the real client behind `TRUSTED_PROXIES` load balancers, and only then."""
from app import create_app
from app.core.redis import get_redis
from tests.conftest import TEST_CONFIG


def _proxied_app(database_url, instance_path, hops):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "TRUSTED_PROXIES": hops}, instance_path=instance_path)
    with app.app_context():
        get_redis().flushdb()
    return app


def _statuses(app, forwarded_for):
    """Anonymous credit-code requests (limited to 12 a minute per address) from the given clients,
    all arriving through one load balancer."""
    client = app.test_client()
    return [client.post("/api/v1/me/credit-code", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                        headers={"X-Forwarded-For": address}).status_code
            for address in forwarded_for]


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(database_url, instance_path):
    app = _proxied_app(database_url, instance_path, 1)
    assert set(_statuses(app, [f"203.0.113.{n}" for n in range(14)])) == {401}


def test_a_client_cannot_spoof_the_address_the_proxy_adds(database_url, instance_path):
    app = _proxied_app(database_url, instance_path, 1)
    statuses = _statuses(app, [f"192.0.2.{n}, 203.0.113.9" for n in range(14)])
    assert statuses[:12] == [401] * 12 and statuses[-1] == 429


def test_without_trusted_proxies_forwarded_addresses_are_ignored(database_url, instance_path):
    app = _proxied_app(database_url, instance_path, 0)
    statuses = _statuses(app, [f"203.0.113.{n}" for n in range(14)])
    assert statuses[:12] == [401] * 12 and statuses[-1] == 429
