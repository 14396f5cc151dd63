"""marshmallow schemas: requests, responses. Unknown fields are rejected (marshmallow's RAISE); input is parsed
with the platform's fields (ordning_shared.fields): text bounded and free of control characters, strict booleans,
bounded integers and dates."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from ordning_shared import fields as f

from .domain import (CITIZEN_KINDS, EVES, REFERENCE_PATTERN, RETENTION_YEARS_MAX, RETENTION_YEARS_MIN, Command, Kind,
                     RejectionReason, Status)

TEXT_MAX = f.TEXT_MAX
KINDS = [k.value for k in Kind]
STATUSES = [s.value for s in Status]


class ReportDeviationSchema(Schema):
    kind = f.Choice(KINDS, required=True)
    unit_id = f.UUIDString(required=True)
    description = f.Text(required=True, min_length=1)
    category_id = f.UUIDString(allow_none=True)
    occurred_at = f.AwareDateTime(allow_none=True)
    immediate_action = f.Text(allow_none=True)


class ContactSchema(Schema):
    name = f.Name(max_length=200)
    email = f.Email()
    phone = f.Name(max_length=40)


class PublicFeedbackSchema(Schema):
    kind = f.Choice(sorted(k.value for k in CITIZEN_KINDS), required=True)
    unit_id = f.UUIDString(required=True)
    description = f.Text(required=True, min_length=1)
    anonymous = f.StrictBoolean(required=True)
    contact = fields.Nested(ContactSchema, allow_none=True)
    website = fields.String(load_default="", validate=validate.Length(max=2000), metadata={
        "description": "Lämna tomt / leave empty. A field hidden from people (and from autofill); a submission "
                       "that fills it is answered as accepted and kept nowhere."})

    @validates_schema
    def _contact_only_when_named(self, data, **kwargs):
        if data.get("anonymous") and data.get("contact"):
            raise ValidationError("Kontaktuppgifter kan inte lämnas anonymt. Contact details are not allowed "
                                  "when anonymous is true.", "contact")


class InvestigationSchema(Schema):
    what_happened = fields.String(allow_none=True)
    why = fields.String(allow_none=True)
    what_must_change = fields.String(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)


class SeriousnessSchema(Schema):
    serious = fields.Boolean()
    decided_by = fields.String()
    decided_at = fields.DateTime()


class IvoReportOutSchema(Schema):
    reported_on = fields.Date()
    reference = fields.String()
    recorded_by = fields.String(allow_none=True)


class ActionCountsSchema(Schema):
    total = fields.Integer()
    open = fields.Integer()
    overdue = fields.Integer()


class ContactOutSchema(Schema):
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class RejectionOutSchema(Schema):
    reason = fields.String()
    reason_label_sv = fields.String()
    duplicate_of = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    rejected_at = fields.DateTime()


class DeviationSchema(Schema):
    id = fields.String()
    reference = fields.String()
    kind = fields.String()
    kind_label_sv = fields.String()
    status = fields.String()
    status_label_sv = fields.String()
    origin = fields.String()
    anonymous = fields.Boolean()
    unit_id = fields.String()
    category_id = fields.String(allow_none=True)
    description = fields.String()
    immediate_action = fields.String(allow_none=True)
    reported_at = fields.DateTime()
    reported_by = fields.String(allow_none=True)
    occurred_at = fields.DateTime(allow_none=True)
    received_at = fields.DateTime(allow_none=True)
    receipt_due = fields.Date(allow_none=True)
    investigation_due = fields.Date(allow_none=True)
    ivo_due = fields.Date(allow_none=True)
    investigation = fields.Nested(InvestigationSchema)
    seriousness = fields.Nested(SeriousnessSchema, allow_none=True)
    ivo_report = fields.Nested(IvoReportOutSchema, allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    pseudonymised_at = fields.DateTime(allow_none=True, metadata={
        "description": "set once the case is gallrad: its text and people replaced, no longer changeable"})
    rejection = fields.Nested(RejectionOutSchema, allow_none=True)
    contact = fields.Nested(ContactOutSchema, allow_none=True)
    version = fields.Integer()
    overdue = fields.List(fields.String())
    allowed_commands = fields.List(fields.String())
    actions = fields.Nested(ActionCountsSchema)


class DeviationPageSchema(Schema):
    items = fields.List(fields.Nested(DeviationSchema))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class InvestigationUpdateSchema(Schema):
    what_happened = f.Text(allow_none=True)
    why = f.Text(allow_none=True)
    what_must_change = f.Text(allow_none=True)


class RejectionSchema(Schema):
    reason = f.Choice([r.value for r in RejectionReason], required=True,
                      metadata={"description": "spam, duplicate (name duplicate_of) or other (explain in note)"})
    duplicate_of = f.Name(max_length=20, validate=validate.Regexp(
        REFERENCE_PATTERN, error="Ska vara ett ärendenummer, till exempel 2026-000123. "
                                 "Must be a case reference, for example 2026-000123."),
        metadata={"description": "the reference of the case this one duplicates"})
    note = f.Text(min_length=1)


class TransitionSchema(Schema):
    command = f.Choice([c.value for c in Command], required=True)
    rejection = fields.Nested(RejectionSchema, metadata={"description": "why: required for reject, only there"})

    @validates_schema
    def _rejection_with_reject(self, data, **kwargs):
        if (data.get("command") == Command.reject.value) != ("rejection" in data):
            raise ValidationError("Fältet rejection krävs för reject och bara där. The field rejection is "
                                  "required for reject and only there.", "rejection")


class SeriousnessDecisionSchema(Schema):
    serious = f.StrictBoolean(required=True)


class IvoReportSchema(Schema):
    reported_on = f.Date(required=True)
    reference = f.Name(required=True, max_length=100)


class DeviationPatchSchema(Schema):
    category_id = f.UUIDString(allow_none=True)
    unit_id = f.UUIDString()

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("Ange category_id eller unit_id. Give category_id or unit_id.")


class CategorySchema(Schema):
    id = fields.String(dump_only=True)
    name = f.Name(required=True, max_length=200)
    kinds = fields.List(f.Choice(KINDS), load_default=list, validate=validate.Length(max=len(KINDS)),
                        metadata={"description": "kinds the category applies to; empty = all"})
    active = f.StrictBoolean(load_default=True)
    version = fields.Integer(dump_only=True)


class CategoryUpdateSchema(Schema):
    name = f.Name(max_length=200)
    kinds = fields.List(f.Choice(KINDS), validate=validate.Length(max=len(KINDS)))
    active = f.StrictBoolean()


class DeadlinePolicySchema(Schema):
    kind = fields.String(dump_only=True)
    receipt_days = f.BoundedInteger(0, 365, required=True)
    investigation_days = f.BoundedInteger(0, 365, required=True)
    ivo_report_days = f.BoundedInteger(0, 365, allow_none=True, load_default=None)
    default = fields.Boolean(dump_only=True, metadata={"description": "true: no tenant policy, the default"})


class RetentionPolicySchema(Schema):
    kind = fields.String(dump_only=True)
    years = f.BoundedInteger(RETENTION_YEARS_MIN, RETENTION_YEARS_MAX, required=True,
                             metadata={"description": "years after the case's last closing before it is gallrad"})
    default = fields.Boolean(dump_only=True, metadata={"description": "true: no tenant policy, the default"})
    version = fields.Integer(dump_only=True)


EXTRA_DAYS_OFF_MAX = 60  # a year's decided closures with room to spare; bounds the calendar's work per report


class WorkingCalendarSchema(Schema):
    non_working_eves = fields.List(f.Choice(sorted(EVES)), required=True, validate=validate.Length(max=len(EVES)),
                                   metadata={"description": "eves the municipality treats as days off"})
    extra_days_off = fields.List(f.Date(), required=True, validate=validate.Length(max=EXTRA_DAYS_OFF_MAX),
                                 metadata={"description": "other days off, e.g. a decided klämdag"})
    default = fields.Boolean(dump_only=True, metadata={"description": "true: no tenant calendar, the default"})
    version = fields.Integer(dump_only=True)


class ListArgsSchema(Schema):
    unit_id = f.UUIDString()
    kind = fields.List(f.Choice(KINDS), validate=validate.Length(max=len(KINDS)))
    status = fields.List(f.Choice(STATUSES), validate=validate.Length(max=len(STATUSES)))
    reported_from = f.AwareDateTime()
    reported_to = f.AwareDateTime()
    overdue = f.QueryBoolean()
    category_id = f.UUIDString()
    mine = f.QueryBoolean(load_default=False)
    limit = f.BoundedInteger(1, 200, strict=False, load_default=50)
    offset = f.BoundedInteger(0, 10_000_000, strict=False, load_default=0)


class ReceiptSchema(Schema):
    reference = fields.String()
    received_at = fields.DateTime()
    receipt_due = fields.Date()
    answer_due = fields.Date()
    message_sv = fields.String()


class AuditEntrySchema(Schema):
    at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    entity_type = fields.String()
    entity_id = fields.String()
    changed_fields = fields.List(fields.String(), allow_none=True,
                                 metadata={"description": "the fields the command changed (names only)"})
    changed_values = fields.Dict(keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)),
                                 allow_none=True,
                                 metadata={"description": "[before, after] of the changed fields that are not "
                                                          "free text or personal data"})
