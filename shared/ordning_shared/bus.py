"""The event bus on kombu: one topic exchange, a quorum queue per consuming service.

Topology (after Nameko): exchange `ordning.events` (topic, durable), routing
key = event type; queue `ordning.<service>` bound to the types that service
handles, quorum, with a delivery limit, dead-lettering to
`ordning.<service>.dead-letter` through the direct exchange `ordning.dead-letter`,
where an operator can inspect and replay (see `replay_dead_letters`). A failed event waits
in the delay queues `ordning.<service>.retry.<ms>ms` (exchange `ordning.retry`) before it is tried again.
The `ordning` prefix is ORDNING_BUS_NAMESPACE, so tests can share one broker.
"""
from __future__ import annotations

import logging
import time

from kombu import Connection, Exchange, Producer, Queue, binding

from .config import Settings
from .events import CONTENT_TYPE, amqp_headers

log = logging.getLogger(__name__)



def events_exchange(settings: Settings) -> Exchange:
    return Exchange(f"{settings.bus_namespace}.events", type="topic", durable=True)


def dead_letter_exchange(settings: Settings) -> Exchange:
    return Exchange(f"{settings.bus_namespace}.dead-letter", type="direct", durable=True)


def retry_exchange(settings: Settings) -> Exchange:
    return Exchange(f"{settings.bus_namespace}.retry", type="direct", durable=True)


def retry_queues(settings: Settings) -> list[Queue]:
    """One delay queue per retry step: a failed event waits there, then dead-letters back to the work queue.

    Named by their delay, so changed delays make new queues instead of clashing with the old arguments.
    """
    name = queue_name(settings)
    queues = []
    for seconds in sorted(set(settings.retry_delays)):
        milliseconds = int(seconds * 1000)
        retry = f"{name}.retry.{milliseconds}ms"
        queues.append(Queue(retry, exchange=retry_exchange(settings), routing_key=retry, durable=True,
                            queue_arguments={"x-message-ttl": milliseconds, "x-dead-letter-exchange": "",
                                             "x-dead-letter-routing-key": name}))
    return queues


def retry_routing_key(settings: Settings, step: int) -> str:
    """The delay queue of the `step`-th retry (0-based)."""
    return f"{queue_name(settings)}.retry.{int(settings.retry_delays[step] * 1000)}ms"


def queue_name(settings: Settings) -> str:
    return f"{settings.bus_namespace}.{settings.service}"


def service_queues(settings: Settings, routing_keys: list[str]) -> tuple[Queue, Queue]:
    """The service's work queue and its dead-letter queue."""
    name = queue_name(settings)
    dead_letter = Queue(
        f"{name}.dead-letter", exchange=dead_letter_exchange(settings), routing_key=name, durable=True,
        queue_arguments=None if settings.is_filesystem_broker else {"x-queue-type": "quorum"},
    )
    arguments = None
    if not settings.is_filesystem_broker:
        arguments = {
            "x-queue-type": "quorum",
            "x-delivery-limit": settings.delivery_limit,
            "x-dead-letter-exchange": dead_letter_exchange(settings).name,
            "x-dead-letter-routing-key": name,
        }
    work = Queue(
        name, bindings=[binding(events_exchange(settings), routing_key=key) for key in routing_keys],
        durable=True, queue_arguments=arguments,
    )
    return work, dead_letter


def connect(settings: Settings, **kw) -> Connection:
    connection = Connection(settings.broker_url, transport_options=settings.broker_transport_options(),
                            connect_timeout=kw.pop("connect_timeout", 5), **kw)
    if not connection.hostname:
        # `filesystem://` names no host, and kombu warns "No hostname was supplied" on every copy of such a
        # connection (the consumer clones it at start); the transport's own default host says nothing new.
        connection.hostname = connection.transport.default_connection_params.get("hostname")
    return connection


def declare_topology(settings: Settings, connection: Connection, queues=()) -> None:
    channel = connection.default_channel
    events_exchange(settings)(channel).declare()
    dead_letter_exchange(settings)(channel).declare()
    if not settings.is_filesystem_broker:
        retry_exchange(settings)(channel).declare()
    for queue in queues:
        queue(channel).declare()


class Publisher:
    """Publishes serialized CloudEvents with publisher confirms.

    `confirm_publish` makes each publish wait for the broker's ack, so the
    relay marks an outbox row sent only once RabbitMQ holds the message.
    Not `mandatory`: an event type no service subscribes to yet is normal.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self._connection: Connection | None = None
        self._producer: Producer | None = None

    def _ensure(self) -> Producer:
        if self._producer is None:
            self._connection = connect(self.settings)
            self._connection.ensure_connection(max_retries=1)
            declare_topology(self.settings, self._connection)
            self._producer = Producer(self._connection.default_channel, exchange=events_exchange(self.settings))
        return self._producer

    def publish(self, body: str, attributes: dict) -> None:
        producer = self._ensure()
        producer.publish(
            body.encode("utf-8"),
            routing_key=attributes["type"],
            content_type=CONTENT_TYPE,
            content_encoding="utf-8",
            headers=amqp_headers(attributes),
            delivery_mode=2,
            retry=False,
        )

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # the connection is being thrown away anyway
                pass
        self._connection = None
        self._producer = None


def replay_dead_letters(settings: Settings, limit: int = 1000) -> int:
    """Move dead-lettered events of one service back onto its own work queue, with their retries anew.

    Straight to the queue (the default exchange), not through the events exchange: the other
    services had their copy already, and a service's broker user may publish only its own types there.
    """
    work, dead = service_queues(settings, [])
    moved = 0
    with connect(settings) as connection:
        declare_topology(settings, connection, [dead])
        producer = Producer(connection.default_channel)  # the default exchange: routing key = queue
        queue = dead(connection.default_channel)
        while moved < limit:
            message = queue.get(no_ack=False, accept=[CONTENT_TYPE, "application/json"])
            if message is None:
                break
            # The broker's and the consumer's bookkeeping (x-death, x-ordning-retries) starts over.
            headers = {name: value for name, value in (message.headers or {}).items() if not name.startswith("x-")}
            producer.publish(message.body, routing_key=work.name, content_type=CONTENT_TYPE,
                             content_encoding="utf-8", headers=headers, delivery_mode=2)
            message.ack()
            moved += 1
    return moved


def wait_for_broker(settings: Settings, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with connect(settings) as connection:
                connection.ensure_connection(max_retries=1)
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
