"""The SQL text of the set-based rescore (`app.scoring.batch`): the statement that scores a
range or set of persons, in each dialect, built for the current scheme's dimensions and tiers.

A record's points and its next change are CASE expressions over its dates, compared with the
days its type starts fading and has faded out on the day scored (worked out once per type);
`app.scoring.engine` holds the same arithmetic in Python, and tests compare the two.
"""
import json

DIALECT_SQL = {
    "postgresql": {
        "as_of": "CAST(:as_of AS DATE)",
        "days": "({later} - {earlier})",
        "year": "CAST(date_part('year', r.occurred_on) AS INTEGER)",
        "least": "LEAST",
        "greatest": "GREATEST",
        "add_days": "({col} + {days})",
        "sub_days": "({col} - ({days}))",
        "distinct": "IS DISTINCT FROM",
        "json_text": "format(:json_format, {values})",
        "json": "CAST({text} AS json)",
        "stored_json": "CAST(s.dimensions AS TEXT)",
        "now": "now()",
        # sorts of a chunk fit in memory; JIT compiling this statement costs more than it saves
        "prepare": ["SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)"],
        # no parallel workers: over a few persons' records read through the index they would each
        # read them all, and beside other ranges scored at once they add only their start-up
        "serial": ["SELECT set_config('max_parallel_workers_per_gather', '0', true)"],
        # a whole range's records: sorting them by person and cap group, then grouping as they
        # come, is quicker than the two hash tables the planner would build
        "sorted": ["SELECT set_config('enable_hashagg', 'off', true)"],
    },
    "sqlite": {
        "as_of": ":as_of",
        "days": "CAST(julianday({later}) - julianday({earlier}) AS INTEGER)",
        "year": "CAST(strftime('%Y', r.occurred_on) AS INTEGER)",
        "least": "min",
        "greatest": "max",
        "add_days": "date({col}, '+' || ({days}) || ' days')",
        "sub_days": "date({col}, '-' || ({days}) || ' days')",
        "distinct": "IS NOT",
        "json_text": "printf(:json_format, {values})",
        "json": "{text}",
        "stored_json": "s.dimensions",
        "now": "strftime('%Y-%m-%d %H:%M:%f', 'now')",
        "prepare": [],
        "serial": [],
        "sorted": [],
    },
}

# The scheme's types, each with the days its records' ages are measured against on :as_of
# (a record's age is compared by its date, not computed per record). MATERIALIZED: worked out
# once per type, not again for every record joined to it.
_TYPES = """rt AS MATERIALIZED (
    SELECT id, code, cap_per_year AS cap, state, full_days, fade_days, {dimension} AS dim,
           CASE WHEN polarity = 'positive' THEN points ELSE -points END AS sp,
           {full_from} AS full_from, {zero_on} AS zero_on
    FROM record_types WHERE scheme_id = :scheme_id
)"""

_SCORING = """
WITH {types}, c AS (
    SELECT r.person_id, rt.dim, rt.cap,
           CASE WHEN rt.cap IS NULL THEN 0 ELSE rt.id * 10000 + {year} END AS grp,
           {points} AS pts, {next_change} AS nc
    FROM credit_records r
    JOIN rt ON rt.code = r.type_code
    WHERE r.status = 'active' AND {record_filter} AND {counts}
), per_group AS (
    -- a group's cap is its type's (none for the uncapped): a key, not one more aggregate
    SELECT person_id, cap, MIN(nc) AS nc, {group_sums}
    FROM c GROUP BY person_id, grp, cap
), per_person AS (
    -- each total within its dimension's floor and cap, worked out once per person here (the
    -- score and the tier below read the totals several times over)
    SELECT person_id, MIN(nc) AS nc, {clamped_sums}
    FROM per_group GROUP BY person_id
), dims AS (
    SELECT res.person_id, p.nc, {dims_or_none}
    FROM residents res LEFT JOIN per_person p ON p.person_id = res.person_id
    WHERE res.consented_at IS NOT NULL AND {resident_filter}
), scored AS (
    SELECT person_id, nc, {dim_names},
           CAST({least}({greatest}(:base + {dim_total}, :min_score), :max_score) AS INTEGER)
             AS score
    FROM dims
), n AS (
    SELECT person_id, score, {tier_case} AS tier, nc, {dim_names} FROM scored
)"""

