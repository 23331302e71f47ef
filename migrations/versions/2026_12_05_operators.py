"""Operators of the credit centre: accounts, roles, TOTP.

Revision ID: 20261205_operators
Revises: 20261204_partners
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "20261205_operators"
down_revision = "20261204_partners"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("totp_secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("totp_enrolled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_totp_step", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("username", name=op.f("uq_operators_username")),
    )
    op.create_table(
        "operator_recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"],
                                name=op.f("fk_operator_recovery_codes_operator_id_operators")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_recovery_codes")),
        sa.UniqueConstraint("code_digest", name=op.f("uq_operator_recovery_codes_code_digest")),
    )
    op.create_index(op.f("ix_operator_recovery_codes_operator_id"), "operator_recovery_codes",
                    ["operator_id"])


def downgrade():
    op.drop_index(op.f("ix_operator_recovery_codes_operator_id"),
                  table_name="operator_recovery_codes")
    op.drop_table("operator_recovery_codes")
    op.drop_table("operators")
