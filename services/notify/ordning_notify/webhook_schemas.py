"""marshmallow schemas of the webhook subscriptions' API. Unknown fields are refused; sizes are bounded. Whether an
event type is in the catalogue and whether a URL may be reached are the domain's questions (webhooks.py), so their
answers have codes of their own (unknown_event_type, webhook_url_not_https, webhook_address_refused, ...)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from ordning_shared import fields as f

from . import webhooks as w

SUBSCRIPTION_ID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
DELIVERY_ID = "2b3c4d5e-6f70-4819-9a2b-3c4d5e6f7081"
ATTEMPT_ID = "7e6d5c4b-3a29-4817-a6f5-e4d3c2b1a098"
EVENT_ID = "5c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
URL = "https://integration.tyreso.se/ordning/webhook"
EVENT_TYPE = "se.ordning.deviation.reported.v1"
URL_DESCRIPTION = ("Where the events are POSTed: an https URL whose host resolves to public internet addresses only "
                   "(not https: 422 webhook_url_not_https; a private, loopback, link-local, multicast, reserved or "
                   "unspecified address, IPv4 or IPv6: 422 webhook_address_refused; no such host: 422 "
                   "webhook_host_unresolvable; credentials, a fragment or spaces in it: 422 invalid_webhook_url).")
EVENT_TYPES_DESCRIPTION = ("The event types sent, each of the event catalogue (docs/asyncapi.yaml); one not there is "
                           "refused (422 unknown_event_type).")


class _Url(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        f.check_name(text)  # no NUL, lone surrogate or bidi control reaches the guard's parser
        return text


def _url_field(**kwargs):
    return _Url(validate=validate.Length(min=1, max=w.URL_MAX), metadata={
        "description": URL_DESCRIPTION, "example": URL}, **kwargs)


def _event_types_field(**kwargs):
    return fields.List(fields.String(validate=validate.Length(min=1, max=120), metadata={"example": EVENT_TYPE}),
                       validate=validate.Length(min=1, max=w.EVENT_TYPES_MAX),
                       metadata={"description": EVENT_TYPES_DESCRIPTION, "example": [EVENT_TYPE]}, **kwargs)


class SubscriptionCreateSchema(Schema):
    url = _url_field(required=True)
    event_types = _event_types_field(required=True)


class SubscriptionPatchSchema(Schema):
    """A change of the URL or the event types; what is not given stays. A new URL is checked as a new one is."""

    url = _url_field()
    event_types = _event_types_field()

    @validates_schema
    def _something(self, data, **_kwargs):
        if not data:
            raise ValidationError("Ange minst ett fält att ändra. Give at least one field to change.")


class SubscriptionSchema(Schema):
    id = fields.String(metadata={"description": "The subscription's id.", "example": SUBSCRIPTION_ID})
    url = fields.String(metadata={"description": "Where the events are POSTed.", "example": URL})
    event_types = fields.List(fields.String(), metadata={"description": "The event types sent.",
                                                         "example": [EVENT_TYPE]})
    state = fields.String(metadata={
        "description": "active, or paused: after repeated failures nothing is sent until it is resumed "
                       "(POST .../resume).", "example": "active"})
    owner = fields.String(metadata={"description": "The user id of who made it; told (a notice) when it is paused.",
                                    "example": "adam"})
    failed_deliveries = fields.Integer(metadata={
        "description": "Deliveries in a row that failed every attempt since the last success.", "example": 0})
    failing_since = fields.DateTime(allow_none=True, metadata={
        "description": "The first failed attempt since the last success; null while it succeeds.", "example": None})
    paused_at = fields.DateTime(allow_none=True, metadata={"description": "When it was paused; null when active.",
                                                           "example": None})
    previous_secret_until = fields.DateTime(allow_none=True, metadata={
        "description": "After a rotation: until when the secret before it still signs, beside the new one.",
        "example": None})
    created_at = fields.DateTime(metadata={"description": "When it was made.", "example": "2026-05-12T08:30:00+00:00"})
    updated_at = fields.DateTime(metadata={"description": "When it last changed.",
                                           "example": "2026-05-12T08:30:00+00:00"})
    version = fields.Integer(metadata={"description": "Its version (its ETag's number).", "example": 1})


class SubscriptionWithSecretSchema(SubscriptionSchema):
    secret = fields.String(metadata={
        "description": "The signing secret (Standard Webhooks, whsec_...): shown here once, keep it. Verify each "
                       "delivery's webhook-signature with it (e.g. standardwebhooks.Webhook(secret).verify).",
        "example": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})


class SubscriptionListSchema(Schema):
    items = fields.List(fields.Nested(SubscriptionSchema), metadata={
        "description": "Every webhook subscription of the municipality, oldest first."})


class AttemptSchema(Schema):
    id = fields.String(metadata={"description": "The attempt's id.", "example": ATTEMPT_ID})
    delivery_id = fields.String(metadata={"description": "The delivery (one event to this subscription) it was an "
                                                         "attempt of.", "example": DELIVERY_ID})
    event_id = fields.String(metadata={"description": "The event's id, sent as webhook-id (the same on every retry).",
                                       "example": EVENT_ID})
    event_type = fields.String(metadata={"description": "The event's type.", "example": EVENT_TYPE})
    attempt = fields.Integer(metadata={"description": "Which attempt of the delivery, 1 for the first.",
                                       "example": 1})
    outcome = fields.String(metadata={
        "description": "delivered (a 2xx), failed (another status or no answer; tried again later unless it was "
                       "the last) or refused (the host resolved to an address a webhook may not reach; counted as "
                       "a failure).", "example": "delivered"})
    status_code = fields.Integer(allow_none=True, metadata={"description": "The receiver's HTTP status; null when "
                                                                           "there was no answer.", "example": 200})
    error = fields.String(allow_none=True, metadata={
        "description": "Why there was no answer: timeout, connection_refused, connection_reset, tls_certificate, "
                       "tls_error, dns_error, bad_response, connection_error, address_<class>, url_refused; null "
                       "when the receiver answered.", "example": None})
    duration_ms = fields.Integer(metadata={"description": "How long the attempt took, in milliseconds.",
                                           "example": 142})
    attempted_at = fields.DateTime(metadata={"description": "When it was made.",
                                             "example": "2026-05-12T08:30:01+00:00"})


class AttemptPageSchema(Schema):
    items = fields.List(fields.Nested(AttemptSchema), metadata={"description": "The attempts, newest first."})
    limit = fields.Integer(metadata={"description": "The page size asked for.", "example": 50})
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "Give it as cursor for the next page; null on the last page.",
        "example": "WzEsIi1hdHRlbXB0ZWRfYXQiLCIyMDI2LTA1LTEyVDA4OjMwOjAxKzAwOjAwIiwiN2U2ZDVjNGIiXQ"})


class AttemptArgsSchema(Schema):
    cursor = fields.String(validate=validate.Length(min=1, max=512), metadata={
        "description": "next_cursor of the previous page.", "example": "WzEsIi1hdHRlbXB0ZWRfYXQiXQ"})
    limit = f.BoundedInteger(1, 100, strict=False, load_default=50, metadata={
        "description": "Page size, 1-100.", "example": 50})
