"""Uppföljning: the figures of a unit, a förvaltning or the whole municipality for a period, read from the
reporting service's /api/v1/figures, as headings, tables and a few bar charts; every table downloads as CSV
(made by the reporting service) and JSON, through the web with the person's token.

The choice is a GET form, so a link keeps it: `omfattning` (a unit's id, or `kommun`), `period` (`ar`: this
year until today, `forra-aret`, `manad` with `manad=YYYY-MM`, `egna` with `fran` and `till`). The reporting
service decides who may see what; the form offers only what the person's units allow, and says in Swedish
what the service refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for

from ordning_shared.charts import Chart, Series, bar_chart, is_suppressed
from ordning_shared.risk_matrix import STAGE_LABELS_SV, heat_chart, heat_grids

from . import client
from .client import ApiError, ApiProblem, ServiceUnavailable
from .signin import current_person, signin_required

blueprint = Blueprint("followup", __name__)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# The reporting service's FIGURE_ROLES: who reads compilations of a scope.
FIGURE_ROLES = ("kvalitetsutvecklare", "enhetschef", "verksamhetschef", "forvaltningschef", "mas", "mar", "namnd",
                "administrator")
MUNICIPALITY = "kommun"
PERIODS = ("ar", "forra-aret", "manad", "egna")
MONTHS_BACK = 36
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
TABLE = re.compile(r"^[a-z_]{1,40}\.[a-z_0-9]{1,40}$")
SECTION = re.compile(r"^[a-z_]{1,40}$")
MONTH_NAMES = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
               "november", "december")
UNIT_KINDS = {"board": "Nämnd", "administration": "Förvaltning", "division": "Verksamhetsområde", "unit": "Enhet",
              "external_provider": "Utförare i privat regi"}
# A code column whose words stand in the row's label_sv: the words are shown, under the code column's heading.
CODE_COLUMNS = ("kind", "origin", "origin_type")
# The tables drawn as bar charts too (the table beside says the same in text): (table, column of the bars).
CHARTS = {"deviations.by_kind": "reported", "deviations.by_month": "total"}
# The bars' length in the chart: labels, bars and values then fit 360 px unscaled, so the text stays legible.
PHONE_PLOT_WIDTH = 180
# The heat map (riskkarta): drawn as the tenant's grids, one per matrix version with risks, before and after
# actions; its table lists the cells with risks, a step and a level by name (their codes, colours and the grid's
# empty cells are in the downloads).
HEAT_MAP = "risks.heat_map"
HEAT_MAP_HIDDEN = ("current", "level", "level_colour", "level_rank", "probability_label", "consequence_label")


@blueprint.app_context_processor
def _navigation():
    return {"figure_roles": FIGURE_ROLES}


def reporting_api() -> client.Api:
    return client.reporting()


# --------------------------------------------------------------------------
# Words and numbers
# --------------------------------------------------------------------------

def sv_date(day: date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def month_label(text: str) -> str:
    match = MONTH.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        return text
    return f"{MONTH_NAMES[int(match.group(2)) - 1]} {match.group(1)}"


def sv_figure(value) -> str:
    """12 as "12", 1234 as "1 234", 3.5 as "3,5": as a Swedish reader writes them."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:,.1f}"
    else:
        text = f"{int(value):,d}"
    return text.replace(",", "\u00a0").replace(".", ",").replace("-", "−")


# --------------------------------------------------------------------------
# The choice: whose figures, and which days
# --------------------------------------------------------------------------

@dataclass
class Choice:
    scope: str = ""
    period: str = "ar"
    month: str = ""
    date_from: str = ""
    date_to: str = ""
    start: date | None = None
    end: date | None = None
    groups: list = field(default_factory=list)  # [(group label, [(value, label)])]
    months: list = field(default_factory=list)  # [(YYYY-MM, label)]
    this_year: int = 0
    errors: dict = field(default_factory=dict)
    trouble: list = field(default_factory=list)

    @property
    def params(self) -> dict:
        """The query that asks for this choice again (for the download links)."""
        query = {"omfattning": self.scope, "period": self.period}
        if self.period == "manad":
            query["manad"] = self.month
        if self.period == "egna":
            query.update(fran=self.date_from, till=self.date_to)
        return query

    @property
    def api_params(self) -> dict:
        params = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.scope != MUNICIPALITY:
            params["unit_id"] = self.scope
        return params

    @property
    def period_label(self) -> str:
        if self.start is None:
            return ""
        if self.period == "manad":
            return month_label(self.month)
        if self.period == "forra-aret":
            return f"år {self.start.year}"
        return f"{sv_date(self.start)} – {sv_date(self.end)}"


