"""Taking in, correcting and revoking public credit records."""
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from types import MappingProxyType

import marshmallow as ma
from flask_babel import gettext as _
from sqlalchemy import select, text

from app.catalogue.models import RecordType
from app.catalogue.services import current_scheme, current_scheme_key, record_type
from app.core.audit import audit
from app.core.db import conflict_insert
from app.core.errors import ApiError
from app.core.extensions import db
from app.core.time import city_today, utcnow
from app.records.models import CreditRecord
from app.records.retention import governance_errors
from app.records.schemas import load_record
from app.records.signals import records_changed
from app.residents.locks import lock_people
from app.residents.services import id_number_index, locked_persons_for, normalise_id_number


@dataclass(slots=True)  # one per record: a batch import makes millions
class Outcome:
    source_id: object
    status: str = "rejected"
    record_id: int | None = None
    errors: list = field(default_factory=list)

    def as_dict(self):
        out = {"source_id": self.source_id, "status": self.status}
        if self.record_id is not None:
            out["record_id"] = self.record_id
        if self.errors:
            out["errors"] = self.errors
        return out


def _insert(model):
    return conflict_insert(db.session.get_bind().dialect.name)(model)


@dataclass
class CheckedBatch:
    """A batch validated against the catalogue, nothing stored yet."""

    outcomes: list  # one per record, in request order
    valid: list  # (outcome, clean values) of the first passing record of each source id
    seen: dict  # source id -> the outcomes of the records carrying it, first one first
    # what storing needs of the valid records, made while checking (which an import does while
    # the last batch is stored): {blind index: (ID number, name)} of their persons, and, on
    # PostgreSQL, each record as a line of `_INCOMING`'s COPY text but for its person, which
    # only storing knows
    identities: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)


def ingest(department, raw_records, actor=None):
    """Take in a batch; every record gets its own outcome and bad ones never stop good ones."""
    return store_batch(department, check_batch(raw_records, current_types(), department.code),
                       actor)


@dataclass(frozen=True)
class IntakeType:
    """What intake checks of a record type, as plain values: a batch import's checking thread
    reads them while the session that loaded them commits (and expires its objects)."""

    code: str
    polarity: str
    state: bool
    issuers: tuple
    retention_days: int | None
    document_required: bool
    unit_attribute: str | None
    unit_size: int


def current_types() -> Mapping[str, IntakeType]:
    """{code: type} of the current scheme, which `check_batch` checks against."""
    return _intake_types(*current_scheme_key())


@lru_cache(maxsize=8)
def _intake_types(scheme_id: int, version: str) -> Mapping[str, IntakeType]:
    # a published scheme's types never change (a change is published as a new version): a
    # delivery reads only which scheme is current, not the scheme and its types, kept read-only
    # for every caller
    return MappingProxyType({
        t.code: IntakeType(t.code, t.polarity, t.state, tuple(t.issuers), t.retention_days,
                           t.document_required, t.unit_attribute, t.unit_size)
        for t in db.session.scalars(select(RecordType).filter_by(scheme_id=scheme_id))})


def check_batch(raw_records, types, department_code, known_ids=None) -> CheckedBatch:
    """Validate each record and find the source ids repeated within the batch, without the
    database (a batch import checks the next batch while the last one is stored). `known_ids`
    keeps the ID numbers already checked for a caller that checks batch after batch."""
    outcomes, valid, seen = [], [], {}
    today, known_ids = city_today(), {} if known_ids is None else known_ids
    if len(known_ids) > _IDS_KEPT:
        known_ids.clear()
    for raw in raw_records:
        source_id = raw.get("source_id") if isinstance(raw, dict) else None
        outcome = Outcome(source_id)
        outcomes.append(outcome)
        values, outcome.errors = validate(raw, types, department_code, today, known_ids)
        if outcome.errors:
            continue
        if values["source_id"] in seen:
            outcome.status = "duplicate"
            seen[values["source_id"]].append(outcome)
            continue
        seen[values["source_id"]] = [outcome]
        valid.append((outcome, values))
    # the COPY text only where the insert copies it
    copied = db.engine.dialect.name == "postgresql"
    return CheckedBatch(outcomes, valid, seen,
                        {v["index"]: (v["id_number"], v["name"]) for _o, v in valid},
                        [_copy_line(v) for _o, v in valid] if copied else [])


