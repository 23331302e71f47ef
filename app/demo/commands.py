"""`flask demo`: idempotent demo data, with logins and keys written to instance/."""
import json
import random
import secrets
from collections import defaultdict
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from app.benefits.models import Benefit
from app.catalogue.models import Scheme
from app.catalogue.services import load_default_scheme
from app.core.crypto import hash_api_key, new_api_key
from app.core.extensions import db
from app.core.passwords import check_password, hash_password
from app.core.time import city_today
from app.demo import benefits as demo_benefits
from app.demo import people
from app.demo.history import backfill_history
from app.demo.operators import demo_operators
from app.demo.partners import demo_partners
from app.demo.records import document_ref, history
from app.departments.models import Department
from app.departments.services import create_department
from app.merchants import services as merchant_services
from app.merchants.models import Merchant, MerchantApiKey
from app.records.services import ingest
from app.residents.identity import write_demo_subscribers
from app.residents.services import find_resident_by_phone, register_resident
from app.scoring.services import rescore_all

DEPARTMENTS = {
    "tax": "国家税务总局郑州市税务局",
    "court": "郑州市中级人民法院",
    "market_regulation": "郑州市市场监督管理局",
    "hrss": "郑州市人力资源和社会保障局",
    "housing_fund": "郑州住房公积金管理中心",
    "utilities": "郑州市城市公用事业服务中心",
    "traffic_police": "郑州市公安局交通警察支队",
    "volunteers": "郑州市志愿服务联合会",
    "blood_centre": "郑州市中心血站",
    "charity": "郑州慈善总会",
    "civilisation_office": "郑州市精神文明建设指导委员会办公室",
    "bank_regulator": "郑州市地方金融监督管理局",
    "medical_security": "郑州市医疗保障局",
    "public_security": "郑州市公安局",
    "housing_authority": "郑州市住房保障和房地产管理局",
    "metro": "郑州地铁集团有限公司",
    "red_cross": "郑州市红十字会",
    "civil_affairs": "郑州市民政局",
    "trade_union": "郑州市总工会",
}
PROFILES = ["model", "good", "good", "plain", "plain", "plain", "troubled", "dishonest"]
RESIDENT_COUNT = 200


@click.command("demo")
@click.option("--residents", default=RESIDENT_COUNT, show_default=True)
def demo(residents):
    """Load demo departments, residents with varied records and merchants."""
    path = Path(current_app.instance_path) / "demo-credentials.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    if db.session.scalar(select(Scheme).filter_by(is_current=True)) is None:
        load_default_scheme(current_app.config["DEFAULT_SCHEME_VERSION"])
    creds = {
        "admins": demo_operators(_shared_password(previous, "admins")),
        "departments": _departments(previous),
        "residents": [],
        "merchants": [],
    }
    password = _shared_password(previous, "residents")
    person_ids, identities = _residents(residents, password, creds)
    _records(identities)
    creds["merchants"] = _merchants(previous)
    creds["partners"] = demo_partners(previous.get("partners", []))
    db.session.commit()
    rescore_all()
    backfill_history(person_ids, months=12)
    db.session.commit()
    path.write_text(json.dumps(creds, ensure_ascii=False, indent=2))
    path.chmod(0o600)
    # the fake identity service knows the demo people with their phones
    write_demo_subscribers({id_number: {"name": name, "phone": people.phone(i)}
                            for i, (id_number, name) in enumerate(identities)})
    _print(creds, path)


def _shared_password(previous, group):
    for entry in previous.get(group, []):
        return entry.get("password")
    return secrets.token_urlsafe(9)


def _key_for(previous_entries, match, stored_hashes):
    """Reuse a key from the last credentials file while it is still the live one."""
    for entry in previous_entries:
        if match(entry) and hash_api_key(entry.get("api_key", "")) in stored_hashes:
            return entry["api_key"]
    return None


def _departments(previous):
    out = []
    for code, name in DEPARTMENTS.items():
        department = db.session.scalar(select(Department).filter_by(code=code))
        key = _key_for(previous.get("departments", []), lambda e: e.get("code") == code,
                       {department.api_key_hash} if department else set())
        if department is None:
            department, key = create_department(code, name)
        elif key is None:
            key = new_api_key("dep")
            department.api_key_hash = hash_api_key(key)
        out.append({"code": code, "name": name, "api_key": key})
    return out


