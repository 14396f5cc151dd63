"""Benchmark: the reporting service's rebuild and the kvalitetsberättelse figures of a large municipality (issue 12).

Loads BENCH_DEVIATION_EVENTS deviation events (default 1,000,000) and BENCH_RISK_EVENTS risk events (default
100,000) of one tenant with 10 förvaltningar and 300 units straight into the reporting service's event store on a
fresh PostgreSQL database (COPY: the store as the worker would have filled it, with the organisation tree's
events), then prints:

- the rebuild (`ordning-reporting-rebuild`'s function, every read model) time and events/s (target >= 5,000/s);
- the time to produce the whole municipality's figures for a year, as JSON (the figures API's service function,
  service.figures: every section of the kvalitetsberättelse), median of BENCH_REPEAT runs after one warm-up;
- in the same run, the same figures by plain SQL GROUP BY queries over a flat table of the same rows (one row
  per case, typed columns, indexed on tenant and day): by kind and origin, category, process step, unit, month,
  the lex and complaint measures and the mean/median/max days; and the ratio (targets: the report under 1 s
  and no slower than the GROUP BY);
- the time to suppress those figures' small counts as a yearly report takes them (300 units;
  bench/report_suppression.py prints it for 30 to 1,000 units with many small ones).

Every event is folded by the rebuild: deviations, the organisation tree and the risk analyses and risks (the
risks read model), so the events/s is over all of them. The figures it checks against the GROUP BY (totals by
kind) must agree, or the benchmark says so.

Run: make bench BENCH=reporting; BENCH_DEVIATION_EVENTS=50000 BENCH_RISK_EVENTS=5000 for a quick run.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from post_deviation import create_database, drop_database

ROOT = Path(__file__).resolve().parent.parent
DEVIATION_EVENTS = int(os.environ.get("BENCH_DEVIATION_EVENTS", "1000000"))
RISK_EVENTS = int(os.environ.get("BENCH_RISK_EVENTS", "100000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
SEED = int(os.environ.get("BENCH_SEED", "12"))
TENANT = "0138"
YEAR = 2026
ADMINISTRATIONS, UNITS = 10, 300
CATEGORIES = [str(uuid.UUID(int=0xC0 << 120 | n)) for n in range(1, 16)]
KINDS = (("avvikelse", 0.70), ("lex_sarah", 0.05), ("lex_maria", 0.05), ("klagomal", 0.12), ("synpunkt", 0.08))
COPY_COLUMNS = ("tenant", "source", "event_id", "type", "subject", "sequence", "time", "data", "received_at")


def uid(prefix: int, n: int) -> str:
    return str(uuid.UUID(int=prefix << 120 | n))


def org_tree() -> tuple[list[tuple], list[str], dict[str, str]]:
    """(events, unit ids, unit -> its förvaltning): a nämnd, 10 förvaltningar, 30 units each."""
    board = uid(0xB0, 1)
    rows, units, administration_of = [("board", board, None)], [], {}
    for a in range(ADMINISTRATIONS):
        administration = uid(0xA0, a + 1)
        rows.append(("administration", administration, board))
        for u in range(UNITS // ADMINISTRATIONS):
            unit = uid(0xE0, a * 1000 + u + 1)
            rows.append(("unit" if u % 10 else "external_provider", unit, administration))
            units.append(unit)
            administration_of[unit] = administration
    events = [("se.ordning.org_unit.created.v1", unit_id, None, None, "processes",
               {"unit_id": unit_id, "kind": kind, "name": f"{kind} {i}", "parent_id": parent, "closed_at": None,
                "revision": 1}) for i, (kind, unit_id, parent) in enumerate(rows)]
    return events, units, administration_of


def at(day: dt.date, hours: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hours, tzinfo=dt.timezone.utc)


def deviation_events(rng: random.Random, units: list[str], budget: int):
    """Cases as the deviations service publishes them, until `budget` events: (type, subject, sequence, time,
    service, data)."""
    kinds, weights = zip(*KINDS)
    first, days = dt.date(YEAR - 1, 7, 1), (dt.date(YEAR, 11, 20) - dt.date(YEAR - 1, 7, 1)).days
    produced = 0
    while produced < budget:
        case, kind = str(uuid.uuid4()), rng.choices(kinds, weights)[0]
        unit, category = rng.choice(units), rng.choice(CATEGORIES + [None])
        reported = first + dt.timedelta(days=rng.randrange(days))
        status, version, out = "reported", 0, []

        def emit(what, moment, **extra):
            nonlocal version
            version += 1
            out.append((f"se.ordning.deviation.{what}.v1", case, version, moment, "deviations",
                        {"deviation_id": case, "kind": kind, "unit_id": unit, "category_id": category,
                         "status": status, **extra, "version": version}))

        due = reported + dt.timedelta(days=14)
        emit("reported", at(reported), origin="citizen" if kind in ("klagomal", "synpunkt") and rng.random() < .4
             else "staff", anonymous=False, occurred_at=None, reported_at=at(reported).isoformat(),
             receipt_due=(reported + dt.timedelta(days=2)).isoformat(), investigation_due=due.isoformat(),
             ivo_due=due.isoformat() if kind.startswith("lex") else None)
        if rng.random() < 0.9:
            status = "received"
            emit("received", at(reported, 13), received_at=at(reported + dt.timedelta(days=rng.randint(0, 3))).isoformat())
            if rng.random() < 0.1:
                category = rng.choice(CATEGORIES)
                emit("category_changed", at(reported, 14), previous_category_id=None)
            if kind.startswith("lex"):
                status = "investigating"
                emit("investigation_started", at(reported, 15), started_at=at(reported + dt.timedelta(days=1)).isoformat())
                serious = rng.random() < 0.5
                emit("seriousness_decided", at(reported, 16), serious=serious, revised=False,
                     decided_at=at(reported + dt.timedelta(days=rng.randint(1, 6))).isoformat())
                if serious:
                    emit("ivo_reported", at(reported, 17),
                         ivo_reported_on=(reported + dt.timedelta(days=rng.randint(2, 25))).isoformat())
            if rng.random() < 0.7:
                previous, status = status, "closed"
                emit("closed", at(reported, 18), closed_at=at(reported + dt.timedelta(days=rng.randint(2, 45))).isoformat(),
                     closed_from=previous, serious=None)
        out = out[:budget - produced]
        produced += len(out)
        yield from out


def risk_events(rng: random.Random, units: list[str], budget: int):
    """Risk analyses and their risks, as the risks service publishes them (folded by the risks read model)."""
    produced = 0
    while produced < budget:
        analysis, unit = str(uuid.uuid4()), rng.choice(units)
        day = dt.date(YEAR, rng.randint(1, 11), rng.randint(1, 28))
        common = {"analysis_id": analysis, "unit_id": unit, "scope_type": "unit", "scope_id": unit,
                  "trigger": "planned", "trigger_change": None, "matrix_version": 1, "analysis_date": day.isoformat()}
        out = [("se.ordning.risk.analysis_started.v1", analysis, 1, at(day), "risks",
                {**common, "status": "in_progress", "version": 1, "started_at": at(day).isoformat()})]
        for _ in range(rng.randint(1, 6)):
            risk = str(uuid.uuid4())
            out.append(("se.ordning.risk.risk_identified.v1", risk, 1, at(day, 10), "risks",
                        {"risk_id": risk, "analysis_id": analysis, "unit_id": unit, "matrix_version": 1, "version": 1,
                         "identified_at": at(day, 10).isoformat()}))
            p, c = rng.randint(1, 4), rng.randint(1, 4)
            out.append(("se.ordning.risk.risk_scored.v1", risk, 2, at(day, 11), "risks",
                        {"risk_id": risk, "analysis_id": analysis, "unit_id": unit, "matrix_version": 1, "version": 2,
                         "scoring_id": str(uuid.uuid4()), "kind": "initial", "probability": p, "consequence": c,
                         "score": p * c, "level": "high" if p * c >= 8 else "low", "in_plan": p * c >= 8,
                         "scored_at": at(day, 11).isoformat()}))
        out.append(("se.ordning.risk.analysis_completed.v1", analysis, 2, at(day, 12), "risks",
                    {**common, "status": "completed", "version": 2, "completed_at": at(day, 12).isoformat(),
                     "risk_count": (len(out) - 1) // 2}))
        out = out[:budget - produced]
        produced += len(out)
        yield from out


def copy_events(url: str, events) -> int:
    """COPY the events into the event store, as the worker would have stored them."""
    received = dt.datetime.now(dt.timezone.utc).isoformat()
    count = 0
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy(f"COPY event_store ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
            for event_type, subject, sequence, moment, service, data in events:
                copy.write_row((TENANT, f"/ordning/{TENANT}/{service}", str(uuid.uuid4()), event_type, subject,
                                sequence, moment, json.dumps(data), received))
                count += 1
        connection.commit()
    return count


FLAT = """
CREATE TABLE flat_cases AS
SELECT tenant, aggregate_id AS case_id, unit_id, state->>'kind' AS kind, coalesce(state->>'origin', '') AS origin,
       coalesce(state->>'category_id', '') AS category_id, coalesce(state->>'process_step_id', '') AS process_step_id,
       (state->>'reported_on')::date AS reported_on, (state->>'received_on')::date AS received_on,
       (state->>'answered_on')::date AS answered_on, (state->>'answer_due')::date AS answer_due,
       (state->>'serious')::boolean AS serious, (state->>'ivo_reported_on')::date AS ivo_reported_on,
       (state->>'rejected')::boolean AS rejected, (state->>'possible_elsewhere')::boolean AS possible_elsewhere
