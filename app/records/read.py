"""Read models of the records domain for the domains above it (scoring, verification, pages)."""
from sqlalchemy import false, or_, select

from app.core.extensions import db
from app.records.models import CreditRecord


def fact_rows(person_id: int):
    """(id, type, status, occurred, ended, units) of every record about the person."""
    return db.session.execute(
        select(CreditRecord.id, CreditRecord.type_code, CreditRecord.status,
               CreditRecord.occurred_on, CreditRecord.ended_on, CreditRecord.units)
        .where(CreditRecord.person_id == person_id)).all()


def person_records(person_id: int) -> list[CreditRecord]:
    """Every record about the person, newest first."""
    return list(db.session.scalars(
        select(CreditRecord).where(CreditRecord.person_id == person_id)
        .order_by(CreditRecord.occurred_on.desc(), CreditRecord.id.desc())))


def serious_in_force(person_id, serious_types):
    """SQL: an active, unended record of one of `serious_types` (the scheme's serious type
    codes) stands against the person; `person_id` is a value or a column.

    Serious records put a person on a legal list, which blocks every benefit whatever the
    score. The codes are compared one by one rather than in an IN list, which SQLAlchemy
    renders anew at every execution: the statement is built once per scheme and its text
    never changes.
    """
    return select(CreditRecord.id).where(
        CreditRecord.person_id == person_id, CreditRecord.status == "active",
        CreditRecord.ended_on.is_(None),
        or_(false(), *(CreditRecord.type_code == code for code in serious_types))).exists()
