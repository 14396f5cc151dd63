"""marshmallow schemas: requests, responses. Unknown fields are rejected (marshmallow's RAISE); input is parsed
with the platform's fields (ordning_shared.fields): text bounded and free of control characters, strict booleans,
bounded integers and dates."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema
from ordning_shared import fields as f
from ordning_shared import pagination
from ordning_shared import actions
from ordning_shared.actions import ActionSchema

from .db import SORT_COLUMNS
from .domain import (CITIZEN_KINDS, EVES, REFERENCE_PATTERN, RETENTION_YEARS_MAX, RETENTION_YEARS_MIN, Command, Kind,
                     RejectionReason, Status)
from . import domain as _d
TEXT_MAX = f.TEXT_MAX


def of_list(name: str, what: str) -> str:
    """A field's description: a code of the tenant's code list `name` (issue 14: lists are tenant data)."""
    return f"{what}: a code of the tenant's list GET /api/v1/code-lists/{name} (active for a new record)."


def code_field(name: str, what: str, example, description: str | None = None, **kwargs) -> fields.String:
    """A field that takes a code of the tenant's list `name`: the pattern here, the list in the service (an
    unknown or retired code is the command's 422)."""
    return fields.String(validate=validate.Regexp(EVENT_TYPE_CODE, error="Koden är ogiltig. The code is invalid."),
                         metadata={"description": description or of_list(name, what), "example": example}, **kwargs)

KINDS = [k.value for k in Kind]
STATUSES = [s.value for s in Status]
CASE_ID = "3f6c2b1e-8d4a-4c59-9f0e-2a7b5d1c9e84"
UNIT_ID = "27460a56-bb16-57e0-90af-507fac38efb8"
CATEGORY_ID = "0d3c6f5e-7b2a-4e11-9c8d-5f4a3b2e1d0c"
PLACE_ID = "5b2d8c1a-4e6f-4a7b-9c0d-1e2f3a4b5c6d"
EVENT_TYPE_CODE = r"^[a-z][a-z0-9_]{0,39}$"
EVENT_TYPE = ("The händelsetyp: a code of the tenant's event types (GET /api/v1/event-types), Socialstyrelsen's and "
              "SKR's common terms by default (fall, lakemedel, vard_och_behandling, bemotande, ...).")
PLACE = ("A place (plats) of the unit reported to, or of the involved unit, from GET /api/v1/places?unit_id=..., not "
         "retired.")
KIND = ("The kind of case: avvikelse (a deviation), lex_sarah (a missförhållande in social care, SoL/LSS), lex_maria "
        "(a vårdskada in health care), klagomal (a complaint) or synpunkt (a suggestion or opinion).")
STATUS = ("The case's status: reported (anmält), received (mottaget), investigating (under utredning), investigated "
          "(utrett), closed (avslutat) or rejected (avvisat).")


class ReportDeviationSchema(Schema):
    kind = f.Choice(KINDS, required=True, metadata={"description": KIND, "example": "avvikelse"})
    unit_id = f.UUIDString(required=True, metadata={
        "description": "The unit (enhet) the case concerns: an open unit of your municipality.", "example": UNIT_ID})
    description = f.Text(required=True, min_length=1, metadata={
        "description": "What happened, in the reporter's words.",
        "example": "Brukaren fick fel dos av sitt läkemedel vid kvällsbesöket."})
    category_id = f.UUIDString(allow_none=True, metadata={
        "description": "A category of the tenant that applies to this kind (GET /api/v1/categories); optional.",
        "example": CATEGORY_ID})
    occurred_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "When it happened, with its offset; optional.", "example": "2026-03-02T18:30:00+01:00"})
    immediate_action = f.Text(allow_none=True, metadata={
        "description": "What was done at once to limit the harm; optional.",
        "example": "Sjuksköterskan kontaktades och brukaren observerades."})
    process_step_id = f.UUIDString(allow_none=True, metadata={
        "description": "The process step (aktivitet) the case concerns: a step id of an established process of "
                       "the processes service's process map (GET /api/v1/processes in that service), as this "
                       "service knows it from that service's events; another id is 422 unknown_process_step. Step "
                       "ids are stable across a process's versions, so the link survives a revision; optional.",
        "example": "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f"})
    event_type = fields.String(allow_none=True, validate=validate.Regexp(EVENT_TYPE_CODE), metadata={
        "description": EVENT_TYPE + " Optional; a retired or unknown code is 422 unknown_event_type.",
        "example": "fall"})
    place_id = f.UUIDString(allow_none=True, metadata={
        "description": PLACE + " Optional; another is 422 unknown_place.", "example": PLACE_ID})
    involved_unit_id = f.UUIDString(allow_none=True, metadata={
        "description": "The unit the event involved when it is not the unit reported to (e.g. the ward a patient "
                       "came from): an open unit of your municipality other than unit_id; its readers may read the "
                       "case. Optional.", "example": "27460a56-bb16-57e0-90af-507fac38efb9"})


class ContactSchema(Schema):
    name = f.Name(max_length=200, metadata={
        "description": "The citizen's name, so that the municipality can answer.", "example": "Eva Svensson"})
    email = f.Email(metadata={"description": "An e-mail address to answer to.", "example": "eva.svensson@example.se"})
    phone = f.Name(max_length=40, metadata={
        "description": "A phone number to answer to.", "example": "070-123 45 67"})


class PublicFeedbackSchema(Schema):
    kind = f.Choice(sorted(k.value for k in CITIZEN_KINDS), required=True, metadata={
        "description": "klagomal (a complaint) or synpunkt (a suggestion or opinion): what a citizen may submit.",
        "example": "klagomal"})
    unit_id = f.UUIDString(required=True, metadata={
        "description": "The unit the feedback is about: one of GET /api/v1/public/{tenant}/org-units in the "
                       "processes service.",
        "example": UNIT_ID})
    description = f.Text(required=True, min_length=1, metadata={
        "description": "The feedback, in the citizen's words.",
        "example": "Hemtjänsten kom två timmar för sent tre dagar i rad."})
    anonymous = f.StrictBoolean(required=True, metadata={
        "description": "true: submitted without contact details, and then none may be given; false: contact says "
                       "how to answer.",
        "example": False})
    contact = fields.Nested(ContactSchema, allow_none=True, metadata={
        "description": "How to answer the citizen; only when anonymous is false."})
    website = fields.String(load_default="", validate=validate.Length(max=2000), metadata={
        "description": "Always leave empty (lämna tomt): a field hidden from people (and from autofill); a submission "
                       "that fills it is answered as accepted and kept nowhere.", "example": ""})

    @validates_schema
    def _contact_only_when_named(self, data, **kwargs):
        if data.get("anonymous") and data.get("contact"):
            raise ValidationError("Kontaktuppgifter kan inte lämnas anonymt. Contact details are not allowed "
                                  "when anonymous is true.", "contact")


class InvestigationSchema(Schema):
    what_happened = fields.String(allow_none=True, metadata={
        "description": "The investigation's account of what happened.",
        "example": "Dosen delades av en vikarie som inte fått introduktion."})
    why = fields.String(allow_none=True, metadata={
        "description": "Why it happened: the causes found.",
        "example": "Introduktionen av vikarier saknade läkemedelshantering."})
    what_must_change = fields.String(allow_none=True, metadata={
        "description": "What must change so that it does not happen again.",
        "example": "Läkemedelsrutinen ingår i varje vikaries introduktion."})
    started_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "When the investigation (utredning) started; null before.",
        "example": "2026-03-03T09:00:00+01:00"})
    completed_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "When the investigation was completed; null before.", "example": None})


class SeriousnessSchema(Schema):
    serious = fields.Boolean(metadata={
        "description": "The decision: true if the lex Sarah or lex Maria case is a serious missförhållande or "
                       "vårdskada, to be reported to IVO.",
        "example": True})
    decided_by = fields.String(metadata={"description": "Who decided: the user's subject.", "example": "demo-maria"})
    decided_at = f.AwareDateTime(metadata={
        "description": "When it was decided.", "example": "2026-03-05T11:00:00+01:00"})
    outcome = fields.String(allow_none=True, metadata={
        "description": "The outcome: a code of the tenant's list GET /api/v1/code-lists/lex_sarah_outcomes or "
                       "lex_maria_outcomes; null for a decision recorded as serious yes/no only.",
        "example": "missforhallande"})
    motivering = fields.String(allow_none=True, metadata={
        "description": "Why the decider decided so (free text, for the case's readers).",
        "example": "Brister i tillsynen har utsatt brukaren för en påtaglig risk."})
    delegation_reference = fields.String(allow_none=True, metadata={
        "description": "The tenant's delegation the decider acted under, as its lex policy named it then.",
        "example": "Delegationsordning 2026 p. 4.2"})


class IvoReportOutSchema(Schema):
    reported_on = fields.Date(metadata={
        "description": "The day the case was reported to IVO (Inspektionen för vård och omsorg).",
        "example": "2026-03-09"})
    reference = fields.String(metadata={
        "description": "IVO's reference (diarienummer) for the report.", "example": "3.5.1-12345/2026"})
    recorded_by = fields.String(allow_none=True, metadata={
        "description": "Who recorded the report: the user's subject; null once the case is gallrad.",
        "example": "demo-maria"})