def split_batch(batch: CheckedBatch, parts: int) -> list[CheckedBatch]:
    """The batch's valid records as `parts` batches with no person in common (`part_of`), to be
    stored at once; each part's outcomes are those of its records and of their repeats."""
    if parts == 1:
        return [batch]
    split = [CheckedBatch([], [], {}) for _ in range(parts)]
    for entry, line in zip(batch.valid, batch.lines or repeat(None)):
        values = entry[1]
        index, source_id = values["index"], values["source_id"]
        part = split[part_of(index, parts)]
        part.valid.append(entry)
        part.outcomes += (same := batch.seen[source_id])
        part.seen[source_id] = same
        part.identities[index] = batch.identities[index]
        if line is not None:
            part.lines.append(line)
    return split


def part_of(index: str, parts: int) -> int:
    """Which of `parts` parts of a batch holds the records of the person with this blind index:
    the same in every batch of an import (a string's hash is fixed within a process)."""
    return hash(index) % parts


def store_batch(department, batch: CheckedBatch, actor=None, known=None,
                inserting=None) -> list[Outcome]:
    """Store a checked batch: its persons found or created and locked, its records inserted
    unless their source id is taken, audited and rescored; return every record's outcome.
    `known` keeps the persons found for a caller that stores batch after batch
    (`locked_persons_for`); `inserting()` is called as the records are sent."""
    persons = locked_persons_for(batch.identities, known)
    person_ids = []  # of each valid record; None once refused for its name
    stored = []  # (source id, person) of the records to store
    for _outcome, values in batch.valid:
        person = persons[values["index"]]
        if person.name == values["name"]:
            person_ids.append(person.id)
            stored.append((values["source_id"], person.id))
            continue
        person_ids.append(None)
        for same in batch.seen[values["source_id"]]:
            same.status = "rejected"
            same.errors = [{"field": "name",
                            "message": _("The name does not match the ID number.")}]
    if inserting is not None:
        inserting()
    inserted = _insert_records(department.id, batch, person_ids)
    existing = _existing_ids(department.id, [sid for sid, _p in stored if sid not in inserted])
    accepted, changed = [], set()
    for sid, person_id in stored:
        same = batch.seen[sid]
        first, record_id = same[0], inserted.get(sid)
        if record_id is None:
            first.status, first.record_id = "duplicate", existing.get(sid)
        else:
            first.status, first.record_id = "accepted", record_id
            accepted.append(record_id)
            changed.add(person_id)
        for outcome in same[1:]:
            outcome.status, outcome.record_id = "duplicate", first.record_id
    if accepted:
        audit(actor or f"department:{department.code}", "records.accepted", "credit_record",
              data={"department": department.code, "record_ids": accepted})
        records_changed.send(changed, actor="system")
    return batch.outcomes


# ID numbers a batch import remembers as checked at most (`check_batch`)
_IDS_KEPT = 200_000


def validate(raw, types, department_code, today=None, known_ids=None):
    """Return (clean values, errors) for one record from a department; errors are
    [{field, message}]. `known_ids` ({ID number as given: (normalised, blind index)}) spares
    checking and digesting an ID number again."""
    if not isinstance(raw, dict):
        return None, [{"field": "", "message": _("Each record must be a JSON object.")}]
    try:
        values = load_record(raw)
    except ma.ValidationError as err:
        return None, [{"field": f, "message": " ".join(_flatten(m))} for f, m in err.messages.items()]
    errors, today = [], today or city_today()
    try:
        values["id_number"], values["index"] = _identity(
            values["id_number"], {} if known_ids is None else known_ids)
    except ValueError:
        errors.append({"field": "id_number", "message": _("The ID number is not valid (checksum or date).")})
    rtype = types.get(values["type"])
    if rtype is None:
        errors.append({"field": "type", "message": _("Unknown record type: not in the published catalogue.")})
    errors += _date_errors(values, today)
    if rtype is not None and not errors:
        errors += governance_errors(rtype, department_code, values, today)
    if rtype is not None and not errors:
        try:
            values["units"] = units_for(rtype, values["attributes"])
        except ValueError as exc:
            errors.append({"field": f"attributes.{rtype.unit_attribute}", "message": str(exc)})
    return values, errors


def _identity(id_number, known_ids):
    """(normalised ID number, blind index) of an ID number as given; raise ValueError if invalid."""
    identity = known_ids.get(id_number)
    if identity is None:
        normal = normalise_id_number(id_number)
        identity = known_ids[id_number] = (normal, id_number_index(normal))
    return identity


