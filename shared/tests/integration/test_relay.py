"""The outbox relay under crashes and with two replicas, against PostgreSQL and RabbitMQ."""
import json
import threading
from collections import Counter, defaultdict

import pytest
from kombu import Connection, Exchange, Queue

from ordning_shared.bus import Publisher
from ordning_shared.events import DomainEvent
from ordning_shared.outbox import OutboxRelay
from ordning_shared.testing import wait_until

pytestmark = pytest.mark.integration

TYPE = "se.ordning.thing.changed.v1"


class Crash(BaseException):
    """The process dies: no `except Exception` runs, open transactions are lost."""


class CrashingPublisher(Publisher):
    """Publishes (the broker confirms) the first `survive` events, then dies right after the next confirm."""

    def __init__(self, settings, survive):
        super().__init__(settings)
        self.left = survive

    def publish(self, body, attributes):
        super().publish(body, attributes)
        if self.left == 0:
            raise Crash()
        self.left -= 1


@pytest.fixture
def probe(broker_url, bus_namespace):
    """A queue bound to every event of this test's bus; returns a function that drains it."""
    exchange = Exchange(f"{bus_namespace}.events", type="topic", durable=True)
    queue = Queue(f"{bus_namespace}.probe", exchange=exchange, routing_key="se.ordning.#", durable=True)
    with Connection(broker_url) as connection:
        exchange(connection.default_channel).declare()
        queue(connection.default_channel).declare()

    def drain(expected: int, timeout: float = 30.0) -> list[dict]:
        received = []
        with Connection(broker_url) as connection:
            bound = queue(connection.default_channel)

            def more():
                while (message := bound.get(no_ack=True)) is not None:
                    received.append(json.loads(message.body))
                return len(received) >= expected
            wait_until(more, timeout=timeout, message=f"{expected} events on the probe queue")
            more()
        return received
    return drain


def commit_events(platform, events):
    with platform.uow() as uow:
        for event in events:
            uow.add_event(event)
        uow.commit()


def test_a_crash_mid_batch_resends_at_most_the_event_in_flight(make_platform, probe):
    producer = make_platform("processes")
    commit_events(producer, [DomainEvent(TYPE, "0180", f"s{i}", {"n": i}) for i in range(30)])

    crashing = OutboxRelay(producer, CrashingPublisher(producer.settings, survive=12))
    with pytest.raises(Crash):
        crashing.publish_pending()  # one batch of up to 100; dies after the 13th confirm
    crashing.publisher.close()

    restarted = OutboxRelay(producer)
    assert restarted.publish_pending() + 13 - 30 <= 1
    restarted.publisher.close()
    assert restarted.pending() == 0

    received = probe(31)
    resent = sum(times - 1 for times in Counter(event["id"] for event in received).values())
    assert len({event["id"] for event in received}) == 30
    assert resent <= 1, f"{resent} events were published twice after one crash"


def test_two_relays_keep_each_aggregates_order(make_platform, probe):
    producer = make_platform("processes", relay_batch_size=20)
    subjects = [f"case-{k}" for k in range(4)]
    # Interleaved: each subject's events are 1, 2, 3 ... in commit order.
    commit_events(producer, [DomainEvent(TYPE, "0180", subject, {"n": n})
                             for n in range(1, 61) for subject in subjects])
    stop = threading.Event()
    relays = [OutboxRelay(producer), OutboxRelay(producer)]
    threads = [threading.Thread(target=relay.run, args=(stop,), daemon=True) for relay in relays]
    for thread in threads:
        thread.start()
    # More events while both relays run.
    for n in range(61, 81):
        commit_events(producer, [DomainEvent(TYPE, "0180", subject, {"n": n}) for subject in subjects])
    try:
        wait_until(lambda: relays[0].pending() == 0, timeout=60, message="the outbox emptied")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)

    arrived = defaultdict(list)
    for event in probe(4 * 80):
        arrived[event["subject"]].append(event["data"]["n"])
    for subject in subjects:
        assert arrived[subject] == list(range(1, 81)), f"{subject} arrived out of order"


RELAY_PROCESS = """
import sys, threading
from ordning_shared.db import PlatformTables, new_metadata
from ordning_shared.outbox import OutboxRelay
from ordning_shared.platform import Platform
from ordning_shared.testing import make_settings

database_url, broker_url, namespace, data_dir = sys.argv[1:]
settings = make_settings("processes", database_url=database_url, broker_url=broker_url, data_dir=data_dir,
                         bus_namespace=namespace)
OutboxRelay(Platform(settings, PlatformTables(new_metadata()))).run(threading.Event())
"""


def test_a_relay_killed_with_sigkill_resends_at_most_one_event(make_platform, probe, broker_url, bus_namespace,
                                                               queue_stats, tmp_path):
    import subprocess
    import sys

    producer = make_platform("processes")
    total = 400
    commit_events(producer, [DomainEvent(TYPE, "0180", f"s{i}", {"n": i}) for i in range(total)])
    relay = subprocess.Popen([sys.executable, "-c", RELAY_PROCESS, producer.settings.database_url, broker_url,
                              bus_namespace, str(tmp_path)], stderr=subprocess.DEVNULL)
    try:  # killed while it publishes: some of the outbox out, most of it not
        wait_until(lambda: queue_stats(f"{bus_namespace}.probe")[0] >= 40, timeout=60, interval=0.005,
                   message="the relay process to publish")
    finally:
        relay.kill()
        relay.wait(timeout=10)
    assert OutboxRelay(producer).pending() > 0, "the kill should land before the relay is done"

    restarted = OutboxRelay(producer)
    while restarted.publish_pending():
        pass
    restarted.publisher.close()
    received = probe(total)
    resent = sum(times - 1 for times in Counter(event["id"] for event in received).values())
    assert len({event["id"] for event in received}) == total
    assert resent <= 1, f"{resent} events were published twice after one SIGKILL"
