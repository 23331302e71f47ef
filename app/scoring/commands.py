import click
from flask.cli import AppGroup

from app.catalogue.services import current_scheme
from app.core.time import city_today
from app.residents.read import last_person_id
from app.scoring.services import rescore_all

scores = AppGroup("scores", help="Scores.")


@scores.command("rescore")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Score as of this date (default today).")
@click.option("--chunk", default=100_000, show_default=True, help="Persons per transaction.")
@click.option("--full", is_flag=True,
              help="Rescore everyone, not only those whose score can have changed since the last run.")
def rescore(as_of, chunk, full):
    """Bring every resident's score up to date, set-based, one committed chunk of persons at a time."""
    day = as_of.date() if as_of else city_today()
    persons = last_person_id() + 1
    with click.progressbar(length=persons, label="rescoring") as bar:
        written = rescore_all(day, chunk, progress=bar.update, full=full)
    click.echo(f"rescored as of {day} under scheme {current_scheme().version}: "
               f"{written} scores changed")
