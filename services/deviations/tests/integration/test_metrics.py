"""Domain metrics on /metrics: cases by tenant, kind and status, overdue cases and overdue actions, read from
the database at each scrape (PostgreSQL and SQLite), with labels from fixed sets only."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from ordning_deviations import db, metrics
from ordning_deviations.domain import Deviation, Investigation, Kind, Status

REPORTED_AT = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
NOW = datetime(2026, 3, 20, 9, tzinfo=timezone.utc)  # every case below is past its receipt deadline by then


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'deviations.db'}")
        db.metadata.create_all(engine)
    else:
        settings = request.getfixturevalue("migrated_settings")("deviations")
        engine = sa.create_engine(settings.database_url)
    yield engine
    engine.dispose()


def case(tenant: str, n: int, kind: Kind, status: Status, received: bool) -> Deviation:
    return Deviation(id=str(uuid.uuid4()), tenant=tenant, kind=kind, status=status, unit_id=str(uuid.uuid4()),
                     description="Namn Namnsson föll", reported_at=REPORTED_AT, reported_by="anna",
                     received_at=REPORTED_AT if received else None, receipt_due=date(2026, 3, 4),
                     investigation_due=date(2026, 4, 30), investigation=Investigation())


def action_row(tenant: str, origin_id: str, due: date, status: str) -> dict:
    return {"id": str(uuid.uuid4()), "tenant": tenant, "origin_type": db.ORIGIN_TYPE, "origin_id": origin_id,
            "unit_id": str(uuid.uuid4()), "title": "Ring Anna", "description": "", "owner": "erik", "due_date": due,
            "status": status, "created_at": REPORTED_AT, "effect_followup": "", "version": 1}


def value(name: str, **labels) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_a_scrape_counts_cases_overdue_cases_and_overdue_actions_per_tenant(engine):
    first, second = f"t{uuid.uuid4().hex[:8]}", f"t{uuid.uuid4().hex[:8]}"
    cases = [case(first, 0, Kind.avvikelse, Status.reported, received=False),  # not received in time: overdue
             case(first, 1, Kind.avvikelse, Status.reported, received=False),
             case(first, 2, Kind.avvikelse, Status.received, received=True),  # received, investigation not due
             case(first, 3, Kind.lex_sarah, Status.closed, received=True),
             case(second, 4, Kind.klagomal, Status.reported, received=False)]
    with engine.begin() as conn:
        for n, dev in enumerate(cases):
            db.insert(conn, dev, reference=f"2026-{n:06d}")
        conn.execute(db.actions.insert(), [
            action_row(first, cases[2].id, date(2026, 3, 10), "planned"),  # overdue
            action_row(first, cases[2].id, date(2026, 3, 10), "in_progress"),  # overdue
            action_row(first, cases[2].id, date(2026, 3, 10), "done"),  # done: not overdue
            action_row(first, cases[2].id, date(2026, 5, 1), "planned"),  # not due yet
        ])

    metrics.refresh(SimpleNamespace(engine=engine), now=NOW)

    assert value("ordning_deviation_cases", tenant=first, kind="avvikelse", status="reported") == 2
    assert value("ordning_deviation_cases", tenant=first, kind="avvikelse", status="received") == 1
    assert value("ordning_deviation_cases", tenant=first, kind="lex_sarah", status="closed") == 1
    assert value("ordning_deviation_cases", tenant=first, kind="synpunkt", status="rejected") == 0  # every pair
    assert value("ordning_deviation_cases", tenant=second, kind="klagomal", status="reported") == 1
    assert value("ordning_deviation_cases_overdue", tenant=first, kind="avvikelse") == 2
    assert value("ordning_deviation_cases_overdue", tenant=first, kind="lex_sarah") == 0  # closed: nothing due
    assert value("ordning_deviation_cases_overdue", tenant=second, kind="klagomal") == 1
    assert value("ordning_deviation_actions_overdue", tenant=first) == 2
    assert value("ordning_deviation_actions_overdue", tenant=second) == 0

    # A count that falls to zero is reported as zero, not kept at its last value.
    with engine.begin() as conn:
        conn.execute(db.deviations.update().where(db.deviations.c.tenant == first)
                     .values(status=Status.closed.value))
        conn.execute(db.actions.update().values(status="done"))
    metrics.refresh(SimpleNamespace(engine=engine), now=NOW)
    assert value("ordning_deviation_cases", tenant=first, kind="avvikelse", status="reported") == 0
    assert value("ordning_deviation_cases", tenant=first, kind="avvikelse", status="closed") == 3
    assert value("ordning_deviation_cases_overdue", tenant=first, kind="avvikelse") == 0
    assert value("ordning_deviation_actions_overdue", tenant=first) == 0


def test_metrics_carry_the_domain_gauges_and_no_text(env):
    from .conftest import STAFF_E1

    env.report(description="Sven Svensson i rum 12 föll", who=STAFF_E1)
    body = env.client.get("/metrics").get_data(as_text=True)
    assert 'ordning_deviation_cases{kind="avvikelse",status="reported",tenant="0138"} 1.0' in body
    assert 'ordning_deviation_cases_overdue{kind="avvikelse",tenant="0138"} 0.0' in body
    assert 'ordning_deviation_actions_overdue{tenant="0138"} 0.0' in body
    assert "Svensson" not in body and "anna" not in body
    names = {line.split("{")[0] for line in body.splitlines() if line.startswith("ordning_deviation_")}
    for line in body.splitlines():
        if line.split("{")[0] in names and "{" in line:
            labels = dict(part.split("=", 1) for part in line.split("{", 1)[1].split("}")[0].split(","))
            assert set(labels) <= {"tenant", "kind", "status"}
            assert labels.get("kind", '"avvikelse"').strip('"') in metrics.KINDS
            assert labels.get("status", '"reported"').strip('"') in metrics.STATUSES
