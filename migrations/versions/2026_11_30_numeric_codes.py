"""The 18-digit numeric credit code: a keyed digest of the digits → the encrypted token.

Revision ID: 20261130_numeric_codes
Revises: 20261129_score_runs
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "20261130_numeric_codes"
down_revision = "20261129_score_runs"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "numeric_codes",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("token_enc", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_numeric_codes")),
    )
    op.create_index(op.f("ix_numeric_codes_expires_at"), "numeric_codes", ["expires_at"])


def downgrade():
    op.drop_index(op.f("ix_numeric_codes_expires_at"), table_name="numeric_codes")
    op.drop_table("numeric_codes")
