"""The append-only, hash-chained audit log (DESIGN §2) and `flask audit verify`."""
import threading
import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from app.core.audit import GENESIS, AuditEntry, audit, audit_many, seal, verify_chain
from app.core.extensions import db

DROP_TRIGGERS = {
    "postgresql": ["DROP TRIGGER audit_entries_append_only ON audit_entries"],
    "sqlite": ["DROP TRIGGER audit_entries_seal_or_redact", "DROP TRIGGER audit_entries_no_delete"],
}


def dialect():
    return db.session.get_bind().dialect.name


def run_verify(runner):
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def entries_by_id(ids):
    return [db.session.get(AuditEntry, entry_id) for entry_id in ids]


def append_some(n=4):
    return entries_by_id(audit("test", "thing.done", "thing", i, subject_id=None,
                               data={"n": i, "text": "中文 ✓", "nested": {"b": [1, 2], "a": None}})
                         for i in range(n))


def append_sealed(n=4):
    entries = append_some(n)
    seal()
    return entries


def test_entries_are_appended_unsealed_and_chained_by_the_sealer(app):
    entries = append_some()
    assert {(e.seq, e.prev_hash, e.hash) for e in entries} == {(None, None, None)}
    assert seal() >= len(entries)
    assert seal() == 0
    assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + len(entries)))
    for previous, entry in zip(entries, entries[1:]):
        assert entry.prev_hash == previous.hash
        assert entry.hash == entry.digest() and len(entry.hash) == 64
    first = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq).limit(1))
    assert first.prev_hash == GENESIS


def test_many_entries_appended_at_once_are_chained_in_id_order(app):
    before = db.session.get(AuditEntry, audit("test", "before", "thing"))
    entries = entries_by_id(audit_many([dict(actor="test", action="many", object_type="thing",
                                              object_id=i, subject_id=i, data={"i": i})
                                         for i in range(5)]))
    assert audit_many([]) == []
    seal()
    chain = [before] + entries
    assert [e.id for e in chain] == sorted(e.id for e in chain)
    for previous, entry in zip(chain, chain[1:]):
        assert entry.prev_hash == previous.hash and entry.hash == entry.digest()
    assert [e.object_id for e in entries] == ["0", "1", "2", "3", "4"]
    db.session.expire_all()
    assert verify_chain()[1] is None


def test_sealing_order_not_id_order_is_the_chain(app):
    """An entry committed after later ids were sealed joins the chain at its end."""
    sealed = append_sealed(2)
    # a lower id than any sealed entry's: a transaction that started first and committed last
    late_id = -sealed[-1].id
    db.session.execute(text("INSERT INTO audit_entries (id, at, actor, action, object_type, data) "
                            "VALUES (:id, :at, 'test', 'late', 'thing', '{}')"),
                       {"id": late_id, "at": sealed[-1].at.replace(tzinfo=None)
                        if dialect() == "sqlite" else sealed[-1].at})
    assert seal() == 1
    late = db.session.get(AuditEntry, late_id)
    assert (late.seq, late.prev_hash) == (sealed[-1].seq + 1, sealed[-1].hash)
    db.session.expire_all()
    assert verify_chain()[1] is None


def test_verify_seals_first_and_passes_on_an_intact_chain(app, runner):
    append_sealed()
    append_some()
    db.session.expire_all()  # verify what was stored, not the objects in memory
    code, output = run_verify(runner)
    assert code == 0, output
    total = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert f"audit chain intact: {total} entries" in output
    assert db.session.scalar(select(func.count()).where(AuditEntry.hash.is_(None))) == 0


def test_seal_command(app, runner):
    append_some(3)
    result = runner.invoke(args=["audit", "seal"])
    assert result.exit_code == 0 and "sealed" in result.output
    assert db.session.scalar(select(func.count()).where(AuditEntry.hash.is_(None))) == 0


@pytest.mark.parametrize("sealed", [False, True])
@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET actor = 'attacker' WHERE id = :id",
    "UPDATE audit_entries SET data = '{}', hash = NULL WHERE id = :id",
    "DELETE FROM audit_entries WHERE id = :id",
])
def test_the_trigger_refuses_changes_and_deletes_sealed_or_not(app, statement, sealed):
    entry = (append_sealed if sealed else append_some)(1)[0]
    with pytest.raises(DatabaseError, match="append-only"):
        with db.session.begin_nested():
            db.session.execute(text(statement), {"id": entry.id})
    db.session.expire_all()
    assert db.session.get(AuditEntry, entry.id).actor == "test"


def test_the_trigger_refuses_resealing(app):
    entry = append_sealed(1)[0]
    with pytest.raises(DatabaseError, match="append-only"):
        with db.session.begin_nested():
            db.session.execute(text("UPDATE audit_entries SET hash = :h, prev_hash = :h WHERE id = :id"),
                               {"h": "e" * 64, "id": entry.id})


@pytest.mark.parametrize("tamper", ["data", "actor", "time", "delete", "rehash_one"])
def test_verify_names_the_first_altered_entry(app, runner, tamper):
    entries = append_sealed(5)
    target = entries[2]
    # an attacker with database rights can drop the trigger; the chain still gives them away
    for statement in DROP_TRIGGERS[dialect()]:
        db.session.execute(text(statement))
    if tamper == "data":
        db.session.execute(text("UPDATE audit_entries SET data = :d WHERE id = :id"),
                           {"d": '{"n": 99}', "id": target.id})
    elif tamper == "actor":
        db.session.execute(text("UPDATE audit_entries SET actor = 'someone' WHERE id = :id"),
                           {"id": target.id})
    elif tamper == "time":
        db.session.execute(text("UPDATE audit_entries SET at = :at WHERE id = :id"),
                           {"at": entries[0].at.replace(tzinfo=None) if dialect() == "sqlite"
                            else entries[0].at, "id": target.id})
    elif tamper == "delete":
        db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": target.id})
        target = entries[3]  # the chain breaks at the entry after the gap
    elif tamper == "rehash_one":
        # rewriting an entry and its own hash still breaks the link to the next one
        db.session.execute(text("UPDATE audit_entries SET actor = 'x', hash = :h WHERE id = :id"),
                           {"h": "f" * 64, "id": target.id})
    db.session.expire_all()
    code, output = run_verify(runner)
    assert code == 1
    assert f"BROKEN at entry {target.id}" in output
    checked, broken = verify_chain()
    assert broken == target.id


def test_concurrent_appends_and_sealings_keep_one_chain(live_app):
    """Appends and sealings from several connections at once never fork the chain."""
    marker = uuid.uuid4().hex
    errors = []

    def committed(action):
        for _attempt in range(20):
            try:
                action()
                db.session.commit()
                return True
            except DatabaseError:  # SQLite: "database is locked"; the caller retries
                db.session.rollback()
        return False

    def worker(n):
        with live_app.app_context():
            for i in range(8):
                if not committed(lambda: audit("worker", "concurrent.append", "thing",
                                               f"{marker}:{n}:{i}")):
                    errors.append((n, i))
                # sealers racing each other and the appenders
                if i % 2 and not committed(seal):
                    errors.append((n, i, "seal"))
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    db.session.remove()
    count = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.object_id.like(f"{marker}:%")))
    assert count == 32
    seal()
    db.session.commit()
    hashes = db.session.scalars(select(AuditEntry.prev_hash)).all()
    assert len(hashes) == len(set(hashes)), "two entries share a predecessor: the chain forked"
    assert verify_chain()[1] is None