class IvoSupplementOutSchema(Schema):
    id = fields.String(metadata={"description": "The komplettering's id (a UUID).",
                                 "example": "5b1d2c3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"})
    requested_on = fields.Date(metadata={"description": "The day IVO asked for it.", "example": "2026-03-20"})
    request = fields.String(metadata={"description": "What IVO asks for.",
                                      "example": "Komplettera med vidtagna åtgärder."})
    due_on = fields.Date(allow_none=True, metadata={"description": "The day IVO wants it by; null if none.",
                                                    "example": "2026-04-03"})
    answered_on = fields.Date(allow_none=True, metadata={"description": "The day it was sent to IVO; null before.",
                                                         "example": None})


class IvoDecisionOutSchema(Schema):
    decided_on = fields.Date(metadata={"description": "The day of IVO's decision.", "example": "2026-05-11"})
    outcome = fields.String(metadata={"description": of_list("ivo_decision_outcomes", "IVO's decision"),
                                      "example": "closed_no_criticism"})
    outcome_label_sv = fields.String(metadata={"description": "The outcome in Swedish.",
                                               "example": "avslutat utan kritik"})
    reference = fields.String(allow_none=True, metadata={"description": "IVO's reference of the decision, if any.",
                                                         "example": "3.5.1-12345/2026-7"})


class ParticipantSchema(Schema):
    role = f.Name(required=True, metadata={"description": "The participant's role in the analysis or at work.",
                                           "example": "sjuksköterska"})
    name = f.Name(required=True, metadata={"description": "The participant's name (personal data).",
                                           "example": "Sara Lind"})


class RootCauseOutSchema(Schema):
    id = fields.String(metadata={"description": "The root cause's id.", "example": "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"})
    category = fields.String(metadata={"description": of_list("root_cause_categories", "The kind of cause"),
                                       "example": "routines"})
    category_label_sv = fields.String(metadata={"description": "The kind in Swedish.",
                                                "example": "rutiner och riktlinjer"})
    text = fields.String(metadata={"description": "The cause.", "example": "Rutinen för dubbelkontroll saknades."})
    action_ids = fields.List(fields.String(), metadata={
        "description": "The case's improvement actions that answer the cause.",
        "example": ["9a1e4c7b-3d2f-4b8a-8e6c-1f0d2b3a4c5e"]})


class EventAnalysisOutSchema(Schema):
    method = fields.String(metadata={"description": of_list("analysis_methods", "The method"),
                                     "example": "handelseanalys"})
    method_label_sv = fields.String(metadata={"description": "The method in Swedish.", "example": "händelseanalys"})
    completed_on = fields.Date(allow_none=True, metadata={"description": "The day it was completed; null before.",
                                                          "example": "2026-03-25"})
    participants = fields.List(fields.Nested(ParticipantSchema), allow_none=True, metadata={
        "description": "Who took part; null to a caller who is not one of the kind's readers (a reporter)."})
    root_causes = fields.List(fields.Nested(RootCauseOutSchema), metadata={"description": "The root causes found."})


class ProviderReportOutSchema(Schema):
    reported_on = fields.Date(metadata={"description": "The day the external provider reported to IVO.",
                                        "example": "2026-03-10"})
    reference = fields.String(allow_none=True, metadata={"description": "The provider's or IVO's reference, if given.",
                                                         "example": "3.5.1-23456/2026"})


class ProviderFollowUpOutSchema(Schema):
    followed_up_on = fields.Date(metadata={"description": "The day of the municipality's follow-up.",
                                           "example": "2026-03-17"})
    by = fields.String(allow_none=True, metadata={"description": "Who followed it up: the user's subject.",
                                                  "example": "demo-maria"})
    assessment = fields.String(metadata={"description": "The municipality's assessment of the provider's handling.",
                                         "example": "Utförarens utredning och åtgärder är tillräckliga."})
    outcome = fields.String(metadata={"description": of_list("follow_up_outcomes", "The assessment"),
                                      "example": "sufficient"})
    outcome_label_sv = fields.String(metadata={"description": "The outcome in Swedish.", "example": "tillräckligt"})


class ActionCountsSchema(Schema):
    total = fields.Integer(metadata={"description": "How many improvement actions the case has.", "example": 3})
    open = fields.Integer(metadata={"description": "How many of them are neither done nor cancelled.", "example": 1})
    overdue = fields.Integer(metadata={"description": "How many open ones are past their due date.", "example": 0})


class ContactOutSchema(Schema):
    name = fields.String(allow_none=True, metadata={
        "description": "The citizen's name, if given.", "example": "Eva Svensson"})
    email = fields.String(allow_none=True, metadata={
        "description": "The citizen's e-mail address, if given.", "example": "eva.svensson@example.se"})
    phone = fields.String(allow_none=True, metadata={
        "description": "The citizen's phone number, if given.", "example": "070-123 45 67"})


class RejectionOutSchema(Schema):
    reason = fields.String(metadata={
        "description": "Why the case was rejected (avvisat): spam, duplicate or other.", "example": "duplicate"})
    reason_label_sv = fields.String(metadata={
        "description": "The reason in Swedish, for display.", "example": "dubblett"})
    duplicate_of = fields.String(allow_none=True, metadata={
        "description": "The reference of the case this one duplicates (reason duplicate).", "example": "2026-000123"})
    note = fields.String(allow_none=True, metadata={
        "description": "The explanation given with the rejection (reason other), if any.", "example": None})
    rejected_at = f.AwareDateTime(metadata={
        "description": "When the case was rejected.", "example": "2026-03-02T10:00:00+01:00"})


class BlockedCommandSchema(Schema):
    command = fields.String(metadata={
        "description": "A command of the case's status that the caller's roles allow but a rule refuses now; or "
                       "decide_seriousness (PUT .../seriousness) refused to whom the delegation names because of "
                       "jäv (code disqualified).",
        "enum": [c.value for c in Command] + ["decide_seriousness"], "example": "close"})
    code = fields.String(metadata={
        "description": "The problem code the command would be refused with (as in its problem+json answer).",
        "example": "open_actions_remain"})
    reason = fields.String(metadata={
        "description": "Why, in Swedish then English (the problem's detail); names no person and no free text.",
        "example": "Ärendet har 1 förbättringsåtgärd(er) som inte är klara eller avbrutna. The case has 1 improvement "
                   "action(s) neither done nor cancelled."})




class AnswerOutSchema(Schema):
    answered_on = fields.Date(metadata={"description": "The day the complainant was answered.",
                                        "example": "2026-03-12"})
    channel = fields.String(metadata={"description": of_list("contact_channels", "How"), "example": "letter"})
    channel_label_sv = fields.String(metadata={"description": "The channel in Swedish.", "example": "brev"})
    answered_by = fields.String(allow_none=True, metadata={
        "description": "Who recorded the answer: the user's subject; null once the case is gallrad.",
        "example": "demo-erik"})


