"""Locks on persons, so that changes to one person's records and score never interleave.

Two deliveries for one person committing at the same time would each score without the
other's (uncommitted) records, and the stored score would miss one of them. Writers of records
lock their persons first; the nightly rescore locks whole blocks of persons. SQLite already
serialises writing transactions.
"""
from sqlalchemy import text

from app.core.db import array_text
from app.core.extensions import db

_PERSON_LOCK = 7_240_002  # PostgreSQL advisory-lock namespace: one writer per person at a time
_BLOCK_LOCK = 7_240_003  # namespace of blocks of persons, which the nightly rescore locks whole
BLOCK_SIZE = 100_000  # persons per block


def lock_people(person_ids):
    """Wait until no other transaction is changing these persons' records or scores.

    Take this before writing the records and before any audit entry, so that locks are always
    taken blocks first, then persons. Deliveries share their blocks' locks; the nightly rescore
    takes them alone (`lock_range`). Locks are held until the transaction ends; persons it
    holds already are skipped.
    """
    if person_ids and db.session.get_bind().dialect.name == "postgresql":
        held = _held_in_transaction()
        ids = sorted(set(person_ids) - held)
        if not ids:  # a rescore after a delivery: the delivery took them already
            return
        persons = array_text(ids)
        db.session.execute(
            text("SELECT pg_advisory_xact_lock_shared(CAST(:ns AS integer), b) FROM (SELECT DISTINCT"
                 " p / CAST(:size AS integer) AS b FROM unnest(CAST(:ids AS integer[])) AS p"
                 " ORDER BY b) AS blocks"),
            {"ns": _BLOCK_LOCK, "size": BLOCK_SIZE, "ids": persons})
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, p) FROM "
                 "(SELECT unnest(CAST(:ids AS integer[])) AS p ORDER BY p) AS persons"),
            {"ns": _PERSON_LOCK, "ids": persons})
        held.update(ids)


def _held_in_transaction() -> set:
    """The persons this session's current transaction has locked (a new set for each one)."""
    session = db.session()
    transaction = session.get_transaction()
    held = session.info.get("locked_people")
    if held is None or held[0] is not transaction:
        held = session.info["locked_people"] = (transaction, set())
    return held[1]


def lock_range(lo: int, hi: int):
    """Keep deliveries for persons in [lo, hi) waiting while a rescore of that range runs.

    Its snapshot then holds every committed record of those persons, and no delivery can store
    a newer score that the range's (older) result would overwrite.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(CAST(:ns AS integer), b) FROM"
                 " generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS b"),
            {"ns": _BLOCK_LOCK, "first": lo // BLOCK_SIZE, "last": (hi - 1) // BLOCK_SIZE})
    else:
        # SQLite has one lock for writing: take it now with a write that changes nothing
        db.session.execute(text("UPDATE persons SET id = id WHERE 1 = 0"))
