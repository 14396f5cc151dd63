"""The processes service's events as reporting counts them: governing documents (styrdokument), the
measurements of quality goals' indicators, and processes established and revised.

What the events carry: services/processes/ordning_processes/domain/documents.py DOCUMENT_EVENT_FIELDS,
goals.py QualityGoal.record and process_map.py PROCESS_EVENT_PAYLOAD_FIELDS (docs/asyncapi.yaml). Subjects: the
document (its `revision` is the sequence), the indicator (the count of its measurements is the sequence), the
process (the version established is the sequence).

Each of these aggregates counts on several days (every version established, every measurement), so their cubes
have a `day` dimension (cubes.DAY) and each contribution its own day: a period, partial months too, is read from
the cube rows alone.
"""
from __future__ import annotations

from .cubes import MONTH, UNIT, Contribution, CubeSpec, Dim, _day
from .events import StoredEvent
from .facts import _iso, _what
from .period import local_date

DOCUMENT_PREFIX = "se.ordning.document."
GOAL_PREFIX = "se.ordning.goal."
PROCESS_PREFIX = "se.ordning.process."
DAY = Dim("day", "date")

DOCUMENT_VERSIONS = CubeSpec(
    "cube_document_versions", (UNIT, MONTH, DAY, Dim("kind"), Dim("change")), ("n",),
    "Document versions established, by owner unit, day established, kind and change (new: a document's first "
    "version; revised: a later one).")
DOCUMENTS_IN_FORCE = CubeSpec(
    "cube_documents_in_force", (UNIT, MONTH, DAY, Dim("kind")), ("n",),
    "Documents with a version in force, by owner unit, their review date (day, and its month) and kind: those with "
    "a review date before today are overdue for review.")
GOAL_MEASUREMENTS = CubeSpec(
    "cube_goal_measurements", (UNIT, MONTH, DAY, Dim("goal_id"), Dim("indicator_id"), Dim("period"), Dim("value"),
                               Dim("attainment")), ("n",),
    "Measurements of quality goals' indicators, by unit, the first day of the measured period (day), goal, "
    "indicator, period, value and attainment (met, partly, not_met, as the processes service computed it).")
PROCESS_VERSIONS = CubeSpec(
    "cube_process_versions", (UNIT, MONTH, DAY, Dim("kind"), Dim("level"), Dim("change")), ("n",),
    "Process versions established, by unit, decision day, kind (huvudprocess, ledningsprocess, stödprocess), "
    "level (process or subprocess) and change (established: the first version; revised: a later one).")
CUBES = (DOCUMENT_VERSIONS, DOCUMENTS_IN_FORCE, GOAL_MEASUREMENTS, PROCESS_VERSIONS)


def _month(day):
    return day.replace(day=1)


# --------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------

def fold_document(state: dict | None, event: StoredEvent) -> dict:
    """A document: its versions established (and superseded), the one in force and its review date."""
    fact = dict(state or {"kind": None, "unit_id": None, "versions": {}, "in_force": None, "review_date": None})
    fact["versions"] = {key: dict(value) for key, value in (fact.get("versions") or {}).items()}
    data, what = event.data, _what(event, DOCUMENT_PREFIX)
    if data.get("kind") is not None:
        fact["kind"] = data["kind"]
    if data.get("owner_unit_id") is not None:
        fact["unit_id"] = data["owner_unit_id"]
    number = data.get("version")
    if not isinstance(number, int) or isinstance(number, bool):
        return {**fact, "period_on": _first_established(fact)}
    version = fact["versions"].setdefault(str(number), {"established_on": None, "superseded_on": None})
    if what == "version_established":
        version["established_on"] = _iso(local_date(data.get("established_on")))
        if data.get("superseded_version") is not None:
            previous = fact["versions"].setdefault(str(data["superseded_version"]),
                                                   {"established_on": None, "superseded_on": None})
            previous["superseded_on"] = previous["superseded_on"] or version["established_on"]
        if version["superseded_on"] is None and (fact["in_force"] is None or number >= fact["in_force"]):
            fact["in_force"], fact["review_date"] = number, data.get("review_date")
    elif what == "version_superseded":
        version["superseded_on"] = _iso(local_date(data.get("superseded_on")))
        if fact["in_force"] == number:
            fact["in_force"], fact["review_date"] = None, None
    elif what == "review_due" and fact["in_force"] == number:
        fact["review_date"] = data.get("review_date")  # the review date as it is when it came (it may have moved)
    fact["period_on"] = _first_established(fact)
    return fact


