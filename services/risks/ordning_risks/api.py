"""HTTP: thin blueprints that parse, call service.py and render."""
from __future__ import annotations

from flask import current_app, url_for
from marshmallow import RAISE
from ordning_shared import openapi
from ordning_shared.actions import (ActionRuleViolation, ActionSchema, ActionTransitionSchema, ActionUpdateSchema,
                                    IllegalActionTransition, OwnedActionArgsSchema)
from ordning_shared.http import Blueprint, check_if_match, current_principal, etag
from ordning_shared.idempotency import create_once
from ordning_shared.pagination import InvalidCursor, Sort
from ordning_shared.problems import NotFound

from . import db, proposals, service
from . import domain as d
from .domain import proposal as dp
from .schemas import (AnalysisCreateSchema, AnalysisPageSchema, AnalysisPatchSchema, AnalysisSchema,
                      AuditEntrySchema, EscalateSchema, EscalationArgsSchema, EscalationDecisionSchema,
                      EscalationPageSchema, EscalationResourceSchema, ListArgsSchema, OwnedActionPageSchema, ProposalArgsSchema, ProposalDecisionSchema, ProposalPageSchema,
                      ProposalSchema, RiskCreateSchema, RiskMatrixSchema, RiskPatchSchema, RiskSchema,
                      ScoringRequestSchema, TransitionSchema)

PATH_PARAMETERS = {
    "analysis_id": {"description": "The risk analysis's id (a UUID).", "example": "5b7e2c1a-9d3f-4e8b-a6c4-2f1e0d9c8b7a"},
    "risk_id": {"description": "The risk's id (a UUID).", "example": "8c4d2e6f-1a3b-4c5d-9e7f-0a1b2c3d4e5f"},
    "action_id": {"description": "The improvement action's id (a UUID).",
                  "example": "9a1e4c7b-3d2f-4b8a-8e6c-1f0d2b3a4c5e"},
    "escalation_id": {"description": "The escalation's id (a UUID).",
                      "example": "7f6e5d4c-3b2a-4190-8e7d-6c5b4a3f2e1d"},
    "version": {"description": "A version of the risk matrix, counted from 1.", "example": 1},
    "proposal_id": {"description": "The risk proposal's id (a UUID).",
                    "example": "3e2d1c0b-9a8f-4e7d-8c6b-5a4f3e2d1c0b"},
}

matrix_blp = Blueprint("risk_matrix", __name__, url_prefix="/api/v1/risk-matrix", path_parameters=PATH_PARAMETERS,
                       description="The tenant's risk matrix (riskmatris): probability and consequence steps, the "
                                   "level of each cell and the risk treatment plan's threshold, versioned.")
analyses_blp = Blueprint("risk_analyses", __name__, url_prefix="/api/v1/risk-analyses",
                         path_parameters=PATH_PARAMETERS,
                         description="Risk analyses (riskanalyser) of a unit, förvaltning, process or delprocess, "
                                     "their risks, scorings, improvement actions (förbättringsåtgärder) and "
                                     "escalations.")

escalations_blp = Blueprint("risk_escalations", __name__, url_prefix="/api/v1/risk-escalations",
                            path_parameters=PATH_PARAMETERS,
                            description="Risks escalated to a level above (förvaltning, nämnd): the receiving "
                                        "level's list, and its answer, accept or return.")

proposals_blp = Blueprint("risk_proposals", __name__, url_prefix="/api/v1/risk-proposals",
                          path_parameters=PATH_PARAMETERS,
                          description="Risk proposals (riskförslag) from deviations: a serious lex Sarah or lex Maria "
                                      "case proposes a risk for its unit, a case that may happen elsewhere proposes "
                                      "analyses at the sibling units; each is accepted into an analysis or "
                                      "dismissed.")

owned_actions_blp = Blueprint("risk_actions", __name__, url_prefix="/api/v1/risk-actions",
                              path_parameters=PATH_PARAMETERS,
                              description="The improvement actions of risks a person owns, across analyses "
                                          "(what Mina åtgärder lists beside the actions of cases).")

BLUEPRINTS = [matrix_blp, analyses_blp, escalations_blp, proposals_blp, owned_actions_blp]


