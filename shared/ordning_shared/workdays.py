"""Working days in Sweden: Monday to Friday except the public holidays (allmänna helgdagar, from the `holidays`
package, Easter and all) and the eves a municipality treats as non-working, with its own extra days off.

Every service that counts working days uses this one calendar: the deviations service for a case's due dates,
the notify service for its grace periods and reminders. A tenant's own calendar (its eves and extra days off) is
tenant data, a `WorkingCalendar` value; `DEFAULT_CALENDAR` is the one a tenant has until it sets its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from holidays.constants import DE_FACTO, OPTIONAL, PUBLIC

from .problems import InvalidSetting

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def today_in_sweden(at: datetime | None = None) -> date:
    """The day it is in Sweden now (or at the moment `at`, aware). Not `date.today()` nor `at.date()`: the machines
    run in UTC, and from 22:00 or 23:00 UTC until midnight their day is yesterday in Sweden, where every due date,
    report day and "not in the future" is counted."""
    return (at or datetime.now(timezone.utc)).astimezone(STOCKHOLM).date()

# Days besides the public holidays that a municipality may treat as non-working, by their Swedish names in the
# `holidays` package (its de facto and optional categories). Semesterlagen 7 § treats the first three like Sundays.
DEFAULT_NON_WORKING_EVES = frozenset({"midsommarafton", "julafton", "nyårsafton"})
EVES = DEFAULT_NON_WORKING_EVES | {"trettondagsafton", "skärtorsdagen", "påskafton", "valborgsmässoafton",
                                   "klämdag", "pingstafton", "allahelgonsafton"}


def _eve_key(name: str) -> str:
    """'Skärtorsdagen (från kl. 14.00)' -> 'skärtorsdagen' (the package marks half days off in the name)."""
    return name.split(" (")[0].strip().casefold()


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[date, str]:
    """Sweden's public holidays (allmänna helgdagar) in `year`, Sundays not listed (they are weekend anyway)."""
    calendar = holidays.Sweden(years=year, include_sundays=False, categories=(PUBLIC,), language="sv")
    return {day: "; ".join(calendar.get_list(day)) for day in calendar}


@lru_cache(maxsize=64)
def eves(year: int) -> dict[date, frozenset[str]]:
    """The days of `year` that are in `EVES`, each with its keys (a day may carry two names)."""
    calendar = holidays.Sweden(years=year, include_sundays=False, categories=(DE_FACTO, OPTIONAL), language="sv")
    return {day: frozenset(_eve_key(name) for name in calendar.get_list(day)) for day in calendar}


@dataclass(frozen=True)
class WorkingCalendar:
    """One tenant's working days: Monday to Friday except public holidays, its non-working eves and extra days off.

    Tenant data (defaults: midsommar-, jul- and nyårsafton off, no extra days off); `extra_days_off` holds days
    the municipality closes that no rule names (e.g. a decided klämdag in a year the package has none).
    """

    non_working_eves: frozenset[str] = DEFAULT_NON_WORKING_EVES
    extra_days_off: frozenset[date] = frozenset()

    def __post_init__(self):
        names = frozenset(_eve_key(name) for name in self.non_working_eves)
        unknown = names - EVES
        if unknown:
            raise InvalidSetting(f"Okända aftnar: {', '.join(sorted(unknown))}; kända är {', '.join(sorted(EVES))}.",
                                 f"Unknown non-working eves: {', '.join(sorted(unknown))}; known are "
                                 f"{', '.join(sorted(EVES))}.")
        object.__setattr__(self, "non_working_eves", names)
        object.__setattr__(self, "extra_days_off", frozenset(self.extra_days_off))

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _days_off(self, day.year)

    def add_working_days(self, start: date, n: int) -> date:
        """The n:th working day after `start` (`start` itself is never counted; n=0 returns `start`)."""
        return _add_working_days(self, start, n)

    def subtract_working_days(self, start: date, n: int) -> date:
        """The n:th working day before `start` (`start` itself is never counted; n=0 returns `start`)."""
        return _subtract_working_days(self, start, n)


DEFAULT_CALENDAR = WorkingCalendar()


@lru_cache(maxsize=256)
def _days_off(calendar: WorkingCalendar, year: int) -> frozenset[date]:
    off_eves = {day for day, names in eves(year).items() if names & calendar.non_working_eves}
    return frozenset(public_holidays(year)) | off_eves | {day for day in calendar.extra_days_off if day.year == year}


def _walk(calendar: WorkingCalendar, start: date, n: int, step: int) -> date:
    if n < 0:
        raise ValueError("n must be >= 0")
    day = start
    while n > 0:
        day += timedelta(days=step)
        if calendar.is_working_day(day):
            n -= 1
    return day


@lru_cache(maxsize=1024)  # every report asks for the same few (day, days) pairs; each walks the calendar
def _add_working_days(calendar: WorkingCalendar, start: date, n: int) -> date:
    return _walk(calendar, start, n, 1)


@lru_cache(maxsize=256)
def _subtract_working_days(calendar: WorkingCalendar, start: date, n: int) -> date:
    return _walk(calendar, start, n, -1)


def is_working_day(day: date, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> bool:
    """Monday to Friday and not a public holiday or a day off in `calendar`."""
    return calendar.is_working_day(day)


def add_working_days(start: date, n: int, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> date:
    """The n:th working day after `start` (`start` itself is never counted; n=0 returns `start`)."""
    return _add_working_days(calendar, start, n)


def local_date(moment: datetime | date) -> date:
    """The Swedish calendar date of a moment (aware datetimes are converted to Europe/Stockholm)."""
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            return moment.astimezone(STOCKHOLM).date()
        return moment.date()
    return moment


__all__ = ["STOCKHOLM", "DEFAULT_NON_WORKING_EVES", "EVES", "public_holidays", "eves", "WorkingCalendar",
           "DEFAULT_CALENDAR", "is_working_day", "add_working_days", "local_date"]
