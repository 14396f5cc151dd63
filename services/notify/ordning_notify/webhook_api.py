"""HTTP: the webhook subscriptions' blueprint, thin: parse, call webhook_service.py, render."""
from __future__ import annotations

from flask import current_app, url_for
from ordning_shared import openapi
from ordning_shared.http import Blueprint, check_if_match, current_principal, etag
from ordning_shared.idempotency import create_once
from ordning_shared.pagination import InvalidCursor
from ordning_shared.problems import Forbidden

from . import domain as d
from . import webhook_service as service
from . import webhooks as w
from .webhook_schemas import (AttemptArgsSchema, AttemptPageSchema, SubscriptionCreateSchema, SubscriptionListSchema,
                              SubscriptionPatchSchema, SubscriptionSchema, SubscriptionWithSecretSchema)

SETTINGS = "ordning_webhooks"
URL_PROBLEMS = (w.InvalidWebhookUrl, w.InsecureWebhookUrl, w.WebhookAddressRefused, w.WebhookHostUnresolvable)

blp = Blueprint("webhook_subscriptions", __name__, url_prefix="/api/v1/webhook-subscriptions",
                path_parameters={"subscription_id": {"description": "The webhook subscription's id (a UUID).",
                                                     "example": "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"}},
                description="Another system subscribes to event types: each event of those types is POSTed to its "
                            "https URL as the CloudEvent (structured JSON, application/cloudevents+json), signed the "
                            "Standard Webhooks way (webhook-id: the event's id, webhook-timestamp, webhook-signature) "
                            "with the subscription's secret. A failed delivery is tried again with growing delays; a "
                            "subscription that keeps failing is paused and its owner told. For administrators and "
                            "kvalitetsutvecklare.")
BLUEPRINTS = [blp]


@blp.record_once
def _read_settings(state) -> None:
    """The ORDNING_WEBHOOKS_* settings, read once when the app is made (production refuses a setting that would
    let a webhook reach private addresses)."""
    platform = state.app.extensions["ordning"]
    state.app.extensions[SETTINGS] = w.WebhookSettings.from_env(platform.settings.env)


def _platform():
    return current_app.extensions["ordning"]


def _settings() -> w.WebhookSettings:
    return current_app.extensions[SETTINGS]


def _with_etag(body: dict, status: int = 200, **headers):
    return body, status, {"ETag": etag(body["id"], body["version"]), **headers}


@blp.route("", methods=["GET"])
@blp.raises(Forbidden)
@blp.response(200, SubscriptionListSchema)
def list_subscriptions():
    """List the webhook subscriptions

    Every subscription of your municipality, oldest first, without their secrets.
    """
    return {"items": service.list_subscriptions(_platform(), current_principal())}


@blp.route("", methods=["POST"])
@blp.arguments(SubscriptionCreateSchema)
@blp.response(201, SubscriptionWithSecretSchema, headers=openapi.CREATED)
@blp.raises(Forbidden, d.UnknownEventType, w.TooManySubscriptions, *URL_PROBLEMS)
@blp.idempotent
def create_subscription(data):
    """Create a webhook subscription

    An https URL and event types of the event catalogue. The answer holds the subscription's signing secret
    (whsec_...), shown this once. You become its owner: you are told when it is paused.
    """
    platform, principal = _platform(), current_principal()
    body, status, _replayed = create_once(
        platform, tenant=principal.tenant, principal=principal.subject, payload=data,
        resource_type="webhook_subscription",
        create=lambda claim: service.create_subscription(platform, _settings(), principal, data, claim),
        load=lambda subscription_id: service.read_subscription(platform, principal, subscription_id,
                                                               with_secret=True))
    return _with_etag(body, status, Location=url_for("webhook_subscriptions.get_subscription",
                                                     subscription_id=body["id"]))


@blp.route("/<subscription_id>", methods=["GET"], endpoint="get_subscription")
@blp.raises(Forbidden, service.SubscriptionNotFound)
@blp.response(200, SubscriptionSchema, headers=openapi.ETAG)
def get_subscription(subscription_id):
    """Read a webhook subscription

    Without its secret. The ETag is what a change needs in If-Match.
    """
    return _with_etag(service.read_subscription(_platform(), current_principal(), subscription_id))


@blp.route("/<subscription_id>", methods=["PATCH"])
@blp.raises(Forbidden, service.SubscriptionNotFound, d.UnknownEventType, *URL_PROBLEMS)
@blp.checks_if_match
@blp.arguments(SubscriptionPatchSchema)
@blp.response(200, SubscriptionSchema, headers=openapi.ETAG)
def patch_subscription(data, subscription_id):
    """Change a webhook subscription

    Its URL or its event types, with If-Match; a new URL is checked as a new one is, and starts a new record of
    failures.
    """
    return _with_etag(service.update_subscription(_platform(), _settings(), current_principal(), subscription_id,
                                                  data, check_if_match))


@blp.route("/<subscription_id>", methods=["DELETE"])
@blp.raises(Forbidden, service.SubscriptionNotFound)
@blp.checks_if_match
@blp.response(204)
def delete_subscription(subscription_id):
    """Delete a webhook subscription

    With If-Match. Its pending deliveries and its delivery log go with it.
    """
    service.delete_subscription(_platform(), current_principal(), subscription_id, check_if_match)
    return "", 204


@blp.route("/<subscription_id>/rotate-secret", methods=["POST"])
@blp.raises(Forbidden, service.SubscriptionNotFound)
@blp.checks_if_match
@blp.response(200, SubscriptionWithSecretSchema, headers=openapi.ETAG)
def rotate_secret(subscription_id):
    """Rotate a webhook subscription's secret

    With If-Match. The answer holds the new secret, shown this once; for a grace window (previous_secret_until)
    each delivery is signed with both the new and the old secret, so the receiver can switch without losing one.
    """
    return _with_etag(service.rotate_secret(_platform(), _settings(), current_principal(), subscription_id,
                                            check_if_match))


@blp.route("/<subscription_id>/resume", methods=["POST"])
@blp.raises(Forbidden, service.SubscriptionNotFound)
@blp.response(200, SubscriptionSchema, headers=openapi.ETAG)
def resume(subscription_id):
    """Resume a paused webhook subscription

    It is active again and its record of failures starts over; events from while it was paused are not sent.
    Resuming an active subscription changes nothing.
    """
    return _with_etag(service.resume(_platform(), current_principal(), subscription_id))


@blp.route("/<subscription_id>/pause", methods=["POST"])
@blp.raises(Forbidden, service.SubscriptionNotFound)
@blp.response(200, SubscriptionSchema, headers=openapi.ETAG)
def pause(subscription_id):
    """Pause a webhook subscription

    No event is sent to it until it is resumed; events from while it is paused are not sent later. Pausing a
    paused subscription changes nothing.
    """
    return _with_etag(service.pause(_platform(), current_principal(), subscription_id))


@blp.route("/<subscription_id>/deliveries", methods=["GET"])
@blp.arguments(AttemptArgsSchema, location="query")
@blp.raises(Forbidden, service.SubscriptionNotFound, InvalidCursor)
@blp.response(200, AttemptPageSchema)
def list_deliveries(args, subscription_id):
    """List a webhook subscription's delivery log

    Every attempt, newest first, a page at a time: the event's id and type, which attempt, and the receiver's
    status code or why there was none. No bodies.
    """
    return service.list_attempts(_platform(), current_principal(), subscription_id, args.get("cursor"),
                                 args["limit"])
