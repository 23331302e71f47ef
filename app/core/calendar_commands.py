"""`flask calendar ...`: the working-day calendar's years, from the package or the annual notice."""
import json
from datetime import date, timedelta

import click
from flask.cli import AppGroup

from app.core import workdays
from app.core.extensions import db

calendar_group = AppGroup("calendar", help="The Chinese working-day calendar (holidays, 调休).")


@calendar_group.command("seed")
def seed():
    """Store every year the chinese-calendar package covers and the table lacks."""
    added = workdays.seed_from_package()
    db.session.commit()
    click.echo(f"stored {len(added)} year(s) from chinese-calendar")


@calendar_group.command("add-year")
@click.argument("year", type=int)
@click.option("--file", "path", type=click.File(encoding="utf-8"), required=True,
              help='JSON: {"holidays": [dates], "workdays": [dates]}; a date is "2027-10-01" '
                   'or a range "2027-10-01..2027-10-07".')
def add_year(year, path):
    """Store a year's holidays and make-up workdays from the State Council's notice."""
    try:
        data = json.load(path)
        holidays = _dates(data.get("holidays", []))
        extra = _dates(data.get("workdays", []))
        workdays.store_year(year, dict.fromkeys(holidays, "notice"), dict.fromkeys(extra, "notice"),
                            "notice")
    except (ValueError, AttributeError, TypeError) as exc:
        raise click.ClickException(f"not stored: {exc}") from None
    db.session.commit()
    click.echo(f"{year}: {len(holidays)} holiday(s), {len(extra)} make-up workday(s) stored")


@calendar_group.command("show")
@click.argument("year", type=int)
def show(year):
    """Say where a year's calendar comes from (or that it falls back to Monday–Friday)."""
    stored = db.session.get(workdays.CalendarYear, year)
    if stored is not None:
        click.echo(f"{year}: stored ({stored.source})")
    elif year in workdays.PACKAGE_YEARS:
        click.echo(f"{year}: from the chinese-calendar package")
    else:
        click.echo(f"{year}: NO DATA - deadlines assume Monday-Friday until the year is added")


def _dates(items) -> list[date]:
    out = []
    for item in items:
        first, _sep, last = str(item).partition("..")
        day, end = date.fromisoformat(first), date.fromisoformat(last or first)
        if end < day:
            raise ValueError(f"range ends before it starts: {item}")
        while day <= end:
            out.append(day)
            day += timedelta(days=1)
    return out
