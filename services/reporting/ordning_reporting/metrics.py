"""The reporting service's metrics on /metrics, next to the platform's: the events stored and the facts kept,
per tenant and read model, read from the database at each scrape (every replica reports the same numbers)."""
from __future__ import annotations

import sqlalchemy as sa
from ordning_shared.platform import Platform
from prometheus_client import Gauge

from . import db

EVENTS_STORED = Gauge("ordning_reporting_events_stored", "Events in the reporting event store", ["tenant"],
                      multiprocess_mode="mostrecent")
FACTS = Gauge("ordning_reporting_facts", "Facts (aggregates) kept per read model", ["tenant", "model"],
              multiprocess_mode="mostrecent")


def refresh(platform: Platform) -> None:
    e, f = db.event_store.c, db.facts.c
    with platform.engine.connect() as connection:
        stored = connection.execute(sa.select(e.tenant, sa.func.count()).group_by(e.tenant)).all()
        facts = connection.execute(sa.select(f.tenant, f.model, sa.func.count()).group_by(f.tenant, f.model)).all()
    for tenant, number in stored:
        EVENTS_STORED.labels(tenant).set(number)
    for tenant, model, number in facts:
        FACTS.labels(tenant, model).set(number)
