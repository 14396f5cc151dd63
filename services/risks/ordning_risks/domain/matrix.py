"""The tenant's risk matrix (riskmatris): probability (sannolikhet) steps by consequence (konsekvens) steps, the
level (risknivå) of each cell, and the plan threshold: the lowest level that goes into the risk treatment plan.

The score (riskvärde) is probability × consequence; the level is read from the cell, never computed from the
score, so a tenant may weigh consequence more (DOMAIN.md's default: score 8 or more, or consequence 3-4, is at
or above the threshold). A matrix is versioned: an analysis keeps the version it was scored on.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from ordning_shared.risk_matrix import DEFAULT_MATRIX_DEFINITION

from .errors import InvalidMatrix, ScoreOutsideMatrix

STEPS_MIN, STEPS_MAX = 3, 5
LEVELS_MIN, LEVELS_MAX = 2, 6
LEVEL_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LABEL_MAX, DESCRIPTION_MAX = 100, 500


@dataclass(frozen=True)
class Step:
    value: int
    label: str
    description: str = ""


@dataclass(frozen=True)
class Level:
    code: str
    label: str
    colour: str


@dataclass(frozen=True)
class Scored:
    """A scoring on a matrix: the score and level follow from the two steps."""
    probability: int
    consequence: int
    score: int
    level: str
    in_plan: bool


@dataclass(frozen=True)
class RiskMatrix:
    probability: tuple[Step, ...]
    consequence: tuple[Step, ...]
    levels: tuple[Level, ...]  # lowest first: a level's rank is its place in the list
    cells: dict  # (probability, consequence) -> level code
    plan_threshold: str

    # ---- reading ---------------------------------------------------------

    def rank(self, level: str) -> int:
        return [each.code for each in self.levels].index(level)

    def in_plan(self, level: str) -> bool:
        return self.rank(level) >= self.rank(self.plan_threshold)

    def score(self, probability: int, consequence: int) -> Scored:
        """The score and level of a cell; a step the matrix lacks is a ScoreOutsideMatrix (422)."""
        p_max, c_max = len(self.probability), len(self.consequence)
        if not (type(probability) is int and 1 <= probability <= p_max  # noqa: E721 - a bool is no step
                and type(consequence) is int and 1 <= consequence <= c_max):
            raise ScoreOutsideMatrix(
                f"Sannolikheten ska vara 1-{p_max} och konsekvensen 1-{c_max} i analysens riskmatris.",
                f"The probability must be 1-{p_max} and the consequence 1-{c_max} on the analysis's risk matrix.")
        level = self.cells[(probability, consequence)]
        return Scored(probability, consequence, probability * consequence, level, self.in_plan(level))

    def level(self, code: str) -> Level:
        return next(each for each in self.levels if each.code == code)

    # ---- as data (stored as JSON, answered as the API's representation) ----

    def to_dict(self) -> dict:
        """New dicts every call (asdict copies): a caller that edits them changes no matrix, the default least."""
        return {
            "probability_steps": [asdict(step) for step in self.probability],
            "consequence_steps": [asdict(step) for step in self.consequence],
            "levels": [asdict(level) for level in self.levels],
            "cells": [{"probability": p, "consequence": c, "level": level}
                      for (p, c), level in sorted(self.cells.items())],
            "plan_threshold": self.plan_threshold,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "RiskMatrix":
        """A matrix from its data, checked whole: every problem is named in InvalidMatrix.errors at once."""
        errors: list[tuple[str, str]] = []  # (where, what): paths and codes, never values
        probability = _steps(data.get("probability_steps"), "probability_steps", errors)
        consequence = _steps(data.get("consequence_steps"), "consequence_steps", errors)
        levels = _levels(data.get("levels"), errors)
        codes = {level.code for level in levels}
        cells: dict = {}
        for index, cell in enumerate(data.get("cells") or []):
            where = f"cells[{index}]"
            key = (cell.get("probability"), cell.get("consequence"))
            if not (key[0] in range(1, len(probability) + 1) and key[1] in range(1, len(consequence) + 1)):
                errors.append((where, "outside_matrix"))
                continue
            if key in cells:
                errors.append((where, "overlapping_cell"))
                continue
            if cell.get("level") not in codes:
                errors.append((where, "unknown_level"))
                continue
            cells[key] = cell["level"]
        if probability and consequence:
            for p in range(1, len(probability) + 1):
                for c in range(1, len(consequence) + 1):
                    if (p, c) not in cells and not any(path.startswith("cells[") for path, _code in errors):
                        errors.append(("cells", f"gap_at_probability_{p}_consequence_{c}"))
        if data.get("plan_threshold") not in codes:
            errors.append(("plan_threshold", "unknown_level"))
        if errors:
            raise InvalidMatrix("Riskmatrisen är inte giltig; se errors. Inget har ändrats.",
                                "The risk matrix is not valid; see errors. Nothing was changed.", errors=errors)
        return cls(tuple(probability), tuple(consequence), tuple(levels), cells, data["plan_threshold"])


def _steps(raw, name: str, errors: list[tuple[str, str]]) -> list[Step]:
    raw = raw or []
    if not STEPS_MIN <= len(raw) <= STEPS_MAX:
        errors.append((name, f"{STEPS_MIN}_to_{STEPS_MAX}_steps"))
        return []
    steps = []
    for index, step in enumerate(raw, start=1):
        if step.get("value") != index:
            errors.append((f"{name}[{index - 1}].value", f"must_be_{index}"))
        label = str(step.get("label") or "").strip()
        if not label or len(label) > LABEL_MAX:
            errors.append((f"{name}[{index - 1}].label", "required"))
        description = str(step.get("description") or "")
        if len(description) > DESCRIPTION_MAX:
            errors.append((f"{name}[{index - 1}].description", "too_long"))
        steps.append(Step(index, label, description))
    return steps


def _levels(raw, errors: list[tuple[str, str]]) -> list[Level]:
    raw = raw or []
    if not LEVELS_MIN <= len(raw) <= LEVELS_MAX:
        errors.append(("levels", f"{LEVELS_MIN}_to_{LEVELS_MAX}_levels"))
        return []
    levels, seen = [], set()
    for index, level in enumerate(raw):
        code = level.get("code")
        if not isinstance(code, str) or not LEVEL_CODE.match(code):
            errors.append((f"levels[{index}].code", "invalid"))
            continue
        if code in seen:
            errors.append((f"levels[{index}].code", "duplicate"))
            continue
        seen.add(code)
        colour = level.get("colour")
        if not isinstance(colour, str) or not COLOUR.match(colour):
            errors.append((f"levels[{index}].colour", "not_#rrggbb"))
        label = str(level.get("label") or "").strip()
        if not label or len(label) > LABEL_MAX:
            errors.append((f"levels[{index}].label", "required"))
        levels.append(Level(code, label, colour or ""))
    return levels


# --------------------------------------------------------------------------
# The default (DOMAIN.md): 4×4, and a score of 8 or more or a consequence of 3-4 at or above the threshold. Its
# data is in the shared package, since the reporting service draws a tenant's heat map on it too.
# --------------------------------------------------------------------------

DEFAULT_MATRIX = RiskMatrix.from_dict(DEFAULT_MATRIX_DEFINITION)
DEFAULT_LEVELS = DEFAULT_MATRIX.levels
DEFAULT_PLAN_THRESHOLD = DEFAULT_MATRIX.plan_threshold

__all__ = ["Step", "Level", "Scored", "RiskMatrix", "DEFAULT_MATRIX", "DEFAULT_LEVELS", "DEFAULT_PLAN_THRESHOLD",
           "STEPS_MIN", "STEPS_MAX", "LEVELS_MIN", "LEVELS_MAX"]
