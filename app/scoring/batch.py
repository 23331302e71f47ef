"""Set-based rescoring in SQL: the engine's arithmetic over many people at once.

`app.scoring.engine` is the reference; this module reproduces it exactly (integer maths,
truncating division) so that a nightly rescore of millions of records is a few statements,
not a Python loop. Tests compare the two on random data.

One statement scores a range (or set) of persons: a first aggregation groups each person's
records by cap group (all uncapped records of a person fall in one group, each capped type and
year in its own) with one column per dimension; a second, small one applies the yearly caps;
then dimension floors and caps, the score range and the tier; finally the result is compared
with the stored score and, in a nightly run over ranges, only what changed is kept: it rewrites
the few scores that moved rather than every row. A rescore of named persons (after their records
changed) stores all of their scores, dated today.

Each score also keeps its next change: the first day on which one of the person's records will
count other points (a record taking effect, starting to fade, its truncated share stepping
down). Until then, and until one of their records is written, the stored score stays right; so a
nightly run after an earlier one first collects the persons whose score is due or whose records
were written since (`collect_candidates`, index look-ups and one pass over the stored scores, not
over the records) and scores only them.
"""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, text

from app.catalogue.rules import Rules
from app.core.db import UTCDateTime, array_text
from app.core.extensions import db

_DIALECT_SQL = {
    "postgresql": {
        "age": "(CAST(:as_of AS DATE) - {col})",
        "year": "CAST(date_part('year', r.occurred_on) AS INTEGER)",
        "least": "LEAST",
        "greatest": "GREATEST",
        "add_days": "({col} + {days})",
        "distinct": "IS DISTINCT FROM",
        "json_object": "jsonb_build_object",
        "json_int": "CAST(s.dimensions ->> {key} AS INTEGER)",
        "now": "now()",
        # sorts of a chunk fit in memory; JIT compiling this statement costs more than it saves
        "prepare": ["SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)"],
        # no parallel workers: over a few persons' records read through the index they would each
        # read them all, and beside other ranges scored at once they add only their start-up
        "serial": ["SELECT set_config('max_parallel_workers_per_gather', '0', true)"],
    },
    "sqlite": {
        "age": "CAST(julianday(:as_of) - julianday({col}) AS INTEGER)",
        "year": "CAST(strftime('%Y', r.occurred_on) AS INTEGER)",
        "least": "min",
        "greatest": "max",
        "add_days": "date({col}, '+' || ({days}) || ' days')",
        "distinct": "IS NOT",
        "json_object": "json_object",
        "json_int": "json_extract(s.dimensions, '$.' || {key})",
        "now": "strftime('%Y-%m-%d %H:%M:%f', 'now')",
        "prepare": [],
        "serial": [],
    },
}

_CHANGED_SCORES = """
WITH c AS (
    SELECT r.person_id, rt.dimension, rt.cap_per_year AS cap,
           CASE WHEN rt.cap_per_year IS NULL THEN 0 ELSE rt.id * 10000 + {year} END AS grp,
           {points} AS pts, {next_change} AS nc
    FROM credit_records r
    JOIN ({types}) rt ON rt.code = r.type_code
    WHERE r.status = 'active' AND {record_filter} AND NOT ({counts_nothing})
), per_group AS (
    SELECT person_id, MAX(cap) AS cap, MIN(nc) AS nc, {group_sums}
    FROM c GROUP BY person_id, grp
), per_person AS (
    SELECT person_id, MIN(nc) AS nc, {capped_sums}
    FROM per_group GROUP BY person_id
), dims AS (
    SELECT res.person_id, p.nc, {clamped_dims}
    FROM residents res LEFT JOIN per_person p ON p.person_id = res.person_id
    WHERE res.consented_at IS NOT NULL AND {resident_filter}
), scored AS (
    SELECT person_id, nc, {dim_names},
           CAST({least}({greatest}(:base + {dim_total}, :min_score), :max_score) AS INTEGER)
             AS score
    FROM dims
), n AS (
    SELECT person_id, score, {tier_case} AS tier, nc, {dim_names} FROM scored
)
SELECT n.person_id, n.score, n.tier, {dims_json} AS dims, n.nc AS next_change_on,
       CASE WHEN {moved} THEN 1 ELSE 0 END AS moved,
       CASE WHEN s.person_id IS NULL THEN 0 ELSE 1 END AS stored
FROM n LEFT JOIN scores s ON s.person_id = n.person_id AND {score_filter}
WHERE {keep}
"""

