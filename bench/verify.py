"""Benchmark credit-code verification against a trivial health endpoint on the same server.

    python bench/verify.py [--connections 32] [--duration 10] [--rounds 3] [--workers N]
        [--worker-class sync|gthread --worker-threads T] [--preload] [--idempotency-keys]

Creates (and drops) its own PostgreSQL database next to DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test) and uses Redis at REDIS_URL (default db 12 on
127.0.0.1:6379). Seeds a merchant, a benefit without limits and residents, signs enough fresh
credit codes for every request, starts gunicorn on loopback (4 sync workers unless told
otherwise) and, in one run, drives both endpoints with wrk at the same concurrency against
that one server: `GET /healthz`, then, in turns for `--rounds` rounds (the machine's speed
drifts from one phase to the next), the floor `POST /api/bench/floor` (only the irreducible
work: parse the body, one Ed25519 verify, one INSERT … ON CONFLICT DO NOTHING and a durable
commit on the same pool; served by bench/floor_wsgi.py, not by the application) and
`POST /api/v1/verifications` with a new token per request (a Lua script; `--idempotency-keys`
adds a fresh key to each, as the merchant kit does). Prints each round's requests/s, p99 and
verification ÷ floor, then the medians of the rounds (target >= 70 %, p99 <= 100 ms at 32)
beside verification ÷ health.
"""
import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from scratch_db import create_database, drop_database
from server import ROOT, bench_env, start_gunicorn, stop

sys.path.insert(0, str(ROOT))

