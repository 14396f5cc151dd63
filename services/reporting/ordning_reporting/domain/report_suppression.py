"""The figures of a yearly report as the nämnd may see them: its case counts by the small-count rule.

A kvalitetsberättelse or patientsäkerhetsberättelse is a public document (the nämnd's), and its tables list the
cases per unit: a group home's two lex Sarah reports there would pick people out. So every case count of its
case sections (`deviations`, `lex_sarah`, `lex_maria`, `complaints_and_feedback`) goes by the rule of
suppression.py, with the equations a reader can use between them, written here as domain/region.py writes the
region's (`_View`):

- each per-unit table: a unit's total is the sum of its kinds; each column over the units is the section's
  count of it (the kind's, the lex section's reported, judged serious, reported to IVO); a count shown in two
  tables (a unit's lex cases in the deviations table and in the lex table, a month's, a kind's) is one cell,
  shown alike in both;
- the same for the months, the origins, the categories, the händelsetyper and the process steps (where their sum is the total);
- complements nobody is shown (cases not yet decided = reported - decided, not reported to IVO, answered late,
  not from citizens, at a unit: reported and not judged serious) are hidden cells;
- the providers compilation: the cases at utförare i privat regi and in the municipality's own units, each the
  sum over its units' totals, together the total (computed here, before the unit's counts are hidden, and kept
  in the document's `compilations`);
- what a table's shape tells: a unit, category, händelsetyp, process step or origin is listed only with a case (at least 1);
  a lex table lists a unit only with at least threshold cases, the others together as one row (`OTHER_UNITS`):
  listed one by one, three units under a lex total of "< 5" would each have said "at least one", and so exactly
  one. A small unit's lex count is still shown, as "< 5", in the deviations table's lex column.

A time (days to IVO, to an answer, to a receipt) over fewer cases than the threshold is hidden ("..") as the
region view hides one. A table ordered by its counts is ordered again by what it shows (the shown counts first,
largest first, then ".." and "< 5", each by name): the old order would tell which of two hidden counts is larger.

The other sections (actions, risks, documents, goals, processes) count work, not cases, and are shown as they
are; so is the figures API itself, read by staff whose roles show them the cases (docs/decisions.md).
"""
from __future__ import annotations

import copy
import math

from .suppression import PROTECTED, Equation, legend, small, suppress

KINDS = ("avvikelse", "lex_sarah", "lex_maria", "klagomal", "synpunkt")
LEX_KINDS = ("lex_sarah", "lex_maria")
LEX_MEASURES = ("reported", "serious", "ivo_reported")
COMPLAINT_KINDS = ("klagomal", "synpunkt")
COMPLAINT_MEASURES = ("received", "from_citizens", "answered", "answered_in_time")
EXTERNAL_PROVIDER = "external_provider"
OTHER_UNITS = "Övriga enheter"  # the row of a lex table that holds the units with few cases
# time figure -> the count of cases it is over
LEX_TIMES = dict.fromkeys(("days_to_ivo_mean", "days_to_ivo_median", "days_to_ivo_max"), "reported_to_ivo")
COMPLAINT_TIMES = {**dict.fromkeys(("days_to_answer_mean", "days_to_answer_median", "days_to_answer_max"),
                                   "answered"),
                   # the cases with a receipt are not counted in the figures; those received bound them
                   **dict.fromkeys(("days_to_receipt_mean", "days_to_receipt_median"), "received")}
ROW_TIMES = dict.fromkeys(("days_to_answer_mean", "days_to_answer_median", "days_to_answer_max"), "answered")
# table -> the count it is ordered by, and the column that names a row
ORDERED = {("deviations", "by_unit"): ("total", "unit_name"), ("deviations", "by_category"): ("reported", "category_id"),
           ("deviations", "by_event_type"): ("reported", "event_type"),
           ("deviations", "by_process"): ("reported", "process_step_id"),
           **{(lex, "by_unit"): ("reported", "unit_name") for lex in LEX_KINDS}}
CASE_SECTIONS = frozenset({"deviations", *LEX_KINDS, "complaints_and_feedback"})


def suppressed_figures(figures: dict, threshold: int) -> dict:
    """A copy of a report's figures (the figures API's document, with `previous_year`) with the counts of its case
    sections as the nämnd may see them, the providers compilation, and the rule it went by (`suppression`:
    threshold and legend). The year before is suppressed on its own: no equation joins two years."""
    document = copy.deepcopy(figures)
    compilations = _suppress_sections(document.get("sections") or [], threshold)
    previous = document.get("previous_year")
    if isinstance(previous, dict):
        _suppress_sections(previous.get("sections") or [], threshold)
    document["compilations"] = compilations
    document["suppression"] = {"threshold": threshold, **legend(threshold)}
    return document


