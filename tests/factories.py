"""Factory fixtures: make the people, departments and records a test needs, with unique data."""
import random
import uuid
from datetime import date, timedelta

import pytest
from stdnum.cn import ric

from app.core.extensions import db
from app.core.passwords import hash_password
from app.core.time import city_today
from app.departments.services import create_department
from app.records.services import ingest
from app.residents.services import register_resident

_rng = random.Random()


def new_id_number(birth: date | None = None) -> str:
    """A valid ID number (born 1984–2005 unless given; 410102 is valid for those years)."""
    birth = birth or date(1984, 1, 1) + timedelta(days=_rng.randint(0, 21 * 365))
    body = f"410102{birth:%Y%m%d}{_rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


def new_phone() -> str:
    return f"15{_rng.randint(0, 10**9 - 1):09d}"


@pytest.fixture
def make_department(app):
    def make(code=None, name="测试部门"):
        department, key = create_department(code or f"dept_{uuid.uuid4().hex[:8]}", name)
        db.session.flush()
        department.plain_key = key
        return department

    return make


@pytest.fixture
def make_resident(app):
    """make_resident(records=[("tax_paid_on_time", days_ago), ...]) → consenting resident."""

    def make(records=(), password="Passw0rd!", consent=True, name="张三"):
        id_number, phone = new_id_number(), new_phone()
        resident = register_resident(id_number, name, phone, hash_password(password), consent)
        resident.plain_phone, resident.plain_password, resident.plain_id = phone, password, id_number
        if records:
            department, _key = create_department(f"dept_{uuid.uuid4().hex[:8]}", "测试部门")
            ingest(department, [record_payload(id_number, name, t, days) for t, days in records])
        db.session.flush()
        return resident

    return make


def record_payload(id_number, name, rtype, days_ago=10, **extra):
    return {"source_id": uuid.uuid4().hex, "id_number": id_number, "name": name, "type": rtype,
            "occurred_at": (city_today() - timedelta(days=days_ago)).isoformat(), **extra}
