"""`flask admin`: operator accounts from the command line (the first one above all)."""
import click
from flask.cli import AppGroup

from app.admin import accounts
from app.admin.models import ROLES
from app.core.audit import audit
from app.core.extensions import db

admin_group = AppGroup("admin", help="Operators of the console.")


@admin_group.command("create")
@click.option("--username", required=True, help="3–40 of a-z, 0-9, '.', '_', '-'.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.password_option(help="Asked for when not given.")
def create(username, role, password):
    """Create an operator; print the TOTP secret and its provisioning URI for the app."""
    try:
        username = accounts.normalise_username(username)
    except ValueError:
        raise click.BadParameter("use 3–40 of a-z, 0-9, '.', '_', '-'", param_hint="--username")
    if accounts.find_operator(username) is not None:
        raise click.ClickException(f"an operator named {username} exists already")
    if len(password) < 12:
        raise click.BadParameter("use at least 12 characters", param_hint="--password")
    operator = accounts.create_operator(username, password, role)
    audit("cli", "operator.created", "operator", operator.id,
          data={"username": username, "role": role})
    db.session.commit()
    click.echo(f"operator {username} ({role}) created")
    click.echo(f"TOTP secret: {operator.totp_secret}")
    click.echo(f"provisioning URI: {accounts.provisioning_uri(operator)}")
    click.echo("sign in at /admin/login with an empty code to enrol the authenticator")
