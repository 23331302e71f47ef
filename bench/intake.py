"""Benchmark record intake (the API and the CLI import) against a raw COPY of the same rows, and
how soon a single delivery shows in the stored score while the API is busy.

    python bench/intake.py [--rows 100000] [--clients 2] [--workers 4] [--rounds 3] [--cli-only]

Creates (and drops) its own PostgreSQL database next to DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test) and uses Redis at REDIS_URL (default db 12 on
127.0.0.1:6379). Compiles the application's bytecode as a deployment would and starts gunicorn
on loopback with the application loaded before the workers fork (no worker is still starting
while the API is timed). Then, in one run: (1) `--clients` clients post the rows in batches of
1,000 to `POST /api/v1/records`, each as its own department, while a sampler (a process of its
own) delivers single records for consenting residents and times each from the request until the
stored score has changed (after one delivery to each worker, so that no worker's first request
is timed); then, in turns for `--rounds` rounds (the machine's speed drifts from one phase to
the next), (2) `flask records import` takes the same rows from a CSV file in its default batches
(the time includes starting the command; the rate without it is shown too) and (3) a raw `COPY`
of the same rows goes into credit_records. `--cli-only` skips the API.
Each method and round has its own source ids, so each really inserts. Prints rows/s of each,
the ratios to COPY's median (targets: API >= 25 % at 2 clients, CLI >= 50 %: the median of the
rounds') and the freshness p50/p95 (target p95 <= 100 ms).
"""
import argparse
import csv
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import requests
from scratch_db import create_database, drop_database
from server import ROOT, bench_env, start_gunicorn, stop

sys.path.insert(0, str(ROOT))

