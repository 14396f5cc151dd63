"""marshmallow schemas of the yearly reports' API: requests (unknown fields refused, sizes bounded) and answers."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from ordning_shared import fields as f

from .domain import reports as r

UNIT_ID = "27460a56-bb16-57e0-90af-507fac38efb8"
REPORT_ID = "6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
SECTION_KEYS = sorted({section.key for spec in r.DEFINITIONS.values() for section in spec.sections})
FORMATS = ["json", "html", "pdf"]


class ReportCreateSchema(Schema):
    kind = f.Choice([kind.value for kind in r.ReportKind], required=True, metadata={
        "description": "`quality_report` (kvalitetsberättelse) or `patient_safety_report` "
                       "(patientsäkerhetsberättelse).", "example": "quality_report"})
    scope_type = f.Choice([scope.value for scope in r.ScopeType], required=True, metadata={
        "description": "`administration` (a förvaltning, named by `unit_id`) or `municipality` (the whole "
                       "kommun; no `unit_id`).", "example": "administration"})
    unit_id = f.UUIDString(metadata={"description": "The förvaltning, for scope_type administration.",
                                     "example": UNIT_ID})
    year = f.BoundedInteger(r.YEAR_MIN, 2999, required=True, metadata={
        "description": "The year the report covers (1 January to 31 December); at most this year.",
        "example": 2026})


class SectionTextSchema(Schema):
    text = f.Text(max_length=r.SECTION_TEXT_MAX, required=True, metadata={
        "description": "The section's text, in Markdown (headings, lists, emphasis, links, tables; no raw HTML). "
                       "Empty removes it.", "example": "Året präglades av ...\n\n- Fler avvikelser rapporterades."})


class ReportGetArgsSchema(Schema):
    format = f.Choice(FORMATS, metadata={
        "description": "`json`, `html` (the report as a page, text/html) or `pdf` (application/pdf, for the "
                       "meeting). Left out: by the Accept header, JSON unless it asks for text/html or "
                       "application/pdf.", "example": "pdf"})


class ReportListArgsSchema(Schema):
    kind = f.Choice([kind.value for kind in r.ReportKind], metadata={"description": "Only this kind.",
                                                                    "example": "quality_report"})
    year = f.BoundedInteger(r.YEAR_MIN, 2999, strict=False, metadata={"description": "Only this year.",
                                                                      "example": 2026})
    status = f.Choice([status.value for status in r.ReportStatus], metadata={
        "description": "`draft` or `finished`.", "example": "finished"})
    unit_id = f.UUIDString(metadata={"description": "Only the reports of this förvaltning.", "example": UNIT_ID})


class ReportFiguresArgsSchema(Schema):
    format = f.Choice(["json", "csv"], load_default="json", metadata={
        "description": "`json` (the default) or `csv`: with `table`, that table; without, every value figure "
                       "(section, figure, title, value), one per line.", "example": "csv"})
    table = fields.String(validate=validate.Regexp(r"^[a-z_]{1,40}\.[a-z_0-9]{1,40}$"), metadata={
        "description": "One table `<section>.<figure>`, e.g. `deviations.by_unit`: with format=json the table as "
                       "JSON (columns and rows), with format=csv as CSV.", "example": "deviations.by_unit"})


class ChartArgsSchema(Schema):
    format = f.Choice(["json", "csv", "svg"], load_default="json", metadata={
        "description": "`json` (the default: title, description, SVG, numbers), `csv` (its numbers) or `svg`.",
        "example": "csv"})


class ReportSectionSchema(Schema):
    key = fields.String(metadata={"description": "The section's key.", "example": "avvikelser"})
    heading = fields.String(metadata={"description": "Its heading in the report.", "example": "Avvikelser"})
    guidance = fields.String(metadata={"description": "What the authors write in it.",
                                       "example": "Vad avvikelserna visar ..."})
    figures = fields.List(fields.String(), metadata={"description": "The figure sections it shows (their keys "
                                                                    "in `figures`).", "example": ["deviations"]})
    charts = fields.List(fields.String(), metadata={"description": "The charts it shows (their keys).",
                                                   "example": ["avvikelser_per_manad"]})
    text = fields.String(metadata={"description": "The authors' text (Markdown); empty when none is written.",
                                   "example": "Året präglades av ..."})


class ChartSchema(Schema):
    key = fields.String(metadata={"description": "The chart's key.", "example": "avvikelser_per_manad"})
    kind = fields.String(metadata={"description": "`bar`, `line` or `heat_map`.", "example": "bar"})
    title = fields.String(metadata={"description": "Its title.", "example": "Avvikelser per månad"})
    description = fields.String(metadata={"description": "What it shows, in words (its SVG desc).",
                                          "example": "Stapeldiagram med 12 staplar per serie; 2026: totalt 76 st."})
    svg = fields.String(metadata={"description": "The chart as SVG, as the page and the PDF show it.",
                                  "example": "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">…</svg>"})
    columns = fields.List(fields.String(), metadata={"description": "Its numbers as a table: the headings.",
                                                    "example": ["Månad", "2026"]})
    rows = fields.List(fields.List(fields.Raw()), metadata={
        "description": "Its numbers as a table: the rows. A suppressed count is its mark, as in the figures: "
                       "`\"< 5\"` or `\"..\"` (no bar is drawn for it).",
        "example": [["jan", 12], ["feb", "< 5"]]})


class ReportSummarySchema(Schema):
    id = fields.String(metadata={"description": "The report's id.", "example": REPORT_ID})
    kind = fields.String(metadata={"description": "The kind.", "example": "quality_report"})
    title = fields.String(metadata={"description": "The kind in Swedish.", "example": "Kvalitetsberättelse"})
    scope_type = fields.String(metadata={"description": "`administration` or `municipality`.",
                                         "example": "administration"})
    unit_id = fields.String(allow_none=True, metadata={"description": "The förvaltning; null for the municipality.",
                                                       "example": UNIT_ID})
    year = fields.Integer(metadata={"description": "The year it covers.", "example": 2026})
    status = fields.String(metadata={"description": "`draft` (figures can be regenerated, text edited) or "
                                                    "`finished` (frozen).", "example": "draft"})
    due = fields.Date(allow_none=True, metadata={"description": "The day it must be available (the "
                                                               "patientsäkerhetsberättelse: 1 March after).",
                                                "example": "2027-03-01"})
    figures_generated_at = f.AwareDateTime(allow_none=True, metadata={"description": "When its figures were taken."})
    created_at = f.AwareDateTime(metadata={"description": "When it was created."})
    finished_at = f.AwareDateTime(allow_none=True, metadata={"description": "When it was finished; null in draft."})
    finished_by = fields.String(allow_none=True, metadata={"description": "Who finished it (user id).",
                                                           "example": "frida"})
    finished_by_name = fields.String(allow_none=True, metadata={"description": "Their name, as the report shows.",
                                                                "example": "Frida Förvaltningschef"})
    version = fields.Integer(metadata={"description": "Its version; the ETag carries it.", "example": 3})
    may_edit = fields.Boolean(metadata={"description": "Whether you may write its text and regenerate it now.",
                                        "example": True})
    may_finish = fields.Boolean(metadata={"description": "Whether you may finish it now.", "example": False})


class ReportSchema(ReportSummarySchema):
    sections = fields.List(fields.Nested(ReportSectionSchema), metadata={"description": "Its sections, in order."})
    # Stored as the figures API answered (GET /api/v1/figures, its FiguresSchema), dates already as text.
    figures = fields.Dict(allow_none=True, metadata={
        "description": "The figures it shows: the figures API's answer (tenant, scope, period, today, sections) "
                       "when they were taken (a finished report: frozen), and `previous_year` (period and "
                       "sections): the deviations of the year before, for the trend. The case counts (sections "
                       "deviations, lex_sarah, lex_maria, complaints_and_feedback, and `compilations.providers`) "
                       "are suppressed, so that no one can be picked out of the nämnd's document: a count under "
                       "the threshold, zero too, is the string `\"< 5\"` (`\"< N\"` for the threshold N), a count "
                       "hidden so that a small one cannot be worked out from the others, or a time over fewer "
                       "cases than the threshold, is `\"..\"`; a lex table lists the units with at least N cases "
                       "and the others as one row, `Övriga enheter` (unit_id null). `suppression` says the rule the "
                       "figures went by (`threshold`, `small`, `protected`, `text_sv`): the tenant's threshold "
                       "when they were taken, kept with a finished report whatever the setting becomes.",
        "example": {"tenant": "0138", "period": {"from": "2026-01-01", "to": "2026-12-31"}, "sections": [
            {"key": "lex_sarah", "title_sv": "Lex Sarah (missförhållanden)", "status": "filled", "note": None,
             "figures": [{"key": "reported", "title_sv": "Anmälda", "type": "value", "value": "< 5", "note": None}]}],
            "compilations": {"providers": {"cases_at_providers": "< 5", "cases_in_own_units": "..",
                                           "providers_with_cases": 1}},
            "suppression": {"threshold": 5, "small": "< 5", "protected": "..",
                            "text_sv": "'< 5': färre än 5 ärenden (noll inräknat). '..': dolt för att ett litet "
                                       "antal inte ska kunna räknas fram ur de andra siffrorna, eller en tid som "
                                       "bygger på färre än 5 ärenden."}}})
    charts = fields.List(fields.Nested(ChartSchema), metadata={
        "description": "Its charts: a finished report's as they were drawn when it was finished, a draft's drawn "
                       "from its figures now."})


class ReportListSchema(Schema):
    items = fields.List(fields.Nested(ReportSummarySchema), metadata={"description": "The reports, newest year "
                                                                                     "first."})
