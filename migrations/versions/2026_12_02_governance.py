"""Governance of records: issuers, legal documents, retention and purge tombstones.

Revision ID: 20261202_governance
Revises: 20261201_access_log
Create Date: 2026-12-02 10:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "20261202_governance"
down_revision = "20261201_access_log"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