def visible_units(units: list[dict], own: tuple) -> tuple[list[dict], list[dict], bool]:
    """(the person's own units, every unit below them each under its parent, whether they hold the whole
    municipality): what the reporting service lets them read (a unit within their units)."""
    children: dict = {}
    by_id = {unit["id"]: unit for unit in units}
    for unit in units:
        children.setdefault(unit.get("parent_id"), []).append(unit)
    below: list[dict] = []
    seen: set = set()

    def walk(unit):
        for child in sorted(children.get(unit["id"], []), key=lambda u: u["name"]):
            if child["id"] not in seen:
                seen.add(child["id"])
                below.append(child)
                walk(child)

    mine = sorted((by_id[i] for i in own if i in by_id), key=lambda u: u["name"])
    seen.update(unit["id"] for unit in mine)
    for unit in mine:
        walk(unit)
    return mine, below, bool(units) and seen >= set(by_id)


def municipality_label(municipality: str | None) -> str:
    return f"Hela {municipality}" if municipality else "Hela kommunen"


def _scope_groups(units: list[dict], own: tuple, municipality: str | None) -> list:
    """The scopes to offer, the person's own units first: theirs, the förvaltningar below them, the whole
    municipality when their units hold all of it, then every unit below theirs, each under its parent."""
    mine, below, whole = visible_units(units, own)
    groups = [("Dina enheter", [(u["id"], u["name"]) for u in mine])]
    administrations = [(u["id"], u["name"]) for u in below if u.get("kind") == "administration"]
    if administrations:
        groups.append(("Förvaltningar", administrations))
    if whole:
        groups.append(("Kommunen", [(MUNICIPALITY, municipality_label(municipality))]))
    rest = [(u["id"], u["name"]) for u in below if u.get("kind") != "administration"]
    if rest:
        groups.append(("Enheter under dina", rest))
    return [group for group in groups if group[1]]


