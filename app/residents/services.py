"""Finding and creating persons and residents by their (encrypted) identifiers."""
import json
import secrets
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, text
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.util import isdigits

from app.core import crypto, signin_guard
from app.core.audit import audit
from app.core.auth import end_sessions
from app.core.db import array_text, conflict_insert
from app.core.extensions import db
from app.core.passwords import check_password, hash_password
from app.core.time import city_today, utcnow
from app.residents import guard
from app.residents.access import AccessEntry
from app.residents.identity import identity_verifier
from app.residents.locks import lock_people
from app.residents.models import Person, Resident
from app.residents.signals import account_closed, consent_given
from app.residents.sms import sms_sender


def normalise_id_number(value: str) -> str:
    """Return the compact, upper-case form of a resident ID number; raise ValueError if invalid."""
    try:  # ric.validate's checks, with the slow region look-up remembered
        # compact() cleans up Unicode look-alikes, which plain ASCII digits never need
        number = value.upper() if value.isascii() and value.isalnum() else ric.compact(value)
        if len(number) != 18:
            raise InvalidLength()
        if not isdigits(number[:-1]):
            raise InvalidFormat()
        if number[-1] != ric.calc_check_digit(number):
            raise InvalidChecksum()
        _check_birth_date(number[6:14])
        _check_birth_place(number[:10])
        return number
    except Exception as exc:  # stdnum raises several ValidationError subclasses
        raise ValueError(str(exc)) from exc


def _check_birth_date(digits: str) -> None:
    try:  # ric.get_birth_date without compacting the number again
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise InvalidComponent() from None


@lru_cache(maxsize=65_536)
def _check_birth_place(region_and_year: str) -> None:
    # whether a region code was in use depends on the birth year only (a scan of stdnum's list)
    ric.get_birth_place(region_and_year + "0101")


def id_number_index(id_number: str) -> str:
    return crypto.blind_index(id_number, "persons.id_number")


def phone_index(phone: str) -> str:
    return crypto.blind_index(phone, "residents.phone")


def find_person(id_number: str) -> Person | None:
    return db.session.scalar(select(Person).filter_by(id_number_index=id_number_index(id_number)))


def get_or_create_person(id_number: str, name: str) -> Person:
    """Return the person with this (normalised) ID number, creating them if new."""
    index = id_number_index(id_number)
    return db.session.get(Person, persons_for({index: (id_number, name)})[index].id)


class KnownPerson(NamedTuple):
    id: int
    name: str


def persons_for(identities: dict, known: dict | None = None) -> dict:
    """{blind index: KnownPerson} for {blind index: (ID number, name)}, creating the missing
    persons in bulk (a concurrent batch may create the same person: it is skipped and read
    back). `known` ({blind index: KnownPerson}) keeps the persons found for a caller that meets
    the same persons batch after batch (an import), so that each is looked up once."""
    if not identities:
        return {}
    known = {} if known is None else known
    if len(known) > _PERSONS_KEPT:
        known.clear()
    found = {index: known[index] for index in identities if index in known}
    missing = {index: identity for index, identity in identities.items() if index not in found}
    if missing:
        found.update(_persons_by_index(list(missing)))
        missing = {index: identity for index, identity in missing.items() if index not in found}
    if missing:
        found.update((index, KnownPerson(person_id, missing[index][1]))
                     for index, person_id in _insert_persons(missing))
        raced = [index for index in missing if index not in found]
        if raced:
            found.update(_persons_by_index(raced))
    known.update(found)
    return found


def locked_persons_for(identities: dict, known: dict | None = None) -> dict:
    """`persons_for`, the persons then locked (`lock_people`). Persons remembered in `known`
    from an earlier transaction are checked once locked: a purge may have forgotten one since
    (its last records at the end of their retention), who is then looked up (or created) again."""
    while True:
        persons = persons_for(identities, known)
        lock_people({person.id for person in persons.values()})
        if known is None:  # all found in this transaction, as before any lock
            return persons
        gone = _gone({person.id for person in persons.values()})
        if not gone:
            return persons
        for index, person in persons.items():
            if person.id in gone:
                del known[index]


def _gone(person_ids) -> set:
    """Those of these persons that no longer exist."""
    if db.session.get_bind().dialect.name == "postgresql":
        return set(db.session.scalars(
            text("SELECT p FROM unnest(CAST(:ids AS integer[])) AS p"
                 " WHERE NOT EXISTS (SELECT FROM persons WHERE persons.id = p)"),
            {"ids": array_text(person_ids)}))
    return set(person_ids) - set(db.session.scalars(
        select(_PERSON_COLUMNS.id).where(_PERSON_COLUMNS.id.in_(person_ids))))


