"""Read models of the residents domain for the domains above it."""
from sqlalchemy import bindparam, func, select

from app.core.extensions import db
from app.residents.models import Person, Resident


def account_subject(extra=lambda person_id: ()):
    """SQL: the account bound as `:resident_id` with its person — resident_id, person_id,
    consented_at and name — plus the columns `extra(person_id column)` gives (other domains'
    facts about the person, read in the same round trip)."""
    return (select(Resident.id.label("resident_id"), Resident.person_id, Resident.consented_at,
                   Person.name.label("name"), *extra(Resident.person_id))
            .join(Person, Person.id == Resident.person_id)
            .where(Resident.id == bindparam("resident_id")))


def last_person_id() -> int:
    """The highest person id (0 when there is none): the end of a rescore over every person."""
    return db.session.scalar(select(func.max(Person.id))) or 0