def _platform():
    return current_app.extensions["ordning"]


def _with_etag(body: dict, status: int = 200, **headers):
    return body, status, {"ETag": etag(body["id"], body["version"]), **headers}


# --------------------------------------------------------------------------
# The matrix
# --------------------------------------------------------------------------

def _with_matrix_etag(body: dict):
    return body, 200, {"ETag": etag(service.MATRIX_ETAG_ID, body["version"])}


@matrix_blp.route("", methods=["GET"])
@matrix_blp.raises(service.Forbidden)
@matrix_blp.response(200, RiskMatrixSchema, headers=openapi.ETAG)
def matrix_get():
    """Read the risk matrix

    The tenant's current matrix: its steps, levels, every cell's level and the plan threshold. A tenant that has
    not set one has the default (4×4, DOMAIN.md), as version 1. The ETag is what a change needs in If-Match.
    """
    return _with_matrix_etag(service.get_matrix(_platform(), current_principal()))


@matrix_blp.route("", methods=["PUT"])
@matrix_blp.raises(service.Forbidden, d.InvalidMatrix)
@matrix_blp.checks_if_match
@matrix_blp.arguments(RiskMatrixSchema)
@matrix_blp.response(200, RiskMatrixSchema, headers=openapi.ETAG)
def matrix_put(data):
    """Change the risk matrix

    For an administrator, with If-Match: the whole matrix, 3×3 to 5×5, each cell with a level. It becomes a new
    version; analyses keep the version they are scored on, so no old score changes. A matrix with a gap, a cell
    twice, an unknown level or a bad colour is refused whole (422 invalid_risk_matrix, its errors listed).
    """
    return _with_matrix_etag(service.put_matrix(_platform(), current_principal(), data, check_if_match))


@matrix_blp.route("/versions/<version>", methods=["GET"])
@matrix_blp.raises(service.Forbidden)
@matrix_blp.response(200, RiskMatrixSchema)
def matrix_version(version):
    """Read a version of the risk matrix

    Any version, current or old: the one an analysis names in matrix_version is what its scores mean.
    """
    if not (version.isdigit() and len(version) <= 9):  # names no version: nothing to ask the database
        raise NotFound("Den versionen av riskmatrisen finns inte.", "There is no such version of the risk matrix.")
    return service.get_matrix_version(_platform(), current_principal(), int(version))


# --------------------------------------------------------------------------
# Analyses
# --------------------------------------------------------------------------

def _analysis(analysis_id: str):
    return _with_etag(service.read_analysis(_platform(), current_principal(), analysis_id))


@analyses_blp.route("", methods=["POST"])
@analyses_blp.arguments(AnalysisCreateSchema)
@analyses_blp.response(201, AnalysisSchema, headers=openapi.CREATED)
@analyses_blp.raises(service.Forbidden, service.UnknownUnit, d.InvalidAnalysis)
@analyses_blp.idempotent
def create(data):
    """Create a risk analysis

    For an enhetschef, verksamhetschef, förvaltningschef or processägare of the unit: a title, what is analysed
    (an enhet or förvaltning by its id, or a process or delprocess with the unit it belongs to), the trigger and
    the day. It starts as a draft, on the tenant's current risk matrix.
    """
    platform, principal = _platform(), current_principal()
    body, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject, payload=data, resource_type="risk_analysis",
        create=lambda claim: service.create_analysis(platform, principal, data, claim),
        load=lambda analysis_id: service.read_analysis(platform, principal, analysis_id))
    return _with_etag(body, status, Location=url_for("risk_analyses.get_one", analysis_id=body["id"]))


@analyses_blp.route("", methods=["GET"])
@analyses_blp.arguments(ListArgsSchema, location="query", unknown=RAISE)
@analyses_blp.raises(InvalidCursor)
@analyses_blp.response(200, AnalysisPageSchema)
def list_all(args):
    """List risk analyses

    The analyses of the units in your scope (your units and those below them), newest first, a page at a time;
    filtered by unit, status, scope type, trigger and period.
    """
    flt = db.ListFilter(unit_id=args.get("unit_id"), statuses=args.get("status"),
                        scope_types=args.get("scope_type"), triggers=args.get("trigger"),
                        date_from=args.get("date_from"), date_to=args.get("date_to"), sort=Sort.parse(args["sort"]),
                        cursor=args.get("cursor"), limit=args["limit"], offset=args["offset"])
    return service.list_analyses(_platform(), current_principal(), flt)


