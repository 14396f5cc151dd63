"""HTTP: thin blueprints that parse, call service.py and render."""
from __future__ import annotations

from flask import current_app, url_for
from marshmallow import RAISE
from ordning_shared.actions import (ActionRuleViolation, ActionSchema, ActionTransitionSchema, ActionUpdateSchema,
                                    IllegalActionTransition)
from ordning_shared.http import Blueprint, check_if_match, current_principal, etag
from ordning_shared.idempotency import create_once
from ordning_shared.readlog import read_log_blueprint
from ordning_shared.public import anonymous_principal, honeypot_filled

from . import db, service
from . import domain as d
from .domain import Kind
from .schemas import (AuditEntrySchema, CategorySchema, CategoryUpdateSchema, DeadlinePolicySchema,
                      DeviationPageSchema, DeviationPatchSchema, DeviationSchema, InvestigationUpdateSchema,
                      IvoReportSchema, ListArgsSchema, PublicFeedbackSchema, ReceiptSchema,
                      ReportDeviationSchema, RetentionPolicySchema, SeriousnessDecisionSchema, TransitionSchema,
                      WorkingCalendarSchema)

deviations_blp = Blueprint("deviations", __name__, url_prefix="/api/v1/deviations",
                           description="Avvikelser, lex Sarah, lex Maria, klagomål och synpunkter")
categories_blp = Blueprint("categories", __name__, url_prefix="/api/v1/categories", description="Kategorier")
policies_blp = Blueprint("deadline_policies", __name__, url_prefix="/api/v1/deadline-policies",
                         description="Tidsfrister per typ")
retention_blp = Blueprint("retention_policies", __name__, url_prefix="/api/v1/retention-policies",
                          description="Gallringsfrister per typ: år efter avslut")
calendar_blp = Blueprint("working_calendar", __name__, url_prefix="/api/v1/working-calendar",
                         description="Arbetskalendern: aftnar och extra lediga dagar utöver helgdagarna")
public_blp = Blueprint("public", __name__, url_prefix="/api/v1/public",
                       description="Medborgarens klagomål och synpunkter (ingen inloggning)")

BLUEPRINTS = [deviations_blp, categories_blp, policies_blp, retention_blp, calendar_blp, public_blp,
              read_log_blueprint("deviations")]
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
@deviations_blp.response(201, DeviationSchema)
@deviations_blp.raises(service.Forbidden, service.UnknownUnit, service.UnknownCategory, d.InvalidReport,
                        d.InvalidInput)
@deviations_blp.idempotent
def report(data):
    """Anmäl ett ärende (kind + unit_id + description räcker)"""
    platform, principal = _platform(), current_principal()
    body, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject, payload=data, resource_type="deviation",
        create=lambda claim: service.report_deviation(platform, principal, data, claim),
        load=lambda deviation_id: service.view(platform, principal, deviation_id))
    return _with_etag(body, status, Location=url_for("deviations.get_one", deviation_id=body["id"]))



@deviations_blp.route("", methods=["GET"])
@deviations_blp.arguments(ListArgsSchema, location="query", unknown=RAISE)
@deviations_blp.response(200, DeviationPageSchema)
def list_all(args):
    """Lista ärenden du får läsa (nyast först)"""
    flt = db.ListFilter(unit_id=args.get("unit_id"), kinds=args.get("kind"), statuses=args.get("status"),
                        reported_from=args.get("reported_from"), reported_to=args.get("reported_to"),
                        overdue=args.get("overdue"), category_id=args.get("category_id"), mine=args["mine"],
                        limit=args["limit"], offset=args["offset"])
    return service.list_deviations(_platform(), current_principal(), flt)


@deviations_blp.route("/<deviation_id>", methods=["GET"], endpoint="get_one")
@deviations_blp.response(200, DeviationSchema)
def get_one(deviation_id):
    """Läs ett ärende (läsningar av lex Sarah / lex Maria loggas)"""
    return _with_etag(service.read_deviation(_platform(), current_principal(), deviation_id))


