"""Partners: organisations, OAuth clients, consents, authorization codes and tokens.

Revision ID: 20261204_partners
Revises: 20261203_objections
Create Date: 2026-12-04 10:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "20261204_partners"
down_revision = "20261203_objections"
branch_labels = None
depends_on = None


def _fk(table, column, target):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade():
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("rate_limit", sa.String(length=40), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("partners", "merchant_id", "merchants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_partners_credit_code")),
        sa.UniqueConstraint("merchant_id", name=op.f("uq_partners_merchant_id")),
    )
    op.create_table(
        "partner_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("consent_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        _fk("partner_clients", "partner_id", "partners"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_partner_clients_client_id")),
    )
    op.create_index(op.f("ix_partner_clients_partner_id"), "partner_clients", ["partner_id"])
    op.create_table(
        "partner_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        _fk("partner_consents", "resident_id", "residents"),
        _fk("partner_consents", "partner_id", "partners"),
        sa.ForeignKeyConstraint(["client_id"], ["partner_clients.id"],
                                name=op.f("fk_partner_consents_client_id_partner_clients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_consents")),
    )
    op.create_index("ix_partner_consents_resident_granted", "partner_consents",
                    ["resident_id", "granted_at"])
    op.create_table(
        "partner_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("redirect_uri", sa.String(length=500), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("code_challenge_method", sa.String(length=10), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["partner_clients.id"],
                                name=op.f("fk_partner_codes_client_id_partner_clients")),
        sa.ForeignKeyConstraint(["consent_id"], ["partner_consents.id"],
                                name=op.f("fk_partner_codes_consent_id_partner_consents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_partner_codes_code_hash")),
    )
    op.create_index(op.f("ix_partner_codes_consent_id"), "partner_codes", ["consent_id"])
    op.create_table(
        "partner_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("access_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_hash", sa.String(length=64), nullable=True),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("access_revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refresh_revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["partner_clients.id"],
                                name=op.f("fk_partner_tokens_client_id_partner_clients")),
        sa.ForeignKeyConstraint(["consent_id"], ["partner_consents.id"],
                                name=op.f("fk_partner_tokens_consent_id_partner_consents")),
        _fk("partner_tokens", "resident_id", "residents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_tokens")),
        sa.UniqueConstraint("access_hash", name=op.f("uq_partner_tokens_access_hash")),
        sa.UniqueConstraint("refresh_hash", name=op.f("uq_partner_tokens_refresh_hash")),
    )
    op.create_index(op.f("ix_partner_tokens_consent_id"), "partner_tokens", ["consent_id"])


def downgrade():
    op.drop_index(op.f("ix_partner_tokens_consent_id"), table_name="partner_tokens")
    op.drop_table("partner_tokens")
    op.drop_index(op.f("ix_partner_codes_consent_id"), table_name="partner_codes")
    op.drop_table("partner_codes")
    op.drop_index("ix_partner_consents_resident_granted", table_name="partner_consents")
    op.drop_table("partner_consents")
    op.drop_index(op.f("ix_partner_clients_partner_id"), table_name="partner_clients")
    op.drop_table("partner_clients")
    op.drop_table("partners")