# A record worth no points, or faded out, counts nothing and never will again: leaving it out
# before the grouping spares most of the work for old records.
_COUNTS_NOTHING = """rt.sp * r.units = 0
             OR ({age_occurred} >= 0 AND NOT (r.ended_on IS NULL AND rt.state)
                 AND {age_effect} > rt.full_days
                 AND {age_effect} >= rt.full_days + rt.fade_days)"""

# the day from which a record's age counts: its end, or its start when it has none
_EFFECT = "COALESCE(r.ended_on, r.occurred_on)"

# a record's points on a day (the engine's `faded_points`); `rt` is the scheme's types below
_POINTS = """CASE
             WHEN {age_occurred} < 0 THEN 0
             WHEN r.ended_on IS NULL AND rt.state THEN rt.sp * r.units
             WHEN {age_effect} <= rt.full_days THEN rt.sp * r.units
             WHEN {age_effect} >= rt.full_days + rt.fade_days THEN 0
             ELSE rt.sp * r.units * (rt.full_days + rt.fade_days - {age_effect}) / rt.fade_days
           END"""

_TYPES = """SELECT id, code, dimension, cap_per_year, state, full_days, fade_days,
                 CASE WHEN polarity = 'positive' THEN points ELSE -points END AS sp
          FROM record_types WHERE scheme_id = :scheme_id"""

# Whose score can differ on :as_of from the one stored: a person with a record written since
# :since, a resident who consented since, one whose stored score reaches its next change (or
# was scored for a later day), or a consenting resident with no score at all (however they came
# to have none). Everyone else's stored score is still right. No part reads the records, and no
# part joins every resident to their score row by row: the last is an anti-join of two scans.
_CANDIDATES = """
INSERT INTO score_candidates (person_id)
SELECT person_id FROM credit_records WHERE updated_at >= :since
UNION
SELECT person_id FROM residents WHERE consented_at >= :since
UNION
SELECT person_id FROM scores WHERE next_change_on <= :as_of OR as_of > :as_of
UNION
SELECT res.person_id FROM residents res WHERE res.consented_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.person_id = res.person_id)
"""

# The first day after :as_of on which a record's points differ from those on :as_of (NULL: never
# again). A fading record's truncated share |v| = |P| * R // D (P its full points, D the fade
# length, R the days of fading left) next steps down when R falls below ceil(|v| * D / |P|).
_NEXT_CHANGE = """CASE
             WHEN rt.sp * r.units = 0 THEN NULL
             WHEN {age_occurred} < 0 THEN r.occurred_on
             WHEN r.ended_on IS NULL AND rt.state THEN NULL
             WHEN {age_effect} <= rt.full_days THEN {first_fading_day}
             WHEN ABS(rt.sp * r.units) * ({left}) < rt.fade_days THEN NULL
             ELSE {next_step}
           END"""

# a score counts as moved (a history row) when its value or tier changed; it is rewritten when
# that, a dimension total, the scheme or its next change did
_MOVED = "s.person_id IS NULL OR s.score <> n.score OR s.tier <> n.tier"

_HISTORY = """
INSERT INTO score_history (person_id, day, score, tier)
SELECT person_id, :as_of, score, tier FROM changed_scores WHERE moved = 1
ON CONFLICT (person_id, day) DO UPDATE SET score = excluded.score, tier = excluded.tier
"""

# New scores are inserted and stored ones updated, not upserted: the locks on the persons keep
# any other writer away, and an insert that need not check for a conflict is twice as fast.
_INSERT_NEW = """
INSERT INTO scores (person_id, score, tier, scheme_version, as_of, dimensions, next_change_on,
                    computed_at)
SELECT person_id, score, tier, :version, :as_of, dims, next_change_on, {now}
FROM changed_scores WHERE stored = 0
"""

_UPDATE_STORED = """
UPDATE scores SET score = c.score, tier = c.tier, scheme_version = :version, as_of = :as_of,
    dimensions = c.dims, next_change_on = c.next_change_on, computed_at = {now}
FROM changed_scores c WHERE c.stored = 1 AND scores.person_id = c.person_id
"""


# PostgreSQL, a few persons (a delivery): score, keep history and store in one round trip, with
# no temporary table; the persons' locks keep the scores read and written consistent
_AT_ONCE = """
WITH changed_scores AS ({changed}),
history AS ({history}),
inserted AS ({insert_new}),
updated AS ({update_stored})
SELECT person_id, score, tier, moved FROM changed_scores ORDER BY person_id
"""


@dataclass(frozen=True)
class Change:
    person_id: int
    score: int
    tier: str
    moved: bool  # the score or tier changed (not only a dimension total or the scheme)


