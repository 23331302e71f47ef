"""`flask partners create | add-client | list`: onboarding partners from the command line."""
import click
from flask.cli import AppGroup

from app.core.extensions import db
from app.partners import services
from app.partners.models import KINDS, SCOPES

partners = AppGroup("partners", help="Partner institutions and their OAuth clients.")


@partners.command("create")
@click.option("--name", required=True)
@click.option("--kind", required=True, type=click.Choice(KINDS))
@click.option("--credit-code", required=True, help="Unified social credit code (18 characters).")
@click.option("--rate-limit", default="120/minute", show_default=True)
@click.option("--offers", default="", help="Comma-separated benefit codes it books online.")
def create(name, kind, credit_code, rate_limit, offers):
    """Register a partner organisation."""
    try:
        partner = services.create_partner(name, kind, credit_code, rate_limit, actor="cli")
        codes = [c.strip() for c in offers.split(",") if c.strip()]
        if codes:
            services.offer_online(partner, codes, actor="cli")
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"partner {partner.id}: {partner.name} ({partner.kind}, {partner.credit_code})")


@partners.command("add-client")
@click.argument("partner_ref", metavar="PARTNER")
@click.option("--redirect-uri", "redirect_uris", multiple=True, required=True)
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES))
@click.option("--purpose", required=True, help="What the resident is told the data is for.")
@click.option("--days", default=services.DEFAULT_CONSENT_DAYS, show_default=True,
              help="How long a consent lasts.")
def add_client(partner_ref, redirect_uris, scopes, purpose, days):
    """Add an OAuth client to PARTNER (id or credit code); prints its secret once."""
    partner = services.find_partner(partner_ref)
    if partner is None:
        raise click.ClickException(f"no partner {partner_ref!r}")
    try:
        client, secret = services.add_client(partner, redirect_uris, scopes, purpose, days,
                                             actor="cli")
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"client_id     {client.client_id}")
    click.echo(f"client_secret {secret}")
    click.echo("The secret is shown only now; it is stored hashed.")


@partners.command("list")
def list_partners():
    """Partners with their clients (never their secrets)."""
    for partner in services.all_partners():
        state = "" if partner.active else " [inactive]"
        click.echo(f"{partner.id}  {partner.name} ({partner.kind}, {partner.credit_code}, "
                   f"{partner.rate_limit}){state}")
        for client in partner.clients:
            revoked = " [revoked]" if client.revoked_at else ""
            click.echo(f"    {client.client_id}  scopes: {' '.join(client.scopes)}  "
                       f"redirect: {' '.join(client.redirect_uris)}{revoked}")
