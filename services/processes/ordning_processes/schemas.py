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
UNIT_ID = "27460a56-bb16-57e0-90af-507fac38efb8"
PARENT_ID = "8b0c5929-bacd-567b-ae5b-5881a36f09ac"
KIND = ("The kind of unit: board (nämnd), administration (förvaltning), division (verksamhetsområde), unit "
        "(enhet) or external_provider (utförare i privat regi).")


def _name(**kw) -> f.Name:
    return f.Name(max_length=NAME_MAX_LENGTH, **kw)


class UnitCreateSchema(Schema):
    id = fields.UUID(load_default=None, metadata={
        "description": "Optional: keep an existing unit id when importing a municipality's organisation; "
                       "without it the service chooses one.", "example": UNIT_ID})
    kind = f.Choice(KIND_VALUES, required=True, metadata={"description": KIND, "example": "unit"})
    name = _name(required=True, metadata={"description": "The unit's name.",
                                          "example": "Hemtjänst Norr"})
    parent_id = fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "The unit it belongs under; null or absent for a board (nämnd), which is a root.",
        "example": PARENT_ID})


class UnitRenameSchema(Schema):
    name = _name(required=True, metadata={"description": "The unit's new name.",
                                          "example": "Hemtjänst Norra distriktet"})


class UnitMoveSchema(Schema):
    parent_id = fields.UUID(required=True, allow_none=True, metadata={
        "description": "The unit to move it under; null makes the unit a root.", "example": PARENT_ID})


class UnitCloseSchema(Schema):
    """No fields: closing takes effect now."""

    class Meta:
        description = "No fields: send {}. Closing takes effect now."


class UnitListQuerySchema(Schema):
    include_closed = f.QueryBoolean(load_default=False, metadata={
        "description": "true: closed units too; false (the default): open units only.", "example": False})
    kind = f.Choice(KIND_VALUES, load_default=None, metadata={"description": "Only units of this kind.",
                                                              "example": "unit"})
    under = fields.UUID(load_default=None, metadata={"description": "Only this unit and the units below it.",
                                                     "example": PARENT_ID})


class UnitSchema(Schema):
    id = fields.String(dump_only=True, metadata={"description": "The unit's id (a UUID).", "example": UNIT_ID})
    kind = fields.String(dump_only=True, metadata={"enum": KIND_VALUES, "description": KIND, "example": "unit"})
    kind_label_sv = fields.String(dump_only=True, metadata={"description": "The kind's name in Swedish, for "
                                                                           "display.", "example": "Enhet"})
    name = fields.String(dump_only=True, metadata={"description": "The unit's name.", "example": "Hemtjänst Norr"})
    parent_id = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "The unit it belongs under; null for a root (a board, nämnd).", "example": PARENT_ID})
    closed_at = f.AwareDateTime(dump_only=True, allow_none=True, metadata={
        "description": "When the unit was closed; null while it is open.", "example": None})
    revision = fields.Integer(dump_only=True, metadata={
        "description": "The unit's revision, counted from 1; its ETag is \"<id>.<revision>\".", "example": 3})


class UnitListSchema(Schema):
    items = fields.List(fields.Nested(UnitSchema), dump_only=True, metadata={
        "description": "The units, by name."})
    count = fields.Integer(dump_only=True, metadata={"description": "How many units the list holds.",
                                                     "example": 12})


class HistoryEntrySchema(Schema):
    revision = fields.Integer(dump_only=True, metadata={"description": "The revision this change made.",
                                                        "example": 2})
    at = f.AwareDateTime(dump_only=True, metadata={"description": "When the change was made.",
                                                   "example": "2026-03-02T10:15:00+01:00"})
    actor = fields.String(dump_only=True, metadata={"description": "Who made it: the user's subject.",
                                                    "example": "demo-admin"})
    change = fields.String(dump_only=True, metadata={"enum": ["created", "renamed", "moved", "closed"],
                                                     "description": "What changed.", "example": "renamed"})
    name = fields.String(dump_only=True, metadata={"description": "The unit's name after the change.",
                                                   "example": "Hemtjänst Norr"})
    parent_id = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "The unit's parent after the change; null for a root.", "example": PARENT_ID})


class HistorySchema(Schema):
    unit_id = fields.String(dump_only=True, metadata={"description": "The unit whose history this is.",
                                                      "example": UNIT_ID})
    items = fields.List(fields.Nested(HistoryEntrySchema), dump_only=True, metadata={
        "description": "Every revision of the unit, oldest first."})


class PublicUnitSchema(Schema):
    id = fields.String(dump_only=True, metadata={"description": "The unit's id: what a citizen's feedback "
                                                                "names as its unit_id.", "example": UNIT_ID})
    kind = fields.String(dump_only=True, metadata={"description": KIND, "example": "unit"})
    name = fields.String(dump_only=True, metadata={"description": "The unit's name.", "example": "Hemtjänst Norr"})
    parent_id = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "The unit it belongs under; null for a root.", "example": PARENT_ID})


class PublicUnitListSchema(Schema):
    items = fields.List(fields.Nested(PublicUnitSchema), dump_only=True, metadata={
        "description": "The municipality's open units, by name."})


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
