"""Consuming events: inbox deduplication, tracing, retries with growing delays, dead letters.

A handler is a plain function `handler(uow, event)`, run in one unit of
work together with the inbox record, so an event changes the service's data
exactly once even when the broker delivers it twice.
"""
from __future__ import annotations

import logging
import socket
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


def handle_batch(platform: Platform, handlers, cloudevents: list) -> list[str]:
    """Apply a batch of parsed events in one unit of work with the handlers' `handle_batch`; returns each one's
    outcome. No inbox: a batch handler keeps its own key of the events (reporting's event store), so a batch
    redelivered after a crash, before or after its commit, changes nothing twice. Raises on failure (nothing of
    the batch is kept)."""
    with tracer().start_as_current_span(f"consume batch of {len(cloudevents)}"):
        with platform.uow() as uow:
            outcomes = handlers.handle_batch(uow, cloudevents)
            uow.commit()
    return list(outcomes or ["processed"] * len(cloudevents))


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
        # Handlers with a `handle_batch` (and a batch size above 1) get what the broker has delivered already in
        # one unit of work: a busy queue costs a transaction per batch instead of per event; a quiet one waits
        # for nothing (batches are only what has arrived). Not on the filesystem broker, which polls.
        self.batch_size = max(1, self.settings.consumer_batch_size)
        self.batching = (callable(getattr(handlers, "handle_batch", None)) and self.batch_size > 1
                         and not self.settings.is_filesystem_broker)
        self._batch: list = []

    def on_iteration(self) -> None:
        self._heartbeat()

    def on_connection_error(self, exc, interval) -> None:
        self._heartbeat()  # waiting for the broker is the loop working, not stalled
        super().on_connection_error(exc, interval)

    def get_consumers(self, consumer_class, channel):
        declare_topology(self.settings, self.connection,
                         [self.dead_letter_queue, *self.retry_queues, self.work_queue])
        return [consumer_class(queues=[self.work_queue],
                               on_message=self.on_batched_message if self.batching else self.on_message,
                               accept=[CONTENT_TYPE, "application/json"],
                               prefetch_count=max(16, self.batch_size) if self.batching else 16)]

    def consume(self, limit=None, timeout=None, safety_interval=1, **kwargs):
        if not self.batching:
            yield from super().consume(limit=limit, timeout=timeout, safety_interval=safety_interval, **kwargs)
            return
        with self.consumer_context(**kwargs) as (connection, _channel, _consumers):
            while not self.should_stop:
                self.on_iteration()
                try:
                    connection.drain_events(timeout=safety_interval)
                except socket.timeout:
                    connection.heartbeat_check()
                    continue
                except OSError:
                    self._batch = []  # the channel is gone: the broker delivers them again
                    if not self.should_stop:
                        raise
                    break
                # Take what has arrived already, without waiting, up to a batch; then fold it and ack.
                for _ in range(4 * self.batch_size):
                    if len(self._batch) >= self.batch_size:
                        break
                    try:
                        connection.drain_events(timeout=0)
                    except socket.timeout:
                        break
                self.flush_batch()
                yield

    def on_batched_message(self, message) -> None:
        """Check a delivery as on_message does, and keep it for the batch (acknowledged after its commit)."""
        service = self.settings.service
        try:
            cloudevent = parse(message.body)
            if self.handlers.get(cloudevent.get_type()) is None:
                EVENTS_CONSUMED.labels(service, _event_type(message), "ignored").inc()
                message.ack()
                return
            require_source(cloudevent)
        except InvalidCloudEvent as exc:
            log.error("dead-lettering a message that is not a valid CloudEvent: %s", exc)
            EVENTS_CONSUMED.labels(service, "invalid", "dead_lettered").inc()
            self._dead_letter(message)
            return
        except UntrustedEvent as exc:
            log.error("dead-lettering an event from an untrusted source: %s", exc)
            EVENTS_CONSUMED.labels(service, _event_type(message), "refused").inc()
            self._dead_letter(message)
            return
        self._batch.append((message, cloudevent))

    def flush_batch(self) -> None:
        """Fold the kept deliveries in one unit of work and ack them after its commit. If the batch fails, each
        event goes the way of one (on_message): handled alone, or retried or dead-lettered alone."""
        batch, self._batch = self._batch, []
        if not batch:
            return
        try:
            outcomes = handle_batch(self.platform, self.handlers, [cloudevent for _message, cloudevent in batch])
        except Exception as exc:
            log.warning("a batch of %d events failed (%s); handling them one by one", len(batch),
                        exception_without_values(exc))
            for message, _cloudevent in batch:
                self.on_message(message)
            return
        for (message, _cloudevent), outcome in zip(batch, outcomes):
            EVENTS_CONSUMED.labels(self.settings.service, _event_type(message), outcome).inc()
            message.ack()

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
