"""Benchmark: from the commit of a reported deviation to its count being visible in reporting (issue 12).

Starts the deviations service (gunicorn API and its worker: the outbox relay) and the reporting service's worker
(its consumer of every event) as a deployment would, on fresh PostgreSQL databases and RabbitMQ (a bus namespace
of its own), then reports deviations over HTTP at BENCH_RATE (default 50) per second for BENCH_DURATION (default
60) seconds, open loop. For each case it takes the moment the API answered 201 (the report is committed by then)
and the moment the case's fact is in reporting's database (the fact and the cube rows that count it commit in one
transaction: from then on the figures count it), polled every 5 ms. Printed: p50/p95/max of that time (target:
p95 under 1 s), how many were seen, and the API's own latency.

First, on a database of its own, the reporting worker's throughput: BENCH_PREFILL (default 3,000) deviation
events (a third reports, a third receipts, a third closings) wait in its queue before one consumer starts; printed:
the events/s until every one is stored and counted, and the SQL statements (and transactions) per event, counted
on the consumer's engine.

Run: make bench BENCH=reporting_propagation; BENCH_DURATION=10 for a quick run; BENCH_REPORTING_WORKERS=3 runs
three reporting workers on the one queue (a deployment scales them so: the fold of one aggregate is locked);
ORDNING_CONSUMER_BATCH_SIZE=1 folds each event in a transaction of its own (the path before batches).
"""
from __future__ import annotations

import http.client
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import psycopg
from kombu import Connection
from post_deviation import create_database, drop_database, free_port, percentile

ROOT = Path(__file__).resolve().parent.parent
BROKER = os.environ.get("BENCH_BROKER_URL") or os.environ.get("ORDNING_TEST_BROKER_URL") or \
    "amqp://guest:guest@localhost:5672//"
RATE = float(os.environ.get("BENCH_RATE", "50"))
DURATION = float(os.environ.get("BENCH_DURATION", "60"))
SENDERS = int(os.environ.get("BENCH_SENDERS", "16"))
WORKERS = int(os.environ.get("BENCH_REPORTING_WORKERS", "1"))  # reporting worker processes on its one queue
POLL = 0.005
PREFILL = int(os.environ.get("BENCH_PREFILL", "3000"))
TENANT = "0138"


def start(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT)


