"""Riskmatris: the tenant's risk matrix as an accessible table (each cell's level in words and in its colour),
its old versions, and for administrators its editing: 3 to 5 steps of probability and of consequence, their names
and descriptions, the levels with their colours, the level of every cell and the plan threshold.

The API checks the matrix whole and names every problem by its path ({"levels[1].colour": ["not_#rrggbb"]}); each
is shown at its field here, in Swedish, with what the administrator wrote kept.
"""
from __future__ import annotations

import re
import unicodedata

from flask import abort, flash, redirect, render_template, request, url_for

from . import client
from .client import ApiProblem, ServiceUnavailable
from .risks import MATRIX, STALE, blueprint
from .signin import current_person, signin_required

EDITOR_ROLES = ("administrator",)
STEPS = (3, 4, 5)
LEVELS_MAX = 6
# The API's problem codes (the part after "path: "), in Swedish.
CODE_TEXTS = {
    "required": "Skriv ett namn.",
    "too_long": "Texten är för lång: högst 500 tecken.",
    "not_#rrggbb": "Skriv färgen som # och sex tecken 0–9 eller a–f, till exempel #2e7d32.",
    "duplicate": "Två nivåer får inte ha samma namn.",
    "invalid": "Namnet måste börja med en bokstav.",
    "unknown_level": "Välj en nivå som finns i listan.",
    "overlapping_cell": "Rutan finns två gånger.",
    "outside_matrix": "Rutan ligger utanför matrisen.",
    "3_to_5_steps": "Matrisen ska ha 3 till 5 steg.",
    "2_to_6_levels": "Matrisen ska ha 2 till 6 nivåer.",
}
GAP = re.compile(r"^gap_at_probability_(\d+)_consequence_(\d+)$")
PATH = re.compile(r"^(probability_steps|consequence_steps|levels|cells)(?:\[(\d+)\])?(?:\.(\w+))?$")


def _is_editor() -> bool:
    person = current_person()
    return bool(person and person.has_any(*EDITOR_ROLES))


def _api():
    return client.risks()


def level_code(label: str) -> str:
    """A new level's code from its name: "Mycket hög" -> "mycket_hog" (a-z, digits and _)."""
    plain = unicodedata.normalize("NFKD", label.lower()).encode("ascii", "ignore").decode()
    code = re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:40]
    return code if code[:1].isalpha() else f"niva_{code}"[:40].rstrip("_")


# --------------------------------------------------------------------------
# Viewing
# --------------------------------------------------------------------------

def _grid(matrix: dict) -> list[dict]:
    """The rows of the table: the highest probability first, as a risk matrix is drawn."""
    levels = {level["code"]: level for level in matrix["levels"]}
    cells = {(c["probability"], c["consequence"]): levels.get(c["level"]) for c in matrix["cells"]}
    return [{"step": step, "cells": [{"consequence": c["value"], "level": cells.get((step["value"], c["value"]))}
                                      for c in matrix["consequence_steps"]]}
            for step in reversed(matrix["probability_steps"])]


def _render_view(matrix: dict, current: dict, status: int = 200, notices=None):
    threshold = next((level for level in matrix["levels"] if level["code"] == matrix["plan_threshold"]), None)
    return render_template("risks/matrix.html", matrix=matrix, grid=_grid(matrix), threshold=threshold,
                           versions=list(range(current["version"], 0, -1)), current=current,
                           may_edit=_is_editor(), notices=notices or []), status


@blueprint.get("/riskmatris")
@signin_required
def matrix():
    try:
        current = _api().get(MATRIX)
    except ServiceUnavailable as error:
        return render_template("error.html", title="Tjänsten svarar inte", message=error.message), 503
    return _render_view(current, current)


@blueprint.get("/riskmatris/versioner/<int:version>")
@signin_required
def matrix_version(version: int):
    if not 1 <= version <= 999_999:
        abort(404)
    current = _api().get(MATRIX)
    try:
        old = _api().get(f"{MATRIX}/versions/{version}")
    except ApiProblem as error:
        if error.status == 404:
            abort(404)
        raise
    return _render_view(old, current)


