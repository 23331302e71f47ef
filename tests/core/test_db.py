"""The pool pings a connection that sat idle, and replaces it if it was dropped."""
import time

from sqlalchemy import create_engine, text

from app.core import db as core_db


def _engine(base_app):
    return create_engine(base_app.config["SQLALCHEMY_DATABASE_URI"],
                         **base_app.config["SQLALCHEMY_ENGINE_OPTIONS"])


def test_a_connection_dropped_while_idle_is_replaced_at_checkout(base_app):
    engine = _engine(base_app)
    try:
        with engine.connect() as connection:
            dropped = connection.connection.dbapi_connection
            record = connection.connection._connection_record
        dropped.close()  # as a server restart or a firewall would
        record.info["idle_since"] = time.monotonic() - core_db.IDLE_PING_SECONDS - 1
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
            assert connection.connection.dbapi_connection is not dropped
    finally:
        engine.dispose()

