"""The risk matrix as other services than the risks service need it: DOMAIN.md's default matrix as data, and the
heat map's grids read back from the reporting service's `risks.heat_map` table and drawn with the shared chart.

The risks service owns the matrix (services/risks/ordning_risks/domain/matrix.py checks and scores on it) and
writes this default as a tenant's version 1; the reporting service draws a tenant's heat map on it until the
tenant's own versions reach it (se.ordning.risk.matrix_changed.v1); the web and the reports draw the grids from the
heat map table (`heat_grids`, `heat_chart`), so one piece of code turns the table into a picture.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .charts import Chart, HeatLevel, heat_map


def _default_level(probability: int, consequence: int) -> str:
    """DOMAIN.md: score = probability × consequence; 8 or more, or consequence 3-4, at or above "hög"."""
    score = probability * consequence
    if score >= 12:
        return "mycket_hog"
    if score >= 8 or consequence >= 3:
        return "hog"
    return "medel" if score >= 3 else "lag"


# The shape of the risks service's RiskMatrix.to_dict(): steps lowest first, levels lowest first, every cell.
DEFAULT_MATRIX_DEFINITION: dict = {
    "probability_steps": [
        {"value": 1, "label": "Mycket liten", "description": "Det är mycket osannolikt att det inträffar."},
        {"value": 2, "label": "Liten", "description": "Det kan inträffa någon gång."},
        {"value": 3, "label": "Stor", "description": "Det kommer troligen att inträffa."},
        {"value": 4, "label": "Mycket stor",
         "description": "Det inträffar med stor sannolikhet, eller har redan inträffat."},
    ],
    "consequence_steps": [
        {"value": 1, "label": "Mindre", "description": "Obetydlig eller kortvarig olägenhet."},
        {"value": 2, "label": "Måttlig", "description": "Märkbar olägenhet eller övergående skada."},
        {"value": 3, "label": "Betydande", "description": "Allvarlig skada eller allvarligt missförhållande."},
        {"value": 4, "label": "Katastrofal", "description": "Bestående skada eller dödsfall."},
    ],
    "levels": [
        {"code": "lag", "label": "Låg", "colour": "#2e7d32"},
        {"code": "medel", "label": "Medel", "colour": "#f9a825"},
        {"code": "hog", "label": "Hög", "colour": "#ef6c00"},
        {"code": "mycket_hog", "label": "Mycket hög", "colour": "#c62828"},
    ],
    "cells": [{"probability": p, "consequence": c, "level": _default_level(p, c)}
              for p in range(1, 5) for c in range(1, 5)],
    "plan_threshold": "hog",
}


def default_matrix_definition() -> dict:
    """A fresh copy of the default (a caller that edits it changes no one else's)."""
    import copy

    return copy.deepcopy(DEFAULT_MATRIX_DEFINITION)


# --------------------------------------------------------------------------
# The heat map's grids, from the rows of the figures' table risks.heat_map
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class HeatGrid:
    """One matrix version's grid with the risks counted in each cell, before actions and after."""
    version: int
    current: bool
    probability_labels: tuple[str, ...]  # step p is [p - 1]
    consequence_labels: tuple[str, ...]
    levels: tuple[HeatLevel, ...]  # lowest first
    cells: tuple[tuple[str, ...], ...]  # [p - 1][c - 1]: the cell's level code
    initial: tuple[tuple[int, ...], ...]  # [p - 1][c - 1]: risks before actions
    residual: tuple[tuple[int, ...], ...]  # and after

    @property
    def size(self) -> tuple[int, int]:
        return len(self.probability_labels), len(self.consequence_labels)

    def total(self, stage: str = "initial") -> int:
        return sum(sum(row) for row in getattr(self, stage))


_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _whole_cell(row: dict) -> bool:
    """A row that names its cell, its level and the level's colour."""
    return all(isinstance(row.get(name), int) and not isinstance(row.get(name), bool) and row[name] >= 1
               for name in ("probability", "consequence")) \
        and isinstance(row.get("level"), str) and isinstance(row.get("level_colour"), str) \
        and bool(_COLOUR.match(row["level_colour"]))


def _grid(version: int, rows: list[dict]) -> HeatGrid | None:
    """The grid of one version's rows; None when they do not make a whole grid with its levels (a table made before
    reporting held the tenant's matrices lists only the cells that have risks, without their colours)."""
    if not all(_whole_cell(row) for row in rows):
        return None
    size_p = max(row["probability"] for row in rows)
    size_c = max(row["consequence"] for row in rows)
    by_cell = {(row["probability"], row["consequence"]): row for row in rows}
    if not (3 <= size_p <= 5 and 3 <= size_c <= 5) or len(by_cell) != size_p * size_c or len(rows) != len(by_cell):
        return None
    levels: dict[str, tuple[int, HeatLevel]] = {}
    for row in rows:
        levels.setdefault(row["level"], (row.get("level_rank") or 0, HeatLevel(
            row["level"], row.get("level_label") or row["level"], row["level_colour"])))
    p_labels = tuple(str(by_cell[(p, 1)].get("probability_label") or p) for p in range(1, size_p + 1))
    c_labels = tuple(str(by_cell[(1, c)].get("consequence_label") or c) for c in range(1, size_c + 1))

    def counts(column: str):
        return tuple(tuple(int(by_cell[(p, c)].get(column) or 0) for c in range(1, size_c + 1))
                     for p in range(1, size_p + 1))

    return HeatGrid(version, bool(rows[0].get("current")), p_labels, c_labels,
                    tuple(level for _rank, level in sorted(levels.values(), key=lambda item: item[0])),
                    tuple(tuple(by_cell[(p, c)]["level"] for c in range(1, size_c + 1))
                          for p in range(1, size_p + 1)),
                    counts("initial"), counts("residual"))


def heat_grids(rows) -> list[HeatGrid]:
    """The grids of the heat map table, in the table's order of versions (the current one first, then older
    versions, newest first); a version whose rows are not a whole grid is left out."""
    versions: dict[int, list[dict]] = {}
    for row in rows or ():
        if isinstance(row, dict) and isinstance(row.get("matrix_version"), int):
            versions.setdefault(row["matrix_version"], []).append(row)
    return [grid for grid in (_grid(version, found) for version, found in versions.items()) if grid is not None]


def default_grid(rows, version: int | None = None) -> HeatGrid:
    """The default matrix's grid with the counts of rows that name cells only (probability, consequence, initial,
    residual): a table made before reporting held the tenant's matrices. Rows of other versions than `version`
    (the newest, if None) and cells outside the default's 4×4 are not counted."""
    rows = [row for row in rows or () if isinstance(row, dict)]
    version = version if version is not None else max((row.get("matrix_version") or 0 for row in rows), default=1)
    definition = DEFAULT_MATRIX_DEFINITION
    size_p, size_c = len(definition["probability_steps"]), len(definition["consequence_steps"])
    counts = {"initial": [[0] * size_c for _ in range(size_p)], "residual": [[0] * size_c for _ in range(size_p)]}
    for row in rows:
        p, c = row.get("probability"), row.get("consequence")
        if (row.get("matrix_version") or 0) == version and isinstance(p, int) and isinstance(c, int) \
                and 1 <= p <= size_p and 1 <= c <= size_c:
            for stage in counts:
                counts[stage][p - 1][c - 1] += int(row.get(stage) or 0)
    levels = {(cell["probability"], cell["consequence"]): cell["level"] for cell in definition["cells"]}
    return HeatGrid(version, False, tuple(step["label"] for step in definition["probability_steps"]),
                    tuple(step["label"] for step in definition["consequence_steps"]),
                    tuple(HeatLevel(**level) for level in definition["levels"]),
                    tuple(tuple(levels[(p, c)] for c in range(1, size_c + 1)) for p in range(1, size_p + 1)),
                    tuple(tuple(row) for row in counts["initial"]), tuple(tuple(row) for row in counts["residual"]))


STAGE_LABELS_SV = {"initial": "före åtgärder", "residual": "efter åtgärder"}


def heat_chart(grid: HeatGrid, key: str, title: str, stage: str = "initial") -> Chart:
    """The grid drawn by the shared chart: the highest probability on top, as a risk matrix is drawn, each cell in
    its level's colour with its count and its level's name."""
    counts = getattr(grid, stage)
    order = range(len(grid.probability_labels) - 1, -1, -1)
    return heat_map(key, title, row_labels=[f"{p + 1} {grid.probability_labels[p]}" for p in order],
                    column_labels=[f"{c + 1} {label}" for c, label in enumerate(grid.consequence_labels)],
                    counts=[counts[p] for p in order], cell_levels=[grid.cells[p] for p in order],
                    levels=grid.levels)


__all__ = ["DEFAULT_MATRIX_DEFINITION", "default_matrix_definition", "HeatGrid", "heat_grids", "default_grid",
           "heat_chart", "STAGE_LABELS_SV"]
