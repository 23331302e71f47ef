"""Behind `TRUSTED_PROXIES` load balancers the app sees the real client (rate limits key on it),
and only then does it believe X-Forwarded-For."""
from flask import request

from app import create_app
from tests.conftest import TEST_CONFIG


def _client_address(database_url, instance_path, hops, forwarded_for):
    """The address the app (and so its rate limiter) takes a request through a balancer to be from."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "TRUSTED_PROXIES": hops}, instance_path=instance_path)
    app.add_url_rule("/client-address", "client_address", lambda: request.remote_addr)
    response = app.test_client().get("/client-address", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                                     headers={"X-Forwarded-For": forwarded_for})
    return response.get_data(as_text=True)


def test_behind_a_trusted_proxy_the_client_is_the_address_it_forwards(database_url, instance_path):
    assert _client_address(database_url, instance_path, 1, "203.0.113.9") == "203.0.113.9"


def test_a_client_cannot_spoof_the_address_the_proxy_adds(database_url, instance_path):
    assert _client_address(database_url, instance_path, 1, "192.0.2.1, 203.0.113.9") == "203.0.113.9"
    assert _client_address(database_url, instance_path, 2, "192.0.2.1, 203.0.113.9, 10.0.0.2") == "203.0.113.9"


def test_without_trusted_proxies_forwarded_addresses_are_ignored(database_url, instance_path):
    assert _client_address(database_url, instance_path, 0, "203.0.113.9") == "10.0.0.1"

