"""Requests and responses of the organisation tree API.

Unknown fields are rejected (marshmallow's default RAISE); names are parsed
with the platform's Name field (ordning_shared.fields): bounded, trimmed, no
control or bidi characters, not invisible-only.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ordning_shared import pagination
from ordning_shared import fields as f

from .domain import (DUTIES_MAX_COUNT, DUTY_MAX_LENGTH, DUTY_ROLES, MAX_STEPS, NAME_MAX_LENGTH,
                     PROCESS_ROLES, STEP_TEXT_MAX, USER_ID_PATTERN, PdcaPhase, ProcessKind, ProcessVersionStatus,
                     RoleKind, SamverkanActor, UnitKind)
from .domain import documents as docdomain
from .domain import goals as goal_domain


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
    external_provider = f.StrictBoolean(load_default=False, metadata={
        "description": "true: an external provider (utförare i privat regi), which reports its lex Sarah and lex "
                       "Maria cases to IVO itself; the municipality follows the reports up.", "example": False})


class UnitExternalProviderSchema(Schema):
    external_provider = f.StrictBoolean(required=True, metadata={
        "description": "true: the unit is an external provider (utförare i privat regi), which reports to IVO "
                       "itself; false: it is not.", "example": True})


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
    external_provider = fields.Boolean(dump_only=True, metadata={
        "description": "true when the unit is an external provider (utförare i privat regi), which reports to IVO "
                       "itself.", "example": False})


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
    change = fields.String(dump_only=True, metadata={"enum": ["created", "renamed", "moved", "closed",
                                                              "external_provider"],
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
    external_provider = f.StrictBoolean(metadata={"description": "Whether the unit is an external provider."})


# =============================================================================================================
# Governing documents (styrdokument) — proc-docs
# =============================================================================================================


DOCUMENT_KIND_VALUES = [kind.value for kind in docdomain.DocumentKind]
VERSION_STATUS_VALUES = [status.value for status in docdomain.VersionStatus]
DOCUMENT_ID = "5f1c8f0e-3b7a-4d0e-9a55-2f0d6b8c1a77"
STEP_ID = "c2a4e6f8-1b3d-4f5a-8c7e-9d0b2a4c6e8f"
DOCUMENT_KIND = ("The kind of governing document: rutin, checklista, riktlinje, instruktion, policy, plan or annat "
                 "(another kind of styrdokument).")
VERSION_STATUS = ("draft (utkast), for_approval (för beslut), established (fastställd) or superseded (ersatt by a "
                  "newer established version).")
DOCUMENT_BODY = ("The text in Markdown (CommonMark with tables): raw HTML is shown as text, and only http(s), "
                 "mailto, tel and relative links become links.")
DOCUMENT_SORT_CHOICES = pagination.sort_choices(("title", "updated_at", "review_date"))
EXAMPLE_BODY = ("## Syfte\n\nAlla medarbetare rapporterar avvikelser samma dag.\n\n## Så gör du\n\n1. Åtgärda "
                "det akuta.\n2. Rapportera i Ordning.\n3. Informera din chef.")


def _title(**kw) -> f.Name:
    return f.Name(max_length=docdomain.TITLE_MAX_LENGTH, **kw)


def _ids(description: str, example: str) -> fields.List:
    return fields.List(f.UUIDString(), validate=validate.Length(max=docdomain.MAX_LINKS), metadata={
        "description": description, "example": [example]})


class DocumentCreateSchema(Schema):
    kind = f.Choice(DOCUMENT_KIND_VALUES, required=True, metadata={"description": DOCUMENT_KIND, "example": "rutin"})
    owner_unit_id = f.UUIDString(required=True, metadata={
        "description": "The unit that owns the document (an open unit of your municipality).", "example": UNIT_ID})
    title = _title(required=True, metadata={"description": "The document's title.",
                                            "example": "Rutin för avvikelsehantering"})
    body = f.Text(max_length=docdomain.BODY_MAX_LENGTH, load_default="", metadata={
        "description": DOCUMENT_BODY, "example": EXAMPLE_BODY})
    unit_ids = _ids("Further units whose employees read the established versions (the owner unit always does; "
                    "so do the units below each).", PARENT_ID)
    step_ids = _ids("The process steps the document belongs to (stable step ids of the process map).", STEP_ID)


class DraftUpdateSchema(Schema):
    title = _title(metadata={"description": "The draft's new title.", "example": "Rutin för avvikelsehantering"})
    body = f.Text(max_length=docdomain.BODY_MAX_LENGTH,
                  metadata={"description": DOCUMENT_BODY, "example": EXAMPLE_BODY})
    unit_ids = _ids("The linked units, replacing those the draft had.", PARENT_ID)
    step_ids = _ids("The linked process steps, replacing those the draft had.", STEP_ID)


class VersionSubmitSchema(Schema):
    class Meta:
        description = "No fields: send {}. The draft goes up for approval (för beslut)."


class VersionEstablishSchema(Schema):
    decision_reference = f.Name(max_length=docdomain.DECISION_REFERENCE_MAX_LENGTH, required=True, metadata={
        "description": "The decision's reference (diarienummer or paragraph of the minutes).",
        "example": "SN 2026/123 § 45"})
    review_date = f.Date(required=True, metadata={
        "description": "When the established version is to be reviewed (revideringsdatum), after today.",
        "example": "2027-11-30"})


class VersionRejectSchema(Schema):
    reason = f.Text(max_length=docdomain.REASON_MAX_LENGTH, min_length=1, required=True, metadata={
        "description": "Why the version goes back to draft, for its author.",
        "example": "Lägg till vem som informerar MAS."})


class ReviewDateSchema(Schema):
    review_date = f.Date(required=True, metadata={
        "description": "The established version's new review date, after today.", "example": "2027-11-30"})


class EmptyBodySchema(Schema):
    """A command that takes no fields (a new document version, a process revision): send {}."""

    class Meta:
        description = "No fields: send {}. The new draft copies the newest (the established) version."


class DocumentSettingsSchema(Schema):
    self_approval_allowed = f.StrictBoolean(required=True, metadata={
        "description": "true: one may establish a draft one wrote or submitted oneself; false (the default): "
                       "another approver must.", "example": False})
    revision = fields.Integer(dump_only=True, metadata={
        "description": "The settings' revision (0 before the first change); the ETag is "
                       "\"document-settings.<revision>\".", "example": 1})


class DocumentListQuerySchema(Schema):
    kind = f.Choice(DOCUMENT_KIND_VALUES, metadata={"description": "Only documents of this kind.",
                                                    "example": "rutin"})
    unit = f.UUIDString(metadata={"description": "Only documents owned by or linked to this unit.",
                                  "example": UNIT_ID})
    status = f.Choice(["established", "in_works"], metadata={
        "description": "established: only documents with a version in force; in_works: only those with a draft "
                       "or a version up for approval you may see.", "example": "established"})
    q = f.Name(max_length=200, metadata={"description": "Only documents whose title contains this, "
                                                        "case-insensitive.", "example": "lex Sarah"})
    sort = f.Choice(DOCUMENT_SORT_CHOICES, load_default="title", metadata={
        "description": "The order: title, updated_at or review_date, descending with a leading -; ties broken by "
                       "id. Default title.", "example": "title"})
    cursor = fields.String(validate=validate.Length(max=pagination.CURSOR_MAX_CHARS), metadata={
        "description": "next_cursor of the page before: the next page. Only with the sort it was made for; "
                       "anything else is a 400 invalid_cursor.", "example": "WzEsInRpdGxlIiwiUnV0aW4iLCJ4Il0"})
    limit = f.BoundedInteger(1, 200, strict=False, load_default=50, metadata={
        "description": "The page size, 1 to 200.", "example": 50})


class VersionSummarySchema(Schema):
    number = fields.Integer(metadata={"description": "The version's number, counted from 1.", "example": 2})
    status = fields.String(metadata={"enum": VERSION_STATUS_VALUES, "description": VERSION_STATUS,
                                     "example": "established"})
    status_label_sv = fields.String(metadata={"description": "The status in Swedish.", "example": "Fastställd"})
    title = fields.String(metadata={"description": "The version's title.", "example": "Rutin för lex Sarah"})
    author = fields.String(metadata={"description": "Who drafted the version (a user id).", "example": "user-17"})
    created_at = f.AwareDateTime(metadata={"description": "When the version was drafted.",
                                           "example": "2026-03-02T09:00:00+01:00"})
    submitted_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "When it went up for approval; null otherwise.", "example": "2026-03-03T09:00:00+01:00"})
    established_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "When it was established; null before.", "example": "2026-03-10T14:00:00+01:00"})
    established_by = fields.String(allow_none=True, metadata={
        "description": "Who established it (a user id); null before.", "example": "user-3"})
    decision_reference = fields.String(allow_none=True, metadata={
        "description": "The decision's reference; null before it is established.", "example": "SN 2026/123 § 45"})
    review_date = fields.Date(allow_none=True, metadata={
        "description": "The review date (revideringsdatum) of an established version.", "example": "2027-11-30"})
    superseded_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "When a newer established version replaced it; null while it is not.", "example": None})
    rejected_reason = fields.String(allow_none=True, metadata={
        "description": "Why it was last sent back to draft; null if never.", "example": None})
    revision = fields.Integer(metadata={
        "description": "The version's revision; its ETag is \"<document_id>.<number>.<revision>\".", "example": 3})


class VersionSchema(VersionSummarySchema):
    document_id = fields.String(metadata={"description": "The document's id.", "example": DOCUMENT_ID})
    kind = fields.String(metadata={"enum": DOCUMENT_KIND_VALUES, "description": DOCUMENT_KIND, "example": "rutin"})
    owner_unit_id = fields.String(metadata={"description": "The owner unit.", "example": UNIT_ID})
    body = fields.String(metadata={"description": DOCUMENT_BODY, "example": EXAMPLE_BODY})
    body_html = fields.String(metadata={"description": "The text rendered to safe HTML.",
                                        "example": "<h2>Syfte</h2>\n<p>Alla medarbetare …</p>"})
    unit_ids = fields.List(fields.String(), metadata={"description": "The linked units.", "example": [PARENT_ID]})
    step_ids = fields.List(fields.String(), metadata={"description": "The linked process steps.",
                                                      "example": [STEP_ID]})
    may_edit = fields.Boolean(metadata={"description": "Whether you may edit or submit this draft.",
                                        "example": False})
    may_decide = fields.Boolean(metadata={"description": "Whether you may establish or send back this version.",
                                          "example": False})


class VersionListSchema(Schema):
    document_id = fields.String(metadata={"description": "The document's id.", "example": DOCUMENT_ID})
    items = fields.List(fields.Nested(VersionSummarySchema), metadata={
        "description": "The versions you may read, newest first."})


class DocumentSummarySchema(Schema):
    id = fields.String(metadata={"description": "The document's id.", "example": DOCUMENT_ID})
    kind = fields.String(metadata={"enum": DOCUMENT_KIND_VALUES, "description": DOCUMENT_KIND, "example": "rutin"})
    kind_label_sv = fields.String(metadata={"description": "The kind in Swedish.", "example": "Rutin"})
    owner_unit_id = fields.String(metadata={"description": "The owner unit.", "example": UNIT_ID})
    title = fields.String(metadata={"description": "The title of the version in force (or of the draft while none "
                                                   "is).", "example": "Rutin för avvikelsehantering"})
    in_force_version = fields.Integer(allow_none=True, metadata={
        "description": "The number of the established version; null while none is.", "example": 2})
    in_works_version = fields.Integer(allow_none=True, metadata={
        "description": "The number of the draft or version up for approval, if you may see it; else null.",
        "example": None})
    review_date = fields.Date(allow_none=True, metadata={
        "description": "The review date of the version in force.", "example": "2027-11-30"})
    updated_at = f.AwareDateTime(metadata={"description": "When the document last changed.",
                                           "example": "2026-03-10T14:00:00+01:00"})


class DocumentListSchema(Schema):
    items = fields.List(fields.Nested(DocumentSummarySchema), metadata={"description": "One page of documents."})
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "Give it as cursor (with the same sort and filters) for the next page; null on the last "
                       "page.", "example": None})


class DocumentSchema(DocumentSummarySchema):
    version = fields.Nested(VersionSchema, metadata={
        "description": "The version you read first: the one in force, or (while none is) the newest you may see."})
    may_draft = fields.Boolean(metadata={"description": "Whether you may draft a new version.", "example": True})


class DocumentVersionEventDataSchema(Schema):
    """The `data` of the se.ordning.document.*.v1 events: ids, codes, version numbers and dates, never text."""

    document_id = f.UUIDString(required=True)
    revision = fields.Integer(required=True)
    kind = f.Choice(DOCUMENT_KIND_VALUES, required=True)
    owner_unit_id = f.UUIDString(required=True)
    version = fields.Integer(required=True)
    unit_ids = fields.List(f.UUIDString())
    step_ids = fields.List(f.UUIDString())
    established_on = fields.Date()
    review_date = fields.Date()
    superseded_version = fields.Integer(allow_none=True)
    superseded_on = fields.Date()
    superseded_by_version = fields.Integer()


# =====================================================================================================
# Roles and duties (issue 11)
# =====================================================================================================


ROLE_VALUES = [role.value for role in RoleKind]
PHASE_VALUES = [phase.value for phase in PdcaPhase]
ASSIGNMENT_ID = "5d7e0a3c-2f4b-4c1e-9a63-0b8d2f6e4a11"
PROCESS_ID = "0e5c8d1a-7b3f-4a2e-8c9d-6f1a2b3c4d5e"
ROLE = ("The role's code. Held at an org unit: " + ", ".join(r.value for r in RoleKind if r not in PROCESS_ROLES)
        + "; held at a process: " + ", ".join(r.value for r in RoleKind if r in PROCESS_ROLES) + ".")
PHASE = "The PDCA phase: planera, genomfora, folja_upp or forbattra."


def _user_id(**kw) -> fields.String:
    return fields.String(validate=validate.Regexp(USER_ID_PATTERN, error="Ska vara ett användar-id utan mellanslag "
                                                  "och utan @. Must be a user id without spaces or @."), **kw)


class AssignmentCreateSchema(Schema):
    role = f.Choice(ROLE_VALUES, required=True, metadata={"description": ROLE, "example": "enhetschef"})
    unit_id = f.UUIDString(load_default=None, metadata={
        "description": "The org unit, for a unit role; absent for a process role.", "example": UNIT_ID})
    process_id = f.UUIDString(load_default=None, metadata={
        "description": "The process, for a process role; absent for a unit role.", "example": PROCESS_ID})
    user_id = _user_id(required=True, metadata={
        "description": "The holder's user id as the identity provider issues it (the token's sub).",
        "example": "demo-erik"})
    display_name = _name(required=True, metadata={"description": "The holder's name, for display.",
                                                  "example": "Erik Enhetschef"})
    valid_from = f.Date(required=True, metadata={"description": "The first day the role is held.",
                                                 "example": "2026-01-01"})
    valid_to = f.Date(load_default=None, allow_none=True, metadata={
        "description": "The last day the role is held (inclusive); null: until further notice.",
        "example": "2026-12-31"})


class AssignmentEndSchema(Schema):
    class Meta:
        description = "No fields: send {}. The assignment ends now."


class AssignmentListQuerySchema(Schema):
    unit_id = f.UUIDString(load_default=None, metadata={"description": "Only assignments at this unit.",
                                                        "example": UNIT_ID})
    process_id = f.UUIDString(load_default=None, metadata={"description": "Only assignments at this process.",
                                                           "example": PROCESS_ID})
    role = f.Choice(ROLE_VALUES, load_default=None, metadata={"description": "Only this role.",
                                                              "example": "enhetschef"})
    user = _user_id(load_default=None, metadata={"description": "Only this holder's assignments (a user id; `me`: "
                                                                "yours).", "example": "demo-erik"})
    current = f.QueryBoolean(load_default=None, metadata={
        "description": "true: only assignments held today; false: only those not held today (ended, past or "
                       "future); absent: all.", "example": True})


class AssignmentSchema(Schema):
    id = fields.String(dump_only=True, metadata={"description": "The assignment's id.", "example": ASSIGNMENT_ID})
    role = fields.String(dump_only=True, metadata={"enum": ROLE_VALUES, "description": ROLE, "example": "enhetschef"})
    role_label_sv = fields.String(dump_only=True, metadata={"description": "The role in Swedish, for display.",
                                                            "example": "Enhetschef"})
    unit_id = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "The org unit of a unit role; null for a process role.", "example": UNIT_ID})
    process_id = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "The process of a process role; null for a unit role.", "example": None})
    user_id = fields.String(dump_only=True, metadata={"description": "The holder's user id.",
                                                      "example": "demo-erik"})
    display_name = fields.String(dump_only=True, metadata={"description": "The holder's name.",
                                                           "example": "Erik Enhetschef"})
    valid_from = fields.Date(dump_only=True, metadata={"description": "The first day held.",
                                                       "example": "2026-01-01"})
    valid_to = fields.Date(dump_only=True, allow_none=True, metadata={
        "description": "The last day held; null: until further notice.", "example": None})
    ended_at = f.AwareDateTime(dump_only=True, allow_none=True, metadata={
        "description": "When the assignment was ended; null while it is not.", "example": None})
    current = fields.Boolean(dump_only=True, metadata={"description": "Whether the role is held today.",
                                                       "example": True})
    version = fields.Integer(dump_only=True, metadata={"description": "Its version; the ETag is \"<id>.<version>\".",
                                                       "example": 1})


class AssignmentListSchema(Schema):
    items = fields.List(fields.Nested(AssignmentSchema), dump_only=True, metadata={
        "description": "The assignments, by role and first day."})
    count = fields.Integer(dump_only=True, metadata={"description": "How many the list holds.", "example": 3})


class DutiesQuerySchema(Schema):
    role = f.Choice(list(DUTY_ROLES), load_default=None, metadata={
        "description": "Only this role (the roles above, and medarbetare).", "example": "enhetschef"})
    phase = f.Choice(PHASE_VALUES, load_default=None, metadata={"description": "Only this phase. " + PHASE,
                                                                "example": "folja_upp"})


class DutiesUpdateSchema(Schema):
    duties = fields.List(f.Text(max_length=DUTY_MAX_LENGTH, min_length=1), required=True,
                         validate=validate.Length(max=DUTIES_MAX_COUNT), metadata={
                             "description": "The role's duties in the phase, one sentence each, in order.",
                             "example": ["Ansvarar för att avvikelser och synpunkter hanteras enligt fastställda "
                                         "processer."]})


class DutiesSchema(Schema):
    role = fields.String(dump_only=True, metadata={"enum": list(DUTY_ROLES), "description": "The role's code.",
                                                   "example": "enhetschef"})
    role_label_sv = fields.String(dump_only=True, metadata={"description": "The role in Swedish.",
                                                            "example": "Enhetschef"})
    phase = fields.String(dump_only=True, metadata={"enum": PHASE_VALUES, "description": PHASE,
                                                    "example": "folja_upp"})
    phase_label_sv = fields.String(dump_only=True, metadata={"description": "The phase in Swedish.",
                                                             "example": "Följa upp"})
    duties = fields.List(fields.String(), dump_only=True, metadata={
        "description": "The duties, in order.", "example": ["Rapporterar analys och resultat till överordnad nivå."]})
    source = fields.String(dump_only=True, metadata={
        "enum": ["ockero", "tenant"], "description": "ockero: the Öckerö seed, unchanged; tenant: the municipality's "
                                                     "own wording.", "example": "ockero"})
    version = fields.Integer(dump_only=True, metadata={
        "description": "1 for the seed, then one more per change; the ETag is \"<role>.<phase>.<version>\".",
        "example": 1})


class DutiesListSchema(Schema):
    items = fields.List(fields.Nested(DutiesSchema), dump_only=True, metadata={
        "description": "Per role and phase, in the order of the roles and PDCA."})


class RoleEventDataSchema(Schema):
    """The `data` of se.ordning.role.assigned.v1 and ended.v1: ids, the role's code, dates; never the name."""

    assignment_id = f.UUIDString(required=True)
    role = f.Choice(ROLE_VALUES, required=True)
    unit_id = f.UUIDString(required=True, allow_none=True)
    process_id = f.UUIDString(required=True, allow_none=True)
    user_id = _user_id(required=True)
    valid_from = f.Date(required=True)
    valid_to = f.Date(required=True, allow_none=True)
    version = f.BoundedInteger(1, 2**31 - 1, required=True)
    ended_at = f.AwareDateTime(metadata={"description": "ended.v1 only"})


