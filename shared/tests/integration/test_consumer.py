"""The consumer under a database outage, a forged event and a stalled handler (PostgreSQL and RabbitMQ)."""
import json
import socket
from dataclasses import replace
import threading
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa
from kombu import Connection
from prometheus_client import REGISTRY

from ordning_shared.events import DomainEvent, serialize, to_cloudevent
from ordning_shared.platform import Platform
from ordning_shared.testing import publish_on_bus, wait_until

pytestmark = pytest.mark.integration

TYPE = "se.ordning.thing.created.v1"


def publish(broker_url, bus_namespace, cloudevent):
    publish_on_bus(broker_url, bus_namespace, serialize(cloudevent))


def count(platform, table, *where):
    with platform.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()


def consumed(service, type_, outcome):
    return REGISTRY.get_sample_value("ordning_events_consumed_total",
                                     {"service": service, "type": type_, "outcome": outcome}) or 0.0


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_database_outage_longer_than_the_old_limit_loses_nothing(
        make_platform, broker_url, bus_namespace, tmp_path, applied_table, start_consumer, queue_stats,
        tcp_proxy_class):
    direct = make_platform("deviations")  # the same database, reached without the proxy, to look at it
    url = direct.settings.database_url
    host = url.split("@", 1)[1].split("/", 1)[0]
    proxy = tcp_proxy_class(target=("localhost", 5432)).start()
    delays = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2)  # 6.3 s in all; five immediate redeliveries took milliseconds
    consumer = Platform(replace(direct.settings, database_url=url.replace(host, f"127.0.0.1:{proxy.port}"),
                                retry_delays=delays), direct.tables)

    def handler(uow, event):
        uow.execute(applied_table.insert().values(event_id=event.get_id(), subject=event.get_subject()))

    worker = start_consumer(consumer, {TYPE: handler}, broker_url)
    try:
        proxy.stop()  # the consumer's database is gone
        failed_before = consumed("deviations", TYPE, "failed")
        event = to_cloudevent(DomainEvent(TYPE, "0180", "outage"), "processes")
        publish(broker_url, bus_namespace, event)
        started = time.monotonic()
        wait_until(lambda: consumed("deviations", TYPE, "failed") >= failed_before + 6, timeout=20,
                   message="six failed attempts, one more than the old delivery limit")
        assert time.monotonic() - started >= sum(delays[:5]) * 0.9  # the retries waited, growing
        proxy.start()  # back, on the same port
        wait_until(lambda: count(direct, applied_table) == 1, timeout=20, message="the event applied")
        time.sleep(0.5)
        assert count(direct, applied_table, applied_table.c.event_id == event.get_id()) == 1
        assert count(direct, direct.tables.inbox) == 1
        assert queue_stats(f"{bus_namespace}.deviations.dead-letter")[0] == 0
        assert queue_stats(f"{bus_namespace}.deviations")[0] == 0
    finally:
        worker.stop()
        proxy.stop()
        consumer.dispose()
        with Connection(broker_url) as connection:
            for delay in delays:
                connection.channel().queue_delete(f"{bus_namespace}.deviations.retry.{int(delay * 1000)}ms")


def test_a_forged_org_event_is_dead_lettered_and_changes_nothing(make_platform, broker_url, bus_namespace,
                                                                  start_consumer, queue_stats):
    from ordning_shared.orgtree import org_unit_handlers

    consumer = make_platform("deviations")
    created = "se.ordning.org_unit.created.v1"
    data = {"unit_id": "u1", "kind": "enhet", "name": "Hemtjänst", "parent_id": None, "revision": 1}
    worker = start_consumer(consumer, org_unit_handlers(), broker_url)
    try:
        refused_before = consumed("deviations", created, "refused")
        # deviations (another service) speaks for the organisation tree: refused
        publish(broker_url, bus_namespace, to_cloudevent(DomainEvent(created, "0180", "u1", data), "deviations"))
        wait_until(lambda: (queue_stats(f"{bus_namespace}.deviations.dead-letter") or (0,))[0] == 1, timeout=20,
                   message="the forged event in the dead-letter queue")
        assert consumed("deviations", created, "refused") == refused_before + 1
        # the processes service of the event's own tenant: applied
        publish(broker_url, bus_namespace, to_cloudevent(DomainEvent(created, "0180", "u2", {**data, "unit_id": "u2"}),
                                                         "processes"))
        wait_until(lambda: count(consumer, consumer.tables.org_units) == 1, timeout=20, message="u2 applied")
        assert count(consumer, consumer.tables.org_units, consumer.tables.org_units.c.id == "u1") == 0
    finally:
        worker.stop()


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_worker_liveness_fails_while_a_loop_stalls(make_platform, broker_url, bus_namespace, start_consumer):
    port = free_port()
    consumer = make_platform("deviations", metrics_port=port, worker_stall_seconds=1)
    release = threading.Event()

    def stuck(uow, event):  # a handler that hangs, as on a connection nobody noticed was lost
        release.wait(30)

    worker = start_consumer(consumer, {TYPE: stuck}, broker_url)
    try:
        healthz = f"http://127.0.0.1:{port}/healthz"
        status, body = get(healthz)
        assert status == 200 and body["loops"] == ["consumer", "relay"]
        publish(broker_url, bus_namespace, to_cloudevent(DomainEvent(TYPE, "0180", "stuck"), "processes"))
        status, body = wait_until(lambda: (lambda answer: answer if answer[0] == 503 else None)(get(healthz)),
                                  timeout=30, message="the probe to fail")
        assert list(body["stalled"]) == ["consumer"]
        release.set()
        wait_until(lambda: get(healthz)[0] == 200, timeout=30, message="the probe to pass again")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            assert b'ordning_worker_heartbeat_timestamp_seconds{loop="relay",service="deviations"}' in response.read()
    finally:
        release.set()
        worker.stop()
