"""HTTP: thin blueprints that parse, call service.py and render."""
from __future__ import annotations

from flask import current_app, url_for
from ordning_shared import openapi
from ordning_shared.http import Blueprint, check_if_match, current_principal, etag
from ordning_shared.idempotency import create_once
from ordning_shared.pagination import InvalidCursor

from . import db, service
from . import domain as d
from .schemas import (MarkedSchema, NoticeArgsSchema, NoticeCountSchema, NoticePageSchema, NoticeSchema,
                      RuleCreateSchema, RuleListSchema, RulePatchSchema, RuleSchema)

PATH_PARAMETERS = {
    "rule_id": {"description": "The notification rule's id (a UUID).",
                "example": "6a1f0c3e-2b4d-4e8f-9a7c-5d3e1f0b2c4a"},
    "notice_id": {"description": "The notice's id (a UUID).", "example": "0c9b8a7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d"},
}
RULE_PROBLEMS = (d.UnknownEventType, d.UnknownRole, d.InvalidRule)

rules_blp = Blueprint("notification_rules", __name__, url_prefix="/api/v1/notification-rules",
                      path_parameters=PATH_PARAMETERS,
                      description="Who hears of what: the tenant's notification rules (an event type, conditions on "
                                  "its payload, the notice kind, the recipients by role and org level or by a "
                                  "person the payload names), for administrators and kvalitetsutvecklare. A tenant "
                                  "starts with default rules.")
notices_blp = Blueprint("notices", __name__, url_prefix="/api/v1/notices", path_parameters=PATH_PARAMETERS,
                        description="Your inbox of notices (notiser): what happened that you should know of, "
                                    "unread and read. Each person sees only their own.")

BLUEPRINTS = [rules_blp, notices_blp]


def _platform():
    return current_app.extensions["ordning"]


def _with_etag(body: dict, status: int = 200, **headers):
    return body, status, {"ETag": etag(body["id"], body["version"]), **headers}


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------

@rules_blp.route("", methods=["GET"])
@rules_blp.raises(service.Forbidden)
@rules_blp.response(200, RuleListSchema)
def list_rules():
    """List the notification rules

    Every rule of your municipality, oldest first; the first look seeds the default rules.
    """
    return {"items": service.list_rules(_platform(), current_principal())}


@rules_blp.route("", methods=["POST"])
@rules_blp.arguments(RuleCreateSchema)
@rules_blp.response(201, RuleSchema, headers=openapi.CREATED)
@rules_blp.raises(service.Forbidden, *RULE_PROBLEMS)
@rules_blp.idempotent
def create_rule(data):
    """Create a notification rule

    For an administrator or kvalitetsutvecklare: an event type of the event catalogue, conditions on its payload,
    the notice kind and the recipients. An unknown event type (422 unknown_event_type) or role (422 unknown_role)
    is refused and nothing is stored.
    """
    platform, principal = _platform(), current_principal()
    parts = RuleCreateSchema.to_domain(data)
    body, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject, payload=data, resource_type="notification_rule",
        create=lambda claim: service.create_rule(platform, principal, parts, claim),
        load=lambda rule_id: service.read_rule(platform, principal, rule_id))
    return _with_etag(body, status, Location=url_for("notification_rules.get_rule", rule_id=body["id"]))


@rules_blp.route("/<rule_id>", methods=["GET"], endpoint="get_rule")
@rules_blp.raises(service.Forbidden, service.RuleNotFound)
@rules_blp.response(200, RuleSchema, headers=openapi.ETAG)
def get_rule(rule_id):
    """Read a notification rule

    The ETag is what a change needs in If-Match.
    """
    return _with_etag(service.read_rule(_platform(), current_principal(), rule_id))


@rules_blp.route("/<rule_id>", methods=["PATCH"])
@rules_blp.raises(service.Forbidden, service.RuleNotFound, *RULE_PROBLEMS)
@rules_blp.checks_if_match
@rules_blp.arguments(RulePatchSchema)
@rules_blp.response(200, RuleSchema, headers=openapi.ETAG)
def patch_rule(data, rule_id):
    """Change a notification rule

    Some of its parts, with If-Match; the rule is checked whole again, as a new one is.
    """
    return _with_etag(service.update_rule(_platform(), current_principal(), rule_id,
                                          RulePatchSchema.to_domain(data), check_if_match))


@rules_blp.route("/<rule_id>", methods=["DELETE"])
@rules_blp.raises(service.Forbidden, service.RuleNotFound)
@rules_blp.checks_if_match
@rules_blp.response(204)
def delete_rule(rule_id):
    """Delete a notification rule

    With If-Match. Deleting a default rule does not bring it back; turning it off (enabled false) keeps it at hand.
    """
    service.delete_rule(_platform(), current_principal(), rule_id, check_if_match)
    return "", 204


# --------------------------------------------------------------------------
# The inbox
# --------------------------------------------------------------------------

@notices_blp.route("", methods=["GET"])
@notices_blp.arguments(NoticeArgsSchema, location="query")
@notices_blp.raises(InvalidCursor)
@notices_blp.response(200, NoticePageSchema)
def list_notices(args):
    """List your notices

    Your own notices, newest first, a page at a time; state=unread or read for only those.
    """
    flt = db.NoticeFilter(state=args["state"], cursor=args.get("cursor"), limit=args["limit"])
    return service.list_notices(_platform(), current_principal(), flt)


@notices_blp.route("/count", methods=["GET"])
@notices_blp.response(200, NoticeCountSchema)
def count_notices():
    """Count your notices

    How many of your notices are unread, and how many you have (the header's unread count).
    """
    return service.count_notices(_platform(), current_principal())


@notices_blp.route("/read-all", methods=["POST"])
@notices_blp.response(200, MarkedSchema)
def read_all():
    """Mark all your notices read

    Every unread notice of yours becomes read; answers how many, and your counts after.
    """
    return service.mark_all_read(_platform(), current_principal())


@notices_blp.route("/<notice_id>", methods=["GET"])
@notices_blp.raises(service.NoticeNotFound)
@notices_blp.response(200, NoticeSchema)
def get_notice(notice_id):
    """Read a notice

    One of your own notices; another person's is not found (404).
    """
    return service.read_notice(_platform(), current_principal(), notice_id)


@notices_blp.route("/<notice_id>/read", methods=["POST"])
@notices_blp.raises(service.NoticeNotFound)
@notices_blp.response(200, NoticeSchema)
def read_one(notice_id):
    """Mark a notice read

    One of your own notices; marking it again changes nothing.
    """
    return service.mark_read(_platform(), current_principal(), notice_id)
