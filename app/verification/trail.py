"""What a verification leaves behind: its audit entry and, once the code named a resident, the
entry in that resident's access log ("who looked at my credit").

On PostgreSQL the rows go in with the statement that decides (`access_logged` and `audited`
are data-modifying CTEs of `services.grant_statement`), or a denial's audit entry carries the
access entry in one statement; SQLite, in process, takes a statement per row.
"""
from functools import cache

from sqlalchemy import String, bindparam, cast, insert, literal, select

from app.core.audit import AuditEntry, audit
from app.core.extensions import db
from app.core.time import utcnow
from app.residents.access import PURPOSE_VERIFICATION, WHAT_VERIFICATION, AccessEntry

_AUDIT = AuditEntry.__table__
_ACCESS = AccessEntry.__table__


def decision_trail(caller, action, data) -> dict:
    """The bound values of a decision's audit and access entries (see `record_decision`)."""
    return {"actor": caller.actor, "action": action, "data": data, "at": utcnow(),
            "who_name": caller.merchant.name[:200]}


def record_decision(caller, action, object_type, object_id, person_id, data, access_logged=False):
    """Audit one decision by `caller`'s merchant; log the read when it reached a person, unless
    the statement that read the person logged it already."""
    if person_id is None or access_logged:
        audit(caller.actor, action, object_type, object_id, subject_id=person_id, data=data)
        return
    connection = db.session.connection()
    row = {**decision_trail(caller, action, data), "object_type": object_type,
           "object_id": None if object_id is None else str(object_id), "subject_id": person_id}
    if connection.dialect.name == "postgresql":
        connection.execute(_audit_and_access(), row)
    else:
        audit(caller.actor, action, object_type, object_id, subject_id=person_id, data=data)
        connection.execute(_access(), row)


def _bind(table, name):
    return bindparam(name, type_=table.c[name].type)


def _access_values(person_id):
    return {"person_id": person_id, "at": _bind(_ACCESS, "at"), "who_kind": literal("merchant"),
            "who_name": _bind(_ACCESS, "who_name"), "what": literal(WHAT_VERIFICATION),
            "purpose": literal(PURPOSE_VERIFICATION)}


def _audit_values(object_type, object_id, subject_id):
    values = {name: _bind(_AUDIT, name) for name in ("actor", "action", "data", "at")}
    values.update(object_type=object_type, object_id=object_id, subject_id=subject_id)
    return values


def access_logged(person_id_column):
    """A CTE logging the read of the person in `person_id_column`'s row, if there is one."""
    values = _access_values(person_id_column)
    return insert(_ACCESS).from_select(list(values), select(*values.values())).cte("logged")


def audited(redemption_id_column, person_id_column):
    """A CTE auditing the grant of the redemption in the columns' row, if there is one."""
    values = _audit_values(literal("redemption"), cast(redemption_id_column, String),
                           person_id_column)
    return insert(_AUDIT).from_select(list(values), select(*values.values())).cte("audited")


def _person():
    # the person of an access entry is the audit entry's subject
    return bindparam("subject_id", type_=_ACCESS.c.person_id.type)


@cache
def _access():
    return insert(_ACCESS).values(_access_values(_person()))


@cache
def _audit_and_access():
    """WITH logged AS (INSERT INTO access_entries …) INSERT INTO audit_entries …, built once."""
    logged = insert(_ACCESS).values(_access_values(_person())).cte("logged")
    return insert(_AUDIT).values(_audit_values(*(_bind(_AUDIT, name) for name in (
        "object_type", "object_id", "subject_id")))).add_cte(logged)