@deviations_blp.route("/<deviation_id>", methods=["PATCH"])
@deviations_blp.raises(service.Forbidden, service.UnknownUnit, service.UnknownCategory, d.CaseClosed,
                        d.InvalidInput)
@deviations_blp.checks_if_match
@deviations_blp.arguments(DeviationPatchSchema)
@deviations_blp.response(200, DeviationSchema)
def patch(data, deviation_id):
    """Byt kategori eller enhet (If-Match)"""
    service.change_case(_platform(), current_principal(), deviation_id, data, check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/transitions", methods=["POST"])
@deviations_blp.raises(service.Forbidden, d.IllegalTransition, d.InvestigationIncomplete, d.OpenActionsRemain,
                        d.SeriousnessDecisionRequired, d.IvoReportRequired)
@deviations_blp.checks_if_match
@deviations_blp.arguments(TransitionSchema)
@deviations_blp.response(200, DeviationSchema)
def transition(data, deviation_id):
    """Ta emot, utred, avsluta, återöppna, avvisa (If-Match)"""
    service.transition(_platform(), current_principal(), deviation_id, data["command"], check_if_match,
                       rejection=data.get("rejection"))
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/investigation", methods=["PUT"])
@deviations_blp.raises(service.Forbidden, d.InvestigationNotEditable, d.CaseClosed)
@deviations_blp.checks_if_match
@deviations_blp.arguments(InvestigationUpdateSchema)
@deviations_blp.response(200, DeviationSchema)
def investigation(data, deviation_id):
    """Utredningen: vad hände, varför, vad måste ändras (If-Match)"""
    service.update_investigation(_platform(), current_principal(), deviation_id, data, check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/seriousness", methods=["PUT"])
@deviations_blp.raises(service.Forbidden, d.SeriousnessNotApplicable, d.SeriousnessDecisionTooEarly, d.CaseClosed,
                        d.IvoAlreadyReported, d.InvalidInput)
@deviations_blp.checks_if_match
@deviations_blp.arguments(SeriousnessDecisionSchema)
@deviations_blp.response(200, DeviationSchema)
def seriousness(data, deviation_id):
    """Beslut om allvarlighetsgrad, lex Sarah / lex Maria (If-Match)"""
    service.decide_seriousness(_platform(), current_principal(), deviation_id, data["serious"], check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/ivo-report", methods=["PUT"])
@deviations_blp.raises(service.Forbidden, d.IvoReportNotAllowed, d.CaseClosed, d.InvalidInput)
@deviations_blp.checks_if_match
@deviations_blp.arguments(IvoReportSchema)
@deviations_blp.response(200, DeviationSchema)
def ivo_report(data, deviation_id):
    """Anmälan till IVO: datum och diarienummer (If-Match)"""
    service.record_ivo_report(_platform(), current_principal(), deviation_id, data["reported_on"],
                              data["reference"], check_if_match)
    return _with_etag(_case(deviation_id))


@deviations_blp.route("/<deviation_id>/audit", methods=["GET"])
@deviations_blp.raises(service.Forbidden)
@deviations_blp.response(200, AuditEntrySchema(many=True))
def audit(deviation_id):
    """Ärendets granskningslogg: vem, när, vilket kommando, vilka fält (för den som får läsa ärendet och är
    kvalitetsutvecklare, administratör eller förvaltningschef; läsningar av lex Sarah / lex Maria loggas)"""
    return service.audit_trail(_platform(), current_principal(), deviation_id)


# ---- actions ---------------------------------------------------------------

def _action_response(action, status=200, **headers):
    body = service.action_view(action)
    return body, status, {"ETag": etag(action.id, action.version), **headers}


@deviations_blp.route("/<deviation_id>/actions", methods=["GET"])
@deviations_blp.response(200, ActionSchema(many=True))
def list_actions(deviation_id):
    """Ärendets förbättringsåtgärder"""
    return service.list_actions(_platform(), current_principal(), deviation_id)


@deviations_blp.route("/<deviation_id>/actions", methods=["POST"])
@deviations_blp.raises(service.Forbidden, d.CaseClosed)
@deviations_blp.idempotent
@deviations_blp.arguments(ActionSchema)
@deviations_blp.response(201, ActionSchema)
def add_action(data, deviation_id):
    """Lägg till en förbättringsåtgärd (ansvarig och slutdatum)"""
    platform, principal = _platform(), current_principal()
    action, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject, payload={"case": deviation_id, **data},
        resource_type="improvement_action",
        create=lambda claim: service.add_action(platform, principal, deviation_id, data, claim),
        load=lambda action_id: service.get_action(platform, principal, deviation_id, action_id))
    return _action_response(action, status, Location=url_for(
        "deviations.get_action", deviation_id=deviation_id, action_id=action.id))


@deviations_blp.route("/<deviation_id>/actions/<action_id>", methods=["GET"], endpoint="get_action")
@deviations_blp.response(200, ActionSchema)
def get_action(deviation_id, action_id):
    """En förbättringsåtgärd"""
    return _action_response(service.get_action(_platform(), current_principal(), deviation_id, action_id))


@deviations_blp.route("/<deviation_id>/actions/<action_id>", methods=["PATCH"])
@deviations_blp.raises(service.Forbidden, d.CaseClosed, ActionRuleViolation)
@deviations_blp.checks_if_match
@deviations_blp.arguments(ActionUpdateSchema)
@deviations_blp.response(200, ActionSchema)
def update_action(data, deviation_id, action_id):
    """Ändra en förbättringsåtgärd (If-Match med åtgärdens ETag)"""
    return _action_response(service.update_action(_platform(), current_principal(), deviation_id, action_id,
                                                  data, check_if_match))


@deviations_blp.route("/<deviation_id>/actions/<action_id>/transitions", methods=["POST"])
@deviations_blp.raises(service.Forbidden, d.CaseClosed, IllegalActionTransition)
@deviations_blp.checks_if_match
@deviations_blp.arguments(ActionTransitionSchema)
@deviations_blp.response(200, ActionSchema)
def transition_action(data, deviation_id, action_id):
    """Starta, slutför, avbryt, återöppna en åtgärd (If-Match)"""
    return _action_response(service.transition_action(
        _platform(), current_principal(), deviation_id, action_id, data["command"],
        data.get("effect_followup", ""), check_if_match))


# --------------------------------------------------------------------------
# Categories and deadline policies
# --------------------------------------------------------------------------

@categories_blp.route("", methods=["GET"])
@categories_blp.response(200, CategorySchema(many=True))
def categories_list():
    """Aktiva kategorier"""
    return service.list_categories(_platform(), current_principal())


@categories_blp.route("", methods=["POST"])
@categories_blp.raises(service.Forbidden, service.CategoryExists)
@categories_blp.idempotent
@categories_blp.arguments(CategorySchema)
@categories_blp.response(201, CategorySchema)
def categories_create(data):
    """Skapa en kategori (administratör)"""
    platform, principal = _platform(), current_principal()
    service._require_admin(principal)
    body, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject, payload=data, resource_type="category",
        create=lambda claim: service.create_category(platform, principal, data, claim),
        load=lambda category_id: service.get_category(platform, principal, category_id))
    return _with_etag(body, status, Location=url_for("categories.categories_get", category_id=body["id"]))


@categories_blp.route("/<category_id>", methods=["GET"], endpoint="categories_get")
@categories_blp.response(200, CategorySchema)
def categories_get(category_id):
    """En kategori"""
    return _with_etag(service.get_category(_platform(), current_principal(), category_id))


@categories_blp.route("/<category_id>", methods=["PATCH"])
@categories_blp.raises(service.Forbidden, service.CategoryExists)
@categories_blp.checks_if_match
@categories_blp.arguments(CategoryUpdateSchema)
@categories_blp.response(200, CategorySchema)
def categories_update(data, category_id):
    """Ändra eller inaktivera en kategori (administratör, If-Match)"""
    return _with_etag(service.update_category(_platform(), current_principal(), category_id, data, check_if_match))


def _kind_or_404(kind: str) -> str:
    if kind not in KIND_VALUES:
        raise service.NotFound("Typen är okänd.", f"The kind {kind[:40]!r} is unknown.")
    return kind


@policies_blp.route("/<kind>", methods=["GET"])
@policies_blp.response(200, DeadlinePolicySchema)
def policy_get(kind):
    """Tidsfristerna för en typ (kommunens egna, annars standard); ETag för If-Match"""
    return _with_kind_etag(service.get_policy(_platform(), current_principal(), _kind_or_404(kind)))


@policies_blp.route("/<kind>", methods=["PUT"])
@policies_blp.raises(service.Forbidden, service.InvalidPolicy)
@policies_blp.checks_if_match
@policies_blp.arguments(DeadlinePolicySchema)
@policies_blp.response(200, DeadlinePolicySchema)
def policy_put(data, kind):
    """Sätt kommunens tidsfrister för en typ, i arbetsdagar (administratör, If-Match)"""
    return _with_kind_etag(service.put_policy(_platform(), current_principal(), _kind_or_404(kind), data,
                                                check_if_match))


def _with_kind_etag(body: dict):
    """A per-kind setting of the tenant (deadlines, retention): its ETag is "<kind>.<version>"."""
    return body, 200, {"ETag": etag(body["kind"], body["version"])}


@retention_blp.route("", methods=["GET"])
@retention_blp.raises(service.Forbidden)
@retention_blp.response(200, RetentionPolicySchema(many=True))
def retention_list():
    """Gallringsfristerna för alla typer (kommunens egna, annars standard)"""
    return service.list_retention_policies(_platform(), current_principal())


@retention_blp.route("/<kind>", methods=["GET"])
@retention_blp.raises(service.Forbidden)
@retention_blp.response(200, RetentionPolicySchema)
def retention_get(kind):
    """Gallringsfristen för en typ, i år efter ärendets senaste avslut"""
    return _with_kind_etag(service.get_retention_policy(_platform(), current_principal(), _kind_or_404(kind)))


@retention_blp.route("/<kind>", methods=["PUT"])
@retention_blp.raises(service.Forbidden, service.InvalidRetentionPolicy)
@retention_blp.checks_if_match
@retention_blp.arguments(RetentionPolicySchema)
@retention_blp.response(200, RetentionPolicySchema)
def retention_put(data, kind):
    """Sätt kommunens gallringsfrist för en typ, 1–100 år (administratör, If-Match)"""
    return _with_kind_etag(service.put_retention_policy(_platform(), current_principal(), _kind_or_404(kind), data,
                                                        check_if_match))


def _with_calendar_etag(body: dict):
    return body, 200, {"ETag": etag(service.CALENDAR_ETAG_ID, body["version"])}


@calendar_blp.route("", methods=["GET"])
@calendar_blp.raises(service.Forbidden)
@calendar_blp.response(200, WorkingCalendarSchema)
def calendar_get():
    """Kommunens arbetskalender (egen, annars standard); ETag för If-Match"""
    return _with_calendar_etag(service.get_calendar(_platform(), current_principal()))


@calendar_blp.route("", methods=["PUT"])
@calendar_blp.raises(service.Forbidden, service.InvalidCalendar)
@calendar_blp.checks_if_match
@calendar_blp.arguments(WorkingCalendarSchema)
@calendar_blp.response(200, WorkingCalendarSchema)
def calendar_put(data):
    """Sätt kommunens arbetskalender; gäller ärenden anmälda därefter (administratör, If-Match)"""
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
    """Lämna klagomål eller synpunkt, anonymt om du vill; du får ett kvitto"""
    platform = _platform()
    if data.pop("website"):  # only a robot fills the hidden field: it is told "thank you", nothing is kept
        honeypot_filled(platform.service)
        return service.decoy_receipt(data["kind"])
    if len(tenant) > 16:
        raise service.NotFound("Kommunen är okänd.", "The municipality is unknown.")
    body, status, _replayed = create_once(
        platform, tenant=tenant, principal=anonymous_principal(), payload=data, resource_type="deviation",
        create=lambda claim: service.submit_public_feedback(platform, tenant, data, claim),
        load=lambda deviation_id: service.receipt(platform, tenant, deviation_id))
    return body, status
