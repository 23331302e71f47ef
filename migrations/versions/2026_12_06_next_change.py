"""Each score keeps the first day on which one of its person's records will count other points,
so that a nightly rescore finds the persons whose score can change without reading every
record; an index on when records were last written finds those changed since the last run.

Scores stored before this revision are due at once: the next night rescores their persons and
stores the day.

Scores and their history lose their foreign keys to persons: checking one locks the person's row
for every score written, three quarters of the time a first rescore spends writing. Scores are
written for residents only (whose rows reference their persons) and removed with the account.

Revision ID: 20261206_next_change
Revises: 20261205_operators
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "20261206_next_change"
down_revision = "20261205_operators"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_change_on", sa.Date(), nullable=True))
        batch_op.drop_constraint("fk_scores_person_id_persons", type_="foreignkey")
    with op.batch_alter_table("score_history", schema=None) as batch_op:
        batch_op.drop_constraint("fk_score_history_person_id_persons", type_="foreignkey")
    op.execute("UPDATE scores SET next_change_on = as_of")
    op.create_index("ix_credit_records_updated_at", "credit_records", ["updated_at"])


def downgrade():
    op.drop_index("ix_credit_records_updated_at", table_name="credit_records")
    with op.batch_alter_table("score_history", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_score_history_person_id_persons", "persons",
                                    ["person_id"], ["id"])
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_scores_person_id_persons", "persons", ["person_id"], ["id"])
        batch_op.drop_column("next_change_on")
