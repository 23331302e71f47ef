"""Who looked at my credit: the access log.

Revision ID: 20261201_access_log
Revises: 20261130_numeric_codes
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "20261201_access_log"
down_revision = "20261130_numeric_codes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "access_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who_kind", sa.String(length=20), nullable=False),
        sa.Column("who_name", sa.String(length=200), nullable=False),
        sa.Column("what", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"],
                                name=op.f("fk_access_entries_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_entries")),
    )
    op.create_index("ix_access_entries_person_at", "access_entries", ["person_id", "at"])


def downgrade():
    op.drop_index("ix_access_entries_person_at", table_name="access_entries")
    op.drop_table("access_entries")
