"""Riskhanteringsplan and Riskkarta: the risk treatment plan and the heat map of a unit or förvaltning for a year,
read from the risks service's /api/v1/risk-treatment-plan and /api/v1/risk-heat-map.

The matrix's colours are the tenant's own (#rrggbb): the Content-Security-Policy allows no inline style, so they
come in a style sheet of their own (/riskkarta/farger.css), one class per matrix version and level, each with the
text colour (black or white) that reads best on it. Colour is never alone: every cell and level says its name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, render_template, request

from . import client
from .client import ApiError, ApiProblem, ServiceUnavailable
from .signin import current_person, signin_required

blueprint = Blueprint("riskplan", __name__)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# The risks service lets these roles read analyses of their units (its STAFF_ROLES).
READER_ROLES = ("medarbetare", "enhetschef", "verksamhetschef", "forvaltningschef", "processagare", "processledare",
                "kvalitetsutvecklare", "mas", "mar", "administrator")
YEARS_BACK = 5
VERSIONS_MAX = 10
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LEVEL_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ACTION_STATUS = {"planned": "Planerad", "in_progress": "Påbörjad", "done": "Klar", "cancelled": "Avbruten"}
ESCALATION_STATUS = {"pending": "Väntar på svar", "accepted": "Övertagen", "returned": "Skickad tillbaka"}


@blueprint.app_context_processor
def _navigation():
    return {"risk_reader_roles": READER_ROLES}


def risks_api() -> client.Api:
    settings = current_app.extensions["ordning_web"]
    return client.Api("risks", settings.risks_url, settings.api_timeout, client._session())


def level_class(version, code) -> str:
    return f"rk-v{int(version)}-{code}" if code and LEVEL_CODE.match(code) else ""


@blueprint.app_template_global()
def risk_level_class(version, code) -> str:
    return level_class(version, code)


# --------------------------------------------------------------------------
# The form: a unit (the person's own and those below them) and a year
# --------------------------------------------------------------------------

@dataclass
class Choice:
    unit_id: str = ""
    year: int = 0
    units: list = field(default_factory=list)  # [(id, name, depth)]
    years: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)
    trouble: list = field(default_factory=list)


def _own_units(units: list[dict], own: tuple) -> list[tuple[str, str, int]]:
    """The person's units and every unit below them, each under its parent, with its depth for the indent."""
    children: dict = {}
    for unit in units:
        children.setdefault(unit.get("parent_id"), []).append(unit)
    ordered, seen = [], set()

    def walk(unit, depth):
        if unit["id"] in seen:
            return
        seen.add(unit["id"])
        ordered.append((unit["id"], unit["name"], depth))
        for child in sorted(children.get(unit["id"], []), key=lambda u: u["name"]):
            walk(child, depth + 1)

    roots = [unit for unit in units if unit["id"] in own and not _below_own(unit, units, own)]
    for root in sorted(roots, key=lambda u: u["name"]):
        walk(root, 0)
    return ordered


def _below_own(unit: dict, units: list[dict], own: tuple) -> bool:
    by_id = {u["id"]: u for u in units}
    parent = by_id.get(unit.get("parent_id"))
    while parent is not None:
        if parent["id"] in own:
            return True
        parent = by_id.get(parent.get("parent_id"))
    return False


def choice_from_request() -> Choice:
    person = current_person()
    this_year = datetime.now(STOCKHOLM).year
    choice = Choice(years=list(range(this_year, this_year - YEARS_BACK - 1, -1)))
    try:
        units = client.processes().get("/api/v1/org-units")["items"]
        choice.units = _own_units(units, person.org_units)
    except ApiError as error:
        choice.trouble.append((error.short if isinstance(error, ServiceUnavailable) else error.message)
                              + " Listan med enheter kan inte visas.")
    unit_id = request.args.get("enhet", "").strip()
    year = request.args.get("ar", "").strip()
    if unit_id and not UUID.match(unit_id):
        choice.errors["enhet"] = "Välj en enhet i listan."
    choice.unit_id = unit_id or (choice.units[0][0] if choice.units else (person.org_units or ("",))[0])
    if year and not (year.isdigit() and len(year) == 4 and 2000 <= int(year) <= 2100):
        choice.errors["ar"] = "Välj ett år i listan."
        choice.year = this_year
    else:
        choice.year = int(year) if year else this_year
    if choice.year not in choice.years:
        choice.years = sorted({*choice.years, choice.year}, reverse=True)
    return choice


def _require_reader():
    if not current_person().has_any(*READER_ROLES):
        abort(403)


def _read(path: str, params: dict, choice: Choice):
    """The API's answer, or None with the reason on the choice (its unit field, or a notice)."""
    if choice.errors or not choice.unit_id:
        return None, 200
    try:
        return risks_api().get(path, params=params), 200
    except ServiceUnavailable as error:
        choice.trouble.append(error.message)
        return None, 503
    except ApiProblem as problem:
        if problem.status in (404, 422):
            choice.errors["enhet"] = "Enheten finns inte bland dina enheter. Välj en enhet i listan."
            return None, problem.status
        raise