def wait_http(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the API on {port} exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the API on {port} was not ready after {timeout} s")


def wait_consuming(queue_name: str, worker: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the worker of {queue_name} exited with {worker.returncode}")
        try:
            with Connection(BROKER, connect_timeout=3) as connection:
                if connection.channel().queue_declare(queue=queue_name, passive=True)[2] >= 1:
                    return
        except Exception:  # not declared yet
            pass
        time.sleep(0.2)
    raise SystemExit(f"no consumer on {queue_name} after {timeout} s")


class Watcher(threading.Thread):
    """Polls reporting's facts for the cases reported and not seen yet; notes when each appears."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.pending, self.seen = url, set(), {}
        self.lock, self.stop = threading.Lock(), threading.Event()

    def expect(self, case_id: str) -> None:
        with self.lock:
            if case_id not in self.seen:
                self.pending.add(case_id)

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            while not self.stop.is_set():
                with self.lock:
                    wanted = list(self.pending)
                if wanted:
                    found = connection.execute(
                        "SELECT aggregate_id FROM facts WHERE tenant = %s AND model = 'deviations' "
                        "AND aggregate_id = ANY(%s)", (TENANT, wanted)).fetchall()
                    now = time.perf_counter()
                    with self.lock:
                        for (case_id,) in found:
                            self.pending.discard(case_id)
                            self.seen.setdefault(case_id, now)
                time.sleep(POLL)


def report_open_loop(port: int, token: str, unit: str, watcher: Watcher, duration: float) -> tuple[dict, list, list]:
    """Reports due at t0 + i/RATE for `duration` s; returns ({case id: moment answered}, API latencies, errors)."""
    due: queue.Queue = queue.Queue()
    answered, latencies, errors = {}, [], []
    lock = threading.Lock()
    payload = json.dumps({"kind": "avvikelse", "unit_id": unit,
                          "description": "Insatsen uteblev på morgonen; schemat visade fel tid för besöket."})
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def sender():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while due.get() is not None:
            sent = time.perf_counter()
            try:
                connection.request("POST", "/api/v1/deviations", payload, headers)
                response = connection.getresponse()
                body = response.read()
                done = time.perf_counter()
                if response.status != 201:
                    raise RuntimeError(f"status {response.status}")
                case_id = json.loads(body)["id"]
                watcher.expect(case_id)
                with lock:
                    answered[case_id] = done
                    latencies.append(done - sent)
            except (OSError, http.client.HTTPException, RuntimeError) as error:
                with lock:
                    errors.append(str(error))
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    start_at = time.perf_counter() + 0.2
    for i in range(int(RATE * duration)):
        intended = start_at + i / RATE
        pause = intended - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        due.put(intended)
    for _ in threads:
        due.put(None)
    for thread in threads:
        thread.join()
    return answered, latencies, errors


def seconds(url: str, query: str) -> list[float]:
    with psycopg.connect(url) as connection:
        return [float(value) for (value,) in connection.execute(query).fetchall()] or [0.0]


def prefilled_queue(env: dict, unit: str, org_event: str) -> None:
    """The reporting consumer's events/s and statements per event on a queue filled before it starts."""
    import sqlalchemy as sa
    from ordning_shared.bus import Publisher, connect, declare_topology, retry_queues, service_queues
    from ordning_shared.config import Settings
    from ordning_shared.consumer import run_consumer
    from ordning_shared.events import CloudEvent, sequence_attribute, serialize, source_of
    from ordning_shared.platform import Platform

    from ordning_reporting.db import tables
    from ordning_reporting.handlers import HANDLERS

    name, url = create_database()
    local = dict(env, ORDNING_BUS_NAMESPACE=env["ORDNING_BUS_NAMESPACE"] + "p",
                 ORDNING_REPORTING_DATABASE_URL=url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        subprocess.run([sys.executable, "-m", "ordning_shared.migrations", "reporting"], env=local, check=True)
        settings = Settings.from_env("reporting", local)
        platform = Platform(settings, tables)
        work, dead = service_queues(settings, sorted(HANDLERS))
        with connect(settings) as connection:
            declare_topology(settings, connection, [dead, *retry_queues(settings), work])
        source = source_of(TENANT, "deviations")
        bodies = [org_event]
        cases = [str(uuid.uuid4()) for _ in range(PREFILL // 3)]
        for step, (what, extra) in enumerate((("reported", {"reported_at": "2026-03-02T08:00:00+00:00",
                                                            "origin": "staff"}),
                                              ("received", {"received_at": "2026-03-03T08:00:00+00:00"}),
                                              ("closed", {"closed_at": "2026-03-20T08:00:00+00:00"}))):
            for case in cases:
                bodies.append(serialize(CloudEvent(
                    {"id": str(uuid.uuid4()), "source": source, "type": f"se.ordning.deviation.{what}.v1",
                     "subject": case, "datacontenttype": "application/json", "tenant": TENANT,
                     "sequence": sequence_attribute(step + 1), "time": datetime.now(timezone.utc)},
                    {"kind": "avvikelse", "unit_id": unit, "category_id": None, "status": what, **extra})))
        publisher = Publisher(settings)
        for raw in bodies:
            text = raw.decode() if isinstance(raw, bytes) else raw
            publisher.publish(text, json.loads(text))
        publisher.close()
        counts = {"statements": 0, "transactions": 0}
        sa.event.listen(platform.engine, "before_cursor_execute",
                        lambda *args: counts.__setitem__("statements", counts["statements"] + 1))
        sa.event.listen(platform.engine, "commit",
                        lambda *args: counts.__setitem__("transactions", counts["transactions"] + 1))
        stop = threading.Event()
        started = time.perf_counter()
        thread = threading.Thread(target=run_consumer, args=(platform, HANDLERS, stop), daemon=True)
        thread.start()
        stored = 0
        with psycopg.connect(url, autocommit=True) as watch:
            while time.perf_counter() - started < 600:
                stored = watch.execute("SELECT count(*) FROM event_store").fetchone()[0]
                if stored >= len(bodies):
                    break
                time.sleep(0.02)
        elapsed = time.perf_counter() - started
        stop.set()
        thread.join(timeout=15)
        statements, transactions = counts["statements"], counts["transactions"]
        print(f"reporting worker on a pre-filled queue ({len(bodies):,} deviation events, batch size "
              f"{getattr(settings, 'consumer_batch_size', 'none')}): {stored:,} stored and counted in {elapsed:.1f} s "
              f"= {stored / elapsed:,.0f} events/s; {statements / max(stored, 1):.2f} SQL statements and "
              f"{transactions / max(stored, 1):.3f} transactions per event (BEGIN/COMMIT not counted)", flush=True)
        platform.dispose()
    finally:
        drop_database(name)


def main() -> None:
    from ordning_shared.auth import LocalIssuer
    from ordning_shared.config import Settings
    from ordning_shared.consumer import handle_event
    from ordning_shared.devstack import stop_processes
    from ordning_shared.events import DomainEvent, serialize, to_cloudevent
    from ordning_shared.platform import Platform

    data_dir = Path(tempfile.mkdtemp(prefix="ordning-bench-"))
    namespace = f"bench{uuid.uuid4().hex[:8]}"
    databases = {service: create_database() for service in ("deviations", "reporting")}
    env = dict(os.environ, ORDNING_ENV="embedded", ORDNING_DATA_DIR=str(data_dir), ORDNING_BROKER_URL=BROKER,
               ORDNING_BUS_NAMESPACE=namespace, ORDNING_LOG_LEVEL="WARNING")
    for service, (_name, url) in databases.items():
        env[f"ORDNING_{service.upper()}_DATABASE_URL"] = url.replace("postgresql://", "postgresql+psycopg://")
    processes = []
    try:
        for service in databases:
            subprocess.run([sys.executable, "-m", "ordning_shared.migrations", service], env=env, check=True)
        unit = str(uuid.uuid4())
        org_event = serialize(to_cloudevent(DomainEvent(
            "se.ordning.org_unit.created.v1", TENANT, unit,
            {"unit_id": unit, "kind": "unit", "name": "Hemtjänst Bänk", "parent_id": None, "closed_at": None,
             "revision": 1}), "processes"))
        for service in databases:  # the unit, as the processes service's event would bring it to each
            handlers = __import__(f"ordning_{service}.handlers", fromlist=["HANDLERS"]).HANDLERS
            tables = __import__(f"ordning_{service}.db", fromlist=["tables"]).tables
            platform = Platform(Settings.from_env(service, env), tables)
            handle_event(platform, handlers, org_event)
            platform.dispose()

        if PREFILL:
            prefilled_queue(env, unit, org_event)

        port = free_port()
        api = start(["-m", "gunicorn", "--config", "python:ordning_shared.gunicorn_conf", "--bind",
                     f"127.0.0.1:{port}", "--log-level", "warning", "ordning_deviations.app:create_app()"], env)
        processes.append(api)
        reporting_workers = [start(["-c", "from ordning_reporting.app import worker; worker()"], env)
                             for _ in range(WORKERS)]
        processes += reporting_workers
        reporting_worker = reporting_workers[0]
        processes.append(start(["-c", "from ordning_deviations.app import worker; worker()"], env))
        wait_http(port, api)
        wait_consuming(f"{namespace}.reporting", reporting_worker)
        token = LocalIssuer(data_dir).issue("bench-user", TENANT, ["medarbetare"], [unit])

        watcher = Watcher(databases["reporting"][1])
        watcher.start()
        report_open_loop(port, token, unit, watcher, min(5.0, DURATION))  # warm-up: imports, pools, connections
        with watcher.lock:
            watcher.pending.clear()
            watcher.seen.clear()
        started = time.perf_counter()
        answered, api_latencies, errors = report_open_loop(port, token, unit, watcher, DURATION)
        elapsed = time.perf_counter() - started
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline:
            with watcher.lock:
                if not watcher.pending:
                    break
            time.sleep(0.05)
        watcher.stop.set()
        watcher.join(timeout=5)
        delays = [watcher.seen[case] - moment for case, moment in answered.items() if case in watcher.seen]
        print(f"deviations API at {RATE:g} reports/s for {DURATION:g} s (open loop, {len(answered):,} reported in "
              f"{elapsed:.1f} s, {len(errors)} errors), relay and {WORKERS} reporting worker(s) on PostgreSQL + "
              f"RabbitMQ")
        print(f"  API latency p50 {percentile(api_latencies, 0.5) * 1000:.0f} ms, "
              f"p95 {percentile(api_latencies, 0.95) * 1000:.0f} ms")
        if delays:
            print(f"  commit -> counted in reporting: p50 {percentile(delays, 0.5) * 1000:.0f} ms, "
                  f"p95 {percentile(delays, 0.95) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms "
                  f"(target p95 < 1 s); {len(delays):,} of {len(answered):,} seen within 30 s after the last report",
                  flush=True)
        else:
            print("  no report reached reporting within 30 s")
        relay = seconds(databases["deviations"][1], "SELECT extract(epoch FROM published_at - created_at) FROM outbox "
                        "WHERE published_at IS NOT NULL AND type = 'se.ordning.deviation.reported.v1'")
        stored = seconds(databases["reporting"][1], "SELECT extract(epoch FROM received_at - time) FROM event_store "
                         "WHERE type = 'se.ordning.deviation.reported.v1'")
        print(f"  of which: outbox row -> published (the deviations worker's relay) p50 "
              f"{percentile(relay, 0.5) * 1000:.0f} ms, p95 {percentile(relay, 0.95) * 1000:.0f} ms; event time -> "
              f"stored by reporting's consumer p50 {percentile(stored, 0.5) * 1000:.0f} ms, "
              f"p95 {percentile(stored, 0.95) * 1000:.0f} ms (warm-up included)", flush=True)
    finally:
        stop_processes(processes, timeout=15)
        for name, _url in databases.values():
            drop_database(name)


if __name__ == "__main__":
    main()
