"""`flask redemptions ...`."""
import click
from flask.cli import AppGroup

from app.core.extensions import db
from app.verification import redemptions as lifecycle

redemptions = AppGroup("redemptions", help="Benefit redemptions and their outcomes.")


@redemptions.command("process-defaults")
def process_defaults():
    """Record defaults whose grace period has passed as negative 履约守信 records."""
    count = lifecycle.process_defaults()
    db.session.commit()
    click.echo(f"{count} default(s) recorded")
