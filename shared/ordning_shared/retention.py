"""Retention (gallring): what every service's pseudonymisation shares.

A service keeps a case's statistics (classifications, units, dates) after its retention period and
replaces the free text and the people in it; these are the pieces every service does the same way.
"""
from __future__ import annotations

from datetime import date

# What replaces free text that was there: fixed, so it tells nothing of what was written (not even its length).
PSEUDONYMISED_TEXT = "[gallrad]"


def pseudonymised_text(value: str | None) -> str | None:
    """A free-text field after gallring: the marker where there was text, else as it was (None or blank)."""
    return value if value is None or not str(value).strip() else PSEUDONYMISED_TEXT


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (or earlier); 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
