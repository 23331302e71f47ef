"""Append-only, hash-chained audit log of records, scores, decisions and accesses."""
import hashlib
import json
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String, select, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime
from app.core.time import utcnow
from app.extensions import db

GENESIS = "0" * 64
_CHAIN_LOCK = 7_240_001  # PostgreSQL advisory lock id serialising appends to the chain


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    subject_id: Mapped[int | None] = mapped_column(Integer, index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def __repr__(self):
        return f"<AuditEntry {self.id} {self.action} {self.object_type}:{self.object_id}>"

    def digest(self):
        payload = {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "subject_id": self.subject_id,
            "data": self.data,
        }
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(f"{self.prev_hash}|{canonical}".encode()).hexdigest()


def audit(actor, action, object_type, object_id=None, subject_id=None, data=None):
    """Append one entry to the chain (flushes; the caller's transaction commits it)."""
    return audit_many([dict(actor=actor, action=action, object_type=object_type,
                            object_id=object_id, subject_id=subject_id, data=data)])[0]


def audit_many(entries):
    """Append entries (dicts of `audit`'s arguments) to the chain in order, under one lock."""
    if not entries:
        return []
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    else:
        # SQLite reads outside a write transaction, so two connections could read the same last
        # hash and fork the chain. A write statement (here one touching no row) takes the
        # database's write lock first, until this transaction ends.
        session.execute(text("DELETE FROM audit_entries WHERE 0 = 1"))
    last = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    appended = []
    for item in entries:
        object_id = item.get("object_id")
        entry = AuditEntry(
            at=utcnow(),
            actor=item["actor"],
            action=item["action"],
            object_type=item["object_type"],
            object_id=None if object_id is None else str(object_id),
            subject_id=item.get("subject_id"),
            data=item.get("data") or {},
            prev_hash=last or GENESIS,
        )
        entry.hash = last = entry.digest()
        session.add(entry)
        # one flush per entry, so that ids (the chain's order) follow the chain
        session.flush()
        appended.append(entry)
    return appended


def verify_chain(batch_size=5000):
    """Return (entries checked, id of the first broken entry or None)."""
    expected_prev, checked = GENESIS, 0
    rows = db.session.execute(
        select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=batch_size)
    ).scalars()
    for entry in rows:
        if entry.prev_hash != expected_prev or entry.digest() != entry.hash:
            return checked, entry.id
        expected_prev, checked = entry.hash, checked + 1
    return checked, None
