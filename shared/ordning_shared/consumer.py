"""Consuming events: inbox deduplication, tracing, retries with growing delays, dead letters.

A handler is a plain function `handler(uow, event)`, run in one unit of
work together with the inbox record, so an event changes the service's data
exactly once even when the broker delivers it twice.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from kombu import Producer
from kombu.mixins import ConsumerMixin

from .bus import (connect, dead_letter_exchange, declare_topology, retry_exchange, retry_queues, retry_routing_key,
                  service_queues)
from .db import Duplicate, UnitOfWork
from .events import CONTENT_TYPE, InvalidCloudEvent, UntrustedEvent, parse, require_source
from .observability import EVENTS_CONSUMED, exception_without_values, extract_context, tracer
from .platform import Platform

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, object], None]
RETRIES_HEADER = "x-ordning-retries"  # how often a failed event was parked in a delay queue


def handle_event(platform: Platform, handlers: dict[str, Handler], body: bytes | str) -> str:
    """Apply one event; returns the outcome: processed, duplicate or ignored. Raises on failure."""
    cloudevent = parse(body)
    event_type = cloudevent.get_type()
    handler = handlers.get(event_type)
    if handler is None:
        return "ignored"
    require_source(cloudevent)  # its source's tenant is its tenant; a handler may ask for a service too
    traceparent = cloudevent.get_attributes().get("traceparent")
    with tracer().start_as_current_span(f"consume {event_type}", context=extract_context(traceparent)):
        try:
            with platform.uow() as uow:
                uow.mark_received(cloudevent.get_source(), cloudevent.get_id(), event_type)
                handler(uow, cloudevent)
                uow.commit()
        except Duplicate:
            return "duplicate"
        except Exception as exc:
            # Two deliveries of one event racing: the loser's inbox insert fails at commit.
            if _is_inbox_conflict(exc):
                return "duplicate"
            raise
    return "processed"


def _event_type(message) -> str:
    return (message.headers or {}).get("cloudEvents_type", "unknown")


def _is_inbox_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "inbox" in text and ("UNIQUE" in text or "unique" in text or "duplicate key" in text)


class EventConsumer(ConsumerMixin):
    def __init__(self, platform: Platform, handlers: dict[str, Handler], heartbeat=None):
        self.platform = platform
        self.settings = platform.settings
        self.handlers = handlers
        self.work_queue, self.dead_letter_queue = service_queues(self.settings, sorted(handlers))
        self.retry_queues = [] if self.settings.is_filesystem_broker else retry_queues(self.settings)
        self.connection = connect(self.settings)
        # Retries are published on a connection of their own: waiting for a confirm on the consuming
        # connection would hand the next delivery to on_message while this one is in it.
        self._retry_connection = None
        self._heartbeat = heartbeat or (lambda: None)
        # The filesystem transport counts no deliveries; count failures here instead.
        self._local_failures: dict[str, int] = {}

    def on_iteration(self) -> None:
        self._heartbeat()

    def on_connection_error(self, exc, interval) -> None:
        self._heartbeat()  # waiting for the broker is the loop working, not stalled
        super().on_connection_error(exc, interval)

    def get_consumers(self, consumer_class, channel):
        declare_topology(self.settings, self.connection,
                         [self.dead_letter_queue, *self.retry_queues, self.work_queue])
        return [consumer_class(queues=[self.work_queue], on_message=self.on_message,
                               accept=[CONTENT_TYPE, "application/json"], prefetch_count=16)]

    def on_message(self, message) -> None:
        service = self.settings.service
        try:
            outcome = handle_event(self.platform, self.handlers, message.body)
        except InvalidCloudEvent as exc:  # not a CloudEvent at all: no retry can help
            log.error("dead-lettering a message that is not a valid CloudEvent: %s", exc)
            EVENTS_CONSUMED.labels(service, "invalid", "dead_lettered").inc()
            self._dead_letter(message)
            return
        except UntrustedEvent as exc:  # kept in the dead-letter queue as evidence for an operator
            log.error("dead-lettering an event from an untrusted source: %s", exc)
            EVENTS_CONSUMED.labels(service, _event_type(message), "refused").inc()
            self._dead_letter(message)
            return
        except Exception as exc:
            event_type = _event_type(message)
            log.error("handling %s failed: %s", event_type, exception_without_values(exc))
            EVENTS_CONSUMED.labels(service, event_type, "failed").inc()
            self._retry_or_dead_letter(message)
            return
        EVENTS_CONSUMED.labels(service, _event_type(message), outcome).inc()
        message.ack()

    def _retry_or_dead_letter(self, message) -> None:
        if not self.settings.is_filesystem_broker:
            self._retry_later(message)
            return
        key = (message.headers or {}).get("cloudEvents_id", "")
        self._local_failures[key] = self._local_failures.get(key, 0) + 1
        if self._local_failures[key] >= self.settings.delivery_limit:
            self._local_failures.pop(key, None)
            self._dead_letter(message)
        else:
            message.requeue()

    def _retry_later(self, message) -> None:
        """Park the event in the delay queue of its next retry, or dead-letter it after the last one.

        The copy is confirmed before the original is acknowledged: a crash in between delivers the
        event twice, and the inbox drops the second.
        """
        headers = dict(message.headers or {})
        retries = int(headers.get(RETRIES_HEADER, 0))
        if retries >= len(self.settings.retry_delays):
            log.error("dead-lettering %s after %d retries", _event_type(message), retries)
            EVENTS_CONSUMED.labels(self.settings.service, _event_type(message), "dead_lettered").inc()
            message.reject(requeue=False)
            return
        headers[RETRIES_HEADER] = retries + 1
        try:
            if self._retry_connection is None:
                self._retry_connection = connect(self.settings)
            producer = Producer(self._retry_connection.default_channel, exchange=retry_exchange(self.settings))
            producer.publish(message.body, routing_key=retry_routing_key(self.settings, retries),
                             content_type=message.content_type, content_encoding=message.content_encoding,
                             headers=headers, delivery_mode=2, retry=False)
        except Exception:  # the broker failed us: let it deliver the event again, counted by the quorum queue
            log.warning("could not park %s for a retry; requeueing it", _event_type(message), exc_info=True)
            self._close_retry_connection()
            message.reject(requeue=True)
            return
        message.ack()

    def _close_retry_connection(self) -> None:
        if self._retry_connection is not None:
            try:
                self._retry_connection.release()
            except Exception:  # it is being thrown away
                pass
            self._retry_connection = None

    def _dead_letter(self, message) -> None:
        if self.settings.is_filesystem_broker:
            producer = Producer(self.connection.default_channel, exchange=dead_letter_exchange(self.settings))
            producer.publish(message.body, routing_key=self.dead_letter_queue.routing_key,
                             content_type=CONTENT_TYPE, content_encoding="utf-8",
                             headers=message.headers or {})
            message.ack()
        else:
            message.reject(requeue=False)


def run_consumer(platform: Platform, handlers: dict[str, Handler], stop: threading.Event,
                 heartbeat=None) -> EventConsumer:
    consumer = EventConsumer(platform, handlers, heartbeat)

    def _watch():
        stop.wait()
        consumer.should_stop = True

    threading.Thread(target=_watch, daemon=True).start()
    try:
        consumer.run()
    finally:
        consumer._close_retry_connection()
    return consumer
