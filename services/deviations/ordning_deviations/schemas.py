"""marshmallow schemas: requests, responses. Unknown fields are rejected (marshmallow's RAISE); input is parsed
with the platform's fields (ordning_shared.fields): text bounded and free of control characters, strict booleans,
bounded integers and dates."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from ordning_shared import fields as f
from ordning_shared import pagination
from ordning_shared import actions
from ordning_shared.actions import ActionSchema

from .db import SORT_COLUMNS
from .domain import (CITIZEN_KINDS, EVES, REFERENCE_PATTERN, RETENTION_YEARS_MAX, RETENTION_YEARS_MIN, Command, Kind,
                     RejectionReason, Status)

TEXT_MAX = f.TEXT_MAX
KINDS = [k.value for k in Kind]
STATUSES = [s.value for s in Status]
CASE_ID = "3f6c2b1e-8d4a-4c59-9f0e-2a7b5d1c9e84"
UNIT_ID = "27460a56-bb16-57e0-90af-507fac38efb8"
CATEGORY_ID = "0d3c6f5e-7b2a-4e11-9c8d-5f4a3b2e1d0c"
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


class IvoReportOutSchema(Schema):
    reported_on = fields.Date(metadata={
        "description": "The day the case was reported to IVO (Inspektionen för vård och omsorg).",
        "example": "2026-03-09"})
    reference = fields.String(metadata={
        "description": "IVO's reference (diarienummer) for the report.", "example": "3.5.1-12345/2026"})
    recorded_by = fields.String(allow_none=True, metadata={
        "description": "Who recorded the report: the user's subject; null once the case is gallrad.",
        "example": "demo-maria"})


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
        "description": "A command of the case's status that the caller's roles allow but a rule refuses now.",
        "enum": [c.value for c in Command], "example": "close"})
    code = fields.String(metadata={
        "description": "The problem code the command would be refused with (as in its problem+json answer).",
        "example": "open_actions_remain"})
    reason = fields.String(metadata={
        "description": "Why, in Swedish then English (the problem's detail); names no person and no free text.",
        "example": "Ärendet har 1 förbättringsåtgärd(er) som inte är klara eller avbrutna. The case has 1 improvement "
                   "action(s) neither done nor cancelled."})


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
    serious = f.StrictBoolean(required=True, metadata={
        "description": "true: a serious missförhållande (lex Sarah) or vårdskada (lex Maria), to be reported to "
                       "IVO; false: not serious.",
        "example": True})


class IvoReportSchema(Schema):
    reported_on = f.Date(required=True, metadata={
        "description": "The day the case was reported to IVO.", "example": "2026-03-09"})
    reference = f.Name(required=True, max_length=100, metadata={
        "description": "IVO's reference (diarienummer) for the report.", "example": "3.5.1-12345/2026"})


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

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("Ange category_id, unit_id eller process_step_id. "
                                  "Give category_id, unit_id or process_step_id.")


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
        "description": "lex Sarah and lex Maria only (null for the others): working days from the report to the "
                       "last day to report a serious case to IVO.",
        "example": 10})
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
                  "reported_at", "receipt_due", "investigation_due", "ivo_due", "overdue", "version")
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
    answer_due = fields.Date(metadata={
        "description": "The last day the municipality answers it.", "example": "2026-03-16"})
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
    answer_due = fields.Date(metadata={"description": "The last day the case is to be answered.",
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
