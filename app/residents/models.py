"""A person is the subject of public records; a resident is a person with an account."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import crypto
from app.core.db import UTCDateTime
from app.core.time import utcnow
from app.extensions import db


class Person(db.Model):
    """Subject of public credit records, known by ID number whether or not they registered."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number_enc: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_index: Mapped[str] = mapped_column(String(64), unique=True)
    name_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resident: Mapped["Resident | None"] = relationship(back_populates="person")

    def __repr__(self):
        return f"<Person {self.id}>"

    @property
    def id_number(self):
        return crypto.decrypt(self.id_number_enc, "persons.id_number")

    @property
    def name(self):
        return crypto.decrypt(self.name_enc, "persons.name")

    @property
    def masked_name(self):
        return crypto.mask_name(self.name)


class Resident(UserMixin, db.Model):
    """A person's account: phone, password and consent to be scored."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    phone_enc: Mapped[bytes] = mapped_column(LargeBinary)
    phone_index: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_version: Mapped[str | None] = mapped_column(String(20))
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # bumped by "sign out everywhere": sessions carrying an older epoch are rejected
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # a closed account keeps its row (redemptions and access logs refer to it) without the
    # phone, password, consent or score
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="resident")

    def __repr__(self):
        return f"<Resident {self.id} person={self.person_id}>"

    def get_id(self):
        return f"resident:{self.id}:{self.session_epoch}"

    @property
    def phone(self):
        return crypto.decrypt(self.phone_enc, "residents.phone")
