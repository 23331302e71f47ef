"""Department credentials."""
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.core import crypto
from app.core.auth import bearer_token
from app.core.errors import ApiError
from app.core.extensions import db
from app.departments.models import Department


def create_department(code: str, name: str, api_key: str | None = None):
    """Create a department; return it with its API key (shown once, stored hashed)."""
    api_key = api_key or crypto.new_api_key("dep")
    department = Department(code=code, name=name, api_key_hash=crypto.hash_api_key(api_key))
    db.session.add(department)
    db.session.flush()
    return department, api_key


def all_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.code)))


def rotate_api_key(department: Department) -> str | None:
    """Give the department a new API key (returned once, stored hashed); the old one stops
    working at once. None if its key changed since `department` was read (another rotation
    won: one conditional UPDATE, so no key is handed out that was overwritten at once)."""
    api_key = crypto.new_api_key("dep")
    rotated = db.session.execute(
        update(Department).where(Department.id == department.id,
                                 Department.api_key_hash == department.api_key_hash)
        .values(api_key_hash=crypto.hash_api_key(api_key))
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(department)
    return api_key if rotated == 1 else None


def find_department(code: str) -> Department | None:
    return db.session.scalar(select(Department).filter_by(code=code))


def get_or_create_department(code: str, name: str) -> Department:
    department = find_department(code)
    if department is None:
        department, _key = create_department(code, name)
    return department


def departments_by_id(ids) -> dict[int, Department]:
    return {d.id: d for d in db.session.scalars(select(Department).where(Department.id.in_(set(ids))))}


def authenticated_department() -> Department:
    """Return the department whose key authorises this request, or answer 401."""
    token = bearer_token()
    if not token:
        raise ApiError(401, "missing_credentials", _("Send the department API key as a Bearer token."))
    department = db.session.scalar(
        select(Department).filter_by(api_key_hash=crypto.hash_api_key(token), active=True)
    )
    if department is None:
        raise ApiError(401, "invalid_credentials", _("The API key is not valid."))
    return department