# --------------------------------------------------------------------------
# Editing
# --------------------------------------------------------------------------

def _form_of(matrix: dict, p_count: int | None = None, c_count: int | None = None) -> dict:
    """The edit form's values from a matrix, resized to p_count × c_count (new steps blank, new cells the level of
    the nearest cell)."""
    p_old, c_old = matrix["probability_steps"], matrix["consequence_steps"]
    p_count, c_count = p_count or len(p_old), c_count or len(c_old)

    def steps(old, count):
        return [{"label": old[i]["label"] if i < len(old) else "",
                 "description": old[i].get("description", "") if i < len(old) else ""} for i in range(count)]

    cells = {(c["probability"], c["consequence"]): c["level"] for c in matrix["cells"]}
    grid = {(p, c): cells.get((min(p, len(p_old)), min(c, len(c_old))), "")
            for p in range(1, p_count + 1) for c in range(1, c_count + 1)}
    levels = [{"code": level["code"], "label": level["label"], "colour": level["colour"]}
              for level in matrix["levels"]]
    return {"probability": steps(p_old, p_count), "consequence": steps(c_old, c_count), "levels": levels,
            "cells": grid, "plan_threshold": matrix["plan_threshold"]}


def _form_from_request() -> dict:
    form = request.form
    p_count, c_count = (_count(form.get("p_count")), _count(form.get("c_count")))

    def steps(prefix, count):
        return [{"label": form.get(f"{prefix}-{i}-label", "").strip(),
                 "description": form.get(f"{prefix}-{i}-description", "").strip()} for i in range(1, count + 1)]

    levels = []
    for k in range(LEVELS_MAX):
        if f"level-{k}-label" not in form:
            break
        levels.append({part: form.get(f"level-{k}-{part}", "").strip() for part in ("code", "label", "colour")})
    cells = {(p, c): form.get(f"cell-{p}-{c}", "") for p in range(1, p_count + 1) for c in range(1, c_count + 1)}
    return {"probability": steps("p", p_count), "consequence": steps("c", c_count), "levels": levels,
            "cells": cells, "plan_threshold": form.get("plan_threshold", "")}


def _count(text: str | None) -> int:
    return int(text) if text in ("3", "4", "5") else 4


def _body(form: dict) -> tuple[dict, list[int], list[tuple[int, int]]]:
    """The API's matrix from the form; with the form row of each level sent and the cell of each cell sent, so
    that the API's paths lead back to the fields."""
    levels, level_rows = [], []
    for row, level in enumerate(form["levels"]):
        if not level["label"] and not level["colour"] and not level["code"]:
            continue  # the empty row for a new level, left empty
        levels.append({"code": level["code"] or level_code(level["label"]), "label": level["label"],
                       "colour": level["colour"]})
        level_rows.append(row)
    cell_keys = sorted(form["cells"])
    body = {
        "probability_steps": [{"value": i, **step} for i, step in enumerate(form["probability"], start=1)],
        "consequence_steps": [{"value": i, **step} for i, step in enumerate(form["consequence"], start=1)],
        "levels": levels,
        "cells": [{"probability": p, "consequence": c, "level": form["cells"][(p, c)]} for p, c in cell_keys],
        "plan_threshold": form["plan_threshold"],
    }
    return body, level_rows, cell_keys


def _flatten(errors, prefix: str = "") -> list[tuple[str, str]]:
    """flask-smorest's nested field errors as (path, message): {"levels": {"0": {"colour": ["..."]}}}."""
    found = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            path = f"{prefix}[{key}]" if str(key).isdigit() else (f"{prefix}.{key}" if prefix else str(key))
            found.extend(_flatten(value, path))
    elif isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):
        found.append((prefix, errors[0]))
    return found


