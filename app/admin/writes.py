"""A write that may collide with another request's: a duplicate answers, never a 500."""
from sqlalchemy.exc import IntegrityError

from app.core.extensions import db


def unless_taken(make):
    """Run `make()` in a savepoint and return its result; None if it broke a unique
    constraint (the savepoint is undone, the request's other work kept)."""
    try:
        with db.session.begin_nested():
            return make()
    except IntegrityError:
        return None
