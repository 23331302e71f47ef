"""`flask credit-keys ...` and `flask redemptions ...`."""
import click
from flask.cli import AppGroup

from app.extensions import db
from app.verification import keys, redemptions as lifecycle

credit_keys = AppGroup("credit-keys", help="Signing keys of residents' credit codes.")
redemptions = AppGroup("redemptions", help="Benefit redemptions and their outcomes.")


@credit_keys.command("rotate")
def rotate():
    """Start signing with a new key; the old one verifies its codes until they expire."""
    key = keys.rotate()
    db.session.commit()
    click.echo(f"current key: {key.kid}")


@credit_keys.command("list")
def list_keys():
    """Keys published in the JWKS."""
    for key in keys.published_keys():
        state = f"retired {key.retired_at:%Y-%m-%d %H:%M:%S}" if key.retired_at else "current"
        click.echo(f"{key.kid}  created {key.created_at:%Y-%m-%d %H:%M:%S}  {state}")


@redemptions.command("process-defaults")
def process_defaults():
    """Record defaults whose grace period has passed as negative 履约守信 records."""
    count = lifecycle.process_defaults()
    db.session.commit()
    click.echo(f"{count} default(s) recorded")