def _status(choice: Choice, status: int) -> int:
    return 422 if choice.errors and status == 200 else status


# --------------------------------------------------------------------------
# Riskhanteringsplan
# --------------------------------------------------------------------------

def _plan_row(item: dict) -> dict:
    current = item.get("residual") or item.get("initial") or {}
    return {
        **item,
        "level_class": level_class(item["matrix_version"], current.get("level")),
        "initial_class": level_class(item["matrix_version"], (item.get("initial") or {}).get("level")),
        "actions": [{**action, "status_label": ACTION_STATUS.get(action["status"], action["status"])}
                    for action in item.get("actions") or []],
        "escalation_label": ESCALATION_STATUS.get((item.get("escalation") or {}).get("status"), ""),
    }


@blueprint.get("/riskhanteringsplan")
@signin_required
def plan():
    _require_reader()
    choice = choice_from_request()
    answer, status = _read("/api/v1/risk-treatment-plan", {"unit_id": choice.unit_id, "year": choice.year}, choice)
    plan = None
    if answer is not None:
        plan = {**answer, "risks": [_plan_row(i) for i in answer["risks"]],
                "awaiting_decision": [_plan_row(i) for i in answer["awaiting_decision"]]}
    versions = sorted({i["matrix_version"] for i in (plan["risks"] + plan["awaiting_decision"])}) if plan else []
    return render_template("risk_plan/plan.html", choice=choice, plan=plan, versions=versions), \
        _status(choice, status)


# --------------------------------------------------------------------------
# Riskkarta
# --------------------------------------------------------------------------

def _grid_rows(grid: dict) -> dict:
    """The grid as table rows: the highest probability on top, consequence rising to the right."""
    matrix = grid["matrix"]
    rows = []
    for cell in grid["cells"]:
        if not rows or rows[-1]["probability"] != cell["probability"]:
            step = matrix["probability_steps"][cell["probability"] - 1]
            rows.append({"probability": cell["probability"], "label": step["label"], "cells": []})
        rows[-1]["cells"].append({**cell, "css": level_class(grid["matrix_version"], cell["level"])})
    return {**grid, "rows": rows, "consequences": matrix["consequence_steps"],
            "levels": [{**level, "css": level_class(grid["matrix_version"], level["code"]),
                        "in_plan": _rank(matrix, level["code"]) >= _rank(matrix, matrix["plan_threshold"])}
                       for level in reversed(matrix["levels"])]}


def _rank(matrix: dict, code: str) -> int:
    return [level["code"] for level in matrix["levels"]].index(code)


@blueprint.get("/riskkarta")
@signin_required
def heat_map():
    _require_reader()
    choice = choice_from_request()
    answer, status = _read("/api/v1/risk-heat-map", {"unit_id": choice.unit_id, "from": f"{choice.year}-01-01",
                                                     "to": f"{choice.year}-12-31"}, choice)
    heat = None
    if answer is not None:
        heat = {**answer, "grids": [_grid_rows(grid) for grid in answer["grids"]]}
    versions = sorted(grid["matrix_version"] for grid in heat["grids"]) if heat else []
    return render_template("risk_plan/heat_map.html", choice=choice, heat=heat, versions=versions), \
        _status(choice, status)


# --------------------------------------------------------------------------
# The matrix's colours, as a style sheet
# --------------------------------------------------------------------------

def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def ink_for(colour: str) -> str:
    """Black or white, whichever contrasts more with the colour (one of them always reaches 4.5:1)."""
    light = _luminance(colour)
    return "#000000" if (light + 0.05) / 0.05 >= 1.05 / (light + 0.05) else "#ffffff"


@blueprint.get("/riskkarta/farger.css")
@signin_required
def colours():
    versions = request.args.getlist("v")
    if len(versions) > VERSIONS_MAX or not all(v.isdigit() and len(v) <= 6 for v in versions):
        abort(404)
    rules = []
    for version in sorted({int(v) for v in versions}):
        try:
            matrix = risks_api().get(f"/api/v1/risk-matrix/versions/{version}")
        except ApiError:
            continue  # a version not to be read now, or none: no colours; the names still say every level
        for level in matrix.get("levels", []):
            colour, code = level.get("colour", ""), level.get("code", "")
            if COLOUR.match(colour) and LEVEL_CODE.match(code):
                rules.append(f".{level_class(version, code)} {{ background-color: {colour}; "
                             f"color: {ink_for(colour)}; }}")
    return Response("\n".join(rules) + "\n", mimetype="text/css", headers={"Cache-Control": "private, max-age=300"})
