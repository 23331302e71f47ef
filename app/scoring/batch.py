"""Set-based rescoring in SQL: the engine's arithmetic over many people at once.

`app.scoring.engine` is the reference; this module reproduces it exactly (integer maths,
truncating division) so that a nightly rescore of millions of records is a few statements,
not a Python loop. Tests compare the two on random data.

One statement scores a range (or set) of persons: a first aggregation groups each person's
records by cap group (all uncapped records of a person fall in one group, each capped type and
year in its own) with one column per dimension; a second, small one applies the yearly caps and
the dimensions' floors and caps; then the score range and the tier; finally the result is
compared with the stored score and, in a nightly run over ranges, only what changed is kept: it
rewrites the few scores that moved rather than every row, and writes each moved score's old
value, with the day it took effect, to the history. A range with no score stored yet (the first
run) skips the comparison: its scores are inserted straight from the scoring, with no history
(nothing came before them). A rescore of named persons (after their records changed) stores all
of their scores, dated today.

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
from app.scoring.scoring_sql import CHANGED_SCORES, DIALECT_SQL, FIRST_SCORES, scoring_sql

# whether a range has a score stored (so that inserting its scores would conflict)
_ANY_STORED = "SELECT 1 FROM scores WHERE person_id >= :lo AND person_id < :hi LIMIT 1"

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

# A moved score's old value, from the day it took effect. A value that took effect on the day
# scored (or later: a run for an earlier day) is replaced within its day and leaves no row.
_HISTORY = """
INSERT INTO score_history (person_id, day, score, tier)
SELECT person_id, old_since, old_score, old_tier FROM changed_scores
WHERE moved = 1 AND stored = 1 AND old_since < :as_of
ON CONFLICT (person_id, day) DO UPDATE SET score = excluded.score, tier = excluded.tier
"""

# New scores are inserted and stored ones updated, not upserted: the locks on the persons keep
# any other writer away, and an insert that need not check for a conflict is twice as fast.
_INSERT_NEW = """
INSERT INTO scores (person_id, score, tier, scheme_version, as_of, since, dimensions,
                    next_change_on, computed_at)
SELECT person_id, score, tier, :version, :as_of, :as_of, dims, next_change_on, {now}
FROM changed_scores WHERE stored = 0
"""

# a score that moved takes effect on the day scored; one rewritten for its totals, scheme or
# next change alone keeps its day
_UPDATE_STORED = """
UPDATE scores SET score = c.score, tier = c.tier, scheme_version = :version, as_of = :as_of,
    since = CASE WHEN c.moved = 1 THEN :as_of ELSE scores.since END,
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
    for prepare in DIALECT_SQL[dialect]["prepare"]:  # the join of residents and scores hashes
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
    set of persons, writes all of theirs. Keeps each moved score's old value in the history and
    returns how many scores were written; appends them as `Change`s to `changes` when a list
    is given. `serial` keeps PostgreSQL from adding parallel workers to the scoring (other
    ranges keep the other cores busy). Runs in the caller's transaction.
    """
    session = db.session
    dialect = session.get_bind().dialect.name
    sql = DIALECT_SQL[dialect]
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
    if person_ids is not None:
        values["ids"] = list(person_ids)
    elif person_range is not None:
        values["lo"], values["hi"] = person_range
    for statement in sql["prepare"] + (sql["serial"] if candidates or serial else []):
        session.execute(text(statement))
    if (person_range is not None and changes is None
            and session.execute(text(_ANY_STORED), values).first() is None):
        return _store_first(params, sql, person_filter, values)
    scoring = scoring_sql(CHANGED_SCORES, params, sql, person_filter, values,
                           every_score=person_ids is not None)
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


def _store_first(params, sql, person_filter, values):
    """Insert the scores of a range that has none stored; return how many."""
    session = db.session
    for statement in sql["sorted"]:
        session.execute(text(statement))
    return session.execute(text(scoring_sql(FIRST_SCORES, params, sql, person_filter,
                                            values)), values).rowcount
