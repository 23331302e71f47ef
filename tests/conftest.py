"""Fixtures: one fresh database per test session (SQLite or PostgreSQL, from DATABASE_URL),
migrated with the real migrations; each test runs in a transaction rolled back at its end.
Live-server tests commit for real and use unique data instead.
"""
import os
import threading
import uuid
from contextlib import contextmanager

import pytest
from flask import g, request_started
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from app.catalogue.services import load_default_scheme
from app.core import extensions
from app.core.extensions import db
from app.core.migrations import upgrade
from app.core.redis import get_redis

pytest_plugins = ["tests.factories", "tests.resident_support", "tests.verification_support"]

# a test machine runs databases, browsers and servers on two cores: a Redis reply can stall
# longer than production's 0.2 s without Redis being hung (the breaker's own tests use 0.2 s)
TEST_CONFIG = {"TESTING": True, "PASSWORD_HASH_COST": "low", "RATELIMIT_ENABLED": True,
               "REDIS_TIMEOUT": 2.0}


def _postgres_database():
    """Create a throw-away database next to DATABASE_URL's; return (url, drop callback)."""
    base = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+psycopg")
    name = f"credit_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if os.environ.get("DATABASE_URL"):
        url, drop = _postgres_database()
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture
def scratch_app(base_app, tmp_path):
    """An app on an empty database of its own (no migration run), inside its app context: for
    tests that migrate up and down."""
    if os.environ.get("DATABASE_URL"):
        url, drop = _postgres_database()
    else:
        url, drop = f"sqlite:///{tmp_path / 'scratch.db'}", None
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url},
                     instance_path=base_app.instance_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if drop is not None:
        drop()


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory):
    return str(tmp_path_factory.mktemp("instance"))


@pytest.fixture(scope="session")
def base_app(database_url, instance_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url},
                     instance_path=instance_path)
    with app.app_context():
        upgrade()
        load_default_scheme(app.config["DEFAULT_SCHEME_VERSION"])
        db.session.commit()
    request_started.connect(_forget_request_state, app, weak=False)
    return app


def _forget_request_state(sender, **extra):
    """Tests keep one app context open (for the rolled-back session), so `g` outlives a request;
    drop what Flask-Login, Flask-Babel and Flask-WTF cache there, as a fresh request context would."""
    for name in ("_login_user", "_flask_babel", "csrf_token"):
        g.pop(name, None)


class _ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy's session picks the engine over a session-level bind, so without this a
    view's commit would reach the database on a new connection and outlive the test."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


@pytest.fixture
def app(base_app):
    """The app, with every database change of the test rolled back afterwards."""
    with base_app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        if connection.dialect.name == "sqlite":
            # pysqlite only opens a transaction at the first write, so the session's first
            # SAVEPOINT would start (and its RELEASE commit) a real one: open it now instead
            connection.exec_driver_sql("BEGIN")
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint",
             "class_": _ConnectionBoundSession})
        _flush_redis()
        try:
            yield base_app
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


def _flush_redis():
    """Start each test with Redis as a new process sees it: empty, its breaker closed, and the
    rate limiter counting in Redis again (after a test stopped Redis on purpose, or a slow reply
    on a busy machine, Flask-Limiter keeps counting in memory until its next health check)."""
    client = get_redis()
    client.connection_pool.connection_kwargs["breaker"].close()
    limiter = extensions.limiter
    limiter._storage_dead = False
    if limiter._fallback_storage is not None:
        limiter._fallback_storage.reset()
    try:
        client.flushdb()
    except Exception:  # a test may have stopped Redis on purpose
        pass


class QueryLog(list):
    """The SQL statements sent while counting, savepoints of the test's transaction left out."""

    @property
    def count(self):
        return len(self)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as queries: ...` then `queries.count`: N+1 regressions show up."""

    @contextmanager
    def counting():
        queries = QueryLog()

        def record(_conn, _cursor, statement, *_args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                queries.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield queries
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def live_app(base_app):
    """The app with real commits, for tests that run a server or several connections."""
    with base_app.app_context():
        _flush_redis()
        yield base_app
        db.session.remove()


@pytest.fixture
def live_server(live_app):
    """Serve the app on a free loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
