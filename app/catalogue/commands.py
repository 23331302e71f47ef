import click
from flask_babel import force_locale
from flask.cli import AppGroup

from app.catalogue.services import SchemeError, publish_scheme, read_scheme_file
from app.core.audit import audit
from app.core.extensions import db

scheme = AppGroup("scheme", help="Scoring schemes and the record catalogue.")


@scheme.command("publish")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def publish(path):
    """Publish a scheme file as the current version (then run `flask scores rescore`)."""
    try:
        with force_locale("en"):  # the command line speaks English, as the others do
            data = read_scheme_file(path)
    except (SchemeError, KeyError, ValueError) as exc:
        raise click.ClickException(f"scheme not published: {exc}") from exc
    published = publish_scheme(data)
    audit("cli", "scheme.published", "scheme", published.version)
    db.session.commit()
    click.echo(f"scheme {published.version} is current")
