"""HTTP of the deadlines: the tenant's open and overdue deadlines (administrators, kvalitetsutvecklare) and its
deadline settings (the grace period before an escalation, the patientsäkerhetsberättelse's reminder), with their
marshmallow schemas. Thin: parse, call deadline_service, render."""
from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields, validate
from ordning_shared import fields as f
from ordning_shared import openapi
from ordning_shared.http import Blueprint, check_if_match, current_principal, etag
from ordning_shared.pagination import InvalidCursor
from ordning_shared.problems import Forbidden

from . import deadline_db as ddb
from . import deadline_service as service
from . import deadlines as dl

DEADLINE_ID = "63a3beed-3d66-5623-9464-3f4a99f63411"
UNIT_ID = "27460a56-bb16-57e0-90af-507fac38efb8"
DEVIATION_ID = "3f2e1d0c-9b8a-4c7d-8e6f-5a4b3c2d1e0f"


class DeadlineSchema(Schema):
    id = fields.String(metadata={"description": "The deadline's id.", "example": DEADLINE_ID})
    kind = fields.String(metadata={"description": "receipt, investigation, ivo_report, action, document_review or "
                                                  "patient_safety_report.", "example": "receipt"})
    kind_label = fields.String(metadata={"description": "The kind in Swedish, as its reminder says it.",
                                         "example": "Ärendet är inte mottaget i tid"})
    subject_type = fields.String(metadata={"description": "What it is about: deviation, action, document or "
                                                          "patient_safety_report (a tenant's of a year).",
                                           "example": "deviation"})
    subject_id = fields.String(metadata={"description": "The subject's id (the year for a patientsäkerhetsberättelse).",
                                         "example": DEVIATION_ID})
    unit_id = fields.String(allow_none=True, metadata={"description": "The unit it is at (null for a tenant's "
                                                                      "patientsäkerhetsberättelse).", "example": UNIT_ID})
    unit_name = fields.String(allow_none=True, metadata={"description": "The unit's name (not personal data).",
                                                         "example": "Hemtjänst Norr"})
    owner_id = fields.String(allow_none=True, metadata={
        "description": "An action's owner (the user id the action's events carry); null otherwise.", "example": None})
    due_on = fields.Date(metadata={"description": "The last day allowed.", "example": "2026-05-13"})
    state = fields.String(metadata={"description": "pending (not yet reminded), reminded, escalated or cleared "
                                                   "(done, or no longer in force).", "example": "reminded"})
    round = fields.Integer(metadata={"description": "How many times the deadline was set: a new date, or opened "
                                                    "again after it was cleared, is a new round.", "example": 1})
    overdue = fields.Boolean(metadata={"description": "Open, and its due date has passed.", "example": True})
    reminded_on = fields.Date(allow_none=True, metadata={"description": "The day its reminder went out.",
                                                         "example": "2026-05-14"})
    escalated_on = fields.Date(allow_none=True, metadata={"description": "The day it was escalated one level up.",
                                                          "example": None})
    link = fields.String(metadata={"description": "The path of the web page about it, in the owning service.",
                                   "example": f"/arenden/{DEVIATION_ID}"})


class DeadlinePageSchema(Schema):
    items = fields.List(fields.Nested(DeadlineSchema), metadata={"description": "The deadlines, soonest first."})
    limit = fields.Integer(metadata={"description": "The page size asked for.", "example": 50})
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "Give it as cursor (same filters) for the next page; null on the last page.",
        "example": "WzEsImR1ZV9vbiIsIjIwMjYtMDUtMTMiLCI2M2EzYmVlZCJd"})


class DeadlineArgsSchema(Schema):
    state = f.Choice(["open", "overdue", "all"], load_default="open", metadata={
        "description": "open (default: not yet done), overdue (open and past its due date) or all.",
        "example": "overdue"})
    kind = f.Choice(dl.DEADLINE_KINDS, metadata={"description": "Only deadlines of this kind.", "example": "receipt"})
    cursor = fields.String(validate=validate.Length(min=1, max=512), metadata={
        "description": "next_cursor of the previous page.",
        "example": "WzEsImR1ZV9vbiIsIjIwMjYtMDUtMTMiLCI2M2EzYmVlZCJd"})
    limit = f.BoundedInteger(1, 100, strict=False, load_default=50, metadata={
        "description": "Page size, 1-100.", "example": 50})