@analyses_blp.route("/<analysis_id>", methods=["GET"], endpoint="get_one")
@analyses_blp.response(200, AnalysisSchema, headers=openapi.ETAG)
def get_one(analysis_id):
    """Read a risk analysis

    An analysis of a unit in your scope (otherwise 404). The ETag is what a change needs in If-Match.
    """
    return _analysis(analysis_id)


@analyses_blp.route("/<analysis_id>", methods=["PATCH"])
@analyses_blp.raises(service.Forbidden, d.InvalidAnalysis, d.AnalysisClosed)
@analyses_blp.checks_if_match
@analyses_blp.arguments(AnalysisPatchSchema)
@analyses_blp.response(200, AnalysisSchema, headers=openapi.ETAG)
def patch(data, analysis_id):
    """Change a risk analysis

    Its title, trigger, participants or day, with If-Match, while it is a draft or in progress.
    """
    service.update_analysis(_platform(), current_principal(), analysis_id, data, check_if_match)
    return _analysis(analysis_id)


@analyses_blp.route("/<analysis_id>/transitions", methods=["POST"])
@analyses_blp.raises(service.Forbidden, d.IllegalTransition, d.RisksUnscored, d.OpenActionsRemain)
@analyses_blp.checks_if_match
@analyses_blp.arguments(TransitionSchema)
@analyses_blp.response(200, AnalysisSchema, headers=openapi.ETAG)
def transition(data, analysis_id):
    """Move a risk analysis through its workflow

    start, complete, reopen or follow_up, with If-Match; the analysis's allowed_commands say which its status
    allows. Completing needs every risk scored; following up needs every action done or cancelled.
    """
    service.transition(_platform(), current_principal(), analysis_id, data["command"], check_if_match)
    return _analysis(analysis_id)


@analyses_blp.route("/<analysis_id>/audit", methods=["GET"])
@analyses_blp.raises(service.Forbidden)
@analyses_blp.response(200, AuditEntrySchema(many=True))
def audit(analysis_id):
    """Read an analysis's audit trail

    Who ran which command on the analysis, its risks and their actions, when, and which fields changed.
    """
    return service.analysis_audit_trail(_platform(), current_principal(), analysis_id)


# ---- risks -------------------------------------------------------------------

def _risk(analysis_id: str, risk_id: str, status: int = 200, **headers):
    return _with_etag(service.read_risk(_platform(), current_principal(), analysis_id, risk_id), status, **headers)


@analyses_blp.route("/<analysis_id>/risks", methods=["GET"])
@analyses_blp.response(200, RiskSchema(many=True))
def list_risks(analysis_id):
    """List an analysis's risks

    Every risk of an analysis you may read, in the order they were added, with their scorings.
    """
    return service.list_risks(_platform(), current_principal(), analysis_id)


@analyses_blp.route("/<analysis_id>/risks", methods=["POST"])
@analyses_blp.raises(service.Forbidden, d.AnalysisClosed, d.InvalidAnalysis)
@analyses_blp.idempotent
@analyses_blp.arguments(RiskCreateSchema)
@analyses_blp.response(201, RiskSchema, headers=openapi.CREATED)
def add_risk(data, analysis_id):
    """Add a risk

    To a draft or in-progress analysis: what can happen so that the work is not done as intended, and its causes.
    """
    platform, principal = _platform(), current_principal()
    body, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject, payload={"analysis": analysis_id, **data},
        resource_type="risk", create=lambda claim: service.add_risk(platform, principal, analysis_id, data, claim),
        load=lambda risk_id: service.read_risk(platform, principal, analysis_id, risk_id))
    return _with_etag(body, status, Location=url_for("risk_analyses.get_risk", analysis_id=analysis_id,
                                                     risk_id=body["id"]))


