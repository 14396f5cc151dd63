"""Done when (issue 13): lex Sarah reports published on ordning.events as the deviations service publishes them reach
the enhetschef, verksamhetschef and förvaltningschef of their unit once each, over real RabbitMQ and PostgreSQL,
with the worker on its own broker user: when an event is delivered twice, and when the worker is killed (SIGKILL)
in the middle of its deliveries, before or after a commit, and a new one takes over."""
from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace

import pytest
import sqlalchemy as sa
from ordning_shared.bus import connect, declare_topology, retry_queues, service_queues
from ordning_shared.testing import BackgroundWorker, process_env, publish_on_bus, wait_until

from ordning_notify.app import create_app
from ordning_notify.db import notices
from ordning_notify.handlers import HANDLERS

from .conftest import A, ROLE_HOLDERS, Env, reported_event_body, role_event_body

pytestmark = pytest.mark.integration
CHIEFS_OF_E1 = ["erik", "frida", "vera"]


def _notices(platform) -> list:
    """The notices the reports gave (a worker process also runs the deadline scheduler, whose reminders of the
    reports' receipt dates, long past, are not these)."""
    with platform.engine.connect() as conn:
        return conn.execute(sa.select(notices.c.event_id, notices.c.recipient, notices.c.kind)
                            .where(notices.c.tenant == A, notices.c.event_source != f"/ordning/{A}/notify")).all()


@pytest.fixture
def bus_env(migrated_settings, service_broker_url):
    """The app and platform on the notify broker user, with the org tree fed; its queue declared (bound to every
    type it handles) before anything is published, so every event waits there for a worker."""
    from ordning_shared.testing import ORG_TREE, org_event_body

    settings = replace(migrated_settings("notify"), broker_url=service_broker_url("notify"))
    app = create_app(settings)
    env = Env(app=app, client=app.test_client(), platform=app.extensions["ordning"], settings=settings)
    for tenant, unit_id, kind, parent in ORG_TREE:
        assert env.feed(org_event_body(tenant, unit_id, kind, parent)) == "processed"
    work, dead = service_queues(settings, sorted(HANDLERS))
    with connect(settings) as connection:
        declare_topology(settings, connection, [dead, *retry_queues(settings), work])
    yield env
    env.platform.dispose()


def test_a_lex_sarah_report_delivered_twice_reaches_the_three_chiefs_once_each(bus_env, broker_url):
    env, namespace = bus_env, bus_env.settings.bus_namespace
    for tenant, user_id, role, unit in ROLE_HOLDERS:  # as the processes service publishes its role assignments
        publish_on_bus(broker_url, namespace, role_event_body(tenant, user_id, role, unit))
    report = reported_event_body(A, "e1", "lex_sarah")
    publish_on_bus(broker_url, namespace, report)
    publish_on_bus(broker_url, namespace, report)  # the broker delivers it again (at least once)
    with BackgroundWorker(env.platform, HANDLERS):
        wait_until(lambda: len(_notices(env.platform)) >= 3, timeout=30, message="three notices")
        # the second delivery is consumed after the first: wait until the queue is empty, then look again
        with connect(env.settings) as connection:
            queue = service_queues(env.settings, [])[0](connection.default_channel)
            wait_until(lambda: queue.queue_declare(passive=True).message_count == 0, timeout=30,
                       message="the queue drained")
        time.sleep(0.5)
    given = _notices(env.platform)
    assert sorted(recipient for _event, recipient, _kind in given) == CHIEFS_OF_E1
    assert {kind for _event, _recipient, kind in given} == {"lex_sarah_reported"}
    for who in ("erik", "vera", "frida"):
        inbox = env.client.get("/api/v1/notices", headers=env.auth(who, ["enhetschef"])).get_json()["items"]
        assert [(n["kind"], n["unit_name"]) for n in inbox] == [("lex_sarah_reported", "enhet e1")]


# Runs the notify worker with one of its steps wrapped: at the 8th lex Sarah report it kills itself, either inside
# the event's transaction after its notices were written ("before-commit") or after the commit, before the
# acknowledgement ("after-commit").
DYING_WORKER = """
import os, signal, sys
from ordning_shared import consumer
from ordning_notify import handlers, service

when, seen = sys.argv[1], []
real_give, real_handle = service.give_notices, consumer.handle_event

def give(uow, cloudevent):
    given = real_give(uow, cloudevent)
    if cloudevent.get_type().endswith("deviation.reported.v1"):
        seen.append(cloudevent.get_id())
        if when == "before-commit" and len(seen) == 8:
            os.kill(os.getpid(), signal.SIGKILL)
    return given

def handle(platform, handlers_, body):
    outcome = real_handle(platform, handlers_, body)
    if when == "after-commit" and len(seen) == 8:
        os.kill(os.getpid(), signal.SIGKILL)
    return outcome

handlers.REACTIONS[handlers.REACTIONS.index(real_give)] = give
consumer.handle_event = handle
from ordning_notify.app import worker
worker()
"""


@pytest.mark.parametrize("when", ["before-commit", "after-commit"])
def test_a_worker_killed_mid_batch_loses_no_notice_and_gives_none_twice(bus_env, broker_url, when):
    env, namespace = bus_env, bus_env.settings.bus_namespace
    for tenant, user_id, role, unit in ROLE_HOLDERS:
        publish_on_bus(broker_url, namespace, role_event_body(tenant, user_id, role, unit))
    reports = [reported_event_body(A, "e1", "lex_sarah") for _ in range(20)]
    for report in reports:
        publish_on_bus(broker_url, namespace, report)

    dying = subprocess.Popen([sys.executable, "-c", DYING_WORKER, when], env=process_env(env.settings))
    try:
        assert dying.wait(timeout=120) == -9, "the worker was not killed mid-batch"
    finally:
        if dying.poll() is None:
            dying.kill()
    before = Counter(event for event, _recipient, _kind in _notices(env.platform))
    assert len(before) == (7 if when == "before-commit" else 8), before  # the 8th is lost, or committed unacked

    with BackgroundWorker(env.platform, HANDLERS):  # a new worker: the unacknowledged deliveries come again
        wait_until(lambda: len(_notices(env.platform)) >= 60, timeout=60, interval=0.2, message="60 notices")
        time.sleep(0.5)  # anything given twice would be there by now
    given = _notices(env.platform)
    per_event = Counter(event for event, _recipient, _kind in given)
    assert len(given) == 60 and len(per_event) == 20 and set(per_event.values()) == {3}
    for event in per_event:
        assert sorted(r for e, r, _k in given if e == event) == CHIEFS_OF_E1
