"""HTTP of the reads built on the risks: the risk treatment plan and the heat map (their schemas beside them, so
that the analyses' schemas.py stays one reader's size)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from marshmallow import RAISE, Schema, ValidationError, fields, validates_schema
from ordning_shared import fields as f
from ordning_shared.db import utcnow
from ordning_shared.http import Blueprint, current_principal
from ordning_shared.problems import NotFound

from . import plan
from .schemas import ADMINISTRATION_ID, ANALYSIS_ID, ESCALATION_ID, RISK_ID, UNIT_ID, RiskMatrixSchema

YEAR_MIN, YEAR_MAX = 2000, 2100
STOCKHOLM = ZoneInfo("Europe/Stockholm")  # the year and "today" (overdue actions) are Swedish
ACTION_ID = "9a1e4c7b-3d2f-4b8a-8e6c-1f0d2b3a4c5e"

plan_blp = Blueprint("risk_treatment_plan", __name__, url_prefix="/api/v1/risk-treatment-plan",
                     description="The risk treatment plan (riskhanteringsplan) of a unit or förvaltning for a year: "
                                 "its risks at or above the plan threshold, with their actions.")
heat_map_blp = Blueprint("risk_heat_map", __name__, url_prefix="/api/v1/risk-heat-map",
                         description="The heat map (riskkarta): how many risks lie in each cell of the risk matrix, "
                                     "before and after actions.")
BLUEPRINTS = [plan_blp, heat_map_blp]


def this_year() -> int:
    return utcnow().astimezone(STOCKHOLM).year


# --------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------

class PlanArgsSchema(Schema):
    unit_id = f.UUIDString(required=True, metadata={
        "description": "The unit or förvaltning whose plan it is: its own risks and those of every unit below it.",
        "example": ADMINISTRATION_ID})
    year = f.BoundedInteger(YEAR_MIN, YEAR_MAX, strict=False, metadata={
        "description": f"The year of the analyses ({YEAR_MIN}-{YEAR_MAX}), by their day; this year if left out.",
        "example": 2026})


class HeatMapArgsSchema(Schema):
    unit_id = f.UUIDString(required=True, metadata={
        "description": "The unit or förvaltning: the risks held by it and every unit below it.",
        "example": ADMINISTRATION_ID})
    date_from = f.Date(data_key="from", metadata={
        "description": "Only risks of analyses made on or after this day.", "example": "2026-01-01"})
    date_to = f.Date(data_key="to", metadata={
        "description": "Only risks of analyses made on or before this day.", "example": "2026-12-31"})

    @validates_schema
    def _a_period(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("Perioden ska börja innan den slutar. The period must start before it ends.", "to")


class PlanScoringSchema(Schema):
    probability = fields.Integer(metadata={"description": "The probability (sannolikhet) step.", "example": 3})
    consequence = fields.Integer(metadata={"description": "The consequence (konsekvens) step.", "example": 4})
    score = fields.Integer(metadata={"description": "The risk score (riskvärde): probability × consequence.",
                                     "example": 12})
    level = fields.String(metadata={"description": "The code of the cell's level on the risk's matrix version.",
                                    "example": "mycket_hog"})
    level_label = fields.String(metadata={"description": "The level's name.", "example": "Mycket hög"})
    level_colour = fields.String(allow_none=True, metadata={"description": "The level's colour (#rrggbb).",
                                                            "example": "#c62828"})


class PlanActionSchema(Schema):
    id = fields.String(metadata={"description": "The improvement action's id.", "example": ACTION_ID})
    title = fields.String(metadata={"description": "What is to be done.", "example": "Introduktion för vikarier"})
    owner = fields.String(metadata={"description": "Who is responsible for it (a user).", "example": "demo-erik"})
    due_date = fields.Date(metadata={"description": "When it is to be done.", "example": "2026-06-15"})
    status = fields.String(metadata={"description": "planned, in_progress, done or cancelled.",
                                     "example": "in_progress"})
    overdue = fields.Boolean(metadata={"description": "Open and past its due date.", "example": False})
    completed_at = f.AwareDateTime(allow_none=True, metadata={"description": "When it was done.", "example": None})
    effect_followup = fields.String(metadata={
        "description": "How its effect is followed up (may be empty until done).", "example": "Stickprov i augusti"})


class PlanAnalysisSchema(Schema):
    id = fields.String(metadata={"description": "The analysis the risk comes from.", "example": ANALYSIS_ID})
    title = fields.String(metadata={"description": "Its title.", "example": "Sommarbemanning 2026"})
    analysis_date = fields.Date(metadata={"description": "The day it was made.", "example": "2026-05-12"})
    status = fields.String(metadata={"description": "draft, in_progress, completed or followed_up.",
                                     "example": "completed"})
    status_label_sv = fields.String(metadata={"description": "The status in Swedish.", "example": "slutförd"})
    unit_id = fields.String(metadata={"description": "Its unit.", "example": UNIT_ID})
    unit_name = fields.String(allow_none=True, metadata={"description": "Its unit's name.",
                                                         "example": "Hemtjänst Norr"})


class PlanEscalationSchema(Schema):
    id = fields.String(metadata={"description": "The risk's latest escalation.", "example": ESCALATION_ID})
    status = fields.String(metadata={"description": "pending, accepted or returned.", "example": "accepted"})
    from_unit_id = fields.String(metadata={"description": "Who escalated it.", "example": UNIT_ID})
    to_unit_id = fields.String(metadata={"description": "The level it was escalated to.",
                                         "example": ADMINISTRATION_ID})
    escalated_at = f.AwareDateTime(metadata={"description": "When.", "example": "2026-05-20T10:00:00+02:00"})
    decided_at = f.AwareDateTime(allow_none=True, metadata={"description": "When it was answered.",
                                                            "example": "2026-05-22T09:00:00+02:00"})


class PlanRiskSchema(Schema):
    risk_id = fields.String(metadata={"description": "The risk's id.", "example": RISK_ID})
    description = fields.String(metadata={"description": "What can happen so that the work is not done as intended.",
                                          "example": "Brukare får fel läkemedel när vikarier delar ut."})
    causes = fields.List(fields.String(), metadata={"description": "Its causes.",
                                                    "example": ["Vikarier utan introduktion"]})
    unit_id = fields.String(metadata={"description": "The unit whose analysis found it.", "example": UNIT_ID})
    unit_name = fields.String(allow_none=True, metadata={"description": "That unit's name.",
                                                         "example": "Hemtjänst Norr"})
    holder_unit_id = fields.String(metadata={
        "description": "The unit holding it now: the analysis's, or the level that accepted its escalation.",
        "example": ADMINISTRATION_ID})
    holder_unit_name = fields.String(allow_none=True, metadata={"description": "That unit's name.",
                                                                "example": "Socialförvaltningen"})
    matrix_version = fields.Integer(metadata={"description": "The matrix version it is scored on.", "example": 1})
    initial = fields.Nested(PlanScoringSchema, allow_none=True, metadata={
        "description": "Its latest initial scoring (before actions)."})
    residual = fields.Nested(PlanScoringSchema, allow_none=True, metadata={
        "description": "Its latest residual scoring (after actions); null until re-scored."})
    current_level = fields.String(allow_none=True, metadata={
        "description": "Its current level: residual if re-scored, else initial.", "example": "mycket_hog"})
    current_level_label = fields.String(allow_none=True, metadata={"description": "That level's name.",
                                                                   "example": "Mycket hög"})
    current_score = fields.Integer(allow_none=True, metadata={"description": "Its current score.", "example": 12})
    level_from_top = fields.Integer(metadata={
        "description": "The current level's place counted from the top of its matrix (0 the highest): the sort key "
                       "across matrix versions.", "example": 0})
    in_plan = fields.Boolean(metadata={
        "description": "Its current level is at or above its matrix version's threshold (false for a risk a level "
                       "took over by escalation below it, or one awaiting an answer).", "example": True})
    escalation = fields.Nested(PlanEscalationSchema, allow_none=True, metadata={
        "description": "Its latest escalation; null if never escalated."})
    analysis = fields.Nested(PlanAnalysisSchema, metadata={"description": "The analysis it comes from."})
    actions = fields.List(fields.Nested(PlanActionSchema), metadata={
        "description": "Its improvement actions, by due date."})


class TreatmentPlanSchema(Schema):
    unit_id = fields.String(metadata={"description": "The unit or förvaltning asked for.",
                                      "example": ADMINISTRATION_ID})
    unit_name = fields.String(allow_none=True, metadata={"description": "Its name.",
                                                         "example": "Socialförvaltningen"})
    unit_kind = fields.String(allow_none=True, metadata={"description": "Its kind in the org tree.",
                                                         "example": "administration"})
    year = fields.Integer(metadata={"description": "The year of the analyses.", "example": 2026})
    risks = fields.List(fields.Nested(PlanRiskSchema), metadata={
        "description": "The plan: risks held by the unit or a unit below it at or above the threshold of their "
                       "matrix version, and those a level of it took over by escalation; highest level first, then "
                       "highest score."})
    awaiting_decision = fields.List(fields.Nested(PlanRiskSchema), metadata={
        "description": "Risks escalated to this unit that await its answer (accept or return): not yet in the "
                       "plan, and only here."})


class HeatCellSchema(Schema):
    probability = fields.Integer(metadata={"description": "The cell's probability step.", "example": 3})
    consequence = fields.Integer(metadata={"description": "The cell's consequence step.", "example": 4})
    score = fields.Integer(metadata={"description": "Its score: probability × consequence.", "example": 12})
    level = fields.String(metadata={"description": "The code of its level.", "example": "mycket_hog"})
    level_label = fields.String(metadata={"description": "Its level's name.", "example": "Mycket hög"})
    level_colour = fields.String(metadata={"description": "Its level's colour (#rrggbb).", "example": "#c62828"})
    in_plan = fields.Boolean(metadata={"description": "Its level is at or above the plan threshold.",
                                       "example": True})
    initial = fields.Integer(metadata={"description": "How many risks were scored here before actions.",
                                       "example": 2})
    residual = fields.Integer(metadata={
        "description": "How many lie here after actions (residual scoring, else the initial one).", "example": 0})


class HeatGridSchema(Schema):
    matrix_version = fields.Integer(metadata={"description": "The matrix version this grid is drawn on.",
                                              "example": 1})
    current = fields.Boolean(metadata={"description": "Whether it is the tenant's current version.",
                                       "example": True})
    matrix = fields.Nested(RiskMatrixSchema, metadata={
        "description": "That version: its steps with labels, its levels with colours, each cell's level."})
    cells = fields.List(fields.Nested(HeatCellSchema), metadata={
        "description": "Every cell, as drawn: the highest probability first, consequence rising within it."})
    initial_total = fields.Integer(metadata={"description": "Risks counted on this grid.", "example": 3})
    residual_total = fields.Integer(metadata={"description": "The same, after actions.", "example": 3})


class HeatMapSchema(Schema):
    unit_id = fields.String(metadata={"description": "The unit or förvaltning asked for.",
                                      "example": ADMINISTRATION_ID})
    unit_name = fields.String(allow_none=True, metadata={"description": "Its name.",
                                                         "example": "Socialförvaltningen"})
    unit_kind = fields.String(allow_none=True, metadata={"description": "Its kind in the org tree.",
                                                         "example": "administration"})
    date_from = fields.Date(data_key="from", allow_none=True, metadata={"description": "The period's first day.",
                                                                        "example": "2026-01-01"})
    date_to = fields.Date(data_key="to", allow_none=True, metadata={"description": "The period's last day.",
                                                                    "example": "2026-12-31"})
    total = fields.Integer(metadata={"description": "Scored risks counted, over every grid.", "example": 3})
    unscored = fields.Integer(metadata={"description": "Risks in the scope and period not yet scored (on no grid).",
                                        "example": 0})
    grids = fields.List(fields.Nested(HeatGridSchema), metadata={
        "description": "One grid per matrix version the risks were scored on: the current version first (even "
                       "empty), then older versions holding risks, newest first. A risk is counted on its own "
                       "version's grid only."})


# --------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------

def _platform():
    return current_app.extensions["ordning"]


def _today():
    return datetime.now(STOCKHOLM).date()


@plan_blp.route("", methods=["GET"])
@plan_blp.arguments(PlanArgsSchema, location="query", unknown=RAISE)
@plan_blp.raises(NotFound)
@plan_blp.response(200, TreatmentPlanSchema)
def treatment_plan(args):
    """Read a risk treatment plan

    The riskhanteringsplan of a unit or förvaltning in your scope for a year (by the analyses' day): the risks
    held by it or a unit below it whose current level (residual if re-scored, else initial) is at or above the
    threshold of the matrix version they were scored on, and those a level of it took over by accepting their
    escalation; each with its scorings, its actions (owner, due date, status, effect) and the analysis it comes
    from; highest level first, then highest score. Risks escalated to the unit awaiting its answer are listed
    apart. A unit outside your scope is a 404.
    """
    return plan.treatment_plan(_platform(), current_principal(), args["unit_id"], args.get("year") or this_year(),
                               _today())


@heat_map_blp.route("", methods=["GET"])
@heat_map_blp.arguments(HeatMapArgsSchema, location="query", unknown=RAISE)
@heat_map_blp.raises(NotFound)
@heat_map_blp.response(200, HeatMapSchema)
def heat_map(args):
    """Read a heat map

    How many of the risks held by a unit or förvaltning in your scope and the units below it, of analyses made in
    the period, lie in each cell of the risk matrix: by their initial scoring, and after actions (the residual
    scoring, or the initial one where not re-scored). Each matrix version is its own grid with its labels, levels
    and colours; a risk is counted on the version it was scored on.
    """
    return plan.heat_map(_platform(), current_principal(), args["unit_id"], args.get("date_from"),
                         args.get("date_to"))
