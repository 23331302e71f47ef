"""A throw-away application server for the benchmarks: the environment and gunicorn on loopback."""
import base64
import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def bench_env(database_url, redis_url, instance_path, **extra):
    """The environment of a benchmark's seeding code and server (fresh keys, cheap hashing)."""
    return {
        **os.environ,
        "APP_ENV": "bench",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "FIELD_ENCRYPTION_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "BLIND_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "PASSWORD_HASH_COST": "low",
        "BENCH_INSTANCE": str(instance_path),
        **extra,
    }


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env, workers=4, worker_class="sync", threads=1, preload=False, app="wsgi:app"):
    """Start `app` (a module under the project root or bench/) under gunicorn on a free loopback
    port; return (process, base URL) once it answers /healthz."""
    port = free_port()
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "-k", worker_class, "--threads", str(threads), *(["--preload"] if preload else []),
         "--log-level", "warning", "--pythonpath", str(ROOT / "bench"), app],
        cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if requests.get(f"{base}/healthz", timeout=5).ok:
                break
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.5)
    return process, base


def stop(process):
    if process is None:
        return
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