# the stored value, tier and day it took effect come along: a moved score's old value goes to
# the history
CHANGED_SCORES = _SCORING + """
SELECT n.person_id, n.score, n.tier, {dims_json} AS dims, n.nc AS next_change_on,
       CASE WHEN {moved} THEN 1 ELSE 0 END AS moved,
       CASE WHEN s.person_id IS NULL THEN 0 ELSE 1 END AS stored,
       s.score AS old_score, s.tier AS old_tier, s.since AS old_since
FROM n LEFT JOIN scores s ON s.person_id = n.person_id AND {score_filter}
WHERE {keep}
"""

# A range with no score stored (a first run): every score is new, so they are inserted straight
# from the scoring, each taking effect on the day scored (no history: nothing came before).
FIRST_SCORES = """
INSERT INTO scores (person_id, score, tier, scheme_version, as_of, since, dimensions,
                    next_change_on, computed_at)
""" + _SCORING + """
SELECT n.person_id, n.score, n.tier, :version, :as_of, :as_of, {dims_json}, n.nc, {now} FROM n
"""

# Only what counts now or later: a record worth no points, or faded out (fade_days is at
# least 1), never will again; leaving it out before the grouping spares most of the work for
# old records.
_COUNTS = """rt.sp * r.units <> 0
      AND (r.occurred_on > {as_of} OR (r.ended_on IS NULL AND rt.state) OR {effect} > rt.zero_on)"""

# the day from which a record's age counts: its end, or its start when it has none
_EFFECT = "COALESCE(r.ended_on, r.occurred_on)"

# a record's points on a day (the engine's `faded_points`): in full up to full_days of age,
# then the share of the fading days left (`left`: full_days + fade_days - age)
_POINTS = """CASE
             WHEN r.occurred_on > {as_of} THEN 0
             WHEN r.ended_on IS NULL AND rt.state THEN rt.sp * r.units
             WHEN {effect} >= rt.full_from THEN rt.sp * r.units
             WHEN {effect} <= rt.zero_on THEN 0
             ELSE rt.sp * r.units * {left} / rt.fade_days
           END"""

# The first day after :as_of on which a record's points differ from those on :as_of (NULL: never
# again). A fading record's truncated share |v| = |P| * R // D (P its full points, D the fade
# length, R the days of fading left) next steps down when R falls below ceil(|v| * D / |P|).
_NEXT_CHANGE = """CASE
             WHEN r.occurred_on > {as_of} THEN r.occurred_on
             WHEN r.ended_on IS NULL AND rt.state THEN NULL
             WHEN {effect} >= rt.full_from THEN {first_fading_day}
             WHEN ABS(rt.sp * r.units) * {left} < rt.fade_days THEN NULL
             ELSE {next_step}
           END"""

# a score counts as moved (a history row) when its value or tier changed; it is rewritten when
# that, a dimension total, the scheme or its next change did
_MOVED = "s.person_id IS NULL OR s.score <> n.score OR s.tier <> n.tier"


