"""Upgrading scores whose current value was also kept as a history row: each score takes the day
of its last history row when that row holds its value (the row is dropped), else the day it was
computed for; a downgrade writes the current values back as history rows."""
from datetime import date

import sqlalchemy as sa

from app.core.extensions import db
from app.core.migrations import downgrade, upgrade

BEFORE = "20261207_dimensions_json"
D1, D2, D3 = date(2026, 3, 1), date(2026, 5, 1), date(2026, 6, 30)

# (person, score, tier, as_of) as the release before stored them, and their history rows
SCORES = [(1, 100, "good", D3), (2, 120, "very_good", D3), (3, 80, "minor_dishonesty", D3)]
HISTORY = [
    (1, D1, 90, "minor_dishonesty"), (1, D2, 100, "good"),  # the last row is the current value
    # person 2 has none; person 3's last row is not its current value (kept as it is)
    (3, D1, 70, "minor_dishonesty"), (3, D3, 75, "minor_dishonesty"),
]


def rows(connection, sql):
    return sorted(tuple(row) for row in connection.execute(sa.text(sql)))


def as_dates(found):
    """SQLite gives days back as text"""
    return [tuple(date.fromisoformat(v) if isinstance(v, str) and v[:2] == "20" else v
                  for v in row) for row in found]


def test_scores_take_the_day_of_their_value_and_a_downgrade_restores_the_history(scratch_app):
    upgrade(revision=BEFORE)
    engine = db.engine
    with engine.begin() as connection:
        for person_id, score, tier, as_of in SCORES:
            connection.execute(sa.text(
                "INSERT INTO scores (person_id, score, tier, scheme_version, as_of, dimensions,"
                " computed_at, next_change_on) VALUES (:p, :s, :t, '2026.1', :d, '{}',"
                " CURRENT_TIMESTAMP, NULL)"),
                {"p": person_id, "s": score, "t": tier, "d": as_of})
        for person_id, day, score, tier in HISTORY:
            connection.execute(sa.text(
                "INSERT INTO score_history (person_id, day, score, tier)"
                " VALUES (:p, :d, :s, :t)"), {"p": person_id, "d": day, "s": score, "t": tier})
        before = as_dates(rows(connection, "SELECT * FROM score_history"))

    upgrade()
    with engine.begin() as connection:
        assert as_dates(rows(connection, "SELECT person_id, since FROM scores")) == [
            (1, D2), (2, D3), (3, D3)]
        assert as_dates(rows(connection, "SELECT * FROM score_history")) == [
            (1, D1, 90, "minor_dishonesty"),
            (3, D1, 70, "minor_dishonesty"), (3, D3, 75, "minor_dishonesty")]

    downgrade(revision=BEFORE)
    with engine.begin() as connection:
        # person 2's current value is written back too; person 3 had a row on its day already
        assert as_dates(rows(connection, "SELECT * FROM score_history")) == sorted(
            before + [(2, D3, 120, "very_good")])
