"""A score's dimension totals are kept as JSON text on PostgreSQL, not JSONB: the rescore writes
that text and compares it whole, where building and parsing JSONB for each of a million scores
cost a first rescore a tenth of its time.

Totals stored before this revision come back in JSONB's key order: the next rescore that looks
at such a score finds its text different and writes it again (its value and history unchanged).

Revision ID: 20261207_dimensions_json
Revises: 20261206_next_change
Create Date: 2026-12-07 10:00:00

"""
from alembic import op

revision = "20261207_dimensions_json"
down_revision = "20261206_next_change"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite keeps JSON as text already
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE scores ALTER COLUMN dimensions TYPE json USING dimensions::json")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE scores ALTER COLUMN dimensions TYPE jsonb USING dimensions::jsonb")