def _date_errors(values, today=None):
    today, errors = today or city_today(), []
    if values["occurred_at"] > today:
        errors.append({"field": "occurred_at", "message": _("The date is in the future.")})
    ended = values.get("ended_at")
    if ended is not None:
        if ended > today:
            errors.append({"field": "ended_at", "message": _("The date is in the future.")})
        if ended < values["occurred_at"]:
            errors.append({"field": "ended_at", "message": _("The end is before the start.")})
    return errors


# one record counts at most this many units (10,000 volunteering hours, ¥500,000 of charity)
MAX_UNITS = 1000


def units_for(rtype, attributes) -> int:
    """How many times a record's points count (e.g. whole 10-hour blocks of volunteering)."""
    if not rtype.unit_attribute:
        return 1
    amount = attributes.get(rtype.unit_attribute)
    if (isinstance(amount, bool) or not isinstance(amount, (int, float))
            or not math.isfinite(amount) or amount < 0):
        raise ValueError(_("A non-negative number is required."))
    if amount // rtype.unit_size > MAX_UNITS:
        raise ValueError(_("The number is too large for one record."))
    return int(amount // rtype.unit_size)


def _flatten(messages):
    if isinstance(messages, dict):
        return [m for v in messages.values() for m in _flatten(v)]
    if isinstance(messages, list):
        return [m for v in messages for m in _flatten(v)]
    return [str(messages)]


def _copy_line(values) -> str:
    """A checked record as a line of `_INCOMING`'s COPY text, from its source id on. Checked
    text holds no tab or line break (`NO_CONTROL`), and attributes as JSON none either: only
    backslashes need escaping."""
    ended, document = values["ended_at"], values["document_ref"]
    return "\t".join((
        _copy_text(values["source_id"]), _copy_text(values["type"]),
        values["occurred_at"].isoformat(), r"\N" if ended is None else ended.isoformat(),
        str(values["units"]),
        "{}" if not values["attributes"] else _copy_text(json.dumps(values["attributes"])),
        r"\N" if document is None else _copy_text(document))) + "\n"


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\") if "\\" in value else value


# the batch is copied into a table of the session's own and inserted from there in one
# statement: COPY's text is written while checking and read by PostgreSQL far quicker than
# thousands of parameters, and quicker than JSON (the whole insert of 100,000 records: 1.3-1.4 s
# against 1.5 s from one JSON parameter). The ids come back as one JSON object, not thousands
# of rows. The table is emptied at each commit, and before each batch (a caller may store
# several in one transaction): two statements sent at once.
_INCOMING = text(
    "CREATE TEMPORARY TABLE IF NOT EXISTS incoming_records (person_id integer,"
    " source_id varchar, type_code varchar, occurred_on date, ended_on date, units integer,"
    " attributes json, document_ref varchar) ON COMMIT DELETE ROWS;"
    " DELETE FROM incoming_records")
_COPY_INCOMING = "COPY incoming_records FROM STDIN"
_INSERT_INCOMING = text(
    "WITH inserted AS (INSERT INTO credit_records (department_id, source_id, person_id,"
    " type_code, occurred_on, ended_on, units, attributes, document_ref, status, created_at,"
    " updated_at)"
    " SELECT :department_id, source_id, person_id, type_code, occurred_on, ended_on, units,"
    " attributes, document_ref, 'active', :now, :now FROM incoming_records"
    " ON CONFLICT (department_id, source_id) DO NOTHING RETURNING source_id, id)"
    " SELECT CAST(json_object_agg(source_id, id) AS text) FROM inserted")


def _insert_records(department_id, batch: CheckedBatch, person_ids) -> dict:
    """Insert the batch's valid records, each for its person in `person_ids` (None: not to be
    inserted); return {source id: id} of those not already there."""
    if not any(person_ids):
        return {}
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_INCOMING)
        with db.session.connection().connection.driver_connection.cursor() as cursor:
            with cursor.copy(_COPY_INCOMING) as copy:
                copy.write("".join([f"{person_id}\t{line}"
                                    for person_id, line in zip(person_ids, batch.lines)
                                    if person_id is not None]))
        inserted = db.session.scalar(_INSERT_INCOMING,
                                     {"department_id": department_id, "now": utcnow()})
        return json.loads(inserted) if inserted else {}
    records = [(p, v) for p, (_o, v) in zip(person_ids, batch.valid) if p is not None]
    table = CreditRecord.__table__
    statement = (_insert(table)
                 .on_conflict_do_nothing(index_elements=["department_id", "source_id"])
                 .returning(table.c.source_id, table.c.id))
    return dict(db.session.execute(statement, [
        {"department_id": department_id, "source_id": v["source_id"], "person_id": person_id,
         "type_code": v["type"], "occurred_on": v["occurred_at"], "ended_on": v["ended_at"],
         "units": v["units"], "attributes": v["attributes"], "document_ref": v["document_ref"],
         "status": "active"}
        for person_id, v in records]).all())


