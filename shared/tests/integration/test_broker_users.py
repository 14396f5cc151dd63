"""Each service on the broker as its own user: it publishes and consumes its own queue, and no other."""
import amqp
import pytest
from kombu import Connection

from ordning_shared.events import DomainEvent
from ordning_shared.outbox import OutboxRelay
from ordning_shared.testing import wait_until

pytestmark = pytest.mark.integration

TYPE = "se.ordning.thing.created.v1"


def test_services_publish_and_consume_as_their_own_users_and_cannot_read_each_others_queues(
        make_platform, service_broker_url, broker_url, bus_namespace, applied_table, start_consumer, queue_stats):
    deviations_url, processes_url = service_broker_url("deviations"), service_broker_url("processes")
    consumer = make_platform("deviations", broker=deviations_url)
    producer = make_platform("processes", broker=processes_url)
    failed_once = []

    def handler(uow, event):  # fails once, so the retry goes through the delay queue as this user too
        if not failed_once:
            failed_once.append(event.get_id())
            raise RuntimeError("a passing failure")
        uow.execute(applied_table.insert().values(event_id=event.get_id(), subject=event.get_subject()))

    worker = start_consumer(consumer, {TYPE: handler}, broker_url)
    try:
        with producer.uow() as uow:
            uow.add_event(DomainEvent(TYPE, "0180", "own-users"))
            uow.commit()
        relay = OutboxRelay(producer)
        assert relay.publish_pending() == 1  # processes' user publishes to the events exchange
        relay.publisher.close()
        with consumer.engine.connect() as connection:
            wait_until(lambda: connection.execute(applied_table.select()).first(), timeout=20,
                       message="the event applied by the deviations worker on its own user")
        assert failed_once
        assert queue_stats(f"{bus_namespace}.deviations.dead-letter")[0] == 0
    finally:
        worker.stop()

    # processes' user may not read, drain or delete the deviations queue
    for attempt in (lambda channel: channel.basic_get(f"{bus_namespace}.deviations"),
                    lambda channel: channel.queue_purge(f"{bus_namespace}.deviations"),
                    lambda channel: channel.queue_delete(f"{bus_namespace}.deviations")):
        with Connection(processes_url) as connection:
            with pytest.raises(amqp.exceptions.AccessRefused):
                attempt(connection.channel())
    assert queue_stats(f"{bus_namespace}.deviations") is not None


def test_a_service_may_publish_only_its_own_event_types(service_broker_url):
    from ordning_shared.brokerusers import CI_NAMESPACE

    from kombu import Exchange, Producer

    exchange = Exchange(f"{CI_NAMESPACE}.events", type="topic", durable=True)  # never deleted: shared by runs

    def publish(url, routing_key):
        with Connection(url, transport_options={"confirm_publish": True}) as connection:
            exchange(connection.default_channel).declare()
            Producer(connection.default_channel, exchange=exchange).publish(b"{}", routing_key=routing_key,
                                                                             retry=False)

    publish(service_broker_url("processes"), "se.ordning.org_unit.renamed.v1")
    publish(service_broker_url("deviations"), "se.ordning.deviation.reported.v1")
    publish(service_broker_url("deviations"), "se.ordning.action.created.v1")
    for url, forged in [(service_broker_url("deviations"), "se.ordning.org_unit.renamed.v1"),
                        (service_broker_url("processes"), "se.ordning.deviation.closed.v1")]:
        with pytest.raises(amqp.exceptions.AccessRefused):
            publish(url, forged)


def test_a_subscriber_binds_its_own_queue_to_its_aggregates_reads_it_and_nothing_else(broker_url, service_broker_url):
    """Another system's own queue on the events exchange (the queue alternative to webhooks): its user declares and
    binds its queue with keys of the aggregates it was given, reads it, and may not bind a wider key, publish an
    event, nor read or declare a service's queue."""
    from urllib.parse import quote, urlsplit, urlunsplit

    from kombu import Exchange, Producer, Queue

    from ordning_shared import brokerusers
    from ordning_shared.brokerusers import CI_NAMESPACE
    from ordning_shared.testing import IN_CI

    if not brokerusers.can_apply():
        (pytest.fail if IN_CI else pytest.skip)("rabbitmqctl is needed to make the subscriber's user")
    name, password = "itest", "ci-subscriber-itest"
    brokerusers.run(brokerusers.subscriber_commands(name, password, ["deviation"]))
    parts = urlsplit(broker_url)
    url = urlunsplit(parts._replace(netloc=f"{quote(brokerusers.subscriber_user_name(name))}:{password}@"
                                           f"{parts.hostname}:{parts.port or 5672}"))
    exchange = Exchange(f"{CI_NAMESPACE}.events", type="topic", durable=True)
    own = brokerusers.subscriber_queue(name, CI_NAMESPACE)
    with Connection(broker_url) as admin:
        exchange(admin.default_channel).declare()
        admin.default_channel.queue_delete(own)
    try:
        with Connection(url) as connection:  # the exchange is there; declaring it is not the subscriber's to do
            there = Exchange(exchange.name, type="topic", durable=True, no_declare=True)
            queue = Queue(own, there, routing_key="se.ordning.deviation.#", durable=True,
                          queue_arguments={"x-queue-type": "quorum"})
            queue(connection.default_channel).declare()
        for refused in (lambda channel: channel.queue_bind(own, exchange.name, "se.ordning.#"),
                        lambda channel: channel.queue_bind(own, exchange.name, "se.ordning.risk.risk_escalated.v1"),
                        lambda channel: Producer(channel, exchange=exchange).publish(
                            b"{}", routing_key="se.ordning.deviation.reported.v1", retry=False),
                        lambda channel: channel.basic_get(f"{CI_NAMESPACE}.deviations"),
                        lambda channel: channel.queue_declare(f"{CI_NAMESPACE}.notify", durable=True),
                        lambda channel: channel.queue_declare(f"{CI_NAMESPACE}.subscriber.other", durable=True)):
            with Connection(url, transport_options={"confirm_publish": True}) as connection:
                with pytest.raises(amqp.exceptions.AccessRefused):
                    refused(connection.channel())
        for service, routing_key in (("risks", "se.ordning.risk.risk_escalated.v1"),
                                     ("deviations", "se.ordning.deviation.reported.v1")):
            with Connection(service_broker_url(service), transport_options={"confirm_publish": True}) as connection:
                Producer(connection.default_channel, exchange=exchange).publish(
                    routing_key.encode(), routing_key=routing_key, retry=False)
        with Connection(url) as connection:
            channel = connection.channel()
            got = wait_until(lambda: channel.basic_get(own, no_ack=True), timeout=10, message="the event")
            assert got.body == b"se.ordning.deviation.reported.v1"
            assert channel.basic_get(own, no_ack=True) is None  # the risk event was not bound
    finally:
        with Connection(broker_url) as admin:
            admin.default_channel.queue_delete(own)