def threshold_of(figures: dict | None) -> int | None:
    """The threshold a report's figures were suppressed under; None for figures never suppressed."""
    rule = (figures or {}).get("suppression")
    return rule.get("threshold") if isinstance(rule, dict) else None


def is_marker(value) -> bool:
    """Whether a figure's value is a suppressed count ("< 5", "..") rather than a number."""
    return isinstance(value, str) and (value == PROTECTED or value.startswith("< "))


# --------------------------------------------------------------------------
# Reading the figures document
# --------------------------------------------------------------------------

def _section(sections: list, key: str) -> dict | None:
    found = next((s for s in sections if isinstance(s, dict) and s.get("key") == key), None)
    return found if found is not None and found.get("status", "filled") == "filled" else None


def _figure(section: dict | None, key: str) -> dict | None:
    for figure in (section or {}).get("figures") or ():
        if isinstance(figure, dict) and figure.get("key") == key:
            return figure
    return None


def _rows(section: dict | None, key: str) -> list[dict]:
    figure = _figure(section, key)
    return [row for row in (figure or {}).get("rows") or () if isinstance(row, dict)] if figure else []


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class _View:
    """The cells of a report's case sections, where each lives in the document, the equations between them, the
    hidden complements and what a reader knows from the tables' shape."""

    def __init__(self, threshold: int):
        self.threshold = threshold
        self.cells: dict = {}
        self.places: dict = {}  # key -> [(the dict holding the count, its field)]: one count, shown in each
        self.equations: list[Equation] = []
        self.hidden: set = set()
        self.known: dict = {}
        self.providers: int | None = None  # the providers with cases, when the view has the units' table

    def cell(self, key, holder: dict | None, field: str, at_least: int = 0, same_as=None):
        """The count in `holder[field]`, as a cell. `same_as`: the cell of another table that is the same count
        (a unit's lex Sarah cases in the deviations table and in the lex Sarah table): one cell, shown alike in
        both places, so that neither gives the other back."""
        value = (holder or {}).get(field)
        if not _count(value):
            return None
        if same_as is not None and self.cells.get(same_as) == value:
            key = same_as
        else:
            self.cells[key] = value
        self.places.setdefault(key, []).append((holder, field))
        if at_least and value >= at_least:
            low, high = self.known.get(key, (0, math.inf))
            self.known[key] = (max(low, at_least), high)
        return key

    def value(self, section: dict | None, name: str, same_as=None):
        return self.cell((section["key"], name), _figure(section, name), "value", same_as=same_as) if section else None

    def computed(self, key, value: int) -> None:
        """A count the document does not hold yet (a compilation): suppressed like the others."""
        self.cells[key] = value

    def eq(self, total, *parts) -> None:
        """total = the sum of the parts (left out by suppress() where a cell does not exist)."""
        if total is not None and all(part is not None for part in parts):
            self.equations.append(Equation(total, tuple(parts)))

    def sum_of(self, total, parts) -> None:
        """total = the sum of the parts that exist (a row not listed counts none)."""
        parts = [part for part in parts if part is not None]
        if total is not None:
            self.equations.append(Equation(total, tuple(parts)))

    def complement(self, total, part, name) -> None:
        """total = part + the hidden rest, which nobody is shown."""
        if total in self.cells and part in self.cells and self.cells[total] >= self.cells[part]:
            self.cells[name] = self.cells[total] - self.cells[part]
            self.hidden.add(name)
            self.eq(total, part, name)

    def shown(self) -> dict:
        return suppress(self.cells, self.equations, self.threshold, hidden=self.hidden, known=self.known)


# --------------------------------------------------------------------------
# The equations
# --------------------------------------------------------------------------

def case_view(sections: list, threshold: int) -> "_View":
    """The cells of the case sections among `sections` (the figures API's section documents), the equations
    between them, the hidden complements and what the tables' shape tells, not yet suppressed."""
    view = _View(threshold)
    d = _section(sections, "deviations")
    units = _deviations(view, d) if d is not None else {}
    for lex in LEX_KINDS:
        section = _section(sections, lex)
        if section is not None:
            _lex(view, section, units)
    c = _section(sections, "complaints_and_feedback")
    if c is not None:
        _complaints(view, c)
    view.providers = _providers(view, units) if d is not None else None
    return view


def _suppress_sections(sections: list, threshold: int) -> dict:
    times = _times(sections)  # (holder, field, the count it is over), before the counts are suppressed
    view = case_view(sections, threshold)
    shown = view.shown()
    for key, places in view.places.items():
        for holder, field in places:
            holder[field] = shown[key]
    for holder, field, n in times:
        if not _count(n) or n < threshold:
            holder[field] = PROTECTED
    for (section_key, table), (measure, name) in ORDERED.items():
        figure = _figure(_section(sections, section_key), table)
        if figure is not None:
            figure["rows"] = sorted(figure.get("rows") or [], key=lambda row: _order(row, measure, name, threshold))
    if view.providers is None:
        return {}
    return {"providers": {"cases_at_providers": shown[("providers", "external")],
                          "cases_in_own_units": shown[("providers", "own")],
                          "providers_with_cases": view.providers}}


