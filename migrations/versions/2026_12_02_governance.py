"""Governance of records: issuers, legal documents, retention and purge tombstones.

Record types gain who may issue them, their retention, whether a deciding document is required
and when repair may be applied for; a scheme gains its credit commitment text. Schemes already
published are given these values from the scheme file of the same version when there is one
(the file is where they are published), else no issuer, five years' retention for negative
types, no document and no repair. Records gain the deciding document's reference and the time
of their repair. Purged records leave a tombstone without personal data.

Audit entries become redactable: the chain now covers a hash of an entry's personal part
(`subject_id`, `data`) kept in `content_hash`, so that part can be blanked once (`redacted_at`)
while the chain still verifies. Upgrading first verifies the whole existing chain under the old
rule (and stops if it is broken: investigate with `flask audit verify` on the old release), then
re-links every sealed entry under the new rule and appends an `audit.chain_upgraded` entry
holding the old chain's last hash, so anything anchored to the old chain can still be matched.
The triggers now allow sealing an entry once and redacting a sealed entry once. Downgrading is
refused once any entry has been redacted (the old rule would need the erased data).

Revision ID: 20261202_governance
Revises: 20261201_access_log
Create Date: 2026-12-02 10:00:00

"""
import hashlib
import json
import tomllib
from datetime import datetime, timezone
from pathlib import Path

from alembic import op
import sqlalchemy as sa

from app.core.db import UTCDateTime

revision = "20261202_governance"
down_revision = "20261201_access_log"
branch_labels = None
depends_on = None

SCHEMES_DIR = Path(__file__).resolve().parents[2] / "app" / "catalogue" / "schemes"
DEFAULT_RETENTION_DAYS = 1825


GENESIS = "0" * 64
# every column of an entry but the sealer's (seq, prev_hash, hash, content_hash), data
# (compared as text) and the redaction's
_CONTENT = ("id", "at", "actor", "action", "object_type", "object_id", "subject_id")
# what a redaction leaves as it was
_LINKS = ("id", "at", "actor", "action", "object_type", "object_id", "seq", "prev_hash", "hash",
          "content_hash")


def _columns(prefix, names):
    return ", ".join(f"{prefix}.{c}" for c in names)


