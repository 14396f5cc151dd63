"""HTTP: the yearly reports (kvalitetsberättelse, patientsäkerhetsberättelse): create, list, read as JSON, HTML or
PDF, write a section's text, regenerate the figures, finish; and every figure table and chart of a report as CSV
and JSON."""
from __future__ import annotations

import csv
import io
import re
import threading
from collections import OrderedDict

from flask import Response, current_app, jsonify, request, url_for
from ordning_shared import openapi
from ordning_shared.http import Blueprint, check_if_match, current_principal, etag
from ordning_shared.idempotency import create_once
from ordning_shared.problems import Forbidden, NotFound, Problem

from . import pdf
from . import report_db as rdb
from . import report_service as rs
from .api import CSV_CONTENT_TYPE, UnknownTable, figures_csv
from .domain import access
from .domain import reports as r
from .report_schemas import (ChartArgsSchema, ChartSchema, ReportCreateSchema, ReportFiguresArgsSchema,
                             ReportGetArgsSchema, ReportListArgsSchema, ReportListSchema, ReportSchema,
                             SectionTextSchema)
from .report_view import draw_charts

PATH_PARAMETERS = {
    "report_id": {"description": "The report's id (a UUID).", "example": "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"},
    "section_key": {"description": "The section's key, as the report's `sections` list them.",
                    "example": "sammanfattning"},
    "chart_key": {"description": "The chart's key, as the report's `charts` list them.",
                  "example": "avvikelser_per_manad"},
}

reports_blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", path_parameters=PATH_PARAMETERS,
                        description="The yearly reports for the nämnd: the kvalitetsberättelse of a förvaltning or "
                                    "the municipality and the patientsäkerhetsberättelse, with their figures, "
                                    "charts and the authors' text; a draft until it is finished, then frozen.")
BLUEPRINTS = [reports_blp]

HTML_CONTENT_TYPE = "text/html; charset=utf-8"
PDF_CONTENT_TYPE = "application/pdf"
# The report page runs no script and loads nothing: its style and charts are inline.
HTML_SECURITY = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                                            "form-action 'none'; frame-ancestors 'self'"}
FILE_NAMES = {r.ReportKind.quality_report: "kvalitetsberattelse",
              r.ReportKind.patient_safety_report: "patientsakerhetsberattelse"}


class PdfUnavailable(Problem):
    """WeasyPrint's system libraries (pango) are missing on this machine; the HTML still works."""
    http_status, code = 503, "pdf_unavailable"


class UnknownChart(NotFound):
    code = "unknown_chart"


def _platform():
    return current_app.extensions["ordning"]


def present(report: r.Report, principal, *, full: bool = True) -> dict:
    spec = report.definition
    body = {
        "id": report.id, "kind": report.kind.value, "title": spec.title, "scope_type": report.scope_type.value,
        "unit_id": report.scope_unit_id, "year": report.year, "status": report.status.value,
        "due": spec.due(report.year), "figures_generated_at": report.figures_generated_at,
        "created_at": report.created_at, "finished_at": report.finished_at, "finished_by": report.finished_by,
        "finished_by_name": report.finished_by_name, "version": report.version,
        "may_edit": not report.frozen and bool(spec.authors & principal.roles),
        "may_finish": not report.frozen and r.may_finish(report.kind, principal.roles),
    }
    if full:
        body["sections"] = [{"key": s.key, "heading": s.heading, "guidance": s.guidance, "figures": list(s.figures),
                             "charts": [c.key for c in s.charts], "text": report.texts.get(s.key, "")}
                            for s in spec.sections]
        body["figures"] = report.figures
        body["charts"] = [chart.to_dict() for chart in _charts(report).values()]
    return body


def _charts(report: r.Report) -> dict:
    if report.frozen:
        from ordning_shared.charts import Chart

        return {key: Chart.from_dict(data) for key, data in (report.charts or {}).items()}
    return draw_charts(report.definition, report.figures, report.year)