class DeadlineSettingsSchema(Schema):
    grace_working_days = f.BoundedInteger(0, dl.GRACE_WORKING_DAYS_MAX, required=True, metadata={
        "description": "Working days after a reminder before a deadline still open is escalated one level up "
                       "(it goes out on the next working day after them); default 2.", "example": 2})
    patient_safety_roles = fields.List(f.Choice(dl.PATIENT_SAFETY_ROLE_CHOICES), required=True,
                                       validate=validate.Length(min=1, max=len(dl.PATIENT_SAFETY_ROLE_CHOICES)),
                                       metadata={"description": "Who is reminded of the patientsäkerhetsberättelse "
                                                                "(the holders of these roles in the municipality); "
                                                                "default MAS and MAR.", "example": ["mas", "mar"]})
    patient_safety_lead_days = f.BoundedInteger(0, dl.PATIENT_SAFETY_LEAD_DAYS_MAX, required=True, metadata={
        "description": "How many working days before 1 March the reminder goes out; default 10.", "example": 10})
    default = fields.Boolean(dump_only=True, metadata={"description": "true: no settings of the tenant's own, the "
                                                                      "defaults.", "example": True})
    version = fields.Integer(dump_only=True, metadata={
        "description": "The settings' version (0 for the defaults); the ETag is \"deadline-settings.<version>\".",
        "example": 0})


deadlines_blp = Blueprint("deadlines", __name__, url_prefix="/api/v1/deadlines",
                          description="The municipality's deadlines (a case not received or investigated in time, "
                                      "an IVO report, an action's due date, a document's review date, the "
                                      "patientsäkerhetsberättelse), from the owning services' events: open and "
                                      "overdue, for administrators and kvalitetsutvecklare.")
settings_blp = Blueprint("deadline_settings", __name__, url_prefix="/api/v1/deadline-settings",
                         description="The tenant's deadline settings: the grace period in working days before a "
                                     "reminder still open is escalated one level up, and who is reminded of the "
                                     "patientsäkerhetsberättelse how many working days before 1 March.")

BLUEPRINTS = [deadlines_blp, settings_blp]


def _platform():
    return current_app.extensions["ordning"]


@deadlines_blp.route("", methods=["GET"])
@deadlines_blp.arguments(DeadlineArgsSchema, location="query")
@deadlines_blp.raises(Forbidden, InvalidCursor)
@deadlines_blp.response(200, DeadlinePageSchema)
def list_deadlines(args):
    """List the deadlines

    Your municipality's deadlines with a due date, soonest first, a page at a time: state=open (default),
    overdue or all; kind for one kind only. For administrators and kvalitetsutvecklare.
    """
    flt = ddb.DeadlineFilter(state=args["state"], kind=args.get("kind"), cursor=args.get("cursor"),
                             limit=args["limit"])
    return service.list_deadlines(_platform(), current_principal(), flt)


def _with_etag(body: dict):
    return body, 200, {"ETag": etag(service.SETTINGS_ETAG_ID, body["version"])}


@settings_blp.route("", methods=["GET"])
@settings_blp.raises(Forbidden)
@settings_blp.response(200, DeadlineSettingsSchema, headers=openapi.ETAG)
def get_settings():
    """Read the deadline settings

    The tenant's own, else the defaults (2 working days' grace; MAS and MAR reminded 10 working days before
    1 March); the ETag is what a change needs in If-Match.
    """
    return _with_etag(service.get_settings(_platform(), current_principal()))


@settings_blp.route("", methods=["PUT"])
@settings_blp.raises(Forbidden, service.InvalidDeadlineSettings, service.StaleSettings)
@settings_blp.checks_if_match
@settings_blp.arguments(DeadlineSettingsSchema)
@settings_blp.response(200, DeadlineSettingsSchema, headers=openapi.ETAG)
def put_settings(data):
    """Set the deadline settings

    For an administrator, with If-Match. The deadlines waiting for a reminder or an escalation take their new
    days at once.
    """
    return _with_etag(service.put_settings(_platform(), current_principal(), data, check_if_match))