_PERSON_COLUMNS = Person.__table__.c
# persons an import remembers at most, so that a long import's memory stays bounded
_PERSONS_KEPT = 200_000
# the whole batch as one JSON parameter: PostgreSQL reads it faster than psycopg writes the
# thousands of parameters of a multi-row VALUES
_INSERT_PERSONS = text(
    "INSERT INTO persons (id_number_enc, id_number_index, name_enc, created_at)"
    " SELECT decode(r.i, 'hex'), r.x, decode(r.n, 'hex'), :now"
    " FROM json_to_recordset(CAST(:rows AS json)) AS r(i text, x varchar, n text)"
    " ON CONFLICT (id_number_index) DO NOTHING RETURNING id_number_index, id"
)


def _insert_persons(identities: dict):
    """Insert {blind index: (ID number, name)}, skipping those a concurrent batch inserted;
    return (index, id) of the inserted ones."""
    if db.session.get_bind().dialect.name == "postgresql":
        encrypt_id, encrypt_name = (_PERSON_COLUMNS.id_number_enc.type.process_bind_param,
                                    _PERSON_COLUMNS.name_enc.type.process_bind_param)
        rows = [{"i": encrypt_id(id_number, None).hex(), "x": index,
                 "n": encrypt_name(name, None).hex()}
                for index, (id_number, name) in identities.items()]
        return db.session.execute(_INSERT_PERSONS, {"rows": json.dumps(rows), "now": utcnow()})
    # rows of the table itself (its column names): the one-row statement is compiled once;
    # RETURNING also lets SQLAlchemy send the rows as multi-row VALUES, not one by one
    return db.session.execute(
        conflict_insert("sqlite")(Person.__table__)
        .on_conflict_do_nothing(index_elements=["id_number_index"])
        .returning(_PERSON_COLUMNS.id_number_index, _PERSON_COLUMNS.id),
        [{"id_number_enc": id_number, "id_number_index": index, "name_enc": name}
         for index, (id_number, name) in identities.items()])


def _persons_by_index(indexes) -> dict:
    query = select(_PERSON_COLUMNS.id_number_index, _PERSON_COLUMNS.id, _PERSON_COLUMNS.name_enc)
    if db.session.get_bind().dialect.name == "postgresql":
        # one array parameter: a short statement, parsed and planned at once however many. Its
        # text form is quick to send, and an untyped parameter cast to the array type is read
        # as that array when the statement is planned (a typed text one would be cast later,
        # unseen by the planner, which then scans every person for each index)
        rows = db.session.execute(
            query.where(text("persons.id_number_index = ANY(CAST(:indexes AS varchar[]))")),
            {"indexes": array_text(indexes)})
    else:
        rows = db.session.execute(query.where(_PERSON_COLUMNS.id_number_index.in_(indexes)))
    return {index: KnownPerson(person_id, name) for index, person_id, name in rows}


def masked_names(person_ids) -> dict[int, str]:
    """{person id: masked name} in one query (lists shown to merchants)."""
    rows = db.session.execute(select(Person.id, Person.name).where(Person.id.in_(set(person_ids))))
    return {person_id: crypto.mask_name(name) for person_id, name in rows}


def open_account(resident_id: int) -> Resident | None:
    """The account with this id unless it was closed (the session loader)."""
    resident = db.session.get(Resident, resident_id)
    return resident if resident is not None and resident.closed_at is None else None


def find_resident_by_phone(phone: str) -> Resident | None:
    return db.session.scalar(select(Resident).filter_by(phone_index=phone_index(phone)))


def new_resident(person: Person, phone: str, password_hash: str) -> Resident:
    resident = Resident(
        person=person,
        phone=phone,
        phone_index=phone_index(phone),
        password_hash=password_hash,
    )
    db.session.add(resident)
    db.session.flush()
    return resident


CONSENT_VERSION = "2026.1"


def register_resident(id_number, name, phone, password_hash, consent: bool) -> Resident:
    """Open an account for a person (created if no record named them yet); consent is opt-in."""
    person = get_or_create_person(id_number, name)
    resident = new_resident(person, phone, password_hash)
    if consent:
        resident.consented_at, resident.consent_version = utcnow(), CONSENT_VERSION
    return resident


# --- the resident's own account: registration, sign-in, consent, closing --------------------

ADULT_AGE = 18
PENDING_SECONDS = 10 * 60
REGISTER_PURPOSE = "register"


def age_on(id_number: str, day: date) -> int:
    born = ric.get_birth_date(id_number)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def registration_problems(id_number: str) -> dict[str, str]:
    """Field → reason to refuse the application at once (ID number already normalised).

    Only what the applicant's own input shows: whether a person, an account or a phone is
    known is never said here, but decided at the end (`finish_registration`).
    """
    if age_on(id_number, city_today()) < ADULT_AGE:
        return {"id_number": _("You must be 18 or older to register.")}
    return {}


