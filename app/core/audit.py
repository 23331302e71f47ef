"""Append-only, hash-chained audit log of records, scores, decisions and accesses.

Appending is one INSERT with no lock: entries are stored unsealed, and `seal()` later gives the
committed ones their place in the chain (`seq`), oldest id first, with `prev_hash` and `hash`.
Commit order therefore does not matter, and only sealers wait for each other. Sealing runs as a
scheduled job every minute (app.core.audit_jobs), in `flask audit seal` and before
`flask audit verify`, never inside a request. The database triggers refuse any delete and any
change to an entry but sealing it, once, and redacting it, once.

Redaction. Personal data must not outlive its retention, even in the audit log, so an entry's
link in the chain covers a hash of its personal part (`subject_id` and `data`, kept in
`content_hash`) rather than that part itself. `redact()` blanks the personal part of sealed
entries (subject NULL, data `{}`) and sets `redacted_at`; the chain still verifies from the
stored `content_hash`, so a redaction can erase what an entry said but never change it. Every
redaction is itself appended as an `audit.redacted` entry naming the entries and the reason,
and `verify_chain` treats a redacted entry that no such entry accounts for as broken.
"""
import hashlib
import json
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    Integer,
    String,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow

GENESIS = "0" * 64
REDACTED_ACTION = "audit.redacted"  # the entry recording a redaction (see `redact`)
_CHAIN_LOCK = 7_240_001  # PostgreSQL advisory lock id serialising sealers


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        # the sealer's work list, which stays small however long the chain grows
        Index("ix_audit_entries_unsealed", "id", postgresql_where=text("hash IS NULL"),
              sqlite_where=text("hash IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    subject_id: Mapped[int | None] = mapped_column(Integer, index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # set by the sealer: the place in the chain and the links (None until then)
    seq: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    # set by the sealer: the hash of the personal part (subject_id, data) the chain covers
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # when the personal part was blanked (see `redact`)
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self):
        return f"<AuditEntry {self.id} {self.action} {self.object_type}:{self.object_id}>"

    def digest(self):
        return chain_hash(self.prev_hash, self, self.content_hash)


def _canonical(payload) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(entry) -> str:
    """The hash of an entry's personal part: the subject and the data."""
    canonical = _canonical({"subject_id": entry.subject_id, "data": entry.data})
    return hashlib.sha256(canonical.encode()).hexdigest()


def chain_hash(prev_hash, entry, content: str) -> str:
    """The hash of an entry (an AuditEntry or a row of its columns) following `prev_hash`,
    covering its personal part through `content` (its `content_hash`)."""
    payload = {
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "content": content,
    }
    return hashlib.sha256(f"{prev_hash}|{_canonical(payload)}".encode()).hexdigest()


_SEAL = (update(AuditEntry.__table__).where(AuditEntry.__table__.c.id == bindparam("entry_id"))
         .values(seq=bindparam("new_seq"), prev_hash=bindparam("new_prev"),
                 hash=bindparam("new_hash"), content_hash=bindparam("new_content")))


def audit(actor, action, object_type, object_id=None, subject_id=None, data=None) -> int:
    """Append one entry, unsealed, in the caller's transaction; return its id."""
    return audit_many([dict(actor=actor, action=action, object_type=object_type,
                            object_id=object_id, subject_id=subject_id, data=data)])[0]


def audit_many(entries) -> list[int]:
    """Append entries (dicts of `audit`'s arguments), unsealed, in order; return their ids."""
    if not entries:
        return []
    rows = [dict(at=utcnow(), actor=item["actor"], action=item["action"],
                 object_type=item["object_type"],
                 object_id=None if item.get("object_id") is None else str(item["object_id"]),
                 subject_id=item.get("subject_id"), data=item.get("data") or {})
            for item in entries]
    # a Core INSERT: on the verification path the ORM's bulk insert costs more than the trip
    table = AuditEntry.__table__
    ids = db.session.connection().execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars().all()
    return ids


def _lock_chain(session):
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    else:
        # SQLite reads outside a write transaction, so two connections could read the same last
        # hash and fork the chain. A write statement (here one touching no row) takes the
        # database's write lock first, until this transaction ends.
        session.execute(text("DELETE FROM audit_entries WHERE 0 = 1"))


def seal(batch_size=5000) -> int:
    """Chain every unsealed entry this transaction sees, oldest id first; return how many.

    Takes a lock held until the caller's transaction ends (one sealer at a time).
    """
    session = db.session
    _lock_chain(session)
    table, connection = AuditEntry.__table__, session.connection()
    last = connection.execute(select(table.c.seq, table.c.hash).where(table.c.seq.is_not(None))
                              .order_by(table.c.seq.desc()).limit(1)).first()
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    sealed = 0
    while True:
        batch = connection.execute(select(table).where(table.c.hash.is_(None))
                                   .order_by(table.c.id).limit(batch_size)).all()
        if not batch:
            break
        links = []
        for row in batch:
            seq, link, content = seq + 1, prev, content_hash(row)
            prev = chain_hash(link, row, content)
            links.append({"entry_id": row.id, "new_seq": seq, "new_prev": link, "new_hash": prev,
                          "new_content": content})
        connection.execute(_SEAL, links)
        sealed += len(batch)
    # entries this session already holds show their place in the chain when next read
    for entry in [obj for obj in session.identity_map.values() if isinstance(obj, AuditEntry)]:
        session.expire(entry)
    return sealed


def verify_chain(batch_size=5000):
    """Return (sealed entries checked, id of the first broken entry or None).

    A redacted entry is checked through its stored `content_hash`, and must be accounted for
    by an `audit.redacted` entry; an unredacted one must match its `content_hash`.
    """
    expected_prev, checked = GENESIS, 0
    redacted, accounted = [], set()
    rows = db.session.execute(
        select(AuditEntry).where(AuditEntry.seq.is_not(None)).order_by(AuditEntry.seq)
        .execution_options(yield_per=batch_size)
    ).scalars()
    for entry in rows:
        intact = entry.redacted_at is not None or content_hash(entry) == entry.content_hash
        if not intact or entry.prev_hash != expected_prev or entry.digest() != entry.hash:
            return checked, entry.id
        if entry.redacted_at is not None:
            redacted.append(entry.id)
        if entry.action == REDACTED_ACTION:
            accounted.update(entry.data.get("entry_ids", []))
        expected_prev, checked = entry.hash, checked + 1
    unaccounted = [entry_id for entry_id in redacted if entry_id not in accounted]
    return checked, (unaccounted[0] if unaccounted else None)



def redact(where, actor: str, reason: str) -> list[int]:
    """Blank the personal part of the entries matching `where` (a SQL condition on
    AuditEntry); return their ids. Seals first, so only sealed entries are ever redacted, and
    appends an `audit.redacted` entry naming them. `reason` must hold no personal data."""
    seal()
    table = AuditEntry.__table__
    ids = list(db.session.scalars(select(AuditEntry.id).where(where,
                                                              AuditEntry.redacted_at.is_(None))))
    if ids:
        db.session.connection().execute(
            update(table).where(table.c.id.in_(ids))
            .values(subject_id=None, data={}, redacted_at=utcnow()))
        for entry in [o for o in db.session.identity_map.values() if isinstance(o, AuditEntry)]:
            db.session.expire(entry)
        audit(actor, REDACTED_ACTION, "audit_entry", data={"entry_ids": ids, "reason": reason})
    return ids
