"""A yearly report as one HTML document (Swedish, print CSS for A4) and the PDF made from that same HTML.

The HTML is rendered from the Jinja templates shipped in the package (templates/report.html); the PDF by
WeasyPrint from the same string, so the screen and the meeting's paper show the same figures and charts (the
charts are inline SVG, see charts.py). The authors' text is Markdown rendered by the platform's safe renderer
(no raw HTML, no script, no unsafe link); its headings are moved down under the section's own.

The document is self-contained: WeasyPrint may fetch nothing (no file, no URL), so a link in an author's text
cannot make the server read a file or call another host while it renders.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ordning_shared.markdown import render as render_markdown

from ordning_shared.charts import Chart, format_number

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december")
_HEADING = re.compile(r"<(/?)h([1-6])>")
_HEADING_LEVEL = re.compile(r"<h([1-6])>")


# --------------------------------------------------------------------------
# What the template shows
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: object  # a number, or None when it cannot be computed (shown as "–")
    note: str = ""


@dataclass(frozen=True)
class FigureTable:
    """A table of figures: its caption, column headings, and rows (the first cell names the row)."""
    key: str
    caption: str
    columns: tuple
    rows: tuple
    context: str = ""  # what the caption alone leaves out (the chart's or the figure section's title), for the
    # accessible name of the table's scrolling box, unique on the page


@dataclass(frozen=True)
class FigureGroup:
    """The figures of one figure section (of the figures API) as a report's section shows them."""
    key: str
    heading: str
    key_figures: tuple[KeyFigure, ...] = ()
    tables: tuple[FigureTable, ...] = ()
    notes: tuple[str, ...] = ()                 # e.g. "Fylls när rapporttjänsten tar emot händelserna om ..."


@dataclass(frozen=True)
class SectionView:
    number: int
    key: str
    heading: str
    guidance: str
    text: str = ""                              # the authors' Markdown
    groups: tuple[FigureGroup, ...] = ()
    charts: tuple[Chart, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def anchor(self) -> str:
        return f"avsnitt-{self.key.replace('_', '-')}"

    @property
    def text_html(self) -> Markup:
        return markdown_html(self.text)


@dataclass(frozen=True)
class ReportView:
    title: str                   # "Kvalitetsberättelse"
    year: int
    scope_name: str              # "Socialförvaltningen" or "Tyresö kommun"
    finished: bool
    sections: tuple[SectionView, ...]
    period_from: date | None = None
    period_to: date | None = None
    figures_generated_at: datetime | None = None
    finished_at: datetime | None = None
    finished_by_name: str | None = None
    due: date | None = None
    report_id: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def document_title(self) -> str:
        return f"{self.title} {self.year} – {self.scope_name}"


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

def markdown_html(text: str) -> Markup:
    """The authors' Markdown as safe HTML, its headings under the section's h2: the text's highest heading
    becomes an h3 (whether the author wrote # or ##), the others keep their steps below it."""
    if not text or not text.strip():
        return Markup("")
    html = render_markdown(text)  # raw HTML is off: every tag in the output is the renderer's own
    levels = [int(level) for level in _HEADING_LEVEL.findall(html)]
    if not levels:
        return Markup(html)
    shift = 3 - min(levels)
    return Markup(_HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift)}>", html))


def date_sv(value) -> str:
    """1 mars 2027."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = _local(value).date()
    return f"{value.day} {MONTHS_SV[value.month - 1]} {value.year}"


def datetime_sv(value: datetime | None) -> str:
    """1 mars 2027 kl. 14.05 (Swedish time)."""
    if value is None:
        return "–"
    local = _local(value)
    return f"{date_sv(local.date())} kl. {local:%H.%M}"


def _local(value: datetime) -> datetime:
    return value.astimezone(STOCKHOLM) if value.tzinfo else value


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, (int, float)):
        return format_number(value)
    return str(value)


def chart_table(chart: Chart) -> FigureTable:
    """The chart's numbers as a table; a short series of months reads better across the page (one row per
    series), a long list (units) down it."""
    caption = "Siffrorna i diagrammet"
    key = f"diagram-{chart.key}"
    if chart.kind != "heat_map" and len(chart.rows) <= 12 and len(chart.columns) <= 4:
        columns = (chart.columns[0], *(row[0] for row in chart.rows))
        rows = tuple((label, *(row[i] for row in chart.rows)) for i, label in enumerate(chart.columns[1:], 1))
        return FigureTable(key, caption, columns, rows, chart.title)
    return FigureTable(key, caption, chart.columns, chart.rows, chart.title)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("ordning_reporting", "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["cell"] = _cell
    env.filters["date_sv"] = date_sv
    env.filters["datetime_sv"] = datetime_sv
    env.filters["chart_table"] = chart_table
    env.filters["svg"] = lambda chart: Markup(chart.svg)  # charts.py escapes every text it writes
    return env


def render_html(view: ReportView) -> str:
    return environment().get_template("report.html").render(report=view)


def render_pdf(html: str) -> bytes:
    """The PDF of the report's HTML (A4, page numbers from the print CSS)."""
    import weasyprint  # imported here: loading pango takes a moment, and only the PDF needs it
    from weasyprint.urls import URLFetcher

    # No protocol allowed: the document holds all it shows, so nothing is fetched while it renders.
    fetcher = URLFetcher(allowed_protocols=())
    return weasyprint.HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf()


__all__ = ["KeyFigure", "FigureTable", "FigureGroup", "SectionView", "ReportView", "markdown_html", "date_sv", "datetime_sv",
           "chart_table", "environment", "render_html", "render_pdf"]