def start_registration(id_number, name, phone, password) -> str:
    """Keep the (encrypted) application until the phone is verified; return its handle."""
    handle = secrets.token_urlsafe(18)
    payload = json.dumps({"id_number": id_number, "name": name, "phone": phone,
                          "password_hash": hash_password(password),
                          "consent_at": utcnow().isoformat()})
    guard.stash(f"registration:{handle}", crypto.encrypt(payload, "registration.pending").hex(),
                PENDING_SECONDS)
    return handle


def pending_registration(handle: str) -> dict | None:
    blob = guard.fetch(f"registration:{handle}") if handle else None
    if blob is None:
        return None
    return json.loads(crypto.decrypt(bytes.fromhex(blob), "registration.pending"))


def send_phone_code(purpose: str, phone: str) -> bool:
    """Text a one-time code to the phone; False if one was sent too recently."""
    code = guard.issue_code(purpose, phone_index(phone))
    if code is None:
        return False
    sms_sender().send(phone, _("Your 信易+ verification code is %(code)s. It expires in 5 minutes.",
                               code=code))
    return True


def send_registration_code(phone: str) -> bool:
    """Text the code that proves the applicant holds the phone; False if one was sent too
    recently. A phone that already has an account is told so instead, which only its holder
    reads: the page answers the same either way."""
    if find_resident_by_phone(phone) is None:
        return send_phone_code(REGISTER_PURPOSE, phone)
    # a code is issued but never sent, so that the resend wait is the same as for a new phone
    if guard.issue_code(REGISTER_PURPOSE, phone_index(phone)) is None:
        return False
    sms_sender().send(phone, _("Someone tried to open a 信易+ account with this number, which "
                               "already has one. If it was you, sign in instead; if not, you "
                               "need not do anything."))
    return True


def check_phone_code(purpose: str, phone: str, code: str) -> bool:
    return guard.check_code(purpose, phone_index(phone), code)


class RegistrationRefused(Exception):
    """The application cannot be granted; the message never says why."""

    def __init__(self, message=None):
        super().__init__(message or _(
            "We could not open an account with these details. Check that the name and ID "
            "number are yours and that the phone is registered in your name, then start again."))


def finish_registration(handle: str) -> Resident:
    """Open the account of an application whose phone has been proven by its code.

    The identity service must confirm that the phone is registered to this name and ID number
    before the person's records are linked; any refusal raises the one RegistrationRefused.
    """
    data = pending_registration(handle)
    if data is None:
        raise RegistrationRefused(_("The registration has expired; please start again."))
    guard.drop(f"registration:{handle}")
    id_number, name, phone = data["id_number"], data["name"], data["phone"]
    person = find_person(id_number)
    account = person.resident if person is not None else None
    if account is not None and account.closed_at is None:
        sms_sender().send(account.phone, _(
            "Someone tried to open a 信易+ account with your ID number. You already have one: "
            "sign in with this phone. If it was not you, your account is safe."))
        raise RegistrationRefused()
    if ((person is not None and person.name != name) or find_resident_by_phone(phone) is not None
            or not identity_verifier().check(name, id_number, phone)):
        raise RegistrationRefused()
    if account is not None:
        resident = _reopen(account, phone, data["password_hash"])
    else:
        resident = register_resident(id_number, name, phone, data["password_hash"], consent=True)
    resident.phone_verified_at = utcnow()
    audit(f"resident:{resident.id}", "resident.registered", "resident", resident.id,
          subject_id=resident.person_id, data={"consent_version": CONSENT_VERSION})
    consent_given.send(resident.person_id, actor=f"resident:{resident.id}")
    return resident


def authenticate(phone: str, password: str, address: str) -> Resident | None:
    """The resident with this phone and password, or None (counted against `address`).

    Raises `signin_guard.TooManyFailures` while that address must wait before trying again.
    """
    def check():
        resident = find_resident_by_phone(phone)
        # hash anyway when the phone is unknown, so timing does not reveal who has an account
        ok = check_password(resident.password_hash if resident else _dummy_hash(), password)
        return resident if resident is not None and ok else None

    return signin_guard.guarded(_signin_account(phone), address, check)


def tries_left(phone: str, address: str) -> int:
    """Wrong passwords `address` may still give for this phone before it must wait."""
    return signin_guard.tries_left(_signin_account(phone), address[:64])


def _signin_account(phone):
    return f"resident:{phone_index(phone)}"


_dummy_hashes = {}


def _dummy_hash():
    cost = current_app.config["PASSWORD_HASH_COST"]
    if cost not in _dummy_hashes:
        _dummy_hashes[cost] = hash_password(secrets.token_urlsafe(12))
    return _dummy_hashes[cost]


