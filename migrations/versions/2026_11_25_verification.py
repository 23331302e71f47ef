"""Credit-code signing keys, redemptions of benefits and verification replays.

Revision ID: 20261125_verification
Revises: 20261125_foundation
Create Date: 2026-11-25 21:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "20261125_verification"
down_revision = "20261125_foundation"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=8), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("private_key_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_signing_keys_kid")),
    )
    op.create_table(
        "redemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("benefit_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("defaulted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("default_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["benefit_id"], ["benefits.id"],
                                name=op.f("fk_redemptions_benefit_id_benefits")),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchants.id"],
                                name=op.f("fk_redemptions_merchant_id_merchants")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"],
                                name=op.f("fk_redemptions_person_id_persons")),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name=op.f("fk_redemptions_resident_id_residents")),
        sa.ForeignKeyConstraint(["staff_id"], ["merchant_staff.id"],
                                name=op.f("fk_redemptions_staff_id_merchant_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemptions")),
        # one redemption per credit code: the barrier against concurrent double scans
        sa.UniqueConstraint("token_id", name=op.f("uq_redemptions_token_id")),
    )
    op.create_index("ix_redemptions_person_benefit_granted", "redemptions",
                    ["person_id", "benefit_id", "granted_at"])
    op.create_index("ix_redemptions_merchant_granted", "redemptions", ["merchant_id", "granted_at"])
    op.create_index("ix_redemptions_status_due", "redemptions", ["status", "default_due_at"])
    op.create_table(
        "verification_replays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchants.id"],
                                name=op.f("fk_verification_replays_merchant_id_merchants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_replays")),
        sa.UniqueConstraint("merchant_id", "idempotency_key",
                            name=op.f("uq_verification_replays_merchant_id_idempotency_key")),
    )


def downgrade():
    op.drop_table("verification_replays")
    op.drop_index("ix_redemptions_status_due", table_name="redemptions")
    op.drop_index("ix_redemptions_merchant_granted", table_name="redemptions")
    op.drop_index("ix_redemptions_person_benefit_granted", table_name="redemptions")
    op.drop_table("redemptions")
    op.drop_table("signing_keys")
