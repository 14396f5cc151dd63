"""Årsberättelser: the yearly reports (kvalitetsberättelse, patientsäkerhetsberättelse) of a förvaltning or the
municipality, through the reporting service's /api/v1/reports: the list, a new draft, a report with its text,
figures and charts, a section's text written, the figures taken anew, the report finished (after a question),
the document as the nämnd reads it (HTML) and as PDF, and every table and chart as CSV and JSON.

The service decides who may do what; a report's page offers what its answer says the person may (may_edit,
may_finish). A report's case counts come suppressed from the service ("< 5", ".."); the page shows them as
given, in the number's place, and says what the marks mean (the figures' `suppression`). Each change sends the ETag the page was built from (If-Match): when someone else changed the report
meanwhile (412), the page says so and keeps what the person wrote.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from ordning_shared import http
from ordning_shared.markdown import render as render_markdown
from ordning_shared.workdays import today_in_sweden

from . import client
from .client import ApiError, ApiProblem, ServiceUnavailable
from .follow_up import (FIGURE_ROLES, figure_names, municipality_label, section_view, sv_date,
                        visible_units)
from .signin import current_person, signin_required

blueprint = Blueprint("reports", __name__)

REPORTS = "/api/v1/reports"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
KINDS = {"quality_report": "Kvalitetsberättelse", "patient_safety_report": "Patientsäkerhetsberättelse"}
KIND_HINTS = {"quality_report": "Årets kvalitetsarbete för nämnden: måluppfyllelse, processarbete, avvikelser, "
                                "lex Sarah och lex Maria, klagomål, risker och åtgärder.",
              "patient_safety_report": "Hälso- och sjukvårdens patientsäkerhetsarbete enligt SKR:s mall; ska finnas "
                                       "senast 1 mars året efter."}
# The roles that may write each kind (the reporting service's domain/reports.py authors): the form offers these.
AUTHORS = {"quality_report": ("forvaltningschef", "kvalitetsutvecklare", "administrator", "verksamhetschef"),
           "patient_safety_report": ("forvaltningschef", "kvalitetsutvecklare", "administrator", "verksamhetschef",
                                     "mas", "mar")}
STATUS = {"draft": "Utkast", "finished": "Färdig"}
YEARS_BACK = 5
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
KEY = re.compile(r"^[a-z_]{1,60}$")
TABLE = re.compile(r"^[a-z_]{1,40}\.[a-z_0-9]{1,40}$")
MUNICIPALITY = "kommun"
TEXT_MAX = 20_000
STALE = ("Någon annan har ändrat berättelsen medan du hade den öppen. Sidan visar nu hur den ser ut; "
         "kontrollera och försök igen.")
FROZEN = "Berättelsen är färdig och kan inte ändras längre."


def reports_api() -> client.Api:
    return client.reporting()


def _require_reader():
    if not current_person().has_any(*FIGURE_ROLES):
        abort(403)


def _id_or_404(value: str) -> str:
    if not UUID.match(value or ""):
        abort(404)
    return value


def _etag(report: dict) -> str:
    # The ETag the reporting service gives a report, made by the same function: its id and version.
    return http.etag(report["id"], report["version"])


def _when(text) -> str:
    try:
        moment = datetime.fromisoformat(text).astimezone(STOCKHOLM)
    except (TypeError, ValueError):
        return ""
    return f"{sv_date(moment.date())} kl. {moment:%H.%M}"


def _day(text) -> str:
    try:
        return sv_date(date.fromisoformat(text))
    except (TypeError, ValueError):
        return ""


# --------------------------------------------------------------------------
# Units: the names of scopes, and the scopes the person may write a report for
# --------------------------------------------------------------------------

@dataclass
class Scopes:
    names: dict = field(default_factory=dict)  # unit id -> name
    offered: list = field(default_factory=list)  # [(value, label)]: förvaltningar, then the municipality
    trouble: list = field(default_factory=list)


def _scopes() -> Scopes:
    person = current_person()
    scopes = Scopes()
    try:
        units = client.processes().get("/api/v1/org-units")["items"]
    except ApiError as error:
        scopes.trouble.append((error.short if isinstance(error, ServiceUnavailable) else error.message)
                              + " Enheternas namn kan inte visas.")
        return scopes
    scopes.names = {unit["id"]: unit["name"] for unit in units}
    mine, below, whole = visible_units(units, person.org_units)
    scopes.offered = [(u["id"], u["name"]) for u in mine + below if u.get("kind") == "administration"]
    if whole:
        settings = current_app.extensions["ordning_web"]
        scopes.offered.append((MUNICIPALITY, municipality_label(settings.municipality(person.tenant))))
    return scopes


def _scope_name(report: dict, scopes: Scopes) -> str:
    if report.get("unit_id") is None:
        person = current_person()
        return current_app.extensions["ordning_web"].municipality(person.tenant) or "Hela kommunen"
    return scopes.names.get(report["unit_id"]) or "Förvaltningen"


def _summary(report: dict, scopes: Scopes) -> dict:
    return {**report, "kind_label": KINDS.get(report["kind"], report.get("title", "")),
            "status_label": STATUS.get(report["status"], report["status"]), "scope_name": _scope_name(report, scopes),
            "due_label": _day(report.get("due")), "figures_label": _when(report.get("figures_generated_at")),
            "finished_label": _when(report.get("finished_at"))}


# --------------------------------------------------------------------------
# The list and a new draft
# --------------------------------------------------------------------------

@dataclass
class NewReport:
    kind: str = ""
    scope: str = ""
    year: str = ""
    idempotency_key: str = ""
    errors: dict = field(default_factory=dict)
    message: str = ""
    existing: str = ""  # the report there is already, when one of the kind, scope and year exists


def _kinds_for(person) -> list[tuple[str, str, str]]:
    return [(kind, label, KIND_HINTS[kind]) for kind, label in KINDS.items() if person.has_any(*AUTHORS[kind])]


def _years() -> list[int]:
    this_year = datetime.now(STOCKHOLM).year
    return list(range(this_year, this_year - YEARS_BACK - 1, -1))


def _list_page(form: NewReport | None = None, status: int = 200):
    person = current_person()
    scopes = _scopes()
    trouble = list(scopes.trouble)
    items = None
    try:
        items = [_summary(item, scopes) for item in reports_api().get(REPORTS)["items"]]
    except ServiceUnavailable as error:
        trouble.append(error.message)
        status = 503 if status == 200 else status
    kinds = _kinds_for(person)
    if form is None:
        form = NewReport(kind=kinds[0][0] if kinds else "", year=str(_years()[0] - 1 if today_in_sweden().month < 4
                                                                      else _years()[0]))
    if not form.idempotency_key:
        form.idempotency_key = client.new_idempotency_key()
    return render_template("reports/list.html", items=items, kinds=kinds, scopes=scopes.offered, years=_years(),
                           form=form, trouble=trouble), status


@blueprint.get("/arsberattelser")
@signin_required
def overview():
    _require_reader()
    return _list_page()


CREATE_FIELDS = {"kind": "kind", "scope_type": "scope", "unit_id": "scope", "year": "year"}


@blueprint.post("/arsberattelser")
@signin_required
def create():
    _require_reader()
    person = current_person()
    form = NewReport(kind=request.form.get("kind", ""), scope=request.form.get("scope", ""),
                     year=request.form.get("year", "").strip(),
                     idempotency_key=request.form.get("idempotency_key", "")[:100])
    if form.kind not in KINDS or not person.has_any(*AUTHORS.get(form.kind, ())):
        form.errors["kind"] = "Välj vilken sorts berättelse du vill skriva."
    if form.scope != MUNICIPALITY and not UUID.match(form.scope):
        form.errors["scope"] = "Välj en förvaltning eller hela kommunen."
    if not (form.year.isdigit() and int(form.year) in _years()):
        form.errors["year"] = "Välj ett år i listan."
    if form.errors:
        return _list_page(form, 422)
    body = {"kind": form.kind, "year": int(form.year)}
    body.update({"scope_type": "municipality"} if form.scope == MUNICIPALITY else
                {"scope_type": "administration", "unit_id": form.scope})
    try:
        report = reports_api().post(REPORTS, json=body, headers={"Idempotency-Key": form.idempotency_key or
                                                                 client.new_idempotency_key()})
    except ApiProblem as problem:
        if problem.code == "report_exists":
            form.existing = problem.document.get("report_id") or ""
            form.message = "Det finns redan en sådan berättelse för den förvaltningen och det året."
        elif problem.status == 404 or problem.code in ("not_an_administration", "municipality_not_in_scope"):
            form.errors["scope"] = (problem.message if problem.code == "not_an_administration" else
                                    "Du kan inte skriva en berättelse för den förvaltningen. Välj i listan.")
        else:
            for name, message in problem.field_errors.items():
                form.errors[CREATE_FIELDS.get(name, "kind")] = message
            form.message = problem.message
        form.idempotency_key = ""  # a new try is a new request
        return _list_page(form, problem.status if problem.status in (403, 404, 409, 422) else 422)
    flash(f"{KINDS[form.kind]} {form.year} är skapad som utkast, med årets siffror.")
    return redirect(url_for("reports.report", report_id=report["id"]))


# --------------------------------------------------------------------------
# A report
# --------------------------------------------------------------------------

def _read(report_id: str) -> dict:
    return reports_api().get(f"{REPORTS}/{report_id}")


def _report_view(report: dict) -> dict:
    scopes = _scopes()
    figures = report.get("figures") or {}
    figure_sections = {section["key"]: section for section in figures.get("sections") or ()}
    categories = figure_names(list(figure_sections.values()))
    charts = {chart["key"]: chart for chart in report.get("charts") or ()}
    sections = []
    for section in report.get("sections") or ():
        sections.append({
            **section,
            "text_html": Markup(render_markdown(section["text"])) if section.get("text") else None,
            "charts_shown": [charts[key] for key in section.get("charts") or () if key in charts],
            "figure_views": [section_view(figure_sections[key], categories, section["key"] + "-")
                             for key in section.get("figures") or ()
                             if key in figure_sections],
        })
    rule = figures.get("suppression") or {}
    return {"report": _summary(report, scopes), "sections": sections, "etag": _etag(report),
            "trouble": scopes.trouble, "small_counts": rule.get("text_sv") if isinstance(rule, dict) else None}


def _report_page(report_id: str, status: int = 200, **extra):
    view = _report_view(_read(report_id))
    return render_template("reports/report.html", **view, **extra), status


@blueprint.get("/arsberattelser/<report_id>")
@signin_required
def report(report_id):
    _require_reader()
    return _report_page(_id_or_404(report_id))


@blueprint.get("/arsberattelser/<report_id>/avsnitt/<section_key>")
@signin_required
def edit_section(report_id, section_key):
    _require_reader()
    return _section_page(_id_or_404(report_id), section_key)


def _section_page(report_id: str, section_key: str, text: str | None = None, error: str | None = None,
                  notice: str | None = None, status: int = 200):
    if not KEY.match(section_key):
        abort(404)
    report = _read(report_id)
    section = next((s for s in report.get("sections") or () if s["key"] == section_key), None)
    if section is None:
        abort(404)
    if not report.get("may_edit"):
        flash(FROZEN if report["status"] == "finished" else "Du får inte skriva i den här berättelsen.")
        return redirect(url_for("reports.report", report_id=report_id))
    saved_html = Markup(render_markdown(section["text"])) if notice and section.get("text") else None
    return render_template("reports/section.html", report=_summary(report, _scopes()), section=section,
                           text=section.get("text", "") if text is None else text, etag=_etag(report), error=error,
                           notice=notice, saved_html=saved_html, text_max=TEXT_MAX), status


@blueprint.post("/arsberattelser/<report_id>/avsnitt/<section_key>")
@signin_required
def save_section(report_id, section_key):
    _require_reader()
    _id_or_404(report_id)
    if not KEY.match(section_key):
        abort(404)
    text = request.form.get("text", "").replace("\r\n", "\n")
    if len(text) > TEXT_MAX:
        return _section_page(report_id, section_key, text=text, status=422,
                             error=f"Texten får vara högst {TEXT_MAX:,} tecken; korta den.".replace(",", "\u00a0"))
    try:
        reports_api().request("PUT", f"{REPORTS}/{report_id}/sections/{section_key}", json={"text": text},
                              headers={"If-Match": request.form.get("etag", "")})
    except ApiProblem as problem:
        if problem.status == 412:
            return _section_page(report_id, section_key, text=text, status=412, notice=(
                "Någon annan har sparat text i berättelsen medan du skrev. Din text finns kvar i rutan; den senast "
                "sparade texten står ovanför. Jämför, och spara igen när du är klar."))
        if problem.code == "report_finished":
            flash(FROZEN)
            return redirect(url_for("reports.report", report_id=report_id))
        if problem.status in (400, 422):
            return _section_page(report_id, section_key, text=text, status=422,
                                 error=problem.field_errors.get("text") or problem.message)
        raise
    flash("Texten är sparad.")
    return redirect(url_for("reports.report", report_id=report_id) + f"#avsnitt-{section_key}")


def _change(report_id: str, path: str, success: str):
    _require_reader()
    _id_or_404(report_id)
    try:
        reports_api().post(f"{REPORTS}/{report_id}/{path}", headers={"If-Match": request.form.get("etag", "")})
    except ApiProblem as problem:
        flash(STALE if problem.status == 412 else FROZEN if problem.code == "report_finished" else problem.message)
        return redirect(url_for("reports.report", report_id=report_id))
    flash(success)
    return redirect(url_for("reports.report", report_id=report_id))


@blueprint.post("/arsberattelser/<report_id>/nya-siffror")
@signin_required
def regenerate(report_id):
    return _change(report_id, "regenerate", "Siffrorna och diagrammen är hämtade på nytt. Texten är kvar.")


@blueprint.get("/arsberattelser/<report_id>/gor-fardig")
@signin_required
def confirm_finish(report_id):
    _require_reader()
    report = _read(_id_or_404(report_id))
    if not report.get("may_finish"):
        flash(FROZEN if report["status"] == "finished" else "Du får inte göra den här berättelsen färdig.")
        return redirect(url_for("reports.report", report_id=report_id))
    empty = [s["heading"] for s in report.get("sections") or () if not s.get("text")]
    return render_template("reports/finish.html", report=_summary(report, _scopes()), etag=_etag(report),
                           empty=empty)


@blueprint.post("/arsberattelser/<report_id>/gor-fardig")
@signin_required
def finish(report_id):
    return _change(report_id, "finish", "Berättelsen är färdig. Siffrorna, diagrammen och texten är låsta.")


# --------------------------------------------------------------------------
# The document (HTML, PDF) and the downloads
# --------------------------------------------------------------------------

@blueprint.get("/arsberattelser/<report_id>/dokument")
@signin_required
def document(report_id):
    """The report as the nämnd reads it, made by the reporting service; served with its own strict policy (no
    script, nothing loaded: its style and charts are inline)."""
    _require_reader()
    answer = reports_api().response("GET", f"{REPORTS}/{_id_or_404(report_id)}", params={"format": "html"})
    policy = answer.headers.get("Content-Security-Policy") or "default-src 'none'; style-src 'unsafe-inline'"
    return Response(answer.content, mimetype="text/html",
                    headers={"Content-Security-Policy": policy, "Cache-Control": "no-store"})


@blueprint.get("/arsberattelser/<report_id>/pdf")
@signin_required
def pdf(report_id):
    _require_reader()
    _id_or_404(report_id)
    try:
        answer = reports_api().response("GET", f"{REPORTS}/{report_id}", params={"format": "pdf"})
    except ServiceUnavailable:
        return render_template("error.html", title="PDF:en kan inte skapas just nu",
                               message="Försök igen om en stund, eller visa berättelsen som dokument och skriv ut "
                                       "den från webbläsaren."), 503
    name = re.search(r'filename="([A-Za-z0-9.-]+)"', answer.headers.get("Content-Disposition", ""))
    return Response(answer.content, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name.group(1) if name else "arsberattelse.pdf"}"',
        "Cache-Control": "no-store"})


def _only_section(body: str, section: str, form: str) -> str:
    """The key figures of one section, from the report's every key figure (CSV: section, figure, title, value)."""
    if form == "json":
        document = json.loads(body)
        found = next((s for s in document.get("sections") or () if s.get("key") == section), None)
        if found is None:
            abort(404)
        return json.dumps({"section": section, "period": document.get("period"), "scope": document.get("scope"),
                           "figures": [f for f in found.get("figures") or () if f.get("type") == "value"]},
                          ensure_ascii=False)
    rows = list(csv.reader(io.StringIO(body)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([rows[0], *(row for row in rows[1:] if row and row[0] == section)] if rows else [])
    return out.getvalue()


@blueprint.get("/arsberattelser/<report_id>/ladda-ner")
@signin_required
def download(report_id):
    """A table of the report's figures (`tabell=`), its key figures (no `tabell`), or a chart's numbers
    (`diagram=`), as CSV or JSON, as the report holds them (a finished report's frozen)."""
    _require_reader()
    _id_or_404(report_id)
    form, table, chart = request.args.get("format", ""), request.args.get("tabell", ""), request.args.get("diagram", "")
    section = request.args.get("avsnitt", "")
    if form not in ("csv", "json") or (table and not TABLE.match(table)) or (chart and not KEY.match(chart)) \
            or (section and not KEY.match(section)) or len([x for x in (table, chart, section) if x]) > 1:
        abort(404)
    if chart:
        path, params, what = f"{REPORTS}/{report_id}/charts/{chart}", {"format": form}, f"diagram-{chart}"
    else:
        path, params = f"{REPORTS}/{report_id}/figures", {"format": form, **({"table": table} if table else {})}
        what = table or (f"{section}-nyckeltal" if section else "alla")
    try:
        answer = reports_api().response("GET", path, params=params)
    except ApiProblem as problem:
        if problem.status in (404, 422):
            abort(404)
        raise
    name = f"arsberattelse-{report_id[:8]}-{what.replace('.', '-').replace('_', '-')}.{form}"
    body = answer.content.decode("utf-8")
    if section:
        body = _only_section(body, section, form)
    if form == "csv":
        body = "\ufeff" + body  # so that Excel reads å, ä and ö as they are
    return Response(body, mimetype="text/csv" if form == "csv" else "application/json", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