# =============================================================================
# The process map (proc-map)
# =============================================================================


PROCESS_KIND_VALUES = [k.value for k in ProcessKind]
PROCESS_ROLE_VALUES = sorted(r.value for r in PROCESS_ROLES)
ACTOR_VALUES = [a.value for a in SamverkanActor]
PROCESS_ID = "5d1e2f0a-3b4c-4d5e-8f60-718293a4b5c6"
STEP_ID = "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f"
PROCESS_KIND = "huvudprocess, ledningsprocess or stodprocess (stödprocess)."
MAX_ITEMS = 30


def _list(inner, description: str, example) -> fields.List:
    return fields.List(inner, validate=validate.Length(max=MAX_ITEMS), metadata={
        "description": f"{description} At most {MAX_ITEMS}.", "example": example})


class SamverkanSchema(Schema):
    actor = f.Choice(ACTOR_VALUES, required=True, metadata={
        "description": "Who the step works with: region, other_administration (another förvaltning), "
                       "external_provider or other.", "example": "region"})
    note = f.Text(max_length=500, load_default=None, allow_none=True, metadata={
        "description": "What the samverkan is about.", "example": "Samordnad individuell plan (SIP)"})


class StepInSchema(Schema):
    id = f.UUIDString(load_default=None, allow_none=True, metadata={
        "description": "Keep a step of this process: its id (stable across versions). Absent or null: a new step.",
        "example": STEP_ID})
    name = _name(required=True, metadata={"description": "The step (aktivitet).", "example": "Utreda"})
    description = f.Text(max_length=STEP_TEXT_MAX, load_default=None, allow_none=True, metadata={
        "description": "What the step does.", "example": "Behov och resurser utreds med den enskilde."})
    roles = _list(f.Choice(ROLE_VALUES), "The roles that act in the step (role codes).", ["enhetschef"])
    inputs = _list(_name(), "What the step takes in.", ["Ansökan"])
    outputs = _list(_name(), "What the step gives.", ["Utredning"])
    samverkan = fields.List(fields.Nested(SamverkanSchema), validate=validate.Length(max=10), metadata={
        "description": "Other actors the step works with. At most 10."})


