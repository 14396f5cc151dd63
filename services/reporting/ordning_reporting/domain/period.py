"""The period figures are asked for: whole days from `start` to `end`, both included, in the Swedish calendar.

Cubes are kept per calendar month; a period that starts or ends inside a month is answered from the cubes for
its whole months and from the facts for the days of its partial months (`Period.split`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ordning_shared.problems import Unprocessable

STOCKHOLM = ZoneInfo("Europe/Stockholm")
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
MAX_YEARS = 10


class InvalidPeriod(Unprocessable):
    code = "invalid_period"


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def local_date(moment: datetime | date | str | None) -> date | None:
    """The Swedish calendar date of a moment (an ISO string, an aware datetime or a date)."""
    if moment is None:
        return None
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment) if "T" in moment or " " in moment else date.fromisoformat(moment)
        except ValueError:
            return None
    if isinstance(moment, datetime):
        return moment.astimezone(STOCKHOLM).date() if moment.tzinfo is not None else moment.date()
    return moment


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def of(cls, start: date | None, end: date | None, today: date) -> "Period":
        """A period from the query; a missing end is the start's year's end, a missing start this year's first day
        (or the end's year's)."""
        if start is None and end is None:
            start, end = date(today.year, 1, 1), date(today.year, 12, 31)
        elif start is None:
            start = date(end.year, 1, 1)
        elif end is None:
            end = date(start.year, 12, 31)
        for name, day in (("from", start), ("to", end)):
            if not FIRST_DAY <= day <= LAST_DAY:
                raise InvalidPeriod(f"Datumet '{name}' ska ligga mellan {FIRST_DAY} och {LAST_DAY}.",
                                    f"The date '{name}' must lie between {FIRST_DAY} and {LAST_DAY}.")
        if start > end:
            raise InvalidPeriod("Perioden ska börja innan den slutar ('from' före 'to').",
                                "The period must start before it ends ('from' before 'to').")
        if (end.year - start.year) * 12 + end.month - start.month >= MAX_YEARS * 12:
            raise InvalidPeriod(f"Perioden får vara högst {MAX_YEARS} år.",
                                f"The period may be at most {MAX_YEARS} years long.")
        return cls(start, end)

    @property
    def months(self) -> list[date]:
        months, month = [], month_of(self.start)
        while month <= self.end:
            months.append(month)
            month = next_month(month)
        return months

    def split(self) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
        """(whole, partial): the first and last whole month of the period (None if it holds none), and the day
        ranges of the months it covers only in part."""
        whole, partial = [], []
        for month in self.months:
            first, last = max(month, self.start), min(month_end(month), self.end)
            (whole if (first, last) == (month, month_end(month)) else partial).append((first, last))
        return ((whole[0][0], whole[-1][0]) if whole else None), partial

    def to_dict(self) -> dict:
        return {"from": self.start, "to": self.end}