def _residents(count, password, creds):
    """Register the demo residents; return their person ids and (ID number, name) pairs."""
    today, person_ids, identities = city_today(), [], []
    password_hash = hash_password(password)
    for i in range(count):
        rng = random.Random(f"demo-resident-{i}")
        id_number, name, phone = people.id_number(rng, today), people.name(rng), people.phone(i)
        resident = find_resident_by_phone(phone)
        if resident is None:
            resident = register_resident(id_number, name, phone, password_hash, consent=True)
        else:
            # generated birth dates follow today's date: on a later day keep who was registered
            id_number, name = resident.person.id_number, resident.person.name
            if not check_password(resident.password_hash, password):
                resident.password_hash = password_hash
        person_ids.append(resident.person_id)
        identities.append((id_number, name))
        if i < len(PROFILES):
            creds["residents"].append({"phone": phone, "password": password, "name": name,
                                       "id_number": id_number, "profile": PROFILES[i]})
    return person_ids, identities


def _records(identities):
    today = city_today()
    by_department = defaultdict(list)
    for i, (id_number, name) in enumerate(identities):
        rng = random.Random(f"demo-resident-{i}")
        people.id_number(rng, today), people.name(rng)  # the same draws as `_residents`
        profile = PROFILES[i % len(PROFILES)]
        for k, (dept, rtype, occurred, ended, attrs) in enumerate(history(rng, profile, today)):
            by_department[dept].append({
                "source_id": f"demo-{i}-{k}", "id_number": id_number, "name": name, "type": rtype,
                "occurred_at": occurred.isoformat(),
                "ended_at": ended.isoformat() if ended else None, "attributes": attrs,
                "document_ref": document_ref(f"demo-document-{i}-{k}", dept, occurred),
            })
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    for code, records in by_department.items():
        for start in range(0, len(records), 1000):
            ingest(departments[code], records[start:start + 1000], actor="demo")


def _merchants(previous):
    benefits = {}
    for spec in demo_benefits.BENEFITS:
        benefit = db.session.scalar(select(Benefit).filter_by(code=spec["code"]))
        if benefit is None:
            benefit = Benefit(**spec)
            db.session.add(benefit)
        benefits[spec["code"]] = benefit
    db.session.flush()
    old_staff = [s for m in previous.get("merchants", []) for s in m.get("staff", [])]
    staff_password = _shared_password({"staff": old_staff}, "staff")
    staff_hash = hash_password(staff_password)
    out = []
    for n, spec in enumerate(demo_benefits.MERCHANTS):
        merchant = db.session.scalar(select(Merchant).filter_by(credit_code=spec["credit_code"]))
        if merchant is None:
            merchant = merchant_services.create_merchant(spec["name"], spec["credit_code"])
        merchant.benefits = [benefits[c] for c in spec["benefits"]]
        live = {k.key_hash for k in db.session.scalars(
            select(MerchantApiKey).filter_by(merchant_id=merchant.id, revoked_at=None))}
        key = _key_for(previous.get("merchants", []), lambda e: e.get("name") == spec["name"], live)
        key = key or merchant_services.issue_api_key(merchant, label="demo")
        phone = f"137{n:08d}"
        staff = merchant_services.find_staff_by_phone(phone)
        if staff is None:
            merchant_services.add_staff(merchant, f"店员{n + 1}", phone, staff_hash, role="manager")
        elif not check_password(staff.password_hash, staff_password):
            staff.password_hash = staff_hash
        out.append({"name": spec["name"], "api_key": key, "benefits": spec["benefits"],
                    "staff": [{"phone": phone, "password": staff_password}]})
    return out


def _print(creds, path):
    click.echo("\nDemo logins and keys (also in %s):" % path)
    for r in creds["residents"][:3]:
        click.echo(f"  resident         {r['phone']} / {r['password']}  ({r['name']}, {r['profile']})")
    for d in creds["departments"][:2]:
        click.echo(f"  department       {d['code']}: {d['api_key']}")
    for m in creds["merchants"][:2]:
        click.echo(f"  merchant         {m['name']}: {m['api_key']}; staff {m['staff'][0]['phone']} / {m['staff'][0]['password']}")
    click.echo("  merchant console /merchant/login (staff phone and password above)")
    for a in creds["admins"]:
        click.echo(f"  operator         {a['username']} / {a['password']} ({a['role']}), TOTP secret {a['totp_secret']}")
    click.echo("  operators' console /admin/login (password and a code from the TOTP secret)")
    for p in creds["partners"]:
        click.echo(f"  partner          {p['name']}: client_id {p['client_id']}, secret {p['client_secret']}")
