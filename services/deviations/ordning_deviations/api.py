"""HTTP: thin blueprints that parse, call service.py and render."""
from __future__ import annotations

from flask import current_app, jsonify, url_for
from marshmallow import RAISE
from ordning_shared.actions import (ActionRuleViolation, ActionSchema, ActionTransitionSchema, ActionUpdateSchema,
                                    IllegalActionTransition, OwnedActionArgsSchema)
from ordning_shared import openapi
from ordning_shared.http import Blueprint, check_if_match, current_principal, etag
from ordning_shared.idempotency import create_once
from ordning_shared.pagination import InvalidCursor, Sort
from ordning_shared.readlog import read_log_blueprint
from ordning_shared.public import anonymous_principal, honeypot_filled

from . import db, service
from . import domain as d
from .domain import REFERENCE_PATTERN, Kind
from .schemas import (AuditEntrySchema, CategorySchema, CategoryUpdateSchema, DeadlinePolicySchema,
                      DeviationPageSchema, DeviationPatchSchema, DeviationSchema, FeedbackStatusQuerySchema,
                      FeedbackStatusSchema, InvestigationUpdateSchema,
                      IvoReportSchema, ListArgsSchema, PublicFeedbackSchema, ReceiptSchema,
                      ReportDeviationSchema, RetentionPolicySchema, SUMMARY_FIELDS, SeriousnessDecisionSchema,
                      TransitionSchema,
                      WorkingCalendarSchema, OwnedActionPageSchema)
from .schemas import (EventAnalysisSchema, IvoDecisionSchema, IvoSupplementAnswerSchema, IvoSupplementRequestSchema,
                      ProviderFollowUpSchema, ProviderReportSchema)
from .schemas import (AnswerSchema, CaseSettingsSchema, ComplainantOutSchema, ComplainantSchema, FeedbackViewSchema,
                      MyReportsArgsSchema, MyReportsPageSchema, ReporterFeedbackSchema)
from .schemas import DuplicateOfSchema, InvestigatorSchema
from .schemas import InformingSchema, InvolvedStaffSchema, LexPolicySchema, ReclassifySchema

CASE_PARAMETERS = {
    "deviation_id": {"description": "The case's id (a UUID).", "example": "3f6c2b1e-8d4a-4c59-9f0e-2a7b5d1c9e84"},
    "action_id": {"description": "The improvement action's id (a UUID).",
                  "example": "9a1e4c7b-3d2f-4b8a-8e6c-1f0d2b3a4c5e"},
    "supplement_id": {"description": "The komplettering's id (a UUID).",
                      "example": "5b1d2c3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"},
}
KIND_PARAMETER = {"kind": {"description": "The kind of case: avvikelse, lex_sarah, lex_maria, klagomal or synpunkt.",
                           "example": "lex_sarah"}}

deviations_blp = Blueprint("deviations", __name__, url_prefix="/api/v1/deviations", path_parameters=CASE_PARAMETERS,
                           description="Cases: avvikelser, lex Sarah, lex Maria, klagomål and synpunkter, from their "
                                       "report to their closing, with their improvement actions "
                                       "(förbättringsåtgärder).")
categories_blp = Blueprint("categories", __name__, url_prefix="/api/v1/categories", path_parameters={
    "category_id": {"description": "The category's id (a UUID).", "example": "0d3c6f5e-7b2a-4e11-9c8d-5f4a3b2e1d0c"}},
                           description="The tenant's categories (kategorier) for classifying cases.")
policies_blp = Blueprint("deadline_policies", __name__, url_prefix="/api/v1/deadline-policies",
                         path_parameters=KIND_PARAMETER,
                         description="The tenant's deadlines (tidsfrister) per kind of case, in working days.")
retention_blp = Blueprint("retention_policies", __name__, url_prefix="/api/v1/retention-policies",
                          path_parameters=KIND_PARAMETER,
                          description="The tenant's retention (gallringsfrister) per kind of case: years after "
                                      "closing before a case is gallrad.")
calendar_blp = Blueprint("working_calendar", __name__, url_prefix="/api/v1/working-calendar",
                         description="The tenant's working calendar (arbetskalender): the eves and extra days off "
                                     "besides the public holidays, which deadlines skip.")
actions_blp = Blueprint("actions", __name__, url_prefix="/api/v1/actions",
                        description="Improvement actions (förbättringsåtgärder) across cases: whose they are and "
                                    "when they are due.")
public_blp = Blueprint("public", __name__, url_prefix="/api/v1/public",
                       description="A citizen's klagomål and synpunkter, without a token.")

case_settings_blp = Blueprint("case_settings", __name__, url_prefix="/api/v1/case-settings",
                              description="The tenant's case settings (issue 14): the answer a citizen's receipt "
                                          "promises, and whether reporters are named to the case's handlers only.")

lex_policies_blp = Blueprint("lex_policies", __name__, url_prefix="/api/v1/lex-policies", path_parameters={
    "kind": {"description": "lex_sarah or lex_maria.", "example": "lex_sarah"}},
                             description="The tenant's delegation for lex Sarah and lex Maria (who decides, at which "
                                         "org level, under which reference) and whether closing requires the "
                                         "person concerned informed.")


BLUEPRINTS = [deviations_blp, actions_blp, categories_blp, policies_blp, retention_blp, calendar_blp, public_blp,
              read_log_blueprint("deviations"), case_settings_blp, lex_policies_blp]
