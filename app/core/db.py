"""Column types and helpers shared by every domain's models."""
import time
from collections import namedtuple
from dataclasses import dataclass
from datetime import timezone
from functools import cache

from sqlalchemy import DateTime, Engine, LargeBinary, event
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


@dataclass(frozen=True)
class _Prepared:
    sql: str
    fixed: dict  # the values the statement carries (literals)
    bind_processors: dict  # parameter name: its type's conversion to the driver's value
    result_processors: tuple  # per column: the driver's value to its type's, or None
    row: type


@cache
def _prepared(statement, dialect) -> _Prepared:
    compiled = statement.compile(dialect=dialect)
    binds = {name: dialect.type_descriptor(bind.type).bind_processor(dialect)
             for name, bind in compiled.binds.items()}
    columns = statement.exported_columns  # a SELECT's columns, or what an INSERT returns
    return _Prepared(
        str(compiled), compiled.params,
        {name: process for name, process in binds.items() if process is not None},
        tuple(dialect.type_descriptor(column.type).result_processor(dialect, None)
              for column in columns),
        namedtuple("Row", [column.key for column in columns]))


def first_row(connection, statement, params: dict):
    """The first row of a statement (None if none), run on psycopg's own cursor inside the
    connection's transaction, compiled once per statement (PostgreSQL). Values go through the
    columns' types both ways, but column defaults are not filled in: `params` names every value.

    For the hottest path only: per execution, SQLAlchemy's own bookkeeping costs about as much
    Python time as the driver's, and this skips it. A connection the server dropped meanwhile
    is replaced when the session's rollback finds it dead."""
    prepared = _prepared(statement, connection.dialect)
    values = {**prepared.fixed, **params}
    for name, process in prepared.bind_processors.items():
        values[name] = process(values[name])
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:
        # statement logs and counters listening on the engine still see it
        for listener in connection.dispatch.before_cursor_execute:
            listener(connection, cursor, prepared.sql, values, None, False)
        cursor.execute(prepared.sql, values)
        row = cursor.fetchone()
    if row is None:
        return None
    return prepared.row(*(value if process is None else process(value)
                          for process, value in zip(prepared.result_processors, row)))


def first(connection, statement, params: dict):
    """The first row of a statement (None if none): on PostgreSQL by `first_row`, elsewhere by
    SQLAlchemy."""
    if connection.dialect.name == "postgresql":
        return first_row(connection, statement, params)
    return connection.execute(statement, params).first()


def can_fan_out(session) -> bool:
    """Whether a session's work can be shared with sessions of its own connections: on
    PostgreSQL (SQLite writes one transaction at a time), and unless the session is bound to one
    connection (a caller's transaction, which the others would not see)."""
    bind = session.get_bind()
    return bind.dialect.name == "postgresql" and isinstance(bind, Engine)


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