def _deviations(view: _View, d: dict) -> dict:
    """The deviations section's cells and equations; the unit rows' cells, by unit id."""
    key = "deviations"
    total = view.value(d, "total")
    view.value(d, "rejected")
    possible = view.value(d, "possible_elsewhere")
    view.complement(total, possible, (key, "~not_possible_elsewhere"))
    kinds = {row.get("kind"): view.cell((key, "by_kind", row.get("kind")), row, "reported")
             for row in _rows(d, "by_kind") if row.get("kind") in KINDS}
    view.sum_of(total, kinds.values())
    for table, name in (("by_origin", "origin"), ("by_category", "category_id"), ("by_event_type", "event_type"),
                        ("by_process", "process_step_id")):
        parts = [view.cell((key, table, row.get(name) or f"#{i}"), row, "reported", at_least=1)
                 for i, row in enumerate(_rows(d, table))]
        view.sum_of(total, parts)  # left out by suppress() where it does not hold (a case on two steps)
    units: dict = {}
    for i, row in enumerate(_rows(d, "by_unit")):
        unit = row.get("unit_id") or f"#{i}"
        cells = {kind: view.cell((key, "by_unit", unit, kind), row, kind) for kind in KINDS}
        unit_total = view.cell((key, "by_unit", unit, "total"), row, "total", at_least=1)
        view.sum_of(unit_total, cells.values())
        units[unit] = {"total": unit_total, "kind": row.get("unit_kind"), **cells}
    view.sum_of(total, [cells["total"] for cells in units.values()])
    for kind, column in kinds.items():
        view.sum_of(column, [cells[kind] for cells in units.values()])
    months = []
    for row in _rows(d, "by_month"):
        month = row.get("month")
        cells = {kind: view.cell((key, "by_month", month, kind), row, kind) for kind in KINDS}
        month_total = view.cell((key, "by_month", month, "total"), row, "total")
        view.sum_of(month_total, cells.values())
        months.append((month_total, cells))
    if months:
        view.sum_of(total, [month_total for month_total, _ in months])
        for kind, column in kinds.items():
            view.sum_of(column, [cells[kind] for _, cells in months])
    return units


def _lex(view: _View, section: dict, units: dict) -> None:
    key = section["key"]
    reported = view.value(section, "reported", same_as=("deviations", "by_kind", key))
    decided = view.value(section, "decided")
    serious, not_serious = view.value(section, "judged_serious"), view.value(section, "not_serious")
    ivo = view.value(section, "reported_to_ivo")
    view.eq(decided, serious, not_serious)
    view.complement(reported, decided, (key, "~undecided"))
    view.complement(reported, ivo, (key, "~not_reported_to_ivo"))
    columns = {"reported": reported, "serious": serious, "ivo_reported": ivo}
    _merge_small_units(section, view.threshold)
    rows, listed = {}, {row.get("unit_id") for row in _rows(section, "by_unit")}
    for i, row in enumerate(_rows(section, "by_unit")):
        if row.get("unit_id") is None and row.get("unit_name") == OTHER_UNITS:
            cells = {measure: view.cell((key, "by_unit", "~other", measure), row, measure,
                                        at_least=1 if measure == "reported" else 0) for measure in LEX_MEASURES}
            # the units folded together: every unit of the deviations table not listed here
            view.sum_of(cells["reported"], [units[unit][key] for unit in units if unit not in listed])
        else:
            unit = row.get("unit_id") or f"#{i}"
            cells = {measure: view.cell((key, "by_unit", unit, measure), row, measure,
                                        at_least=view.threshold if measure == "reported" else 0,
                                        same_as=(units.get(unit) or {}).get(key) if measure == "reported" else None)
                     for measure in LEX_MEASURES}
        rows[row.get("unit_id") or f"#{i}"] = cells
        _row_complements(view, key, ("by_unit", row.get("unit_id") or f"#{i}"), cells)
    for measure, column in columns.items():
        view.sum_of(column, [cells[measure] for cells in rows.values()])
    months = []
    for row in _rows(section, "by_month"):
        month = row.get("month")
        cells = {measure: view.cell((key, "by_month", month, measure), row, measure,
                                    same_as=("deviations", "by_month", month, key) if measure == "reported" else None)
                 for measure in LEX_MEASURES}
        months.append(cells)
        _row_complements(view, key, ("by_month", month), cells)
    if months:
        for measure, column in columns.items():
            view.sum_of(column, [cells[measure] for cells in months])


