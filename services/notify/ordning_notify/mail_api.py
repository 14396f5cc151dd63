"""HTTP: a person's own mail choices (notice preferences), GET and PUT with If-Match."""
from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields, validate
from ordning_shared import fields as f
from ordning_shared import openapi
from ordning_shared.http import Blueprint, check_if_match, current_principal, etag
from ordning_shared.notice_kinds import NOTICE_KINDS

from . import mail

preferences_blp = Blueprint(
    "notification_preferences", __name__, url_prefix="/api/v1/notification-preferences",
    description="Your own choice of notices by e-mail: per kind of notice at once, in a daily digest or not at all, "
                "the digest's hour and the address. Each person sees and changes only their own.")

BLUEPRINTS = [preferences_blp]

MODE_DESCRIPTION = ("immediate: a mail for each notice; digest: in one mail a day (at digest_hour) with your unread "
                    "notices of such kinds; off: only in the inbox.")
KINDS_EXAMPLE = {"lex_sarah_reported": "immediate", "case_reported": "digest", "action_assigned": "off"}
ADDRESS_ERROR = "Ska vara en e-postadress, som namn@kommun.se. Must be an e-mail address, like name@kommun.se."


class PreferencesChangeSchema(Schema):
    address = f.Email(allow_none=True, load_default=None, error_messages={"invalid": ADDRESS_ERROR}, metadata={
        "description": "Where your mail goes; null or left out: the address your sign-in gives (sign_in_address), "
                       "if any. Without an address no mail is sent.", "example": "erik.berg@tyreso.se"})
    kinds = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=40)), values=f.Choice(mail.MODES),
        load_default=dict, validate=validate.Length(max=len(NOTICE_KINDS) + 10), metadata={
            "description": "Kind of notice -> immediate, digest or off. " + MODE_DESCRIPTION + " A kind left out "
                           "comes at once (immediate); an unknown kind is refused (422 unknown_notice_kind).",
            "example": KINDS_EXAMPLE})
    digest_hour = f.BoundedInteger(0, 23, load_default=mail.DEFAULT_DIGEST_HOUR, metadata={
        "description": "The hour (Swedish time, 0-23) the daily digest is sent; default 7.", "example": 7})


class PreferencesSchema(Schema):
    address = fields.String(allow_none=True, metadata={
        "description": "Where your mail goes; null: none (no mail).", "example": "erik.berg@tyreso.se"})
    address_source = fields.String(allow_none=True, metadata={
        "description": "token: the address your sign-in gives; given: one you gave; null: none.",
        "example": "given"})
    sign_in_address = fields.String(allow_none=True, metadata={
        "description": "The address your sign-in (the token's email claim) gives now, if any: saving without an "
                       "address of your own uses it.", "example": "erik.berg@tyreso.se"})
    mail = fields.Boolean(metadata={"description": "Whether any notice reaches you by mail (an address and a kind "
                                                   "not off).", "example": True})
    kinds = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Every kind of notice -> immediate, digest or off. " + MODE_DESCRIPTION,
        "example": KINDS_EXAMPLE})
    kind_labels = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "Every kind of notice -> its name in Swedish.",
        "example": {"lex_sarah_reported": "Ny lex Sarah-rapport"}})
    digest_hour = fields.Integer(metadata={"description": "The digest's hour, Swedish time.", "example": 7})
    version = fields.Integer(metadata={"description": "0 until you first save; the ETag's number.", "example": 1})
    updated_at = fields.DateTime(allow_none=True, metadata={"description": "When you last saved them; null before.",
                                                            "example": "2026-05-12T08:30:00+00:00"})


def _with_etag(body: dict):
    return body, 200, {"ETag": etag(mail.PREFERENCES_ID, body["version"])}


@preferences_blp.route("", methods=["GET"])
@preferences_blp.response(200, PreferencesSchema, headers=openapi.ETAG)
def get_preferences():
    """Read your notice preferences

    Which kinds of notice reach you by e-mail, how, and at which address; before you save them, the defaults
    (every kind at once) and no address, so no mail. The ETag is what a change needs in If-Match.
    """
    return _with_etag(mail.read_preferences(current_app.extensions["ordning"], current_principal()))


@preferences_blp.route("", methods=["PUT"])
@preferences_blp.raises(mail.UnknownNoticeKind)
@preferences_blp.checks_if_match
@preferences_blp.arguments(PreferencesChangeSchema)
@preferences_blp.response(200, PreferencesSchema, headers=openapi.ETAG)
def put_preferences(data):
    """Change your notice preferences

    With If-Match: the mode of each kind of notice (immediate, digest or off), the digest's hour and your address
    (left out or null: the one your sign-in gives). The whole is replaced; nothing is stored when a part is wrong.
    """
    return _with_etag(mail.change_preferences(current_app.extensions["ordning"], current_principal(), data,
                                              check_if_match))