KIND_VALUES = [k.value for k in Kind]


def _platform():
    return current_app.extensions["ordning"]


def _with_etag(body: dict, status: int = 200, **headers):
    return body, status, {"ETag": etag(body["id"], body["version"]), **headers}


def _case(deviation_id: str):
    return service.view(_platform(), current_principal(), deviation_id)


# --------------------------------------------------------------------------
# Deviations
# --------------------------------------------------------------------------

@deviations_blp.route("", methods=["POST"])
@deviations_blp.arguments(ReportDeviationSchema)
@deviations_blp.response(201, DeviationSchema, headers=openapi.CREATED)
@deviations_blp.raises(service.Forbidden, service.UnknownUnit, service.UnknownCategory, d.InvalidReport,
                        d.InvalidInput, d.InvalidInvolvedUnit)
@deviations_blp.idempotent
def report(data):
    """Report a case

    Any staff member may report an avvikelse, lex Sarah, lex Maria, klagomål or synpunkt about an open unit of
    the tenant: kind, unit_id and description are enough. The deadlines follow from the tenant's deadline
    policy and working calendar. The answer carries the case's ETag and Location; an Idempotency-Key makes a
    retry safe.
    """
    platform, principal = _platform(), current_principal()
    body, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject, payload=data, resource_type="deviation",
        create=lambda claim: service.report_deviation(platform, principal, data, claim),
        load=lambda deviation_id: service.view(platform, principal, deviation_id))
    return _with_etag(body, status, Location=url_for("deviations.get_one", deviation_id=body["id"]))



@deviations_blp.route("", methods=["GET"])
@deviations_blp.arguments(ListArgsSchema, location="query", unknown=RAISE)
@deviations_blp.raises(InvalidCursor)
@deviations_blp.response(200, DeviationPageSchema)
def list_all(args):
    """List cases

    The cases you may read, newest first, a page at a time: those of the units in your scope that your roles
    may read, and those you reported. Filtered by unit, kind, status, period, category, overdue and mine.
    Reading a lex Sarah or lex Maria case on a page is recorded in the read log. view=summary gives each case's
    list fields only (see the parameter), for lists of many cases.
    """
    flt = db.ListFilter(unit_id=args.get("unit_id"), kinds=args.get("kind"), statuses=args.get("status"),
                        reported_from=args.get("reported_from"), reported_to=args.get("reported_to"),
                        overdue=args.get("overdue"), category_id=args.get("category_id"), mine=args["mine"],
                        q=args.get("q"), sort=Sort.parse(args["sort"]), cursor=args.get("cursor"),
                        limit=args["limit"], offset=args["offset"],
                        investigator=current_principal().subject if args.get("investigator") == "me"
                        else args.get("investigator"), involved_unit_id=args.get("involved_unit_id"))
    page = service.list_deviations(_platform(), current_principal(), flt, view=args["view"])
    if args["view"] == "summary":
        # Dumped with the summary's fields only: the page schema would visit every field of every case.
        return jsonify(SUMMARY_PAGE_SCHEMA.dump(page))
    return page


SUMMARY_PAGE_SCHEMA = DeviationPageSchema(only=("total", "limit", "offset", "next_cursor",
                                                *(f"items.{name}" for name in SUMMARY_FIELDS)))


REFERENCE_PARAMETER = {
    "in": "path", "name": "reference", "required": True,
    "schema": {"type": "string", "pattern": REFERENCE_PATTERN},
    "description": "The case's reference number (ärendenummer) as on the receipt: the year of reporting, a dash "
                   "and six digits, numbered per municipality.",
    "example": "2026-000006"}


# A static segment before the value: werkzeug matches it before /<deviation_id>/..., and no id is "by-reference".
@deviations_blp.route("/by-reference/<reference>", methods=["GET"], endpoint="get_by_reference",
                      parameters=[REFERENCE_PARAMETER])
@deviations_blp.response(200, DeviationSchema)
def get_by_reference(reference):
    """Read a case by its reference number.

    The number people quote on the phone (ärendenummer, e.g. 2026-000006), within your municipality. Answers
    as reading the case by its id does: the same body and ETag, 404 when there is no such case or you may not
    read it, and a read of a lex Sarah / lex Maria case is written to the read log.
    """
    return _with_etag(service.read_deviation_by_reference(_platform(), current_principal(), reference))


@deviations_blp.route("/<deviation_id>", methods=["GET"], endpoint="get_one")
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def get_one(deviation_id):
    """Read a case

    A case you may read (otherwise 404, so that its existence is not told). The ETag is what a change needs in
    If-Match. Reading a lex Sarah or lex Maria case is recorded in the read log.
    """
    return _with_etag(service.read_deviation(_platform(), current_principal(), deviation_id))


@deviations_blp.route("/<deviation_id>", methods=["PATCH"])
@deviations_blp.raises(service.Forbidden, service.UnknownUnit, service.UnknownCategory, d.CaseClosed,
                        d.InvalidInput, d.InvalidInvolvedUnit)
