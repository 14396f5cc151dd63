import json

import amqp
import pytest
import sqlalchemy as sa
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from kombu import Connection, Exchange, Queue
from prometheus_client import REGISTRY

from ordning_shared import observability
from ordning_shared.bus import replay_dead_letters, service_queues
from ordning_shared.events import CONTENT_TYPE, DomainEvent, serialize, to_cloudevent
from ordning_shared.outbox import OutboxRelay
from ordning_shared.testing import publish_on_bus, wait_until

pytestmark = pytest.mark.integration

TYPES = ["se.ordning.thing.created.v1", "se.ordning.thing.renamed.v1", "se.ordning.thing.closed.v1"]
TYPE = "se.ordning.thing.created.v1"


def outbox_rows(platform):
    outbox = platform.tables.outbox
    with platform.engine.connect() as connection:
        return connection.execute(sa.select(outbox).order_by(outbox.c.id)).all()


def count(platform, table, *where):
    with platform.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()


def consumed(service, outcome, type_=TYPE):
    value = REGISTRY.get_sample_value("ordning_events_consumed_total",
                                      {"service": service, "type": type_, "outcome": outcome})
    return value or 0.0


def recording_handler(table, calls=None):
    def handler(uow, event):
        if calls is not None:
            calls.append(event.get_id())
        uow.execute(table.insert().values(event_id=event.get_id(), subject=event.get_subject()))
    return handler


def commit_events(platform, *events):
    with platform.uow() as uow:
        for event in events:
            uow.add_event(event)
        uow.commit()


@pytest.fixture
def queue_info(queue_stats):
    return lambda _broker_url, name: queue_stats(name)


def test_outbox_relay_publishes_cloudevents_in_order(make_platform, broker_url, bus_namespace):
    producer = make_platform("processes")
    exchange = Exchange(f"{bus_namespace}.events", type="topic", durable=True)
    probe = Queue(f"{bus_namespace}.probe", exchange=exchange, routing_key="se.ordning.#", durable=True)
    with Connection(broker_url) as connection:
        probe(connection.default_channel).declare()

    observability.setup_tracing("processes")
    with observability.tracer().start_as_current_span("command") as span:
        trace_id = format(span.get_span_context().trace_id, "032x")
        commit_events(producer, *(DomainEvent(t, "0180", f"s{i}", {"n": i}) for i, t in enumerate(TYPES)))

    relay = OutboxRelay(producer)
    assert relay.pending() == 3
    assert relay.publish_pending() == 3
    assert relay.publish_pending() == 0
    assert relay.pending() == 0
    rows = outbox_rows(producer)
    assert all(row.published_at is not None and row.attempts == 1 for row in rows)

    received = []
    with Connection(broker_url) as connection:
        queue = probe(connection.default_channel)
        for _ in range(3):
            message = wait_until(lambda: queue.get(no_ack=True), timeout=30, message="a probe message")
            received.append(message)
        assert queue.get(no_ack=True) is None
    relay.publisher.close()

    for i, (message, row) in enumerate(zip(received, rows)):
        assert message.content_type == CONTENT_TYPE
        assert message.delivery_info["routing_key"] == TYPES[i]
        event = JSONFormat().read(CloudEvent, message.body)
        attributes = event.get_attributes()
        assert attributes["specversion"] == "1.0"
        assert event.get_type() == TYPES[i]
        assert event.get_id() == row.event_id
        assert event.get_source() == "/ordning/0180/processes"
        assert event.get_subject() == f"s{i}"
        assert attributes["tenant"] == "0180"
        assert trace_id in attributes["traceparent"]
        assert event.get_data() == {"n": i}
        headers = message.headers
        assert headers["cloudEvents_type"] == TYPES[i]
        assert headers["cloudEvents_source"] == "/ordning/0180/processes"
        assert headers["cloudEvents_id"] == row.event_id
        assert headers["traceparent"] == attributes["traceparent"]
        assert message.properties.get("delivery_mode") == 2


def test_work_queue_is_a_quorum_queue(make_platform, broker_url, bus_namespace, start_consumer, queue_info):
    consumer = make_platform("deviations", delivery_limit=3)
    worker = start_consumer(consumer, {TYPE: lambda uow, event: None}, broker_url)
    try:
        name = f"{bus_namespace}.deviations"
        assert queue_info(broker_url, name) is not None
        assert queue_info(broker_url, f"{name}.dead-letter") is not None
        work, dead = service_queues(consumer.settings, [TYPE])
        with Connection(broker_url) as connection:
            channel = connection.channel()
            # the same arguments are accepted ...
            channel.queue_declare(queue=name, durable=True, auto_delete=False, arguments=work.queue_arguments)
        assert work.queue_arguments["x-queue-type"] == "quorum"
        assert work.queue_arguments["x-delivery-limit"] == 3
        # ... and a classic declaration of the same name is refused: the broker holds a quorum queue
        with Connection(broker_url) as connection:
            channel = connection.channel()
            with pytest.raises(amqp.exceptions.PreconditionFailed):
                channel.queue_declare(queue=name, durable=True, auto_delete=False, arguments={"x-queue-type": "classic"})
    finally:
        worker.stop()


