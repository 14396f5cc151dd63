"""marshmallow schemas: requests, responses. Unknown fields are rejected (marshmallow's RAISE); input is parsed
with the platform's fields (ordning_shared.fields): text bounded and free of control characters, strict booleans,
bounded integers and dates."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from ordning_shared import fields as f
from ordning_shared import pagination
from ordning_shared import actions
from ordning_shared.actions import ActionSchema

from . import domain as d
from .db import PROPOSAL_SORT_COLUMNS, SORT_COLUMNS
from .domain import proposal as dp

ANALYSIS_ID = "5b7e2c1a-9d3f-4e8b-a6c4-2f1e0d9c8b7a"
RISK_ID = "8c4d2e6f-1a3b-4c5d-9e7f-0a1b2c3d4e5f"
SCORING_ID = "2d9c8b7a-6e5f-4a3b-8c1d-0e9f8a7b6c5d"
ESCALATION_ID = "7f6e5d4c-3b2a-4190-8e7d-6c5b4a3f2e1d"
UNIT_ID = "27460a56-bb16-57e0-90af-507fac38efb8"
ADMINISTRATION_ID = "0f9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c"
STATUSES = [s.value for s in d.AnalysisStatus]
SCOPE_TYPES = [s.value for s in d.ScopeType]
TRIGGERS = [t.value for t in d.Trigger]
CHANGE_KINDS = [c.value for c in d.ChangeKind]
STATUS = ("The analysis's status: draft (utkast), in_progress (pågår), completed (slutförd) or followed_up "
          "(uppföljd).")
SCOPE_TYPE = ("What is analysed: unit (an enhet), administration (a förvaltning), process (a huvudprocess) or "
              "subprocess (a delprocess).")
TRIGGER = ("Why it is analysed: yearly (the yearly risk analysis), new_process, larger_change (name it in "
           "trigger_change), deviations_elsewhere (deviations that may happen at other units), serious_deviation "
           "(a serious deviation, lex Sarah or lex Maria, analysed as a risk) or other (explain in trigger_note).")
TRIGGER_CHANGE = ("For a larger_change only: new_method, reorganisation, summer_staffing (sommarbemanning) or "
                  "new_it_system.")
LEVEL_CODE_PATTERN = d.matrix.LEVEL_CODE.pattern


# --------------------------------------------------------------------------
# The matrix
# --------------------------------------------------------------------------

class StepSchema(Schema):
    value = f.BoundedInteger(1, 99, required=True, metadata={
        "description": "The step's number, 1 for the lowest; the steps are numbered 1, 2, 3... in order.",
        "example": 1})
    label = f.Name(required=True, max_length=100, metadata={"description": "The step's name.",
                                                            "example": "Mycket liten"})
    description = f.Text(max_length=500, load_default="", metadata={
        "description": "What the step means, to help who scores; may be empty.",
        "example": "Det är mycket osannolikt att det inträffar."})


class LevelSchema(Schema):
    code = f.Name(required=True, max_length=40, validate=validate.Regexp(
        LEVEL_CODE_PATTERN, error="Ska vara gemena a-z, siffror och _. Must be lower-case a-z, digits and _."),
        metadata={"description": "The level's code: lower-case letters a-z, digits and _, starting with a letter.",
                  "example": "hog"})
    label = f.Name(required=True, max_length=100, metadata={"description": "The level's name, shown to users.",
                                                            "example": "Hög"})
    colour = f.Name(required=True, max_length=7, metadata={
        "description": "The level's colour as #rrggbb.", "example": "#ef6c00"})


class CellSchema(Schema):
    probability = f.BoundedInteger(1, 99, required=True, metadata={
        "description": "The probability (sannolikhet) step of the cell.", "example": 3})
    consequence = f.BoundedInteger(1, 99, required=True, metadata={
        "description": "The consequence (konsekvens) step of the cell.", "example": 3})
    level = f.Name(required=True, max_length=40, metadata={"description": "The code of the cell's level.",
                                                           "example": "hog"})


class RiskMatrixSchema(Schema):
    """The tenant's risk matrix: steps, levels, every cell's level and the plan threshold."""

    probability_steps = fields.List(fields.Nested(StepSchema), required=True, validate=validate.Length(max=10),
                                    metadata={"description": "The probability (sannolikhet) steps, lowest first: "
                                                             "3 to 5."})
    consequence_steps = fields.List(fields.Nested(StepSchema), required=True, validate=validate.Length(max=10),
                                    metadata={"description": "The consequence (konsekvens) steps, lowest first: "
                                                             "3 to 5."})
    levels = fields.List(fields.Nested(LevelSchema), required=True, validate=validate.Length(max=10), metadata={
        "description": "The risk levels (risknivåer), lowest first: 2 to 6, each code once."})
    cells = fields.List(fields.Nested(CellSchema), required=True, validate=validate.Length(max=50), metadata={
        "description": "The level of every cell: one entry per probability × consequence, no gap, no cell twice."})
    plan_threshold = f.Name(required=True, max_length=40, metadata={
        "description": "The code of the lowest level whose risks go into the risk treatment plan "
                       "(riskhanteringsplan).", "example": "hog"})
    version = fields.Integer(dump_only=True, metadata={
        "description": "The matrix's version, counted from 1; every change makes a new one. Its ETag is "
                       "\"risk-matrix.<version>\".", "example": 2})
    created_at = f.AwareDateTime(dump_only=True, metadata={
        "description": "When this version was made.", "example": "2026-03-04T11:00:00+01:00"})
    created_by = fields.String(dump_only=True, metadata={
        "description": "Who made it (a user's subject); system:default for the default of a tenant's first use.",
        "example": "demo-admin"})


# --------------------------------------------------------------------------
# Analyses
# --------------------------------------------------------------------------

def _participants_field(**kwargs):
    return fields.List(f.Name(max_length=200), validate=validate.Length(max=d.PARTICIPANTS_MAX), metadata={
        "description": f"Who took part (names or roles), at most {d.PARTICIPANTS_MAX}.",
        "example": ["Erik Eriksson, enhetschef", "Anna Andersson, undersköterska"]}, **kwargs)


class _TriggerRules(Schema):
    @validates_schema
    def _change_with_larger_change(self, data, **kwargs):
        if "trigger" in data and (data["trigger"] == d.Trigger.larger_change.value) != bool(data.get("trigger_change")):
            raise ValidationError("Fältet trigger_change anges för larger_change och bara då. The field trigger_change is "
                                  "given for larger_change, and only then.", "trigger_change")


class AnalysisCreateSchema(_TriggerRules):
    title = f.Name(required=True, max_length=300, metadata={
        "description": "What the analysis is about, in short.", "example": "Sommarbemanning 2026"})
    scope_type = f.Choice(SCOPE_TYPES, required=True, metadata={"description": SCOPE_TYPE, "example": "unit"})
    scope_id = f.UUIDString(required=True, metadata={
        "description": "The id of what is analysed: an open enhet (scope unit) or förvaltning (administration) of "
                       "the org tree; an established process of the process map (process); a step of one, or an "
                       "established delprocess (subprocess).", "example": UNIT_ID})
    unit_id = f.UUIDString(metadata={
        "description": "For a process or subprocess only: the org unit the analysis belongs to (who sees it). For a "
                       "unit or administration it is the scope_id; leave it out.", "example": UNIT_ID})
    trigger = f.Choice(TRIGGERS, required=True, metadata={"description": TRIGGER, "example": "larger_change"})
    trigger_change = f.Choice(CHANGE_KINDS, allow_none=True, metadata={
        "description": TRIGGER_CHANGE, "example": "summer_staffing"})
    trigger_note = f.Text(allow_none=True, max_length=2000, metadata={
        "description": "More on the trigger; required for other.", "example": "Många vikarier under juli."})
    participants = _participants_field(load_default=list)
    analysis_date = f.Date(required=True, metadata={"description": "The day the analysis is (or was) made.",
                                                    "example": "2026-05-12"})


class AnalysisPatchSchema(Schema):
    title = f.Name(max_length=300, metadata={"description": "What the analysis is about, in short.",
                                             "example": "Sommarbemanning 2026, Hemtjänst Norr"})
    trigger = f.Choice(TRIGGERS, metadata={"description": TRIGGER, "example": "larger_change"})
    trigger_change = f.Choice(CHANGE_KINDS, allow_none=True, metadata={
        "description": TRIGGER_CHANGE + " null clears it.", "example": "summer_staffing"})
    trigger_note = f.Text(allow_none=True, max_length=2000, metadata={
        "description": "More on the trigger; null clears it.", "example": "Många vikarier under juli."})
    participants = _participants_field()
    analysis_date = f.Date(metadata={"description": "The day the analysis is (or was) made.",
                                     "example": "2026-05-14"})

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("Ange något att ändra. Give something to change.")


class RiskCountsSchema(Schema):
    total = fields.Integer(metadata={"description": "How many risks the analysis has.", "example": 4})
    unscored = fields.Integer(metadata={"description": "How many of them have no initial scoring yet.",
                                        "example": 1})
    in_plan = fields.Integer(metadata={
        "description": "How many are at or above the matrix's plan threshold (their current level).", "example": 2})


class BlockedCommandSchema(Schema):
    command = fields.String(metadata={
        "description": "A command of the analysis's status that the caller's roles allow but a rule refuses now.",
        "enum": [c.value for c in d.Command], "example": "complete"})
    code = fields.String(metadata={"description": "The problem code the command would be refused with.",
                                   "example": "risks_unscored"})
    reason = fields.String(metadata={
        "description": "Why, in Swedish then English (the problem's detail).",
        "example": "1 risk(er) saknar bedömning av sannolikhet och konsekvens. 1 risk(s) lack a scoring of "
                   "probability and consequence."})


class AnalysisSchema(Schema):
    id = fields.String(metadata={"description": "The analysis's id (a UUID).", "example": ANALYSIS_ID})
    title = fields.String(metadata={"description": "What the analysis is about.", "example": "Sommarbemanning 2026"})
    scope_type = fields.String(metadata={"description": SCOPE_TYPE, "example": "unit"})
    scope_id = fields.String(metadata={"description": "The id of what is analysed.", "example": UNIT_ID})
    unit_id = fields.String(metadata={"description": "The org unit the analysis belongs to.", "example": UNIT_ID})
    unit_name = fields.String(allow_none=True, metadata={
        "description": "The unit's name from the service's copy of the org tree; null if the copy lacks it.",
        "example": "Hemtjänst Norr"})
    trigger = fields.String(metadata={"description": TRIGGER, "example": "larger_change"})
    trigger_change = fields.String(allow_none=True, metadata={"description": TRIGGER_CHANGE,
                                                              "example": "summer_staffing"})
    trigger_note = fields.String(allow_none=True, metadata={"description": "More on the trigger, if given.",
                                                            "example": "Många vikarier under juli."})
    participants = fields.List(fields.String(), metadata={"description": "Who took part.",
                                                          "example": ["Erik Eriksson, enhetschef"]})
    analysis_date = fields.Date(metadata={"description": "The day of the analysis.", "example": "2026-05-12"})
    matrix_version = fields.Integer(metadata={
        "description": "The version of the tenant's risk matrix its risks are scored on (GET "
                       "/api/v1/risk-matrix/versions/{version}); taken when it is created, and again when it starts "
                       "if nothing is scored yet.", "example": 1})
    status = fields.String(metadata={"description": STATUS, "example": "in_progress"})
    status_label_sv = fields.String(metadata={"description": "The status in Swedish, for display.",
                                              "example": "pågår"})
    created_at = f.AwareDateTime(metadata={"description": "When it was created.",
                                           "example": "2026-05-02T09:00:00+02:00"})
    created_by = fields.String(metadata={"description": "Who created it (a user's subject).", "example": "demo-erik"})
    started_at = f.AwareDateTime(allow_none=True, metadata={"description": "When it started; null in draft.",
                                                            "example": "2026-05-12T09:00:00+02:00"})
    completed_at = f.AwareDateTime(allow_none=True, metadata={"description": "When it was completed; null before.",
                                                              "example": None})
    followed_up_at = f.AwareDateTime(allow_none=True, metadata={"description": "When it was followed up.",
                                                                "example": None})
    version = fields.Integer(metadata={
        "description": "The analysis's version, counted from 1; its ETag is \"<id>.<version>\".", "example": 2})
    risks = fields.Nested(RiskCountsSchema, metadata={"description": "Counts of the analysis's risks."})
    allowed_commands = fields.List(fields.String(metadata={"enum": [c.value for c in d.Command]}), metadata={
        "description": "The transitions the caller may run now (POST .../transitions).", "example": ["complete"]})
    blocked_commands = fields.List(fields.Nested(BlockedCommandSchema), metadata={
        "description": "The transitions the caller's roles allow in this status that a rule refuses now, with why.",
        "example": []})


class AnalysisPageSchema(Schema):
    items = fields.List(fields.Nested(AnalysisSchema), metadata={"description": "The analyses of this page."})
    total = fields.Integer(metadata={"description": "How many analyses match, on every page together.",
                                     "example": 12})
    limit = fields.Integer(metadata={"description": "The page size asked for.", "example": 50})
    offset = fields.Integer(metadata={"description": "How many matching analyses come before this page.",
                                      "example": 0})
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "Give it as cursor (same sort and filters) for the next page; null on the last page.",
        "example": "WzEsIi1hbmFseXNpc19kYXRlIiwiMjAyNi0wNS0xMiIsIjViN2UyYzFhIl0"})


class TransitionSchema(Schema):
    command = f.Choice([c.value for c in d.Command], required=True, metadata={
        "description": "start (draft to in_progress), complete (to completed; every risk scored), reopen (completed "
                       "to in_progress) or follow_up (completed to followed_up; every action done or cancelled).",
        "example": "start"})


SORT_CHOICES = pagination.sort_choices(SORT_COLUMNS)


class ListArgsSchema(Schema):
    unit_id = f.UUIDString(metadata={"description": "Only analyses of this unit and the units below it.",
                                     "example": UNIT_ID})
    status = fields.List(f.Choice(STATUSES), validate=validate.Length(max=len(STATUSES)), metadata={
        "description": "Only analyses in these statuses; repeat the parameter for several.",
        "example": ["in_progress"]})
    scope_type = fields.List(f.Choice(SCOPE_TYPES), validate=validate.Length(max=len(SCOPE_TYPES)), metadata={
        "description": "Only analyses of these scope types.", "example": ["unit"]})
    trigger = fields.List(f.Choice(TRIGGERS), validate=validate.Length(max=len(TRIGGERS)), metadata={
        "description": "Only analyses with these triggers.", "example": ["yearly"]})
    date_from = f.Date(metadata={"description": "Only analyses made on or after this day.", "example": "2026-01-01"})
    date_to = f.Date(metadata={"description": "Only analyses made on or before this day.", "example": "2026-12-31"})
    sort = f.Choice(SORT_CHOICES, load_default="-analysis_date", metadata={
        "description": "The order: one key, ascending, or descending with a leading -; ties broken by id. Default "
                       "-analysis_date, newest first.", "example": "-analysis_date"})
    cursor = fields.String(validate=validate.Length(max=pagination.CURSOR_MAX_CHARS), metadata={
        "description": "next_cursor of the page before; only with the sort it was made for.",
        "example": "WzEsIi1hbmFseXNpc19kYXRlIiwiMjAyNi0wNS0xMiIsIjViN2UyYzFhIl0"})
    limit = f.BoundedInteger(1, 200, strict=False, load_default=50, metadata={
        "description": "The page size, 1 to 200.", "example": 50})
    offset = f.BoundedInteger(0, 10_000_000, strict=False, load_default=0, metadata={
        "description": "How many matching analyses to skip.", "example": 0})


# --------------------------------------------------------------------------
# Risks
# --------------------------------------------------------------------------

def _causes_field(**kwargs):
    return fields.List(f.Text(min_length=1, max_length=1000), validate=validate.Length(max=d.CAUSES_MAX), metadata={
        "description": f"The causes (orsaker) of the risk, at most {d.CAUSES_MAX}.",
        "example": ["Vikarier utan introduktion", "Otydlig överlämning mellan passen"]}, **kwargs)


RISK_DESCRIPTION = "What can happen so that the work is not done as intended (vad kan hända så att arbetet inte " \
                   "blir som det är tänkt)."


class RiskCreateSchema(Schema):
    description = f.Text(required=True, min_length=1, max_length=4000, metadata={
        "description": RISK_DESCRIPTION, "example": "Brukare får fel läkemedel när vikarier delar ut."})
    causes = _causes_field(load_default=list)


class RiskPatchSchema(Schema):
    description = f.Text(min_length=1, max_length=4000, metadata={
        "description": RISK_DESCRIPTION, "example": "Brukare får fel läkemedel eller inget alls när vikarier delar ut."})
    causes = _causes_field()

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("Ange description eller causes. Give description or causes.")


class ScoringRequestSchema(Schema):
    probability = f.BoundedInteger(1, 99, required=True, metadata={
        "description": "The probability (sannolikhet) step, 1 to the matrix's number of steps.", "example": 3})
    consequence = f.BoundedInteger(1, 99, required=True, metadata={
        "description": "The consequence (konsekvens) step, 1 to the matrix's number of steps.", "example": 3})
    kind = f.Choice([k.value for k in d.ScoringKind], required=True, metadata={
        "description": "initial (before actions) or residual (after actions: kvarvarande risk; needs an initial).",
        "example": "initial"})


class ScoringSchema(Schema):
    id = fields.String(metadata={"description": "The scoring's id.", "example": SCORING_ID})
    kind = fields.String(metadata={"description": "initial or residual.", "example": "initial"})
    probability = fields.Integer(metadata={"description": "The probability step.", "example": 3})
    consequence = fields.Integer(metadata={"description": "The consequence step.", "example": 3})
    score = fields.Integer(metadata={"description": "The risk score (riskvärde): probability × consequence.",
                                     "example": 9})
    level = fields.String(metadata={"description": "The code of the cell's level on the matrix version.",
                                    "example": "hog"})
    level_label = fields.String(metadata={"description": "The level's name.", "example": "Hög"})
    level_colour = fields.String(metadata={"description": "The level's colour (#rrggbb).", "example": "#ef6c00"})
    in_plan = fields.Boolean(metadata={"description": "true when the level is at or above the plan threshold.",
                                       "example": True})
    matrix_version = fields.Integer(metadata={"description": "The matrix version it was scored on.", "example": 1})
    scored_at = f.AwareDateTime(metadata={"description": "When it was scored.",
                                          "example": "2026-05-12T10:15:00+02:00"})
    scored_by = fields.String(metadata={"description": "Who scored it (a user's subject).", "example": "demo-erik"})


class EscalationSchema(Schema):
    id = fields.String(metadata={"description": "The escalation's id.", "example": ESCALATION_ID})
    from_unit_id = fields.String(metadata={"description": "The unit that held the risk and escalated it.",
                                           "example": UNIT_ID})
    to_unit_id = fields.String(metadata={"description": "The unit above it that was asked to take it.",
                                         "example": ADMINISTRATION_ID})
    reason = fields.String(metadata={"description": "Why the risk cannot be handled where it was.",
                                     "example": "Bemanningen beslutas av förvaltningen."})
    escalated_at = f.AwareDateTime(metadata={"description": "When it was escalated.",
                                             "example": "2026-05-20T10:00:00+02:00"})
    escalated_by = fields.String(metadata={"description": "Who escalated it.", "example": "demo-erik"})
    status = fields.String(metadata={"description": "pending, accepted or returned.", "example": "pending"})
    decided_at = f.AwareDateTime(allow_none=True, metadata={"description": "When the receiving level answered.",
                                                            "example": None})
    decided_by = fields.String(allow_none=True, metadata={"description": "Who answered.", "example": None})
    decision_reason = fields.String(allow_none=True, metadata={
        "description": "Why it was returned (or a note with the acceptance).", "example": None})


class ActionCountsSchema(Schema):
    total = fields.Integer(metadata={"description": "How many improvement actions the risk has.", "example": 2})
    open = fields.Integer(metadata={"description": "How many are neither done nor cancelled.", "example": 1})
    overdue = fields.Integer(metadata={"description": "How many open ones are past their due date.", "example": 0})


class RiskSchema(Schema):
    id = fields.String(metadata={"description": "The risk's id (a UUID).", "example": RISK_ID})
    analysis_id = fields.String(metadata={"description": "The analysis it belongs to.", "example": ANALYSIS_ID})
    unit_id = fields.String(metadata={"description": "The analysis's unit.", "example": UNIT_ID})
    description = fields.String(metadata={"description": RISK_DESCRIPTION,
                                          "example": "Brukare får fel läkemedel när vikarier delar ut."})
    causes = fields.List(fields.String(), metadata={"description": "Its causes.",
                                                    "example": ["Vikarier utan introduktion"]})
    matrix_version = fields.Integer(metadata={"description": "The matrix version it is scored on.", "example": 1})
    identified_at = f.AwareDateTime(metadata={"description": "When it was added to the analysis.",
                                              "example": "2026-05-12T10:00:00+02:00"})
    identified_by = fields.String(metadata={"description": "Who added it.", "example": "demo-erik"})
    initial = fields.Nested(ScoringSchema, allow_none=True, metadata={
        "description": "The latest initial scoring (before actions); null until scored."})
    residual = fields.Nested(ScoringSchema, allow_none=True, metadata={
        "description": "The latest residual scoring (after actions); null until scored."})
    in_plan = fields.Boolean(metadata={
        "description": "true when its current level (residual if scored, else initial) is at or above the plan "
                       "threshold of its matrix version.", "example": True})
    scorings = fields.List(fields.Nested(ScoringSchema), metadata={
        "description": "Every scoring, oldest first, with who and when: none is ever changed or removed."})
    holder_unit_id = fields.String(metadata={
        "description": "The unit holding the risk now: the analysis's, or the level that accepted its escalation.",
        "example": UNIT_ID})
    escalation_status = fields.String(allow_none=True, metadata={
        "description": "The status of its latest escalation (pending, accepted, returned); null if never escalated.",
        "example": None})
    escalations = fields.List(fields.Nested(EscalationSchema), metadata={
        "description": "Its escalations to levels above, oldest first."})
    actions = fields.Nested(ActionCountsSchema, metadata={"description": "Counts of its improvement actions."})
    version = fields.Integer(metadata={"description": "The risk's version; its ETag is \"<id>.<version>\".",
                                       "example": 3})


class EscalationResourceSchema(EscalationSchema):
    risk_id = fields.String(metadata={"description": "The escalated risk.", "example": RISK_ID})
    analysis_id = fields.String(metadata={"description": "The analysis the risk belongs to.", "example": ANALYSIS_ID})
    unit_id = fields.String(metadata={"description": "The analysis's unit, where the risk was identified.",
                                      "example": UNIT_ID})
    version = fields.Integer(metadata={
        "description": "1 while pending, 2 once answered; its ETag is \"<id>.<version>\".", "example": 1})


class EscalationPageSchema(Schema):
    items = fields.List(fields.Nested(EscalationResourceSchema), metadata={
        "description": "The escalations of this page, newest first."})
    total = fields.Integer(metadata={"description": "How many escalations match.", "example": 3})
    limit = fields.Integer(metadata={"description": "The page size asked for.", "example": 50})
    offset = fields.Integer(metadata={"description": "How many matching escalations come before this page.",
                                      "example": 0})


ESCALATION_STATUSES = [s.value for s in d.EscalationStatus]


class EscalationArgsSchema(Schema):
    to_unit_id = f.UUIDString(metadata={"description": "Only escalations to this unit.", "example": ADMINISTRATION_ID})
    status = fields.List(f.Choice(ESCALATION_STATUSES), validate=validate.Length(max=len(ESCALATION_STATUSES)),
                         metadata={"description": "Only escalations in these statuses: pending, accepted, returned.",
                                   "example": ["pending"]})
    limit = f.BoundedInteger(1, 200, strict=False, load_default=50, metadata={
        "description": "The page size, 1 to 200.", "example": 50})
    offset = f.BoundedInteger(0, 10_000_000, strict=False, load_default=0, metadata={
        "description": "How many matching escalations to skip.", "example": 0})


class EscalateSchema(Schema):
    to_unit_id = f.UUIDString(required=True, metadata={
        "description": "A unit above the one holding the risk: its förvaltning, or the nämnd.",
        "example": ADMINISTRATION_ID})
    reason = f.Text(required=True, min_length=1, max_length=4000, metadata={
        "description": "Why the risk cannot be handled at the unit.",
        "example": "Bemanningen beslutas av förvaltningen."})


class EscalationDecisionSchema(Schema):
    decision = f.Choice(["accept", "return"], required=True, metadata={
        "description": "accept (the receiving level takes the risk) or return (it goes back, with a reason).",
        "example": "accept"})
    reason = f.Text(min_length=1, max_length=4000, metadata={
        "description": "Why: required to return.", "example": "Hanteras i förvaltningens bemanningsplan."})

    @validates_schema
    def _reason_to_return(self, data, **kwargs):
        if data.get("decision") == "return" and not data.get("reason"):
            raise ValidationError("Ange varför risken skickas tillbaka. Give the reason for returning it.", "reason")


class AuditEntrySchema(Schema):
    at = f.AwareDateTime(metadata={"description": "When the command ran.", "example": "2026-05-12T10:15:00+02:00"})
    actor = fields.String(metadata={"description": "Who ran it: the user's subject.", "example": "demo-erik"})
    action = fields.String(metadata={"description": "The command that ran.", "example": "score"})
    entity_type = fields.String(metadata={
        "description": "What it changed: risk_analysis, risk or improvement_action.", "example": "risk"})
    entity_id = fields.String(metadata={"description": "The id of what it changed.", "example": RISK_ID})
    changed_fields = fields.List(fields.String(), allow_none=True, metadata={
        "description": "The fields the command changed (names only).", "example": ["initial_score", "version"]})
    changed_values = fields.Dict(keys=fields.String(), values=fields.List(f.RecordedValue(allow_none=True)),
                                 allow_none=True, metadata={
                                     "description": "[before, after] of the changed fields that are not free text "
                                                    "or personal data.", "example": {"initial_score": [None, 9]}})


# --------------------------------------------------------------------------
# Risk proposals (riskförslag) from deviations
# --------------------------------------------------------------------------

PROPOSAL_ID = "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b"
DEVIATION_ID = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"
PROPOSAL_STATUSES = [s.value for s in dp.ProposalStatus]
PROPOSAL_REASONS = [r.value for r in dp.ProposalReason]
PROPOSAL_STATUS = ("open (öppet: waits for a decision), accepted (accepterat: a risk in an analysis), dismissed "
                   "(avfärdat, with a reason) or withdrawn (återkallat: the case no longer proposes it; it reopens if "
                   "the case proposes it again).")
PROPOSAL_REASON = ("serious_deviation (a lex Sarah or lex Maria case decided serious or reported to IVO: a risk for "
                   "its unit) or possible_elsewhere (a case flagged as possible at other units: an analysis at a "
                   "sibling unit).")
PROPOSAL_SORT_CHOICES = pagination.sort_choices(PROPOSAL_SORT_COLUMNS)


class ProposalSchema(Schema):
    id = fields.String(metadata={"description": "The proposal's id (a UUID).", "example": PROPOSAL_ID})
    reason = fields.String(metadata={"description": PROPOSAL_REASON, "enum": PROPOSAL_REASONS,
                                     "example": "serious_deviation"})
    reason_label_sv = fields.String(metadata={"description": "The reason in Swedish, for display.",
                                              "example": "allvarlig avvikelse"})
    deviation_id = fields.String(metadata={
        "description": "The source case's id: its details are read in the deviations service (GET "
                       "/api/v1/deviations/{id}), where access is checked. The proposal holds nothing the case says.",
        "example": DEVIATION_ID})
    deviation_kind = fields.String(metadata={"description": "The source case's kind.", "example": "lex_sarah"})
    deviation_kind_label_sv = fields.String(metadata={"description": "The case's kind in Swedish.",
                                                      "example": "lex Sarah"})
    source_unit_id = fields.String(metadata={"description": "The case's unit.", "example": UNIT_ID})
    unit_id = fields.String(metadata={
        "description": "The unit the risk is proposed for: the case's unit, or a sibling of it (possible_elsewhere).",
        "example": UNIT_ID})
    unit_name = fields.String(allow_none=True, metadata={
        "description": "The unit's name from the service's copy of the org tree; null if the copy lacks it.",
        "example": "Hemtjänst Norr"})
    status = fields.String(metadata={"description": PROPOSAL_STATUS, "enum": PROPOSAL_STATUSES, "example": "open"})
    status_label_sv = fields.String(metadata={"description": "The status in Swedish.", "example": "öppet"})
    ivo_reported_on = fields.Date(allow_none=True, metadata={
        "description": "The day the case was reported to IVO, once it is.", "example": "2026-05-20"})
    created_at = f.AwareDateTime(metadata={"description": "When the case proposed it.",
                                           "example": "2026-05-18T10:00:00+02:00"})
    decided_at = f.AwareDateTime(allow_none=True, metadata={"description": "When it was accepted or dismissed.",
                                                            "example": None})
    decided_by = fields.String(allow_none=True, metadata={"description": "Who decided (a user's subject).",
                                                          "example": None})
    decision_reason = fields.String(allow_none=True, metadata={"description": "Why it was dismissed.",
                                                               "example": None})
    analysis_id = fields.String(allow_none=True, metadata={"description": "The analysis it was accepted into.",
                                                           "example": None})
    risk_id = fields.String(allow_none=True, metadata={"description": "The risk it became in that analysis.",
                                                       "example": None})
    withdrawn_at = f.AwareDateTime(allow_none=True, metadata={"description": "When the case withdrew it.",
                                                              "example": None})
    suggested_trigger = fields.String(metadata={
        "description": "The trigger a new analysis started from it gets: serious_deviation or deviations_elsewhere.",
        "example": "serious_deviation"})
    allowed_decisions = fields.List(fields.String(metadata={"enum": ["accept", "dismiss"]}), metadata={
        "description": "What the caller may decide now (POST .../decision); empty once decided.",
        "example": ["accept", "dismiss"]})
    version = fields.Integer(metadata={"description": "The proposal's version; its ETag is \"<id>.<version>\".",
                                       "example": 1})


class ProposalPageSchema(Schema):
    items = fields.List(fields.Nested(ProposalSchema), metadata={"description": "The proposals of this page."})
    total = fields.Integer(metadata={"description": "How many proposals match, on every page together.",
                                     "example": 3})
    limit = fields.Integer(metadata={"description": "The page size asked for.", "example": 50})
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "Give it as cursor (same sort and filters) for the next page; null on the last page.",
        "example": "WzEsIi1jcmVhdGVkX2F0IiwiMjAyNi0wNS0xOCIsIjNlMmQxYzBiIl0"})


class ProposalArgsSchema(Schema):
    status = fields.List(f.Choice(PROPOSAL_STATUSES), validate=validate.Length(max=len(PROPOSAL_STATUSES)),
                         metadata={"description": "Only proposals in these statuses (repeat for several); open "
                                                  "when not given.", "example": ["open"]})
    unit_id = f.UUIDString(metadata={"description": "Only proposals for this unit and the units below it.",
                                     "example": UNIT_ID})
    reason = fields.List(f.Choice(PROPOSAL_REASONS), validate=validate.Length(max=len(PROPOSAL_REASONS)),
                         metadata={"description": "Only proposals with these reasons.",
                                   "example": ["serious_deviation"]})
    deviation_id = f.UUIDString(metadata={"description": "Only proposals from this case.", "example": DEVIATION_ID})
    sort = f.Choice(PROPOSAL_SORT_CHOICES, load_default="-created_at", metadata={
        "description": "The order: created_at or status, descending with a leading -; ties broken by id. Default "
                       "-created_at, newest first.", "example": "-created_at"})
    cursor = fields.String(validate=validate.Length(max=pagination.CURSOR_MAX_CHARS), metadata={
        "description": "next_cursor of the page before; only with the sort it was made for.",
        "example": "WzEsIi1jcmVhdGVkX2F0IiwiMjAyNi0wNS0xOCIsIjNlMmQxYzBiIl0"})
    limit = f.BoundedInteger(1, 200, strict=False, load_default=50, metadata={
        "description": "The page size, 1 to 200.", "example": 50})


class ProposalNewAnalysisSchema(Schema):
    title = f.Name(required=True, max_length=300, metadata={
        "description": "What the new analysis is about, in short.", "example": "Läkemedelshantering efter lex Sarah"})
    analysis_date = f.Date(required=True, metadata={"description": "The day the analysis is made.",
                                                    "example": "2026-05-25"})
    participants = _participants_field(load_default=list)


class ProposalDecisionSchema(Schema):
    decision = f.Choice(["accept", "dismiss"], required=True, metadata={
        "description": "accept (the proposal becomes a risk in an analysis) or dismiss (with a reason).",
        "example": "accept"})
    analysis_id = f.UUIDString(metadata={
        "description": "To accept into an existing analysis: an open one (draft or in progress) of the proposal's "
                       "unit or a unit above it. Give this or new_analysis.", "example": ANALYSIS_ID})
    new_analysis = fields.Nested(ProposalNewAnalysisSchema, metadata={
        "description": "To accept into a new analysis of the proposal's unit, started as a draft with the "
                       "proposal's suggested_trigger. Give this or analysis_id."})
    description = f.Text(min_length=1, max_length=4000, metadata={
        "description": RISK_DESCRIPTION + " To accept; when left out, a sentence naming the source case's kind.",
        "example": "Brukare får fel läkemedel när vikarier delar ut."})
    causes = _causes_field()
    reason = f.Text(min_length=1, max_length=4000, metadata={
        "description": "To dismiss: why the proposal is not analysed as a risk.",
        "example": "Risken är redan analyserad i årets riskanalys."})

    @validates_schema
    def _one_way(self, data, **kwargs):
        target = [name for name in ("analysis_id", "new_analysis") if name in data]
        if data.get("decision") == "accept":
            if len(target) != 1:
                raise ValidationError("Ange antingen analysis_id eller new_analysis. Give either analysis_id or "
                                      "new_analysis.", "analysis_id")
            if "reason" in data:
                raise ValidationError("Ett förslag som accepteras har ingen reason. An accepted proposal takes no "
                                      "reason.", "reason")
        elif data.get("decision") == "dismiss":
            if not data.get("reason"):
                raise ValidationError("Ange varför förslaget avfärdas. Give the reason for dismissing it.", "reason")
            extra = target + [name for name in ("description", "causes") if name in data]
            if extra:
                raise ValidationError("Ett avfärdat förslag blir ingen risk. A dismissed proposal becomes no risk.",
                                      extra[0])


# --------------------------------------------------------------------------
# An owner's actions across analyses (Mina åtgärder)
# --------------------------------------------------------------------------

class OwnedActionSchema(ActionSchema):
    analysis_id = fields.String(dump_only=True, metadata={
        "description": "The risk analysis whose risk the action treats.", "example": ANALYSIS_ID})
    analysis_title = fields.String(dump_only=True, metadata={
        "description": "The analysis's title.", "example": "Sommarbemanning 2026"})
    unit_name = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "The name of the analysis's unit; null if not known yet.", "example": "Hemtjänst Norr"})


class OwnedActionPageSchema(actions.OwnedActionPageSchema):
    items = fields.List(fields.Nested(OwnedActionSchema), metadata={
        "description": "The actions of this page, by due date, the earliest first."})
