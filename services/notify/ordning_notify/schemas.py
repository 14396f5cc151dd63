"""marshmallow schemas: requests, responses. Unknown fields are rejected (marshmallow's RAISE); sizes are bounded.
Whether an event type, a field or a role is known is the domain's question (domain.rule_from_fields), so that its
answer has its own code (unknown_event_type, unknown_role, invalid_rule)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from ordning_shared import fields as f
from ordning_shared.notice_kinds import NOTICE_KINDS

from . import domain as d

RULE_ID = "6a1f0c3e-2b4d-4e8f-9a7c-5d3e1f0b2c4a"
NOTICE_ID = "0c9b8a7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d"
UNIT_ID = "27460a56-bb16-57e0-90af-507fac38efb8"
DEVIATION_ID = "3f2e1d0c-9b8a-4c7d-8e6f-5a4b3c2d1e0f"
FIELD_NAME = validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$", error=(
    "Ska vara ett fältnamn: gemena a-z, siffror och _. Must be a field name: lower-case a-z, digits and _."))
EVENT_TYPE = ("An event type of the event catalogue (docs/asyncapi.yaml), e.g. se.ordning.deviation.reported.v1; "
              "one not there is refused (422 unknown_event_type).")
VALUE_ERROR = ("Ska vara en text (högst 100 tecken), ett heltal eller true/false. "
               "Must be a text (at most 100 characters), an integer or true/false.")


class ConditionValue(fields.Raw):
    """A value a payload field is compared with: a short text (a code, an id), an integer or a boolean."""

    def __init__(self, **kwargs):
        super().__init__(metadata={"type": ["string", "integer", "boolean"], "maxLength": 100,
                                   "description": "A code, an id, an integer or true/false.", **kwargs.pop(
                                       "metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            if abs(value) >= 10 ** f.INTEGER_MAX_DIGITS:
                raise ValidationError(VALUE_ERROR)
            return value
        if isinstance(value, str) and 0 < len(value) <= 100:
            f.check_name(value)
            return value
        raise ValidationError(VALUE_ERROR)


class ConditionSchema(Schema):
    field = fields.String(required=True, validate=FIELD_NAME, metadata={
        "description": "A field of the event's payload (data).", "example": "kind"})
    in_ = fields.List(ConditionValue(), required=True, data_key="in",
                      validate=validate.Length(min=1, max=d.CONDITION_VALUES_MAX), metadata={
                          "description": "The rule matches when the field holds one of these values.",
                          "example": ["lex_sarah"]})

    class Meta:
        ordered = True


class RecipientSchema(Schema):
    role = fields.String(validate=validate.Length(min=1, max=40), metadata={
        "description": "The holders of this role (a role held at an org unit: enhetschef, verksamhetschef, "
                       "forvaltningschef, namnd, mas, mar, kvalitetsutvecklare); unknown: 422 unknown_role.",
        "example": "enhetschef"})
    at = f.Choice(d.LEVELS, metadata={
        "description": "Where the role's holders are looked for, from the event's unit: unit (the unit, or the "
                       "nearest unit above it with a holder), verksamhetsomrade, forvaltning (the level above it), "
                       "tenant (every holder in the municipality). Default unit.", "example": "unit"})
    payload = fields.String(validate=FIELD_NAME, metadata={
        "description": "Instead of a role: the payload field naming the person (a user id), e.g. owner_id.",
        "example": "owner_id"})

    @validates_schema
    def _one_of(self, data, **_kwargs):
        if bool(data.get("role")) == bool(data.get("payload")):
            raise ValidationError("Ange antingen role eller payload. Give either role or payload.")
        if data.get("payload") and data.get("at"):
            raise ValidationError("at gäller bara en roll. at applies only to a role.", "at")


class RuleCreateSchema(Schema):
    event_type = fields.String(required=True, validate=validate.Length(min=1, max=120), metadata={
        "description": EVENT_TYPE, "example": "se.ordning.deviation.reported.v1"})
    notice_kind = f.Choice(NOTICE_KINDS, required=True, metadata={
        "description": "The kind of notice given (ordning_shared.notice_kinds).", "example": "lex_sarah_reported"})
    conditions = fields.List(fields.Nested(ConditionSchema), load_default=list,
                             validate=validate.Length(max=d.CONDITIONS_MAX), metadata={
                                 "description": "All must hold for the rule to match; none: every event of the type."})
    recipients = fields.List(fields.Nested(RecipientSchema), required=True,
                             validate=validate.Length(min=1, max=d.RECIPIENTS_MAX), metadata={
                                 "description": "Who is told: role holders, or a person the payload names."})
    unit_field = fields.String(validate=FIELD_NAME, metadata={
        "description": "The payload field naming the unit the recipients are found from; default unit_id "
                       "(to_unit_id for an escalated risk's receiving level).", "example": "unit_id"})
    enabled = f.StrictBoolean(load_default=True, metadata={"description": "Off: the rule gives no notices.",
                                                           "example": True})

    @staticmethod
    def to_domain(data: dict) -> dict:
        return {**data, "conditions": [{"field": c["field"], "in": c["in_"]} for c in data.get("conditions", [])]}


class RulePatchSchema(RuleCreateSchema):
    """A change of some of a rule's parts; what is not given stays."""

    event_type = fields.String(validate=validate.Length(min=1, max=120), metadata={
        "description": EVENT_TYPE, "example": "se.ordning.deviation.reported.v1"})
    notice_kind = f.Choice(NOTICE_KINDS, metadata={"description": "The kind of notice given.",
                                                   "example": "lex_sarah_reported"})
    conditions = fields.List(fields.Nested(ConditionSchema), validate=validate.Length(max=d.CONDITIONS_MAX),
                             metadata={"description": "All must hold for the rule to match."})
    recipients = fields.List(fields.Nested(RecipientSchema), validate=validate.Length(min=1, max=d.RECIPIENTS_MAX),
                             metadata={"description": "Who is told."})
    enabled = f.StrictBoolean(metadata={"description": "Off: the rule gives no notices.", "example": False})

    @validates_schema
    def _something(self, data, **_kwargs):
        if not data:
            raise ValidationError("Ange minst ett fält att ändra. Give at least one field to change.")

    @staticmethod
    def to_domain(data: dict) -> dict:
        changed = dict(data)
        if "conditions" in changed:
            changed["conditions"] = [{"field": c["field"], "in": c["in_"]} for c in changed["conditions"]]
        return changed


