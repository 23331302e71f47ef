"""Servers a test starts of its own: gunicorn with sync workers (how production runs) for the
test database, and a throw-away Redis a fault test may pause."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import redis
import requests

from app.core.config import SECRET_NAMES

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until(ready, process, what):
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            if ready():
                return
        except (requests.RequestException, redis.RedisError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start")


def _stop(process):
    process.send_signal(signal.SIGCONT)  # a paused process cannot act on SIGTERM
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def redis_server(directory):
    """A Redis server on a free loopback port, persisting nothing; yields (process, url)."""
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(directory)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_until(lambda: redis.Redis.from_url(url, socket_timeout=1).ping(), process, "redis")
        yield process, url
    finally:
        _stop(process)


@contextmanager
def gunicorn(app, database_url, instance_path, workers=2, stderr=None, **env):
    """Serve `wsgi:app` on the test database and the app's Redis (unless `REDIS_URL` is given)
    with `workers` sync workers, their log to `stderr` (a file) if given; yield the base URL."""
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(instance_path),
                   "REDIS_URL": app.config["REDIS_URL"], "PASSWORD_HASH_COST": "low",
                   **{name: app.config[name] for name in SECRET_NAMES}, **env}
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=environment, stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until(lambda: requests.get(f"{url}/healthz", timeout=2).ok, process, "gunicorn")
        yield url
    finally:
        _stop(process)


def signed_in(url, phone, password) -> requests.Session:
    """A browser-like session signed in through the real form, with `.csrf` for JSON calls."""
    session = requests.Session()
    token = _CSRF.search(session.get(f"{url}/login", timeout=10).text).group(1)
    response = session.post(f"{url}/login", timeout=10, allow_redirects=False,
                            data={"phone": phone, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.text
    session.csrf = _CSRF.search(session.get(f"{url}/account", timeout=10).text).group(1)
    return session