def give_consent(resident: Resident) -> None:
    """Record the resident's opt-in to being scored and compute their score now."""
    resident.consented_at, resident.consent_version = utcnow(), CONSENT_VERSION
    audit(f"resident:{resident.id}", "resident.consented", "resident", resident.id,
          subject_id=resident.person_id, data={"consent_version": CONSENT_VERSION})
    consent_given.send(resident.person_id, actor=f"resident:{resident.id}")


def change_password(resident: Resident, password: str) -> None:
    """Set a new password and end every other session (the caller signs this one in again)."""
    _set_password(resident, password, "resident.password_changed")


def _set_password(resident: Resident, password: str, action: str) -> None:
    """A new password ends every session of the account; audited as `action`."""
    resident.password_hash = hash_password(password)
    resident.session_epoch = (resident.session_epoch or 0) + 1
    end_sessions(resident)
    audit(f"resident:{resident.id}", action, "resident", resident.id,
          subject_id=resident.person_id)
    db.session.flush()


RESET_PURPOSE = "reset"


def send_reset_code(phone: str) -> str:
    """Text a password-reset code if the phone has an account; return the handle that finds
    the phone again. Otherwise nothing is sent, but a code is still issued, so that the resend
    wait does not tell the two apart."""
    if find_resident_by_phone(phone) is not None:
        send_phone_code(RESET_PURPOSE, phone)
    else:
        guard.issue_code(RESET_PURPOSE, phone_index(phone))
    handle = secrets.token_urlsafe(18)
    guard.stash(f"reset:{handle}", crypto.encrypt(phone, "reset.pending").hex(), PENDING_SECONDS)
    return handle


def reset_phone(handle: str | None) -> str | None:
    """The phone a reset was asked for, kept out of the cookie; None once expired."""
    blob = guard.fetch(f"reset:{handle}") if handle else None
    return None if blob is None else crypto.decrypt(bytes.fromhex(blob), "reset.pending")


def reset_password(phone: str, code: str, password: str, address: str) -> bool:
    """Set a new password with the code texted to the phone and end every session; False if
    the code is wrong, used up or expired (or the phone has no account).

    The wrong-password count of `address` is cleared: the code proved the phone is at hand.
    """
    resident = find_resident_by_phone(phone)
    if not check_phone_code(RESET_PURPOSE, phone, code) or resident is None:
        return False
    signin_guard.clear(_signin_account(phone), address[:64])
    _set_password(resident, password, "resident.password_reset")
    return True


def sign_out_everywhere(resident: Resident) -> None:
    resident.session_epoch = (resident.session_epoch or 0) + 1
    end_sessions(resident)
    audit(f"resident:{resident.id}", "resident.signed_out_everywhere", "resident", resident.id,
          subject_id=resident.person_id)
    db.session.flush()


def _reopen(resident: Resident, phone: str, password_hash: str) -> Resident:
    """Give a closed account back to its person, with a new phone, password and consent."""
    resident.phone = phone
    resident.phone_index = phone_index(phone)
    resident.password_hash = password_hash
    resident.consented_at, resident.consent_version = utcnow(), CONSENT_VERSION
    resident.closed_at = None
    db.session.flush()
    return resident


CLOSED_PASSWORD = "!closed"  # not a hash: no password ever matches it


def close_account(resident: Resident) -> None:
    """Close the account: delete the score and its history, withdraw consent and free the phone.

    The person and their public records stay, and so does the account row as a tombstone, since
    redemptions and access logs refer to it.
    """
    person_id = resident.person_id
    account_closed.send(person_id)
    resident.closed_at = utcnow()
    resident.consented_at = resident.consent_version = resident.phone_verified_at = None
    resident.phone = ""
    resident.phone_index = crypto.blind_index(f"closed:{resident.id}", "residents.closed")
    resident.password_hash = CLOSED_PASSWORD
    resident.session_epoch = (resident.session_epoch or 0) + 1
    end_sessions(resident)
    audit(f"resident:{resident.id}", "resident.closed", "resident", resident.id,
          subject_id=person_id)
    db.session.flush()


def forget_persons_without_account(person_ids) -> set[int]:
    """Delete the persons among these who never registered and of whom nothing else is kept
    (the caller has removed their last records); return their ids."""
    if not person_ids:
        return set()
    linked = (select(Resident.id).where(Resident.person_id == Person.id).exists()
              | select(AccessEntry.id).where(AccessEntry.person_id == Person.id).exists())
    ids = set(db.session.scalars(select(Person.id).where(Person.id.in_(person_ids), ~linked)))
    if ids:
        db.session.execute(delete(Person).where(Person.id.in_(ids)))
    return ids
