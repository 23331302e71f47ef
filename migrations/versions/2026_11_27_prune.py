"""Prune what nothing reads: the operators table (no one could sign in; the operators' console
brings its own), residents.locale, and scores.breakdown (written by one path, read by none).

Revision ID: 20261127_prune
Revises: 20261125_audit_seal
Create Date: 2026-11-27 13:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "20261127_prune"
down_revision = "20261125_audit_seal"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("operators")
    # batch mode: SQLite can only drop a column by rebuilding the table
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("locale")
    with op.batch_alter_table("scores") as batch:
        batch.drop_column("breakdown")


def downgrade():
    with op.batch_alter_table("scores") as batch:
        batch.add_column(sa.Column(
            "breakdown", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()),
                                                "postgresql"), nullable=True))
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=10), nullable=True))
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("username", name=op.f("uq_operators_username")),
    )