class ConditionOutSchema(Schema):
    field = fields.String(metadata={"description": "A field of the event's payload.", "example": "kind"})
    in_ = fields.List(fields.Raw(metadata={"type": ["string", "integer", "boolean"],
                                           "description": "A value the field may hold.", "example": "lex_sarah"}),
                      data_key="in", metadata={"description": "The rule matches when the field holds one of these.",
                                               "example": ["lex_sarah"]})


class RecipientOutSchema(Schema):
    role = fields.String(metadata={"description": "The holders of this role (absent for a payload recipient).",
                                   "example": "enhetschef"})
    at = fields.String(metadata={"description": "Where the role's holders are looked for: unit, verksamhetsomrade, "
                                                "forvaltning or tenant.", "example": "unit"})
    payload = fields.String(metadata={"description": "The payload field naming the person (absent for a role).",
                                      "example": "owner_id"})


class RuleSchema(Schema):
    id = fields.String(metadata={"description": "The rule's id.", "example": RULE_ID})
    event_type = fields.String(metadata={"description": "The event type the rule reacts to.",
                                         "example": "se.ordning.deviation.reported.v1"})
    notice_kind = fields.String(metadata={"description": "The kind of notice it gives.",
                                          "example": "lex_sarah_reported"})
    notice_kind_label = fields.String(metadata={"description": "The notice kind in Swedish.",
                                                "example": "Ny lex Sarah-rapport"})
    conditions = fields.List(fields.Nested(ConditionOutSchema), metadata={
        "description": "All must hold for the rule to match.",
        "example": [{"field": "kind", "in": ["lex_sarah"]}]})
    recipients = fields.List(fields.Nested(RecipientOutSchema), metadata={
        "description": "Who is told.", "example": [{"role": "enhetschef", "at": "unit"}]})
    unit_field = fields.String(metadata={"description": "The payload field naming the unit the recipients are "
                                                        "found from.", "example": "unit_id"})
    enabled = fields.Boolean(metadata={"description": "Off: the rule gives no notices.", "example": True})
    default_key = fields.String(allow_none=True, metadata={
        "description": "The default rule it was seeded from; null for a rule made through the API.",
        "example": "lex_sarah_reported"})
    created_at = fields.DateTime(metadata={"description": "When the rule was made.",
                                           "example": "2026-05-12T08:30:00+00:00"})
    updated_at = fields.DateTime(metadata={"description": "When it was last changed.",
                                           "example": "2026-05-12T08:30:00+00:00"})
    version = fields.Integer(metadata={"description": "The rule's version (its ETag's number).", "example": 1})

    def dump(self, obj, **kwargs):
        if isinstance(obj, dict):  # the stored conditions say "in"; the attribute is in_
            obj = {**obj, "conditions": [{"field": c["field"], "in_": c["in"]} for c in obj.get("conditions", [])]}
        return super().dump(obj, **kwargs)


