"""Requests and responses of the organisation tree API.

Unknown fields are rejected (marshmallow's default RAISE); names are parsed
with the platform's Name field (ordning_shared.fields): bounded, trimmed, no
control or bidi characters, not invisible-only.
"""
from __future__ import annotations

from marshmallow import Schema, fields
from ordning_shared import fields as f

from .domain import NAME_MAX_LENGTH, UnitKind

KIND_VALUES = [kind.value for kind in UnitKind]


def _name(**kw) -> f.Name:
    return f.Name(max_length=NAME_MAX_LENGTH, **kw)


class UnitCreateSchema(Schema):
    id = fields.UUID(load_default=None, metadata={
        "description": "optional: keep an existing unit id when importing a municipality's organisation"})
    kind = f.Choice(KIND_VALUES, required=True)
    name = _name(required=True)
    parent_id = fields.UUID(load_default=None, allow_none=True)


class UnitRenameSchema(Schema):
    name = _name(required=True)


class UnitMoveSchema(Schema):
    parent_id = fields.UUID(required=True, allow_none=True, metadata={"description": "null makes the unit a root"})


class UnitCloseSchema(Schema):
    """No fields: closing takes effect now."""


class UnitListQuerySchema(Schema):
    include_closed = f.QueryBoolean(load_default=False)
    kind = f.Choice(KIND_VALUES, load_default=None)
    under = fields.UUID(load_default=None, metadata={"description": "only this unit and the units below it"})


class UnitSchema(Schema):
    id = fields.String(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": KIND_VALUES})
    kind_label_sv = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    parent_id = fields.String(dump_only=True, allow_none=True)
    closed_at = f.AwareDateTime(dump_only=True, allow_none=True)
    revision = fields.Integer(dump_only=True)


class UnitListSchema(Schema):
    items = fields.List(fields.Nested(UnitSchema), dump_only=True)
    count = fields.Integer(dump_only=True)


class HistoryEntrySchema(Schema):
    revision = fields.Integer(dump_only=True)
    at = f.AwareDateTime(dump_only=True)
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

    unit_id = f.UUIDString(required=True)
    kind = f.Choice(KIND_VALUES, required=True)
    name = _name(required=True)
    parent_id = f.UUIDString(required=True, allow_none=True)
    closed_at = f.AwareDateTime(required=True, allow_none=True)
    revision = f.BoundedInteger(1, 2**31 - 1, required=True)
    renamed_at = f.AwareDateTime(metadata={"description": "renamed.v1 only"})
    previous_parent_id = f.UUIDString(allow_none=True, metadata={"description": "moved.v1 only"})