def _parse_date(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if date(2000, 1, 1) <= day <= date(2100, 12, 31) else None


def choice_from_request() -> Choice:
    person = current_person()
    today = datetime.now(STOCKHOLM).date()
    choice = Choice(this_year=today.year)
    month = date(today.year, today.month, 1)
    for _ in range(MONTHS_BACK):
        key = month.strftime("%Y-%m")
        choice.months.append((key, month_label(key)))
        month = (month - timedelta(days=1)).replace(day=1)
    settings = current_app.extensions["ordning_web"]
    try:
        units = client.processes().get("/api/v1/org-units")["items"]
        choice.groups = _scope_groups(units, person.org_units, settings.municipality(person.tenant))
    except ApiError as error:
        choice.trouble.append((error.short if isinstance(error, ServiceUnavailable) else error.message)
                              + " Listan med enheter kan inte visas; siffrorna gäller din egen enhet.")
        choice.groups = [("Dina enheter", [(unit_id, "Din enhet") for unit_id in person.org_units])]
    offered = [value for _, options in choice.groups for value, _ in options]

    scope = request.args.get("omfattning", "").strip()
    if scope and scope != MUNICIPALITY and not UUID.match(scope):
        choice.errors["omfattning"] = "Välj en enhet, en förvaltning eller hela kommunen i listan."
    choice.scope = scope or (offered[0] if offered else "")

    period = request.args.get("period", "ar").strip()
    if period not in PERIODS:
        choice.errors["period"] = "Välj en av perioderna."
        period = "ar"
    choice.period = period
    choice.month = request.args.get("manad", "").strip() or choice.months[0][0]
    choice.date_from = request.args.get("fran", "").strip()[:10]
    choice.date_to = request.args.get("till", "").strip()[:10]
    if period == "ar":
        choice.start, choice.end = date(today.year, 1, 1), today
    elif period == "forra-aret":
        choice.start, choice.end = date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    elif period == "manad":
        match = MONTH.match(choice.month)
        if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
            choice.errors["manad"] = "Välj en månad i listan."
        else:
            start = date(int(match.group(1)), int(match.group(2)), 1)
            choice.start = start
            choice.end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            if choice.month not in dict(choice.months):
                choice.months.append((choice.month, month_label(choice.month)))
    else:
        start, end = _parse_date(choice.date_from), _parse_date(choice.date_to)
        if start is None:
            choice.errors["fran"] = ("Skriv första dagen som ett datum, till exempel 2026-01-01."
                                     if choice.date_from else "Välj första dagen.")
        if end is None:
            choice.errors["till"] = ("Skriv sista dagen som ett datum, till exempel 2026-06-30."
                                     if choice.date_to else "Välj sista dagen.")
        if start and end and start > end:
            choice.errors["till"] = "Sista dagen kan inte vara före första dagen."
        if not choice.errors.get("fran") and not choice.errors.get("till"):
            choice.start, choice.end = start, end
    return choice


def _require_reader():
    if not current_person().has_any(*FIGURE_ROLES):
        abort(403)


# Where the reporting service's refusals belong on the form.
SCOPE_REFUSALS = {
    "unknown_scope": "Du kan inte se siffror för den enheten. Välj en enhet i listan.",
    "municipality_not_in_scope": "Hela kommunens siffror kräver en roll på kommunens högsta nivå. "
                                 "Välj en enhet eller förvaltning i listan.",
}


def read_figures(choice: Choice, path: str = "/api/v1/figures", params: dict | None = None):
    """The answer of a reporting API for the choice (the figures unless another path), or None with the reason on
    the choice; (document, HTTP status for the page). `params` replace the choice's period where given."""
    if choice.errors or not choice.scope or choice.start is None:
        return None, 422 if choice.errors else 200
    try:
        return reporting_api().get(path, params={**choice.api_params, **(params or {})}), 200
    except ServiceUnavailable as error:
        choice.trouble.append(error.message)
        return None, 503
    except ApiProblem as problem:
        if problem.code in SCOPE_REFUSALS or problem.status == 404:
            choice.errors["omfattning"] = SCOPE_REFUSALS.get(problem.code, SCOPE_REFUSALS["unknown_scope"])
            return None, problem.status
        if problem.status == 422:
            key = "fran" if choice.period == "egna" else "period"
            choice.errors[key] = problem.message
            return None, 422
        raise


# --------------------------------------------------------------------------
# The document as the page shows it
# --------------------------------------------------------------------------

def _categories() -> dict:
    """Category id -> name, from the deviations service (the figures carry ids); nothing if it does not answer."""
    try:
        return {c["id"]: c.get("name") or c.get("label_sv") or "" for c in client.deviations().get("/api/v1/categories")
                if isinstance(c, dict) and c.get("id")}
    except ApiError:
        return {}


STEP_KEY = "step:"  # process steps in the names lookup beside the categories (ids of two services)
TYPE_KEY = "event_type:"  # händelsetyper in the names lookup: codes of the tenant's list, not ids


def _event_types() -> dict:
    """TYPE_KEY + händelsetyp code -> the tenant's label, from the deviations service (the figures carry codes),
    retired types too (cases keep them); nothing if it does not answer."""
    try:
        answer = client.deviations().get("/api/v1/event-types", params={"include_retired": "true"})
    except ApiError:
        return {}
    return {TYPE_KEY + t["code"]: t.get("label") or t["code"] for t in answer or ()
            if isinstance(t, dict) and t.get("code")}


def _process_steps() -> dict:
    """Process step id -> "Process: step", from the processes service's map (the figures carry step ids only; a
    step's id is stable across a process's versions, so the established version names it, else the draft);
    nothing if the service does not answer."""
    try:
        processes = client.processes().get("/api/v1/processes").get("items") or []
    except (ApiError, AttributeError):
        return {}
    names = {}
    for process in processes:
        for version in (process.get("draft"), process.get("established")):  # the established one wins
            for step in (version or {}).get("steps") or ():
                if isinstance(step, dict) and step.get("id"):
                    names[STEP_KEY + step["id"]] = f"{version.get('name') or 'Process'}: {step.get('name') or ''}"
    return names


def _cell(key: str, value, row: dict, categories: dict) -> dict:
    """One cell as shown: its text, whether it is a number (right-aligned), and a text for no value."""
    if key == "month":
        return {"text": month_label(value), "number": False}
    if key == "unit_name":
        return {"text": value or "Okänd enhet", "number": False}
    if key == "unit_kind":
        return {"text": UNIT_KINDS.get(value, value or ""), "number": False}
    if key == "category_id":
        return {"text": "Utan kategori" if value is None else categories.get(value) or "Okänd kategori",
                "number": False}
    if key == "event_type":
        return {"text": "Utan händelsetyp" if value is None
                else categories.get(TYPE_KEY + value) or "Okänd händelsetyp", "number": False}
    if key == "process_step_id":
        return {"text": "Utan processteg" if value is None
                else categories.get(STEP_KEY + value) or "Processteg som inte finns i processkartan", "number": False}
    if key in ("probability", "consequence") and row.get(f"{key}_label"):  # a matrix step: its number and name
        return {"text": f"{value} {row[f'{key}_label']}", "number": False}
    if value is None:
        return {"text": "", "number": True, "empty": True}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"text": sv_figure(value), "number": True}
    if is_suppressed(value):  # a yearly report's "< 5" or "..": in the number's place, aligned as one
        return {"text": value, "number": True}
    return {"text": str(value), "number": False}