def _existing_ids(department_id, source_ids):
    if not source_ids:
        return {}
    rows = db.session.execute(
        select(CreditRecord.source_id, CreditRecord.id)
        .where(CreditRecord.department_id == department_id, CreditRecord.source_id.in_(source_ids))
    )
    return dict(rows.all())


def department_record(department, source_id) -> CreditRecord:
    record = None
    if len(source_id) <= 64 and "\x00" not in source_id:  # no such source id can be stored
        record = db.session.scalar(
            select(CreditRecord).filter_by(department_id=department.id, source_id=source_id))
    if record is None:
        raise ApiError(404, "record_not_found", _("No record of this department has that source id."))
    return record


def _locked_record(department, source_id) -> CreditRecord:
    """The record, read again once its person is locked (another change may just have ended)."""
    record = department_record(department, source_id)
    lock_people([record.person_id])
    db.session.refresh(record)
    return record


def revoke(department, source_id) -> CreditRecord:
    """Revoke a record (a department withdrawing what it delivered); idempotent."""
    record = _locked_record(department, source_id)
    if record.status != "revoked":
        previous, record.status = record.status, "revoked"
        audit(f"department:{department.code}", "record.revoked", "credit_record", record.id,
              subject_id=record.person_id, data={"previous_status": previous})
        db.session.flush()
        records_changed.send({record.person_id}, actor="system")
    return record


def correct(department, source_id, changes: dict) -> CreditRecord:
    """Correct the type, dates or attributes of an active record and rescore its person."""
    record = _locked_record(department, source_id)
    if record.status != "active":
        raise ApiError(409, "record_not_active", _("Only an active record can be corrected."))
    before = {"type": record.type_code, "occurred_at": record.occurred_on.isoformat(),
              "ended_at": record.ended_on and record.ended_on.isoformat(),
              "attributes": record.attributes, "document_ref": record.document_ref}
    merged = {"occurred_at": changes.get("occurred_at", record.occurred_on),
              "ended_at": changes.get("ended_at", record.ended_on)}
    errors = _date_errors(merged)
    merged["document_ref"] = changes.get("document_ref", record.document_ref)
    rtype = record_type(current_scheme(), changes.get("type", record.type_code))
    if rtype is None:
        errors.append({"field": "type", "message": _("Unknown record type: not in the published catalogue.")})
    elif not errors:
        errors += governance_errors(rtype, department.code, merged)
    attributes = changes.get("attributes", record.attributes)
    if not errors:
        try:
            units = units_for(rtype, attributes)
        except ValueError as exc:
            errors.append({"field": f"attributes.{rtype.unit_attribute}", "message": str(exc)})
    if errors:
        raise ApiError(422, "invalid_input", _("Some fields are invalid."), {"errors": errors})
    record.type_code, record.attributes, record.units = rtype.code, attributes, units
    record.occurred_on, record.ended_on = merged["occurred_at"], merged["ended_at"]
    record.document_ref = merged["document_ref"]
    audit(f"department:{department.code}", "record.corrected", "credit_record", record.id,
          subject_id=record.person_id, data={"before": before, "changes": sorted(changes)})
    db.session.flush()
    records_changed.send({record.person_id}, actor="system")
    return record


def mark_repaired(record_id: int, at) -> CreditRecord:
    """Mark an active record repaired (信用修复 approved) at `at`; it counts no more from now.

    The person is rescored at once. Marking a repaired record again changes nothing; any other
    record that is no longer active cannot be repaired (409).
    """
    record = db.session.get(CreditRecord, record_id)
    if record is None:
        raise ApiError(404, "record_not_found", _("There is no such record."))
    lock_people([record.person_id])
    db.session.refresh(record)
    if record.status == "repaired":
        return record
    if record.status != "active":
        raise ApiError(409, "record_not_active", _("Only an active record can be repaired."))
    record.status, record.repaired_at = "repaired", at
    audit("system:repairs", "record.repaired", "credit_record", record.id,
          subject_id=record.person_id, data={"repaired_at": at.isoformat()})
    db.session.flush()
    records_changed.send({record.person_id}, actor="system")
    return record