def _json(report: r.Report, status: int = 200, **headers):
    return present(report, current_principal()), status, {"ETag": etag(report.id, report.version), **headers}


def _wanted_format(args) -> str:
    if args.get("format"):
        return args["format"]
    best = request.accept_mimetypes.best_match(["application/json", "text/html", PDF_CONTENT_TYPE],
                                               default="application/json")
    return {"text/html": "html", PDF_CONTENT_TYPE: "pdf"}.get(best, "json")


class _FinishedPdfs:
    """The PDFs of finished reports, by tenant, id and version: a finished report never changes, and a PDF takes
    a second or more to make, so the nämnd's many downloads before a meeting make it once per process."""

    def __init__(self, size: int = 32):
        self.size, self._pdfs, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._pdfs:
                self._pdfs.move_to_end(key)
                return self._pdfs[key]
        return None

    def put(self, key, document: bytes) -> None:
        with self._lock:
            self._pdfs[key] = document
            while len(self._pdfs) > self.size:
                self._pdfs.popitem(last=False)


FINISHED_PDFS = _FinishedPdfs()


def _pdf_of(report: r.Report, html: str) -> bytes:
    if not report.frozen:
        return pdf.render_pdf(html)  # a draft's figures and text change: made anew each time
    key = (report.tenant, report.id, report.version)
    document = FINISHED_PDFS.get(key)
    if document is None:
        document = pdf.render_pdf(html)
        FINISHED_PDFS.put(key, document)
    return document


def _file_name(report: r.Report) -> str:
    scope = "kommunen" if report.scope_unit_id is None else report.scope_unit_id[:8]
    return re.sub(r"[^a-z0-9.-]", "-", f"{FILE_NAMES[report.kind]}-{report.year}-{scope}.pdf")