def _table(section_key: str, figure: dict, categories: dict, prefix: str = "") -> dict:
    columns = figure.get("columns") or []
    keys = {column["key"] for column in columns}
    table_key = f"{section_key}.{figure['key']}"
    source = figure.get("rows") or []
    if table_key == HEAT_MAP:
        source = [row for row in source if row.get("initial") or row.get("residual")]
    shown = []
    for column in columns:
        key = column["key"]
        if key == "unit_id" or (key in CODE_COLUMNS and "label_sv" in keys) \
                or (table_key == HEAT_MAP and key in HEAT_MAP_HIDDEN):
            continue
        title = column["title_sv"]
        if key == "label_sv":
            title = next((c["title_sv"] for c in columns if c["key"] in CODE_COLUMNS), title)
        if key in ("category_id", "process_step_id", "event_type"):
            title = title.replace(" (id)", "").replace(" (kod)", "")
        shown.append({"key": key, "title": title})
    rows = [[_cell(column["key"], row.get(column["key"]), row, categories) for column in shown] for row in source]
    numeric = [all(row[i]["number"] for row in rows) if rows else False for i in range(len(shown))]
    for i, column in enumerate(shown):
        column["number"] = numeric[i]
    charts = _heat_charts(figure, prefix) if table_key == HEAT_MAP else [
        chart for chart in (_chart(table_key, figure, shown, rows, prefix),) if chart is not None]
    return {"key": figure["key"], "table": table_key, "title": figure["title_sv"], "columns": shown, "rows": rows,
            "charts": charts}


def _heat_charts(figure: dict, prefix: str = "") -> list[Chart]:
    """The heat map on the tenant's own grid (its steps, levels and colours, as the reporting service gives them)
    of each matrix version that holds risks in the period, before actions and after; the shared renderer draws
    them as the reports do."""
    charts = []
    for grid in heat_grids(figure.get("rows")):
        if not (grid.total("initial") or grid.total("residual")):
            continue
        version = f"matrisversion {grid.version}" + (", den gällande" if grid.current else "")
        for stage in ("initial", "residual"):
            charts.append(heat_chart(grid, f"uppfoljning-{prefix}{HEAT_MAP}-{grid.version}-{stage}",
                                     f"Riskkarta {STAGE_LABELS_SV[stage]} ({version})", stage))
    return charts


def _chart(table_key: str, figure: dict, shown: list, rows: list, prefix: str = "") -> Chart | None:
    """The shared renderer's bar chart of one column (horizontal when the labels are long, so it reads at 360 px
    as at a desk); the table beside it says the same in text, and the chart's description says so."""
    measure = CHARTS.get(table_key)
    if measure is None or not rows:
        return None
    values = []
    for row in figure["rows"]:
        value = row.get(measure)
        # A figure not counted (None) or not a count is no bar; the table shows it as it is.
        values.append(value if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
                      else None)
    labels = [row[0]["text"] for row in rows]
    column_title = next((c["title"] for c in shown if c["key"] == measure), measure)
    # The page's ids come from the key: the prefix keeps two copies of a table (a report's sections) apart.
    return bar_chart(f"uppfoljning-{prefix}{table_key}", f"{figure['title_sv']}, {column_title.lower()}", labels,
                     [Series(column_title, tuple(values))], category_heading=shown[0]["title"] if shown else "",
                     plot_width=PHONE_PLOT_WIDTH)


def needs_categories(sections: list[dict]) -> bool:
    return any(figure.get("key") == "by_category" and figure.get("rows")
               for section in sections for figure in section.get("figures") or ())


def needs_process_steps(sections: list[dict]) -> bool:
    return any(figure.get("key") == "by_process" and any(row.get("process_step_id") for row in figure.get("rows") or ())
               for section in sections for figure in section.get("figures") or ())


def needs_event_types(sections: list[dict]) -> bool:
    return any(figure.get("key") == "by_event_type" and any(row.get("event_type") for row in figure.get("rows") or ())
               for section in sections for figure in section.get("figures") or ())


def figure_names(sections: list[dict]) -> dict:
    """The names the figures' ids and codes stand for (categories, process steps under STEP_KEY, händelsetyper
    under TYPE_KEY), read only when a figure shows one."""
    return {**(_categories() if needs_categories(sections) else {}),
            **(_event_types() if needs_event_types(sections) else {}),
            **(_process_steps() if needs_process_steps(sections) else {})}


