"""The folds: from an aggregate's events, in version order, to its fact (the state reporting keeps of it).

A fold is `fold(state, event) -> state`: plain, deterministic, and never reading anything but the state and the
event, so folding the same events in the same order always gives the same fact, whichever order they arrived in
(the projection re-folds an aggregate whose event arrived late). A fact holds ids, classifications and dates
only, as the events do; its `period_on` is the day that places it in a period (the day a case was reported, the
day an action was created), and `unit_id` the unit it counts for.

What each event carries: docs/asyncapi.yaml; the deviation events' payloads are
services/deviations/ordning_deviations/domain.py EVENT_PAYLOAD_FIELDS, the actions' ordning_shared.actions.
"""
from __future__ import annotations

from .events import StoredEvent
from .period import local_date

DEVIATION_PREFIX = "se.ordning.deviation."
ACTION_PREFIX = "se.ordning.action."

# The classification every deviation event but the flag's carries: the case as it is after the change.
_DEVIATION_COMMON = ("kind", "unit_id", "category_id", "status")


def _what(event: StoredEvent, prefix: str) -> str:
    """The event's name within its family: se.ordning.deviation.closed.v1 -> closed."""
    return event.type[len(prefix):].rsplit(".v", 1)[0]


def _iso(day) -> str | None:
    return day.isoformat() if day is not None else None


def fold_deviation(state: dict | None, event: StoredEvent) -> dict:
    """A case (avvikelse, lex Sarah, lex Maria, klagomål, synpunkt) as reporting counts it."""
    fact = dict(state or {"kind": None, "origin": None, "unit_id": None, "category_id": None,
                          "process_step_id": None, "event_type": None, "status": None, "reported_on": None, "received_on": None,
                          "answered_on": None, "answer_due": None, "decided_on": None, "serious": None,
                          "ivo_reported_on": None, "rejected": False, "possible_elsewhere": False})
    data, what = event.data, _what(event, DEVIATION_PREFIX)
    for name in _DEVIATION_COMMON:
        if data.get(name) is not None or (name == "category_id" and name in data):
            fact[name] = data.get(name)
    if "process_step_id" in data:  # reported.v1 and process_step_changed.v1 (null: no step, or cleared)
        fact["process_step_id"] = data.get("process_step_id")
    if "event_type" in data:  # the händelsetyp's code: reported.v1 and event_type_changed.v1 (null: none, cleared)
        fact["event_type"] = data.get("event_type")
    if what == "reported":
        fact["origin"] = data.get("origin")
        fact["reported_on"] = _iso(local_date(data.get("reported_at")) or local_date(event.time))
        fact["answer_due"] = data.get("investigation_due")  # the last day to answer a klagomål or synpunkt
    elif what == "received":
        fact["received_on"] = _iso(local_date(data.get("received_at")) or local_date(event.time))
    elif what == "closed":
        # A case's first closing is its answer; closing it again after a reopening does not move that day.
        fact["answered_on"] = fact["answered_on"] or _iso(local_date(data.get("closed_at")) or local_date(event.time))
        if data.get("serious") is not None:
            fact["serious"] = bool(data["serious"])
    elif what == "seriousness_decided":
        fact["serious"] = bool(data.get("serious"))
        fact["decided_on"] = _iso(local_date(data.get("decided_at")) or local_date(event.time))
    elif what == "ivo_reported":
        fact["ivo_reported_on"] = _iso(local_date(data.get("ivo_reported_on")))  # a repeat corrects the date
    elif what == "rejected":
        fact["rejected"] = True
    elif what == "reopened":
        fact["rejected"] = False
    elif what == "flagged_possible_elsewhere":
        fact["possible_elsewhere"] = True
    elif what == "cleared_possible_elsewhere":
        fact["possible_elsewhere"] = False
    fact["period_on"] = fact["reported_on"]
    return fact


def fold_action(state: dict | None, event: StoredEvent) -> dict:
    """An improvement action (se.ordning.action.*, every origin) as reporting counts it. Each event carries the
    action's whole replicable state; the day it was created is the created event's time."""
    fact = dict(state or {"origin_type": None, "origin_id": None, "unit_id": None, "status": None,
                          "due_date": None, "completed_on": None, "created_on": None, "effect_followed_up": False})
    data, what = event.data, _what(event, ACTION_PREFIX)
    for name in ("origin_type", "origin_id", "unit_id", "status", "due_date"):
        if data.get(name) is not None:
            fact[name] = data[name]
    if "completed_at" in data:
        fact["completed_on"] = _iso(local_date(data.get("completed_at")))
    if "effect_followed_up" in data:  # every action event since it was published; the newest one says
        fact["effect_followed_up"] = data.get("effect_followed_up") is True
    if what == "created":
        fact["created_on"] = _iso(local_date(event.time))
    fact["period_on"] = fact["created_on"]
    return fact