def _first_established(fact: dict) -> str | None:
    days = [v["established_on"] for v in fact["versions"].values() if v.get("established_on")]
    return min(days) if days else None


def document_contributions(fact: dict) -> list[Contribution]:
    unit, kind = fact.get("unit_id"), fact.get("kind") or ""
    if not unit:
        return []
    rows = []
    for number in sorted(int(n) for n in fact.get("versions") or {}):
        day = _day(fact["versions"][str(number)].get("established_on"))
        if day is not None:
            change = "new" if number == 1 else "revised"  # a document's first version is number 1
            rows.append(Contribution(DOCUMENT_VERSIONS.name, (unit, _month(day), day, kind, change), {"n": 1}))
    review = _day(fact.get("review_date"))
    if fact.get("in_force") is not None and review is not None:
        rows.append(Contribution(DOCUMENTS_IN_FORCE.name, (unit, _month(review), review, kind), {"n": 1}))
    return rows


# --------------------------------------------------------------------------
# Goals: the measurements of an indicator
# --------------------------------------------------------------------------

def fold_indicator(state: dict | None, event: StoredEvent) -> dict:
    """An indicator of a quality goal: its measurements (never changed nor removed), each with its attainment."""
    fact = dict(state or {"goal_id": None, "indicator_id": None, "unit_id": None, "measurements": {}})
    fact["measurements"] = dict(fact.get("measurements") or {})
    data = event.data
    for name in ("goal_id", "indicator_id", "unit_id"):
        if data.get(name) is not None:
            fact[name] = data[name]
    if _what(event, GOAL_PREFIX) == "measurement_recorded" and data.get("measurement_id"):
        fact["measurements"][str(data["measurement_id"])] = {
            "period": data.get("period"), "period_start": _iso(local_date(data.get("period_start"))),
            "value": data.get("value"), "attainment": data.get("attainment")}
    starts = [m["period_start"] for m in fact["measurements"].values() if m.get("period_start")]
    fact["period_on"] = min(starts) if starts else None
    return fact


def indicator_contributions(fact: dict) -> list[Contribution]:
    if not fact.get("unit_id"):
        return []
    rows = []
    for measurement in fact.get("measurements", {}).values():
        day = _day(measurement.get("period_start"))
        if day is not None:
            rows.append(Contribution(GOAL_MEASUREMENTS.name, (
                fact["unit_id"], _month(day), day, fact.get("goal_id") or "", fact.get("indicator_id") or "",
                measurement.get("period") or "", measurement.get("value") or "", measurement.get("attainment") or ""),
                {"n": 1}))
    return rows


# --------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------

def fold_process(state: dict | None, event: StoredEvent) -> dict:
    """A process (or delprocess): its versions established, each on its decision day."""
    fact = dict(state or {"unit_id": None, "kind": None, "parent_id": None, "versions": {}})
    fact["versions"] = dict(fact.get("versions") or {})
    data = event.data
    for name in ("unit_id", "kind"):
        if data.get(name) is not None:
            fact[name] = data[name]
    if "parent_id" in data:
        fact["parent_id"] = data["parent_id"]
    number = data.get("version")
    if isinstance(number, int) and not isinstance(number, bool):
        fact["versions"][str(number)] = {"established_on": _iso(local_date(data.get("established_on"))),
                                         "change": _what(event, PROCESS_PREFIX)}  # established or revised
    days = [version["established_on"] for version in fact["versions"].values() if version["established_on"]]
    fact["period_on"] = min(days) if days else None
    return fact


def process_contributions(fact: dict) -> list[Contribution]:
    if not fact.get("unit_id"):
        return []
    level = "subprocess" if fact.get("parent_id") else "process"
    rows = []
    for number in sorted(int(n) for n in fact.get("versions") or {}):
        version = fact["versions"][str(number)]
        day, change = _day(version["established_on"]), version["change"]
        if day is not None:
            rows.append(Contribution(PROCESS_VERSIONS.name, (fact["unit_id"], _month(day), day, fact.get("kind") or "",
                                                             level, change), {"n": 1}))
    return rows