class ProcessContentSchema(Schema):
    name = _name(metadata={"description": "The process's name.", "example": "Handläggning inom socialtjänsten"})
    purpose = f.Text(max_length=STEP_TEXT_MAX, allow_none=True, metadata={
        "description": "What the process is for.", "example": "Att den enskilde får rätt insats."})
    owner_role = f.Choice(PROCESS_ROLE_VALUES, metadata={
        "description": "The owner's process role (processagare by default).", "example": "processagare"})
    owner_user_id = _name(allow_none=True, metadata={
        "description": "The owner: a user id (the token's subject).", "example": "demo-processagare"})
    steps = fields.List(fields.Nested(StepInSchema), validate=validate.Length(max=MAX_STEPS), metadata={
        "description": f"The steps (aktiviteter), in order: the whole list. At most {MAX_STEPS}."})


class ProcessCreateSchema(ProcessContentSchema):
    unit_id = fields.UUID(required=True, metadata={"description": "The förvaltning or unit the process is of.",
                                                   "example": UNIT_ID})
    kind = f.Choice(PROCESS_KIND_VALUES, required=True, metadata={"description": PROCESS_KIND,
                                                                   "example": "huvudprocess"})
    parent_id = fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "The process this is a delprocess of; null or absent for a process of its own.",
        "example": PROCESS_ID})
    name = _name(required=True, metadata={"description": "The process's name.", "example": "Myndighetsutövning"})