LUA = r"""
local tokens = {}
local counter = 0
local thread_id, threads = 0, 1
local ids = 0
local all_threads = {}

function setup(thread)
  thread:set("id", ids)
  ids = ids + 1
  table.insert(all_threads, thread)
end

function init(args)
  threads = tonumber(args[2])
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  counter = tonumber(args[7]) + id
  benefit = args[3]
  key = args[4]
  idempotency = args[5] == "1"
  path = args[6]
end

function request()
  local token = tokens[(counter % #tokens) + 1]
  counter = counter + threads
  local body = '{"token":"' .. token .. '","benefit":"' .. benefit .. '"}'
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}
  if idempotency then headers["Idempotency-Key"] = "bench-" .. id .. "-" .. counter end
  return wrk.format("POST", path, headers, body)
end

response = function(status, headers, body)
  if status ~= 200 then errors_seen = (errors_seen or 0) + 1 end
end
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint and round")
    # the machine's speed drifts from one phase to the next: the floor and the verification are
    # measured in turns, and the ratio is the median of the rounds'
    parser.add_argument("--rounds", type=int, default=3, help="floor-then-verify rounds")
    # 2 x cores + 1 = 5 sync workers, or gthread workers, verified fewer requests per second here:
    # wrk, PostgreSQL and Redis share the two cores with them
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--worker-threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument("--preload", action="store_true", help="gunicorn --preload")
    parser.add_argument("--idempotency-keys", action="store_true",
                        help="send a fresh Idempotency-Key with every verification, as the merchant kit does")
    parser.add_argument("--residents", type=int, default=500)
    parser.add_argument("--tokens", type=int, default=40_000, help="fresh codes per round")
    parser.add_argument("--database-url",
                        default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12"))
    return parser.parse_args()


def seed(env, args, token_file):
    """Migrate, load the scheme, create a merchant and residents, write fresh tokens to a file."""
    os.environ.update(env)
    from stdnum.cn import ric, uscc

    from app import create_app
    from app.benefits.models import Benefit
    from app.catalogue.services import load_default_scheme
    from app.core.extensions import db
    from app.core.migrations import upgrade
    from app.credit_codes import codes, keys, tokens
    from app.merchants import services as merchant_services
    from app.residents.services import register_resident
    from app.scoring.services import rescore_people

    app = create_app(instance_path=env["BENCH_INSTANCE"])
    with app.app_context():
        upgrade()
        load_default_scheme(app.config["DEFAULT_SCHEME_VERSION"])
        benefit = Benefit(code="bench_benefit", name="压测权益", name_en="Bench benefit",
                          scene="信易租", min_tier="good", deposit_free=True)
        db.session.add(benefit)
        body = "91410100MA3X0BNCH"
        merchant = merchant_services.create_merchant("压测商户", body + uscc.calc_check_digit(body))
        merchant.benefits = [benefit]
        key = merchant_services.issue_api_key(merchant, label="bench")
        residents = []
        for i in range(args.residents):
            id_body = f"4101021990{(i // 28) % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"
            id_number = id_body + ric.calc_check_digit(id_body + "0")
            residents.append(register_resident(id_number, "测试", f"150{i:08d}", "x", consent=True))
        db.session.commit()
        rescore_people([r.person_id for r in residents])  # every resident has a stored score
        db.session.commit()
        codes.issue_credit_code(residents[0])  # creates the signing key
        db.session.commit()
        # the same steps as issue_credit_code, without its per-call key look-up
        signing_key = keys.current_key()
        sign, subject_secret = keys.signer(signing_key), codes._subject_secret()
        expires = int(time.time()) + 1800
        with open(token_file, "w") as out:
            for n in range(args.tokens * args.rounds):
                token_id = secrets.token_bytes(8)
                subject = tokens.mask_subject(subject_secret, residents[n % len(residents)].id, token_id)
                out.write(tokens.encode(signing_key.kid, expires, token_id, subject, sign) + "\n")
        db.engine.dispose()
    return key


def _cpu_seconds(pid):
    """User + system CPU seconds used by a process so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes(server, url, redis_url):
    """{group: pids} of the processes serving the benchmark: gunicorn's workers, the
    database's backends and the Redis server at `redis_url`."""
    redis_port = f":{urlsplit(redis_url).port or 6379}"
    pids = {"workers": [], "PostgreSQL": [], "Redis": []}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = stat.split("(", 1)[1].rsplit(")", 1)
        if int(rest.split()[1]) == server.pid:
            pids["workers"].append(int(entry.name))
        elif name.startswith("redis-server") and redis_port in (entry / "cmdline").read_text():
            pids["Redis"].append(int(entry.name))
    with psycopg.connect(url) as conn:
        pids["PostgreSQL"] = [pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()")]
    return pids


def cpu_per_request(server, url, redis_url, run):
    """Run one wrk phase (`run()` returns its parsed result) and add the CPU milliseconds per
    request that each group of serving processes spent during it."""
    before = {pid: _cpu_seconds(pid)
              for pids in _processes(server, url, redis_url).values() for pid in pids}
    result = run()
    after = _processes(server, url, redis_url)
    result["cpu_ms"] = {
        group: sum(_cpu_seconds(pid) - before.get(pid, 0.0) for pid in pids) * 1000
        / result["requests"] for group, pids in after.items()}
    return result


def wrk(args, url, script=None, script_args=()):
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
           "--timeout", "5s"]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    if script_args:
        cmd += ["--", *script_args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    try:
        return out, parse_wrk(out)
    except (AttributeError, ValueError):
        print(out)
        raise


def _ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def parse_wrk(out):
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"rps": rps, "p50": p50, "p99": p99, "requests": total,
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(0) if errors else ""}