@analyses_blp.route("/<analysis_id>/risks/<risk_id>", methods=["GET"], endpoint="get_risk")
@analyses_blp.response(200, RiskSchema, headers=openapi.ETAG)
def get_risk(analysis_id, risk_id):
    """Read a risk

    One risk of an analysis you may read, with every scoring, its escalations and its action counts.
    """
    return _risk(analysis_id, risk_id)


@analyses_blp.route("/<analysis_id>/risks/<risk_id>", methods=["PATCH"])
@analyses_blp.raises(service.Forbidden, d.AnalysisClosed, d.InvalidAnalysis)
@analyses_blp.checks_if_match
@analyses_blp.arguments(RiskPatchSchema)
@analyses_blp.response(200, RiskSchema, headers=openapi.ETAG)
def patch_risk(data, analysis_id, risk_id):
    """Change a risk

    Its description or causes, with If-Match carrying the risk's ETag, while the analysis is open.
    """
    service.update_risk(_platform(), current_principal(), analysis_id, risk_id, data, check_if_match)
    return _risk(analysis_id, risk_id)


@analyses_blp.route("/<analysis_id>/risks/<risk_id>/scorings", methods=["POST"])
@analyses_blp.raises(service.Forbidden, d.AnalysisClosed, d.ScoreOutsideMatrix, d.InitialScoringRequired)
@analyses_blp.idempotent
@analyses_blp.arguments(ScoringRequestSchema)
@analyses_blp.response(201, RiskSchema, headers=openapi.CREATED)
def score(data, analysis_id, risk_id):
    """Score a risk

    Probability and consequence on the analysis's matrix version, initial (before actions) or residual (after):
    the score and level are computed, never given. Every scoring is kept, with who and when. A step outside the
    matrix is a 422; scoring in a completed analysis a 409. Answers with the risk.
    """
    platform, principal = _platform(), current_principal()
    body, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject,
        payload={"analysis": analysis_id, "risk": risk_id, **data}, resource_type="risk_scoring",
        create=lambda claim: service.score_risk(platform, principal, analysis_id, risk_id, data, claim),
        load=lambda _scoring_id: service.read_risk(platform, principal, analysis_id, risk_id))
    return _with_etag(body, status, Location=url_for("risk_analyses.get_risk", analysis_id=analysis_id,
                                                     risk_id=risk_id))


@analyses_blp.route("/<analysis_id>/risks/<risk_id>/escalations", methods=["POST"])
@analyses_blp.raises(service.Forbidden, d.InvalidEscalation, d.EscalationPending)
@analyses_blp.idempotent
@analyses_blp.arguments(EscalateSchema)
@analyses_blp.response(201, RiskSchema, headers=openapi.CREATED)
def escalate(data, analysis_id, risk_id):
    """Escalate a risk

    A risk that cannot be handled at the unit holding it goes to a unit above it (its förvaltning, or the nämnd),
    with a reason; it waits there until accepted or returned. A unit that is not above is a 422. Answers with the
    risk.
    """
    platform, principal = _platform(), current_principal()
    body, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject,
        payload={"analysis": analysis_id, "risk": risk_id, **data}, resource_type="risk_escalation",
        create=lambda claim: service.escalate_risk(platform, principal, analysis_id, risk_id, data, claim),
        load=lambda _escalation_id: service.read_risk(platform, principal, analysis_id, risk_id))
    return _with_etag(body, status, Location=url_for("risk_analyses.get_risk", analysis_id=analysis_id,
                                                     risk_id=risk_id))


# ---- actions -----------------------------------------------------------------

def _action_response(action, status=200, **headers):
    return service.action_view(action), status, {"ETag": etag(action.id, action.version), **headers}


@analyses_blp.route("/<analysis_id>/risks/<risk_id>/actions", methods=["GET"])
@analyses_blp.response(200, ActionSchema(many=True))
def list_actions(analysis_id, risk_id):
    """List a risk's improvement actions

    The improvement actions (förbättringsåtgärder) of a risk you may read, by due date.
    """
    return service.list_actions(_platform(), current_principal(), analysis_id, risk_id)


