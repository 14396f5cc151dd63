"""The risks service's events as reporting counts them: risk analyses, risks (their scorings and escalations) and
risk proposals: the folds, what each fact contributes, and the cubes they fill.

What the events carry: services/risks/ordning_risks/domain/events.py EVENT_PAYLOAD_FIELDS (docs/asyncapi.yaml).
The subject of an analysis event is the analysis, of a risk, scoring or escalation event the risk, of a proposal
event the proposal; each carries the aggregate's version as `sequence`.

Cohorts, as the core's (README "How it counts"): an analysis counts on its analysis day (`analysis_date`, carried
by every analysis event), a risk on the day it was identified (its events do not carry the analysis's day: the
fold reads no other aggregate), with its scorings and escalations as they are now; a proposal on the day it was
made. A risk counts at the unit that holds it now: the analysis's unit, or the level that accepted its
escalation, as the risks service's plan and heat map do.
"""
from __future__ import annotations

import re

from ordning_shared.risk_matrix import DEFAULT_MATRIX_DEFINITION

from .cubes import MONTH, UNIT, Contribution, CubeSpec, Dim, _day
from .events import StoredEvent
from .facts import _iso, _what
from .period import local_date

RISK_PREFIX = "se.ordning.risk."
ANALYSIS_PREFIX = RISK_PREFIX + "analysis_"
RISK_PREFIXES = (RISK_PREFIX + "risk_", RISK_PREFIX + "escalation_")
PROPOSAL_PREFIX = RISK_PREFIX + "proposal_"
MATRIX_PREFIX = RISK_PREFIX + "matrix_"

DONE_ANALYSIS_STATUSES = ("completed", "followed_up")
INITIAL, AFTER = "initial", "after"  # the heat map's two pictures: before actions, and after (residual)

RISK_ANALYSES = CubeSpec(
    "cube_risk_analyses", (UNIT, MONTH, Dim("trigger"), Dim("trigger_change"), Dim("scope_type"), Dim("status")),
    ("n", "risks"), "Risk analyses by unit, month of their analysis day, trigger, scope and status now; `risks` is "
                    "the count of risks the analysis had when it was completed.", rollup=True)
RISKS = CubeSpec(
    "cube_risks", (UNIT, MONTH, Dim("matrix_version", "int"), Dim("level")),
    ("identified", "scored", "residual_scored", "in_plan", "taken_over", "escalated"),
    "Risks by the unit holding them, month identified, matrix version and current level (the residual scoring's, "
    "else the initial one's; empty when unscored). in_plan: in the risk treatment plan (current level at or above "
    "the threshold of its matrix version, as the scoring event says, or taken over by a level above).", rollup=True)
RISK_CELLS = CubeSpec(
    "cube_risk_cells", (UNIT, MONTH, Dim("matrix_version", "int"), Dim("stage"), Dim("probability", "int"),
                        Dim("consequence", "int"), Dim("level")),
    ("n",), "The heat map: risks per cell of their matrix version, before actions (initial) and after (the "
            "residual scoring, else the initial one, as the risks service draws it).", rollup=True)
RISK_ESCALATIONS = CubeSpec(
    "cube_risk_escalations", (UNIT, MONTH, Dim("to_unit_id"), Dim("status")), ("n",),
    "Escalations by the unit they came from (unit_id), the month their risk was identified, the level they went "
    "to and their status now (pending, accepted, returned).", rollup=True)
RISK_PROPOSALS = CubeSpec(
    "cube_risk_proposals", (UNIT, MONTH, Dim("reason"), Dim("deviation_kind"), Dim("status")), ("n",),
    "Risk proposals from deviations by the unit proposed for, month made, reason, the case's kind and status now.",
    rollup=True)
CUBES = (RISK_ANALYSES, RISKS, RISK_CELLS, RISK_ESCALATIONS, RISK_PROPOSALS)


def _day_of(data: dict, name: str, event: StoredEvent) -> str | None:
    return _iso(local_date(data.get(name)) or local_date(event.time))


# --------------------------------------------------------------------------
# Analyses
# --------------------------------------------------------------------------

def fold_analysis(state: dict | None, event: StoredEvent) -> dict:
    """A risk analysis: each event carries its whole classification; a draft publishes nothing, so an analysis
    counts from its start."""
    fact = dict(state or {"unit_id": None, "scope_type": None, "trigger": None, "trigger_change": None,
                          "matrix_version": None, "analysis_date": None, "status": None, "started_on": None,
                          "completed_on": None, "followed_up_on": None, "risk_count": None, "reopened": 0})
    data, what = event.data, _what(event, ANALYSIS_PREFIX)
    for name in ("unit_id", "scope_type", "trigger", "matrix_version", "analysis_date", "status"):
        if data.get(name) is not None:
            fact[name] = data[name]
    if "trigger_change" in data:
        fact["trigger_change"] = data["trigger_change"]
    if what == "started":
        fact["started_on"] = _day_of(data, "started_at", event)
    elif what == "completed":
        fact["completed_on"] = _day_of(data, "completed_at", event)
        fact["risk_count"] = data.get("risk_count")
    elif what == "reopened":
        fact["completed_on"] = None
        fact["reopened"] = fact.get("reopened", 0) + 1
    elif what == "followed_up":
        fact["followed_up_on"] = _day_of(data, "followed_up_at", event)
    fact["period_on"] = fact["analysis_date"]
    return fact