def _merge_small_units(section: dict, threshold: int) -> None:
    """The units of a lex table with fewer cases than the threshold, folded into one row (`OTHER_UNITS`): listed
    one by one, each would say that the unit had at least one case, and a handful of them under a small total
    would pin each one down; its cases still count in the deviations table's lex column, as "< 5"."""
    figure = _figure(section, "by_unit")
    if figure is None:
        return
    kept, merged = [], []
    for row in _rows(section, "by_unit"):
        reported = row.get("reported")
        (kept if _count(reported) and reported >= threshold else merged).append(row)
    if merged:
        kept.append({"unit_id": None, "unit_name": OTHER_UNITS, "unit_kind": None,
                     **{measure: sum(row.get(measure) or 0 for row in merged) for measure in LEX_MEASURES}})
        note = f"Enheter med färre än {threshold} anmälningar räknas tillsammans som {OTHER_UNITS.lower()}."
        figure["note"] = f"{figure['note']} {note}" if figure.get("note") else note
    figure["rows"] = kept


def _row_complements(view: _View, key: str, where: tuple, cells: dict) -> None:
    view.complement(cells["reported"], cells["serious"], (key, *where, "~not_serious"))
    view.complement(cells["reported"], cells["ivo_reported"], (key, *where, "~not_reported_to_ivo"))


def _complaints(view: _View, c: dict) -> None:
    key = "complaints_and_feedback"
    totals = {measure: view.value(c, measure) for measure in COMPLAINT_MEASURES}
    not_answered = view.value(c, "not_answered")
    view.eq(totals["received"], totals["answered"], not_answered)
    view.complement(totals["answered"], totals["answered_in_time"], (key, "~answered_late"))
    view.complement(totals["received"], totals["from_citizens"], (key, "~not_from_citizens"))
    view.eq(totals["received"], *(("deviations", "by_kind", kind) for kind in COMPLAINT_KINDS))
    view.complement(("deviations", "by_origin", "citizen"), totals["from_citizens"], (key, "~citizens_other_kinds"))
    rows = []
    for row in _rows(c, "by_kind"):
        kind = row.get("kind")
        cells = {measure: view.cell((key, "by_kind", kind, measure), row, measure,
                                    same_as=("deviations", "by_kind", kind) if measure == "received" else None)
                 for measure in COMPLAINT_MEASURES}
        rows.append(cells)
        view.complement(cells["received"], cells["answered"], (key, kind, "~not_answered"))
        view.complement(cells["answered"], cells["answered_in_time"], (key, kind, "~answered_late"))
        view.complement(cells["received"], cells["from_citizens"], (key, kind, "~not_from_citizens"))
    for measure, column in totals.items():
        view.sum_of(column, [cells[measure] for cells in rows])


def _providers(view: _View, units: dict) -> int:
    """The cases at utförare i privat regi and in the own units, each the sum of its units' totals; the number
    of providers with cases (their rows are listed anyway)."""
    external = [cells["total"] for cells in units.values() if cells["kind"] == EXTERNAL_PROVIDER]
    own = [cells["total"] for cells in units.values() if cells["kind"] != EXTERNAL_PROVIDER]
    for name, parts in (("external", external), ("own", own)):
        view.computed(("providers", name), sum(view.cells[part] for part in parts if part is not None))
        view.sum_of(("providers", name), parts)
    view.eq(("deviations", "total"), ("providers", "external"), ("providers", "own"))
    return len(external)


def _times(sections: list) -> list[tuple]:
    """The times of the case sections that have a value, each with where it lives and the count of cases it is
    over: one case's time is that case's, so a time over fewer cases than the threshold is hidden."""
    found = []
    for key, times in ((*((lex, LEX_TIMES) for lex in LEX_KINDS), ("complaints_and_feedback", COMPLAINT_TIMES))):
        section = _section(sections, key)
        for name, over in times.items():
            figure = _figure(section, name)
            if figure is not None and figure.get("value") is not None:
                found.append((figure, "value", (_figure(section, over) or {}).get("value")))
    for row in _rows(_section(sections, "complaints_and_feedback"), "by_kind"):
        found += [(row, name, row.get(over)) for name, over in ROW_TIMES.items() if row.get(name) is not None]
    return found


def _order(row: dict, measure: str, name: str, threshold: int) -> tuple:
    if row.get("unit_id") is None and row.get("unit_name") == OTHER_UNITS:
        return 9, 0, ""
    value = row.get(measure)
    if _count(value):
        return 0, -value, str(row.get(name) or "")
    return (1 if value == PROTECTED else 2 if value == small(threshold) else 3), 0, str(row.get(name) or "")
