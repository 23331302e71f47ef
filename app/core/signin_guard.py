"""Slowing down password guessing, per account and client address, counted in the database.

After `FREE_TRIES` wrong passwords from one address for one account, that address waits a
minute before its next try, twice as long after each further failure, up to `MAX_WAIT`. Other
addresses (the owner's among them) are not held up, and a Redis restart forgets nothing.
"""
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from flask_babel import gettext
from sqlalchemy import Integer, String, case, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.core.audit import audit
from app.core.db import UTCDateTime, conflict_insert
from app.core.extensions import db
from app.core.time import utcnow

FREE_TRIES = 5
FIRST_WAIT = 60  # seconds
MAX_WAIT = 3600
FORGET_AFTER = timedelta(hours=24)  # failures older than this no longer count

T = TypeVar("T")


class SignInFailure(db.Model):
    """Wrong passwords for one account (kind and blind index, never the phone) from one address."""

    __tablename__ = "sign_in_failures"

    account: Mapped[str] = mapped_column(String(80), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self):
        return f"<SignInFailure {self.account} from {self.address}: {self.failures}>"


class TooManyFailures(Exception):
    """This address must wait `wait` seconds before trying this account's password again."""

    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


def wait_text(wait: int) -> str:
    """What to tell someone who must wait `wait` seconds before trying again."""
    return gettext("Too many wrong passwords from this device. Try again in %(minutes)d min.",
                   minutes=math.ceil(wait / 60))


def wait_seconds(account: str, address: str) -> int:
    blocked_until = db.session.scalar(select(SignInFailure.blocked_until).where(
        SignInFailure.account == account, SignInFailure.address == address))
    if blocked_until is None:
        return 0
    return max(0, math.ceil((blocked_until - utcnow()).total_seconds()))


def tries_left(account: str, address: str) -> int:
    """Wrong passwords this address may still give for this account before it must wait."""
    failures = db.session.scalar(select(SignInFailure.failures).where(
        SignInFailure.account == account, SignInFailure.address == address,
        SignInFailure.last_failure_at >= utcnow() - FORGET_AFTER))
    return max(0, FREE_TRIES - (failures or 0))


def record_failure(account: str, address: str) -> int:
    """Count a wrong password; return how long this address must now wait (0: not at all)."""
    now = utcnow()
    insert = conflict_insert(db.session.get_bind().dialect.name)
    stale = SignInFailure.last_failure_at < now - FORGET_AFTER
    # one atomic upsert, so that parallel guesses each count
    failures = db.session.execute(
        insert(SignInFailure)
        .values(account=account, address=address, failures=1, last_failure_at=now)
        .on_conflict_do_update(index_elements=["account", "address"], set_={
            "failures": case((stale, 1), else_=SignInFailure.failures + 1),
            "last_failure_at": now})
        .returning(SignInFailure.failures)).scalar_one()
    if failures < FREE_TRIES:
        return 0
    wait = min(FIRST_WAIT * 2 ** min(failures - FREE_TRIES, 16), MAX_WAIT)
    db.session.execute(update(SignInFailure).where(
        SignInFailure.account == account, SignInFailure.address == address
    ).values(blocked_until=now + timedelta(seconds=wait)))
    if failures == FREE_TRIES:
        audit("anonymous", "sign_in.delayed", "sign_in", None,
              data={"kind": account.partition(":")[0], "address": address})
    return wait


def clear(account: str, address: str) -> None:
    db.session.execute(delete(SignInFailure).where(
        SignInFailure.account == account, SignInFailure.address == address))


def guarded(account: str, address: str, check: Callable[[], T | None]) -> T | None:
    """Run `check` (the password comparison) unless this address must wait first; a None
    answer counts as a failure, any other clears this address's count.

    Raises TooManyFailures instead of checking while the address waits. The caller commits
    in both cases, so that the count is kept.
    """
    address = address[:64]
    wait = wait_seconds(account, address)
    if wait:
        raise TooManyFailures(wait)
    result = check()
    if result is None:
        record_failure(account, address)
    else:
        clear(account, address)
    return result


def prune() -> int:
    """Delete counts nobody added to for `FORGET_AFTER`; return how many."""
    return db.session.execute(delete(SignInFailure).where(
        SignInFailure.last_failure_at < utcnow() - FORGET_AFTER)).rowcount