class DeviationSchema(Schema):
    id = fields.String(metadata={"description": "The case's id (a UUID).", "example": CASE_ID})
    reference = fields.String(metadata={
        "description": "The case's reference number (ärendenummer), year and sequence: the number people quote.",
        "example": "2026-000006"})
    kind = fields.String(metadata={"description": KIND, "example": "lex_sarah"})
    kind_label_sv = fields.String(metadata={
        "description": "The kind in Swedish, for display.", "example": "lex Sarah"})
    status = fields.String(metadata={"description": STATUS, "example": "investigating"})
    status_label_sv = fields.String(metadata={
        "description": "The status in Swedish, for display.", "example": "under utredning"})
    origin = fields.String(metadata={
        "description": "Who reported it: staff (a user of the municipality) or citizen (the public form).",
        "example": "staff"})
    anonymous = fields.Boolean(metadata={
        "description": "true when a citizen reported it without contact details.", "example": False})
    unit_id = fields.String(metadata={"description": "The unit (enhet) the case concerns.", "example": UNIT_ID})
    unit_name = fields.String(allow_none=True, metadata={
        "description": "The name of the case's enhet (unit), from the service's copy of the org tree; null if the "
                       "copy does not hold the unit yet.",
        "example": "Hemtjänst Norr"})
    category_id = fields.String(allow_none=True, metadata={
        "description": "The case's category, if any.", "example": CATEGORY_ID})
    process_step_id = fields.String(allow_none=True, metadata={
        "description": "The process step the case concerns, if any (an id of the processes service's map).",
        "example": "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f"})
    description = fields.String(metadata={
        "description": "What happened, in the reporter's words.",
        "example": "Brukaren fick fel dos av sitt läkemedel vid kvällsbesöket."})
    immediate_action = fields.String(allow_none=True, metadata={
        "description": "What was done at once to limit the harm, if given.",
        "example": "Sjuksköterskan kontaktades och brukaren observerades."})
    reported_at = f.AwareDateTime(metadata={
        "description": "When the case was reported.", "example": "2026-03-02T20:05:00+01:00"})
    reported_by = fields.String(allow_none=True, metadata={
        "description": "Who reported it: the user's subject; null for a citizen and once the case is gallrad.",
        "example": "demo-anna"})
    reporter_name = fields.String(allow_none=True, metadata={
        "description": "The reporter's display name as their token gave it at report time; null for a citizen's "
                       "case (anonymous or not: their contact is in contact), once the case is gallrad, and for "
                       "cases reported before names were kept.",
        "example": "Anna Andersson"})
    occurred_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "When it happened, if given.", "example": "2026-03-02T18:30:00+01:00"})
    received_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "When the case was received (mottaget); null before.", "example": "2026-03-03T08:45:00+01:00"})
    receipt_due = fields.Date(allow_none=True, metadata={
        "description": "The last day to receive the case, in working days from its report by the tenant's deadline "
                       "policy.",
        "example": "2026-03-03"})
    investigation_due = fields.Date(allow_none=True, metadata={
        "description": "The last day to complete its investigation.", "example": "2026-03-16"})
    ivo_due = fields.Date(allow_none=True, metadata={
        "description": "lex Sarah and lex Maria only: the last day to report it to IVO if it is decided serious; "
                       "null for other kinds.",
        "example": "2026-03-16"})
    investigation = fields.Nested(InvestigationSchema, metadata={
        "description": "The investigation (utredning): what happened, why, what must change."})
    seriousness = fields.Nested(SeriousnessSchema, allow_none=True, metadata={
        "description": "lex Sarah and lex Maria: the decision whether it is serious; null until decided."})
    ivo_report = fields.Nested(IvoReportOutSchema, allow_none=True, metadata={
        "description": "The report to IVO, once recorded; null before."})
    closed_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "When the case was closed (avslutat); null while open.", "example": None})
    pseudonymised_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "Set once the case is gallrad: its text and people replaced, no longer changeable.",
        "example": None})
    rejection = fields.Nested(RejectionOutSchema, allow_none=True, metadata={
        "description": "Why the case was rejected (avvisat); null unless it was."})
    possible_elsewhere = fields.Boolean(metadata={
        "description": "true when its investigator flagged that the event may happen at other units (kan inträffa "
                       "på andra enheter): the risks service proposes risk analyses at the sibling units. Set with "
                       "the command flag_possible_elsewhere, cleared with clear_possible_elsewhere.",
        "example": True})
    possible_elsewhere_flagged_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "When the flag was set; null while the case is not flagged.",
        "example": "2026-03-05T14:10:00+01:00"})
    contact = fields.Nested(ContactOutSchema, allow_none=True, metadata={
        "description": "A citizen's contact details, if given; null otherwise."})
    version = fields.Integer(metadata={
        "description": "The case's version, counted from 1; its ETag is \"<id>.<version>\".", "example": 4})
    overdue = fields.List(fields.String(), metadata={
        "description": "The deadlines passed with the work still outstanding: receipt, investigation, ivo_report; "
                       "empty when none, and always for a closed or rejected case.",
        "example": ["investigation"]})
    allowed_commands = fields.List(fields.String(metadata={"enum": [c.value for c in Command]}), metadata={
        "description": "The commands the caller may run now (POST .../transitions): their roles on the case's "
                       "unit, its status and kind, and its rules (investigation complete, seriousness decided, IVO "
                       "report, no open actions) all allow them. Besides the transitions: flag_possible_elsewhere "
                       "or clear_possible_elsewhere, offered to the case's handlers while it is investigating or "
                       "investigated.",
        "example": ["start_investigation", "reject"]})
    blocked_commands = fields.List(fields.Nested(BlockedCommandSchema), metadata={
        "description": "The transitions the caller's roles allow in this status that a rule refuses now, each with "
                       "the reason, so a client can show why (e.g. close while improvement actions are open).",
        "example": [{"command": "close", "code": "open_actions_remain",
                     "reason": "Ärendet har 1 förbättringsåtgärd(er) som inte är klara eller avbrutna. The case has "
                               "1 improvement action(s) neither done nor cancelled."}]})
    actions = fields.Nested(ActionCountsSchema, metadata={
        "description": "Counts of the case's improvement actions (förbättringsåtgärder)."})
    event_type = fields.String(allow_none=True, metadata={
        "description": "The case's händelsetyp (a code of GET /api/v1/event-types), if any.", "example": "fall"})
    event_type_label = fields.String(allow_none=True, metadata={
        "description": "The händelsetyp's label as the tenant names it; null without one.", "example": "Fall"})
    event_type_retired = fields.Boolean(allow_none=True, metadata={
        "description": "true when the case's händelsetyp has been retired since (the case keeps it).",
        "example": False})
    consequence_score = fields.Integer(allow_none=True, metadata={
        "description": "The consequence (konsekvens) as a step of the tenant's risk matrix, if scored.", "example": 3})
    consequence_matrix_version = fields.Integer(allow_none=True, metadata={
        "description": "The risk matrix version the consequence was scored on.", "example": 1})
    consequence_label = fields.String(allow_none=True, metadata={
        "description": "The step's label in that matrix version.", "example": "Betydande"})
    place_id = fields.String(allow_none=True, metadata={
        "description": "The place (plats) of the case's unit where it happened, if given.", "example": PLACE_ID})
    place_name = fields.String(allow_none=True, metadata={
        "description": "The place's name.", "example": "Matsalen"})
    external_provider = fields.Boolean(metadata={
        "description": "true when the case's unit is an external provider (utförare i privat regi), which reports "
                       "to IVO itself: its serious lex case records the provider's report and the municipality's "
                       "follow-up instead of a report of its own.", "example": False})
    ivo_supplements = fields.List(fields.Nested(IvoSupplementOutSchema), metadata={
        "description": "The kompletteringar IVO asked for, in the order asked."})
    ivo_decision = fields.Nested(IvoDecisionOutSchema, allow_none=True, metadata={
        "description": "IVO's decision on the report; null before."})
    event_analysis = fields.Nested(EventAnalysisOutSchema, allow_none=True, metadata={
        "description": "lex Maria: the händelseanalys; null before."})
    provider_report = fields.Nested(ProviderReportOutSchema, allow_none=True, metadata={
        "description": "An external provider's own report to IVO; null before."})
    provider_follow_up = fields.Nested(ProviderFollowUpOutSchema, allow_none=True, metadata={
        "description": "The municipality's follow-up of the provider's report; null before."})
    # issue 14
    complainant_relation = fields.String(allow_none=True, metadata={
        "description": "klagomal: who complained, as related to the person concerned: a code of the tenant's list "
                       "GET /api/v1/code-lists/complainant_relations; null until recorded. The contact details: "
                       "GET .../{deviation_id}/complainant, for the case's handlers only.", "example": "narstaende"})
    complainant_relation_label_sv = fields.String(allow_none=True, metadata={
        "description": "The relation in Swedish, for display.", "example": "närstående"})
    complaint_channel = fields.String(allow_none=True, metadata={
        "description": of_list("contact_channels", "klagomal: how the complaint came in"), "example": "phone"})
    complaint_channel_label_sv = fields.String(allow_none=True, metadata={
        "description": "The channel in Swedish, for display.", "example": "telefon"})
    answer_due = fields.Date(allow_none=True, metadata={
        "description": "klagomal: the last day to answer the complainant, in working days from the report by the "
                       "tenant's deadline policy (answer_days); null for other kinds. Past it, unanswered, overdue "
                       "names answer.", "example": "2026-03-16"})
    answer = fields.Nested(AnswerOutSchema, allow_none=True, metadata={
        "description": "klagomal: the answer given to the complainant; null until recorded."})
    reporter_feedback = fields.String(allow_none=True, metadata={
        "description": "The outcome in a sentence the handlers wrote for the staff member who reported the case "
                       "(återkoppling); null until written.", "example": "Rutinen för nattens tillsyn är ändrad."})
    reporter_feedback_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "When the feedback was written.", "example": "2026-03-20T10:00:00+01:00"})
    reporter_hidden = fields.Boolean(metadata={
        "description": "true when the tenant names reporters to the case's handlers only (case settings) and you "
                       "are not one: reported_by and reporter_name are then null. Not anonymity: the case keeps "
                       "its reporter.", "example": False})
    investigator_id = fields.String(allow_none=True, metadata={
        "description": "The case's assigned investigator (utredare): a user id of the tenant, who may read the case "
                       "and start, write and complete its investigation without a handler's role (not close it, "
                       "decide its seriousness or reject it); null when none is assigned "
                       "(PUT .../investigator).", "example": "demo-anna"})
    involved_unit_id = fields.String(allow_none=True, metadata={
        "description": "The unit the event involved besides the case's own, if any; the readers of the kind at "
                       "that unit (and above it) may read the case.", "example": UNIT_ID})
    involved_unit_name = fields.String(allow_none=True, metadata={
        "description": "The involved unit's name from the org tree copy (a single case's answer only).",
        "example": "Korttidsboendet Solsidan"})
    duplicate_of_id = fields.String(allow_none=True, metadata={
        "description": "Set when the case was ended as a duplicate (rejection reason duplicate): its master's id.",
        "example": CASE_ID})
    duplicate_of_reference = fields.String(allow_none=True, metadata={
        "description": "The master's reference number (a single case's answer only).", "example": "2026-000005"})
    close_as_duplicate = fields.Nested(lambda: DuplicateOptionSchema(), metadata={
        "description": "Whether you may close the case as a duplicate now (PUT .../duplicate-of): allowed, or the "
                       "rule that blocks it (e.g. open improvement actions), as blocked_commands says of the "
                       "transitions; allowed false and blocked null when your roles do not allow it or the case is "
                       "ended."})
    duplicates = fields.List(fields.Nested(lambda: DuplicateSchema()), metadata={
        "description": "The cases ended as duplicates of this one that you may read, oldest first (a single "
                       "case's answer only)."})
    informing = fields.Nested(lambda: InformingOutSchema(), allow_none=True, metadata={
        "description": "lex Sarah and lex Maria: how the person concerned was informed, or why not; null before."})
    reclassification = fields.Nested(lambda: ReclassificationOutSchema(), allow_none=True, metadata={
        "description": "The case's last reclassification (POST .../reclassify); null if never. The audit trail "
                       "keeps every one."})
    outcome_label_sv = fields.String(allow_none=True, metadata={
        "description": "The decision's outcome in Swedish, for display; null without an outcome.",
        "example": "allvarligt missförhållande"})
    delegation = fields.Nested(lambda: DelegationSchema(), allow_none=True, metadata={
        "description": "lex Sarah and lex Maria: the tenant's delegation for the kind (who decides, at which org "
                       "level, under which reference) and whether closing requires the informing; null otherwise."})
    involved_staff = fields.List(fields.String(), allow_none=True, metadata={
        "description": "Read of one case only, for its readers by role: the user ids of the staff named as involved "
                       "(they neither see nor decide the case); null for others.",
        "example": ["demo-olle"]})