def field_errors(problem: ApiProblem, level_rows: list[int], cell_keys: list[tuple[int, int]]) -> dict:
    """The API's matrix errors by the form's field ids, in Swedish. Both of its checks answer {"json": {path:
    [...]}}: the schema's with its sentences, nested by field; the domain's with codes by path
    ({"levels[1].colour": ["not_#rrggbb"], "cells": ["gap_at_probability_4_consequence_2"]})."""
    found: dict[str, str] = {}
    document = problem.document.get("errors")
    locations = document.values() if isinstance(document, dict) else []
    for path, message in (pair for location in locations for pair in _flatten(location)):
        gap = GAP.match(message)
        if gap:
            found.setdefault(f"cell-{gap.group(1)}-{gap.group(2)}", "Välj en nivå för rutan.")
            continue
        found.setdefault(_field_of(path, level_rows, cell_keys), _text(message))
    return found


def _text(message: str) -> str:
    if message in CODE_TEXTS:
        return CODE_TEXTS[message]
    if message.startswith("must_be_"):
        return "Stegen ska vara numrerade i ordning."
    return client.swedish_part(message) or client.GENERIC_FIELD_ERROR


def _field_of(path: str, level_rows: list[int], cell_keys: list[tuple[int, int]]) -> str:
    if path == "plan_threshold":
        return "plan_threshold"
    match = PATH.match(path)
    if not match:
        return "_form"
    name, index, attribute = match.group(1), match.group(2), match.group(3)
    if index is None:
        return {"levels": "level-0-label", "cells": "_form"}.get(name, "size")
    index = int(index)
    if name in ("probability_steps", "consequence_steps"):
        prefix = "p" if name == "probability_steps" else "c"
        return f"{prefix}-{index + 1}-{'description' if attribute == 'description' else 'label'}"
    if name == "levels":
        row = level_rows[index] if index < len(level_rows) else 0
        return f"level-{row}-{'colour' if attribute == 'colour' else 'label'}"
    if index < len(cell_keys):
        p, c = cell_keys[index]
        return f"cell-{p}-{c}"
    return "_form"


def _render_edit(form: dict, current: dict, *, etag: str, errors: dict | None = None, status: int = 200,
                 message: str | None = None):
    levels = list(form["levels"])
    if len(levels) < LEVELS_MAX:
        levels.append({"code": "", "label": "", "colour": ""})  # a row for a new level
    choosable = [level for level in form["levels"] if level["code"]]
    return render_template("risks/matrix_edit.html", form=dict(form, levels=levels), choosable=choosable,
                           current=current, etag=etag, errors=errors or {}, message=message, steps=STEPS,
                           p_count=len(form["probability"]), c_count=len(form["consequence"])), status


def _matrix_etag(matrix: dict) -> str:
    return f'"risk-matrix.{matrix["version"]}"'


@blueprint.get("/riskmatris/andra")
@signin_required
def matrix_edit():
    if not _is_editor():
        abort(403)
    current = _api().get(MATRIX)
    p_count = _count(request.args.get("sannolikhet")) if request.args.get("sannolikhet") else None
    c_count = _count(request.args.get("konsekvens")) if request.args.get("konsekvens") else None
    return _render_edit(_form_of(current, p_count, c_count), current, etag=_matrix_etag(current))


@blueprint.post("/riskmatris/andra")
@signin_required
def matrix_save():
    if not _is_editor():
        abort(403)
    form = _form_from_request()
    etag = request.form.get("etag", "")
    body, level_rows, cell_keys = _body(form)
    try:
        _api().request("PUT", MATRIX, json=body, headers={"If-Match": etag})
    except ServiceUnavailable as error:
        return _render_edit(form, {"version": 0}, etag=etag, status=503, message=error.message)
    except ApiProblem as problem:
        current = _api().get(MATRIX)
        if problem.status in (412, 428):
            return _render_edit(form, current, etag=_matrix_etag(current), status=412, message=STALE)
        errors = field_errors(problem, level_rows, cell_keys)
        if "_form" in errors or not errors:
            errors["_form"] = problem.message
        return _render_edit(form, current, etag=etag, errors=errors,
                            status=problem.status if problem.status in (403, 409, 422) else 422)
    flash("Riskmatrisen är sparad som en ny version. Analyser som redan är bedömda behåller sin version.",
          "success")
    return redirect(url_for("risks.matrix"), 303)