def test_rollback_leaves_no_outbox_row(make_platform, applied_table):
    producer = make_platform("processes")
    with pytest.raises(RuntimeError):
        with producer.uow() as uow:
            uow.execute(applied_table.insert().values(event_id="e", subject="s"))
            uow.add_event(DomainEvent(TYPE, "0180", "s"))
            uow.audit(tenant="0180", actor="anna", action="create", entity_type="thing", entity_id="s")
            raise RuntimeError("before commit")
    with producer.uow() as uow:  # no commit either
        uow.execute(applied_table.insert().values(event_id="e2", subject="s"))
        uow.add_event(DomainEvent(TYPE, "0180", "s"))
    assert outbox_rows(producer) == []
    assert count(producer, applied_table) == 0
    assert count(producer, producer.tables.audit_log) == 0
    assert OutboxRelay(producer).pending() == 0


def test_broker_outage_loses_nothing(make_platform, broker_url, bus_namespace, applied_table, start_consumer,
                                     tcp_proxy_class):
    proxy = tcp_proxy_class().start()
    try:
        consumer = make_platform("deviations")
        producer = make_platform("processes", broker=proxy.url)
        worker = start_consumer(consumer, {TYPE: recording_handler(applied_table)}, broker_url)
        try:
            relay = OutboxRelay(producer)
            commit_events(producer, DomainEvent(TYPE, "0180", "before"))
            assert relay.publish_pending() == 1  # the relay holds a connection through the proxy

            proxy.stop()
            commit_events(producer, DomainEvent(TYPE, "0180", "during"))
            try:
                published = relay.publish_pending()
            except Exception:
                published = 0
            assert published == 0
            try:  # a second attempt must not succeed either (no connection to be had)
                published = relay.publish_pending()
            except Exception:
                published = 0
            assert published == 0
            pending = [row for row in outbox_rows(producer) if row.published_at is None]
            assert len(pending) == 1 and pending[0].attempts >= 1
            assert json.loads(pending[0].body)["subject"] == "during"

            proxy.start()  # same port

            def relay_once():
                try:
                    return relay.publish_pending() == 1
                except Exception:
                    return False
            wait_until(relay_once, timeout=20, message="the relay to publish after the outage")
            assert relay.pending() == 0
            relay.publisher.close()

            wait_until(lambda: count(consumer, applied_table) >= 2, timeout=20, message="both events applied")
            during_id = pending[0].event_id
            assert count(consumer, applied_table, applied_table.c.event_id == during_id) == 1
            assert count(consumer, applied_table, applied_table.c.subject == "during") == 1
            assert count(consumer, consumer.tables.inbox) == 2
        finally:
            worker.stop()
    finally:
        proxy.stop()


def test_duplicate_delivery_applies_once(make_platform, broker_url, bus_namespace, applied_table, start_consumer,
                                         queue_info):
    consumer = make_platform("deviations")
    calls = []
    worker = start_consumer(consumer, {TYPE: recording_handler(applied_table, calls)}, broker_url)
    try:
        before = consumed("deviations", "duplicate")
        event = to_cloudevent(DomainEvent(TYPE, "0180", "twice"), "processes")
        body = serialize(event)
        for _ in range(2):
            publish_on_bus(broker_url, bus_namespace, body)
        try:
            wait_until(lambda: consumed("deviations", "duplicate") >= before + 1, timeout=20,
                       message="the second delivery to be seen as a duplicate")
        except AssertionError as timed_out:  # say where the deliveries went, should it ever happen again
            outcomes = {outcome: consumed("deviations", outcome) for outcome in ("processed", "duplicate", "failed")}
            raise AssertionError(f"{timed_out}; outcomes {outcomes}, handled {calls}, (ready, consumers) "
                                 f"{queue_info(broker_url, f'{bus_namespace}.deviations')}") from None
        assert count(consumer, applied_table) == 1
        assert count(consumer, consumer.tables.inbox) == 1
        assert calls == [event.get_id()]
        assert queue_info(broker_url, f"{bus_namespace}.deviations")[0] == 0
    finally:
        worker.stop()


