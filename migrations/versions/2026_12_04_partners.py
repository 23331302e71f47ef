"""Partners: organisations, OAuth clients, consents and tokens.

Revision ID: 20261204_partners
Revises: 20261203_objections
Create Date: 2026-12-04 10:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "20261204_partners"
down_revision = "20261203_objections"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