class ProcessDraftUpdateSchema(ProcessContentSchema):
    kind = f.Choice(PROCESS_KIND_VALUES, metadata={"description": PROCESS_KIND, "example": "stodprocess"})
    unit_id = fields.UUID(metadata={"description": "Move the process to another förvaltning or unit.",
                                    "example": UNIT_ID})
    parent_id = fields.UUID(allow_none=True, metadata={
        "description": "Make it a delprocess of this process; null: a process of its own.", "example": PROCESS_ID})


class StepOrderSchema(Schema):
    step_ids = fields.List(f.UUIDString(), required=True, validate=validate.Length(max=MAX_STEPS), metadata={
        "description": "Every step id of the draft, each once, in the new order.", "example": [STEP_ID]})


class EstablishSchema(Schema):
    established_on = f.Date(load_default=None, allow_none=True, metadata={
        "description": "The decision's date; today if absent.", "example": "2026-03-02"})
    decision_reference = f.Text(max_length=200, load_default=None, allow_none=True, metadata={
        "description": "The decision's reference (beslutsparagraf).", "example": "SN § 45/2026"})


class ProcessListQuerySchema(Schema):
    unit_id = fields.UUID(load_default=None, metadata={
        "description": "Only the processes of this unit and the units below it.", "example": UNIT_ID})
    kind = f.Choice(PROCESS_KIND_VALUES, load_default=None, metadata={"description": "Only this kind.",
                                                                       "example": "huvudprocess"})


