"""Identifiers are encrypted at rest (DESIGN §2): the raw database never holds them in plaintext."""
import random
import uuid
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import text
from sqlalchemy.engine import make_url
from stdnum.cn import ric

from app.core import crypto
from app.core.extensions import db
from app.core.passwords import hash_password
from app.residents.services import find_person, find_resident_by_phone, register_resident
from tests.factories import issuer_with_key, new_id_number, new_phone, record_payload


def unique_name():
    rng = random.Random(uuid.uuid4().int)
    return "欧阳" + "".join(rng.choice("璇瑾珂琰瑶璟瑜琦") for _ in range(3))


def raw_database_text():
    """Every stored value as the raw backend keeps it: the SQLite file's bytes, or on PostgreSQL
    each row of each table rendered as text (bytea in hex), read with SQL."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        path = Path(make_url(str(engine.url)).database)
        data = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        return data
    with engine.connect() as conn:
        tables = conn.execute(text(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")).scalars().all()
        assert {"persons", "residents", "credit_records", "audit_entries"} <= set(tables)
        dump = []
        for table in tables:
            dump += conn.execute(text(f'SELECT t::text FROM "{table}" t')).scalars().all()
    return "\n".join(dump).encode()


def forms(value: str):
    """A value as it could appear in a dump: UTF-8 bytes, and hex as PostgreSQL shows bytea."""
    raw = value.encode()
    return [raw, raw.hex().encode()]


def test_identifiers_are_never_stored_in_plaintext(live_app):
    id_number, phone, name = new_id_number(), new_phone(), unique_name()
    records_only_id, records_only_name = new_id_number(), unique_name()
    department, key = issuer_with_key("blood_donation")
    code = department.code
    register_resident(id_number, name, phone, hash_password("Passw0rd!"), consent=True)
    db.session.commit()
    client = live_app.test_client()
    response = client.post("/api/v1/records", headers={"Authorization": f"Bearer {key}"}, json={
        "records": [record_payload(id_number, name, "blood_donation"),
                    record_payload(records_only_id, records_only_name, "blood_donation")]})
    assert response.get_json()["accepted"] == 2
    db.session.remove()

    dump = raw_database_text()
    # the check itself works: something we did store in plaintext is found
    assert code.encode() in dump
    for secret in (id_number, phone, name, records_only_id, records_only_name,
                   id_number[6:14] + id_number[-4:], phone[-8:]):
        for form in forms(secret):
            assert form not in dump, f"{secret!r} found in the database"

    # blind-index look-ups still find them, and decryption gives them back
    person = find_person(id_number)
    assert person is not None and person.name == name and person.id_number == id_number
    assert find_person(records_only_id).name == records_only_name
    resident = find_resident_by_phone(phone)
    assert resident is not None and resident.person_id == person.id and resident.phone == phone
    assert find_person(new_id_number()) is None and find_resident_by_phone(new_phone()) is None


def test_lower_case_check_letter_finds_the_same_person(app, make_department, client):
    department = make_department(issues="blood_donation")
    body = f"410102{random.randint(1984, 2004)}0101{random.randint(0, 999):03d}"
    for _ in range(200):  # find a body whose check character is X
        if ric.calc_check_digit(body + "0") == "X":
            break
        body = f"410102{random.randint(1984, 2004)}0101{random.randint(0, 999):03d}"
    id_number = body + ric.calc_check_digit(body + "0")
    headers = {"Authorization": f"Bearer {department.plain_key}"}
    for variant in (id_number, id_number.lower()):
        response = client.post("/api/v1/records", headers=headers, json={
            "records": [record_payload(variant, "钱七", "blood_donation")]})
        assert response.get_json()["accepted"] == 1
    person = find_person(id_number)
    assert person is not None and person.id_number == id_number.upper()


def test_ciphertexts_are_bound_to_their_column(app):
    sealed = crypto.encrypt("13800138000", "residents.phone")
    assert crypto.decrypt(sealed, "residents.phone") == "13800138000"
    assert crypto.encrypt("13800138000", "residents.phone") != sealed  # random nonce
    with pytest.raises(InvalidTag):
        crypto.decrypt(sealed, "persons.id_number")
    index = crypto.blind_index("x", "a")
    assert index == crypto.blind_index("x", "a") != crypto.blind_index("x", "b")


def test_masks():
    assert crypto.mask_id_number("410102199001011234") == "410***********1234"
    assert crypto.mask_phone("13812345678") == "138****5678"
    assert crypto.mask_name("张三") == "张*"
    assert crypto.mask_name("欧阳娜娜") == "欧**娜"