class DuplicateSchema(Schema):
    id = fields.String(metadata={"description": "The duplicate's id.", "example": CASE_ID})
    reference = fields.String(metadata={"description": "The duplicate's reference number.",
                                        "example": "2026-000007"})
    kind = fields.String(metadata={"description": KIND, "example": "avvikelse"})
    status = fields.String(metadata={"description": STATUS, "example": "rejected"})
    unit_id = fields.String(metadata={"description": "The duplicate's unit.", "example": UNIT_ID})
    reported_at = f.AwareDateTime(metadata={"description": "When the duplicate was reported.",
                                            "example": "2026-03-02T20:15:00+01:00"})


class InformingOutSchema(Schema):
    informed = fields.Boolean(metadata={"description": "true: informed; false: not, for the reason given.",
                                        "example": True})
    informed_on = fields.Date(allow_none=True, metadata={"description": "The day they were informed.",
                                                         "example": "2026-03-04"})
    method = fields.String(allow_none=True, metadata={"description": of_list("informing_methods", "How"),
                                                      "example": "phone"})
    method_label_sv = fields.String(allow_none=True, metadata={"description": "How, in Swedish.",
                                                               "example": "per telefon"})
    recipient = fields.String(allow_none=True, metadata={
        "description": of_list("informing_recipients", "Whom"), "example": "narstaende"})
    recipient_label_sv = fields.String(allow_none=True, metadata={"description": "Whom, in Swedish.",
                                                                  "example": "en närstående"})
    informed_by = fields.String(allow_none=True, metadata={"description": "Who informed them (a user id).",
                                                           "example": "demo-erik"})
    view = fields.String(allow_none=True, metadata={
        "description": "Their view (free text, personal data): for the case's readers by role only, else null.",
        "example": "Dottern vill att rutinen för kvällsbesök ses över."})
    not_informed_reason = fields.String(allow_none=True, metadata={
        "description": of_list("not_informed_reasons", "Why they were not informed"), "example": None})
    not_informed_reason_label_sv = fields.String(allow_none=True, metadata={"description": "Why not, in Swedish.",
                                                                            "example": None})
    note = fields.String(allow_none=True, metadata={"description": "A note to the reason (readers by role only).",
                                                    "example": None})
    recorded_by = fields.String(allow_none=True, metadata={"description": "Who recorded it (a user id).",
                                                           "example": "demo-erik"})
    recorded_at = f.AwareDateTime(metadata={"description": "When it was recorded.",
                                            "example": "2026-03-04T10:00:00+01:00"})


class ReclassificationOutSchema(Schema):
    previous_kind = fields.String(metadata={"description": "The kind before.", "example": "klagomal"})
    reason = fields.String(metadata={"description": of_list("reclassification_reasons", "Why"),
                                     "example": "investigation_finding"})
    reason_label_sv = fields.String(metadata={"description": "Why, in Swedish.",
                                              "example": "utredningen visade det"})
    at = f.AwareDateTime(metadata={"description": "When.", "example": "2026-03-04T10:00:00+01:00"})
    by = fields.String(allow_none=True, metadata={"description": "Who (a user id).", "example": "demo-karl"})
    note = fields.String(allow_none=True, metadata={"description": "A note (readers by role only).",
                                                    "example": None})


class ReclassifySchema(Schema):
    kind = f.Choice(KINDS, required=True, metadata={
        "description": "The new kind: an avvikelse or klagomål becomes lex_sarah or lex_maria and back; lex_sarah "
                       "and lex_maria change between them.", "example": "lex_sarah"})
    reason_code = code_field("reclassification_reasons", "Why (a code whose needs_note is true needs a note)",
                             "investigation_finding", required=True)
    note = f.Text(max_length=2000, allow_none=True, metadata={
        "description": "A note, required for the reason other; kept in the case, never in events.",
        "example": None})


class InformingSchema(Schema):
    informed_on = f.Date(allow_none=True, metadata={
        "description": "The day the person concerned (or a närstående) was informed: not before the report, not "
                       "in the future.", "example": "2026-03-04"})
    method = code_field("informing_methods", "How", "phone", allow_none=True)
    recipient = code_field("informing_recipients", "Whom", "narstaende", allow_none=True)
    informed_by = f.Name(allow_none=True, metadata={
        "description": "Who informed them (a user id); leave out when it was you.", "example": "demo-erik"})
    view = f.Text(max_length=5000, allow_none=True, metadata={
        "description": "Their view of the event (free text, personal data: shown to the case's readers only).",
        "example": "Dottern vill att rutinen för kvällsbesök ses över."})
    not_informed_reason = code_field("not_informed_reasons", "Instead of the above: why they were not informed (a "
                                     "code whose needs_note is true needs a note)", None, allow_none=True)
    note = f.Text(max_length=2000, allow_none=True, metadata={
        "description": "A note to the reason not informed (required for other).", "example": None})


class InvolvedStaffSchema(Schema):
    user_ids = fields.List(f.Name(), required=True, validate=validate.Length(max=50), metadata={
        "description": "The user ids of the staff involved in the event (replaces the list; [] names none). They "
                       "neither see nor decide the case.", "example": ["demo-olle"]})


class LexPolicySchema(Schema):
    kind = fields.String(dump_only=True, metadata={"description": "lex_sarah or lex_maria.", "example": "lex_sarah"})
    decider_roles = fields.List(f.Choice(sorted(_d.DECIDER_ROLES)), required=True,
                                validate=validate.Length(min=1, max=5), metadata={
        "description": "The roles that decide (delegationsordning): e.g. forvaltningschef for lex Sarah, mas and "
                       "mar for lex Maria.", "example": ["forvaltningschef"]})
    decider_level = f.Choice(list(_d.ORG_LEVELS), allow_none=True, load_default=None, metadata={
        "description": "The org level at which the role must be held for the case's unit (the unit or one above "
                       "it of this kind): board, administration, division, unit or external_provider; null: any.",
        "example": "administration"})
    delegation_reference = f.Name(required=True, max_length=200, metadata={
        "description": "The point of the delegationsordning the decision is made under, recorded with it.",
        "example": "Delegationsordning 2026 p. 4.2"})
    informing_required = f.StrictBoolean(required=True, metadata={
        "description": "true: a case of the kind closes only once the person concerned was informed (or the "
                       "reason not recorded).", "example": True})
    default = fields.Boolean(dump_only=True, metadata={"description": "true: no tenant policy, the default.",
                                                       "example": False})
    version = fields.Integer(dump_only=True, metadata={"description": "The policy's version; 0: the default.",
                                                       "example": 1})


class DelegationSchema(LexPolicySchema):
    """A case's lex policy as its answer carries it: the policy's fields without its kind, default and version."""

    class Meta:
        exclude = ("kind", "default", "version")


class DeviationPageSchema(Schema):
    items = fields.List(fields.Nested(DeviationSchema), metadata={
        "description": "The cases of this page, in the order asked for (sort)."})
    total = fields.Integer(metadata={
        "description": "How many cases match the filters and the search, among those you may read, on every page "
                       "together.",
        "example": 137})
    limit = fields.Integer(metadata={"description": "The page size asked for.", "example": 50})
    offset = fields.Integer(metadata={"description": "How many matching cases come before this page.", "example": 0})
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "Give it as cursor (with the same sort and filters) for the next page; null on the last "
                       "page.",
        "example": "WzEsIi1yZXBvcnRlZF9hdCIsIjIwMjYtMDMtMDJUMDg6MDA6MDArMDA6MDAiLCI4ZjE0ZTQ1Zi1jZWVhLTRlN2EtOWI4ZS0yZjFjNmEzZDliMTAiXQ"})