@deviations_blp.checks_if_match
@deviations_blp.arguments(DeviationPatchSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def patch(data, deviation_id):
    """Change a case's category or unit

    For the case's handlers, with If-Match, while the case is open. Moving it to another unit moves its open
    improvement actions too.
    """
    service.change_case(_platform(), current_principal(), deviation_id, data, check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/transitions", methods=["POST"])
@deviations_blp.raises(service.Forbidden, d.IllegalTransition, d.InvestigationIncomplete, d.OpenActionsRemain,
                        d.SeriousnessDecisionRequired, d.IvoReportRequired, d.ProviderFollowUpRequired,
                        d.MasterOfDuplicates)
@deviations_blp.checks_if_match
@deviations_blp.arguments(TransitionSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def transition(data, deviation_id):
    """Move a case through its workflow

    Receive, start and complete the investigation, close, reopen, reopen the investigation, or reject, with
    If-Match. The case's allowed_commands say which its status allows; closing needs a completed
    investigation, no open actions, and for lex Sarah and lex Maria a seriousness decision (and, if serious,
    the IVO report); a synpunkt may be closed once received. Rejecting needs a rejection reason.
    flag_possible_elsewhere and clear_possible_elsewhere set and clear the investigation's finding that the
    event may happen at other units (kan inträffa på andra enheter), keeping the status: for the case's
    handlers while it is investigating or investigated. The case's assigned investigator may start and complete
    the investigation.
    """
    service.transition(_platform(), current_principal(), deviation_id, data["command"], check_if_match,
                       rejection=data.get("rejection"))
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/investigation", methods=["PUT"])
@deviations_blp.raises(service.Forbidden, d.InvestigationNotEditable, d.CaseClosed)
@deviations_blp.checks_if_match
@deviations_blp.arguments(InvestigationUpdateSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def investigation(data, deviation_id):
    """Write the investigation

    For the case's handlers, with If-Match, while the investigation is open: what happened, why, and what must
    change. A field left out keeps its text.
    """
    service.update_investigation(_platform(), current_principal(), deviation_id, data, check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/investigator", methods=["PUT"])
@deviations_blp.raises(service.Forbidden, d.CaseClosed, d.InvalidInvestigator)
@deviations_blp.checks_if_match
@deviations_blp.arguments(InvestigatorSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def investigator(data, deviation_id):
    """Assign the case's investigator

    For the case's handlers, with If-Match, while the case is not ended: the user id of the staff member who
    investigates it (utredare), or null to clear it. The investigator reads the case and starts, writes and
    completes its investigation; GET /deviations?investigator=me lists their cases.
    """
    service.assign_investigator(_platform(), current_principal(), deviation_id, data["investigator_id"],
                                check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/duplicate-of", methods=["PUT"])
@deviations_blp.raises(service.Forbidden, d.IllegalTransition, d.OpenActionsRemain, d.InvalidDuplicate,
                        d.MasterOfDuplicates, service.UnknownCase)
@deviations_blp.checks_if_match
@deviations_blp.arguments(DuplicateOfSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def duplicate_of(data, deviation_id):
    """Close a case as a duplicate of another

    For the handlers of both cases, with If-Match, while the case is not ended (from any status, unlike reject):
    a duplicate report of an event that another case (its master) handles. The case ends as avvisat with the
    reason duplicate, names its master (duplicate_of_id, rejection.duplicate_of) and the master lists it among its
    duplicates; rejected.v1 carries master_id. Its improvement actions must be done or cancelled first. The
    master may be closed but not rejected (not a duplicate itself), and for a lex Sarah or lex Maria case it is a
    case of the same kind, whose seriousness decision and IVO report are the event's. A case that is itself the
    master of duplicates is not closed as a duplicate (409 master_of_duplicates): close the other case into it.
    """
    service.close_as_duplicate(_platform(), current_principal(), deviation_id, data["master"], check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/seriousness", methods=["PUT"])
@deviations_blp.raises(service.Forbidden, d.SeriousnessNotApplicable, d.SeriousnessDecisionTooEarly, d.CaseClosed,
                        d.IvoAlreadyReported, d.InvalidInput, d.InvalidOutcome, d.Disqualified)
@deviations_blp.checks_if_match
@deviations_blp.arguments(SeriousnessDecisionSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def seriousness(data, deviation_id):
    """Decide whether a lex Sarah or lex Maria case is serious

    With If-Match, for whom the tenant's delegation names (GET /api/v1/lex-policies/{kind}; by default the
    förvaltningschef for lex Sarah, MAS or MAR for lex Maria), holding that role for the case's unit at the
    delegation's org level (from the copy of the processes service's role assignments; without a copy, the token's
    roles): otherwise 403 not_delegated. The reporter and the staff named as involved are disqualified (jäv, 403
    disqualified). The decision records the outcome from the kind's list, a motivering and the delegation
    reference; serious follows from the outcome. A serious case must be reported to IVO before it is closed.
    """
    service.decide_seriousness(_platform(), current_principal(), deviation_id, data.get("serious"), check_if_match,
                               outcome=data.get("outcome"), motivering=data.get("motivering"))
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/ivo-report", methods=["PUT"])
@deviations_blp.raises(service.Forbidden, d.IvoReportNotAllowed, d.CaseClosed, d.InvalidInput, d.InvalidIvoStep,
                        d.IvoReportByProvider)
@deviations_blp.checks_if_match
@deviations_blp.arguments(IvoReportSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def ivo_report(data, deviation_id):
    """Record the report to IVO

    With If-Match, for a lex Sarah or lex Maria case decided serious: the day it was reported to IVO
    (Inspektionen för vård och omsorg) and IVO's reference (diarienummer). The day is neither before the event
    (occurred_at, else reported_at) nor in the future. Refused (ivo_report_by_provider) when the case's unit is an
    external provider, which reports to IVO itself.
    """
    service.record_ivo_report(_platform(), current_principal(), deviation_id, data["reported_on"],
                              data["reference"], check_if_match)
    return _with_etag(_case(deviation_id))


_IVO_STEP_REFUSALS = (service.Forbidden, d.IvoStepNotAllowed, d.CaseClosed, d.InvalidIvoStep)


@deviations_blp.route("/<deviation_id>/ivo-supplements", methods=["POST"])
@deviations_blp.raises(*_IVO_STEP_REFUSALS)
@deviations_blp.checks_if_match
@deviations_blp.arguments(IvoSupplementRequestSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def ivo_supplement(data, deviation_id):
    """Record a komplettering IVO asks for

    With If-Match, once the report to IVO is recorded: the day IVO asked, what it asks for and by when.
    """
    service.request_ivo_supplement(_platform(), current_principal(), deviation_id, data, check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/ivo-supplements/<supplement_id>", methods=["PUT"])
@deviations_blp.raises(*_IVO_STEP_REFUSALS)
@deviations_blp.checks_if_match
@deviations_blp.arguments(IvoSupplementAnswerSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def ivo_supplement_answer(data, deviation_id, supplement_id):
    """Record that a komplettering was answered

    With If-Match: the day the komplettering was sent to IVO.
    """
    service.answer_ivo_supplement(_platform(), current_principal(), deviation_id, supplement_id, data,
                                  check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/ivo-decision", methods=["PUT"])
@deviations_blp.raises(*_IVO_STEP_REFUSALS)
@deviations_blp.checks_if_match
@deviations_blp.arguments(IvoDecisionSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def ivo_decision(data, deviation_id):
    """Record IVO's decision

    With If-Match, once the report to IVO is recorded: the day (not before the report), the outcome and IVO's
    reference if any. A later call corrects it.
    """
    service.record_ivo_decision(_platform(), current_principal(), deviation_id, data, check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/event-analysis", methods=["PUT"])
@deviations_blp.raises(*_IVO_STEP_REFUSALS)
@deviations_blp.checks_if_match
@deviations_blp.arguments(EventAnalysisSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def event_analysis(data, deviation_id):
    """Record the händelseanalys of a lex Maria case

    With If-Match, while or after the case is investigated: the method, the participants (readable only by the
    case's readers), the root causes with the case's improvement actions that answer them, and the day it was
    completed (null: a draft). The whole analysis is replaced.
    """
    service.record_event_analysis(_platform(), current_principal(), deviation_id, data, check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/provider-report", methods=["PUT"])
@deviations_blp.raises(*_IVO_STEP_REFUSALS)
@deviations_blp.checks_if_match
@deviations_blp.arguments(ProviderReportSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def provider_report(data, deviation_id):
    """Record an external provider's own report to IVO

    With If-Match, for a serious lex case of a unit that is an external provider (utförare i privat regi): the
    day the provider reported to IVO and its reference if given.
    """
    service.record_provider_report(_platform(), current_principal(), deviation_id, data, check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/provider-follow-up", methods=["PUT"])
@deviations_blp.raises(*_IVO_STEP_REFUSALS)
@deviations_blp.checks_if_match
@deviations_blp.arguments(ProviderFollowUpSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def provider_follow_up(data, deviation_id):
    """Record the municipality's follow-up of a provider's report

    With If-Match, once the provider's report is recorded: the day, the assessment and its outcome; the one who
    records it is named as who followed it up. Closing the serious case requires it.
    """
    service.follow_up_provider_report(_platform(), current_principal(), deviation_id, data, check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/audit", methods=["GET"])
@deviations_blp.raises(service.Forbidden)
@deviations_blp.response(200, AuditEntrySchema(many=True))
def audit(deviation_id):
    """Read a case's audit trail

    Who ran which command on the case and its actions, when, and which fields changed; for who may read the
    case and is kvalitetsutvecklare, administrator or förvaltningschef. Reading the trail of a lex Sarah or
    lex Maria case is recorded in the read log.
    """
    return service.audit_trail(_platform(), current_principal(), deviation_id)


# ---- actions ---------------------------------------------------------------

def _action_response(action, status=200, **headers):
    body = service.action_view(action)
    return body, status, {"ETag": etag(action.id, action.version), **headers}


@deviations_blp.route("/<deviation_id>/actions", methods=["GET"])
@deviations_blp.response(200, ActionSchema(many=True))
def list_actions(deviation_id):
    """List a case's improvement actions

    The improvement actions (förbättringsåtgärder) of a case you may read, by due date.
    """
    return service.list_actions(_platform(), current_principal(), deviation_id)


@deviations_blp.route("/<deviation_id>/actions", methods=["POST"])
@deviations_blp.raises(service.Forbidden, d.CaseClosed)
@deviations_blp.idempotent
@deviations_blp.arguments(ActionSchema)
@deviations_blp.response(201, ActionSchema, headers=openapi.CREATED)
def add_action(data, deviation_id):
    """Add an improvement action

    For the case's handlers while it is open: a title, the user responsible (owner) and a due date. The answer
    carries the action's ETag and Location; an Idempotency-Key makes a retry safe.
    """
    platform, principal = _platform(), current_principal()
    action, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject, payload={"case": deviation_id, **data},
        resource_type="improvement_action",
        create=lambda claim: service.add_action(platform, principal, deviation_id, data, claim),
        load=lambda action_id: service.get_action(platform, principal, deviation_id, action_id))
    return _action_response(action, status, Location=url_for(
        "deviations.get_action", deviation_id=deviation_id, action_id=action.id))


@deviations_blp.route("/<deviation_id>/actions/<action_id>", methods=["GET"], endpoint="get_action")
@deviations_blp.response(200, ActionSchema, headers=openapi.ETAG)
def get_action(deviation_id, action_id):
    """Read an improvement action

    One action of a case you may read; the ETag is what a change needs in If-Match.
    """
    return _action_response(service.get_action(_platform(), current_principal(), deviation_id, action_id))


@deviations_blp.route("/<deviation_id>/actions/<action_id>", methods=["PATCH"])
@deviations_blp.raises(service.Forbidden, d.CaseClosed, ActionRuleViolation)
@deviations_blp.checks_if_match
@deviations_blp.arguments(ActionUpdateSchema)
@deviations_blp.response(200, ActionSchema, headers=openapi.ETAG)
def update_action(data, deviation_id, action_id):
    """Change an improvement action

    Title, description, owner or due date of an open action, with If-Match carrying the action's ETag.
    """
    return _action_response(service.update_action(_platform(), current_principal(), deviation_id, action_id,
                                                  data, check_if_match))


@deviations_blp.route("/<deviation_id>/actions/<action_id>/transitions", methods=["POST"])
@deviations_blp.raises(service.Forbidden, d.CaseClosed, IllegalActionTransition)
@deviations_blp.checks_if_match
@deviations_blp.arguments(ActionTransitionSchema)
@deviations_blp.response(200, ActionSchema, headers=openapi.ETAG)
def transition_action(data, deviation_id, action_id):
    """Move an improvement action through its workflow

    Start, complete, cancel or reopen, with If-Match carrying the action's ETag; completing may record how the
    effect is followed up.
    """
    return _action_response(service.transition_action(
        _platform(), current_principal(), deviation_id, action_id, data["command"],
        data.get("effect_followup", ""), check_if_match))


@actions_blp.route("", methods=["GET"])
@actions_blp.arguments(OwnedActionArgsSchema, location="query", unknown=RAISE)
@actions_blp.raises(InvalidCursor)
@actions_blp.response(200, OwnedActionPageSchema)
def list_owned_actions(args):
    """List an owner's improvement actions

    The improvement actions (förbättringsåtgärder) a person owns, yours by default, across the cases you may
    read, by due date with the earliest first, a page at a time; each with its case's reference and unit name.
    """
    principal = current_principal()
    owner = principal.subject if args["owner"] == "me" else args["owner"]
    flt = db.OwnedActionFilter(owner=owner, statuses=args.get("status"), cursor=args.get("cursor"),
                               limit=args["limit"], offset=args["offset"])
    return service.list_owned_actions(_platform(), principal, flt)


# --------------------------------------------------------------------------
# Categories and deadline policies
# --------------------------------------------------------------------------

@categories_blp.route("", methods=["GET"])
@categories_blp.response(200, CategorySchema(many=True))
def categories_list():
    """List categories

    The tenant's active categories, for any authenticated user.
    """
    return service.list_categories(_platform(), current_principal())


@categories_blp.route("", methods=["POST"])
@categories_blp.raises(service.Forbidden, service.CategoryExists)
@categories_blp.idempotent
@categories_blp.arguments(CategorySchema)
@categories_blp.response(201, CategorySchema, headers=openapi.CREATED)
def categories_create(data):
    """Create a category

    For an administrator: a name unique in the tenant and the kinds it applies to (empty: all). The answer
    carries its ETag and Location; an Idempotency-Key makes a retry safe.
    """
    platform, principal = _platform(), current_principal()
    service._require_admin(principal)
    body, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject, payload=data, resource_type="category",
        create=lambda claim: service.create_category(platform, principal, data, claim),
        load=lambda category_id: service.get_category(platform, principal, category_id))
    return _with_etag(body, status, Location=url_for("categories.categories_get", category_id=body["id"]))


@categories_blp.route("/<category_id>", methods=["GET"], endpoint="categories_get")
@categories_blp.response(200, CategorySchema, headers=openapi.ETAG)
def categories_get(category_id):
    """Read a category

    The ETag is what a change needs in If-Match.
    """
    return _with_etag(service.get_category(_platform(), current_principal(), category_id))


@categories_blp.route("/<category_id>", methods=["PATCH"])
@categories_blp.raises(service.Forbidden, service.CategoryExists)
@categories_blp.checks_if_match
@categories_blp.arguments(CategoryUpdateSchema)
@categories_blp.response(200, CategorySchema, headers=openapi.ETAG)
def categories_update(data, category_id):
    """Change or deactivate a category

    For an administrator, with If-Match. A deactivated category is no longer offered; cases keep it.
    """
    return _with_etag(service.update_category(_platform(), current_principal(), category_id, data, check_if_match))


def _kind_or_404(kind: str) -> str:
    if kind not in KIND_VALUES:
        raise service.NotFound("Typen är okänd.", f"The kind {kind[:40]!r} is unknown.")
    return kind


@policies_blp.route("/<kind>", methods=["GET"])
@policies_blp.response(200, DeadlinePolicySchema, headers=openapi.ETAG)
def policy_get(kind):
    """Read the deadlines of a kind

    The tenant's own deadline policy for the kind, else the default; the ETag is what a change needs in
    If-Match.
    """
    return _with_kind_etag(service.get_policy(_platform(), current_principal(), _kind_or_404(kind)))


@policies_blp.route("/<kind>", methods=["PUT"])
@policies_blp.raises(service.Forbidden, service.InvalidPolicy)
@policies_blp.checks_if_match
@policies_blp.arguments(DeadlinePolicySchema)
@policies_blp.response(200, DeadlinePolicySchema, headers=openapi.ETAG)
def policy_put(data, kind):
    """Set the deadlines of a kind

    For an administrator, with If-Match: the working days to receive, to investigate and (lex Sarah, lex
    Maria) to report to IVO. Cases reported from then on get the new deadlines.
    """
    return _with_kind_etag(service.put_policy(_platform(), current_principal(), _kind_or_404(kind), data,
                                                check_if_match))


def _with_kind_etag(body: dict):
    """A per-kind setting of the tenant (deadlines, retention): its ETag is "<kind>.<version>"."""
    return body, 200, {"ETag": etag(body["kind"], body["version"])}


@retention_blp.route("", methods=["GET"])
@retention_blp.raises(service.Forbidden)
@retention_blp.response(200, RetentionPolicySchema(many=True))
def retention_list():
    """List the retention of every kind

    The tenant's own retention policy per kind, else the default.
    """
    return service.list_retention_policies(_platform(), current_principal())


@retention_blp.route("/<kind>", methods=["GET"])
@retention_blp.raises(service.Forbidden)
@retention_blp.response(200, RetentionPolicySchema, headers=openapi.ETAG)
def retention_get(kind):
    """Read the retention of a kind

    Years after a case's last closing before it is gallrad (its text and people replaced); the ETag is what a
    change needs in If-Match.
    """
    return _with_kind_etag(service.get_retention_policy(_platform(), current_principal(), _kind_or_404(kind)))


@retention_blp.route("/<kind>", methods=["PUT"])
@retention_blp.raises(service.Forbidden, service.InvalidRetentionPolicy)
@retention_blp.checks_if_match
@retention_blp.arguments(RetentionPolicySchema)
@retention_blp.response(200, RetentionPolicySchema, headers=openapi.ETAG)
def retention_put(data, kind):
    """Set the retention of a kind

    For an administrator, with If-Match: 1 to 100 years after a case's last closing.
    """
    return _with_kind_etag(service.put_retention_policy(_platform(), current_principal(), _kind_or_404(kind), data,
                                                        check_if_match))


def _with_calendar_etag(body: dict):
    return body, 200, {"ETag": etag(service.CALENDAR_ETAG_ID, body["version"])}


@calendar_blp.route("", methods=["GET"])
@calendar_blp.raises(service.Forbidden)
@calendar_blp.response(200, WorkingCalendarSchema, headers=openapi.ETAG)
def calendar_get():
    """Read the working calendar

    The tenant's own calendar, else the default (midsommarafton, julafton and nyårsafton off); the ETag is
    what a change needs in If-Match.
    """
    return _with_calendar_etag(service.get_calendar(_platform(), current_principal()))


@calendar_blp.route("", methods=["PUT"])
@calendar_blp.raises(service.Forbidden, service.InvalidCalendar)
@calendar_blp.checks_if_match
@calendar_blp.arguments(WorkingCalendarSchema)
@calendar_blp.response(200, WorkingCalendarSchema, headers=openapi.ETAG)
def calendar_put(data):
    """Set the working calendar

    For an administrator, with If-Match: the eves treated as days off and other days off. It applies to the
    deadlines of cases reported from then on.
    """
    return _with_calendar_etag(service.put_calendar(_platform(), current_principal(), data, check_if_match))


# --------------------------------------------------------------------------
# Public: citizens
# --------------------------------------------------------------------------

@public_blp.route("/<tenant>/feedback", methods=["POST"])
@public_blp.raises(service.UnknownUnit)
@public_blp.idempotent
@public_blp.arguments(PublicFeedbackSchema)
@public_blp.response(201, ReceiptSchema)
def public_feedback(data, tenant):
    """Submit a klagomål or synpunkt, without a token

    For a citizen: a complaint (klagomål) or suggestion (synpunkt) about a unit of the municipality, anonymous
    or with contact details. The answer is a receipt with the case's reference and its dates. Rate limited per
    client and per municipality; an Idempotency-Key makes a retry safe.
    """
    platform = _platform()
    if data.pop("website"):  # only a robot fills the hidden field: it is told "thank you", nothing is kept
        honeypot_filled(platform.service)
        return service.decoy_receipt(data["kind"]), 201, NO_STORE
    if len(tenant) > 16:
        raise service.NotFound("Kommunen är okänd.", "The municipality is unknown.")
    body, status, _replayed = create_once(
        platform, tenant=tenant, principal=anonymous_principal(), payload=data, resource_type="deviation",
        create=lambda claim: service.submit_public_feedback(platform, tenant, data, claim),
        load=lambda deviation_id: service.receipt(platform, tenant, deviation_id))
    return body, status, NO_STORE


NO_STORE = {"Cache-Control": "no-store"}  # a receipt's secret, a case's status: kept by no cache on the way


@public_blp.route("/<tenant>/feedback/status", methods=["POST"])
@public_blp.raises(service.ReceiptNotFound)
@public_blp.arguments(FeedbackStatusQuerySchema)
@public_blp.response(200, FeedbackStatusSchema)
def public_feedback_status(data, tenant):
    """Follow a klagomål or synpunkt with its receipt: its status and dates.

    The reference and the secret from the receipt go in the body, never in the URL, so that no access log keeps
    them. The answer holds the status and the dates (received, due, closed) and nothing else: no text, no unit, no
    person. A wrong municipality, reference or secret is the same 404, and the endpoint is rate limited like every
    public one.
    """
    return service.feedback_status(_platform(), tenant, data["reference"], data["secret"]), 200, NO_STORE


# The classification's routes (händelsetyp, consequence score, place): a module of their own.
from .classification_api import BLUEPRINTS as _CLASSIFICATION_BLUEPRINTS  # noqa: E402

BLUEPRINTS.extend(_CLASSIFICATION_BLUEPRINTS)
# The tenant's code lists (issue 14): a module of their own.
from .code_list_api import BLUEPRINTS as _CODE_LIST_BLUEPRINTS  # noqa: E402

BLUEPRINTS.extend(_CODE_LIST_BLUEPRINTS)
# --------------------------------------------------------------------------
# Issue 14: complaints answered, the reporter's feedback view, case settings
# --------------------------------------------------------------------------

@deviations_blp.route("/reported-by-me", methods=["GET"], endpoint="reported_by_me")
@deviations_blp.arguments(MyReportsArgsSchema, location="query", unknown=RAISE)
@deviations_blp.raises(service.Forbidden)
@deviations_blp.response(200, MyReportsPageSchema)
def reported_by_me(args):
    """List the cases you reported (mina rapporter)

    Your own reports, newest first, each with its status and whether its handlers have written you feedback;
    open one with GET .../{deviation_id}/feedback.
    """
    return service.reported_by_me(_platform(), current_principal(), args["limit"], args["offset"])


@deviations_blp.route("/<deviation_id>/feedback", methods=["GET"], endpoint="feedback")
@deviations_blp.response(200, FeedbackViewSchema)
def feedback(deviation_id):
    """Read the feedback on a case you reported (återkoppling)

    Its status, the outcome in a sentence its handlers wrote for you, and the improvement actions taken (title and
    status); nothing of the investigation, the IVO report, the complainant or other people. For the reporter and
    for who may read the case whole; 404 for anyone else. A reporter who is not one of the case's readers gets 404
    on the case itself and on its sub-resources.
    """
    return service.feedback_view(_platform(), current_principal(), deviation_id)


@deviations_blp.route("/<deviation_id>/reporter-feedback", methods=["PUT"])
@deviations_blp.raises(service.Forbidden, d.FeedbackNotApplicable, d.CasePseudonymised, d.InvalidInput)
@deviations_blp.checks_if_match
@deviations_blp.arguments(ReporterFeedbackSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def reporter_feedback(data, deviation_id):
    """Write the feedback to the reporter

    For the case's handlers, with If-Match, also once the case is closed: the outcome in a sentence for the staff
    member who reported it, shown in their feedback view. A later call replaces it. The event says when, never
    what.
    """
    service.write_reporter_feedback(_platform(), current_principal(), deviation_id, data["text"], check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/complainant", methods=["GET"], endpoint="get_complainant")
@deviations_blp.raises(service.Forbidden)
@deviations_blp.response(200, ComplainantOutSchema, headers=openapi.ETAG)
def get_complainant(deviation_id):
    """Read a klagomål's complainant

    Who complained (their relation to the person concerned), how the complaint came in, and their contact
    details, kept apart from the case's text: for the case's handlers only (403 for its other readers, 404 for
    anyone else and for other kinds). The ETag is the case's.
    """
    return _with_etag(service.get_complainant(_platform(), current_principal(), deviation_id))


@deviations_blp.route("/<deviation_id>/complainant", methods=["PUT"])
@deviations_blp.raises(service.Forbidden, d.ComplaintOnly, d.CaseClosed, d.InvalidInput)
@deviations_blp.checks_if_match
@deviations_blp.arguments(ComplainantSchema)
@deviations_blp.response(200, ComplainantOutSchema, headers=openapi.ETAG)
def put_complainant(data, deviation_id):
    """Record a klagomål's complainant

    For the case's handlers, with If-Match (the case's ETag), while the case is open: the relation code, the
    channel the complaint came by, and the contact details (name, phone, e-mail, address), which replace those
    recorded before. The event carries the codes only.
    """
    platform, principal = _platform(), current_principal()
    service.record_complainant(platform, principal, deviation_id, data, check_if_match)
    return _with_etag(service.get_complainant(platform, principal, deviation_id))


@deviations_blp.route("/<deviation_id>/answer", methods=["PUT"])
@deviations_blp.raises(service.Forbidden, d.ComplaintOnly, d.CaseClosed, d.InvalidInput)
@deviations_blp.checks_if_match
@deviations_blp.arguments(AnswerSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def answer(data, deviation_id):
    """Record the answer to a klagomål's complainant

    For the case's handlers, with If-Match, while the case is open: the day (not in the future, not before the
    report) and the channel; who recorded it is the caller. Once answered the case is no longer overdue for its
    answer (answer_due, from the tenant's deadline policy).
    """
    service.record_answer(_platform(), current_principal(), deviation_id, data, check_if_match)
    return _with_etag(_case(deviation_id))


def _with_settings_etag(body: dict):
    return body, 200, {"ETag": etag(service.CASE_SETTINGS_ETAG_ID, body["version"])}


@case_settings_blp.route("", methods=["GET"])
@case_settings_blp.raises(service.Forbidden)
@case_settings_blp.response(200, CaseSettingsSchema, headers=openapi.ETAG)
def case_settings_get():
    """Read the case settings

    The tenant's own settings, else the defaults (no answer date promised, reporters named as before); the ETag
    is what a change needs in If-Match.
    """
    return _with_settings_etag(service.get_case_settings(_platform(), current_principal()))


@case_settings_blp.route("", methods=["PUT"])
@case_settings_blp.raises(service.Forbidden, service.InvalidCaseSettings)
@case_settings_blp.checks_if_match
@case_settings_blp.arguments(CaseSettingsSchema)
@case_settings_blp.response(200, CaseSettingsSchema, headers=openapi.ETAG)
def case_settings_put(data):
    """Set the case settings

    For an administrator, with If-Match: whether a citizen's receipt promises an answer and within how many
    working days (cases reported from then on), and whether reporters are named to the case's handlers only.
    """
    return _with_settings_etag(service.put_case_settings(_platform(), current_principal(), data, check_if_match))
# --------------------------------------------------------------------------
# Issue 14: reclassification, informing, involved staff, lex policies
# --------------------------------------------------------------------------

@deviations_blp.route("/<deviation_id>/reclassify", methods=["POST"])
@deviations_blp.raises(service.Forbidden, d.CaseClosed, d.ReclassificationNotAllowed, d.InvalidReclassification,
                        d.IvoAlreadyReported)
@deviations_blp.checks_if_match
@deviations_blp.arguments(ReclassifySchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def reclassify(data, deviation_id):
    """Reclassify a case to another kind

    For the case's handlers (of its kind and of the new one), with If-Match, while the case is open: an avvikelse
    or klagomål (a citizen's too) found to be lex Sarah or lex Maria, and back; lex Sarah and lex Maria between
    them. The case keeps its id, reference and history; its deadlines become the new kind's, counted from now with
    the tenant's deadline policy and working calendar. A seriousness decision goes (it was made under the other
    kind's rules), the informing record goes when the case leaves lex, a category not for the new kind goes; a case
    reported to IVO is not reclassified. Published as se.ordning.deviation.reclassified.v1 (codes and dates only).
    """
    service.reclassify(_platform(), current_principal(), deviation_id, data, check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/informing", methods=["PUT"])
@deviations_blp.raises(service.Forbidden, d.CaseClosed, d.InformingNotApplicable, d.InvalidInforming)
@deviations_blp.checks_if_match
@deviations_blp.arguments(InformingSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def informing(data, deviation_id):
    """Record that the person concerned was informed

    lex Sarah and lex Maria, for the case's handlers, with If-Match, while open: the day, how (method), whom
    (the person concerned, a närstående or a legal representative), by whom and their view; or instead why they
    were not informed (a reason code, a note for other). Closing requires it while the tenant's lex policy says
    so (the default). A later call corrects the record.
    """
    service.record_informing(_platform(), current_principal(), deviation_id, data, check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/involved-staff", methods=["PUT"])
@deviations_blp.raises(service.Forbidden, d.CaseClosed, d.InvalidInput)
@deviations_blp.checks_if_match
@deviations_blp.arguments(InvolvedStaffSchema)
@deviations_blp.response(200, DeviationSchema, headers=openapi.ETAG)
def involved_staff(data, deviation_id):
    """Name the staff involved in the event

    For the case's handlers, with If-Match, while open: the user ids of the staff involved (the list replaces the
    one before). They do not see the case (404, whatever their roles) and may not decide it (jäv).
    """
    service.name_involved_staff(_platform(), current_principal(), deviation_id, data["user_ids"], check_if_match)
    return _with_etag(_case(deviation_id))


@lex_policies_blp.route("/<kind>", methods=["GET"])
@lex_policies_blp.raises(service.Forbidden)
@lex_policies_blp.response(200, LexPolicySchema, headers=openapi.ETAG)
def lex_policy_get(kind):
    """Read the delegation of a lex kind

    The tenant's own for lex_sarah or lex_maria, else the default (lex Sarah: förvaltningschef at the
    förvaltning; lex Maria: MAS or MAR at the förvaltning; informing required); the ETag is what a change needs
    in If-Match.
    """
    return _with_kind_etag(service.get_lex_policy(_platform(), current_principal(), kind))


@lex_policies_blp.route("/<kind>", methods=["PUT"])
@lex_policies_blp.raises(service.Forbidden, service.InvalidLexPolicy)
@lex_policies_blp.checks_if_match
@lex_policies_blp.arguments(LexPolicySchema)
@lex_policies_blp.response(200, LexPolicySchema, headers=openapi.ETAG)
def lex_policy_put(data, kind):
    """Set the delegation of a lex kind

    For an administrator, with If-Match: the deciding roles, the org level they are held at, the delegation
    reference recorded with each decision, and whether closing requires the person concerned informed.
    """
    return _with_kind_etag(service.put_lex_policy(_platform(), current_principal(), kind, data, check_if_match))
