"""Upgrading an audit log chained under the old rule: the migration verifies it, links it again
so that entries can be redacted, records the old chain's last hash, and a downgrade restores the
old links exactly."""
import importlib.util
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa

from app.core.audit import seal, verify_chain
from app.core.db import UTCDateTime
from app.core.extensions import db
from app.core.migrations import downgrade, upgrade

BEFORE = "20261201_access_log"
_spec = importlib.util.spec_from_file_location(
    "governance_migration",
    Path(__file__).resolve().parents[2] / "migrations/versions/2026_12_02_governance.py")
migration = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(migration)

audit = sa.table("audit_entries", sa.column("id", sa.Integer), sa.column("at", UTCDateTime()),
                 sa.column("actor", sa.String), sa.column("action", sa.String),
                 sa.column("object_type", sa.String), sa.column("object_id", sa.String),
                 sa.column("subject_id", sa.Integer), sa.column("data", sa.JSON),
                 sa.column("seq", sa.Integer), sa.column("prev_hash", sa.String),
                 sa.column("hash", sa.String))


def chain_the_old_way(connection, count=3):
    """Append and seal entries as the release before this migration did; return the hashes."""
    prev, hashes = migration.GENESIS, []
    start = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)
    for n in range(count):
        row = SimpleNamespace(at=start + timedelta(minutes=n), actor="department:tax",
                              action="record.corrected", object_type="credit_record",
                              object_id=str(n + 1), subject_id=n + 10, data={"before": {"n": n}})
        entry_id = connection.execute(audit.insert().values(**vars(row)).returning(audit.c.id)).scalar()
        digest = migration._old_hash(prev, row)
        connection.execute(audit.update().where(audit.c.id == entry_id)
                           .values(seq=n + 1, prev_hash=prev, hash=digest))
        prev = digest
        hashes.append(digest)
    return hashes


def test_an_old_chain_is_verified_relinked_and_restored_on_downgrade(scratch_app):
    upgrade(revision=BEFORE)
    engine = db.engine
    with engine.begin() as connection:
        old_hashes = chain_the_old_way(connection)
    upgrade()
    marker = db.session.execute(sa.text(
        "SELECT data FROM audit_entries WHERE action = 'audit.chain_upgraded'")).scalar()
    marker = marker if isinstance(marker, dict) else __import__("json").loads(marker)
    assert marker == {"entries": 3, "old_last_hash": old_hashes[-1]}
    seal()
    db.session.commit()
    assert verify_chain() == (4, None)
    db.session.remove()
    downgrade(revision=BEFORE)
    with engine.connect() as connection:
        hashes = connection.execute(sa.select(audit.c.hash).where(audit.c.seq <= 3)
                                    .order_by(audit.c.seq)).scalars().all()
    assert hashes == old_hashes
