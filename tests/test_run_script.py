"""`make run`'s script: web server and job worker start together and stop together, with the
embedded Redis, on Ctrl-C or SIGTERM."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.servers import BIN, ROOT, free_port


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_web_worker_and_embedded_redis_stop_together(tmp_path, stop_signal):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(INSTANCE_PATH=str(tmp_path), FLASK_APP="wsgi.py", BIN=str(BIN),
               PORT=str(free_port()))
    subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    script = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = []
    try:
        url = f"http://127.0.0.1:{env['PORT']}/healthz"

        def healthy():
            try:
                return requests.get(url, timeout=1).ok
            except requests.RequestException:
                return False

        assert wait_for(healthy)
        settings = json.loads((tmp_path / "redis.db.settings").read_text())
        redis_pid = int(Path(settings["pidfile"]).read_text())

        def children():
            return subprocess.run(["pgrep", "-P", str(script.pid)], capture_output=True,
                                  text=True).stdout.split()

        # the worker starts once the web server answers
        assert wait_for(lambda: len(children()) == 2) and alive(redis_pid)
        started.extend(children())

        script.send_signal(stop_signal)
        script.wait(30)
        assert wait_for(lambda: not alive(redis_pid), 10)
        assert not any(alive(int(pid)) for pid in started)
    finally:  # a failed test leaves nothing running
        for pid in [script.pid, *map(int, started)]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