def collect_candidates(as_of: date, since: datetime) -> int:
    """Fill `score_candidates` with the persons whose score can differ on `as_of` from the one
    stored, given every record written since `since`; return how many."""
    session = db.session
    dialect = session.get_bind().dialect.name
    statement = text(_CANDIDATES).bindparams(bindparam("since", type_=UTCDateTime()))
    for prepare in _DIALECT_SQL[dialect]["prepare"]:  # the join of residents and scores hashes
        session.execute(text(prepare))
    session.execute(text("DELETE FROM score_candidates"))
    session.execute(statement, {
        "since": since, "as_of": as_of if dialect == "postgresql" else as_of.isoformat()})
    if dialect == "postgresql":
        session.execute(text("ANALYZE score_candidates"))  # the rescore joins it by its size
    return session.scalar(text("SELECT COUNT(*) FROM score_candidates"))


def consenting(person_ids) -> list[int]:
    """Those of the persons who are residents with consent (read once their locks are held)."""
    if db.session.get_bind().dialect.name == "postgresql":
        # one array parameter: a short statement, parsed and planned at once however many; its
        # text form is far quicker to write than psycopg's adaptation of a list
        return list(db.session.scalars(text(
            "SELECT person_id FROM residents WHERE consented_at IS NOT NULL"
            " AND person_id = ANY(CAST(:ids AS integer[])) ORDER BY person_id"),
            {"ids": array_text(person_ids)}))
    query = text("SELECT person_id FROM residents WHERE consented_at IS NOT NULL"
                 " AND person_id IN :ids ORDER BY person_id").bindparams(
        bindparam("ids", expanding=True))
    return list(db.session.scalars(query, {"ids": list(person_ids)}))


def rescore(params: Rules, as_of: date, *, person_range=None, person_ids=None,
            candidates=False, changes=None, serial=False) -> int:
    """Recompute the scores of consenting residents in a range or set of persons.

    Over a range, writes only the scores that changed (value, tier, dimension totals or
    scheme); with `candidates`, looks only at the range's persons in `score_candidates`; for a
    set of persons, writes all of theirs. Adds a history row for each moved score or tier and
    returns how many scores were written; appends them as `Change`s to `changes` when a list
    is given. `serial` keeps PostgreSQL from adding parallel workers to the scoring (other
    ranges keep the other cores busy). Runs in the caller's transaction.
    """
    session = db.session
    dialect = session.get_bind().dialect.name
    sql = _DIALECT_SQL[dialect]
    if person_ids is not None:
        person_filter = "{t}.person_id IN :ids"
    elif person_range is not None:
        person_filter = "{t}.person_id >= :lo AND {t}.person_id < :hi"
    else:
        person_filter = "1 = 1"
    if candidates:
        person_filter += (" AND {t}.person_id IN (SELECT c.person_id FROM score_candidates c"
                          f" WHERE {person_filter.format(t='c')})")
    values = {
        "scheme_id": params.scheme_id, "base": params.base, "min_score": params.min_score,
        "max_score": params.max_score, "version": params.version,
        "as_of": as_of if dialect == "postgresql" else as_of.isoformat(),
    }
    scoring = _changed_scores_sql(params, sql, person_filter, values,
                                  every_score=person_ids is not None)
    if person_ids is not None:
        values["ids"] = list(person_ids)
    elif person_range is not None:
        values["lo"], values["hi"] = person_range
    for statement in sql["prepare"] + (sql["serial"] if candidates or serial else []):
        session.execute(text(statement))
    if person_ids is not None and dialect == "postgresql":
        at_once = text(_AT_ONCE.format(changed=scoring, history=_HISTORY,
                                       insert_new=_INSERT_NEW.format(now=sql["now"]),
                                       update_stored=_UPDATE_STORED.format(now=sql["now"])))
        rows = session.execute(at_once.bindparams(bindparam("ids", expanding=True)),
                               {**values, "version": params.version}).all()
        if changes is not None:
            changes.extend(Change(p, s, t, bool(m)) for p, s, t, m in rows)
        return len(rows)  # every score of named persons is stored
    create = text(f"CREATE TEMPORARY TABLE changed_scores AS {scoring}")
    if person_ids is not None:
        create = create.bindparams(bindparam("ids", expanding=True))
    session.execute(text("DROP TABLE IF EXISTS changed_scores"))
    session.execute(create, values)
    session.execute(text(_HISTORY), {"as_of": values["as_of"]})
    stamp = {"version": params.version, "as_of": values["as_of"]}
    written = sum(session.execute(text(statement.format(now=sql["now"])), stamp).rowcount
                  for statement in (_INSERT_NEW, _UPDATE_STORED))
    if changes is not None:
        rows = session.execute(text(
            "SELECT person_id, score, tier, moved FROM changed_scores ORDER BY person_id"))
        changes.extend(Change(p, s, t, bool(m)) for p, s, t, m in rows)
    session.execute(text("DROP TABLE changed_scores"))
    return written


