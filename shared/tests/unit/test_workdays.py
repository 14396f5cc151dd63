"""The working-day calendar (ordning_shared.workdays): Swedish public holidays from the `holidays` package, the
tenant's non-working eves and extra days off."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from ordning_shared import workdays as d
from ordning_shared.problems import InvalidSetting
from ordning_shared.workdays import DEFAULT_CALENDAR, WorkingCalendar, add_working_days

# The weekdays off (public holidays and midsommar-, jul-, nyårsafton) as the hand-written calendar gave them
# before the `holidays` package replaced it: deadlines must not move.
WEEKDAYS_OFF = {
    2024: ["01-01", "03-29", "04-01", "05-01", "05-09", "06-06", "06-21", "12-24", "12-25", "12-26", "12-31"],
    2025: ["01-01", "01-06", "04-18", "04-21", "05-01", "05-29", "06-06", "06-20", "12-24", "12-25", "12-26",
           "12-31"],
    2026: ["01-01", "01-06", "04-03", "04-06", "05-01", "05-14", "06-19", "12-24", "12-25", "12-31"],
    2027: ["01-01", "01-06", "03-26", "03-29", "05-06", "06-25", "12-24", "12-31"],
    2028: ["01-06", "04-14", "04-17", "05-01", "05-25", "06-06", "06-23", "12-25", "12-26"],
    2029: ["01-01", "03-30", "04-02", "05-01", "05-10", "06-06", "06-22", "12-24", "12-25", "12-26", "12-31"],
    2030: ["01-01", "04-19", "04-22", "05-01", "05-30", "06-06", "06-21", "12-24", "12-25", "12-26", "12-31"],
}
TABLE_DAYS_OFF = {date.fromisoformat(f"{year}-{md}") for year, days in WEEKDAYS_OFF.items() for md in days}


def days_of(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize("year", sorted(WEEKDAYS_OFF))
def test_the_weekdays_off_2024_to_2030_are_those_of_the_old_calendar(year):
    assert [day for day in days_of(year) if day.weekday() < 5 and not d.is_working_day(day)] == \
        sorted(day for day in TABLE_DAYS_OFF if day.year == year)


def test_deadlines_2024_to_2030_are_those_of_the_old_calendar():
    def by_the_table(start: date, n: int) -> date:
        day = start
        while n:
            day += timedelta(days=1)
            n -= day.weekday() < 5 and day not in TABLE_DAYS_OFF
        return day

    for year in range(2024, 2030):  # 2030's last days would run into 2031, outside the table
        for start in days_of(year):
            for n in (0, 1, 2, 5, 10, 20):
                assert add_working_days(start, n) == by_the_table(start, n), (start, n)


@pytest.mark.parametrize("good_friday,easter_monday,ascension", [
    (date(2049, 4, 16), date(2049, 4, 19), date(2049, 5, 27)),  # Easter 18 April 2049
    (date(2076, 4, 17), date(2076, 4, 20), date(2076, 5, 28)),  # Easter 19 April 2076
    (date(2038, 4, 23), date(2038, 4, 26), date(2038, 6, 3)),   # Easter 25 April 2038, the latest possible
])
def test_easter_holidays_far_ahead(good_friday, easter_monday, ascension):
    for day in (good_friday, easter_monday, ascension):
        assert not d.is_working_day(day), day
    assert d.is_working_day(good_friday - timedelta(days=1))  # skärtorsdagen is a working day by default
    assert d.is_working_day(easter_monday + timedelta(days=1))
    assert add_working_days(good_friday - timedelta(days=1), 1) == easter_monday + timedelta(days=1)


@pytest.mark.parametrize("whit_monday", [date(2026, 5, 25), date(2049, 6, 7), date(2076, 6, 8)])
def test_whit_monday_has_been_a_working_day_since_2005(whit_monday):
    assert not d.is_working_day(whit_monday - timedelta(days=1)) and whit_monday.weekday() == 0
    assert d.is_working_day(whit_monday)


def test_sundays_are_weekend_not_listed_public_holidays():
    names = d.public_holidays(2026).values()
    assert len(names) == 13 and "Söndag" not in names
    assert d.public_holidays(2026)[date(2026, 6, 6)] == "Nationaldagen"


def test_the_eve_catalogue_names_every_eve_the_package_knows():
    known = set().union(*(names for year in range(2024, 2031) for names in d.eves(year).values()))
    assert known == d.EVES


def test_the_default_calendar_keeps_midsommar_jul_and_nyarsafton_off():
    assert DEFAULT_CALENDAR.non_working_eves == {"midsommarafton", "julafton", "nyårsafton"}
    for day in (date(2026, 6, 19), date(2026, 12, 24), date(2026, 12, 31)):
        assert not d.is_working_day(day)
    assert d.is_working_day(date(2026, 4, 2)) and d.is_working_day(date(2026, 4, 30))  # skärtorsdag, valborg


def test_a_tenant_that_works_on_the_eves_counts_them():
    calendar = WorkingCalendar(non_working_eves=frozenset())
    assert calendar.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 24)
    assert calendar.add_working_days(date(2026, 6, 18), 1) == date(2026, 6, 19)
    assert DEFAULT_CALENDAR.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 28)


def test_a_tenant_may_take_more_eves_and_days_off():
    calendar = WorkingCalendar(non_working_eves=d.DEFAULT_NON_WORKING_EVES | {"Skärtorsdagen", "klämdag"},
                               extra_days_off=frozenset({date(2026, 3, 3)}))
    assert calendar.add_working_days(date(2026, 4, 1), 1) == date(2026, 4, 7)
    assert calendar.add_working_days(date(2026, 5, 13), 1) == date(2026, 5, 18)  # Kristi himmelsfärd, klämdag
    assert calendar.add_working_days(date(2026, 3, 2), 1) == date(2026, 3, 4)
    assert not d.is_working_day(date(2026, 3, 3), calendar) and d.is_working_day(date(2026, 3, 3))


def test_an_unknown_eve_is_refused():
    with pytest.raises(InvalidSetting, match="valborg"):
        WorkingCalendar(non_working_eves=frozenset({"valborg"}))


@pytest.mark.parametrize("start, n, before", [
    (date(2026, 6, 22), 1, date(2026, 6, 18)),   # Monday after midsommar: Thursday before midsommarafton
    (date(2026, 12, 28), 1, date(2026, 12, 23)),  # after jul: the day before julafton
    (date(2026, 4, 7), 2, date(2026, 4, 1)),     # Tuesday after påsk: skärtorsdag, then the Wednesday before
    (date(2026, 3, 4), 0, date(2026, 3, 4)),
])
def test_working_days_are_counted_back_over_the_holidays(start, n, before):
    assert DEFAULT_CALENDAR.subtract_working_days(start, n) == before
    assert DEFAULT_CALENDAR.add_working_days(before, n) == start or n == 0


def test_counting_back_a_negative_number_is_an_error():
    with pytest.raises(ValueError, match="^n must be >= 0$"):
        DEFAULT_CALENDAR.subtract_working_days(date(2026, 1, 1), -1)


@pytest.mark.parametrize("moment, day", [
    ("2026-06-19T22:30:00+00:00", date(2026, 6, 20)),  # after midnight in Sweden (summer time, +02:00)
    ("2026-12-24T22:59:59+00:00", date(2026, 12, 24)),  # before midnight in Sweden (winter time, +01:00)
])
def test_the_day_of_a_moment_is_the_swedish_day(moment, day):
    from datetime import datetime

    assert d.local_date(datetime.fromisoformat(moment)) == day
