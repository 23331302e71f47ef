"""Governance of records: issuers, legal documents, retention and purge tombstones.

Record types gain who may issue them, their retention, whether a deciding document is required
and when repair may be applied for; a scheme gains its credit commitment text. Schemes already
published are given these values from the scheme file of the same version when there is one
(the file is where they are published), else no issuer, five years' retention for negative
types, no document and no repair. Records gain the deciding document's reference and the time
of their repair.

Revision ID: 20261202_governance
Revises: 20261201_access_log
Create Date: 2026-12-02 10:00:00

"""
import tomllib
from pathlib import Path

from alembic import op
import sqlalchemy as sa

revision = "20261202_governance"
down_revision = "20261201_access_log"
branch_labels = None
depends_on = None

SCHEMES_DIR = Path(__file__).resolve().parents[2] / "app" / "catalogue" / "schemes"
DEFAULT_RETENTION_DAYS = 1825


def upgrade():
    with op.batch_alter_table("schemes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commitment_text", sa.Text(), nullable=False,
                                      server_default=""))
    with op.batch_alter_table("record_types", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuers", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("document_required", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("repair_after_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_ref", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("repaired_at", sa.DateTime(timezone=True), nullable=True))
    _backfill_published_schemes()


def _backfill_published_schemes():
    bind = op.get_bind()
    schemes = sa.table("schemes", sa.column("id", sa.Integer), sa.column("version", sa.String),
                       sa.column("commitment_text", sa.Text))
    types = sa.table("record_types", sa.column("scheme_id", sa.Integer),
                     sa.column("code", sa.String), sa.column("polarity", sa.String),
                     sa.column("issuers", sa.JSON), sa.column("retention_days", sa.Integer),
                     sa.column("document_required", sa.Boolean),
                     sa.column("repair_after_days", sa.Integer))
    bind.execute(types.update().where(types.c.polarity == "negative")
                 .values(retention_days=DEFAULT_RETENTION_DAYS))
    for scheme_id, version in bind.execute(sa.select(schemes.c.id, schemes.c.version)).all():
        path = SCHEMES_DIR / f"{version}.toml"
        if not path.exists():
            continue
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        bind.execute(schemes.update().where(schemes.c.id == scheme_id)
                     .values(commitment_text=data.get("commitment_text", "")))
        for t in data["record_types"]:
            negative = t["polarity"] == "negative"
            bind.execute(types.update().where(types.c.scheme_id == scheme_id,
                                              types.c.code == t["code"]).values(
                issuers=list(t.get("issuers", [])),
                retention_days=t.get("retention_days", DEFAULT_RETENTION_DAYS) if negative else None,
                document_required=t.get("document_required", False),
                repair_after_days=t.get("repair_after_days")))


def downgrade():
    with op.batch_alter_table("credit_records", schema=None) as batch_op:
        batch_op.drop_column("repaired_at")
        batch_op.drop_column("document_ref")
    with op.batch_alter_table("record_types", schema=None) as batch_op:
        batch_op.drop_column("repair_after_days")
        batch_op.drop_column("document_required")
        batch_op.drop_column("retention_days")
        batch_op.drop_column("issuers")
    with op.batch_alter_table("schemes", schema=None) as batch_op:
        batch_op.drop_column("commitment_text")