def section_view(section: dict, categories: dict, prefix: str = "") -> dict:
    """A figure section as the page shows it: its key figures (one table) and its tables, each with a chart
    where one helps; `prefix` is the one the template's figure_section gets, for ids unique on the page."""
    numbers = [{"key": f["key"], "title": f["title_sv"], "value": f.get("value")}
               for f in section["figures"] if f.get("type") == "value"]
    tables = [_table(section["key"], f, categories, prefix) for f in section["figures"] if f.get("type") == "table"]
    return {"key": section["key"], "title": section["title_sv"], "note": section.get("note"),
            "pending": section.get("status") == "pending", "numbers": numbers, "tables": tables}


def view_of(document: dict) -> dict:
    names = figure_names(document["sections"])
    sections = [section_view(section, names) for section in document["sections"]]
    scope = document.get("scope") or {}
    return {"sections": sections, "scope_name": scope.get("unit_name"), "units": scope.get("units"),
            "today": _date(document.get("today")), "period": document.get("period") or {}}


def _date(text) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@blueprint.app_template_filter("sv_figure")
def _sv_figure_filter(value) -> str:
    return sv_figure(value)


@blueprint.app_template_global()
def follow_up_download(params: dict, form: str, what: dict) -> str:
    return url_for("followup.download", format=form, **params, **what)


@blueprint.app_template_filter("sv_date")
def _sv_date_filter(value) -> str:
    return sv_date(value) if isinstance(value, date) else ""


# --------------------------------------------------------------------------
# The pages
# --------------------------------------------------------------------------

@blueprint.get("/uppfoljning")
@signin_required
def figures():
    _require_reader()
    choice = choice_from_request()
    document, status = read_figures(choice)
    view = view_of(document) if document is not None else None
    if view is not None and choice.scope == MUNICIPALITY:
        person = current_person()
        view["scope_name"] = current_app.extensions["ordning_web"].municipality(person.tenant) or "Hela kommunen"
    return render_template("follow_up/figures.html", choice=choice, view=view), status


def csv_attachment(text: str, filename: str) -> Response:
    """A download of the reporting service's own CSV, with a byte order mark so that Excel reads å, ä and ö as
    they are; not kept by the browser's cache (the figures are the person's)."""
    return Response("\ufeff" + text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _filename(choice: Choice, what: str, extension: str) -> str:
    return f"uppfoljning-{what.replace('.', '-').replace('_', '-')}-{choice.start}-{choice.end}.{extension}"


@blueprint.get("/uppfoljning/ladda-ner")
@signin_required
def download():
    """A table (`tabell=<avsnitt>.<tabell>`), a section's key figures (`avsnitt=`) or everything, as CSV (the
    reporting service's) or JSON; an attachment, with the person's token on the call, never in the link."""
    _require_reader()
    form = request.args.get("format", "")
    table, section = request.args.get("tabell", ""), request.args.get("avsnitt", "")
    if form not in ("csv", "json") or (table and not TABLE.match(table)) or (section and not SECTION.match(section)) \
            or (table and section):
        abort(404)
    choice = choice_from_request()
    if choice.errors or choice.start is None:
        abort(404)
    what = table or section or "alla"
    sections = [table.split(".", 1)[0]] if table else ([section] if section else [])
    params = {**choice.api_params, **({"section": sections} if sections else {})}
    disposition = {"Content-Disposition": f'attachment; filename="{_filename(choice, what, form)}"'}
    try:
        if form == "csv":
            answer = reporting_api().response("GET", "/api/v1/figures",
                                              params={**params, "format": "csv", **({"table": table} if table else {})})
            return csv_attachment(answer.content.decode("utf-8"), _filename(choice, what, form))
        document = reporting_api().get("/api/v1/figures", params=params)
    except ApiProblem as problem:
        if problem.status in (404, 422) or problem.code in SCOPE_REFUSALS:
            abort(404)
        raise
    if table:
        figure = next((f for s in document["sections"] for f in s["figures"]
                       if f"{s['key']}.{f['key']}" == table and f.get("type") == "table"), None)
        if figure is None:
            abort(404)
        body = {key: document[key] for key in ("tenant", "scope", "period", "today")}
        body.update(section=sections[0], figure=figure)
    elif section:
        found = next((s for s in document["sections"] if s["key"] == section), None)
        if found is None:
            abort(404)
        body = {key: document[key] for key in ("tenant", "scope", "period", "today")}
        body.update(section=section, figures=[f for f in found["figures"] if f.get("type") == "value"])
    else:
        body = document
    response = jsonify(body)
    response.headers.update({**disposition, "Cache-Control": "no-store"})
    return response
