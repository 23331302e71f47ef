"""Column types and helpers shared by every domain's models."""
import time
from datetime import timezone

from sqlalchemy import DateTime, LargeBinary, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

from app.core import crypto


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Encrypted(TypeDecorator):
    """Text stored encrypted (AES-GCM), bound to `context` (the column) so values cannot be
    moved between columns; reads and writes see plain text."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, context: str):
        super().__init__()
        self.context = context

    def process_bind_param(self, value, dialect):
        return None if value is None else crypto.encrypt(value, self.context)

    def process_result_value(self, value, dialect):
        return None if value is None else crypto.decrypt(bytes(value), self.context)


def conflict_insert(dialect_name):
    """The backend's INSERT construct, which has `on_conflict_do_nothing` / `_do_update`."""
    return (postgresql if dialect_name == "postgresql" else sqlite).insert


def array_text(values) -> str:
    """A PostgreSQL array parameter in its text form, for the statement to CAST: for thousands
    of integers or hex digests far quicker to send than psycopg's adaptation of a list. Only for
    values whose text needs no quoting (no comma, quote, brace, backslash or space)."""
    return "{" + ",".join(map(str, values)) + "}"


IDLE_PING_SECONDS = 30


@event.listens_for(Pool, "checkin")
def _note_idle_since(dbapi_connection, record):
    if record is not None:
        record.info["idle_since"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, record, proxy):
    """Ping a pooled connection only if it sat idle long enough for the server or a firewall to
    have dropped it; the pool replaces one that fails. A busy worker's connections go unpinged."""
    idle_since = record.info.pop("idle_since", None)
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()
    except Exception as exc:  # whatever the driver raises, this connection is unusable
        raise DisconnectionError("idle connection failed its ping") from exc