class TemplateCopySchema(Schema):
    unit_id = fields.UUID(required=True, metadata={"description": "The förvaltning or unit the copy is for.",
                                                   "example": UNIT_ID})


class SamverkanOutSchema(Schema):
    actor = fields.String(metadata={"enum": ACTOR_VALUES, "description": "The other actor.", "example": "region"})
    actor_label_sv = fields.String(metadata={"description": "The actor in Swedish.", "example": "Regionen"})
    note = fields.String(allow_none=True, metadata={"description": "What it is about.", "example": "SIP"})


class StepOutSchema(Schema):
    id = fields.String(metadata={"description": "The step's id, stable across versions.", "example": STEP_ID})
    position = fields.Integer(metadata={"description": "The step's place, from 1.", "example": 2})
    name = fields.String(metadata={"description": "The step.", "example": "Utreda"})
    description = fields.String(allow_none=True, metadata={"description": "What it does.", "example": None})
    roles = fields.List(fields.String(), metadata={"description": "Role codes.", "example": ["enhetschef"]})
    inputs = fields.List(fields.String(), metadata={"description": "In.", "example": ["Ansökan"]})
    outputs = fields.List(fields.String(), metadata={"description": "Out.", "example": ["Utredning"]})
    samverkan = fields.List(fields.Nested(SamverkanOutSchema), metadata={"description": "Other actors."})


class ProcessVersionSchema(Schema):
    number = fields.Integer(metadata={"description": "The version number, from 1.", "example": 2})
    status = fields.String(metadata={"enum": [s.value for s in ProcessVersionStatus], "example": "established",
                                     "description": "draft, established (fastställd) or superseded."})
    name = fields.String(metadata={"description": "The process's name.", "example": "Myndighetsutövning"})
    purpose = fields.String(allow_none=True, metadata={"description": "Its purpose.", "example": None})
    owner_role = fields.String(metadata={"description": "The owner's role code.", "example": "processagare"})
    owner_user_id = fields.String(allow_none=True, metadata={"description": "The owner's user id.",
                                                             "example": "demo-processagare"})
    steps = fields.List(fields.Nested(StepOutSchema), metadata={"description": "The steps, in order."})
    created_at = f.AwareDateTime(metadata={"description": "When the version was drafted.",
                                           "example": "2026-03-01T10:00:00+01:00"})
    created_by = fields.String(metadata={"description": "Who drafted it.", "example": "demo-admin"})
    established_at = f.AwareDateTime(allow_none=True, metadata={"description": "When it was established.",
                                                                "example": "2026-03-02T10:00:00+01:00"})
    established_by = fields.String(allow_none=True, metadata={"description": "Who established it.",
                                                              "example": "demo-admin"})
    established_on = fields.Date(allow_none=True, metadata={"description": "The decision's date.",
                                                            "example": "2026-03-02"})
    decision_reference = fields.String(allow_none=True, metadata={"description": "The decision's reference.",
                                                                  "example": "SN § 45/2026"})