@analyses_blp.route("/<analysis_id>/risks/<risk_id>/actions", methods=["POST"])
@analyses_blp.raises(service.Forbidden, d.AnalysisClosed)
@analyses_blp.idempotent
@analyses_blp.arguments(ActionSchema)
@analyses_blp.response(201, ActionSchema, headers=openapi.CREATED)
def add_action(data, analysis_id, risk_id):
    """Add an improvement action

    For the analysts of the unit until the analysis is followed up: a title, the user responsible (owner) and a
    due date. The shared action model, with origin risk.
    """
    platform, principal = _platform(), current_principal()
    action, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject,
        payload={"analysis": analysis_id, "risk": risk_id, **data}, resource_type="improvement_action",
        create=lambda claim: service.add_action(platform, principal, analysis_id, risk_id, data, claim),
        load=lambda action_id: service.get_action(platform, principal, analysis_id, risk_id, action_id))
    return _action_response(action, status, Location=url_for(
        "risk_analyses.get_action", analysis_id=analysis_id, risk_id=risk_id, action_id=action.id))


@analyses_blp.route("/<analysis_id>/risks/<risk_id>/actions/<action_id>", methods=["GET"], endpoint="get_action")
@analyses_blp.response(200, ActionSchema, headers=openapi.ETAG)
def get_action(analysis_id, risk_id, action_id):
    """Read an improvement action

    One action of a risk you may read; the ETag is what a change needs in If-Match.
    """
    return _action_response(service.get_action(_platform(), current_principal(), analysis_id, risk_id, action_id))


@analyses_blp.route("/<analysis_id>/risks/<risk_id>/actions/<action_id>", methods=["PATCH"])
@analyses_blp.raises(service.Forbidden, d.AnalysisClosed, ActionRuleViolation)
@analyses_blp.checks_if_match
@analyses_blp.arguments(ActionUpdateSchema)
@analyses_blp.response(200, ActionSchema, headers=openapi.ETAG)
def update_action(data, analysis_id, risk_id, action_id):
    """Change an improvement action

    Title, description, owner or due date of an open action, with If-Match carrying the action's ETag.
    """
    return _action_response(service.update_action(_platform(), current_principal(), analysis_id, risk_id,
                                                  action_id, data, check_if_match))


@analyses_blp.route("/<analysis_id>/risks/<risk_id>/actions/<action_id>/transitions", methods=["POST"])
@analyses_blp.raises(service.Forbidden, d.AnalysisClosed, IllegalActionTransition)
@analyses_blp.checks_if_match
@analyses_blp.arguments(ActionTransitionSchema)
@analyses_blp.response(200, ActionSchema, headers=openapi.ETAG)
def transition_action(data, analysis_id, risk_id, action_id):
    """Move an improvement action through its workflow

    Start, complete, cancel or reopen, with If-Match carrying the action's ETag; completing may record how the
    effect is followed up.
    """
    return _action_response(service.transition_action(
        _platform(), current_principal(), analysis_id, risk_id, action_id, data["command"],
        data.get("effect_followup", ""), check_if_match))


# --------------------------------------------------------------------------
# Escalations, as the receiving level sees them
# --------------------------------------------------------------------------

@escalations_blp.route("", methods=["GET"])
@escalations_blp.arguments(EscalationArgsSchema, location="query", unknown=RAISE)
@escalations_blp.response(200, EscalationPageSchema)
def escalations_list(args):
    """List escalations

    The escalations of the risks of analyses you may read, newest first; with to_unit_id and status=pending, what
    waits for an answer at a förvaltning or nämnd.
    """
    flt = db.EscalationFilter(to_unit_id=args.get("to_unit_id"), statuses=args.get("status"), limit=args["limit"],
                              offset=args["offset"])
    return service.list_escalations(_platform(), current_principal(), flt)


@escalations_blp.route("/<escalation_id>", methods=["GET"], endpoint="escalation_get")
@escalations_blp.response(200, EscalationResourceSchema, headers=openapi.ETAG)
def escalation_get(escalation_id):
    """Read an escalation

    An escalation of a risk you may read, with its risk's and analysis's ids. The ETag is what the answer needs
    in If-Match.
    """
    return _with_etag(service.read_escalation(_platform(), current_principal(), escalation_id))


