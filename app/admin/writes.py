"""A write that may collide with another request's: a duplicate answers, never a 500."""
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.core.extensions import db


def unless_taken(make):
    """Run `make()` in a savepoint and return its result; None if it broke a unique
    constraint (the savepoint is undone, the request's other work kept)."""
    try:
        with db.session.begin_nested():
            return make()
    except IntegrityError:
        return None


def unless_changed(change) -> bool:
    """Run `change()` in a savepoint; False if another request changed the same rows first
    (a row it adds exists already, or one it removes is gone): the savepoint is undone."""
    try:
        with db.session.begin_nested():
            change()
    except (IntegrityError, StaleDataError):
        return False
    return True