class ProcessVersionSummarySchema(Schema):
    number = fields.Integer(metadata={"description": "The version number.", "example": 1})
    status = fields.String(metadata={"description": "draft, established or superseded.", "example": "superseded"})
    established_on = fields.Date(allow_none=True, metadata={"description": "The decision's date.",
                                                            "example": "2026-03-02"})


class ProcessSchema(Schema):
    id = fields.String(metadata={"description": "The process's id.", "example": PROCESS_ID})
    unit_id = fields.String(metadata={"description": "Its förvaltning or unit.", "example": UNIT_ID})
    kind = fields.String(metadata={"enum": PROCESS_KIND_VALUES, "description": PROCESS_KIND,
                                   "example": "huvudprocess"})
    kind_label_sv = fields.String(metadata={"description": "The kind in Swedish.", "example": "Huvudprocess"})
    parent_id = fields.String(allow_none=True, metadata={"description": "The process it is a delprocess of.",
                                                         "example": None})
    template_code = fields.String(allow_none=True, metadata={"description": "The template it was copied from.",
                                                             "example": "systematiskt_kvalitetsarbete"})
    revision = fields.Integer(metadata={"description": "Changes with every change; the ETag is \"<id>.<revision>\".",
                                        "example": 3})
    established = fields.Nested(ProcessVersionSchema, allow_none=True, metadata={
        "description": "The version in force (fastställd); null before the first is established."})
    draft = fields.Nested(ProcessVersionSchema, allow_none=True, metadata={
        "description": "The draft being worked on; null when there is none."})
    versions = fields.List(fields.Nested(ProcessVersionSummarySchema), metadata={"description": "Every version, oldest "
                                                                                         "first."})


class ProcessListSchema(Schema):
    items = fields.List(fields.Nested(ProcessSchema), metadata={"description": "The processes."})
    count = fields.Integer(metadata={"description": "How many.", "example": 2})


class TemplateStepSchema(Schema):
    name = fields.String(metadata={"description": "The step.", "example": "Utreda"})
    description = fields.String(allow_none=True, metadata={"description": "What it does.", "example": None})
    roles = fields.List(fields.String(), metadata={"description": "Role codes.", "example": ["enhetschef"]})
    inputs = fields.List(fields.String(), metadata={"description": "In.", "example": ["Ansökan"]})
    outputs = fields.List(fields.String(), metadata={"description": "Out.", "example": ["Utredning"]})
    samverkan = fields.List(fields.Nested(SamverkanOutSchema), metadata={"description": "Other actors."})


class TemplateSchema(Schema):
    code = fields.String(metadata={"description": "The template's code.", "example": "socialtjanst_ni_2021_2"})
    kind = fields.String(metadata={"description": PROCESS_KIND, "example": "huvudprocess"})
    name = fields.String(metadata={"description": "Its name.", "example": "Handläggning inom socialtjänsten"})
    source = fields.String(metadata={"description": "Where it comes from.", "example": "Socialstyrelsen NI 2021:2"})
    purpose = fields.String(metadata={"description": "Its purpose.", "example": "Rätt insats"})
    steps = fields.List(fields.Nested(TemplateStepSchema), metadata={"description": "Its steps, in order."})


class TemplateListSchema(Schema):
    items = fields.List(fields.Nested(TemplateSchema), metadata={"description": "The templates."})


# =============================================================================
# Quality goals (kvalitetsmål)
# =============================================================================


GOAL_ID = "5d0f6a3e-8c1b-4f57-9d43-2f6c1e0b7a11"
INDICATOR_ID = "9a7e2c44-1b3d-4e8f-a6c2-0d5b8f3e9c27"
DIRECTIONS = [d.value for d in goal_domain.Direction]
FREQUENCIES = [q.value for q in goal_domain.Frequency]
UNITS_OF_MEASURE = list(goal_domain.UNIT_OF_MEASURE_LABELS_SV)
ATTAINMENTS = [a.value for a in goal_domain.Attainment]
DIRECTION = ("higher_is_better (högre är bättre), lower_is_better (lägre är bättre) or target_range (inom "
             "målintervall: target to target_max).")
PERIOD = ("The measured period, as the indicator's frequency says: YYYY-MM for monthly, YYYY-Qn for quarterly, "
          "YYYY for yearly.")


class MeasuredNumber(fields.Field):
    """A number: a JSON number, or a string with a decimal point or a Swedish decimal comma ("92,5")."""

    default_error_messages = {"invalid": "Ska vara ett tal, till exempel 92,5. Must be a number, e.g. 92.5."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, str) and len(value) > 40:
            raise self.make_error("invalid")
        try:
            return goal_domain.parse_value(value)
        except ValueError:
            raise self.make_error("invalid") from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else float(value)


def _number(**kw) -> MeasuredNumber:
    kw.setdefault("metadata", {}).setdefault("type", "number")
    return MeasuredNumber(**kw)


class GoalCreateSchema(Schema):
    unit_id = fields.UUID(required=True, metadata={
        "description": "The nämnd, förvaltning or unit whose goal it is; a unit of your municipality.",
        "example": UNIT_ID})
    title = f.Name(max_length=goal_domain.TITLE_MAX_LENGTH, required=True, metadata={
        "description": "The goal, in a line.", "example": "Avvikelser utreds skyndsamt"})
    description = f.Text(max_length=goal_domain.DESCRIPTION_MAX_LENGTH, load_default="", metadata={
        "description": "What the goal means and why it matters.",
        "example": "Varje avvikelse ska utredas inom 14 dagar så att lärdomar tas tillvara."})
    period_start = f.Date(required=True, metadata={"description": "The first day the goal is for.",
                                                   "example": "2026-01-01"})
    period_end = f.Date(required=True, metadata={"description": "The last day the goal is for (a year: 12-31).",
                                                 "example": "2026-12-31"})