class InvestigationUpdateSchema(Schema):
    what_happened = f.Text(allow_none=True, metadata={
        "description": "What happened; null clears it, absent leaves it.",
        "example": "Dosen delades av en vikarie som inte fått introduktion."})
    why = f.Text(allow_none=True, metadata={
        "description": "Why it happened; null clears it, absent leaves it.",
        "example": "Introduktionen av vikarier saknade läkemedelshantering."})
    what_must_change = f.Text(allow_none=True, metadata={
        "description": "What must change; null clears it, absent leaves it.",
        "example": "Läkemedelsrutinen ingår i varje vikaries introduktion."})


class RejectionSchema(Schema):
    reason = f.Choice([r.value for r in RejectionReason], required=True,
                      metadata={"description": "Why: spam, duplicate (name duplicate_of) or other (explain in note).",
                                "example": "duplicate"})
    duplicate_of = f.Name(max_length=20, validate=validate.Regexp(
        REFERENCE_PATTERN, error="Ska vara ett ärendenummer, till exempel 2026-000123. "
                                 "Must be a case reference, for example 2026-000123."),
        metadata={"description": "The reference of the case this one duplicates.", "example": "2026-000123"})
    note = f.Text(min_length=1, metadata={
        "description": "An explanation: required with reason other.", "example": "Anmält i fel kommun."})


class TransitionSchema(Schema):
    command = f.Choice([c.value for c in Command], required=True, metadata={
        "description": "What to do: receive, start_investigation, complete_investigation, close, reopen, "
                       "reopen_investigation or reject; or, keeping the status, flag_possible_elsewhere or "
                       "clear_possible_elsewhere (may happen at other units). The case's allowed_commands say "
                       "which it allows now.",
        "example": "receive"})
    rejection = fields.Nested(RejectionSchema, metadata={"description": "Why: required for reject, only there."})

    @validates_schema
    def _rejection_with_reject(self, data, **kwargs):
        if (data.get("command") == Command.reject.value) != ("rejection" in data):
            raise ValidationError("Fältet rejection krävs för reject och bara där. The field rejection is "
                                  "required for reject and only there.", "rejection")


class SeriousnessDecisionSchema(Schema):
    serious = f.StrictBoolean(metadata={
        "description": "true: a serious missförhållande (lex Sarah) or vårdskada (lex Maria), to be reported to "
                       "IVO; false: not serious. Follows from outcome when that is given (and must agree).",
        "example": True})
    outcome = code_field("lex_sarah_outcomes", "", "missforhallande", description=(
        "The outcome: an active code of the tenant's list for the kind, GET /api/v1/code-lists/lex_sarah_outcomes or "
        "lex_maria_outcomes (another code is 422 invalid_outcome). Its serious flag decides seriousness. With it a "
        "motivering is required."))
    motivering = f.Text(max_length=5000, metadata={
        "description": "Why (free text, kept in the case only).",
        "example": "Brister i tillsynen har utsatt brukaren för en påtaglig risk."})

    @validates_schema
    def _outcome_or_serious(self, data, **kwargs):
        if "outcome" not in data and "serious" not in data:
            raise ValidationError("Ange outcome (med motivering) eller serious. Give outcome (with a motivering) or "
                                  "serious.", "outcome")


class IvoReportSchema(Schema):
    reported_on = f.Date(required=True, metadata={
        "description": "The day the case was reported to IVO.", "example": "2026-03-09"})
    reference = f.Name(required=True, max_length=100, metadata={
        "description": "IVO's reference (diarienummer) for the report.", "example": "3.5.1-12345/2026"})


class IvoSupplementRequestSchema(Schema):
    requested_on = f.Date(required=True, metadata={
        "description": "The day IVO asked for the komplettering: not before the report, not in the future.",
        "example": "2026-03-20"})
    request = f.Text(required=True, metadata={"description": "What IVO asks for.",
                                              "example": "Komplettera med vidtagna åtgärder."})
    due_on = f.Date(allow_none=True, load_default=None, metadata={
        "description": "The day IVO wants it by (not before the request); null if none.", "example": "2026-04-03"})


class IvoSupplementAnswerSchema(Schema):
    answered_on = f.Date(required=True, metadata={
        "description": "The day the komplettering was sent to IVO: not before the request, not in the future.",
        "example": "2026-03-30"})


class IvoDecisionSchema(Schema):
    decided_on = f.Date(required=True, metadata={
        "description": "The day of IVO's decision: not before the report, not in the future.", "example": "2026-05-11"})
    outcome = code_field("ivo_decision_outcomes", "IVO's decision", "closed_no_criticism", required=True)
    reference = f.Name(allow_none=True, load_default=None, max_length=100, metadata={
        "description": "IVO's reference of the decision, if any.", "example": "3.5.1-12345/2026-7"})


class RootCauseSchema(Schema):
    category = code_field("root_cause_categories", "The kind of cause", "routines", required=True)
    text = f.Text(required=True, metadata={"description": "The cause.", "example": "Rutinen för dubbelkontroll saknades."})
    action_ids = fields.List(f.UUIDString(), load_default=list, validate=validate.Length(max=50), metadata={
        "description": "Improvement actions of this case that answer the cause.",
        "example": ["9a1e4c7b-3d2f-4b8a-8e6c-1f0d2b3a4c5e"]})


class EventAnalysisSchema(Schema):
    method = code_field("analysis_methods", "The method", "handelseanalys", required=True)
    participants = fields.List(fields.Nested(ParticipantSchema), load_default=list, validate=validate.Length(max=50),
                               metadata={"description": "Who took part: role and name."})
    root_causes = fields.List(fields.Nested(RootCauseSchema), load_default=list, validate=validate.Length(max=50),
                              metadata={"description": "The root causes, each with its category and actions."})
    completed_on = f.Date(allow_none=True, load_default=None, metadata={
        "description": "The day the analysis was completed (needs a root cause); null while it is a draft.",
        "example": "2026-03-25"})


class ProviderReportSchema(Schema):
    reported_on = f.Date(required=True, metadata={
        "description": "The day the external provider reported to IVO: not before the event, not in the future.",
        "example": "2026-03-10"})
    reference = f.Name(allow_none=True, load_default=None, max_length=100, metadata={
        "description": "The provider's or IVO's reference, if given.", "example": "3.5.1-23456/2026"})


class ProviderFollowUpSchema(Schema):
    followed_up_on = f.Date(required=True, metadata={
        "description": "The day of the follow-up: not before the provider's report, not in the future.",
        "example": "2026-03-17"})
    assessment = f.Text(required=True, metadata={
        "description": "The municipality's assessment of the provider's handling and report.",
        "example": "Utförarens utredning och åtgärder är tillräckliga."})
    outcome = code_field("follow_up_outcomes", "The assessment", "sufficient", required=True)


class DeviationPatchSchema(Schema):
    category_id = f.UUIDString(allow_none=True, metadata={
        "description": "A category of the tenant for this kind; null removes the category.", "example": CATEGORY_ID})
    unit_id = f.UUIDString(metadata={
        "description": "Another open unit of the tenant: the case moves there, with its open actions.",
        "example": UNIT_ID})
    process_step_id = f.UUIDString(allow_none=True, metadata={
        "description": "The process step (aktivitet) the case concerns: a step id of an established process of "
                       "the processes service's process map, as this service knows it from that service's events "
                       "(another id is 422 unknown_process_step; the step the case names already is kept whatever "
                       "became of it). Step ids are stable across a process's versions; null removes the link.",
        "example": "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f"})
    involved_unit_id = f.UUIDString(allow_none=True, metadata={
        "description": "The unit the event involved besides the case's own: an open unit of the tenant other than "
                       "unit_id; null removes it.", "example": "27460a56-bb16-57e0-90af-507fac38efb9"})

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("Ange category_id, unit_id eller process_step_id. "
                                  "Give category_id, unit_id or process_step_id.")

    @pre_load
    def _kind_by_its_command(self, data, **kwargs):
        """Issue 14: the kind changes by the reclassify command (with a reason and new deadlines), not by PATCH."""
        if isinstance(data, dict) and "kind" in data:
            raise ValidationError("Typen ändras med kommandot POST /api/v1/deviations/{id}/reclassify (med skäl), "
                                  "inte med PATCH. The kind changes with the command POST "
                                  "/api/v1/deviations/{id}/reclassify (with a reason), not with PATCH.", "kind")
        return data


class CategorySchema(Schema):
    id = fields.String(dump_only=True, metadata={
        "description": "The category's id (a UUID).", "example": CATEGORY_ID})
    name = f.Name(required=True, max_length=200, metadata={
        "description": "The category's name, unique in the tenant.", "example": "Läkemedel"})
    kinds = fields.List(f.Choice(KINDS), load_default=list, validate=validate.Length(max=len(KINDS)),
                        metadata={"description": "Kinds the category applies to; empty = all.",
                                  "example": ["avvikelse", "lex_sarah"]})
    active = f.StrictBoolean(load_default=True, metadata={
        "description": "false: no longer offered for new cases; cases that have it keep it.", "example": True})
    version = fields.Integer(dump_only=True, metadata={
        "description": "The category's version, counted from 1; its ETag is \"<id>.<version>\".", "example": 1})


