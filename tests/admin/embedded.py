"""The embedded default as `make run` starts it — SQLite, the embedded Redis, demo data, the web
server and a job worker — in a directory of its own, for the console's browser tests."""
import json
import os
import subprocess
import time
from contextlib import contextmanager

import pyotp
import requests

from tests.servers import BIN, ROOT, free_port, signed_in


@contextmanager
def embedded_default(directory):
    """Migrate, load the demo and run `scripts/run.sh`; yield (base URL, demo credentials)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(INSTANCE_PATH=str(directory), FLASK_APP="wsgi.py", BIN=str(BIN),
               PORT=str(free_port()), PASSWORD_HASH_COST="low")
    for command in (["db", "upgrade"], ["demo", "--residents", "120"]):
        subprocess.run([str(BIN / "flask"), *command], cwd=ROOT, env=env, check=True,
                       capture_output=True)
    script = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{env['PORT']}"
    try:
        for _ in range(300):
            try:
                if requests.get(f"{url}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise RuntimeError("the embedded default did not start")
        yield url, json.loads((directory / "demo-credentials.json").read_text())
    finally:
        script.terminate()
        try:
            script.wait(30)
        except subprocess.TimeoutExpired:
            script.kill()
            script.wait()


def verify_some_codes(url, creds, residents=6):
    """Demo residents show credit codes and demo merchants check them through the API, so the
    dashboard has verifications (granted and denied) and redemptions to count."""
    verified = 0
    for resident in creds["residents"][:residents]:
        session = signed_in(url, resident["phone"], resident["password"])
        for merchant in creds["merchants"][:2]:
            code = session.post(f"{url}/api/v1/me/credit-code", timeout=10,
                                headers={"X-CSRFToken": session.csrf}).json()
            answer = requests.post(f"{url}/api/v1/verifications", timeout=10, json={
                "token": code["token"], "benefit": merchant["benefits"][0]},
                headers={"Authorization": f"Bearer {merchant['api_key']}"})
            assert answer.status_code == 200, answer.text
            verified += 1
    return verified


def sign_in_operator(page, url, admin):
    """Sign in through the console's form with a code from the operator's TOTP secret."""
    page.goto(f"{url}/admin/login")
    page.fill("input[name=username]", admin["username"])
    page.fill("input[name=password]", admin["password"])
    page.fill("input[name=otp]", pyotp.TOTP(admin["totp_secret"]).now())
    page.click("button[type=submit]")
    page.wait_for_selector("nav.a-nav")
