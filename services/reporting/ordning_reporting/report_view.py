"""From a report and its figures (the figures API's answer, stored with it) to what the page shows: the charts
each section draws and the figures each section lists, in Swedish.

Plain Python: the figures are the JSON document of `GET /api/v1/figures` (sections of value and table figures),
plus `previous_year` (the deviations of the year before, for the trend line). A finished report is shown with
the charts it stored when it was finished; a draft's are drawn here from its figures (charts.py is
deterministic, so the same figures give the same picture).
"""
from __future__ import annotations

from datetime import date, datetime

from ordning_shared.charts import Chart, Series, bar_chart, line_chart
from ordning_shared.risk_matrix import default_grid, heat_chart, heat_grids
from .domain.reports import ChartKind, ChartSpec, Report, ReportDefinition, ScopeType
from .pdf import FigureGroup, FigureTable, KeyFigure, ReportView, SectionView

MONTHS_SHORT = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
MONTHS_LONG = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
               "november", "december")
UNITS_IN_CHART = 15  # the units with the most cases; every unit is in the table of the section
# Codes with a Swedish label beside them in the same table, and ids: the export keeps them, the page does not.
HIDDEN_WITH_LABEL = frozenset({"kind", "origin", "origin_type"})
HIDDEN = frozenset({"unit_id", "unit_kind", "current", "level_colour", "level_rank"})
# Codes whose names are another service's tenant data (the händelsetyper: the deviations service's list), as ids are.
NAMED_ELSEWHERE = frozenset({"event_type"})

# --------------------------------------------------------------------------
# Reading the figures document
# --------------------------------------------------------------------------

def section_of(figures: dict | None, key: str) -> dict | None:
    for section in (figures or {}).get("sections") or ():
        if section.get("key") == key:
            return section
    return None


def figure_of(section: dict | None, key: str) -> dict | None:
    for figure in (section or {}).get("figures") or ():
        if figure.get("key") == key:
            return figure
    return None


def _month_index(value) -> int | None:
    """0-11 from "2026-03"; None for anything else."""
    try:
        return int(str(value)[5:7]) - 1 if len(str(value)) == 7 else None
    except ValueError:
        return None


