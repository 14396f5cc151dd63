"""The deviations service's domain metrics on /metrics, next to the platform's RED metrics: cases by kind and
status, overdue cases and overdue improvement actions, per tenant.

Read from the database at each scrape (like the outbox backlog), so every replica reports the same numbers.
Every label comes from a fixed set: the tenant code, and kind and status from the domain's enumerations;
nothing of a case's text or its people. Each tenant seen gets every kind and status, zeros included, so a
count that falls to zero is reported as zero rather than kept at its last value.
"""
from __future__ import annotations

from datetime import datetime

from ordning_shared.db import utcnow
from ordning_shared.platform import Platform
from prometheus_client import Gauge

from . import db
from . import domain as d

# "mostrecent": under gunicorn each worker sets these when it answers a scrape; the latest setting counts.
CASES = Gauge("ordning_deviation_cases", "Deviation cases by tenant, kind and status",
              ["tenant", "kind", "status"], multiprocess_mode="mostrecent")
CASES_OVERDUE = Gauge("ordning_deviation_cases_overdue",
                      "Open deviation cases past a deadline (receipt, investigation or IVO report)",
                      ["tenant", "kind"], multiprocess_mode="mostrecent")
ACTIONS_OVERDUE = Gauge("ordning_deviation_actions_overdue",
                        "Open improvement actions of deviation cases past their due date",
                        ["tenant"], multiprocess_mode="mostrecent")

KINDS = [kind.value for kind in d.Kind]
STATUSES = [status.value for status in d.Status]


def refresh(platform: Platform, now: datetime | None = None) -> None:
    """Set the gauges from three grouped queries (the scrape's whole cost; bench/metrics_scrape.py measures it)."""
    today = d.local_date(now or utcnow())
    with platform.engine.connect() as connection:
        counts = db.case_counts(connection)
        late = db.overdue_case_counts(connection, today)
        overdue_actions = db.overdue_action_counts(connection, today)
    cases = {(tenant, kind, status): number for tenant, kind, status, number in counts}
    for tenant in sorted({row[0] for row in counts} | set(overdue_actions)):
        for kind in KINDS:
            for status in STATUSES:
                CASES.labels(tenant, kind, status).set(cases.get((tenant, kind, status), 0))
            CASES_OVERDUE.labels(tenant, kind).set(late.get((tenant, kind), 0))
        ACTIONS_OVERDUE.labels(tenant).set(overdue_actions.get(tenant, 0))
