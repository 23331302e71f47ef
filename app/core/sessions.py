"""Signed-in sessions recorded on the server, so that signing out ends every copy of a cookie.

The cookie holds a random token; the table holds its SHA-256, the account (`kind:id`) and when
the session must end at the latest.
"""
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow


class UserSession(db.Model):
    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def __repr__(self):
        return f"<UserSession {self.account} until {self.expires_at:%Y-%m-%d %H:%M}>"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(account: str, lifetime: timedelta) -> str:
    """Record a new session of `account`; return the token for its cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.execute(delete(UserSession).where(UserSession.account == account,
                                                 UserSession.expires_at <= now))
    db.session.add(UserSession(token_hash=_digest(token), account=account, created_at=now,
                               expires_at=now + lifetime))
    db.session.flush()
    return token


def is_live(token: str, account: str) -> bool:
    """True if the session was started for `account`, has not ended and has not expired."""
    expires_at = db.session.scalar(select(UserSession.expires_at).where(
        UserSession.token_hash == _digest(token), UserSession.account == account))
    return expires_at is not None and expires_at > utcnow()


def end(token: str) -> None:
    db.session.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))


def end_all(account: str) -> None:
    """End every session of the account (sign out everywhere, password change, closing)."""
    db.session.execute(delete(UserSession).where(UserSession.account == account))


def prune() -> int:
    """Delete expired sessions; return how many."""
    return db.session.execute(delete(UserSession).where(
        UserSession.expires_at <= utcnow())).rowcount