def test_republish_after_lost_mark_applies_once(make_platform, broker_url, bus_namespace, applied_table, start_consumer,
                                                queue_info):
    consumer = make_platform("deviations")
    producer = make_platform("processes")
    worker = start_consumer(consumer, {TYPE: recording_handler(applied_table)}, broker_url)
    try:
        relay = OutboxRelay(producer)
        commit_events(producer, DomainEvent(TYPE, "0180", "once"))
        assert relay.publish_pending() == 1
        wait_until(lambda: count(consumer, applied_table) == 1, timeout=20, message="the event applied")
        before = consumed("deviations", "duplicate")
        # as if the relay crashed after the broker confirmed but before the row was marked
        outbox = producer.tables.outbox
        with producer.engine.begin() as connection:
            connection.execute(outbox.update().values(published_at=None))
        assert relay.publish_pending() == 1
        relay.publisher.close()
        wait_until(lambda: consumed("deviations", "duplicate") >= before + 1, timeout=20,
                   message="the republished event to be seen as a duplicate")
        assert count(consumer, applied_table) == 1
        assert count(consumer, consumer.tables.inbox) == 1
    finally:
        worker.stop()


def test_poison_message_is_dead_lettered_and_replayed(make_platform, broker_url, bus_namespace, applied_table, start_consumer,
                                                      queue_info):
    consumer = make_platform("deviations", retry_delays=(0.05, 0.1))
    producer = make_platform("processes")
    dead_letter = f"{bus_namespace}.deviations.dead-letter"
    work = f"{bus_namespace}.deviations"
    attempts = []

    def poison(uow, event):
        attempts.append(event.get_id())
        raise RuntimeError("this handler always fails")

    worker = start_consumer(consumer, {TYPE: poison}, broker_url)
    try:
        relay = OutboxRelay(producer)
        commit_events(producer, DomainEvent(TYPE, "0180", "poison"))
        assert relay.publish_pending() == 1
        relay.publisher.close()
        wait_until(lambda: (queue_info(broker_url, dead_letter) or (0, 0))[0] == 1, timeout=30,
                   message="the message in the dead-letter queue")
    finally:
        worker.stop()
    assert len(attempts) >= 2
    assert set(attempts) == {outbox_rows(producer)[0].event_id}
    assert count(consumer, consumer.tables.inbox) == 0
    assert queue_info(broker_url, work)[0] == 0

    assert replay_dead_letters(consumer.settings) == 1
    assert queue_info(broker_url, dead_letter)[0] == 0
    wait_until(lambda: queue_info(broker_url, work)[0] == 1, timeout=30, message="the replayed message queued")

    # with the handler fixed, the replayed event is applied once
    worker = start_consumer(consumer, {TYPE: recording_handler(applied_table)}, broker_url)
    try:
        wait_until(lambda: count(consumer, applied_table) == 1, timeout=20, message="the replayed event applied")
        assert count(consumer, consumer.tables.inbox) == 1
    finally:
        worker.stop()


class BatchHandlers(dict):
    """Handlers with a batch fold (as reporting's): what has been delivered is folded in one unit of work."""

    def __init__(self, table, batches):
        self.table, self.batches = table, batches
        super().__init__({TYPE: self.one})

    def one(self, uow, event):
        if event.get_subject() == "poison":
            raise RuntimeError("this event always fails")
        uow.execute(self.table.insert().values(event_id=event.get_id(), subject=event.get_subject()))

    def handle_batch(self, uow, events):
        self.batches.append([event.get_subject() for event in events])
        for event in events:
            self.one(uow, event)
        return ["processed"] * len(events)


def test_a_batch_is_folded_in_one_unit_of_work_and_a_failing_one_event_by_event(
        make_platform, broker_url, bus_namespace, applied_table, start_consumer, queue_info):
    consumer = make_platform("deviations", retry_delays=(0.05,))
    start_consumer(consumer, {TYPE: recording_handler(applied_table)}, broker_url).stop()  # declares the queue
    batches = []

    def publish(subjects):
        for subject in subjects:
            publish_on_bus(broker_url, bus_namespace, serialize(to_cloudevent(DomainEvent(TYPE, "0180", subject),
                                                                              "processes")))

    publish([f"ok{i}" for i in range(20)])  # waiting before the consumer starts: they come in batches
    worker = start_consumer(consumer, BatchHandlers(applied_table, batches), broker_url)
    try:
        wait_until(lambda: count(consumer, applied_table) == 20, timeout=20, message="the batch applied")
        assert max(len(batch) for batch in batches) > 1
        assert count(consumer, consumer.tables.inbox) == 0  # the batch handler keeps its own key, not the inbox
        publish(["a", "poison", "b"])
        wait_until(lambda: (queue_info(broker_url, f"{bus_namespace}.deviations.dead-letter") or (0, 0))[0] == 1,
                   timeout=30, message="the poison event dead-lettered")
        wait_until(lambda: count(consumer, applied_table) == 22, timeout=20, message="its neighbours applied")
        assert queue_info(broker_url, f"{bus_namespace}.deviations")[0] == 0
    finally:
        worker.stop()
