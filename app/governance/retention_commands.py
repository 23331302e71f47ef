"""`flask retention purge`: the purge at the end of retention, run by hand."""
import click
from flask.cli import AppGroup

from app.governance.retention import purge_due

retention = AppGroup("retention", help="Retention of records: the purge at its end.")


@retention.command("purge")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Purge as on this day (default: today in the city).")
def purge(today):
    """Purge every record past its retention, leaving tombstones; rescore the persons."""
    purged = purge_due(today.date() if today else None)
    click.echo(f"purged {purged} records past retention")
