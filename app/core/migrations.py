"""Schema migrations (Flask-Migrate over Alembic), imported only when they are used.

Importing Alembic cost every process that builds the app (a `flask` command, a gunicorn or job
worker) 0.08-0.2 s of its start-up, and only `flask db …` and the set-up steps migrate: so
`flask db` is registered by name, and Flask-Migrate is imported and bound to the app once one
of its commands runs, or `upgrade`/`downgrade` is called.
"""
from pathlib import Path

import click
from flask import current_app, g
from flask.cli import ScriptInfo, with_appcontext

from app.core.extensions import db

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent.parent / "migrations")


def init_migrations(app):
    app.cli.add_command(migration_commands)


def bind(app):
    """Bind Flask-Migrate to `app` (once), as its commands and `migrations/env.py` expect."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=MIGRATIONS_DIR)


def upgrade(revision="head"):
    """`flask db upgrade` for the current app."""
    from flask_migrate import upgrade as run

    bind(current_app)
    run(revision=revision)


def downgrade(revision="-1"):
    """`flask db downgrade` for the current app."""
    from flask_migrate import downgrade as run

    bind(current_app)
    run(revision=revision)


class _Commands(click.Group):
    """Flask-Migrate's commands, looked up once one is asked for."""

    def _commands(self, ctx) -> click.Group:
        from flask_migrate.cli import db as flask_migrate_commands

        bind(ctx.ensure_object(ScriptInfo).load_app())
        return flask_migrate_commands

    def list_commands(self, ctx):
        return self._commands(ctx).list_commands(ctx)

    def get_command(self, ctx, name):
        return self._commands(ctx).get_command(ctx, name)


# the group of `flask_migrate.cli.db` with its options, which its commands read from `g`
@click.group("db", cls=_Commands)
@click.option("-d", "--directory", default=None,
              help='Migration script directory (default is "migrations")')
@click.option("-x", "--x-arg", multiple=True,
              help="Additional arguments consumed by custom env.py scripts")
@with_appcontext
def migration_commands(directory, x_arg):
    """Perform database migrations."""
    g.directory = directory
    g.x_arg = x_arg
