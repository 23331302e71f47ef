"""Nightly rescore runs (day, scheme, finished) and the persons a run rescores, so that a night
rescores only the persons whose score can have changed since the last run; an index from which
that rescore reads those persons' active records without visiting the table.

Revision ID: 20261129_score_runs
Revises: 20261128_sign_in_state
Create Date: 2026-11-29 10:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "20261129_score_runs"
down_revision = "20261128_sign_in_state"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "score_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("scheme_version", sa.String(length=20), nullable=False),
        sa.Column("full_rescore", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("candidates", sa.Integer(), nullable=True),
        sa.Column("written", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_runs")),
    )
    op.create_table(
        "score_candidates",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_score_candidates")),
    )
    op.create_index(
        "ix_credit_records_scoring", "credit_records", ["person_id"],
        postgresql_include=["type_code", "occurred_on", "ended_on", "units"],
        postgresql_where=sa.text("status = 'active'"), sqlite_where=sa.text("status = 'active'"))


def downgrade():
    op.drop_index("ix_credit_records_scoring", table_name="credit_records")
    op.drop_table("score_candidates")
    op.drop_table("score_runs")