def analysis_contributions(fact: dict) -> list[Contribution]:
    day = _day(fact.get("analysis_date"))
    if day is None or not fact.get("unit_id") or not fact.get("status"):
        return []
    risks = fact.get("risk_count") if fact["status"] in DONE_ANALYSIS_STATUSES else None
    return [Contribution(RISK_ANALYSES.name, (fact["unit_id"], day.replace(day=1), fact.get("trigger") or "",
                                              fact.get("trigger_change") or "", fact.get("scope_type") or "",
                                              fact["status"]),
                         {"n": 1, "risks": int(risks or 0)})]


# --------------------------------------------------------------------------
# Risks, their scorings and escalations
# --------------------------------------------------------------------------

def fold_risk(state: dict | None, event: StoredEvent) -> dict:
    """A risk: the latest scoring of each kind (what it is judged to be now), its escalations and who holds it."""
    fact = dict(state or {"analysis_id": None, "unit_id": None, "analysis_unit_id": None, "matrix_version": None,
                          "identified_on": None, "initial": None, "residual": None, "escalations": {}})
    fact["escalations"] = {key: dict(value) for key, value in (fact.get("escalations") or {}).items()}
    data, what = event.data, event.type[len(RISK_PREFIX):].rsplit(".v", 1)[0]
    for name in ("analysis_id", "matrix_version"):
        if data.get(name) is not None:
            fact[name] = data[name]
    if data.get("unit_id") is not None:
        fact["analysis_unit_id"] = data["unit_id"]
    if what == "risk_identified":
        fact["identified_on"] = _day_of(data, "identified_at", event)
    elif what == "risk_scored" and data.get("kind") in ("initial", "residual"):
        fact[data["kind"]] = {"probability": data.get("probability"), "consequence": data.get("consequence"),
                              "score": data.get("score"), "level": data.get("level"),
                              "in_plan": bool(data.get("in_plan"))}
    elif what in ("risk_escalated", "escalation_accepted", "escalation_returned") and data.get("escalation_id"):
        status = {"risk_escalated": "pending", "escalation_accepted": "accepted",
                  "escalation_returned": "returned"}[what]
        fact["escalations"][str(data["escalation_id"])] = {
            "from_unit_id": data.get("from_unit_id"), "to_unit_id": data.get("to_unit_id"), "status": status,
            "order": event.version}
    accepted = sorted((e for e in fact["escalations"].values() if e["status"] == "accepted"),
                      key=lambda e: e["order"])
    # The unit holding the risk: the last level that accepted it, else the analysis's unit.
    fact["unit_id"] = accepted[-1]["to_unit_id"] if accepted else fact["analysis_unit_id"]
    fact["period_on"] = fact["identified_on"]
    return fact


def current_scoring(fact: dict) -> dict | None:
    """What the risk is judged to be now: its residual scoring, else its initial one."""
    return fact.get("residual") or fact.get("initial")


def in_treatment_plan(fact: dict) -> bool:
    """In the risk treatment plan, as the risks service's plan lists it: the current level at or above the plan
    threshold of the matrix version it was scored on, or taken over by a level above (whatever its level)."""
    current = current_scoring(fact)
    return bool(current and current.get("in_plan")) or taken_over(fact)


def taken_over(fact: dict) -> bool:
    return bool(fact.get("unit_id")) and fact.get("unit_id") != fact.get("analysis_unit_id")


def risk_contributions(fact: dict) -> list[Contribution]:
    day = _day(fact.get("identified_on"))
    if day is None or not fact.get("unit_id"):
        return []
    unit, month, version = fact["unit_id"], day.replace(day=1), int(fact.get("matrix_version") or 0)
    current, initial = current_scoring(fact), fact.get("initial")
    escalations = fact.get("escalations") or {}
    rows = [Contribution(RISKS.name, (unit, month, version, (current or {}).get("level") or ""), {
        "identified": 1, "scored": int(initial is not None), "residual_scored": int(fact.get("residual") is not None),
        "in_plan": int(in_treatment_plan(fact)), "taken_over": int(taken_over(fact)),
        "escalated": int(bool(escalations))})]
    if initial is not None:
        for stage, scoring in ((INITIAL, initial), (AFTER, current)):
            rows.append(Contribution(RISK_CELLS.name, (unit, month, version, stage, int(scoring["probability"] or 0),
                                                       int(scoring["consequence"] or 0), scoring.get("level") or ""),
                                     {"n": 1}))
    for escalation in escalations.values():
        rows.append(Contribution(RISK_ESCALATIONS.name, (escalation.get("from_unit_id") or unit, month,
                                                         escalation.get("to_unit_id") or "", escalation["status"]),
                                 {"n": 1}))
    return rows


# --------------------------------------------------------------------------
# Proposals
# --------------------------------------------------------------------------

