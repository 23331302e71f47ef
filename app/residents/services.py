"""Finding and creating persons and residents by their (encrypted) identifiers."""
from sqlalchemy import select
from stdnum.cn import ric

from app.core import crypto
from app.extensions import db
from app.residents.models import Person, Resident


def normalise_id_number(value: str) -> str:
    """Return the compact, upper-case form of a resident ID number; raise ValueError if invalid."""
    try:
        return ric.validate(value)
    except Exception as exc:  # stdnum raises several ValidationError subclasses
        raise ValueError(str(exc)) from exc


def id_number_index(id_number: str) -> str:
    return crypto.blind_index(id_number, "persons.id_number")


def phone_index(phone: str) -> str:
    return crypto.blind_index(phone, "residents.phone")


def find_person(id_number: str) -> Person | None:
    return db.session.scalar(select(Person).filter_by(id_number_index=id_number_index(id_number)))


def get_or_create_person(id_number: str, name: str) -> Person:
    """Return the person with this (normalised) ID number, creating them if new."""
    person = find_person(id_number)
    if person is None:
        person = Person(
            id_number_enc=crypto.encrypt(id_number, "persons.id_number"),
            id_number_index=id_number_index(id_number),
            name_enc=crypto.encrypt(name, "persons.name"),
        )
        db.session.add(person)
        db.session.flush()
    return person


def find_resident_by_phone(phone: str) -> Resident | None:
    return db.session.scalar(select(Resident).filter_by(phone_index=phone_index(phone)))


def new_resident(person: Person, phone: str, password_hash: str) -> Resident:
    resident = Resident(
        person=person,
        phone_enc=crypto.encrypt(phone, "residents.phone"),
        phone_index=phone_index(phone),
        password_hash=password_hash,
    )
    db.session.add(resident)
    db.session.flush()
    return resident


CONSENT_VERSION = "2026.1"


def register_resident(id_number, name, phone, password_hash, consent: bool) -> Resident:
    """Open an account for a person (created if no record named them yet); consent is opt-in."""
    from app.core.time import utcnow

    person = get_or_create_person(id_number, name)
    resident = new_resident(person, phone, password_hash)
    if consent:
        resident.consented_at, resident.consent_version = utcnow(), CONSENT_VERSION
    return resident
