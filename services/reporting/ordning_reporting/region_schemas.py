"""marshmallow schemas of the region view: a municipality's consent, a tenant's threshold, the region's figures."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from ordning_shared import fields as f

from .domain.region import REGION_CODE
from .domain.suppression import MAX_THRESHOLD, MIN_THRESHOLD
from .schemas import PeriodSchema


class ConsentInSchema(Schema):
    region = fields.String(required=True, validate=validate.Regexp(REGION_CODE.pattern), metadata={
        "description": "The region (länskod) the municipality agrees to be shown to: its own län, the first two "
                       "digits of its kommunkod.", "example": "22"})


class ConsentSchema(Schema):
    tenant = fields.String(metadata={"description": "The municipality (kommunkod).", "example": "2281"})
    region = fields.String(metadata={"description": "Its region (länskod).", "example": "22"})
    agreed = fields.Boolean(metadata={"description": "Whether the municipality is shown to the region now.",
                                      "example": True})
    agreed_by = fields.String(allow_none=True, metadata={
        "description": "The user id (the identity provider's subject) of the administratör who agreed.",
        "example": "a.admin"})
    agreed_at = f.AwareDateTime(allow_none=True, metadata={"description": "When they agreed."})
    withdrawn_by = fields.String(allow_none=True, metadata={
        "description": "The user id of the administratör who withdrew it; null while it holds.", "example": None})
    withdrawn_at = f.AwareDateTime(allow_none=True, metadata={"description": "When it was withdrawn."})
    version = fields.Integer(metadata={"description": "The record's version (0: never agreed); its ETag is what "
                                                      "If-Match needs.", "example": 1})


class ThresholdInSchema(Schema):
    threshold = f.BoundedInteger(MIN_THRESHOLD, MAX_THRESHOLD, required=True, metadata={
        "description": f"Counts under it are shown as '< threshold' where figures of several tenants or of small "
                       f"units are shown together ({MIN_THRESHOLD} to {MAX_THRESHOLD}).", "example": 5})


class ThresholdSchema(Schema):
    threshold = fields.Integer(metadata={"description": "The tenant's threshold for small counts.", "example": 5})
    default = fields.Boolean(metadata={"description": "True while the tenant has not set its own (5).",
                                       "example": True})
    version = fields.Integer(metadata={"description": "The setting's version (0: the default).", "example": 0})


class RegionArgsSchema(Schema):
    year = f.BoundedInteger(2000, 2100, strict=False, metadata={
        "description": "The calendar year (this year, up to today, when left out).", "example": 2026})
    format = f.Choice(["json", "csv"], load_default="json", metadata={
        "description": "`json` (the default) or `csv`: every figure, one line per figure or table row, a column "
                       "per municipality.", "example": "json"})


class RegionFigureSchema(Schema):
    key = fields.String(metadata={"description": "The figure's key in its section (as in /api/v1/figures).",
                                  "example": "total"})
    title_sv = fields.String(metadata={"description": "What it counts.", "example": "Anmälda ärenden"})
    type = fields.String(metadata={"description": "`value`: a value per municipality (`by_municipality`); `table`: `rows`, each "
                                                  "with its row key and a value per municipality.",
                                   "example": "value"})
    by_municipality = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), metadata={
        "description": "By kommunkod: the count, '< 5' (fewer than the threshold, zero included), '..' (hidden so "
                       "that a small count cannot be worked out, or a time over fewer cases than the threshold), "
                       "or null (nothing to count yet).", "example": {"2281": 42, "2262": "< 5"}})
    row_key = fields.String(metadata={"description": "A table's row key column.", "example": "kind"})
    rows = fields.List(fields.Dict(), metadata={
        "description": "A table's rows: the row key, its label, and a value per kommunkod.",
        "example": [{"kind": "lex_maria", "label_sv": "Lex Maria", "2281": "< 5", "2262": 7}]})
    note = fields.String(allow_none=True, metadata={"description": "How to read it.",
                                                    "example": "Visas för en kommun med minst 5 ärenden."})


class RegionSectionSchema(Schema):
    key = fields.String(metadata={"description": "The section's key (as in /api/v1/figures).",
                                  "example": "deviations"})
    title_sv = fields.String(metadata={"description": "Its heading.", "example": "Avvikelser"})
    status = fields.String(metadata={"description": "`filled`; `pending` (its events are not received yet); "
                                                    "`not_in_region_view` (not shown across tenants yet).",
                                     "example": "filled"})
    note = fields.String(allow_none=True, metadata={"description": "How to read it.", "example": None})
    figures = fields.List(fields.Nested(RegionFigureSchema), metadata={"description": "Its figures."})


class LegendSchema(Schema):
    small = fields.String(metadata={"description": "How a count under the threshold is shown.", "example": "< 5"})
    protected = fields.String(metadata={"description": "How a figure hidden to protect a small count is shown.",
                                        "example": ".."})
    text_sv = fields.String(metadata={"description": "The legend, in Swedish.",
                                      "example": "'< 5': färre än 5 ärenden (noll inräknat)."})


class MunicipalitySchema(Schema):
    tenant = fields.String(metadata={"description": "The municipality (kommunkod).", "example": "2281"})
    agreed_at = f.AwareDateTime(metadata={"description": "When it agreed to be shown."})


class RegionFiguresSchema(Schema):
    region = fields.String(metadata={"description": "The region (länskod).", "example": "22"})
    year = fields.Integer(metadata={"description": "The calendar year.", "example": 2026})
    period = fields.Nested(PeriodSchema, metadata={"description": "Its days counted (this year: up to today)."})
    today = fields.Date(metadata={"description": "The day the figures were computed.", "example": "2026-11-24"})
    threshold = fields.Integer(metadata={"description": "The highest threshold of the region and the "
                                                        "municipalities shown.", "example": 5})
    legend = fields.Nested(LegendSchema, metadata={"description": "What '< 5' and '..' mean."})
    municipalities = fields.List(fields.Nested(MunicipalitySchema), metadata={
        "description": "The municipalities of the län that agree to be shown, by kommunkod."})
    sections = fields.List(fields.Nested(RegionSectionSchema), metadata={"description": "The sections, in order."})
