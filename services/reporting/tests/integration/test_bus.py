"""Events published through RabbitMQ reach the reporting worker (on its own broker user, its queue bound to every
event type) and are counted; a shuffled stream with repeats gives the figures of the ordered one."""
from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date

import pytest
from ordning_shared.bus import Publisher
from ordning_shared.testing import BackgroundWorker, make_settings, wait_until

from ordning_reporting.app import create_app
from ordning_reporting.handlers import HANDLERS

from .conftest import KVAL_N, Env, make_env, value
from .model_streams import random_model_history
from .streams import A, U, Case, body, org_bodies, random_history

pytestmark = pytest.mark.integration


def test_events_published_on_the_bus_are_stored_and_counted(migrated_settings, broker_url, service_broker_url,
                                                            bus_namespace):
    settings = migrated_settings("reporting")
    own = replace(settings, broker_url=service_broker_url("reporting"))
    app = create_app(own)
    env = Env(app=app, client=app.test_client(), platform=app.extensions["ordning"], settings=own)
    reference = make_env(migrated_settings("reporting"))
    publisher = Publisher(make_settings("deviations", database_url="sqlite://", broker_url=broker_url,
                                        data_dir=settings.data_dir, bus_namespace=bus_namespace))

    def publish(raw: bytes) -> None:
        publisher.publish(raw.decode(), json.loads(raw))

    history = random_history(7, cases=30, actions=10) + random_model_history(7)  # risks, documents, goals too
    probe = Case(A, "avvikelse", U["e1"], date(2025, 6, 1)).report().bodies[0]
    for raw in org_bodies() + [probe] + history:  # the same history, in order, through the consumer
        reference.feed(raw)
    stream = history + random.Random(7).sample(history, 10)
    random.Random(8).shuffle(stream)
    try:
        with BackgroundWorker(env.platform, HANDLERS):
            # the worker declares its queue once it runs: publish the org tree and a probe until it is counted
            def probe_counted():
                for raw in org_bodies() + [probe]:
                    publish(raw)
                r = env.client.get("/api/v1/figures?from=2025-06-01&to=2025-06-30", headers=env.auth(*KVAL_N))
                return r.status_code == 200 and value(r.get_json(), "deviations", "total") == 1
            wait_until(probe_counted, timeout=30, interval=0.5, message="the probe case counted")
            for raw in stream:
                publish(raw)
            publish(body("se.ordning.goal.measurement_recorded.v1", A, "g1", {"goal_id": "g1"}, 1, "processes"))
            expected = reference.figures()["sections"]
            wait_until(lambda: env.figures()["sections"] == expected, timeout=30, interval=0.5,
                       message="the figures of the ordered stream")
        assert value(env.figures(), "deviations", "total") > 0
        assert value(env.figures(), "risks", "risks_identified") > 0
        assert value(env.figures(), "documents", "established") > 0
        assert env.cubes() == reference.cubes()
    finally:
        publisher.close()
        env.platform.dispose()
        reference.platform.dispose()