def _changed_scores_sql(params, sql, person_filter, values, every_score=False):
    """The scoring statement, with one column per dimension of the scheme."""
    least, greatest = sql["least"], sql["greatest"]
    dims = [f"d{i}" for i in range(len(params.dimensions))]
    group_sums, capped_sums, clamped, differ = [], [], [], []
    for i, (code, floor, cap) in enumerate(params.dimensions):
        values[f"dim{i}"] = code
        # integer sums throughout: PostgreSQL's SUM of a bigint is a (slow) numeric
        group_sums.append(
            f"CAST(SUM(CASE WHEN dimension = :dim{i} THEN pts ELSE 0 END) AS INTEGER) AS d{i}")
        capped_sums.append(
            f"CAST(SUM(CASE WHEN cap IS NULL THEN d{i} WHEN d{i} > cap THEN cap "
            f"WHEN d{i} < -cap THEN -cap ELSE d{i} END) AS INTEGER) AS d{i}")
        clamped.append(f"CAST({least}({greatest}(COALESCE(p.d{i}, 0), {int(floor)}), "
                       f"{int(cap)}) AS INTEGER) AS d{i}")
        # a total missing from the stored JSON reads as NULL: count it as changed
        stored = sql["json_int"].format(key=f"CAST(:dim{i} AS TEXT)")
        differ.append(f"COALESCE({stored}, -1000000) <> n.d{i}")
    whens = []
    for i, (code, minimum) in enumerate(params.tiers):
        values[f"tier{i}"] = code
        whens.append(f"WHEN score >= {int(minimum)} THEN :tier{i}")
    # below every threshold: the lowest tier, as the engine does
    tier_case = f"CASE {' '.join(whens)} ELSE :tier{len(params.tiers) - 1} END"
    # the JSON of dimension totals is built only for the (few) scores that changed
    dims_json = f"{sql['json_object']}(" + ", ".join(
        f"CAST(:dim{i} AS TEXT), n.d{i}" for i in range(len(dims))) + ")"
    return _CHANGED_SCORES.format(
        year=sql["year"], points=_points(sql), next_change=_next_change(sql), types=_TYPES,
        counts_nothing=_COUNTS_NOTHING.format(
            age_occurred=sql["age"].format(col="r.occurred_on"),
            age_effect=sql["age"].format(col=_EFFECT)),
        record_filter=person_filter.format(t="r"), resident_filter=person_filter.format(t="res"),
        # the same range on the stored scores lets the join read only that range of them
        score_filter=person_filter.format(t="s"),
        group_sums=", ".join(group_sums), capped_sums=", ".join(capped_sums),
        clamped_dims=", ".join(clamped), dim_names=", ".join(dims),
        dim_total="(" + " + ".join(dims) + ")", tier_case=tier_case, dims_json=dims_json,
        least=least, greatest=greatest, moved=_MOVED,
        keep="1 = 1" if every_score else
        f"{_MOVED} OR s.scheme_version <> :version OR ({' OR '.join(differ)})"
        f" OR s.next_change_on {sql['distinct']} n.nc",
    )


def _points(sql):
    """SQL: a record's points on `:as_of`."""
    return _POINTS.format(age_occurred=sql["age"].format(col="r.occurred_on"),
                          age_effect=sql["age"].format(col=_EFFECT))


def _next_change(sql):
    """SQL: the first day after `:as_of` on which a record's points change (`_NEXT_CHANGE`)."""
    age_effect = sql["age"].format(col=_EFFECT)
    left = f"rt.full_days + rt.fade_days - {age_effect}"
    points = "ABS(rt.sp * r.units)"
    share = f"ABS(rt.sp * r.units * ({left}) / rt.fade_days)"
    return _NEXT_CHANGE.format(
        age_occurred=sql["age"].format(col="r.occurred_on"), age_effect=age_effect, left=left,
        first_fading_day=sql["add_days"].format(col=_EFFECT, days="rt.full_days + 1"),
        next_step=sql["add_days"].format(
            col=_EFFECT, days="rt.full_days + rt.fade_days + 1"
                              f" - ({share} * rt.fade_days + {points} - 1) / {points}"))