PROPOSAL_STATUS = {"created": "open", "accepted": "accepted", "dismissed": "dismissed", "withdrawn": "withdrawn",
                   "reopened": "open"}


def fold_proposal(state: dict | None, event: StoredEvent) -> dict:
    """A risk proposal from a deviation: its status is the event's name (the payload does not say it)."""
    fact = dict(state or {"reason": None, "deviation_kind": None, "unit_id": None, "source_unit_id": None,
                          "status": None, "created_on": None})
    data, what = event.data, _what(event, PROPOSAL_PREFIX)
    for name in ("reason", "deviation_kind", "unit_id", "source_unit_id"):
        if data.get(name) is not None:
            fact[name] = data[name]
    if what in PROPOSAL_STATUS:
        fact["status"] = PROPOSAL_STATUS[what]
    if what == "created":
        fact["created_on"] = _day_of(data, "created_at", event)
    fact["period_on"] = fact["created_on"]
    return fact


def proposal_contributions(fact: dict) -> list[Contribution]:
    day = _day(fact.get("created_on"))
    if day is None or not fact.get("unit_id") or not fact.get("status"):
        return []
    return [Contribution(RISK_PROPOSALS.name, (fact["unit_id"], day.replace(day=1), fact.get("reason") or "",
                                               fact.get("deviation_kind") or "", fact["status"]), {"n": 1})]


# --------------------------------------------------------------------------
# The tenant's risk matrices: every version, by number (se.ordning.risk.matrix_changed.v1)
# --------------------------------------------------------------------------

_LEVEL_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LABEL_MAX = 100


def matrix_version_of(data: dict) -> dict | None:
    """A matrix version as reporting keeps it, from the event's data: steps (value, label), levels (code, label,
    colour; lowest first), cells {"p,c": level} and the plan threshold; None when the data is not a whole grid
    (the risks service sends none such; a version that is not one is not kept, rather than drawn wrong)."""
    def steps(raw) -> list[dict] | None:
        if not isinstance(raw, list) or not 3 <= len(raw) <= 5:
            return None
        found = [{"value": index, "label": str(step.get("label") or index)[:LABEL_MAX]}
                 for index, step in enumerate(raw, start=1) if isinstance(step, dict) and step.get("value") == index]
        return found if len(found) == len(raw) else None

    probability, consequence = steps(data.get("probability_steps")), steps(data.get("consequence_steps"))
    levels = [{"code": level["code"], "label": str(level.get("label") or level["code"])[:LABEL_MAX],
               "colour": level["colour"].lower()}
              for level in data.get("levels") or () if isinstance(level, dict)
              and isinstance(level.get("code"), str) and _LEVEL_CODE.match(level["code"])
              and isinstance(level.get("colour"), str) and _COLOUR.match(level["colour"])]
    if not probability or not consequence or not 2 <= len(levels) <= 6 \
            or len({level["code"] for level in levels}) != len(levels):
        return None
    codes = {level["code"] for level in levels}
    cells = {f"{cell.get('probability')},{cell.get('consequence')}": cell.get("level")
             for cell in data.get("cells") or () if isinstance(cell, dict) and cell.get("level") in codes}
    wanted = {f"{p},{c}" for p in range(1, len(probability) + 1) for c in range(1, len(consequence) + 1)}
    if set(cells) != wanted:
        return None
    return {"probability_steps": probability, "consequence_steps": consequence, "levels": levels, "cells": cells,
            "plan_threshold": data.get("plan_threshold") if data.get("plan_threshold") in codes else None}


DEFAULT_MATRIX_VERSION = matrix_version_of(DEFAULT_MATRIX_DEFINITION)


def fold_matrix(state: dict | None, event: StoredEvent) -> dict:
    """A tenant's risk matrix: every version announced, by number. A version never changes in the risks service,
    so the same version folded again (redelivered, or announced twice) leaves the same fact, and the versions may
    arrive in any order."""
    fact = {"versions": dict((state or {}).get("versions") or {}), "unit_id": None, "period_on": None}
    version = event.data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        version = event.version
    if _what(event, MATRIX_PREFIX) == "changed" and version >= 1:
        kept = matrix_version_of(event.data)
        if kept is not None:
            fact["versions"][str(version)] = kept
    return fact


def matrix_contributions(fact: dict) -> list[Contribution]:
    """The matrices count nothing: the heat map reads them beside the cubes (Context.matrices)."""
    return []


def matrices_with_default(facts: list[dict]) -> dict[int, dict]:
    """{version: matrix} of a tenant from its matrix facts; version 1 is DOMAIN.md's default when no event has said
    otherwise (the risks service writes the default as every tenant's first version), so a tenant that never
    changed its matrix, or whose version 1 was written before the event existed, is drawn on the default."""
    versions: dict[int, dict] = {}
    for fact in facts:
        for number, matrix in ((fact or {}).get("versions") or {}).items():
            versions[int(number)] = matrix
    versions.setdefault(1, DEFAULT_MATRIX_VERSION)
    return dict(sorted(versions.items()))
