"""A score keeps the day its value and tier took effect, and the history keeps only the values
before it: the current value is no longer written twice, so a first rescore writes one row per
resident, not two (the history rows were about a seventh of its time and a third of its WAL).

Each stored score takes the day of its person's last history row when that row holds the same
value and tier (the row is then dropped), else the day it was computed for. A downgrade writes
the current values back as history rows.

Revision ID: 20261208_score_since
Revises: 20261207_dimensions_json
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "20261208_score_since"
down_revision = "20261207_dimensions_json"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("since", sa.Date(), nullable=True))
    op.execute("""
        UPDATE scores SET since = COALESCE((
            SELECT h.day FROM score_history h
            WHERE h.person_id = scores.person_id AND h.day <= scores.as_of
              AND h.score = scores.score AND h.tier = scores.tier
              AND NOT EXISTS (SELECT 1 FROM score_history later
                              WHERE later.person_id = h.person_id AND later.day > h.day)
        ), as_of)""")
    op.execute("""
        DELETE FROM score_history WHERE EXISTS (
            SELECT 1 FROM scores s WHERE s.person_id = score_history.person_id
              AND s.since = score_history.day AND s.score = score_history.score
              AND s.tier = score_history.tier)""")
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.alter_column("since", existing_type=sa.Date(), nullable=False)


def downgrade():
    op.execute("""
        INSERT INTO score_history (person_id, day, score, tier)
        SELECT person_id, since, score, tier FROM scores s
        WHERE NOT EXISTS (SELECT 1 FROM score_history h
                          WHERE h.person_id = s.person_id AND h.day = s.since)""")
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.drop_column("since")
