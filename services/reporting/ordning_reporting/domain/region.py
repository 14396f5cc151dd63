"""The region view: the figures of the municipalities a region hosts, side by side, aggregated only.

A region (a tenant whose id is a länskod, two digits) sees, for a calendar year, the figures of each municipality
of its län (a kommunkod, four digits, begins with its länskod) that has agreed to be shown (a consent record,
the municipality's own data). Only the whole municipality's figures cross the tenant line: no case, no unit, no
category or process step (their ids mean nothing outside their tenant, and a unit's row is a small group).

Which figures: `REGION_FIGURES`, an allow-list. A figure joins the view when the equations between it and the
others are written here (`equations_of`), so that suppression (suppression.py) knows what a reader could
subtract from what. Every count is suppressed by the rule there; a mean, median or longest time over fewer
cases than the threshold is hidden ("..").

Why a calendar year and nothing shorter: two overlapping periods subtract (January to June minus January to
May is June), so the view offers one kind of period, which never overlaps another of its kind.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .figures import KIND_LABELS_SV, KINDS, ORIGIN_LABELS_SV, Section
from .suppression import PROTECTED, Equation, suppress

MUNICIPALITY_CODE = re.compile(r"^\d{4}$")  # SCB's kommunkod
REGION_CODE = re.compile(r"^\d{2}$")  # SCB's länskod
ORIGINS = ("staff", "citizen", "none")  # "none": a case whose origin the events do not say


def is_municipality(tenant: str) -> bool:
    return bool(MUNICIPALITY_CODE.match(tenant or ""))


def is_region(tenant: str) -> bool:
    return bool(REGION_CODE.match(tenant or ""))


def region_of(municipality: str) -> str:
    """The län (region) a municipality lies in: the first two digits of its kommunkod."""
    return municipality[:2]


@dataclass(frozen=True)
class Table:
    """A table figure of a municipality's figures shown side by side: one row per `row_key` value, one column per
    municipality with the row's `measure`."""
    row_key: str
    measure: str
    row_label: str | None = None


# section -> (value figures counted, table figures, {time figure: the count of cases it is over})
REGION_FIGURES: dict[str, tuple[tuple[str, ...], dict[str, Table], dict[str, str]]] = {
    "deviations": (("total", "rejected", "possible_elsewhere"),
                   {"by_kind": Table("kind", "reported", "label_sv"), "by_origin": Table("origin", "reported"),
                    "by_month": Table("month", "total")}, {}),
    "lex_sarah": (("reported", "decided", "judged_serious", "not_serious", "reported_to_ivo"), {},
                  dict.fromkeys(("days_to_ivo_mean", "days_to_ivo_median", "days_to_ivo_max"), "reported_to_ivo")),
    "lex_maria": (("reported", "decided", "judged_serious", "not_serious", "reported_to_ivo"), {},
                  dict.fromkeys(("days_to_ivo_mean", "days_to_ivo_median", "days_to_ivo_max"), "reported_to_ivo")),
    "complaints_and_feedback": (("received", "from_citizens", "answered", "answered_in_time", "not_answered"), {},
                                dict.fromkeys(("days_to_answer_mean", "days_to_answer_median",
                                               "days_to_answer_max"), "answered")),
    "actions": (("created", "open", "overdue", "done", "cancelled"), {}, {}),
}
NOT_YET_NOTE = "Visas i regionvyn när sambanden mellan dess siffror är beskrivna (domain/region.py)."


def cells_of(sections: list[Section], months: list[str]) -> dict[str, int]:
    """The counts of one municipality's figures that the region view shows, by key (`section.figure` or
    `section.figure.row`), every row of a table present (zero where the municipality has none)."""
    cells: dict[str, int] = {}
    by_key = {section.key: section for section in sections}
    for key, (values, tables, _times) in REGION_FIGURES.items():
        section = by_key.get(key)
        if section is None:
            continue
        for name in values:
            value = section.figure(name).value
            if isinstance(value, int):
                cells[f"{key}.{name}"] = value
        for name, table in tables.items():
            counted = {(row.get(table.row_key) or "none"): row.get(table.measure) or 0
                       for row in section.figure(name).rows or []}
            for row in _rows_of(key, name, months):
                cells[f"{key}.{name}.{row}"] = counted.get(row, 0)
    return cells


def _rows_of(section: str, table: str, months: list[str]) -> tuple[str, ...]:
    return {("deviations", "by_kind"): KINDS, ("deviations", "by_origin"): ORIGINS,
            ("deviations", "by_month"): tuple(months)}[(section, table)]


