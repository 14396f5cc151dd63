"""Requests and responses of the organisation tree API.

Unknown fields are rejected (marshmallow's default RAISE); names are bounded
and may not hold control characters (PostgreSQL refuses NUL in text, and a
tab or newline in a unit name is never meant).
"""
from __future__ import annotations

import unicodedata

from marshmallow import Schema, ValidationError, fields, validate

from .domain import NAME_MAX_LENGTH, UnitKind

KIND_VALUES = [kind.value for kind in UnitKind]


def _no_control_characters(value: str) -> None:
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValidationError("Namnet får inte innehålla styrtecken / the name must not contain control characters")


def _name(**kw) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=NAME_MAX_LENGTH), _no_control_characters],
                         metadata={"description": "1 to 200 characters; surrounding blanks are removed"}, **kw)


class UnitCreateSchema(Schema):
    id = fields.UUID(load_default=None, metadata={
        "description": "optional: keep an existing unit id when importing a municipality's organisation"})
    kind = fields.String(required=True, validate=validate.OneOf(KIND_VALUES))
    name = _name(required=True)
    parent_id = fields.UUID(load_default=None, allow_none=True)


class UnitRenameSchema(Schema):
    name = _name(required=True)


class UnitMoveSchema(Schema):
    parent_id = fields.UUID(required=True, allow_none=True, metadata={"description": "null makes the unit a root"})


class UnitCloseSchema(Schema):
    """No fields: closing takes effect now."""


class UnitListQuerySchema(Schema):
    include_closed = fields.Boolean(load_default=False)
    kind = fields.String(load_default=None, validate=validate.OneOf(KIND_VALUES))
    under = fields.UUID(load_default=None, metadata={"description": "only this unit and the units below it"})


class UnitSchema(Schema):
    id = fields.String(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": KIND_VALUES})
    kind_label_sv = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    parent_id = fields.String(dump_only=True, allow_none=True)
    closed_at = fields.DateTime(dump_only=True, allow_none=True)
    revision = fields.Integer(dump_only=True)


class UnitListSchema(Schema):
    items = fields.List(fields.Nested(UnitSchema), dump_only=True)
    count = fields.Integer(dump_only=True)


class HistoryEntrySchema(Schema):
    revision = fields.Integer(dump_only=True)
    at = fields.DateTime(dump_only=True)
    actor = fields.String(dump_only=True)
    change = fields.String(dump_only=True, metadata={"enum": ["created", "renamed", "moved", "closed"]})
    name = fields.String(dump_only=True)
    parent_id = fields.String(dump_only=True, allow_none=True)


class HistorySchema(Schema):
    unit_id = fields.String(dump_only=True)
    items = fields.List(fields.Nested(HistoryEntrySchema), dump_only=True)


class PublicUnitSchema(Schema):
    id = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    parent_id = fields.String(dump_only=True, allow_none=True)


class PublicUnitListSchema(Schema):
    items = fields.List(fields.Nested(PublicUnitSchema), dump_only=True)


class OrgUnitEventDataSchema(Schema):
    """The `data` of every se.ordning.org_unit.*.v1 event: the unit's full replicable state after the change.

    Ids, kinds and dates only, plus the unit's name (an organisation's name is public, not personal data).
    """

    unit_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KIND_VALUES))
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX_LENGTH))
    parent_id = fields.String(required=True, allow_none=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    revision = fields.Integer(required=True, validate=validate.Range(min=1))
    renamed_at = fields.DateTime(metadata={"description": "renamed.v1 only"})
    previous_parent_id = fields.String(allow_none=True, metadata={"description": "moved.v1 only"})
