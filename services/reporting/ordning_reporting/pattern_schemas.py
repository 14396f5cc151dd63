"""marshmallow schemas of the patterns and volumes API: queries and bodies (unknown fields refused, sizes bounded)
and answers."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate
from ordning_shared import fields as f

from .domain.figures import KINDS
from .domain.patterns import MEASURE_PATTERN, VOLUME_MAX
from .schemas import UNIT_ID, PeriodSchema, ScopeSchema

MONTH_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"
MEASURE_FIELD = {"validate": validate.Regexp(MEASURE_PATTERN.pattern), "metadata": {
    "description": "The volume measure: a code of the tenant's own (brukare, varddygn, hemtjanstimmar ...).",
    "example": "varddygn"}}


def _unit_id(description: str):
    return f.UUIDString(metadata={"description": description, "example": UNIT_ID})


SCOPE_UNIT = ("The unit, verksamhetsområde or förvaltning: it and every unit below it. Left out: the whole "
              "municipality (for a role at its top level).")


def _format(csv_rows: str):
    return f.Choice(["json", "csv"], load_default="json", metadata={
        "description": f"`json` (the default) or `csv`: {csv_rows}, the column keys as the header.",
        "example": "csv"})


class TrendsArgsSchema(Schema):
    unit_id = _unit_id(SCOPE_UNIT)
    date_from = f.Date(data_key="from", metadata={
        "description": "The first month (any day of it); left out: January of the year of `to`, or of this year.",
        "example": "2026-01-01"})
    date_to = f.Date(data_key="to", metadata={
        "description": "The last month (any day of it); left out: December of the year of `from`, or of this year.",
        "example": "2026-12-31"})
    format = _format("one line per series and month")


class FlagsArgsSchema(Schema):
    unit_id = _unit_id(SCOPE_UNIT)
    month = fields.String(validate=validate.Regexp(MONTH_PATTERN), metadata={
        "description": "The month examined (YYYY-MM); left out: the last whole month.", "example": "2026-10"})
    kind = fields.List(f.Choice(list(KINDS)), validate=validate.Length(max=len(KINDS)), metadata={
        "description": "Only cases of these kinds (repeat the parameter); left out: every kind.",
        "example": ["avvikelse"]})
    format = _format("one line per flagged unit and category")


class ProvidersArgsSchema(Schema):
    unit_id = _unit_id(SCOPE_UNIT)
    year = f.BoundedInteger(2000, 2100, strict=False, metadata={
        "description": "The year; left out: this year.", "example": 2026})
    measure = fields.String(**MEASURE_FIELD)
    format = _format("one line per group (egen regi, privat regi), then one per unit and provider")


class VolumesArgsSchema(Schema):
    unit_id = _unit_id("Only this unit's volumes.")
    year = f.BoundedInteger(2000, 2100, strict=False, metadata={"description": "Only this year's.", "example": 2026})
    measure = fields.String(**MEASURE_FIELD)
    format = _format("one line per volume")


def _within_bounds(value) -> None:
    if not 0 < value <= VOLUME_MAX:
        raise ValidationError("Volymen ska vara större än 0 och högst 999 999 999 999,99. "
                              "The volume must be above 0 and at most 999,999,999,999.99.")


class VolumeBodySchema(Schema):
    # A plain validator, not Range: apispec writes a Decimal field's bounds as strings, which OpenAPI refuses.
    value = fields.Decimal(required=True, allow_nan=False, places=None, validate=_within_bounds, metadata={
                               "description": "The volume: a number above 0 with at most two decimals (a number "
                                              "or a decimal string).", "example": "36500"})


class VolumeSchema(Schema):
    unit_id = fields.String(metadata={"description": "The unit.", "example": UNIT_ID})
    measure = fields.String(metadata={"description": "The measure's code.", "example": "varddygn"})
    year = fields.Integer(metadata={"description": "The year.", "example": 2026})
    value = fields.Decimal(as_string=True, metadata={"description": "The volume, as an exact decimal string.",
                                                     "example": "36500.00"})
    version = fields.Integer(metadata={"description": "Its version (the ETag's number).", "example": 1})
    changed_at = f.AwareDateTime(metadata={"description": "When it was last recorded.",
                                           "example": "2026-11-24T08:00:00+01:00"})


class VolumeListSchema(Schema):
    items = fields.List(fields.Nested(VolumeSchema), metadata={"description": "The volumes, by year, measure, unit."})


class MonthChangeSchema(Schema):
    month = fields.String(metadata={"description": "The month (YYYY-MM).", "example": "2026-03"})
    count = fields.Integer(metadata={"description": "Its count.", "example": 12})
    previous_month = fields.Integer(allow_none=True, metadata={"description": "The month before's count.",
                                                               "example": 9})
    change_month = fields.Integer(allow_none=True, metadata={"description": "Change from the month before.",
                                                             "example": 3})
    change_month_pct = fields.Float(allow_none=True, metadata={
        "description": "The change in percent; null when the month before had none.", "example": 33.3})
    same_month_last_year = fields.Integer(allow_none=True, metadata={"description": "The count a year before.",
                                                                     "example": 10})
    change_year = fields.Integer(allow_none=True, metadata={"description": "Change from a year before.",
                                                            "example": 2})
    change_year_pct = fields.Float(allow_none=True, metadata={
        "description": "The change in percent; null when a year before had none.", "example": 20.0})


class SeriesSchema(Schema):
    key = fields.String(metadata={"description": "What is counted: deviations.<kind>, deviations.all, "
                                                 "actions.created, actions.done.", "example": "deviations.all"})
    title_sv = fields.String(metadata={"description": "Its heading.", "example": "Alla ärenden"})
    months = fields.List(fields.Nested(MonthChangeSchema), metadata={"description": "Each month of the period."})


class TrendsSchema(Schema):
    tenant = fields.String(metadata={"description": "The municipality.", "example": "0138"})
    scope = fields.Nested(ScopeSchema, metadata={"description": "Whose figures."})
    period = fields.Nested(PeriodSchema, metadata={"description": "The period, widened to whole months."})
    series = fields.List(fields.Nested(SeriesSchema), metadata={"description": "The series."})
    note_sv = fields.String(metadata={"description": "How to read it.", "example": "Hela månader."})


class RuleSchema(Schema):
    text_sv = fields.String(metadata={"description": "The rule, in Swedish.", "example": "En enhet flaggas när ..."})
    text_en = fields.String(metadata={"description": "The rule, in English.", "example": "A unit is flagged when ..."})
    min_cases = fields.Integer(metadata={"description": "The least count a flagged month has.", "example": 5})
    history_months = fields.Integer(metadata={"description": "The months of history compared with.",
                                              "example": 12})
    sd_factor = fields.Integer(metadata={"description": "Standard deviations above the mean.", "example": 2})


class StandingSchema(Schema):
    unit_id = fields.String(metadata={"description": "The unit (units only).", "example": UNIT_ID})
    unit_name = fields.String(allow_none=True, metadata={"description": "Its name (units only).",
                                                         "example": "Hemtjänst Norr"})
    unit_kind = fields.String(allow_none=True, metadata={"description": "Its kind (units only).", "example": "unit"})
    category_id = fields.String(allow_none=True, metadata={"description": "The category (categories only); null: "
                                                                          "cases without a category.",
                                                           "example": "c0000000-0000-0000-0000-000000000001"})
    count = fields.Integer(metadata={"description": "The month's count.", "example": 9})
    mean = fields.Float(metadata={"description": "Mean of the months before.", "example": 2.1})
    sd = fields.Float(metadata={"description": "Their standard deviation.", "example": 1.2})
    threshold = fields.Float(metadata={"description": "mean + sd_factor·sd.", "example": 4.5})
    flagged = fields.Boolean(metadata={"description": "Whether the rule flags it.", "example": True})


class ExaminedSchema(Schema):
    units = fields.Integer(metadata={"description": "Units with cases in the window.", "example": 40})
    categories = fields.Integer(metadata={"description": "Categories with cases in the window.", "example": 12})


class FlagsSchema(Schema):
    tenant = fields.String(metadata={"description": "The municipality.", "example": "0138"})
    scope = fields.Nested(ScopeSchema, metadata={"description": "Whose figures."})
    month = fields.String(metadata={"description": "The month examined.", "example": "2026-10"})
    kinds = fields.List(fields.String(), metadata={"description": "The kinds of cases counted.",
                                                   "example": ["avvikelse", "lex_sarah"]})
    rule = fields.Nested(RuleSchema, metadata={"description": "The rule that flags."})
    examined = fields.Nested(ExaminedSchema, metadata={"description": "How many were examined."})
    units = fields.List(fields.Nested(StandingSchema), metadata={"description": "The flagged units, most above "
                                                                               "their threshold first."})
    categories = fields.List(fields.Nested(StandingSchema), metadata={"description": "The flagged categories."})


class ProviderRowSchema(Schema):
    unit_id = fields.String(metadata={"description": "The unit.", "example": UNIT_ID})
    unit_name = fields.String(allow_none=True, metadata={"description": "Its name.", "example": "Hemtjänst Norr"})
    unit_kind = fields.String(metadata={"description": "unit or external_provider.", "example": "unit"})
    regi = fields.String(metadata={"description": "in_house (egen regi) or external (privat regi).",
                                   "example": "in_house"})
    regi_sv = fields.String(metadata={"description": "The same in Swedish.", "example": "Egen regi"})
    total = fields.Integer(metadata={"description": "Cases reported in the year.", "example": 12})
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Cases per kind.", "example": {"avvikelse": 10, "lex_sarah": 1}})
    volume = fields.Float(allow_none=True, metadata={"description": "The volume recorded; null when none.",
                                                     "example": 36500})
    rate_total = fields.Float(allow_none=True, metadata={"description": "Cases per 1,000 of the volume; null "
                                                                        "without a volume.", "example": 0.33})
    rate_by_kind = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True), metadata={
        "description": "Cases per kind per 1,000 of the volume (null without a volume).",
        "example": {"avvikelse": 0.27, "lex_sarah": 0.03}})


class ProviderGroupSchema(Schema):
    regi = fields.String(metadata={"description": "in_house or external.", "example": "external"})
    regi_sv = fields.String(metadata={"description": "In Swedish.", "example": "Privat regi (extern utförare)"})
    units = fields.Integer(metadata={"description": "Units in the group.", "example": 3})
    units_with_volume = fields.Integer(metadata={"description": "Of them with a volume recorded.", "example": 2})
    total = fields.Integer(metadata={"description": "Cases of the group's units.", "example": 20})
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Cases per kind.", "example": {"avvikelse": 10, "lex_sarah": 1}})
    volume = fields.Float(allow_none=True, metadata={"description": "The volume of the units that have one.",
                                                     "example": 73000})
    rate_total = fields.Float(allow_none=True, metadata={"description": "Cases of the units with a volume per "
                                                                        "1,000 of it.", "example": 0.27})


class ProvidersSchema(Schema):
    tenant = fields.String(metadata={"description": "The municipality.", "example": "0138"})
    scope = fields.Nested(ScopeSchema, metadata={"description": "Whose figures."})
    year = fields.Integer(metadata={"description": "The year.", "example": 2026})
    measure = fields.String(allow_none=True, metadata={"description": "The volume measure asked for.",
                                                       "example": "varddygn"})
    measure_sv = fields.String(allow_none=True, metadata={"description": "Its Swedish name, when known.",
                                                          "example": "vårddygn"})
    groups = fields.List(fields.Nested(ProviderGroupSchema), metadata={"description": "Egen regi, privat regi."})
    units = fields.List(fields.Nested(ProviderRowSchema), metadata={"description": "Each unit and provider."})
    note_sv = fields.String(metadata={"description": "How to read it.", "example": "Hela månader."})
