"""Objections, credit repair and the working-day calendar.

Revision ID: 20261203_objections
Revises: 20261202_governance
Create Date: 2026-12-03 10:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = "20261203_objections"
down_revision = "20261202_governance"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("workday", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_index(op.f("ix_calendar_days_year"), "calendar_days", ["year"])
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("redemption_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("reason_enc", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forwarded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forward_by", sa.Date(), nullable=False),
        sa.Column("verdict_by", sa.Date(), nullable=False),
        sa.Column("notify_by", sa.Date(), nullable=False),
        sa.Column("final_by", sa.Date(), nullable=False),
        sa.Column("deadlines_estimated", sa.Boolean(), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("verdict_reason_enc", sa.LargeBinary(), nullable=True),
        sa.Column("correction", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"],
                                name=op.f("fk_objections_person_id_persons")),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name=op.f("fk_objections_resident_id_residents")),
        sa.ForeignKeyConstraint(["record_id"], ["credit_records.id"],
                                name=op.f("fk_objections_record_id_credit_records")),
        sa.ForeignKeyConstraint(["redemption_id"], ["redemptions.id"],
                                name=op.f("fk_objections_redemption_id_redemptions")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name=op.f("fk_objections_department_id_departments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
    )
    op.create_index("ix_objections_department_status", "objections", ["department_id", "status"])
    op.create_index("ix_objections_person_filed", "objections", ["person_id", "filed_at"])
    op.create_index(op.f("ix_objections_record_id"), "objections", ["record_id"])
    op.create_index(op.f("ix_objections_redemption_id"), "objections", ["redemption_id"])
    op.create_table(
        "repairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("statement_enc", sa.LargeBinary(), nullable=False),
        sa.Column("commitment_text", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"],
                                name=op.f("fk_repairs_person_id_persons")),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name=op.f("fk_repairs_resident_id_residents")),
        sa.ForeignKeyConstraint(["record_id"], ["credit_records.id"],
                                name=op.f("fk_repairs_record_id_credit_records")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repairs")),
    )
    op.create_index("ix_repairs_status_filed", "repairs", ["status", "filed_at"])
    op.create_index(op.f("ix_repairs_person_id"), "repairs", ["person_id"])
    op.create_index(op.f("ix_repairs_record_id"), "repairs", ["record_id"])
    op.create_table(
        "governance_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_kind", sa.String(length=10), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_attachments")),
    )
    op.create_index("ix_governance_attachments_owner", "governance_attachments",
                    ["owner_kind", "owner_id"])
    with op.batch_alter_table("redemptions") as batch:
        batch.add_column(sa.Column("contested", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("redemptions") as batch:
        batch.drop_column("contested")
    op.drop_index("ix_governance_attachments_owner", table_name="governance_attachments")
    op.drop_table("governance_attachments")
    op.drop_index(op.f("ix_repairs_record_id"), table_name="repairs")
    op.drop_index(op.f("ix_repairs_person_id"), table_name="repairs")
    op.drop_index("ix_repairs_status_filed", table_name="repairs")
    op.drop_table("repairs")
    op.drop_index(op.f("ix_objections_redemption_id"), table_name="objections")
    op.drop_index(op.f("ix_objections_record_id"), table_name="objections")
    op.drop_index("ix_objections_person_filed", table_name="objections")
    op.drop_index("ix_objections_department_status", table_name="objections")
    op.drop_table("objections")
    op.drop_index(op.f("ix_calendar_days_year"), table_name="calendar_days")
    op.drop_table("calendar_days")
    op.drop_table("calendar_years")
