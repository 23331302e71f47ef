"""Benchmark the first full rescore and the nightly one against a bare SQL GROUP BY sum.

    python bench/rescore.py [--residents 100000] [--records-per 10] [--chunk 100000]

Creates (and drops) its own PostgreSQL database next to DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test), fills it with COPY, then in one run times through
the real code path (`rescore_all`, chunked person ranges, as `flask scores rescore` and the
nightly job run it): (a) the first, full rescore that writes every score; (b) the nightly run
of the next day, which rescores only the persons whose score can have changed; (c) a later
`--full` run for comparison; and a bare `SELECT person_id, SUM(points) ... GROUP BY person_id`
over the same records. Prints each with its ratio to the bare aggregate (targets at 1M
residents / 10M records: first run <= 2.5x, nightly <= 1.0x) and how many persons have a record
fading that day.
"""
import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scratch_db import create_database, database_url, drop_database  # noqa: E402

from app import create_app  # noqa: E402
from app.core.time import city_today  # noqa: E402

BARE_SQL = """
SELECT COUNT(*), SUM(total) FROM (
    SELECT r.person_id, SUM(rt.points * r.units) AS total
    FROM credit_records r
    JOIN record_types rt ON rt.scheme_id = %(scheme)s AND rt.code = r.type_code
    GROUP BY r.person_id
) t
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--records-per", type=int, default=10, help="records per resident")
    parser.add_argument("--chunk", type=int, default=100_000, help="persons per rescore chunk")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="NAME",
                        help="time against a database kept by an earlier --keep run")
    parser.add_argument("--database-url",
                        default=os.environ.get("DATABASE_URL",
                                               "postgresql://postgres@127.0.0.1:5432/test"))
    return parser.parse_args()


def copy_rows(conn, table, columns, lines):
    """COPY text-format lines into `table`, in blocks of about 8 MB."""
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buffer, size = [], 0
        for line in lines:
            buffer.append(line)
            size += len(line)
            if size > 8_000_000:
                copy.write("".join(buffer))
                buffer, size = [], 0
        if buffer:
            copy.write("".join(buffer))


def generate(conn, n_residents, per, type_rows, department_id):
    """Fill persons, residents and credit records; return the number of records."""
    rng = random.Random(42)
    today = city_today()
    stamp = "2026-01-01 00:00:00+00"
    copy_rows(conn, "persons", ["id", "id_number_enc", "id_number_index", "name_enc", "created_at"],
              (f"{i}\t\\\\x00\tidx{i}\t\\\\x00\t{stamp}\n" for i in range(1, n_residents + 1)))
    # nine in ten persons are consenting residents; the rest are record subjects only
    copy_rows(conn, "residents",
              ["id", "person_id", "phone_enc", "phone_index", "password_hash", "consented_at",
               "session_epoch", "created_at"],
              (f"{i}\t{i}\t\\\\x00\tph{i}\tx\t{stamp if i % 10 else chr(92) + 'N'}\t0\t{stamp}\n"
               for i in range(1, n_residents + 1)))
    codes = [t[0] for t in type_rows]
    state = {t[0] for t in type_rows if t[1]}
    unit_types = {t[0] for t in type_rows if t[2]}
    statuses = ["active"] * 18 + ["revoked", "repaired"]
    ordinal = today.toordinal()

    def records():
        rid = 0
        for person in range(1, n_residents + 1):
            for _ in range(per):
                rid += 1
                code = rng.choice(codes)
                # mostly in the past six years, a few (late deliveries) after the as-of date
                occurred = ordinal - rng.randint(-3, 6 * 365)
                ended = "\\N"
                if code in state and rng.random() < 0.5:
                    ended = today.fromordinal(occurred + rng.randint(0, 700)).isoformat()
                units = rng.randint(0, 6) if code in unit_types else 1
                yield (f"{rid}\t{department_id}\ts{rid}\t{person}\t{code}\t"
                       f"{today.fromordinal(occurred).isoformat()}\t{ended}\t{units}\t{{}}\t"
                       f"{rng.choice(statuses)}\t{stamp}\t{stamp}\n")
    copy_rows(conn, "credit_records",
              ["id", "department_id", "source_id", "person_id", "type_code", "occurred_on",
               "ended_on", "units", "attributes", "status", "created_at", "updated_at"], records())
    for table in ("persons", "residents", "credit_records"):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                     f"(SELECT MAX(id) FROM {table}))")
    return n_residents * per


def rescore(app, chunk, as_of, full):
    """What `flask scores rescore` and the nightly job run (`--full` when `full`): one committed
    chunk of persons at a time. Returns (seconds, scores written, persons looked at)."""
    from app.core.extensions import db
    from app.scoring.models import ScoreRun
    from app.scoring.services import rescore_all

    with app.app_context():
        started = time.perf_counter()
        written = rescore_all(as_of, chunk, full=full)
        elapsed = time.perf_counter() - started
        run = db.session.query(ScoreRun).order_by(ScoreRun.id.desc()).first()
        candidates = run.candidates
        db.session.remove()
    return elapsed, written, candidates


FADING_SQL = """
SELECT COUNT(DISTINCT r.person_id) FROM credit_records r
JOIN record_types rt ON rt.scheme_id = %(scheme)s AND rt.code = r.type_code
WHERE r.status = 'active' AND NOT (r.ended_on IS NULL AND rt.state)
  AND %(day)s - COALESCE(r.ended_on, r.occurred_on) > rt.full_days
  AND %(day)s - COALESCE(r.ended_on, r.occurred_on) < rt.full_days + rt.fade_days