def scoring_sql(template, params, sql, person_filter, values, every_score=False):
    """A statement of `template` that scores, with one column per dimension of the scheme."""
    least, greatest = sql["least"], sql["greatest"]
    dims = [f"d{i}" for i in range(len(params.dimensions))]
    group_sums, clamped_sums, none, positions = [], [], [], []
    for i, (code, floor, cap) in enumerate(params.dimensions):
        values[f"dim{i}"] = code
        positions.append(f"WHEN :dim{i} THEN {i}")
        # integer sums throughout: PostgreSQL's SUM of a bigint is a (slow) numeric
        group_sums.append(
            f"CAST(SUM(CASE WHEN dim = {i} THEN pts ELSE 0 END) AS INTEGER) AS d{i}")
        clamped_sums.append(
            f"CAST({least}({greatest}(SUM(CASE WHEN cap IS NULL THEN d{i} WHEN d{i} > cap THEN cap"
            f" WHEN d{i} < -cap THEN -cap ELSE d{i} END), {int(floor)}), {int(cap)}) AS INTEGER)"
            f" AS d{i}")
        # a resident with no record that counts: 0 within the floor and cap
        none.append(f"COALESCE(p.d{i}, {min(max(0, int(floor)), int(cap))}) AS d{i}")
    whens = []
    for i, (code, minimum) in enumerate(params.tiers):
        values[f"tier{i}"] = code
        whens.append(f"WHEN score >= {int(minimum)} THEN :tier{i}")
    # below every threshold: the lowest tier, as the engine does
    tier_case = f"CASE {' '.join(whens)} ELSE :tier{len(params.tiers) - 1} END"
    # the JSON of dimension totals, written out as text in the scheme's order (as json.dumps
    # would): a stored score whose text differs in anything has other totals, or is rewritten
    values["json_format"] = "{" + ", ".join(
        json.dumps(code).replace("%", "%%") + ": %s" for code, _, _ in params.dimensions) + "}"
    dims_text = sql["json_text"].format(values=", ".join(f"n.{d}" for d in dims))
    as_of = sql["as_of"]
    return template.format(
        types=_TYPES.format(
            # a type of a dimension outside the scheme's counts in none
            dimension=f"CASE dimension {' '.join(positions)} END",
            full_from=sql["sub_days"].format(col=as_of, days="full_days"),
            zero_on=sql["sub_days"].format(col=as_of, days="full_days + fade_days")),
        year=sql["year"], points=_points(sql), next_change=_next_change(sql),
        counts=_COUNTS.format(as_of=as_of, effect=_EFFECT),
        record_filter=person_filter.format(t="r"), resident_filter=person_filter.format(t="res"),
        # the same range on the stored scores lets the join read only that range of them
        score_filter=person_filter.format(t="s"),
        group_sums=", ".join(group_sums), clamped_sums=", ".join(clamped_sums),
        dims_or_none=", ".join(none), dim_names=", ".join(dims),
        dim_total="(" + " + ".join(dims) + ")", tier_case=tier_case,
        dims_json=sql["json"].format(text=dims_text),
        least=least, greatest=greatest, moved=_MOVED, now=sql["now"],
        keep="1 = 1" if every_score else
        f"{_MOVED} OR s.scheme_version <> :version OR {sql['stored_json']} <> {dims_text}"
        f" OR s.next_change_on {sql['distinct']} n.nc",
    )


def _left(sql):
    """SQL: a fading record's days of fading left (full_days + fade_days - its age)."""
    return sql["days"].format(later=_EFFECT, earlier="rt.zero_on")


def _points(sql):
    """SQL: a record's points on `:as_of`."""
    return _POINTS.format(as_of=sql["as_of"], effect=_EFFECT, left=_left(sql))


def _next_change(sql):
    """SQL: the first day after `:as_of` on which a record's points change (`_NEXT_CHANGE`)."""
    left = _left(sql)
    points = "ABS(rt.sp * r.units)"
    share = f"ABS(rt.sp * r.units * {left} / rt.fade_days)"
    return _NEXT_CHANGE.format(
        as_of=sql["as_of"], effect=_EFFECT, left=left,
        first_fading_day=sql["add_days"].format(col=_EFFECT, days="rt.full_days + 1"),
        next_step=sql["add_days"].format(
            col=_EFFECT, days="rt.full_days + rt.fade_days + 1"
                              f" - ({share} * rt.fade_days + {points} - 1) / {points}"))