def equations_of(cells: dict[str, int], months: list[str]) -> tuple[list[Equation], dict[str, int]]:
    """The equations between one municipality's cells, and the hidden complements they need (by key, with their
    values): what a reader can subtract. An equation whose complement would be negative, or that does not hold on
    the figures, is left out."""
    equations: list[Equation] = []
    hidden: dict[str, int] = {}

    def eq(total: str, *parts: str) -> None:
        equations.append(Equation(total, parts))

    def complement(total: str, part: str, name: str) -> None:
        """total = part + the hidden rest"""
        if total in cells and part in cells and cells[total] - cells[part] >= 0:
            hidden[name] = cells[total] - cells[part]
            eq(total, part, name)

    d = "deviations"
    eq(f"{d}.total", *(f"{d}.by_kind.{kind}" for kind in KINDS))
    eq(f"{d}.total", *(f"{d}.by_origin.{origin}" for origin in ORIGINS))
    eq(f"{d}.total", *(f"{d}.by_month.{month}" for month in months))
    complement(f"{d}.total", f"{d}.possible_elsewhere", f"{d}.~not_possible_elsewhere")
    for lex in ("lex_sarah", "lex_maria"):
        eq(f"{lex}.reported", f"{d}.by_kind.{lex}")
        eq(f"{lex}.decided", f"{lex}.judged_serious", f"{lex}.not_serious")
        complement(f"{lex}.reported", f"{lex}.decided", f"{lex}.~undecided")
        complement(f"{lex}.reported", f"{lex}.reported_to_ivo", f"{lex}.~not_reported_to_ivo")
    c = "complaints_and_feedback"
    eq(f"{c}.received", f"{d}.by_kind.klagomal", f"{d}.by_kind.synpunkt")
    eq(f"{c}.received", f"{c}.answered", f"{c}.not_answered")
    complement(f"{c}.answered", f"{c}.answered_in_time", f"{c}.~answered_late")
    complement(f"{c}.received", f"{c}.from_citizens", f"{c}.~not_from_citizens")
    complement(f"{d}.by_origin.citizen", f"{c}.from_citizens", f"{d}.~citizens_other_kinds")
    a = "actions"
    eq(f"{a}.created", f"{a}.open", f"{a}.done", f"{a}.cancelled")
    complement(f"{a}.open", f"{a}.overdue", f"{a}.~open_not_overdue")
    values = {**cells, **hidden}
    # an equation that does not hold on the figures (a status the actions' sum does not know) tells a reader
    # nothing true, and would contradict the intervals: left out
    return [e for e in equations if all(key in values for key in e.cells)
            and values[e.total] == sum(values[part] for part in e.parts)], hidden


def suppressed_cells(cells: dict[str, int], months: list[str], threshold: int) -> dict[str, int | str]:
    """One municipality's cells as the region may see them."""
    equations, hidden = equations_of(cells, months)
    return suppress({**cells, **hidden}, equations, threshold, hidden=set(hidden))


def region_sections(municipalities: dict[str, list[Section]], months: list[str], threshold: int) -> list[dict]:
    """The sections of the region view: each figure with a value (or a table column) per municipality, every
    count suppressed by the rule of suppression.py, every time over fewer than `threshold` cases hidden."""
    shown = {}
    for tenant, sections in municipalities.items():
        cells = cells_of(sections, months)
        shown[tenant] = (suppressed_cells(cells, months, threshold), cells, {s.key: s for s in sections})
    tenants = list(municipalities)
    template = next(iter(municipalities.values()), [])
    result = []
    for section in template:
        if section.key not in REGION_FIGURES:  # pending (no events yet), or filled but without its equations
            pending = section.status == "pending"
            result.append({"key": section.key, "title_sv": section.title_sv,
                           "status": section.status if pending else "not_in_region_view",
                           "note": section.note if pending else NOT_YET_NOTE, "figures": []})
            continue
        values, tables, times = REGION_FIGURES[section.key]
        figures = []
        for figure in section.figures:
            name = figure.key
            if name in values:
                figures.append({"key": name, "title_sv": figure.title_sv, "type": "value",
                                "by_municipality": {t: shown[t][0].get(f"{section.key}.{name}") for t in tenants}})
            elif name in times:
                n_key = f"{section.key}.{times[name]}"
                figures.append({"key": name, "title_sv": figure.title_sv, "type": "value", "by_municipality": {
                    t: (shown[t][2][section.key].figure(name).value if shown[t][1].get(n_key, 0) >= threshold
                        else PROTECTED) for t in tenants},
                    "note": f"Visas för en kommun med minst {threshold} ärenden att räkna på; annars '{PROTECTED}'."})
            elif name in tables:
                table = tables[name]
                rows = []
                for row in _rows_of(section.key, name, months):
                    cells = {"label_sv": _label(section.key, name, row)}
                    rows.append({table.row_key: row, **cells,
                                 **{t: shown[t][0].get(f"{section.key}.{name}.{row}") for t in tenants}})
                figures.append({"key": name, "title_sv": figure.title_sv, "type": "table",
                                "row_key": table.row_key, "rows": rows})
        result.append({"key": section.key, "title_sv": section.title_sv, "status": section.status,
                       "note": section.note, "figures": figures})
    return result


def _label(section: str, table: str, row: str) -> str | None:
    if table == "by_kind":
        return KIND_LABELS_SV.get(row)
    if table == "by_origin":
        return ORIGIN_LABELS_SV.get(row, "Okänt ursprung")
    return None
