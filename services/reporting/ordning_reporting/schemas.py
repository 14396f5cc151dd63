"""marshmallow schemas of the figures API: the query (unknown fields refused) and the answer."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from ordning_shared import fields as f

from .domain.registry import SECTIONS  # every section, those of the later read models too

UNIT_ID = "27460a56-bb16-57e0-90af-507fac38efb8"
TABLE_PATTERN = r"^[a-z_]{1,40}\.[a-z_0-9]{1,40}$"


class FiguresArgsSchema(Schema):
    unit_id = f.UUIDString(metadata={
        "description": "The unit, verksamhetsområde or förvaltning: its figures and those of every unit below it. "
                       "Left out: the whole municipality (for a role at its top level).", "example": UNIT_ID})
    date_from = f.Date(data_key="from", metadata={
        "description": "The period's first day (Swedish calendar); left out: 1 January of the year of `to`, or of "
                       "this year.", "example": "2026-01-01"})
    date_to = f.Date(data_key="to", metadata={
        "description": "The period's last day, included; left out: 31 December of the year of `from`, or of this "
                       "year. At most 10 years after `from`.", "example": "2026-12-31"})
    section = fields.List(f.Choice(list(SECTIONS)), validate=validate.Length(max=len(SECTIONS)), metadata={
        "description": "Only these sections (repeat the parameter); left out: every section.",
        "example": ["deviations"]})
    format = f.Choice(["json", "csv"], load_default="json", metadata={
        "description": "`json` (the default) or `csv`: with `table`, that table (its columns as the header); "
                       "without, every value figure (section, figure, title, value), one per line.",
        "example": "json"})
    table = fields.String(validate=validate.Regexp(TABLE_PATTERN), metadata={
        "description": "With format=csv: the table `<section>.<figure>`, e.g. `deviations.by_unit`.",
        "example": "deviations.by_kind"})


class ColumnSchema(Schema):
    key = fields.String(metadata={"description": "The column's key in each row.", "example": "reported"})
    title_sv = fields.String(metadata={"description": "Its heading.", "example": "Anmälda"})


class FigureSchema(Schema):
    key = fields.String(metadata={"description": "The figure's key, stable within its section.", "example": "total"})
    title_sv = fields.String(metadata={"description": "What it counts.", "example": "Anmälda ärenden"})
    type = fields.String(metadata={"description": "`value` (a number in `value`) or `table` (`columns`, `rows`).",
                                   "example": "value"})
    value = fields.Raw(allow_none=True, metadata={
        "description": "A value figure's number; null when there is nothing to count yet (a section still pending, "
                       "a mean of no cases).", "example": 12})
    columns = fields.List(fields.Nested(ColumnSchema), metadata={"description": "A table's columns."})
    rows = fields.List(fields.Dict(), metadata={"description": "A table's rows: one object per row, by column key.",
                                                "example": [{"kind": "lex_sarah", "label_sv": "Lex Sarah", "reported": 3}]})
    note = fields.String(allow_none=True, metadata={"description": "How to read it, where that needs saying.",
                                                    "example": None})


class SectionSchema(Schema):
    key = fields.String(metadata={"description": "The section's key (stable).", "example": "deviations"})
    title_sv = fields.String(metadata={"description": "Its heading.", "example": "Avvikelser"})
    status = fields.String(metadata={
        "description": "`filled`, or `pending`: defined, but the events that fill it are not received yet.",
        "example": "filled"})
    note = fields.String(allow_none=True, metadata={
        "description": "How to read it.",
        "example": "Fylls när rapporttjänsten tar emot händelserna om kvalitetsmål (se.ordning.goal.*); till dess är "
                   "värdena tomma (null)."})
    figures = fields.List(fields.Nested(FigureSchema), metadata={"description": "Its figures."})


class ScopeSchema(Schema):
    unit_id = fields.String(allow_none=True, metadata={"description": "The unit asked for; null: the municipality.",
                                                       "example": UNIT_ID})
    unit_name = fields.String(allow_none=True, metadata={"description": "Its name.", "example": "Hemtjänst Norr"})
    unit_kind = fields.String(allow_none=True, metadata={"description": "Its kind in the org tree.",
                                                         "example": "unit"})
    units = fields.Integer(metadata={"description": "How many units the figures count (it and those below).",
                                     "example": 1})


class PeriodSchema(Schema):
    # Period.to_dict's keys are "from" and "to": without `attribute` the answer's period was empty.
    date_from = fields.Date(data_key="from", attribute="from", metadata={"description": "The first day.",
                                                                         "example": "2026-01-01"})
    date_to = fields.Date(data_key="to", attribute="to", metadata={"description": "The last day.",
                                                                   "example": "2026-12-31"})


class FiguresSchema(Schema):
    tenant = fields.String(metadata={"description": "The municipality (kommunkod).", "example": "0138"})
    scope = fields.Nested(ScopeSchema, metadata={"description": "Whose figures."})
    period = fields.Nested(PeriodSchema, metadata={"description": "The period."})
    today = fields.Date(metadata={"description": "The day the figures were computed (overdue counts against it).",
                                  "example": "2026-11-24"})
    sections = fields.List(fields.Nested(SectionSchema), metadata={"description": "The sections, in order."})