def _is_count(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _today(figures: dict | None) -> date | None:
    try:
        return date.fromisoformat(str((figures or {}).get("today")))
    except ValueError:
        return None


def _monthly_totals(section: dict | None, year: int, today: date | None, column: str = "total") -> list:
    """Twelve values from a by_month table; months after today's are None (not yet happened), not zero."""
    values: list = [None] * 12
    table = figure_of(section, "by_month")
    for row in (table or {}).get("rows") or ():
        index = _month_index(row.get("month"))
        if index is not None and str(row.get("month")).startswith(str(year)):
            values[index] = row.get(column)
    if today is not None and today.year == year:
        values = [value if index <= today.month - 1 else None for index, value in enumerate(values)]
    return values


# --------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------

def draw_chart(spec: ChartSpec, figures: dict, year: int) -> Chart | None:
    """The chart of a spec from the figures, or None when there is nothing to draw yet (a pending section)."""
    section = section_of(figures, spec.figure)
    if section is None or section.get("status") == "pending":
        return None
    today = _today(figures)
    if spec.kind is ChartKind.line and spec.table == "trend":
        previous = section_of(figures.get("previous_year"), spec.figure)
        series = [Series(str(year), tuple(_monthly_totals(section, year, today)))]
        if previous is not None:
            series.append(Series(str(year - 1), tuple(_monthly_totals(previous, year - 1, None))))
        return line_chart(spec.key, spec.title, MONTHS_SHORT, series, category_heading="Månad", unit="ärenden")
    if spec.kind is ChartKind.heat_map:
        return _heat_map(spec, section)
    table = figure_of(section, spec.table)
    if table is None:
        return None
    if spec.table == "by_month":
        return bar_chart(spec.key, spec.title, MONTHS_SHORT,
                         [Series(str(year), tuple(_monthly_totals(section, year, today)))],
                         category_heading="Månad", unit="ärenden", horizontal=False)
    if spec.table == "by_unit":
        rows = [row for row in table.get("rows") or () if row.get("total")]
        # The busiest units; a bar of all the others together would dwarf them. The table lists every unit, and
        # those whose count is suppressed ("< 5", ".."), which the chart leaves out.
        shown = [row for row in rows if _is_count(row["total"])][:UNITS_IN_CHART]
        if not shown:
            return None
        title = (spec.title if len(rows) == len(shown) else f"{spec.title}: de {len(shown)} med flest ärenden"
                 if all(_is_count(row["total"]) for row in rows)
                 else f"{spec.title}: de {len(shown)} med flest ärenden av dem vars antal visas")
        return bar_chart(spec.key, title, [row.get("unit_name") or "Enhet utan namn" for row in shown],
                         [Series("Anmälda", tuple(row["total"] for row in shown))],
                         category_heading="Enhet", unit="ärenden", horizontal=True)
    if spec.table == "by_kind":
        rows = table.get("rows") or ()
        return bar_chart(spec.key, spec.title, [row.get("label_sv") or row.get("kind") for row in rows],
                         [Series("Anmälda", tuple(row.get("reported", 0) for row in rows))],
                         category_heading="Slag", unit="ärenden", horizontal=True)
    return None


def _heat_map(spec: ChartSpec, section: dict) -> Chart | None:
    """Risks per cell before actions (the initial scoring), on the tenant's grid of the newest matrix version that
    holds risks: its steps, levels and colours (the heat map table's rows, ordning_shared.risk_matrix). Older
    versions' risks stay in the table beside: a risk is never moved onto another version's grid. A table made
    before reporting held the matrices (cells with counts only) is drawn on the default matrix, as it was then."""
    rows = [row for row in (figure_of(section, spec.table) or {}).get("rows") or () if isinstance(row, dict)]
    if not any(row.get("initial") for row in rows):
        return None
    if not any("level_colour" in row for row in rows):
        return heat_chart(default_grid(rows), spec.key, spec.title)
    holding = [grid for grid in heat_grids(rows) if grid.total("initial")]
    if not holding:
        return None  # the risks lie on a version whose matrix has not reached reporting: the table lists them
    grid = max(holding, key=lambda found: found.version)
    title = spec.title if len(holding) == 1 and grid.current else f"{spec.title} (matrisversion {grid.version})"
    return heat_chart(grid, spec.key, title)


def draw_charts(spec: ReportDefinition, figures: dict | None, year: int) -> dict[str, Chart]:
    """Every chart of the report that can be drawn from its figures, by key."""
    if not figures:
        return {}
    charts: dict[str, Chart] = {}
    for section in spec.sections:
        for chart_spec in section.charts:
            if chart_spec.key not in charts:
                chart = draw_chart(chart_spec, figures, year)
                if chart is not None:
                    charts[chart_spec.key] = chart
    return charts


# --------------------------------------------------------------------------
# Figures as the page lists them
# --------------------------------------------------------------------------

def _cell(column: str, value):
    if column == "month":
        index = _month_index(value)
        return MONTHS_LONG[index] if index is not None else value
    return value


def figure_table(section_key: str, figure: dict, context: str = "") -> FigureTable | None:
    """A table figure as the page prints it: codes with a label beside them and ids left out (the exports keep
    them); a table named by ids only (categories, process steps: their names are the deviations service's) or by
    a tenant's codes (händelsetyper) is left to the exports. `context` (the figure section's title) goes into the name of the table's scrolling box,
    which its caption alone ("Per enhet", "Per månad": in several sections) would not make unique."""
    columns = figure.get("columns") or []
    keys = {column["key"] for column in columns}
    shown = [column for column in columns
             if column["key"] not in HIDDEN and not (column["key"] in HIDDEN_WITH_LABEL and "label_sv" in keys)
             and not (column["key"] == "level" and "level_label" in keys)]  # a level by its name
    if not shown or shown[0]["key"].endswith("_id") or shown[0]["key"] in NAMED_ELSEWHERE:
        return None
    rows = []
    source = figure.get("rows") or ()
    if figure.get("key") == "heat_map":  # every cell of the grid: the chart draws them all, the table those counted
        source = [row for row in source if row.get("initial") or row.get("residual")]
    for row in source:
        cells = [_cell(column["key"], row.get(column["key"])) for column in shown]
        if shown[0]["key"] == "unit_name" and cells[0] is None:
            cells[0] = row.get("unit_id") or "Enhet utan namn"
        rows.append(tuple(cells))
    return FigureTable(f"{section_key}-{figure['key']}".replace("_", "-"), figure.get("title_sv") or figure["key"],
                       tuple(column.get("title_sv") or column["key"] for column in shown), tuple(rows), context)


def figure_group(section: dict, charted: frozenset = frozenset()) -> FigureGroup:
    """The figures of a figure section; `charted` names its tables a chart of the same report section draws."""
    key_figures, tables, notes = [], [], []
    for figure in section.get("figures") or ():
        if figure.get("type") == "table":
            table = figure_table(section["key"], figure, section.get("title_sv") or section["key"])
            if table is None:
                continue
            if figure["key"] in charted and len(table.columns) <= 2:
                continue  # a label and a number: the chart's own table beside it says the same
            if table.rows:
                tables.append(table)
                if figure.get("note"):
                    notes.append(f"{table.caption}: {figure['note']}")
            else:
                notes.append(f"{table.caption}: inget att redovisa för perioden.")
        else:
            key_figures.append(KeyFigure(figure.get("title_sv") or figure["key"], figure.get("value"),
                                         figure.get("note") or ""))
    if section.get("note"):
        notes.append(section["note"])
    return FigureGroup(section["key"], section.get("title_sv") or section["key"], tuple(key_figures), tuple(tables),
                       tuple(notes))


def providers_group(figures: dict | None) -> FigureGroup | None:
    """The cases at utförare i privat regi beside those at the municipality's own units (DOMAIN.md: the nämnd
    follows up the providers it buys from), from the deviations per unit and the kind of each unit."""
    table = figure_of(section_of(figures, "deviations"), "by_unit")
    if table is None:
        return None
    rows = table.get("rows") or ()
    external = [row for row in rows if row.get("unit_kind") == "external_provider"]
    # the sums as the report's suppression worked them out (a sum of suppressed counts cannot be added up here)
    compiled = ((figures or {}).get("compilations") or {}).get("providers") or {
        "cases_at_providers": sum(row.get("total") or 0 for row in external),
        "cases_in_own_units": sum(row.get("total") or 0 for row in rows if row.get("unit_kind") != "external_provider")}
    counted = ("total", "avvikelse", "lex_sarah", "lex_maria", "klagomal", "synpunkt")
    titles = {column["key"]: column.get("title_sv") or column["key"] for column in table.get("columns") or ()}
    columns = [key for key in counted if key in titles]
    provider_rows = tuple((row.get("unit_name") or row.get("unit_id") or "Utförare utan namn",
                           *(row.get(key) for key in columns)) for row in external)
    notes = () if external else ("Inga ärenden hos utförare i privat regi under perioden.",)
    tables = (FigureTable("providers-by-provider", "Ärenden per utförare i privat regi",
                          ("Utförare", *(titles[key] for key in columns)), provider_rows,
                          "Utförare i privat regi"),) if external else ()
    return FigureGroup("providers", "Utförare i privat regi", (
        KeyFigure("Ärenden hos utförare i privat regi", compiled["cases_at_providers"]),
        KeyFigure("Utförare med ärenden", len(external)),
        KeyFigure("Ärenden i egen regi", compiled["cases_in_own_units"])), tables, notes)


COMPILERS = {"providers": providers_group}


# --------------------------------------------------------------------------
# The whole report
# --------------------------------------------------------------------------

def scope_name(report: Report, figures: dict | None) -> str:
    if report.scope_type is ScopeType.municipality:
        return f"Hela kommunen (kommunkod {report.tenant})"
    name = ((figures or {}).get("scope") or {}).get("unit_name")
    return name or "Förvaltningen"


def build_view(report: Report, charts: dict[str, Chart] | None = None, scope_label: str | None = None) -> ReportView:
    """What the page and the PDF show of a report: a finished one with its stored charts, a draft with charts
    drawn now from its figures."""
    spec = report.definition
    figures = report.figures or {}
    if charts is None:
        charts = draw_charts(spec, figures, report.year)
    shown_figures: set[str] = set()
    sections = []
    for number, section in enumerate(spec.sections, start=1):
        groups, notes = [], []
        for name in section.figures:
            if name in shown_figures:
                continue
            shown_figures.add(name)
            data = section_of(figures, name)
            if data is not None:
                charted = frozenset(c.table for c in section.charts if c.figure == name and c.key in charts)
                groups.append(figure_group(data, charted))
        if report.figures is not None:
            groups += [group for group in (COMPILERS[name](figures) for name in section.compilations) if group]
        section_charts = tuple(charts[c.key] for c in section.charts if c.key in charts)
        missing = [c for c in section.charts if c.key not in charts]
        if report.figures is not None:
            notes += [f"{c.title}: diagrammet ritas när det finns siffror för det." for c in missing]
        sections.append(SectionView(number, section.key, section.heading, section.guidance,
                                    report.texts.get(section.key, ""), tuple(groups), section_charts, tuple(notes)))
    period = figures.get("period") or {}
    return ReportView(
        title=spec.title, year=report.year, scope_name=scope_label or scope_name(report, figures),
        finished=report.frozen, sections=tuple(sections),
        period_from=_date(period.get("from")) or date(report.year, 1, 1),
        period_to=_date(period.get("to")) or date(report.year, 12, 31),
        figures_generated_at=report.figures_generated_at, finished_at=report.finished_at,
        finished_by_name=report.finished_by_name, due=spec.due(report.year), report_id=report.id,
        notes=small_counts_note(figures))


def small_counts_note(figures: dict | None) -> tuple[str, ...]:
    """What "< 5" and ".." mean, under the threshold the report's figures went by."""
    rule = (figures or {}).get("suppression")
    if not isinstance(rule, dict) or not rule.get("text_sv"):
        return ()
    return (f"Små tal visas inte, så att ingen kan pekas ut: {rule['text_sv']}",)


def _date(value) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


__all__ = ["draw_chart", "draw_charts", "figure_table", "figure_group", "build_view", "section_of", "figure_of",
           "scope_name"]
