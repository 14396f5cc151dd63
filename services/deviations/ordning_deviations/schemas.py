"""marshmallow schemas: requests, responses. Unknown fields are rejected (marshmallow's RAISE); strings bounded."""
from __future__ import annotations

from datetime import timezone

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .domain import CITIZEN_KINDS, REFERENCE_PATTERN, Command, Kind, RejectionReason, Status

TEXT_MAX = 10_000
# Ids are UUIDs (events promise it); a canonical 8-4-4-4-12 string, any case.
ID = validate.Regexp(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
                     error="ska vara ett UUID / must be a UUID")
KINDS = [k.value for k in Kind]
STATUSES = [s.value for s in Status]


def _dt(**kw):
    return fields.AwareDateTime(default_timezone=timezone.utc, **kw)


class ReportDeviationSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    unit_id = fields.String(required=True, validate=ID)
    description = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    category_id = fields.String(validate=ID, allow_none=True)
    occurred_at = _dt(allow_none=True)
    immediate_action = fields.String(validate=validate.Length(max=TEXT_MAX), allow_none=True)


class ContactSchema(Schema):
    name = fields.String(validate=validate.Length(max=200))
    email = fields.Email(validate=validate.Length(max=320))
    phone = fields.String(validate=validate.Length(max=40))


class PublicFeedbackSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(sorted(k.value for k in CITIZEN_KINDS)))
    unit_id = fields.String(required=True, validate=ID)
    description = fields.String(required=True, validate=validate.Length(min=1, max=TEXT_MAX))
    anonymous = fields.Boolean(required=True)
    contact = fields.Nested(ContactSchema, allow_none=True)
    website = fields.String(load_default="", validate=validate.Length(max=2000), metadata={
        "description": "Lämna tomt / leave empty. A field hidden from people (and from autofill); a submission "
                       "that fills it is answered as accepted and kept nowhere."})

    @validates_schema
    def _contact_only_when_named(self, data, **kwargs):
        if data.get("anonymous") and data.get("contact"):
            raise ValidationError("kontaktuppgifter kan inte lämnas anonymt / contact is not allowed when "
                                  "anonymous is true", "contact")


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
    what_happened = fields.String(validate=validate.Length(max=TEXT_MAX), allow_none=True)
    why = fields.String(validate=validate.Length(max=TEXT_MAX), allow_none=True)
    what_must_change = fields.String(validate=validate.Length(max=TEXT_MAX), allow_none=True)


class RejectionSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf([r.value for r in RejectionReason]),
                           metadata={"description": "spam, duplicate (name duplicate_of) or other (explain in note)"})
    duplicate_of = fields.String(validate=validate.Regexp(REFERENCE_PATTERN, error="ett ärendenummer, t.ex. "
                                                          "2026-000123 / a case reference, e.g. 2026-000123"),
                                 metadata={"description": "the reference of the case this one duplicates"})
    note = fields.String(validate=validate.Length(min=1, max=TEXT_MAX))


class TransitionSchema(Schema):
    command = fields.String(required=True, validate=validate.OneOf([c.value for c in Command]))
    rejection = fields.Nested(RejectionSchema, metadata={"description": "why: required for reject, only there"})

    @validates_schema
    def _rejection_with_reject(self, data, **kwargs):
        if (data.get("command") == Command.reject.value) != ("rejection" in data):
            raise ValidationError("rejection krävs för reject och bara där / rejection is required for reject "
                                  "and only there", "rejection")


class SeriousnessDecisionSchema(Schema):
    serious = fields.Boolean(required=True)


class IvoReportSchema(Schema):
    reported_on = fields.Date(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100))


class DeviationPatchSchema(Schema):
    category_id = fields.String(validate=ID, allow_none=True)
    unit_id = fields.String(validate=ID)

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("ange category_id eller unit_id / give category_id or unit_id")


class CategorySchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kinds = fields.List(fields.String(validate=validate.OneOf(KINDS)), load_default=list,
                        validate=validate.Length(max=len(KINDS)),
                        metadata={"description": "kinds the category applies to; empty = all"})
    active = fields.Boolean(load_default=True)
    version = fields.Integer(dump_only=True)


class CategoryUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    kinds = fields.List(fields.String(validate=validate.OneOf(KINDS)), validate=validate.Length(max=len(KINDS)))
    active = fields.Boolean()


class DeadlinePolicySchema(Schema):
    kind = fields.String(dump_only=True)
    receipt_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=365))
    investigation_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=365))
    ivo_report_days = fields.Integer(strict=True, allow_none=True, load_default=None,
                                     validate=validate.Range(min=0, max=365))
    default = fields.Boolean(dump_only=True, metadata={"description": "true: no tenant policy, the default"})


class ListArgsSchema(Schema):
    unit_id = fields.String(validate=ID)
    kind = fields.List(fields.String(validate=validate.OneOf(KINDS)), validate=validate.Length(max=len(KINDS)))
    status = fields.List(fields.String(validate=validate.OneOf(STATUSES)), validate=validate.Length(max=len(STATUSES)))
    reported_from = _dt()
    reported_to = _dt()
    overdue = fields.Boolean()
    category_id = fields.String(validate=ID)
    mine = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


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
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
