"""A person is the subject of public records; a resident is a person with an account."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.crypto import mask_name
from app.core.db import Encrypted, UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow


class Person(db.Model):
    """Subject of public credit records, known by ID number whether or not they registered."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column("id_number_enc", Encrypted("persons.id_number"))
    id_number_index: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column("name_enc", Encrypted("persons.name"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resident: Mapped["Resident | None"] = relationship(back_populates="person")

    def __repr__(self):
        return f"<Person {self.id}>"

    @property
    def masked_name(self):
        return mask_name(self.name)


class Resident(UserMixin, db.Model):
    """A person's account: phone, password and consent to be scored."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    phone: Mapped[str] = mapped_column("phone_enc", Encrypted("residents.phone"))
    phone_index: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_version: Mapped[str | None] = mapped_column(String(20))
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # bumped by "sign out everywhere": sessions carrying an older epoch are rejected
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # a closed account keeps its row (redemptions and access logs refer to it) without the
    # phone, password, consent or score
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="resident")

    def __repr__(self):
        return f"<Resident {self.id} person={self.person_id}>"

    def get_id(self):
        return f"resident:{self.id}:{self.session_epoch}"