FROM facts WHERE model = 'deviations';
CREATE INDEX ix_flat_cases_day ON flat_cases (tenant, reported_on);
ANALYZE flat_cases;
"""

# The figures of the deviations, lex and complaints sections, each by one GROUP BY over the flat rows.
GROUP_BY = {
    "by_kind_origin": """SELECT kind, origin, count(*) FILTER (WHERE NOT rejected) AS reported,
        count(*) FILTER (WHERE rejected) AS rejected, count(*) FILTER (WHERE possible_elsewhere AND NOT rejected),
        count(received_on) FILTER (WHERE NOT rejected), count(answered_on) FILTER (WHERE NOT rejected),
        count(*) FILTER (WHERE answered_on <= answer_due AND NOT rejected),
        count(serious) FILTER (WHERE NOT rejected), count(*) FILTER (WHERE serious AND NOT rejected),
        count(ivo_reported_on) FILTER (WHERE NOT rejected)
        FROM flat_cases WHERE tenant = %(t)s AND reported_on BETWEEN %(a)s AND %(b)s GROUP BY kind, origin""",
    "by_category": """SELECT category_id, count(*) FROM flat_cases WHERE tenant = %(t)s AND NOT rejected
        AND reported_on BETWEEN %(a)s AND %(b)s GROUP BY category_id""",
    "by_process": """SELECT process_step_id, count(*) FROM flat_cases WHERE tenant = %(t)s AND NOT rejected
        AND reported_on BETWEEN %(a)s AND %(b)s GROUP BY process_step_id""",
    "by_unit_kind": """SELECT unit_id, kind, count(*), count(*) FILTER (WHERE serious),
        count(ivo_reported_on) FROM flat_cases WHERE tenant = %(t)s AND NOT rejected
        AND reported_on BETWEEN %(a)s AND %(b)s GROUP BY unit_id, kind""",
    "by_month_kind": """SELECT date_trunc('month', reported_on), kind, count(*), count(*) FILTER (WHERE serious),
        count(ivo_reported_on) FROM flat_cases WHERE tenant = %(t)s AND NOT rejected
        AND reported_on BETWEEN %(a)s AND %(b)s GROUP BY 1, kind""",
    "days": """SELECT kind, avg(ivo_reported_on - reported_on), percentile_cont(0.5) WITHIN GROUP
        (ORDER BY ivo_reported_on - reported_on), max(ivo_reported_on - reported_on),
        avg(answered_on - reported_on), percentile_cont(0.5) WITHIN GROUP (ORDER BY answered_on - reported_on),
        max(answered_on - reported_on), avg(received_on - reported_on),
        percentile_cont(0.5) WITHIN GROUP (ORDER BY received_on - reported_on)
        FROM flat_cases WHERE tenant = %(t)s AND NOT rejected AND reported_on BETWEEN %(a)s AND %(b)s
        GROUP BY kind""",
}


def group_by_figures(connection) -> dict:
    params = {"t": TENANT, "a": dt.date(YEAR, 1, 1), "b": dt.date(YEAR, 12, 31)}
    return {name: connection.execute(query, params).fetchall() for name, query in GROUP_BY.items()}


def median_time(function, repeat: int) -> tuple[float, object]:
    function()  # warm-up: imports, the connection pool, PostgreSQL's caches
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    sys.path.insert(0, str(ROOT / "services" / "reporting"))
    from ordning_shared import migrations
    from ordning_shared.auth import Principal
    from ordning_shared.config import Settings

    from ordning_reporting import rebuild, service
    from ordning_reporting.app import make_platform
    from ordning_reporting.domain.report_suppression import suppressed_figures

    name, url = create_database()
    data_dir = Path(tempfile.mkdtemp(prefix="ordning-bench-"))
    env = dict(os.environ, ORDNING_ENV="embedded", ORDNING_DATA_DIR=str(data_dir), ORDNING_LOG_LEVEL="WARNING",
               ORDNING_REPORTING_DATABASE_URL=url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        settings = Settings.from_env("reporting", env)
        migrations.upgrade("reporting", settings)
        rng = random.Random(SEED)
        org, units, _administration_of = org_tree()
        started = time.perf_counter()
        loaded = copy_events(url, org)
        loaded += copy_events(url, deviation_events(rng, units, DEVIATION_EVENTS))
        loaded += copy_events(url, risk_events(rng, units, RISK_EVENTS))
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE event_store")
        print(f"loaded {loaded:,} events ({DEVIATION_EVENTS:,} deviation, {RISK_EVENTS:,} risk, {len(org)} org) "
              f"for one tenant, {ADMINISTRATIONS} förvaltningar, {UNITS} units, by COPY in "
              f"{time.perf_counter() - started:.1f} s", flush=True)

        platform = make_platform(settings)
        try:
            result = rebuild.rebuild(platform.engine, None, sys.stderr if sys.stderr.isatty() else None)
            print(f"rebuild (every read model): {result.events:,} events folded in {result.seconds:.1f} s = "
                  f"{result.events_per_second:,.0f} events/s (target >= 5,000/s; the {RISK_EVENTS:,} risk events "
                  f"included)", flush=True)
            from ordning_reporting.db import CUBE_TABLES
            with psycopg.connect(url) as connection:
                sizes = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                         for table in ("facts", *sorted(CUBE_TABLES))}
            print("  read models: " + ", ".join(f"{table} {count:,} rows" for table, count in sizes.items()))

            principal = Principal(subject="bench", tenant=TENANT, roles=frozenset({"kvalitetsutvecklare"}),
                                  org_units=(uid(0xB0, 1),))
            now = dt.datetime(YEAR, 11, 24, 12, tzinfo=dt.timezone.utc)

            def report():
                document = service.figures(platform, principal, None, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31),
                                           now=now)
                return json.dumps(document, default=str)

            report_s, document = median_time(report, REPEAT)
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(FLAT)
            with psycopg.connect(url) as connection:  # one connection, as the service's pool keeps one
                group_s, results = median_time(lambda: group_by_figures(connection), REPEAT)
        finally:
            platform.dispose()

        sections = {s["key"]: s for s in json.loads(document)["sections"]}
        by_kind = {row["kind"]: row["reported"] for row in next(
            f for f in sections["deviations"]["figures"] if f["key"] == "by_kind")["rows"]}
        flat = {}
        for kind, _origin, reported, *_rest in results["by_kind_origin"]:
            flat[kind] = flat.get(kind, 0) + reported
        agree = all(by_kind.get(kind, 0) == flat.get(kind, 0) for kind in set(by_kind) | set(flat))
        print(f"kvalitetsberättelse figures, the whole municipality, {YEAR} (service.figures, every section, as "
              f"JSON, {len(document):,} bytes): median {report_s * 1000:.0f} ms of {REPEAT} (target < 1 s)")
        print(f"the same figures by plain SQL GROUP BY over a flat table of the {sum(flat.values()):,} cases "
              f"({len(GROUP_BY)} queries): median {group_s * 1000:.0f} ms of {REPEAT}")
        print(f"ratio report / GROUP BY: {report_s / group_s:.2f} (target <= 1); counts by kind "
              + ("agree" if agree else f"DIFFER: report {by_kind}, GROUP BY {flat}"), flush=True)
        figures = json.loads(document)
        suppress_s, shown = median_time(lambda: suppressed_figures(figures, 5), REPEAT)
        text = json.dumps(shown)
        small, protected = text.count('"< 5"'), text.count('".."')
        print(f"the same figures' small counts suppressed as a yearly report takes them ({UNITS} units, threshold "
              f"5): median {suppress_s * 1000:.0f} ms of {REPEAT}; {small:,} shown as '< 5', {protected:,} as '..'",
              flush=True)
    finally:
        drop_database(name)


if __name__ == "__main__":
    main()