class GoalUpdateSchema(Schema):
    title = f.Name(max_length=goal_domain.TITLE_MAX_LENGTH, metadata={"description": "The goal, in a line.",
                                                                 "example": "Avvikelser utreds inom 14 dagar"})
    description = f.Text(max_length=goal_domain.DESCRIPTION_MAX_LENGTH, metadata={
        "description": "What the goal means.", "example": "Utredningen ska vara klar inom 14 dagar."})
    period_start = f.Date(metadata={"description": "The first day the goal is for.", "example": "2026-01-01"})
    period_end = f.Date(metadata={"description": "The last day the goal is for.", "example": "2026-12-31"})

    @validates_schema
    def _something(self, data, **_kwargs):
        if not data:
            raise ValidationError("Ange minst ett fält att ändra. Give at least one field to change.")


class GoalCloseSchema(Schema):
    class Meta:
        description = "No fields: send {}. The goal is closed now; its measurements stay readable."


class GoalListQuerySchema(Schema):
    unit_id = fields.UUID(load_default=None, metadata={"description": "Only the goals of this unit.",
                                                       "example": UNIT_ID})
    under = fields.UUID(load_default=None, metadata={"description": "Only the goals of this unit and the units "
                                                                    "below it.", "example": PARENT_ID})
    from_ = f.Date(data_key="from", load_default=None, metadata={
        "description": "Only goals whose period ends on or after this day.", "example": "2026-01-01"})
    to = f.Date(load_default=None, metadata={"description": "Only goals whose period starts on or before this day.",
                                             "example": "2026-12-31"})
    include_closed = f.QueryBoolean(load_default=False, metadata={
        "description": "true: closed goals too; false (the default): open goals only.", "example": False})


class IndicatorCreateSchema(Schema):
    name = f.Name(max_length=goal_domain.TITLE_MAX_LENGTH, required=True, metadata={
        "description": "What is measured and how (mätmetod).",
        "example": "Andel avvikelser som utretts inom 14 dagar"})
    unit_of_measure = f.Choice(UNITS_OF_MEASURE, required=True, metadata={
        "description": "The unit of the measured value: percent (%), count (antal), days (dagar), hours, kronor, "
                       "score (poäng) or ratio.", "example": "percent"})
    direction = f.Choice(DIRECTIONS, required=True, metadata={"description": DIRECTION,
                                                              "example": "higher_is_better"})
    target = _number(required=True, metadata={"description": "The target value (målvärde); for a range its lower "
                                                             "end.", "example": 90})
    target_max = _number(load_default=None, allow_none=True, metadata={
        "description": "The upper end of a target range; only for target_range.", "example": None})
    threshold = _number(load_default=None, allow_none=True, metadata={
        "description": "Optional gränsvärde: a value past it but short of the target is 'partly met'.",
        "example": 80})
    source = fields.String(load_default=None, allow_none=True, validate=lambda s: bool(
        goal_domain.SOURCE_PATTERN.match(s)), metadata={
        "description": "Optional source code, such as a Kolada key (letters, digits, . _ : -; at most 40).",
        "example": "U21468"})
    frequency = f.Choice(FREQUENCIES, required=True, metadata={
        "description": "How often it is measured: monthly, quarterly or yearly.", "example": "monthly"})


class IndicatorSchema(Schema):
    id = fields.String(dump_only=True, metadata={"description": "The indicator's id.", "example": INDICATOR_ID})
    goal_id = fields.String(dump_only=True, metadata={"description": "Its goal.", "example": GOAL_ID})
    name = fields.String(dump_only=True, metadata={"description": "What is measured and how.",
                                                   "example": "Andel avvikelser som utretts inom 14 dagar"})
    unit_of_measure = fields.String(dump_only=True, metadata={"enum": UNITS_OF_MEASURE,
                                                              "description": "The unit of the value.",
                                                              "example": "percent"})
    unit_of_measure_label_sv = fields.String(dump_only=True, metadata={"description": "The unit, in Swedish.",
                                                                       "example": "%"})
    direction = fields.String(dump_only=True, metadata={"enum": DIRECTIONS, "description": DIRECTION,
                                                        "example": "higher_is_better"})
    direction_label_sv = fields.String(dump_only=True, metadata={"description": "The direction, in Swedish.",
                                                                 "example": "Högre är bättre"})
    target = _number(dump_only=True, metadata={"description": "The target value.", "example": 90})
    target_max = _number(dump_only=True, allow_none=True, metadata={"description": "A range's upper end.",
                                                                    "example": None})
    threshold = _number(dump_only=True, allow_none=True, metadata={"description": "The gränsvärde, if any.",
                                                                   "example": 80})
    source = fields.String(dump_only=True, allow_none=True, metadata={"description": "The source code, if any.",
                                                                      "example": "U21468"})
    frequency = fields.String(dump_only=True, metadata={"enum": FREQUENCIES, "description": "How often measured.",
                                                        "example": "monthly"})


class IndicatorListSchema(Schema):
    items = fields.List(fields.Nested(IndicatorSchema), dump_only=True, metadata={
        "description": "The goal's indicators, oldest first."})