class RuleListSchema(Schema):
    items = fields.List(fields.Nested(RuleSchema), metadata={"description": "Every rule of the tenant, oldest first."})


# --------------------------------------------------------------------------
# Notices
# --------------------------------------------------------------------------

class NoticeSchema(Schema):
    id = fields.String(metadata={"description": "The notice's id.", "example": NOTICE_ID})
    kind = fields.String(metadata={"description": "The notice kind's code.", "example": "lex_sarah_reported"})
    kind_label = fields.String(metadata={"description": "The kind in Swedish: the notice's subject line with the "
                                                        "unit's name.", "example": "Ny lex Sarah-rapport"})
    unit_id = fields.String(allow_none=True, metadata={"description": "The unit it concerns.", "example": UNIT_ID})
    unit_name = fields.String(allow_none=True, metadata={"description": "The unit's name (not personal data).",
                                                         "example": "Hemtjänst Norr"})
    subject_type = fields.String(metadata={"description": "What it is about: deviation, action, risk, document...",
                                           "example": "deviation"})
    subject_id = fields.String(metadata={"description": "The id of what it is about.", "example": DEVIATION_ID})
    link = fields.String(metadata={"description": "The path of the web page about it, in the owning service.",
                                   "example": f"/arenden/{DEVIATION_ID}"})
    created_at = fields.DateTime(metadata={"description": "When the notice was given.",
                                           "example": "2026-05-12T08:30:00+00:00"})
    read_at = fields.DateTime(allow_none=True, metadata={"description": "When you marked it read; null: unread.",
                                                         "example": None})
    read = fields.Boolean(metadata={"description": "Whether you have marked it read.", "example": False})


class NoticePageSchema(Schema):
    items = fields.List(fields.Nested(NoticeSchema), metadata={"description": "Your notices, newest first."})
    limit = fields.Integer(metadata={"description": "The page size asked for.", "example": 50})
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "Give it as cursor (same state) for the next page; null on the last page.",
        "example": "WzEsIi1jcmVhdGVkX2F0IiwiMjAyNi0wNS0xMlQwODozMDowMCswMDowMCIsIjBjOWI4YTdkIl0"})


class NoticeArgsSchema(Schema):
    state = f.Choice(["unread", "read", "all"], load_default="all", metadata={
        "description": "unread, read or all (default).", "example": "unread"})
    cursor = fields.String(validate=validate.Length(min=1, max=512), metadata={
        "description": "next_cursor of the previous page.",
        "example": "WzEsIi1jcmVhdGVkX2F0IiwiMjAyNi0wNS0xMlQwODozMDowMCswMDowMCIsIjBjOWI4YTdkIl0"})
    limit = f.BoundedInteger(1, 100, strict=False, load_default=50, metadata={
        "description": "Page size, 1-100.", "example": 50})


class NoticeCountSchema(Schema):
    unread = fields.Integer(metadata={"description": "How many of your notices are unread.", "example": 3})
    total = fields.Integer(metadata={"description": "How many notices you have.", "example": 12})


class MarkedSchema(NoticeCountSchema):
    marked = fields.Integer(metadata={"description": "How many notices this marked read.", "example": 3})
