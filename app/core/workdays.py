"""The Chinese working-day calendar, kept as data: holidays and make-up workdays (调休) by year.

A year's exceptions to Monday–Friday come from the `calendar_days` table when an operator has
loaded that year (`flask calendar seed` copies the `chinese-calendar` package's years there,
`flask calendar add-year` adds one from the State Council's annual notice), and otherwise from the
package itself. A year known to neither falls back to plain Monday–Friday: the answer then says so
(`Deadline.estimated`), so screens can warn, and nothing raises.
"""
from datetime import date, datetime, timedelta
from typing import NamedTuple

from chinese_calendar import constants as package
from sqlalchemy import Boolean, Date, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow

PACKAGE_YEARS = frozenset(d.year for d in package.holidays)


class CalendarYear(db.Model):
    """A year whose holidays and make-up workdays are stored, and where they came from."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(40))  # "chinese-calendar" or "notice"
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self):
        return f"<CalendarYear {self.year} {self.source}>"


class CalendarDay(db.Model):
    """A day that breaks the Monday–Friday rule: a holiday, or a weekend make-up workday."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(40), default="")

    def __repr__(self):
        return f"<CalendarDay {self.day} {'work' if self.workday else 'off'}>"


class Deadline(NamedTuple):
    day: date
    estimated: bool  # some year on the way had no calendar data: Monday–Friday was assumed


class _Calendar:
    """Exceptions read once per year for one computation."""

    def __init__(self):
        self._years: dict[int, dict[date, bool] | None] = {}

    def exceptions(self, year: int) -> dict[date, bool] | None:
        if year not in self._years:
            self._years[year] = _year_exceptions(year)
        return self._years[year]

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(is it a working day, was it guessed)."""
        exceptions = self.exceptions(day.year)
        if exceptions is not None and day in exceptions:
            return exceptions[day], False
        return day.weekday() < 5, exceptions is None


def _year_exceptions(year: int) -> dict[date, bool] | None:
    if db.session.get(CalendarYear, year) is not None:
        return dict(db.session.execute(
            select(CalendarDay.day, CalendarDay.workday).where(CalendarDay.year == year)).all())
    if year in PACKAGE_YEARS:
        return package_year(year)
    return None


def package_year(year: int) -> dict[date, bool]:
    """The `chinese-calendar` package's exceptions for a year it covers."""
    out = {d: False for d in package.holidays if d.year == year}
    out.update({d: True for d in package.workdays if d.year == year})
    return out


def add_working_days(start: date, n: int) -> Deadline:
    """The n-th working day after `start`; the start day itself never counts (Civil Code
    Art. 201: a period counted in days begins on the next day)."""
    calendar, day, counted, estimated = _Calendar(), start, 0, False
    while counted < n:
        day += timedelta(days=1)
        working, guessed = calendar.is_workday(day)
        estimated = estimated or guessed
        counted += working
    return Deadline(day, estimated)


def store_year(year: int, holidays: dict[date, str], workdays: dict[date, str], source: str):
    """Replace a year's stored exceptions (holidays and make-up workdays) with these."""
    strays = [d for d in (*holidays, *workdays) if d.year != year]
    if strays:
        raise ValueError(f"dates outside {year}: {', '.join(map(str, sorted(strays)))}")
    both = set(holidays) & set(workdays)
    if both:
        raise ValueError(f"both holiday and workday: {', '.join(map(str, sorted(both)))}")
    db.session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    db.session.merge(CalendarYear(year=year, source=source, added_at=utcnow()))
    db.session.add_all([CalendarDay(day=d, year=year, workday=False, name=name[:40])
                        for d, name in holidays.items()])
    db.session.add_all([CalendarDay(day=d, year=year, workday=True, name=name[:40])
                        for d, name in workdays.items()])
    db.session.flush()


def seed_from_package(years=None) -> list[int]:
    """Store the package's years not yet stored (all it covers by default); return them."""
    stored = set(db.session.scalars(select(CalendarYear.year)))
    added = []
    for year in sorted(set(years or PACKAGE_YEARS) & PACKAGE_YEARS - stored):
        store_year(year, {d: package.holidays[d] for d in package.holidays if d.year == year},
                   {d: package.workdays[d] for d in package.workdays if d.year == year},
                   "chinese-calendar")
        added.append(year)
    return added
