import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.core.audit import audit
from app.core.time import city_today
from app.extensions import db
from app.residents.models import Person
from app.scoring import batch
from app.scoring.services import lock_range, scheme_params

scores = AppGroup("scores", help="Scores.")


@scores.command("rescore")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Score as of this date (default today).")
@click.option("--chunk", default=100_000, show_default=True, help="Persons per transaction.")
def rescore(as_of, chunk):
    """Recompute every resident's score, set-based, one committed chunk of persons at a time."""
    day = as_of.date() if as_of else city_today()
    params = scheme_params()
    last = db.session.scalar(select(func.max(Person.id))) or 0
    written = 0
    with click.progressbar(range(0, last + 1, chunk), label="rescoring",
                           item_show_func=lambda lo: lo and f"from person {lo}") as bar:
        for lo in bar:
            lock_range(lo, lo + chunk)
            written += batch.rescore(params, day, person_range=(lo, lo + chunk))
            db.session.commit()
    audit("cli", "scores.rescored", "scheme", params.version,
          data={"as_of": day.isoformat(), "scores": written})
    db.session.commit()
    click.echo(f"rescored everyone as of {day} under scheme {params.version}: "
               f"{written} scores changed")
