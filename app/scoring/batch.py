"""Set-based rescoring in SQL: the engine's arithmetic over many people at once.

`app.scoring.engine` is the reference; this module reproduces it exactly (integer maths,
truncating division) so that a nightly rescore of millions of records is a few statements,
not a Python loop. Tests compare the two on random data.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, text

from app.extensions import db

_DIALECT_SQL = {
    "postgresql": {
        "age": "(CAST(:as_of AS DATE) - {col})",
        "year": "CAST(EXTRACT(YEAR FROM r.occurred_on) AS INTEGER)",
        "json_object_agg": "jsonb_object_agg",
        "now": "now()",
    },
    "sqlite": {
        "age": "CAST(julianday(:as_of) - julianday({col}) AS INTEGER)",
        "year": "CAST(strftime('%Y', r.occurred_on) AS INTEGER)",
        "json_object_agg": "json_group_object",
        "now": "strftime('%Y-%m-%d %H:%M:%f', 'now')",
    },
}

_NEW_SCORES = """
CREATE TEMPORARY TABLE new_scores AS
WITH c AS (
    SELECT r.person_id, rt.dimension,
           CASE WHEN rt.cap_per_year IS NULL THEN '' ELSE rt.code END AS cap_type,
           CASE WHEN rt.cap_per_year IS NULL THEN 0 ELSE {year} END AS yr,
           rt.cap_per_year AS cap,
           CASE
             WHEN {age_occurred} < 0 THEN 0
             WHEN r.ended_on IS NULL AND rt.state THEN rt.sp * r.units
             WHEN {age_effect} <= rt.full_days THEN rt.sp * r.units
             WHEN {age_effect} >= rt.full_days + rt.fade_days THEN 0
             ELSE rt.sp * r.units * (rt.full_days + rt.fade_days - {age_effect}) / rt.fade_days
           END AS pts
    FROM credit_records r
    JOIN (SELECT code, dimension, cap_per_year, state, full_days, fade_days,
                 CASE WHEN polarity = 'positive' THEN points ELSE -points END AS sp
          FROM record_types WHERE scheme_id = :scheme_id) rt ON rt.code = r.type_code
    WHERE r.status = 'active' AND {record_filter}
), per_cap_group AS (
    SELECT person_id, dimension,
           CASE WHEN cap IS NULL THEN SUM(pts)
                WHEN SUM(pts) > cap THEN cap
                WHEN SUM(pts) < -cap THEN -cap
                ELSE SUM(pts) END AS pts
    FROM c GROUP BY person_id, dimension, cap_type, yr, cap
), per_dimension AS (
    SELECT g.person_id, g.dimension,
           CASE WHEN SUM(g.pts) < MIN(d.floor) THEN MIN(d.floor)
                WHEN SUM(g.pts) > MIN(d.cap) THEN MIN(d.cap)
                ELSE SUM(g.pts) END AS pts
    FROM per_cap_group g JOIN dimensions d ON d.scheme_id = :scheme_id AND d.code = g.dimension
    GROUP BY g.person_id, g.dimension
), per_person AS (
    SELECT person_id, SUM(pts) AS total, {json_object_agg}(dimension, pts) AS dims
    FROM per_dimension GROUP BY person_id
), scored AS (
    SELECT res.person_id,
           CASE WHEN :base + COALESCE(p.total, 0) < :min_score THEN :min_score
                WHEN :base + COALESCE(p.total, 0) > :max_score THEN :max_score
                ELSE :base + COALESCE(p.total, 0) END AS score,
           p.dims
    FROM residents res LEFT JOIN per_person p ON p.person_id = res.person_id
    WHERE res.consented_at IS NOT NULL AND {resident_filter}
)
SELECT s.person_id, s.score, s.dims,
       (SELECT t.code FROM tiers t WHERE t.scheme_id = :scheme_id AND t.min_score <= s.score
        ORDER BY t.min_score DESC LIMIT 1) AS tier
FROM scored s
"""

_HISTORY = """
INSERT INTO score_history (person_id, day, score, tier)
SELECT n.person_id, :as_of, n.score, n.tier
FROM new_scores n LEFT JOIN scores s ON s.person_id = n.person_id
WHERE s.person_id IS NULL OR s.score <> n.score OR s.tier <> n.tier
ON CONFLICT (person_id, day) DO UPDATE SET score = excluded.score, tier = excluded.tier
"""

_UPSERT = """
INSERT INTO scores (person_id, score, tier, scheme_version, as_of, dimensions, breakdown,
                    computed_at)
SELECT person_id, score, tier, :version, :as_of, {dims}, NULL, {now} FROM new_scores WHERE true
ON CONFLICT (person_id) DO UPDATE SET
    score = excluded.score, tier = excluded.tier, scheme_version = excluded.scheme_version,
    as_of = excluded.as_of, dimensions = excluded.dimensions, breakdown = NULL,
    computed_at = excluded.computed_at
"""


@dataclass(frozen=True)
class SchemeParams:
    scheme_id: int
    version: str
    base: int
    min_score: int
    max_score: int
    dimension_codes: tuple[str, ...]


def rescore(params: SchemeParams, as_of: date, *, person_range=None, person_ids=None) -> int:
    """Recompute and store the scores of consenting residents in a range or set of persons.

    Runs in the caller's transaction; returns how many scores were written.
    """
    session = db.session
    dialect = session.get_bind().dialect.name
    sql = _DIALECT_SQL[dialect]
    if person_ids is not None:
        record_filter, resident_filter = "r.person_id IN :ids", "res.person_id IN :ids"
    elif person_range is not None:
        record_filter = "r.person_id >= :lo AND r.person_id < :hi"
        resident_filter = "res.person_id >= :lo AND res.person_id < :hi"
    else:
        record_filter = resident_filter = "1 = 1"
    age = sql["age"]
    create = text(_NEW_SCORES.format(
        year=sql["year"],
        age_occurred=age.format(col="r.occurred_on"),
        age_effect=age.format(col="COALESCE(r.ended_on, r.occurred_on)"),
        record_filter=record_filter, resident_filter=resident_filter,
        json_object_agg=sql["json_object_agg"],
    ))
    values = {
        "scheme_id": params.scheme_id, "base": params.base, "min_score": params.min_score,
        "max_score": params.max_score, "as_of": as_of if dialect == "postgresql" else as_of.isoformat(),
    }
    if person_ids is not None:
        create = create.bindparams(bindparam("ids", expanding=True))
        values["ids"] = list(person_ids)
    elif person_range is not None:
        values["lo"], values["hi"] = person_range
    session.execute(text("DROP TABLE IF EXISTS new_scores"))
    session.execute(create, values)
    session.execute(text(_HISTORY), {"as_of": values["as_of"]})
    dims = _full_dimensions_sql(params.dimension_codes, dialect)
    written = session.execute(
        text(_UPSERT.format(dims=dims, now=sql["now"])),
        {"version": params.version, "as_of": values["as_of"]},
    ).rowcount
    session.execute(text("DROP TABLE new_scores"))
    return written


def _full_dimensions_sql(codes, dialect):
    """Every dimension appears in the stored totals, with 0 where a person has no records."""
    if dialect == "postgresql":
        zeros = ", ".join(f"'{c}', 0" for c in codes)
        return f"(jsonb_build_object({zeros}) || COALESCE(dims, '{{}}'::jsonb))"
    zeros = ", ".join(f"'$.{c}', 0" for c in codes)
    return f"json_patch(json_object({zeros.replace('$.', '')}), COALESCE(dims, '{{}}'))"
