"""Events leave through the outbox and the relay onto RabbitMQ, as CloudEvents without free text."""
from __future__ import annotations

import json

import pytest
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from kombu import Connection, Exchange, Queue
from ordning_shared.testing import BackgroundWorker, wait_until

from ordning_deviations.handlers import HANDLERS

from .conftest import CHEF_E1, STAFF_E1, U, org_event_body

pytestmark = pytest.mark.integration


@pytest.fixture
def probe(env, broker_url, bus_namespace):
    """A queue bound to every Ordning event, declared before anything happens."""
    connection = Connection(broker_url)
    channel = connection.channel()
    exchange = Exchange(f"{bus_namespace}.events", type="topic", durable=True)
    queue = Queue(f"{bus_namespace}.probe", exchange=exchange, routing_key="se.ordning.#", durable=False,
                  auto_delete=False)
    exchange(channel).declare()
    bound = queue(channel)
    bound.declare()
    received: list[CloudEvent] = []

    def drain():
        while True:
            message = bound.get(no_ack=True)
            if message is None:
                return received
            received.append(JSONFormat().read(CloudEvent, message.body))

    yield drain
    connection.release()


def of_type(events, event_type):
    return [e for e in events if e.get_type() == event_type]


def test_report_and_action_events(env, probe):
    c = env.client
    description = "Brukaren föll i duschen, personalnamn Lisa"
    with BackgroundWorker(env.platform, HANDLERS):
        r = c.post("/api/v1/deviations", headers=env.auth(*STAFF_E1),
                   json={"kind": "avvikelse", "unit_id": U["e1"], "description": description,
                         "immediate_action": "Ringde sjuksköterska"})
        assert r.status_code == 201
        did = r.get_json()["id"]
        reported = wait_until(lambda: of_type(probe(), "se.ordning.deviation.reported.v1"), timeout=20,
                              message="the reported event")
        event = reported[0]
        assert event.get_source() == "/ordning/0138/deviations"
        assert event.get_subject() == did
        assert event.get_attributes()["tenant"] == "0138"
        data = event.get_data()
        assert data["deviation_id"] == did and data["unit_id"] == U["e1"] and data["kind"] == "avvikelse"
        text = json.dumps(data, ensure_ascii=False)
        assert description not in text and "Lisa" not in text and "Ringde" not in text
        assert "anna" not in text and "reported_by" not in data

        chef = env.auth(*CHEF_E1)
        r = c.post(f"/api/v1/deviations/{did}/actions", headers=chef,
                   json={"title": "Halkskydd i duschen", "owner": "erik", "due_date": "2030-06-30",
                         "description": "Köp mattor"})
        assert r.status_code == 201
        created = wait_until(lambda: of_type(probe(), "se.ordning.action.created.v1"), timeout=20,
                             message="the action event")
        action_data = created[0].get_data()
        assert action_data["origin_type"] == "deviation" and action_data["origin_id"] == did
        # the owner's user id, so that notify can tell them (as a role event names its holder); never the text
        assert action_data["owner_id"] == "erik"
        assert "Halkskydd" not in json.dumps(action_data) and "mattor" not in json.dumps(action_data)

        # received through the same worker: an org event from the bus reaches the replica
        assert env.act(did, "receive", chef).status_code == 200
        wait_until(lambda: of_type(probe(), "se.ordning.deviation.received.v1"), timeout=20,
                   message="the received event")


def test_worker_consumes_org_events_from_the_bus(env, broker_url, bus_namespace):
    from ordning_shared.bus import Publisher
    from ordning_shared.testing import make_settings

    new_unit = "a0000000-0000-0000-0000-0000000000e7"
    body = org_event_body("0138", new_unit, "enhet", U["v"]).decode()
    with BackgroundWorker(env.platform, HANDLERS):
        processes = make_settings("processes", database_url="sqlite://", broker_url=broker_url,
                                  data_dir=env.settings.data_dir, bus_namespace=bus_namespace)
        publisher = Publisher(processes)
        # the worker declares its queue once it runs; publish until the unit arrives
        def arrived():
            publisher.publish(body, json.loads(body))
            with env.platform.engine.connect() as conn:
                from ordning_deviations import db
                return db.open_unit(conn, "0138", new_unit) is not None
        wait_until(arrived, timeout=20, interval=0.5, message="the org unit in the replica")
        publisher.close()
    r = env.client.post("/api/v1/deviations", headers=env.auth("p", ["medarbetare"], ["v"]),
                        json={"kind": "synpunkt", "unit_id": new_unit, "description": "x"})
    assert r.status_code == 201