SEAL_OR_REDACT = {
    "postgresql": [
        f"""CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
           BEGIN
             IF TG_OP = 'UPDATE' AND OLD.hash IS NULL
                AND ({_columns("NEW", _CONTENT)}, NEW.data::text, NEW.redacted_at)
                    IS NOT DISTINCT FROM ({_columns("OLD", _CONTENT)}, OLD.data::text, OLD.redacted_at)
             THEN RETURN NEW;  -- sealing an unsealed entry
             END IF;
             IF TG_OP = 'UPDATE' AND OLD.hash IS NOT NULL AND OLD.redacted_at IS NULL
                AND NEW.redacted_at IS NOT NULL AND NEW.subject_id IS NULL
                AND NEW.data::text = '{{}}'
                AND ({_columns("NEW", _LINKS)}) IS NOT DISTINCT FROM ({_columns("OLD", _LINKS)})
             THEN RETURN NEW;  -- redacting a sealed entry's personal part, once
             END IF;
             RAISE EXCEPTION 'audit_entries is append-only';
           END; $$ LANGUAGE plpgsql""",
    ],
    "sqlite": [
        f"""CREATE TRIGGER audit_entries_seal_or_redact BEFORE UPDATE ON audit_entries
           WHEN NOT (
             (OLD.hash IS NULL
              AND {" AND ".join(f"NEW.{c} IS OLD.{c}" for c in _CONTENT + ("data", "redacted_at"))})
             OR (OLD.hash IS NOT NULL AND OLD.redacted_at IS NULL
                 AND NEW.redacted_at IS NOT NULL AND NEW.subject_id IS NULL AND NEW.data = '{{}}'
                 AND {" AND ".join(f"NEW.{c} IS OLD.{c}" for c in _LINKS)}))
           BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
    ],
}
SEAL_ONLY = {  # as 20261125_audit_seal left them
    "postgresql": [
        f"""CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
           BEGIN
             IF TG_OP = 'UPDATE' AND OLD.hash IS NULL
                AND ({_columns("NEW", _CONTENT)}, NEW.data::text)
                    IS NOT DISTINCT FROM ({_columns("OLD", _CONTENT)}, OLD.data::text)
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
# re-linking rewrites sealed entries, which the triggers exist to refuse
SUSPEND = {
    "upgrade": {
        "postgresql": ["ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"],
        "sqlite": ["DROP TRIGGER audit_entries_seal_only"],
    },
    "downgrade": {
        "postgresql": ["ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"],
        # dropping columns rebuilds the table, without its triggers: all are made again after
        "sqlite": ["DROP TRIGGER audit_entries_seal_or_redact",
                   "DROP TRIGGER audit_entries_no_delete"],
    },
}
RESUME = {"postgresql": ["ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only"]}

_audit = sa.table(
    "audit_entries", sa.column("id", sa.Integer), sa.column("at", UTCDateTime()),
    sa.column("actor", sa.String), sa.column("action", sa.String),
    sa.column("object_type", sa.String), sa.column("object_id", sa.String),
    sa.column("subject_id", sa.Integer), sa.column("data", sa.JSON), sa.column("seq", sa.Integer),
    sa.column("prev_hash", sa.String), sa.column("hash", sa.String),
    sa.column("content_hash", sa.String), sa.column("redacted_at", UTCDateTime()))


def _canonical(payload):
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def _old_hash(prev, row):
    return _sha(f"{prev}|" + _canonical({
        "at": row.at.isoformat(), "actor": row.actor, "action": row.action,
        "object_type": row.object_type, "object_id": row.object_id,
        "subject_id": row.subject_id, "data": row.data}))


def _content_hash(row):
    return _sha(_canonical({"subject_id": row.subject_id, "data": row.data}))


def _new_hash(prev, row, content):
    return _sha(f"{prev}|" + _canonical({
        "at": row.at.isoformat(), "actor": row.actor, "action": row.action,
        "object_type": row.object_type, "object_id": row.object_id, "content": content}))


def _relink(bind, old_rule: bool):
    """Verify every sealed entry under one rule (the old one when upgrading) and link it again
    under the other; return how many there were and the last hash under the rule verified."""
    rows = bind.execute(sa.select(_audit).where(_audit.c.seq.is_not(None))
                        .order_by(_audit.c.seq)).all()
    checked_prev, new_prev, links = GENESIS, GENESIS, []
    for row in rows:
        content = _content_hash(row)
        if old_rule:
            intact = row.hash == _old_hash(checked_prev, row)
        else:
            intact = content == row.content_hash and row.hash == _new_hash(checked_prev, row, content)
        if row.prev_hash != checked_prev or not intact:
            raise RuntimeError(f"audit chain broken at entry {row.id}: not re-linking it")
        checked_prev = row.hash
        new_hash = _new_hash(new_prev, row, content) if old_rule else _old_hash(new_prev, row)
        links.append({"entry_id": row.id, "p": new_prev, "h": new_hash,
                      "c": content if old_rule else None})
        new_prev = new_hash
    if links:
        bind.execute(_audit.update().where(_audit.c.id == sa.bindparam("entry_id"))
                     .values(prev_hash=sa.bindparam("p"), hash=sa.bindparam("h"),
                             content_hash=sa.bindparam("c")), links)
    return len(links), checked_prev


def _run(statements):
    for statement in statements.get(op.get_bind().dialect.name, []):
        op.execute(statement)


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
    op.create_table(
        "record_tombstones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("type_code", sa.String(length=60), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name=op.f("fk_record_tombstones_department_id_departments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_tombstones")),
        sa.UniqueConstraint("record_id", name=op.f("uq_record_tombstones_record_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_record_tombstones_reference")),
    )
    _upgrade_audit_chain()


def _upgrade_audit_chain():
    _run(SUSPEND["upgrade"])
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    count, old_head = _relink(bind, old_rule=True)
    if count:
        bind.execute(_audit.insert().values(
            at=datetime.now(timezone.utc), actor="migration", action="audit.chain_upgraded",
            object_type="audit_entry", data={"entries": count, "old_last_hash": old_head}))
    _run(SEAL_OR_REDACT)
    _run(RESUME)


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
    bind = op.get_bind()
    if bind.execute(sa.select(sa.func.count()).select_from(_audit)
                    .where(_audit.c.redacted_at.is_not(None))).scalar():
        raise RuntimeError("audit entries have been redacted: the old chain rule cannot cover them")
    _run(SUSPEND["downgrade"])
    _relink(bind, old_rule=False)
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column("redacted_at")
        batch_op.drop_column("content_hash")
    _run(SEAL_ONLY)
    _run(RESUME)
    op.drop_table("record_tombstones")
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
