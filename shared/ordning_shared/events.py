"""The CloudEvents 1.0 envelope (structured JSON mode) of every Ordning event.

`type` is se.ordning.<aggregate>.<what-happened>.v<N>, `source` is
/ordning/<tenant>/<service>, `subject` the aggregate id, with the extension
attributes `tenant`, `traceparent` and `sequence` (the aggregate's version, zero-padded).
Payloads carry ids, classifications, dates and org units, never free text or personal data.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from .db import utcnow
from .observability import current_traceparent

CONTENT_TYPE = "application/cloudevents+json"
TYPE_PATTERN = re.compile(r"^se\.ordning\.[a-z_]+(\.[a-z_]+)*\.v[0-9]+$")
_FORMAT = JSONFormat()
SEQUENCE_DIGITS = 10


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened to an aggregate; becomes one CloudEvent."""

    type: str
    tenant: str
    subject: str
    data: dict = field(default_factory=dict)
    sequence: int | None = None  # the aggregate's version after the change, so a consumer can refuse older states

    def __post_init__(self):
        if not TYPE_PATTERN.match(self.type):
            raise ValueError(f"event type {self.type!r} does not follow se.ordning.<aggregate>.<past-tense>.v<N>")


def source_of(tenant: str, service: str) -> str:
    return f"/ordning/{tenant}/{service}"


def to_cloudevent(event: DomainEvent, service: str, traceparent: str | None = None) -> CloudEvent:
    attributes = {
        "id": str(uuid.uuid4()),
        "source": source_of(event.tenant, service),
        "type": event.type,
        "subject": str(event.subject),
        "time": utcnow(),
        "datacontenttype": "application/json",
        "tenant": event.tenant,
    }
    if traceparent:
        attributes["traceparent"] = traceparent
    if event.sequence is not None:
        attributes["sequence"] = sequence_attribute(event.sequence)
    return CloudEvent(attributes, dict(event.data))


def sequence_attribute(version: int) -> str:
    """The CloudEvents `sequence` extension: a string whose lexicographic order is the versions' order."""
    if not 0 < version < 10**SEQUENCE_DIGITS:
        raise ValueError(f"an aggregate's version runs from 1 to {10**SEQUENCE_DIGITS - 1}, got {version}")
    return f"{version:0{SEQUENCE_DIGITS}d}"


def serialize(cloudevent: CloudEvent) -> bytes:
    return _FORMAT.write(cloudevent)


class InvalidCloudEvent(ValueError):
    """The body is not a structured CloudEvent 1.0."""


def parse(body: bytes | str) -> CloudEvent:
    """Read a structured CloudEvent; raises ValueError (InvalidCloudEvent) on anything that is not one.

    The consumer dead-letters a ValueError at once, since no retry can fix it; the cloudevents
    package raises its own exception classes (and AttributeError/TypeError on JSON that is not an
    object), so they are turned into one ValueError here.
    """
    try:
        return _FORMAT.read(CloudEvent, body)
    except ValueError:
        raise
    except Exception as exc:
        raise InvalidCloudEvent(f"not a CloudEvent: {exc}") from exc


class UntrustedEvent(ValueError):
    """The event does not come from where events of its kind may come from; it is refused, never applied."""


SOURCE_PATTERN = re.compile(r"^/ordning/(?P<tenant>[0-9A-Za-z_-]{1,16})/(?P<service>[a-z]+)$")


def require_source(cloudevent: CloudEvent, service: str | None = None) -> None:
    """The source must be /ordning/<tenant>/<service> with the event's `tenant`, and, if given, that service.

    Each service publishes with its own broker user, so a source that names another service or another
    tenant is a forgery or a bug; either way its data must not change ours.
    """
    match = SOURCE_PATTERN.match(cloudevent.get_source() or "")
    tenant = cloudevent.get_attributes().get("tenant")
    if match is None or match["tenant"] != tenant or (service is not None and match["service"] != service):
        raise UntrustedEvent(f"{cloudevent.get_type()} from source {cloudevent.get_source()!r} with tenant "
                             f"{tenant!r} is refused" + (f": only {service} publishes it" if service else ""))


def outbox_row(event: DomainEvent, service: str) -> dict:
    traceparent = current_traceparent()
    cloudevent = to_cloudevent(event, service, traceparent)
    return {
        "event_id": cloudevent.get_id(),
        "tenant": event.tenant,
        "type": event.type,
        "body": serialize(cloudevent).decode("utf-8"),
        "traceparent": traceparent,
        "created_at": utcnow(),
        "attempts": 0,
    }


def amqp_headers(cloudevent_attributes: dict) -> dict:
    """Copies of the routing-relevant attributes, as ARCHITECTURE.md asks."""
    headers = {
        "cloudEvents_type": cloudevent_attributes["type"],
        "cloudEvents_source": cloudevent_attributes["source"],
        "cloudEvents_id": cloudevent_attributes["id"],
    }
    if cloudevent_attributes.get("traceparent"):
        headers["traceparent"] = cloudevent_attributes["traceparent"]
    return headers


__all__ = ["DomainEvent", "InvalidCloudEvent", "UntrustedEvent", "CONTENT_TYPE", "to_cloudevent", "serialize", "parse",
           "outbox_row", "amqp_headers", "source_of", "sequence_attribute", "require_source"]
