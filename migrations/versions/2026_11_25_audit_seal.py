"""Audit entries are appended unsealed and chained later, in one sealing order.

Appending no longer takes a lock: a request inserts its entry with no hash, and the sealer
(`flask audit seal`, `flask audit verify`, and every few hundred appends) gives the committed
unsealed entries their place in the chain (`seq`), `prev_hash` and `hash`. The triggers still
refuse every delete and every change except sealing an unsealed entry, once.

Downgrading needs every entry sealed first (`flask audit seal`).

Revision ID: 20261125_audit_seal
Revises: 20261125_resident_web
Create Date: 2026-11-25 21:30:00

"""
from alembic import op
import sqlalchemy as sa

revision = "20261125_audit_seal"
down_revision = "20261125_resident_web"
branch_labels = None
depends_on = None

# every column but the ones the sealer sets (seq, prev_hash, hash) and data (compared as text)
_CONTENT = ("id", "at", "actor", "action", "object_type", "object_id", "subject_id")

SEAL_ONLY = {
    "postgresql": [
        "ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only",
        f"""CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
           BEGIN
             IF TG_OP = 'UPDATE' AND OLD.hash IS NULL
                AND ({", ".join(f"NEW.{c}" for c in _CONTENT)}, NEW.data::text)
                    IS NOT DISTINCT FROM ({", ".join(f"OLD.{c}" for c in _CONTENT)}, OLD.data::text)
             THEN RETURN NEW;  -- sealing an unsealed entry
             END IF;
             RAISE EXCEPTION 'audit_entries is append-only';
           END; $$ LANGUAGE plpgsql""",
    ],
    "sqlite": [
        f"""CREATE TRIGGER audit_entries_seal_only BEFORE UPDATE ON audit_entries
           WHEN OLD.hash IS NOT NULL
             OR {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _CONTENT + ("data",))}
           BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
        """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
           BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
    ],
}
APPEND_ONLY = {
    "postgresql": [
        """CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
           BEGIN RAISE EXCEPTION 'audit_entries is append-only'; END; $$ LANGUAGE plpgsql""",
    ],
    "sqlite": [
        """CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
           BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
        """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
           BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
    ],
}
SUSPEND = {
    "upgrade": {
        "postgresql": ["ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"],
        "sqlite": ["DROP TRIGGER audit_entries_no_update", "DROP TRIGGER audit_entries_no_delete"],
    },
    "downgrade": {
        "sqlite": ["DROP TRIGGER audit_entries_seal_only", "DROP TRIGGER audit_entries_no_delete"],
    },
}


def _run(statements):
    for statement in statements.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def upgrade():
    # SQLite rebuilds the table to change a column, dropping its triggers; PostgreSQL's would
    # refuse numbering the existing entries
    _run(SUSPEND["upgrade"])
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                                      nullable=True))
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_entries_seq"), ["seq"])
    op.execute("UPDATE audit_entries SET seq = id")  # entries chained so far keep their order
    op.create_index("ix_audit_entries_unsealed", "audit_entries", ["id"],
                    postgresql_where=sa.text("hash IS NULL"), sqlite_where=sa.text("hash IS NULL"))
    _run(SEAL_ONLY)


def downgrade():
    _run(SUSPEND["downgrade"])
    op.drop_index("ix_audit_entries_unsealed", table_name="audit_entries")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_entries_seq"), type_="unique")
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("seq")
    _run(APPEND_ONLY)