BATCH = 1000
DOCUMENT_REF = "郑测决字〔2026〕1号"  # some types need their deciding document's reference
FRESH_DEPARTMENTS = 8  # the records API allows 120 requests a minute per department


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows per method")
    parser.add_argument("--clients", type=int, default=2, help="concurrent API clients")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    # the machine's speed drifts from one phase to the next: the import and COPY are timed in
    # turns, and the ratio is the median of the rounds'
    parser.add_argument("--rounds", type=int, default=3, help="import-then-COPY rounds")
    parser.add_argument("--cli-only", action="store_true",
                        help="time only the CLI import and COPY (no API, no freshness)")
    parser.add_argument("--people", type=int, default=5000, help="distinct persons in the rows")
    parser.add_argument("--residents", type=int, default=400,
                        help="consenting residents sampled for freshness")
    parser.add_argument("--database-url",
                        default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12"))
    return parser.parse_args()


def id_numbers(count, rng):
    from stdnum.cn import ric

    out = set()
    while len(out) < count:
        body = (f"4101021990{rng.randint(1, 12):02d}"
                f"{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}")  # 410102 exists from 1990 on
        out.add(body + ric.calc_check_digit(body + "0"))  # it ignores the last digit
    return sorted(out)


def seed(env, args, rng):
    """Migrate, load the scheme, create the departments and the sampled residents."""
    os.environ.update(env)
    from app import create_app
    from app.catalogue.services import SCHEMES_DIR, current_scheme, publish_scheme, read_scheme_file
    from app.core.extensions import db
    from app.core.migrations import upgrade
    from app.departments.services import create_department
    from app.residents.services import register_resident
    from app.scoring.services import rescore_people

    app = create_app(instance_path=env["BENCH_INSTANCE"])
    with app.app_context():
        upgrade()
        codes = ["cli", "copy"] + [f"api{i}" for i in range(args.clients)] + \
            [f"fresh{i}" for i in range(FRESH_DEPARTMENTS)]
        # the default scheme, with the benchmark's departments among the issuers of every type
        data = read_scheme_file(SCHEMES_DIR / f"{app.config['DEFAULT_SCHEME_VERSION']}.toml")
        data["version"] += "-bench"
        for t in data["record_types"]:
            t["issuers"] = [*t["issuers"], *codes]
        publish_scheme(data)
        keys = {}
        for code in codes:
            department, keys[code] = create_department(code, f"bench {code}")
            keys[f"{code}_id"] = department.id
        scheme = current_scheme()
        plain = [t.code for t in scheme.record_types if not t.unit_attribute]
        # a record of this type moves a fresh resident's score: positive, uncapped or capped above it
        lifting = next(t.code for t in scheme.record_types
                       if not t.unit_attribute and not t.state and t.polarity == "positive"
                       and (not t.cap_per_year or t.cap_per_year >= t.points))
        residents = []
        for n, id_number in enumerate(id_numbers(args.residents, rng)):
            residents.append((register_resident(id_number, "测试", f"151{n:08d}", "x", consent=True),
                              id_number))
        db.session.commit()
        rescore_people([r.person_id for r, _ in residents])
        db.session.commit()
        sampled = [(r.person_id, id_number) for r, id_number in residents]
        db.engine.dispose()
    return keys, plain, lifting, sampled


def make_rows(args, plain, rng):
    """(id number, type, occurred) for each row; every method sends these under its own ids."""
    from app.core.time import city_today

    people = id_numbers(args.people, rng)
    today = city_today()
    return [(people[i % len(people)], rng.choice(plain),
             (today - timedelta(days=rng.randint(0, 3 * 365))).isoformat())
            for i in range(args.rows)]


def payload(prefix, rows, start):
    return [{"source_id": f"{prefix}-{start + i}", "id_number": id_number, "name": "测试",
             "type": rtype, "occurred_at": occurred, "document_ref": DOCUMENT_REF}
            for i, (id_number, rtype, occurred) in enumerate(rows)]


def post_batches(base, key, prefix, rows, first, results):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    accepted = 0
    for start in range(0, len(rows), BATCH):
        response = session.post(f"{base}/api/v1/records",
                                json={"records": payload(prefix, rows[start:start + BATCH], first + start)},
                                timeout=120)
        response.raise_for_status()
        body = response.json()
        if body["rejected"]:
            raise RuntimeError(f"rows rejected: {body['results'][0]}")
        accepted += body["accepted"]
    results.append(accepted)


def api_phase(base, keys, args, rows):
    share = -(-len(rows) // args.clients)
    results, threads = [], []
    for i in range(args.clients):
        part = rows[i * share:(i + 1) * share]
        threads.append(threading.Thread(target=post_batches, args=(
            base, keys[f"api{i}"], f"api{i}", part, i * share, results)))
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, sum(results)


def warm_up(base, keys, residents, lifting, workers):
    """One delivery per gunicorn worker, all at once, before anything is timed: a worker's
    first request (connections, compiled statements, the scheme) is start-up, not freshness."""
    from app.core.time import city_today

    def deliver(n, id_number):
        requests.post(f"{base}/api/v1/records", timeout=30,
                      headers={"Authorization": f"Bearer {keys[f'fresh{n % FRESH_DEPARTMENTS}']}"},
                      json={"records": [{"source_id": f"warm-{n}", "id_number": id_number,
                                         "name": "测试", "type": lifting,
                                         "occurred_at": city_today().isoformat()}]})

    for _round in range(2):
        threads = [threading.Thread(target=deliver, args=(n, id_number))
                   for n, (_p, id_number) in enumerate(residents)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def freshness(base, url, keys, sampled, lifting, running, results):
    """Deliver one record at a time for a sampled resident; time until their stored score moved.
    Put ([ms of each], [status of each refused delivery]) on `results` once `running` is clear.

    Runs in a process of its own: in the clients' process it would also time how long it waits
    for their interpreter lock (their batches are encoded and decoded holding it)."""
    from app.core.time import city_today

    occurred = city_today().isoformat()
    times, refused = [], []
    session = requests.Session()
    with psycopg.connect(url, autocommit=True) as conn:
        for n, (person_id, id_number) in enumerate(sampled):
            if not running.is_set():
                break
            before = conn.execute("SELECT score FROM scores WHERE person_id = %s",
                                  (person_id,)).fetchone()[0]
            key = keys[f"fresh{n % FRESH_DEPARTMENTS}"]
            started = time.perf_counter()
            response = session.post(
                f"{base}/api/v1/records", headers={"Authorization": f"Bearer {key}"}, timeout=30,
                json={"records": [{"source_id": f"fresh-{n}", "id_number": id_number,
                                   "name": "测试", "type": lifting, "occurred_at": occurred}]})
            if response.status_code != 200:
                refused.append(response.status_code)
                continue
            while conn.execute("SELECT score FROM scores WHERE person_id = %s",
                               (person_id,)).fetchone()[0] == before:
                if time.perf_counter() - started > 10:
                    break
                time.sleep(0.001)
            times.append((time.perf_counter() - started) * 1000)
            time.sleep(max(0.0, 60 / 110 / FRESH_DEPARTMENTS - (time.perf_counter() - started)))
    results.put((times, refused))


def compile_bytecode():
    """Write the application's bytecode, as installing it does, so that the command starts as a
    deployed one (this shell may keep Python from writing it: PYTHONDONTWRITEBYTECODE)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "app"), str(ROOT / "wsgi.py")],
                   check=True)


def cli_start_up(env):
    """Seconds the `flask` command takes to start and stop, without importing anything."""
    started = time.perf_counter()
    subprocess.run([str(ROOT / ".venv/bin/flask"), "records", "--help"], cwd=ROOT,
                   env={**env, "FLASK_APP": "wsgi.py"}, capture_output=True, check=True)
    return time.perf_counter() - started


def cli_phase(env, workdir, rows, prefix):
    path = workdir / f"{prefix}.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["source_id", "id_number", "name", "type", "occurred_at", "document_ref"])
        for i, (id_number, rtype, occurred) in enumerate(rows):
            writer.writerow([f"{prefix}-{i}", id_number, "测试", rtype, occurred, DOCUMENT_REF])
    started = time.perf_counter()
    result = subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "records", "import", str(path), "--department", "cli"],
        cwd=ROOT, env={**env, "FLASK_APP": "wsgi.py"}, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    accepted = int(result.stdout.split("accepted ")[1].split(",")[0])
    return elapsed, accepted


def copy_phase(url, keys, rows, imported, prefix):
    """COPY the same rows under source ids `prefix`-n, persons resolved beforehand (as a bulk
    loader would: here from the rows the import took under `imported`-n, the same persons)."""
    with psycopg.connect(url) as conn:
        persons = dict(conn.execute(
            "SELECT CAST(split_part(source_id, '-', 2) AS INTEGER), person_id FROM credit_records"
            " WHERE source_id LIKE %s", (f"{imported}-%",)).fetchall())
        stamp = conn.execute("SELECT now()").fetchone()[0]
        department = keys["copy_id"]
        started = time.perf_counter()
        with conn.cursor().copy(
                "COPY credit_records (department_id, source_id, person_id, type_code, occurred_on,"
                " units, attributes, document_ref, status, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i, (_id_number, rtype, occurred) in enumerate(rows):
                copy.write_row((department, f"{prefix}-{i}", persons[i], rtype, occurred, 1, "{}",
                                DOCUMENT_REF, "active", stamp, stamp))
        conn.commit()
        return time.perf_counter() - started, len(rows)


def percentile(values, share):
    return statistics.quantiles(values, n=100)[share - 1] if len(values) > 1 else values[0]


def main():
    args = parse_args()
    rng = random.Random(7)
    name, url = create_database(args.database_url, "bench_intake")
    workdir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    env = bench_env(url, args.redis_url, workdir / "instance")
    server = None
    try:
        started = time.perf_counter()
        keys, plain, lifting, sampled = seed(env, args, rng)
        rows = make_rows(args, plain, rng)
        print(f"seeded {len(sampled)} residents, {len(rows):,} rows per method in "
              f"{time.perf_counter() - started:.1f} s (database {name}); load {load()}")
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
        compile_bytecode()
        if args.cli_only:
            rounds = import_and_copy(args, env, workdir, url, keys, rows)
            print_rates(args, rows, None, rounds, None)
            return
        server, base = start_gunicorn(env, args.workers, preload=True)

        # residents of the warm-up are not sampled: their score has moved already
        warm_up(base, keys, sampled[-args.workers:], lifting, args.workers)
        processes = multiprocessing.get_context("fork")
        running, results = processes.Event(), processes.Queue()
        running.set()
        sampler = processes.Process(target=freshness, args=(
            base, url, keys, sampled[:-args.workers], lifting, running, results))
        sampler.start()
        api_time, api_rows = api_phase(base, keys, args, rows)
        running.clear()
        times, refused = results.get()
        sampler.join()
        stop(server)
        server = None
        print_rates(args, rows, (api_time, api_rows),
                    import_and_copy(args, env, workdir, url, keys, rows), (times, refused))
    finally:
        stop(server)
        drop_database(args.database_url, name)


def import_and_copy(args, env, workdir, url, keys, rows):
    """[((COPY seconds, rows), (import seconds, rows, the command's start-up))], one per round:
    the import, then COPY, each round under source ids of its own."""
    rounds = []
    for number in range(args.rounds):
        cli_time, cli_rows = cli_phase(env, workdir, rows, f"cli{number}")
        start_up = cli_start_up(env)
        rounds.append((copy_phase(url, keys, rows, f"cli{number}", f"copy{number}"),
                       (cli_time, cli_rows, start_up)))
    return rounds


def print_rates(args, rows, api, rounds, fresh):
    copy_rates = [copy_rows / copy_time for (copy_time, copy_rows), _cli in rounds]
    copy_rate = statistics.median(copy_rates)
    print(f"\n{len(rows):,} rows per method, API batches of {BATCH}, gunicorn {args.workers} sync "
          f"workers, PostgreSQL + Redis; load {load()}")
    print(f"COPY        {copy_rate:9.0f} rows/s   (median of {len(rounds)} rounds: "
          + " / ".join(f"{copy_time:.2f}" for (copy_time, _r), _cli in rounds) + " s)")
    if api is not None:
        api_time, api_rows = api
        print(f"API         {api_rows / api_time:9.0f} rows/s   ({api_rows:,} accepted in "
              f"{api_time:.2f} s, {args.clients} clients)   {api_rows / api_time / copy_rate:6.1%}"
              f" of COPY (target >= 25 %)")
    ratios, without = [], []
    for number, ((copy_time, copy_rows), (cli_time, cli_rows, start_up)) in enumerate(rounds, 1):
        copy = copy_rows / copy_time
        ratios.append(cli_rows / cli_time / copy)
        without.append(cli_rows / (cli_time - start_up) / copy)
        print(f"round {number}     CLI import {cli_rows / cli_time:6.0f} rows/s ({cli_rows:,} "
              f"accepted in {cli_time:.2f} s, start-up {start_up:.2f} s), COPY {copy:6.0f} rows/s: "
              f"{ratios[-1]:6.1%} ({without[-1]:.1%} without start-up)")
    print(f"CLI import  {statistics.median(ratios):9.1%} of COPY, median of the rounds "
          f"(target >= 50 %); {statistics.median(without):.1%} without the command's start-up")
    if fresh is not None and fresh[0]:  # every gunicorn worker served a delivery before (`warm_up`)
        times, refused = fresh
        print(f"freshness   p50 {percentile(times, 50):6.1f} ms   p95 {percentile(times, 95):6.1f} ms"
              f"   max {max(times):6.1f} ms   ({len(times)} single deliveries during the API "
              f"load, {len(refused)} refused; target p95 <= 100 ms)")


def load():
    return Path("/proc/loadavg").read_text().split()[0]


if __name__ == "__main__":
    main()
