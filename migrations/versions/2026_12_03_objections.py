"""Objections, credit repair and the working-day calendar.

Revision ID: 20261203_objections
Revises: 20261202_governance
Create Date: 2026-12-03 10:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "20261203_objections"
down_revision = "20261202_governance"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
