"""`flask credit-keys ...`."""
import click
from flask.cli import AppGroup

from app.core.extensions import db
from app.credit_codes import keys

credit_keys = AppGroup("credit-keys", help="Signing keys of residents' credit codes.")


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