def main():
    args = parse_args()
    name, url = create_database(args.database_url, "bench_verify")
    workdir = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    env = bench_env(url, args.redis_url, workdir / "instance",
                    VERIFICATION_RATE_LIMIT="100000/second",
                    # tokens signed ahead of the run must outlive it (and the server must accept
                    # their expiry)
                    CREDIT_CODE_TTL="1800")
    server = None
    try:
        token_file = workdir / "tokens.txt"
        started = time.perf_counter()
        key = seed(env, args, token_file)
        with psycopg.connect(url) as conn:  # the floor endpoint's table (bench/floor_wsgi.py)
            conn.execute("CREATE TABLE bench_floor (token_id bytea PRIMARY KEY)")
        print(f"seeded {args.residents} residents and {args.tokens} tokens in "
              f"{time.perf_counter() - started:.1f} s (database {name})")
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
        server, base = start_gunicorn(env, args.workers, args.worker_class, args.worker_threads,
                                      args.preload, app="floor_wsgi:app")
        script = workdir / "verify.lua"
        script.write_text(LUA)
        # warm every worker (connections, key caches) without spending the measured tokens
        subprocess.run(["wrk", "-t2", "-c8", "-d2s", f"{base}/healthz"], capture_output=True, check=True)
        _out, health = wrk(args, f"{base}/healthz")
        script_args = (str(token_file), str(args.threads), "bench_benefit", key,
                       "1" if args.idempotency_keys else "0")
        # the floor only records token ids in its own table, so the tokens stay fresh; each
        # round takes codes of its own
        rounds = []
        for number in range(args.rounds):
            offset = str(number * args.tokens)
            floor = cpu_per_request(server, url, args.redis_url, lambda: wrk(
                args, f"{base}/api/bench/floor", str(script),
                (*script_args, "/api/bench/floor", offset))[1])
            verify = cpu_per_request(server, url, args.redis_url, lambda: wrk(
                args, f"{base}/api/v1/verifications", str(script),
                (*script_args, "/api/v1/verifications", offset))[1])
            rounds.append((floor, verify))
        with psycopg.connect(url) as conn:
            granted = conn.execute("SELECT COUNT(*) FROM redemptions").fetchone()[0]
        report(args, health, rounds, granted)
    finally:
        stop(server)
        drop_database(args.database_url, name)


def report(args, health, rounds, granted):
    print(f"\nconcurrency {args.connections}, gunicorn {args.workers} {args.worker_class} workers"
          f" x {args.worker_threads} threads{' preloaded' if args.preload else ''}, "
          f"{args.rounds} rounds of {args.duration} s per endpoint, PostgreSQL + Redis"
          f"{', an Idempotency-Key per verification' if args.idempotency_keys else ''}")
    print(f"health      {health['rps']:9.0f} req/s   p50 {health['p50']:6.1f} ms   "
          f"p99 {health['p99']:6.1f} ms   ({health['requests']} requests, "
          f"{health['non2xx']} non-2xx)")
    for number, (floor, verify) in enumerate(rounds, start=1):
        print(f"round {number}     floor {floor['rps']:6.0f} req/s  p99 {floor['p99']:6.1f} ms   "
              f"verify {verify['rps']:6.0f} req/s  p99 {verify['p99']:6.1f} ms   "
              f"{verify['rps'] / floor['rps']:6.1%} of the floor   (non-2xx "
              f"{floor['non2xx']} / {verify['non2xx']})")
    floors, verifies = [f for f, _v in rounds], [v for _f, v in rounds]
    print(f"verify      {sum(v['requests'] for v in verifies)} requests in all rounds, "
          f"{granted} granted")
    ratios = [v["rps"] / f["rps"] for f, v in rounds]
    print(f"ratio       {statistics.median(ratios):9.1%} of the floor, median of the rounds   "
          f"(target >= 70 %)")
    print(f"p99         {statistics.median(v['p99'] for v in verifies):9.1f} ms, median of the "
          f"rounds (the floor's {statistics.median(f['p99'] for f in floors):.1f} ms; "
          f"target <= 100 ms)")
    print(f"            {statistics.median(v['rps'] for v in verifies) / health['rps']:9.1%} "
          f"of health")
    print("CPU ms per request (floor / verify): " + ", ".join(
        f"{group} {_cpu_ms(floors, group):.2f} / {_cpu_ms(verifies, group):.2f}"
        for group in verifies[0]["cpu_ms"]))
    for verify in verifies:
        if verify["socket_errors"]:
            print("wrk: " + verify["socket_errors"])
        if verify["requests"] > args.tokens:
            print(f"note: {verify['requests'] - args.tokens} requests reused a token "
                  "(answered already_used); raise --tokens")


def _cpu_ms(phases, group):
    """CPU milliseconds per request of `group` over the phases together."""
    return (sum(p["cpu_ms"][group] * p["requests"] for p in phases)
            / sum(p["requests"] for p in phases))


if __name__ == "__main__":
    main()
