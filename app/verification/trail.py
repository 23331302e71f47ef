"""What a verification leaves behind: its audit entry and, once the code named a resident, the
entry in that resident's access log ("who looked at my credit").

On PostgreSQL both rows go in one statement (the access entry as a data-modifying CTE of the
audit INSERT), so logging the read costs the counter no extra round trip; SQLite, in process,
takes two.
"""
from functools import cache

from sqlalchemy import bindparam, insert

from app.core.audit import AuditEntry, audit
from app.core.extensions import db
from app.core.time import utcnow
from app.residents.access import PURPOSE_VERIFICATION, WHAT_VERIFICATION, AccessEntry


def record_decision(caller, action, object_type, object_id, person_id, data):
    """Audit one decision by `caller`'s merchant; log the read when it reached a person."""
    if person_id is None:
        audit(caller.actor, action, object_type, object_id, data=data)
        return
    connection = db.session.connection()
    row = {"actor": caller.actor, "action": action, "object_type": object_type,
           "object_id": None if object_id is None else str(object_id), "subject_id": person_id,
           "data": data, "at": utcnow(), "who_name": caller.merchant.name[:200]}
    if connection.dialect.name == "postgresql":
        connection.execute(_audit_and_access(), row)
    else:
        audit(caller.actor, action, object_type, object_id, subject_id=person_id, data=data)
        connection.execute(_access(), row)


def _access_values():
    table = AccessEntry.__table__
    return {"person_id": bindparam("subject_id", type_=table.c.person_id.type),
            "at": bindparam("at", type_=table.c.at.type), "who_kind": "merchant",
            "who_name": bindparam("who_name", type_=table.c.who_name.type),
            "what": WHAT_VERIFICATION, "purpose": PURPOSE_VERIFICATION}


@cache
def _access():
    return insert(AccessEntry.__table__).values(_access_values())


@cache
def _audit_and_access():
    """WITH logged AS (INSERT INTO access_entries …) INSERT INTO audit_entries …, built once."""
    table = AuditEntry.__table__
    logged = insert(AccessEntry.__table__).values(_access_values()).cte("logged")
    columns = ("actor", "action", "object_type", "object_id", "subject_id", "data", "at")
    return (insert(table).values({name: bindparam(name, type_=table.c[name].type)
                                  for name in columns})
            .add_cte(logged))
