"""The risks service's domain metrics on /metrics, next to the platform's RED metrics: analyses by status and
risks in the risk treatment plan, per tenant.

Read from the database at each scrape, so every replica reports the same numbers. Every label comes from a fixed
set: the tenant code and the domain's statuses; nothing of an analysis's text or its people. Each tenant seen gets
every status, zeros included, so a count that falls to zero is reported as zero.
"""
from __future__ import annotations

import sqlalchemy as sa
from ordning_shared.platform import Platform
from prometheus_client import Gauge

from . import db
from . import domain as d

# "mostrecent": under gunicorn each worker sets these when it answers a scrape; the latest setting counts.
ANALYSES = Gauge("ordning_risk_analyses", "Risk analyses by tenant and status", ["tenant", "status"],
                 multiprocess_mode="mostrecent")
RISKS_IN_PLAN = Gauge("ordning_risks_in_plan",
                      "Risks whose current level is at or above their matrix's plan threshold", ["tenant"],
                      multiprocess_mode="mostrecent")

STATUSES = [status.value for status in d.AnalysisStatus]


def refresh(platform: Platform) -> None:
    a, r = db.risk_analyses.c, db.risks.c
    with platform.engine.connect() as connection:
        counts = connection.execute(sa.select(a.tenant, a.status, sa.func.count()).group_by(a.tenant, a.status)).all()
        in_plan = dict(connection.execute(sa.select(r.tenant, sa.func.count()).where(r.in_plan.is_(True))
                                          .group_by(r.tenant)).all())
    analyses = {(tenant, status): number for tenant, status, number in counts}
    for tenant in sorted({row[0] for row in counts} | set(in_plan)):
        for status in STATUSES:
            ANALYSES.labels(tenant, status).set(analyses.get((tenant, status), 0))
        RISKS_IN_PLAN.labels(tenant).set(in_plan.get(tenant, 0))