class CategoryUpdateSchema(Schema):
    name = f.Name(max_length=200, metadata={
        "description": "A new name, unique in the tenant.", "example": "Läkemedelshantering"})
    kinds = fields.List(f.Choice(KINDS), validate=validate.Length(max=len(KINDS)), metadata={
        "description": "Kinds the category applies to; empty = all.", "example": ["avvikelse"]})
    active = f.StrictBoolean(metadata={"description": "false: no longer offered for new cases.", "example": False})


class DeadlinePolicySchema(Schema):
    kind = fields.String(dump_only=True, metadata={"description": KIND, "example": "lex_sarah"})
    receipt_days = f.BoundedInteger(0, 365, required=True, metadata={
        "description": "Working days from the report to the last day to receive the case.", "example": 1})
    investigation_days = f.BoundedInteger(0, 365, required=True, metadata={
        "description": "Working days from the report to the last day to complete the investigation.", "example": 10})
    ivo_report_days = f.BoundedInteger(0, 365, allow_none=True, load_default=None, metadata={
        "description": "lex Sarah and lex Maria only (null for the others): calendar days from the decision that "
                       "the case is serious to the last day to report it to IVO (\"snarast\"; default 14).",
        "example": 14})
    answer_days = f.BoundedInteger(0, 365, allow_none=True, load_default=None, metadata={
        "description": "klagomal only (null for the others): working days from the report to the last day to "
                       "answer the complainant; left out or null, the default (10).", "example": 10})
    default = fields.Boolean(dump_only=True, metadata={
        "description": "true: no tenant policy, the default.", "example": False})


class RetentionPolicySchema(Schema):
    kind = fields.String(dump_only=True, metadata={"description": KIND, "example": "avvikelse"})
    years = f.BoundedInteger(RETENTION_YEARS_MIN, RETENTION_YEARS_MAX, required=True,
                             metadata={"description": "Years after the case's last closing before it is gallrad.",
                                       "example": 2})
    default = fields.Boolean(dump_only=True, metadata={
        "description": "true: no tenant policy, the default.", "example": True})
    version = fields.Integer(dump_only=True, metadata={
        "description": "The policy's version (0 for the default); its ETag is \"<kind>.<version>\".", "example": 0})


EXTRA_DAYS_OFF_MAX = 60  # a year's decided closures with room to spare; bounds the calendar's work per report


class WorkingCalendarSchema(Schema):
    non_working_eves = fields.List(f.Choice(sorted(EVES)), required=True, validate=validate.Length(max=len(EVES)),
                                   metadata={"description": "Eves the municipality treats as days off.",
                                             "example": ["julafton", "midsommarafton", "nyårsafton"]})
    extra_days_off = fields.List(f.Date(), required=True, validate=validate.Length(max=EXTRA_DAYS_OFF_MAX),
                                 metadata={"description": "Other days off, e.g. a decided klämdag.",
                                           "example": ["2026-05-15"]})
    default = fields.Boolean(dump_only=True, metadata={
        "description": "true: no tenant calendar, the default.", "example": False})
    version = fields.Integer(dump_only=True, metadata={
        "description": "The calendar's version (0 for the default); its ETag is \"working-calendar.<version>\".",
        "example": 2})


SORT_CHOICES = pagination.sort_choices(SORT_COLUMNS)
LIST_VIEWS = ("full", "summary")
# A list row's fields (view=summary): what Inkorgen and other lists show, and the deadlines they sort by.
SUMMARY_FIELDS = ("id", "reference", "kind", "kind_label_sv", "status", "status_label_sv", "unit_id", "unit_name",
                  "reported_at", "receipt_due", "investigation_due", "ivo_due", "overdue", "version", "answer_due")
SEARCH_MAX = 200


class ListArgsSchema(Schema):
    unit_id = f.UUIDString(metadata={"description": "Only cases of this unit.", "example": UNIT_ID})
    kind = fields.List(f.Choice(KINDS), validate=validate.Length(max=len(KINDS)), metadata={
        "description": "Only cases of these kinds; repeat the parameter for several.", "example": ["lex_sarah"]})
    status = fields.List(f.Choice(STATUSES), validate=validate.Length(max=len(STATUSES)), metadata={
        "description": "Only cases in these statuses; repeat the parameter for several.",
        "example": ["reported", "received"]})
    reported_from = f.AwareDateTime(metadata={
        "description": "Only cases reported at or after this time (with its offset).",
        "example": "2026-01-01T00:00:00+01:00"})
    reported_to = f.AwareDateTime(metadata={
        "description": "Only cases reported before this time (with its offset).",
        "example": "2026-04-01T00:00:00+02:00"})
    overdue = f.QueryBoolean(metadata={
        "description": "true: only cases with a deadline passed; false: only cases with none.", "example": True})
    category_id = f.UUIDString(metadata={"description": "Only cases of this category.", "example": CATEGORY_ID})
    mine = f.QueryBoolean(load_default=False, metadata={
        "description": "true: only the cases you reported.", "example": False})
    q = f.Name(max_length=SEARCH_MAX, metadata={
        "description": "Free-text search in the case's text (description, immediate action, investigation, "
                       "rejection note). On PostgreSQL a full-text search with the Swedish configuration: words "
                       "match their inflections (fallolyckor finds fallolycka), \"a phrase\" in quotes, or, and "
                       "-word to exclude; elsewhere every word must occur, case-insensitive. A reference number "
                       "finds its case. Never logged.",
        "example": "fallolyckor"})
    sort = f.Choice(SORT_CHOICES, load_default="-reported_at", metadata={
        "description": "The order: one key, ascending, or descending with a leading -; ties are broken by id, in "
                       "the same direction, and cases without a value (no due date) come last. Default "
                       "-reported_at, newest first.",
        "example": "-reported_at"})
    cursor = fields.String(metadata={
        "description": "next_cursor of the page before: the next page after it, stable while cases are added. "
                       "Only with the sort it was made for; anything else is a 400 invalid_cursor.",
        "example": "WzEsIi1yZXBvcnRlZF9hdCIsIjIwMjYtMDMtMDJUMDg6MDA6MDArMDA6MDAiLCI4ZjE0ZTQ1Zi1jZWVhLTRlN2EtOWI4ZS0yZjFjNmEzZDliMTAiXQ"})
    limit = f.BoundedInteger(1, 200, strict=False, load_default=50, metadata={
        "description": "The page size, 1 to 200.", "example": 50})
    offset = f.BoundedInteger(0, 10_000_000, strict=False, load_default=0, metadata={
        "description": "How many matching cases to skip.", "example": 0})
    investigator = f.Name(max_length=200, metadata={
        "description": "Only the cases whose assigned investigator is this user id; me: yours (Mina utredningar).",
        "example": "me"})
    involved_unit_id = f.UUIDString(metadata={
        "description": "Only cases whose involved unit is this unit or one below it.", "example": UNIT_ID})
    view = f.Choice(LIST_VIEWS, load_default="full", metadata={
        "description": "How much of each case: full (the default), the whole case as GET .../{deviation_id} "
                       "answers it; summary, what a row of a list shows: " + ", ".join(SUMMARY_FIELDS) + ". The "
                       "summary leaves out the text, the investigation, the actions' counts and the commands, so a "
                       "list of many cases costs the service much less; open the case for the rest.",
        "example": "summary"})


class ReceiptSchema(Schema):
    reference = fields.String(metadata={
        "description": "The case's reference number: quote it when you contact the municipality.",
        "example": "2026-000042"})
    received_at = f.AwareDateTime(metadata={
        "description": "When the feedback was received.", "example": "2026-03-02T20:05:00+01:00"})
    receipt_due = fields.Date(metadata={
        "description": "The last day the municipality takes it up.", "example": "2026-03-04"})
    answer_due = fields.Date(allow_none=True, metadata={
        "description": "The last day the municipality promises to answer it, as the municipality's case settings "
                       "promise; null when it promises no answer date.", "example": "2026-03-16"})
    answer_promised = fields.Boolean(metadata={
        "description": "Does the receipt promise an answer by answer_due (the municipality's setting)?",
        "example": True})
    message_sv = fields.String(metadata={
        "description": "The receipt as a Swedish sentence, to show the citizen.",
        "example": "Tack! Ditt ärende har nummer 2026-000042. Vi tar emot det senast 2026-03-04 "
                   "och besvarar det senast 2026-03-16."})
    secret = fields.String(metadata={
        "description": "The receipt's secret: with the reference it shows the case's status "
                       "(POST .../feedback/status). Shown only in this answer; the municipality keeps only its hash.",
        "example": "q3Vd0nYH1xk2bq9wJm8ZrT5cLpEa4sGu"})


RECEIPT_SECRET_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"


