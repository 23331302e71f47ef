"""Factory fixtures: make the people, departments and records a test needs, with unique data."""
import random
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from stdnum.cn import ric

from app.catalogue.services import current_rules
from app.core.crypto import hash_api_key, new_api_key
from app.core.extensions import db
from app.core.passwords import hash_password
from app.core.time import city_today
from app.departments.services import create_department, find_department
from app.records.models import CreditRecord
from app.records.services import ingest
from app.residents.services import register_resident

_rng = random.Random()
_issued_ids = set()  # the bodies of the ID numbers `new_id_number` handed out
_issued_phones = set()  # and the numbers `new_phone` did


def new_id_number(birth: date | None = None) -> str:
    """A valid ID number never handed out before in this test run (born 1984–2005 unless given;
    410102 is valid for those years). A number drawn again would name a person who already
    exists, perhaps with an account: made earlier in the same test, or committed by another."""
    while True:
        day = birth or date(1984, 1, 1) + timedelta(days=_rng.randint(0, 21 * 365))
        body = f"410102{day:%Y%m%d}{_rng.randint(0, 999):03d}"
        if body not in _issued_ids:
            _issued_ids.add(body)
            return body + ric.calc_check_digit(body + "0")


def new_phone() -> str:
    """A mobile number never handed out before in this test run (a phone has one account)."""
    while True:
        phone = f"15{_rng.randint(0, 10**9 - 1):09d}"
        if phone not in _issued_phones:
            _issued_phones.add(phone)
            return phone


def issuer_code(rtype: str) -> str:
    """The first department the catalogue names as entitled to deliver `rtype`."""
    rule = current_rules().types.get(rtype)
    return rule.issuers[0] if rule else "blood_centre"


def issuer_for(rtype: str):
    """The department that delivers `rtype` (made on first use; committed tests share it)."""
    code = issuer_code(rtype)
    department = find_department(code)
    if department is None:
        department, _key = create_department(code, f"测试部门 {code}")
    return department


def issuer_with_key(rtype: str):
    """(department, API key) of the department that delivers `rtype`, with a new key."""
    department = issuer_for(rtype)
    key = new_api_key("dep")
    department.api_key_hash = hash_api_key(key)
    db.session.flush()
    return department, key


@pytest.fixture
def make_department(app):
    """make_department(issues="blood_donation") → a department with its key in `plain_key`.

    Department codes are unique and the catalogue names its issuers by code, so a department
    that must deliver a type is that issuer (made on first use, with a new key); without
    `issues`, a made-up code issues nothing.
    """

    def make(code=None, name="测试部门", issues=None):
        if issues is not None:
            department, key = issuer_with_key(issues)
            department.plain_key = key
            # tests that commit leave records of this department behind: count from here
            department.records_before = db.session.scalar(
                select(func.count()).select_from(CreditRecord)
                .where(CreditRecord.department_id == department.id))
            return department
        department, key = create_department(code or f"dept_{uuid.uuid4().hex[:8]}", name)
        db.session.flush()
        department.plain_key, department.records_before = key, 0
        return department

    return make


@pytest.fixture
def make_resident(app):
    """make_resident(records=[("tax_paid_on_time", days_ago), ...]) → consenting resident."""

    def make(records=(), password="Passw0rd!", consent=True, name="张三"):
        id_number, phone = new_id_number(), new_phone()
        resident = register_resident(id_number, name, phone, hash_password(password), consent)
        resident.plain_phone, resident.plain_password, resident.plain_id = phone, password, id_number
        for rtype, days in records:
            outcome, = ingest(issuer_for(rtype), [record_payload(id_number, name, rtype, days)])
            assert outcome.status == "accepted", outcome.errors
        db.session.flush()
        return resident

    return make


def record_payload(id_number, name, rtype, days_ago=10, **extra):
    """A record as a department delivers it, with a deciding document's reference."""
    return {"source_id": uuid.uuid4().hex, "id_number": id_number, "name": name, "type": rtype,
            "occurred_at": (city_today() - timedelta(days=days_ago)).isoformat(),
            "document_ref": f"郑测决字〔2026〕{_rng.randint(1, 9999)}号", **extra}
