"""The working-day calendar: holidays and make-up workdays from chinese-calendar or an operator's
notice, the filing day never counted, and a plain Monday–Friday guess (flagged) without data."""
import json
from datetime import date

from app.core import workdays
from app.core.workdays import CalendarDay, add_working_days


def test_the_filing_day_does_not_count(app):
    # Monday 9 November 2026 → the next working day is Tuesday
    assert add_working_days(date(2026, 11, 9), 1) == (date(2026, 11, 10), False)
    # filed on a Friday: counting starts on Monday
    assert add_working_days(date(2026, 11, 13), 1) == (date(2026, 11, 16), False)


def test_national_day_2026_with_its_make_up_workdays(app):
    # 30 September (Wed) is the last working day before the holiday (1–7 October);
    # Saturday 10 October is a make-up workday
    assert add_working_days(date(2026, 9, 30), 1).day == date(2026, 10, 8)
    assert add_working_days(date(2026, 9, 30), 2).day == date(2026, 10, 9)
    assert add_working_days(date(2026, 9, 30), 3).day == date(2026, 10, 10)
    assert add_working_days(date(2026, 9, 30), 5).day == date(2026, 10, 13)
    assert add_working_days(date(2026, 9, 30), 12).day == date(2026, 10, 22)
    # Sunday 20 September is a make-up workday too; 25 September (Fri) is Mid-Autumn Festival
    assert add_working_days(date(2026, 9, 18), 1).day == date(2026, 9, 20)
    assert add_working_days(date(2026, 9, 24), 1).day == date(2026, 9, 28)


def test_spring_festival_2026(app):
    # Friday 13 Feb, then Saturday 14 Feb is a make-up workday, 15–23 Feb are off,
    # and Saturday 28 Feb is another make-up workday
    assert add_working_days(date(2026, 2, 13), 1).day == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 14), 1).day == date(2026, 2, 24)
    assert add_working_days(date(2026, 2, 14), 5).day == date(2026, 2, 28)
    assert add_working_days(date(2026, 2, 14), 6).day == date(2026, 3, 2)


def test_a_year_without_data_falls_back_to_monday_to_friday_with_a_flag(app):
    # 2027's holidays are not published in the package: New Year's Day counts as a working day
    deadline = add_working_days(date(2026, 12, 30), 3)
    assert deadline == (date(2027, 1, 4), True)
    assert add_working_days(date(2026, 12, 21), 3) == (date(2026, 12, 24), False)


def test_an_operator_adds_a_year_from_the_notice(app, runner, tmp_path):
    notice = tmp_path / "2027.json"
    notice.write_text(json.dumps({"holidays": ["2027-01-01..2027-01-03"],
                                  "workdays": ["2027-01-09"]}))
    result = runner.invoke(args=["calendar", "add-year", "2027", "--file", str(notice)])
    assert result.exit_code == 0, result.output
    # Friday 1 January 2027 is now off and Saturday 9 January a make-up workday
    assert add_working_days(date(2026, 12, 31), 1) == (date(2027, 1, 4), False)
    assert add_working_days(date(2027, 1, 8), 1) == (date(2027, 1, 9), False)
    assert "stored (notice)" in runner.invoke(args=["calendar", "show", "2027"]).output
    assert "NO DATA" in runner.invoke(args=["calendar", "show", "2028"]).output


def test_a_bad_notice_is_refused_and_nothing_stored(app, runner, tmp_path):
    notice = tmp_path / "bad.json"
    notice.write_text(json.dumps({"holidays": ["2028-01-01"]}))
    result = runner.invoke(args=["calendar", "add-year", "2027", "--file", str(notice)])
    assert result.exit_code != 0 and "outside 2027" in result.output
    assert add_working_days(date(2026, 12, 31), 1).estimated


def test_seeding_stores_the_package_years_and_the_table_then_decides(app, runner):
    assert runner.invoke(args=["calendar", "seed"]).exit_code == 0
    stored = workdays.db.session.get(CalendarDay, date(2026, 10, 10))
    assert stored is not None and stored.workday
    # the table now overrides the package: an operator's correction of 2026 takes effect
    workdays.store_year(2026, {date(2026, 11, 10): "test"}, {}, "notice")
    assert add_working_days(date(2026, 11, 9), 1).day == date(2026, 11, 11)