"""


def fading_persons(url, scheme_id, day):
    """Persons with any record fading on `day`: the candidate set if every fading record
    changed its points every day."""
    with psycopg.connect(url) as conn:
        return conn.execute(FADING_SQL, {"scheme": scheme_id, "day": day}).fetchone()[0]


def pg_version(url):
    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def bare_aggregate(url, scheme_id):
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        count, _total = conn.execute(BARE_SQL, {"scheme": scheme_id}).fetchone()
        return time.perf_counter() - started, count


def main():
    args = parse_args()
    if args.reuse:
        name = args.reuse
        url = database_url(args.database_url, name)
        args.keep = True
    else:
        name, url = create_database(args.database_url, "bench_rescore")
        print(f"database {name}: {args.residents:,} residents x {args.records_per} records",
              flush=True)
    try:
        driver_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        app = create_app({"SQLALCHEMY_DATABASE_URI": driver_url})
        with app.app_context():
            from sqlalchemy import text

            from app.catalogue.services import current_scheme, load_default_scheme
            from app.core.extensions import db
            from app.core.migrations import upgrade
            from app.departments.services import create_department

            if args.reuse:
                # start again from no stored scores, in empty tables as a first run finds them
                # (rows deleted and not yet vacuumed would slow its writes down)
                db.session.execute(text("TRUNCATE scores, score_history"))
            else:
                upgrade()
                load_default_scheme(app.config["DEFAULT_SCHEME_VERSION"])
                department, _key = create_department("bench", "benchmark department")
                department_id = department.id
            db.session.commit()
            scheme = current_scheme()
            scheme_id = scheme.id
            type_rows = [(t.code, t.state, bool(t.unit_attribute)) for t in scheme.record_types]
            db.session.remove()
            db.engine.dispose()

        if not args.reuse:
            started = time.perf_counter()
            with psycopg.connect(url, autocommit=True) as conn:
                total = generate(conn, args.residents, args.records_per, type_rows, department_id)
                conn.execute("VACUUM ANALYZE")
            print(f"generated {total:,} records with COPY in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
        with psycopg.connect(url) as conn:
            records, persons = conn.execute(
                "SELECT (SELECT COUNT(*) FROM credit_records), (SELECT COUNT(*) FROM persons)"
            ).fetchone()
        print(f"{persons:,} persons, {records:,} records; PostgreSQL {pg_version(url)}",
              flush=True)

        as_of = city_today()
        bare_warm, _ = bare_aggregate(url, scheme_id)  # warm the cache for both sides alike
        first, written, _ = rescore(app, args.chunk, as_of, full=True)
        with psycopg.connect(url, autocommit=True) as conn:
            # the state a day later: autovacuum has visited the freshly written scores
            conn.execute("VACUUM ANALYZE scores")
            conn.execute("VACUUM ANALYZE score_history")
        bare, groups = bare_aggregate(url, scheme_id)
        nightly, rewritten, candidates = rescore(app, args.chunk, as_of + timedelta(days=1),
                                                 full=False)
        bare_again, _ = bare_aggregate(url, scheme_id)
        full_again, full_written, _ = rescore(app, args.chunk, as_of + timedelta(days=2),
                                              full=True)
        fading = fading_persons(url, scheme_id, as_of + timedelta(days=1))
        bare_best = min(bare, bare_again, bare_warm)
        print(f"bare GROUP BY sum   : {bare_best:7.2f} s ({groups:,} persons; runs "
              f"{bare_warm:.2f} / {bare:.2f} / {bare_again:.2f} s)")
        print(f"first full rescore  : {first:7.2f} s ({written:,} scores written)  "
              f"ratio {first / bare_best:.2f}x  (target <= 2.5x)")
        print(f"nightly (next day)  : {nightly:7.2f} s ({candidates:,} persons whose score can "
              f"change, {rewritten:,} scores written)  ratio {nightly / bare_best:.2f}x  "
              f"(target <= 1.0x)")
        print(f"full rescore, later : {full_again:7.2f} s ({full_written:,} scores written)  "
              f"ratio {full_again / bare_best:.2f}x  (`--full`, for comparison)")
        print(f"persons with a record fading that day: {fading:,} of {persons:,}")
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
    finally:
        if not args.keep:
            drop_database(args.database_url, name)


if __name__ == "__main__":
    main()
