"""A reporting worker killed (SIGKILL) in the middle of a batch, before or after its commit, loses nothing and
counts nothing twice: the broker delivers the unacknowledged events again and the event store's key (source, id)
stores and counts each once."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from ordning_shared.bus import Publisher, connect, declare_topology, retry_queues, service_queues
from ordning_shared.testing import BackgroundWorker, process_env, wait_until

from ordning_reporting import db
from ordning_reporting.handlers import HANDLERS

from .conftest import make_env
from .streams import org_bodies, random_history

pytestmark = pytest.mark.integration

# Runs the worker with its batch fold wrapped: the first batch of more than one event kills the process, either
# inside the transaction after every statement of the fold ran ("before-commit") or after the commit, before any
# acknowledgement ("after-commit").
DYING_WORKER = """
import os, signal, sys
from ordning_shared import consumer
from ordning_reporting.handlers import EveryEvent

when = sys.argv[1]
real_fold, real_batch = EveryEvent.handle_batch, consumer.handle_batch

def fold(uow, events):
    outcomes = real_fold(uow, events)
    if when == "before-commit" and len(events) > 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return outcomes

def batch(platform, handlers, events):
    outcomes = real_batch(platform, handlers, events)
    if when == "after-commit" and len(events) > 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return outcomes

EveryEvent.handle_batch = staticmethod(fold)
consumer.handle_batch = batch
from ordning_reporting.app import worker
worker()
"""


@pytest.mark.parametrize("when", ["before-commit", "after-commit"])
def test_a_worker_killed_in_a_batch_loses_nothing_and_counts_nothing_twice(migrated_settings, when):
    settings = migrated_settings("reporting")
    reference = make_env(migrated_settings("reporting"))
    env = make_env(settings)
    history = random_history(11, cases=60, actions=20)
    for raw in org_bodies() + history:
        reference.feed(raw)
    queues = service_queues(settings, sorted(HANDLERS))
    with connect(settings) as connection:  # the queue exists before the worker: every event waits in it
        declare_topology(settings, connection, [queues[1], *retry_queues(settings), queues[0]])
    publisher = Publisher(settings)
    for raw in org_bodies() + history:
        publisher.publish(raw.decode(), json.loads(raw))
    publisher.close()

    dying = subprocess.Popen([sys.executable, "-c", DYING_WORKER, when], env=process_env(settings))
    try:
        assert dying.wait(timeout=120) == -9, "the worker was not killed in a batch"
    finally:
        if dying.poll() is None:
            dying.kill()
    with env.platform.engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(db.event_store)).scalar()
    total = len(org_bodies()) + len(history)
    assert stored < total and (when == "before-commit" or stored > 0), stored  # killed before the end

    with BackgroundWorker(env.platform, HANDLERS):  # a fresh worker: the unacknowledged events come again
        def all_stored():
            with env.platform.engine.connect() as conn:
                return conn.execute(sa.select(sa.func.count()).select_from(db.event_store)).scalar() == total
        wait_until(all_stored, timeout=60, interval=0.2, message="every event stored")
        time.sleep(0.5)  # anything delivered a third time would be counted by now
    assert env.facts() == reference.facts()
    assert env.cubes() == reference.cubes()
    assert env.figures()["sections"] == reference.figures()["sections"]
    env.platform.dispose()
    reference.platform.dispose()