class FeedbackStatusQuerySchema(Schema):
    reference = f.Name(required=True, max_length=11, validate=validate.Regexp(
        REFERENCE_PATTERN, error="Ska vara ett ärendenummer, till exempel 2026-000123. "
                                 "Must be a case reference, for example 2026-000123."),
        metadata={"description": "The case's reference (ärendenummer) from the receipt.", "example": "2026-000123"})
    secret = f.Name(required=True, max_length=64, validate=validate.Regexp(
        RECEIPT_SECRET_PATTERN, error="Ska vara koden från kvittot. Must be the secret from the receipt."),
        metadata={"description": "The secret from the receipt.", "example": "q3Vd0nYH1xk2bq9wJm8ZrT5cLpEa4sGu"})


class FeedbackStatusSchema(Schema):
    reference = fields.String(metadata={"description": "The case's reference (ärendenummer).",
                                        "example": "2026-000123"})
    status = fields.String(metadata={"description": "Where the case is in its handling.", "enum": STATUSES,
                                     "example": "investigating"})
    status_label_sv = fields.String(metadata={"description": "The status in Swedish, for people.",
                                              "example": "under utredning"})
    received_at = f.AwareDateTime(metadata={"description": "When the municipality received the case.",
                                            "example": "2026-11-23T14:05:00+01:00"})
    receipt_due = fields.Date(metadata={"description": "The last day the case is to be taken up (mottaget).",
                                        "example": "2026-11-25"})
    answer_due = fields.Date(allow_none=True, metadata={
        "description": "The answer date the receipt promised; null when the municipality promised none.",
        "example": "2026-12-07"})
    closed_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "When the case was closed (answered) or rejected (avvisat); null while it is open.",
        "example": "2026-12-03T10:30:00+01:00"})


class AuditEntrySchema(Schema):
    at = f.AwareDateTime(metadata={"description": "When the command ran.", "example": "2026-03-03T08:45:00+01:00"})
    actor = fields.String(metadata={"description": "Who ran it: the user's subject.", "example": "demo-erik"})
    action = fields.String(metadata={"description": "The command that ran.", "example": "receive"})
    entity_type = fields.String(metadata={
        "description": "What it changed: deviation or improvement_action.", "example": "deviation"})
    entity_id = fields.String(metadata={"description": "The id of what it changed.", "example": CASE_ID})
    changed_fields = fields.List(fields.String(), allow_none=True,
                                 metadata={"description": "The fields the command changed (names only).",
                                           "example": ["status", "received_at", "version"]})
    changed_values = fields.Dict(keys=fields.String(), values=fields.List(f.RecordedValue(allow_none=True)),
                                 allow_none=True,
                                 metadata={"description": "[before, after] of the changed fields that are not "
                                                          "free text or personal data.",
                                           "example": {"status": ["reported", "received"]}})


class OwnedActionSchema(ActionSchema):
    reference = fields.String(dump_only=True, metadata={
        "description": "The reference number (ärendenummer) of the case that raised the action.",
        "example": "2026-000006"})
    unit_name = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "The name of the case's unit; null if not known yet.", "example": "Hemtjänst Norr"})


class OwnedActionPageSchema(actions.OwnedActionPageSchema):
    items = fields.List(fields.Nested(OwnedActionSchema), metadata={
        "description": "The actions of this page, by due date, the earliest first."})


# --------------------------------------------------------------------------
# Classification: händelsetyper, places, the consequence scale, a case's classification
# --------------------------------------------------------------------------

class EventTypeSchema(Schema):
    id = fields.String(dump_only=True, metadata={"description": "The code again, as the resource's id.",
                                                 "example": "fall"})
    code = fields.String(validate=validate.Regexp(EVENT_TYPE_CODE), metadata={
        "description": "The stable code events and statistics carry: 1-40 of a-z, 0-9 and _, from a letter. Made "
                       "from the label when not given; never changes.", "example": "trycksar"})
    label = f.Name(required=True, max_length=100, metadata={
        "description": "The tenant's name for the type, unique in the tenant.", "example": "Trycksår"})
    retired = fields.Boolean(dump_only=True, metadata={
        "description": "true: no longer offered for new cases; cases that have it keep it.", "example": False})
    default = fields.Boolean(dump_only=True, metadata={
        "description": "true: one of the common terms as every tenant gets them, unchanged.", "example": False})
    version = fields.Integer(dump_only=True, metadata={
        "description": "The type's version (0: the unchanged default); its ETag is \"<code>.<version>\".",
        "example": 1})


class EventTypeUpdateSchema(Schema):
    label = f.Name(max_length=100, metadata={"description": "A new label, unique in the tenant.",
                                             "example": "Fallolycka"})
    retired = f.StrictBoolean(metadata={"description": "true retires the type; false offers it again.",
                                        "example": True})

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("Ange label eller retired. Give label or retired.")


class EventTypeListArgsSchema(Schema):
    include_retired = f.QueryBoolean(load_default=False, metadata={
        "description": "true lists the retired types too.", "example": True})


class PlaceSchema(Schema):
    id = fields.String(dump_only=True, metadata={"description": "The place's id (a UUID).", "example": PLACE_ID})
    unit_id = f.UUIDString(required=True, metadata={
        "description": "The open unit the place belongs to.", "example": UNIT_ID})
    name = f.Name(required=True, max_length=100, metadata={
        "description": "The place's name, unique at the unit.", "example": "Matsalen"})
    retired = fields.Boolean(dump_only=True, metadata={
        "description": "true: no longer offered for new cases; cases that have it keep it.", "example": False})
    version = fields.Integer(dump_only=True, metadata={
        "description": "The place's version, counted from 1; its ETag is \"<id>.<version>\".", "example": 1})


class PlaceUpdateSchema(Schema):
    name = f.Name(max_length=100, metadata={"description": "A new name, unique at the unit.",
                                            "example": "Avdelning 2"})
    retired = f.StrictBoolean(metadata={"description": "true retires the place; false offers it again.",
                                        "example": True})

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("Ange name eller retired. Give name or retired.")


class PlaceListArgsSchema(Schema):
    unit_id = f.UUIDString(metadata={"description": "The unit whose places to list; all units if not given.",
                                     "example": UNIT_ID})
    include_retired = f.QueryBoolean(load_default=False, metadata={
        "description": "true lists the retired places too.", "example": True})


class ConsequenceStepSchema(Schema):
    value = fields.Integer(metadata={"description": "The step, from 1.", "example": 3})
    label = fields.String(metadata={"description": "The step's name in the tenant's matrix.", "example": "Betydande"})


class ConsequenceScaleSchema(Schema):
    matrix_version = fields.Integer(metadata={
        "description": "The version of the tenant's risk matrix (the risks service's) the scale is of.",
        "example": 2})
    steps = fields.List(fields.Nested(ConsequenceStepSchema), metadata={
        "description": "The consequence steps, lowest first."})
    default = fields.Boolean(metadata={
        "description": "true: no version of the tenant's matrix has reached this service; the default's scale.",
        "example": False})


class ClassificationSchema(Schema):
    event_type = fields.String(allow_none=True, validate=validate.Regexp(EVENT_TYPE_CODE), metadata={
        "description": EVENT_TYPE + " null removes it; the case's own code passes even if retired since.",
        "example": "lakemedel"})
    consequence_score = f.BoundedInteger(1, 5, allow_none=True, metadata={
        "description": "A step of the consequence scale of the tenant's current risk matrix (GET "
                       "/api/v1/consequence-scale); outside it is 422 invalid_consequence_score; null removes it.",
        "example": 3})
    matrix_version = f.BoundedInteger(1, 1_000_000, metadata={
        "description": "The matrix version the score was chosen on; another than the current one is 409 "
                       "stale_matrix_version. Optional: the current one.", "example": 1})
    place_id = f.UUIDString(allow_none=True, metadata={"description": PLACE + " null removes it.",
                                                       "example": PLACE_ID})

    @validates_schema
    def _something(self, data, **kwargs):
        if not set(data) - {"matrix_version"}:
            raise ValidationError("Ange event_type, consequence_score eller place_id. "
                                  "Give event_type, consequence_score or place_id.")
# Issue 14: complainants, answers, feedback to the reporter, case settings
# --------------------------------------------------------------------------

class ComplainantSchema(Schema):
    relation = code_field("complainant_relations", "Who complained, as related to the person concerned",
                          "narstaende", required=True)
    channel = code_field("contact_channels", "How the complaint came in", "phone", required=True)
    name = f.Name(max_length=200, allow_none=True, metadata={"description": "The complainant's name.",
                                                             "example": "Eva Svensson"})
    phone = f.Name(max_length=40, allow_none=True, metadata={"description": "A phone number.",
                                                            "example": "070-123 45 67"})
    email = f.Email(allow_none=True, metadata={"description": "An e-mail address.",
                                               "example": "eva.svensson@example.se"})
    address = f.Name(max_length=500, allow_none=True, metadata={"description": "A postal address.",
                                                               "example": "Storgatan 1, 123 45 Tyresö"})