DOCUMENT_DOC = {"responses": {200: {"content": {
    "text/html": {"schema": {"type": "string"}, "example": "<!doctype html><html lang=\"sv\">…</html>"},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}
FIGURES_DOC = {"responses": {200: {"description": "The figures, or one table of them; a suppressed count is the text "
                                                  "\"< 5\" (fewer than the threshold) or \"..\" (hidden) in place of "
                                                  "its number.", "content": {
    "application/json": {"schema": {"type": "object"}},
    "text/csv": {"schema": {"type": "string"}, "example": "unit_id,unit_name,unit_kind,total,avvikelse,lex_sarah\r\n"
                                                          "27460a56-…,Hemtjänst Norr,unit,..,40,< 5\r\n"
                                                          "5c1d0b7e-…,Solbacken,unit,12,12,< 5\r\n"}}}}}
CHART_DOC = {"responses": {200: {"content": {
    "text/csv": {"schema": {"type": "string"}, "example": "Månad,2026\r\njan,3\r\n"},
    "image/svg+xml": {"schema": {"type": "string"}}}}}}


# --------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------

@reports_blp.route("", methods=["POST"])
@reports_blp.arguments(ReportCreateSchema)
@reports_blp.response(201, ReportSchema, headers=openapi.CREATED)
@reports_blp.raises(Forbidden, NotFound, r.InvalidReport, rs.ReportExists, rs.NotAnAdministration, rs.NotAnAuthor)
@reports_blp.idempotent
def create(data):
    """Create a report

    A draft kvalitetsberättelse (`quality_report`) or patientsäkerhetsberättelse (`patient_safety_report`) of a
    förvaltning (`scope_type: administration` and its `unit_id`) or the whole municipality, for a year up to
    this one, with its figures taken at once. One report per kind, scope and year (409 report_exists names the
    one there is). For a förvaltningschef, kvalitetsutvecklare, verksamhetschef or administratör, and MAS or MAR
    for the patientsäkerhetsberättelse, over the scope.
    """
    platform, principal = _platform(), current_principal()
    body, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject, payload=data, resource_type="report",
        create=lambda claim: rs.create_report(platform, principal, data, claim),
        load=lambda report_id: rs.read_report(platform, principal, report_id))
    return _json(body, status, Location=url_for("reports.get_one", report_id=body.id))


@reports_blp.route("", methods=["GET"])
@reports_blp.arguments(ReportListArgsSchema, location="query")
@reports_blp.raises(access.NoFigureRole)
@reports_blp.response(200, ReportListSchema)
def list_all(args):
    """List reports

    The reports whose scope you may read (a förvaltning within your units, the municipality for a role at its
    top level), newest year first; without their figures and text.
    """
    flt = rdb.ReportFilter(kind=args.get("kind"), year=args.get("year"), status=args.get("status"),
                           unit_id=args.get("unit_id"))
    principal = current_principal()
    return {"items": [present(report, principal, full=False)
                      for report in rs.list_reports(_platform(), principal, flt)]}


@reports_blp.route("/<report_id>", methods=["GET"], endpoint="get_one")
@reports_blp.arguments(ReportGetArgsSchema, location="query")
@reports_blp.raises(NotFound, PdfUnavailable)
@reports_blp.response(200, ReportSchema, headers=openapi.ETAG)
@reports_blp.doc(**DOCUMENT_DOC)
def get_one(args, report_id):
    """Read a report

    As JSON (its sections and text, its figures and charts), as a page (`text/html`: the document for the screen,
    the charts inline) or as PDF (`application/pdf`: the same document on A4 for the meeting), by `format` or
    the Accept header. A draft says that its figures may change; a finished report says who finished it and
    when. The ETag is what a change needs in If-Match.
    """
    report = rs.read_report(_platform(), current_principal(), report_id)
    wanted = _wanted_format(args)
    if wanted == "json":
        return _json(report)
    html = pdf.render_html(rs.view_of(report))
    headers = {"ETag": etag(report.id, report.version), "Vary": "Accept"}
    if wanted == "html":
        return Response(html, content_type=HTML_CONTENT_TYPE, headers={**headers, **HTML_SECURITY})
    try:
        document = _pdf_of(report, html)
    except OSError:  # WeasyPrint could not load pango: the machine lacks it (tools/install-pdf-libs.sh)
        raise PdfUnavailable("PDF kan inte skapas på den här servern just nu; visa berättelsen som HTML.",
                             "A PDF cannot be made on this server now; show the report as HTML.") from None
    return Response(document, content_type=PDF_CONTENT_TYPE,
                    headers={**headers, "Content-Disposition": f'inline; filename="{_file_name(report)}"'})


@reports_blp.route("/<report_id>/sections/<section_key>", methods=["PUT"])
@reports_blp.raises(Forbidden, NotFound, r.FinishedReportIsFrozen, r.UnknownSection, r.InvalidReport)
@reports_blp.checks_if_match
@reports_blp.arguments(SectionTextSchema)
@reports_blp.response(200, ReportSchema, headers=openapi.ETAG)
def write_section(data, report_id, section_key):
    """Write a section's text

    The text of one section of a draft, in Markdown, with If-Match; an empty text removes it. The figures stay
    as they are. A finished report is frozen: 409 report_finished.
    """
    platform, principal = _platform(), current_principal()
    rs.write_section(platform, principal, report_id, section_key, data["text"], check_if_match)
    return _json(rs.read_report(platform, principal, report_id))


@reports_blp.route("/<report_id>/regenerate", methods=["POST"])
@reports_blp.raises(Forbidden, NotFound, r.FinishedReportIsFrozen)
@reports_blp.checks_if_match
@reports_blp.response(200, ReportSchema, headers=openapi.ETAG)
def regenerate(report_id):
    """Regenerate a draft's figures

    Takes the figures of the report's scope and year as they are now, with If-Match; the text stays. A finished
    report is frozen: 409 report_finished.
    """
    platform, principal = _platform(), current_principal()
    rs.regenerate(platform, principal, report_id, check_if_match)
    return _json(rs.read_report(platform, principal, report_id))


@reports_blp.route("/<report_id>/finish", methods=["POST"])
@reports_blp.raises(r.NotAllowedToFinish, NotFound, r.FinishedReportIsFrozen, r.FiguresMissing, r.ThresholdChanged)
@reports_blp.checks_if_match
@reports_blp.response(200, ReportSchema, headers=openapi.ETAG)
def finish(report_id):
    """Finish a report

    Freezes the draft you read (If-Match) with its figures, the charts drawn from them and its text, and who
    finished it and when; it never changes again, nor does the threshold for small counts its figures went by.
    When the tenant's threshold has changed since the figures were taken: 409 report_threshold_changed (take them
    anew first). For a förvaltningschef, kvalitetsutvecklare or administratör, and MAS or MAR for the
    patientsäkerhetsberättelse.
    """
    platform, principal = _platform(), current_principal()
    rs.finish(platform, principal, report_id, check_if_match)
    return _json(rs.read_report(platform, principal, report_id))


@reports_blp.route("/<report_id>/figures", methods=["GET"])
@reports_blp.arguments(ReportFiguresArgsSchema, location="query")
@reports_blp.raises(NotFound, UnknownTable)
@reports_blp.doc(**FIGURES_DOC)
def figures(args, report_id):
    """Export a report's figures

    The figures the report shows (as it stored them: a finished report's are frozen), as JSON or CSV: without
    `table`, every figure (JSON) or every value figure (CSV); with `table=<section>.<figure>`, that table (JSON:
    its columns and rows; CSV: a header of its column keys, then the rows). The case counts (sections deviations,
    lex_sarah, lex_maria, complaints_and_feedback) are suppressed as in the report: a count under the threshold,
    zero too, is the text `"< 5"` (with the report's threshold: `"< 10"` for 10), and a count hidden so that a
    small one cannot be worked out from the others, or a time over fewer cases than the threshold, is `".."`;
    every other value is a number (or null). The JSON says the rule in `suppression` (threshold, the two marks,
    the legend in Swedish).
    """
    report = rs.read_report(_platform(), current_principal(), report_id)
    document = report.figures or {"sections": []}
    if args["format"] == "csv":
        return Response(figures_csv(document, args.get("table")), content_type=CSV_CONTENT_TYPE)
    if not args.get("table"):
        return jsonify(document)
    section_key, figure_key = args["table"].split(".", 1)
    for section in document.get("sections") or ():
        for figure in section.get("figures") or () if section.get("key") == section_key else ():
            if figure.get("key") == figure_key and figure.get("type") == "table":
                return jsonify({"section": section_key, **figure})
    raise UnknownTable(f"Berättelsen har ingen tabell {args['table']}; ange <sektion>.<tabell>, t.ex. "
                       f"deviations.by_unit.", f"The report has no table {args['table']}; give <section>.<table>, "
                       f"e.g. deviations.by_unit.")


@reports_blp.route("/<report_id>/charts/<chart_key>", methods=["GET"])
@reports_blp.arguments(ChartArgsSchema, location="query")
@reports_blp.raises(NotFound, UnknownChart)
@reports_blp.response(200, ChartSchema)
@reports_blp.doc(**CHART_DOC)
def chart(args, report_id, chart_key):
    """Export a chart

    One chart of the report as it shows it (a finished report's as it was drawn then): JSON (title, description,
    SVG and its numbers as columns and rows), `format=csv` its numbers as CSV, `format=svg` the picture.
    """
    report = rs.read_report(_platform(), current_principal(), report_id)
    found = _charts(report).get(chart_key)
    if found is None:
        raise UnknownChart(f"Berättelsen har inget diagram {chart_key!r} (än).",
                           f"The report has no chart {chart_key!r} (yet).")
    if args["format"] == "csv":
        return Response(chart_csv(found.columns, found.rows), content_type=CSV_CONTENT_TYPE)
    if args["format"] == "svg":
        return Response(found.svg, content_type="image/svg+xml; charset=utf-8",
                        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
    return found.to_dict()


def chart_csv(columns, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue()
