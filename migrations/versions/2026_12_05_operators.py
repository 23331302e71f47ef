"""Operators of the credit centre: accounts, roles, TOTP.

Revision ID: 20261205_operators
Revises: 20261204_partners
Create Date: 2026-12-05 10:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "20261205_operators"
down_revision = "20261204_partners"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
