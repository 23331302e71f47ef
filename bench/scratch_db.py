"""Throw-away PostgreSQL databases for the benchmarks."""
import uuid

import psycopg
from sqlalchemy.engine import make_url


def plain_url(url):
    """The URL as libpq takes it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def database_url(base_url, name):
    return make_url(plain_url(base_url)).set(database=name).render_as_string(hide_password=False)


def create_database(base_url, prefix):
    """Create a database next to `base_url`'s; return (name, its URL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(plain_url(base_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, database_url(base_url, name)


def drop_database(base_url, name):
    with psycopg.connect(plain_url(base_url), autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                     (name,))
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