@escalations_blp.route("/<escalation_id>/decision", methods=["POST"])
@escalations_blp.raises(service.Forbidden, d.InvalidEscalation, d.EscalationNotPending)
@escalations_blp.checks_if_match
@escalations_blp.arguments(EscalationDecisionSchema)
@escalations_blp.response(200, EscalationResourceSchema, headers=openapi.ETAG)
def escalation_decide(data, escalation_id):
    """Accept or return an escalated risk

    For the receiving level (an enhetschef, verksamhetschef, förvaltningschef or processägare whose units include
    the unit it was escalated to), with If-Match carrying the escalation's ETag: accept it (the risk is then held
    there, and may be escalated further), or return it with a reason. Never silently moved.
    """
    return _with_etag(service.decide_escalation(_platform(), current_principal(), escalation_id, data,
                                                check_if_match))


# --------------------------------------------------------------------------
# Risk proposals from deviations
# --------------------------------------------------------------------------

@proposals_blp.route("", methods=["GET"])
@proposals_blp.arguments(ProposalArgsSchema, location="query", unknown=RAISE)
@proposals_blp.raises(InvalidCursor)
@proposals_blp.response(200, ProposalPageSchema)
def proposals_list(args):
    """List risk proposals

    The proposals for the units in your scope (your units and those below them), open ones unless status says
    otherwise, newest first, a page at a time (next_cursor); filtered by unit, reason and source case.
    """
    flt = db.ProposalFilter(statuses=args.get("status"), unit_id=args.get("unit_id"), reasons=args.get("reason"),
                            deviation_id=args.get("deviation_id"), sort=Sort.parse(args["sort"]),
                            cursor=args.get("cursor"), limit=args["limit"])
    return proposals.list_proposals(_platform(), current_principal(), flt)


@proposals_blp.route("/<proposal_id>", methods=["GET"], endpoint="proposal_get")
@proposals_blp.response(200, ProposalSchema, headers=openapi.ETAG)
def proposal_get(proposal_id):
    """Read a risk proposal

    A proposal for a unit in your scope (otherwise 404): its source case by id and kind, its status and, once
    accepted, the analysis and risk it became. The ETag is what the decision needs in If-Match.
    """
    return _with_etag(proposals.read_proposal(_platform(), current_principal(), proposal_id))


@proposals_blp.route("/<proposal_id>/decision", methods=["POST"])
@proposals_blp.raises(service.Forbidden, service.UnknownUnit, d.InvalidAnalysis, d.AnalysisClosed,
                      dp.InvalidProposalDecision, dp.ProposalNotOpen)
@proposals_blp.checks_if_match
@proposals_blp.arguments(ProposalDecisionSchema)
@proposals_blp.response(200, ProposalSchema, headers=openapi.ETAG)
def proposal_decide(data, proposal_id):
    """Accept or dismiss a risk proposal

    For an enhetschef, verksamhetschef, förvaltningschef or processägare of the proposal's unit, with If-Match:
    accept it into an open analysis of the unit (analysis_id) or into a new one started for the unit
    (new_analysis; trigger serious_deviation or deviations_elsewhere), where it becomes a risk (description and
    causes, or a sentence naming the case's kind); or dismiss it with a reason. A proposal is decided once: again
    is a 409 proposal_not_open.
    """
    return _with_etag(proposals.decide(_platform(), current_principal(), proposal_id, data, check_if_match))


# --------------------------------------------------------------------------
# An owner's actions, across analyses
# --------------------------------------------------------------------------

@owned_actions_blp.route("", methods=["GET"])
@owned_actions_blp.arguments(OwnedActionArgsSchema, location="query", unknown=RAISE)
@owned_actions_blp.raises(InvalidCursor)
@owned_actions_blp.response(200, OwnedActionPageSchema)
def list_owned_actions(args):
    """List an owner's improvement actions

    The improvement actions (förbättringsåtgärder) of risks a person owns, yours by default, across the risk
    analyses you may read, by due date with the earliest first, a page at a time; each with its analysis's id and
    title and its unit's name.
    """
    principal = current_principal()
    owner = principal.subject if args["owner"] == "me" else args["owner"]
    flt = db.OwnedActionFilter(owner=owner, statuses=args.get("status"), cursor=args.get("cursor"),
                               limit=args["limit"], offset=args["offset"])
    return service.list_owned_actions(_platform(), principal, flt)
