"""The cubes: pre-aggregated counts per tenant, unit and month (and further dimensions), kept by difference.

A fact contributes rows to cubes (`contributions_of`); when an event turns an aggregate's fact from `old` to
`new`, the cubes change by `difference(old, new)`: what the new fact contributes minus what the old one did. So a
cube row is always the sum of the contributions of the facts as they are now, whatever order events came in, and
the figures of a whole municipality for a year are a sum over a year of cube rows (a few thousand), never a scan
of the cases or the events.

Every cube has the dimensions `unit_id` and `month` (the first day of the month of the fact's `period_on`), so
that a scope (a unit and the units below it) and a period (whole months) select its rows; a missing
classification is the empty string, so that every dimension can be in the primary key.

Durations (days from report to IVO, to answer, to receipt) are kept as histograms (a count per whole number of
days), which give the mean, the median and the maximum exactly and still change by difference.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Callable

MAX_DAYS = 3650  # longer durations are counted at this many days


@dataclass(frozen=True)
class Dim:
    name: str
    type: str = "str"  # str (an id or a code, "" when none), date, or int


@dataclass(frozen=True)
class CubeSpec:
    name: str  # also its table's name
    dims: tuple[Dim, ...]  # after the tenant; unit_id and month first
    measures: tuple[str, ...]
    description: str = ""
    # A rollup is the same cube without its unit (its table `<name>_all`): the figures of the whole municipality
    # sum its few rows (a month, a kind, ...) instead of every unit's.
    rollup: bool = False

    @property
    def dim_names(self) -> tuple[str, ...]:
        return tuple(dim.name for dim in self.dims)

    @property
    def rollup_name(self) -> str:
        return f"{self.name}_all"


@dataclass(frozen=True)
class Contribution:
    cube: str
    key: tuple  # the dimensions' values, in the cube's order
    measures: dict  # measure -> count


UNIT, MONTH = Dim("unit_id"), Dim("month", "date")
# A cube whose facts count on several days (a document's versions, an indicator's measurements) has a `day`
# dimension after the month: the figures then read any period, partial months too, from its rows alone.
DAY = "day"

DEVIATION_MEASURES = ("reported", "received", "answered", "answered_in_time", "decided", "serious",
                      "ivo_reported", "rejected", "possible_elsewhere")
DEVIATIONS = CubeSpec("cube_deviations", (UNIT, MONTH, Dim("kind"), Dim("origin")), DEVIATION_MEASURES,
                      "Cases by unit, month reported, kind and origin (staff or citizen).", rollup=True)
DEVIATION_CATEGORIES = CubeSpec("cube_deviation_categories", (UNIT, MONTH, Dim("kind"), Dim("category_id")),
                                ("reported",), "Cases by category.", rollup=True)
# The händelsetyp (the tenant's list of event types, deviations' classification.py) by its code; "" for none.
DEVIATION_EVENT_TYPES = CubeSpec("cube_deviation_event_types", (UNIT, MONTH, Dim("kind"), Dim("event_type")),
                                 ("reported",), "Cases by händelsetyp (event type code).", rollup=True)
DEVIATION_PROCESSES = CubeSpec("cube_deviation_processes", (UNIT, MONTH, Dim("kind"), Dim("process_step_id")),
                               ("reported",), "Cases by the process step they concern.", rollup=True)
DEVIATION_DAYS = CubeSpec("cube_deviation_days", (UNIT, MONTH, Dim("kind"), Dim("measure"), Dim("days", "int")),
                          ("n",), "Histograms of days from report to receipt, to answer (first closing) and to the "
                                  "IVO report, of the cases reported in the month.", rollup=True)
ACTIONS = CubeSpec("cube_actions", (UNIT, MONTH, Dim("origin_type"), Dim("status"), Dim("due_date", "date")),
                   ("n", "effect_followed_up"),
                   "Improvement actions by unit, month created, origin, status and due date (overdue is open with a "
                   "due date before the day asked); effect_followed_up counts those whose effect follow-up is "
                   "written.", rollup=True)

# Every cube, by name; a read model added later (risks, documents, goals) adds its own here (registry.py).
CUBES: dict[str, CubeSpec] = {cube.name: cube for cube in
                              (DEVIATIONS, DEVIATION_CATEGORIES, DEVIATION_EVENT_TYPES, DEVIATION_PROCESSES,
                               DEVIATION_DAYS, ACTIONS)}


def register(*specs: CubeSpec) -> None:
    """Add a read model's cubes (registry.py imports the modules that define them)."""
    for spec in specs:
        CUBES[spec.name] = spec