class ComplainantOutSchema(Schema):
    id = fields.String(metadata={"description": "The case's id.", "example": CASE_ID})
    version = fields.Integer(metadata={"description": "The case's version (its ETag).", "example": 3})
    relation = fields.String(allow_none=True, metadata={"description": "Who complained; null until recorded.",
                                                        "example": "narstaende"})
    relation_label_sv = fields.String(allow_none=True, metadata={"description": "In Swedish.",
                                                                 "example": "närstående"})
    channel = fields.String(allow_none=True, metadata={"description": "How it came in.", "example": "phone"})
    channel_label_sv = fields.String(allow_none=True, metadata={"description": "In Swedish.", "example": "telefon"})
    name = fields.String(allow_none=True, metadata={"description": "The complainant's name.",
                                                    "example": "Eva Svensson"})
    phone = fields.String(allow_none=True, metadata={"description": "Their phone number.",
                                                     "example": "070-123 45 67"})
    email = fields.String(allow_none=True, metadata={"description": "Their e-mail address.",
                                                     "example": "eva.svensson@example.se"})
    address = fields.String(allow_none=True, metadata={"description": "Their postal address.",
                                                       "example": "Storgatan 1, 123 45 Tyresö"})


class AnswerSchema(Schema):
    answered_on = f.Date(required=True, metadata={
        "description": "The day the complainant was answered: not in the future, not before the report.",
        "example": "2026-03-12"})
    channel = code_field("contact_channels", "How the answer was given", "letter", required=True)


class ReporterFeedbackSchema(Schema):
    text = f.Text(required=True, min_length=1, metadata={
        "description": "The outcome in a sentence for the staff member who reported the case.",
        "example": "Rutinen för nattens tillsyn är ändrad och all personal har gått igenom den."})


class FeedbackActionSchema(Schema):
    title = fields.String(metadata={"description": "The improvement action's title.",
                                    "example": "Ny rutin för tillsyn nattetid"})
    status = fields.String(metadata={"description": "planned, in_progress, done or cancelled.", "example": "done"})


class OwnReportSchema(Schema):
    """What a reporter sees of a case they reported, in their list and in its feedback view."""
    id = fields.String(metadata={"description": "The case's id.", "example": CASE_ID})
    reference = fields.String(metadata={"description": "The case's reference number.", "example": "2026-000006"})
    kind = fields.String(metadata={"description": KIND, "example": "avvikelse"})
    kind_label_sv = fields.String(metadata={"description": "The kind in Swedish.", "example": "avvikelse"})
    status = fields.String(metadata={"description": STATUS, "example": "closed"})
    status_label_sv = fields.String(metadata={"description": "The status in Swedish.", "example": "avslutat"})
    unit_name = fields.String(allow_none=True, metadata={"description": "The case's unit.",
                                                         "example": "Hemtjänst Norr"})
    reported_at = f.AwareDateTime(metadata={"description": "When it was reported.",
                                            "example": "2026-03-02T20:05:00+01:00"})
    closed_at = f.AwareDateTime(allow_none=True, metadata={"description": "When it was closed or rejected.",
                                                           "example": None})


class FeedbackViewSchema(OwnReportSchema):
    feedback = fields.String(allow_none=True, metadata={
        "description": "The outcome in a sentence the handlers wrote for the reporter; null until written.",
        "example": "Rutinen för nattens tillsyn är ändrad."})
    feedback_at = f.AwareDateTime(allow_none=True, metadata={"description": "When the feedback was written.",
                                                             "example": None})
    receipt_due = fields.Date(allow_none=True, metadata={"description": "The last day to receive the case.",
                                                         "example": "2026-03-04"})
    investigation_due = fields.Date(allow_none=True, metadata={
        "description": "The last day to complete its investigation.", "example": "2026-03-16"})
    actions = fields.List(fields.Nested(FeedbackActionSchema), metadata={
        "description": "The improvement actions taken: title and status only."})


class MyReportSchema(OwnReportSchema):
    has_feedback = fields.Boolean(metadata={"description": "Have the handlers written you feedback?",
                                            "example": True})
    feedback_at = f.AwareDateTime(allow_none=True, metadata={"description": "When the feedback was written.",
                                                             "example": None})


class MyReportsPageSchema(Schema):
    items = fields.List(fields.Nested(MyReportSchema), metadata={"description": "Your reports, newest first."})
    total = fields.Integer(metadata={"description": "How many reports you have made.", "example": 4})
    limit = fields.Integer(metadata={"description": "The page size asked for.", "example": 50})
    offset = fields.Integer(metadata={"description": "How many come before this page.", "example": 0})


class MyReportsArgsSchema(Schema):
    limit = f.BoundedInteger(1, 200, strict=False, load_default=50, metadata={
        "description": "The page size, 1 to 200.", "example": 50})
    offset = f.BoundedInteger(0, 10_000_000, strict=False, load_default=0, metadata={
        "description": "How many to skip.", "example": 0})


class CaseSettingsSchema(Schema):
    answer_promised = f.StrictBoolean(required=True, metadata={
        "description": "Does a citizen's receipt promise an answer date? Default false: the receipt promises only "
                       "when the case is taken up.", "example": True})
    answer_promise_days = f.BoundedInteger(0, 365, allow_none=True, load_default=None, metadata={
        "description": "When answer_promised: the working days from the report the answer is promised within; "
                       "else null.", "example": 10})
    hide_reporter_names = f.StrictBoolean(required=True, metadata={
        "description": "true: a case names its reporter (reported_by, reporter_name) to its handlers only. Default "
                       "false.", "example": False})
    default = fields.Boolean(dump_only=True, metadata={"description": "true: no tenant settings, the defaults.",
                                                       "example": True})
    version = fields.Integer(dump_only=True, metadata={
        "description": "The settings' version (0 for the defaults); the ETag is \"case-settings.<version>\".",
        "example": 0})
class InvestigatorSchema(Schema):
    investigator_id = f.Name(required=True, allow_none=True, max_length=200, metadata={
        "description": "The investigator's user id (as their token's sub), e.g. one of the role holders of the "
                       "unit or a staff member; null clears it.", "example": "demo-anna"})


class DuplicateOptionSchema(Schema):
    allowed = fields.Boolean(metadata={"description": "true: PUT .../duplicate-of would be accepted (given a master "
                                                      "you handle).", "example": True})
    blocked = fields.Nested(lambda: DuplicateBlockedSchema(), allow_none=True, metadata={
        "description": "The rule that refuses it now, with its code and reason; null when none does."})


class DuplicateBlockedSchema(Schema):
    code = fields.String(metadata={"description": "The problem code it would be refused with.",
                                   "example": "open_actions_remain"})
    reason = fields.String(metadata={"description": "Why, in Swedish then English.",
                                     "example": "Ärendet har 1 förbättringsåtgärd(er) som inte är klara eller avbrutna. "
                                                "The case has 1 improvement action(s) neither done nor cancelled."})


class DuplicateOfSchema(Schema):
    master = f.Name(required=True, max_length=36, metadata={
        "description": "The case this one duplicates (its master), by its reference number or id, in your "
                       "municipality: not the case itself, not a rejected case (a duplicate itself, or spam), and for "
                       "lex Sarah / lex Maria a case of the same kind. You must handle both cases.",
        "example": "2026-000005"})


# --------------------------------------------------------------------------
# The tenant's code lists (code_lists.py)
# --------------------------------------------------------------------------

class CodeListEntrySchema(Schema):
    # Loose on purpose: the list's rules (code_lists.check_entries) answer each refusal naming its entry and field.
    code = fields.String(required=True, metadata={
        "description": "The stable code events and statistics carry: 1-40 of a-z, 0-9 and _, from a letter; never "
                       "changes, never removed (retire it instead).", "example": "sms"})
    label_sv = fields.String(required=True, metadata={
        "description": "The tenant's Swedish label, 1-100 characters without control characters.",
        "example": "per sms"})
    active = f.StrictBoolean(load_default=True, metadata={
        "description": "false: retired, not offered for new records; records that have it keep it and its label.",
        "example": True})
    needs_note = f.StrictBoolean(allow_none=True, load_default=False, metadata={
        "description": "The lists whose records have a note (reclassification_reasons, not_informed_reasons): true "
                       "if the code needs a note, as other; null on the other lists.", "example": False})
    serious = f.StrictBoolean(allow_none=True, load_default=None, metadata={
        "description": "The lex outcome lists (lex_sarah_outcomes, lex_maria_outcomes): true if the outcome is "
                       "serious, to be reported to IVO; null on the other lists.", "example": None})


class CodeListSchema(Schema):
    name = fields.String(dump_only=True, metadata={"description": "The list's stable name.",
                                                   "example": "informing_methods"})
    description_sv = fields.String(dump_only=True, metadata={"description": "What the list is, in Swedish.",
                                                             "example": "Hur den enskilde informerades"})
    default = fields.Boolean(dump_only=True, metadata={
        "description": "true: the defaults as every tenant gets them, not edited by the tenant.", "example": True})
    version = fields.Integer(dump_only=True, metadata={
        "description": "The list's version (0: the defaults); its ETag is \"<name>.<version>\".", "example": 0})
    has_note = fields.Boolean(dump_only=True, metadata={
        "description": "true: the list's records have a note, and its entries say needs_note.", "example": False})
    has_serious = fields.Boolean(dump_only=True, metadata={
        "description": "true: a lex outcome list, its entries say serious.", "example": False})
    entries = fields.List(fields.Nested(CodeListEntrySchema), required=True, validate=validate.Length(max=100),
                          metadata={"description": "The whole list in its order: every code it had (codes are never "
                                                   "removed), at least one active."})
