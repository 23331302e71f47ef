"""Shared steps of the governance tests: a resident with a record, a signed-in JSON call."""
from sqlalchemy import select

from app.core.extensions import db
from app.records.models import CreditRecord
from tests.resident_support import page_token, sign_in


def record_of(resident, rtype) -> CreditRecord:
    return db.session.scalar(select(CreditRecord).filter_by(person_id=resident.person_id,
                                                            type_code=rtype))


def signed_in(client, resident):
    """Sign the client in; return the headers a cookie-authenticated JSON call needs."""
    sign_in(client, resident)
    return {"X-CSRFToken": page_token(client)}


def dept(department):
    return {"Authorization": f"Bearer {department.plain_key}"}


def assert_error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "details"}
    if code:
        assert error["code"] == code
    return error