def _day(value) -> date | None:
    """A fact's day (ISO text); anything else is no day, so a malformed payload counts nowhere rather than
    failing every later event of its aggregate."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _days(start: date | None, end: date | None) -> int | None:
    if start is None or end is None:
        return None
    return min(max((end - start).days, 0), MAX_DAYS)


def deviation_contributions(fact: dict) -> list[Contribution]:
    """A case counts in the month it was reported, at its current unit, kind, category and händelsetyp. A rejected case
    (spam, a duplicate) counts only as rejected; a case whose report has not arrived yet counts nowhere."""
    reported_on = _day(fact.get("reported_on"))
    if reported_on is None or not fact.get("unit_id") or not fact.get("kind"):
        return []
    unit, month, kind = fact["unit_id"], reported_on.replace(day=1), fact["kind"]
    origin = fact.get("origin") or ""
    if fact.get("rejected"):
        return [Contribution(DEVIATIONS.name, (unit, month, kind, origin), {"rejected": 1})]
    received_on, answered_on = _day(fact.get("received_on")), _day(fact.get("answered_on"))
    ivo_on, due = _day(fact.get("ivo_reported_on")), _day(fact.get("answer_due"))
    measures = {
        "reported": 1,
        "received": int(received_on is not None),
        "answered": int(answered_on is not None),
        "answered_in_time": int(answered_on is not None and due is not None and answered_on <= due),
        "decided": int(fact.get("serious") is not None),
        "serious": int(fact.get("serious") is True),
        "ivo_reported": int(ivo_on is not None),
        "possible_elsewhere": int(bool(fact.get("possible_elsewhere"))),
    }
    rows = [Contribution(DEVIATIONS.name, (unit, month, kind, origin), measures),
            Contribution(DEVIATION_CATEGORIES.name, (unit, month, kind, fact.get("category_id") or ""),
                         {"reported": 1}),
            Contribution(DEVIATION_EVENT_TYPES.name, (unit, month, kind, fact.get("event_type") or ""),
                         {"reported": 1}),
            Contribution(DEVIATION_PROCESSES.name, (unit, month, kind, fact.get("process_step_id") or ""),
                         {"reported": 1})]
    for measure, end in (("receipt", received_on), ("answer", answered_on), ("ivo", ivo_on)):
        days = _days(reported_on, end)
        if days is not None:
            rows.append(Contribution(DEVIATION_DAYS.name, (unit, month, kind, measure, days), {"n": 1}))
    return rows


def action_contributions(fact: dict) -> list[Contribution]:
    """An action counts in the month it was created, at its current unit and status."""
    created_on, due = _day(fact.get("created_on")), _day(fact.get("due_date"))
    if created_on is None or not fact.get("unit_id") or not fact.get("status") or due is None:
        return []
    return [Contribution(ACTIONS.name, (fact["unit_id"], created_on.replace(day=1), fact.get("origin_type") or "",
                                        fact["status"], due),
                         {"n": 1, "effect_followed_up": int(fact.get("effect_followed_up") is True)})]


def contributions_of(contribute: Callable[[dict], list[Contribution]], fact: dict | None) -> list[Contribution]:
    return contribute(fact) if fact is not None else []


def rolled_up(changes: list[Contribution]) -> list[Contribution]:
    """The changes of the rollups (cubes without their unit) that `changes` of their cubes make: summed over the
    units, so a case moved between two units in one month changes no rollup row."""
    rollups = [Contribution(CUBES[c.cube].rollup_name, c.key[1:], c.measures)
               for c in changes if CUBES[c.cube].rollup]
    return difference([], rollups)


def difference(old: list[Contribution], new: list[Contribution]) -> list[Contribution]:
    """What the cubes change by when `old` contributions become `new` ones: per cube row, the new counts minus
    the old, rows whose every count is unchanged left out; sorted, so that concurrent writers lock cube rows in
    one order."""
    totals: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for sign, rows in ((-1, old), (1, new)):
        for row in rows:
            counts = totals[(row.cube, row.key)]
            for measure, value in row.measures.items():
                counts[measure] += sign * value
    changed = [Contribution(cube, key, {m: v for m, v in counts.items() if v})
               for (cube, key), counts in totals.items() if any(counts.values())]
    return sorted(changed, key=lambda c: (c.cube, tuple(str(part) for part in c.key)))
