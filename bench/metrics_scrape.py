"""Benchmark: what a /metrics scrape of the deviations service costs on a large table.

Fills a fresh PostgreSQL database (migrated as the service's own) with BENCH_CASES cases (default 100,000)
over BENCH_TENANTS tenants (default 50), every kind and status, and a third as many improvement actions;
then times the domain metrics' refresh (ordning_deviations.metrics.refresh: two grouped queries) and prints
the median and the slowest of BENCH_SCRAPES scrapes, and PostgreSQL's plan of the cases query.
Run: .venv/bin/python bench/metrics_scrape.py   (PostgreSQL on localhost, or BENCH_DATABASE_URL)
"""
from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import psycopg
import sqlalchemy as sa

from ordning_deviations import db, metrics
from ordning_deviations.domain import Kind, Status
from ordning_shared.migrations import upgrade
from ordning_shared.testing import make_settings

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@localhost:5432/postgres")
CASES = int(os.environ.get("BENCH_CASES", "100000"))
TENANTS = int(os.environ.get("BENCH_TENANTS", "50"))
SCRAPES = int(os.environ.get("BENCH_SCRAPES", "20"))
NOW = datetime(2026, 6, 1, 9, tzinfo=timezone.utc)


def fill(engine) -> None:
    rng = random.Random(7)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    cases, actions = [], []
    for n in range(CASES):
        reported = start + timedelta(minutes=rng.randrange(0, 800_000))
        status = rng.choice(list(Status))
        case_id = str(uuid.uuid4())
        cases.append({
            "id": case_id, "tenant": f"{1000 + n % TENANTS}", "reference": f"{reported.year}-{n:06d}",
            "kind": rng.choice(list(Kind)).value, "status": status.value, "origin": "staff",
            "unit_id": str(uuid.uuid4()), "description": "x", "reported_at": reported, "reported_by": "bench",
            "received_at": None if status is Status.reported else reported,
            "receipt_due": (reported + timedelta(days=3)).date(),
            "investigation_due": (reported + timedelta(days=30)).date(), "version": 1})
        if n % 3 == 0:
            actions.append({
                "id": str(uuid.uuid4()), "tenant": cases[-1]["tenant"], "origin_type": db.ORIGIN_TYPE,
                "origin_id": case_id, "unit_id": cases[-1]["unit_id"], "title": "x", "description": "",
                "owner": "bench", "due_date": (reported + timedelta(days=60)).date(),
                "status": rng.choice(["planned", "in_progress", "done", "cancelled"]), "created_at": reported,
                "effect_followup": "", "version": 1})
    with engine.begin() as conn:
        for i in range(0, len(cases), 5000):
            conn.execute(db.deviations.insert(), cases[i:i + 5000])
        for i in range(0, len(actions), 5000):
            conn.execute(db.actions.insert(), actions[i:i + 5000])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE deviations"))
        conn.execute(sa.text("VACUUM ANALYZE improvement_actions"))


def main() -> None:
    name = f"ordning_bench_metrics_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = SERVER.rsplit("/", 1)[0] + "/" + name
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = make_settings("deviations", database_url=url, broker_url="filesystem://",
                                     data_dir=Path(folder))
            upgrade("deviations", settings)
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        began = time.perf_counter()
        fill(engine)
        print(f"{CASES} cases over {TENANTS} tenants filled in {time.perf_counter() - began:.1f} s")
        platform = SimpleNamespace(engine=engine)
        metrics.refresh(platform, now=NOW)  # warm: the connection pool and the plans
        times = []
        for _ in range(SCRAPES):
            began = time.perf_counter()
            metrics.refresh(platform, now=NOW)
            times.append((time.perf_counter() - began) * 1000)
        print(f"refresh of the domain metrics: median {statistics.median(times):.1f} ms, "
              f"slowest {max(times):.1f} ms over {SCRAPES} scrapes")
        c = db.deviations.c
        open_statuses = [s.value for s in Status if s not in (Status.closed, Status.rejected)]
        queries = {"cases": sa.select(c.tenant, c.kind, c.status, sa.func.count()).group_by(c.tenant, c.kind, c.status),
                   "overdue cases": sa.select(c.tenant, c.kind, sa.func.count()).where(
                       c.status.in_(open_statuses), db.overdue_clause(date(2026, 6, 1))).group_by(c.tenant, c.kind)}
        with engine.connect() as conn:
            for label, query in queries.items():
                compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
                plan = [row[0] for row in conn.execute(sa.text(f"EXPLAIN ANALYZE {compiled}"))]
                print(f"{label}: {plan[-1].strip()}; {next(line.strip() for line in plan if 'Scan' in line)}")
        engine.dispose()
    finally:
        with psycopg.connect(SERVER, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