class GoalSchema(Schema):
    id = fields.String(dump_only=True, metadata={"description": "The goal's id.", "example": GOAL_ID})
    unit_id = fields.String(dump_only=True, metadata={"description": "Its unit.", "example": UNIT_ID})
    title = fields.String(dump_only=True, metadata={"description": "The goal.",
                                                    "example": "Avvikelser utreds skyndsamt"})
    description = fields.String(dump_only=True, metadata={"description": "What it means.",
                                                          "example": "Varje avvikelse utreds inom 14 dagar."})
    period_start = fields.Date(dump_only=True, metadata={"description": "First day.", "example": "2026-01-01"})
    period_end = fields.Date(dump_only=True, metadata={"description": "Last day.", "example": "2026-12-31"})
    closed_at = f.AwareDateTime(dump_only=True, allow_none=True, metadata={"description": "When closed; null "
                                                                                          "while open.",
                                                                           "example": None})
    revision = fields.Integer(dump_only=True, metadata={"description": "Counted from 1; the ETag is "
                                                                       "\"<id>.<revision>\".", "example": 1})
    indicators = fields.List(fields.Nested(IndicatorSchema), dump_only=True, metadata={
        "description": "The goal's indicators."})


class GoalListSchema(Schema):
    items = fields.List(fields.Nested(GoalSchema), dump_only=True, metadata={
        "description": "The goals, latest period first."})
    count = fields.Integer(dump_only=True, metadata={"description": "How many.", "example": 2})


class MeasurementCreateSchema(Schema):
    period = fields.String(required=True, validate=lambda s: 1 <= len(s) <= 10, metadata={
        "description": PERIOD, "example": "2026-03"})
    value = _number(required=True, metadata={"description": "The measured value; a decimal comma is accepted in a "
                                                            "string (\"92,5\").", "example": 92.5})
    note = f.Name(max_length=goal_domain.NOTE_MAX_LENGTH, load_default=None, allow_none=True, metadata={
        "description": "Optional note (kept in the service, never in an event).", "example": "Två sena utredningar."})


class MeasurementImportSchema(Schema):
    csv = f.Text(max_length=goal_domain.CSV_MAX_CHARS, min_length=1, required=True, metadata={
        "description": "The CSV file's text (UTF-8). A header row with period;value and optionally note (the "
                       "Swedish period/månad;värde;kommentar too); the separator ';', ',' or a tab; a decimal "
                       f"comma is read. At most {goal_domain.CSV_MAX_ROWS} rows. All or nothing.",
        "example": "period;value;note\n2026-01;92,5;\n2026-02;88;Semester"})


class MeasurementSchema(Schema):
    id = fields.String(dump_only=True, metadata={"description": "The measurement's id.", "example": GOAL_ID})
    indicator_id = fields.String(dump_only=True, metadata={"description": "Its indicator.",
                                                           "example": INDICATOR_ID})
    period = fields.String(dump_only=True, metadata={"description": PERIOD, "example": "2026-03"})
    period_start = fields.Date(dump_only=True, metadata={"description": "The period's first day.",
                                                         "example": "2026-03-01"})
    value = _number(dump_only=True, metadata={"description": "The measured value.", "example": 92.5})
    note = fields.String(dump_only=True, allow_none=True, metadata={"description": "The note, if any.",
                                                                    "example": None})
    attainment = fields.String(dump_only=True, metadata={"enum": ATTAINMENTS, "description": "Computed: met, "
                                                         "partly or not_met.", "example": "met"})
    attainment_label_sv = fields.String(dump_only=True, metadata={"description": "The attainment, in Swedish.",
                                                                  "example": "Uppfyllt"})


class MeasurementListSchema(Schema):
    items = fields.List(fields.Nested(MeasurementSchema), dump_only=True, metadata={
        "description": "The measurements, by period."})
    count = fields.Integer(dump_only=True, metadata={"description": "How many.", "example": 12})


class AttainmentQuerySchema(Schema):
    from_ = f.Date(data_key="from", load_default=None, metadata={
        "description": "Only periods starting on or after this day.", "example": "2026-01-01"})
    to = f.Date(load_default=None, metadata={"description": "Only periods starting on or before this day.",
                                             "example": "2026-12-31"})


class IndicatorAttainmentSchema(Schema):
    indicator = fields.Nested(IndicatorSchema, dump_only=True, metadata={"description": "The indicator."})
    periods = fields.List(fields.Nested(MeasurementSchema), dump_only=True, metadata={
        "description": "Each measured period with its value and computed attainment."})
    met = fields.Integer(dump_only=True, metadata={"description": "Periods met.", "example": 10})
    partly = fields.Integer(dump_only=True, metadata={"description": "Periods partly met.", "example": 1})
    not_met = fields.Integer(dump_only=True, metadata={"description": "Periods not met.", "example": 1})


class GoalAttainmentSchema(Schema):
    goal_id = fields.String(dump_only=True, metadata={"description": "The goal.", "example": GOAL_ID})
    indicators = fields.List(fields.Nested(IndicatorAttainmentSchema), dump_only=True, metadata={
        "description": "Per indicator, its periods' attainment."})


class CsvImportResultSchema(Schema):
    stored = fields.Integer(dump_only=True, metadata={"description": "How many measurements were stored.",
                                                      "example": 12})
    items = fields.List(fields.Nested(MeasurementSchema), dump_only=True, metadata={
        "description": "The stored measurements, by period."})


class MeasurementRecordedEventDataSchema(Schema):
    """The `data` of se.ordning.goal.measurement_recorded.v1: ids, the period, the value and its attainment."""

    goal_id = f.UUIDString(required=True)
    indicator_id = f.UUIDString(required=True)
    unit_id = f.UUIDString(required=True)
    measurement_id = f.UUIDString(required=True)
    period = fields.String(required=True)
    period_start = fields.Date(required=True)
    value = fields.String(required=True)  # a decimal string, exact: "92.5"
    attainment = f.Choice(ATTAINMENTS, required=True)
    version = f.BoundedInteger(1, 2**31 - 1, required=True)

