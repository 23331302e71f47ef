"""Closed resident accounts: the row stays as a tombstone (redemptions and access logs point to
it) while the phone, password, consent and score are removed.

Revision ID: 20261125_resident_web
Revises: 20261125_verification
Create Date: 2026-11-25 21:20:00

"""
from alembic import op
import sqlalchemy as sa

revision = "20261125_resident_web"
down_revision = "20261125_verification"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("residents", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # batch mode: SQLite can only drop a column by rebuilding the table
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("closed_at")
