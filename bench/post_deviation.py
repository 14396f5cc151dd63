"""Benchmark: POST of a deviation through the real service against a bare Flask + psycopg baseline.

Both run under the same gunicorn settings on the same PostgreSQL, in one run, loaded by the
same client. Two loads, each on both servers:
- closed loop: BENCH_CONCURRENCY clients send back to back; prints throughputs and their ratio (no target:
  the cost left is the mandated stack's own, issue 2).
- open loop: BENCH_RATE requests/s for BENCH_DURATION s at fixed intended send times, each latency measured
  from its intended send time (a stall delays every request due during it, so coordinated omission cannot
  hide it); prints p50/p99/max and errors.
Run: make bench   (needs PostgreSQL on localhost or BENCH_DATABASE_URL; BENCH_MODE=closed|open|both)
"""
from __future__ import annotations

import http.client
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@localhost:5432/postgres")
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "3000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
RATE = float(os.environ.get("BENCH_RATE", "100"))
DURATION = float(os.environ.get("BENCH_DURATION", "60"))
SENDERS = int(os.environ.get("BENCH_SENDERS", "32"))  # open loop: connections, enough that none waits for another
MODE = os.environ.get("BENCH_MODE", "both")
RELAY = os.environ.get("BENCH_RELAY", "0") == "1"  # run the service's worker (outbox relay) beside the API
# BENCH_SERVICE_DB=sqlite: the service on the embedded default's SQLite file (as `make run`), the baseline on PostgreSQL
SERVICE_SQLITE = os.environ.get("BENCH_SERVICE_DB", "postgresql") == "sqlite"
# As the image's gunicorn_conf: gthread, keep-alive longer than any client's idle gap.
GUNICORN = ["--workers", os.environ.get("BENCH_WORKERS", "2"), "--worker-class", "gthread", "--threads", "4",
            "--keep-alive", "75", "--log-level", "warning"]
TENANT = "0138"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_database() -> tuple[str, str]:
    name = f"ordning_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = SERVER.rpartition("/")[0]
    return name, f"{base}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(SERVER, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start(args: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *GUNICORN, *args],
                               env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"server on {port} did not start")


def load(port: int, body: dict, headers: dict, count: int, concurrency: int) -> tuple[float, list[float]]:
    """`count` POSTs over `concurrency` keep-alive connections; returns (requests/s, latencies)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    per_worker = count // concurrency
    payload = json.dumps(body)

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(per_worker):
            started = time.perf_counter()
            connection.request("POST", "/api/v1/deviations", payload,
                               {"Content-Type": "application/json", **headers})
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 201:
                errors.append(f"{response.status}")
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, e.g. status {errors[0]}")
    return len(latencies) / elapsed, latencies


def open_loop(port: int, body: dict, headers: dict, rate: float, duration: float,
              senders: int = SENDERS) -> tuple[list[tuple[float, float]], list[str]]:
    """POSTs due at t0 + i/rate for `duration` s; returns ((intended send second, latency from it) each, errors)."""
    due: queue.Queue[float | None] = queue.Queue()
    latencies: list[tuple[float, float]] = []
    errors: list[str] = []
    lock = threading.Lock()
    payload = json.dumps(body)
    request_headers = {"Content-Type": "application/json", **headers}

    def sender():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (intended := due.get()) is not None:
            error = None
            try:
                connection.request("POST", "/api/v1/deviations", payload, request_headers)
                response = connection.getresponse()
                response.read()
                if response.status != 201:
                    error = f"status {response.status}"
            except (OSError, http.client.HTTPException) as exc:
                error = type(exc).__name__
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            latency = time.perf_counter() - intended
            with lock:
                latencies.append((intended - start_at, latency))
                if error:
                    errors.append(error)
        connection.close()

    start_at = time.perf_counter() + 0.5
    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for i in range(int(rate * duration)):
        intended = start_at + i / rate
        pause = intended - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        due.put(intended)
    for _ in threads:
        due.put(None)
    for thread in threads:
        thread.join()
    return latencies, errors


def checkpoints() -> tuple[int, int, float]:
    """PostgreSQL's checkpoints so far (timed, requested) and ms spent in their fsyncs: a stall's usual suspect."""
    with psycopg.connect(SERVER) as connection:
        return connection.execute("SELECT checkpoints_timed, checkpoints_req, checkpoint_sync_time"
                                  " FROM pg_stat_bgwriter").fetchone()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def closed_loop(body: dict, targets: dict) -> None:
    results = {"service": [], "baseline": []}
    for _ in range(ROUNDS):  # interleaved, so noise on this shared machine hits both alike
        for label in ("baseline", "service"):
            port, headers = targets[label]
            results[label].append(load(port, body, headers, REQUESTS, CONCURRENCY))
    print(f"closed loop: {REQUESTS} requests x {ROUNDS} rounds, concurrency {CONCURRENCY}")
    summary = {}
    for label, runs in results.items():
        throughput = statistics.median(rate for rate, _ in runs)
        latencies = [value for _, values in runs for value in values]
        summary[label] = throughput
        print(f"  {label:<9} {throughput:8.1f} req/s   p50 {percentile(latencies, 0.5) * 1000:6.1f} ms   "
              f"p99 {percentile(latencies, 0.99) * 1000:6.1f} ms")
    print(f"  ratio service/baseline: {summary['service'] / summary['baseline']:.2f}", flush=True)


def main() -> None:
    from ordning_shared import migrations
    from ordning_shared.auth import LocalIssuer
    from ordning_shared.config import Settings
    from ordning_shared.consumer import handle_event
    from ordning_shared.events import DomainEvent, serialize, to_cloudevent
    from ordning_shared.platform import Platform

    data_dir = Path(tempfile.mkdtemp(prefix="ordning-bench-"))
    name, url = create_database()
    sa_url = url.replace("postgresql://", "postgresql+psycopg://")
    env = dict(os.environ, ORDNING_ENV="embedded", ORDNING_DATA_DIR=str(data_dir),
               ORDNING_DEVIATIONS_DATABASE_URL=sa_url, ORDNING_LOG_LEVEL="WARNING",
               BENCH_BASELINE_DSN=url, PYTHONPATH=str(ROOT / "bench"))
    service_env = dict(env)
    if SERVICE_SQLITE:
        del service_env["ORDNING_DEVIATIONS_DATABASE_URL"]
    servers = []
    try:
        migrations.upgrade("deviations", Settings.from_env("deviations", env))  # the baseline's tables
        settings = Settings.from_env("deviations", service_env)
        if SERVICE_SQLITE:
            migrations.upgrade("deviations", settings)
        from ordning_deviations.handlers import HANDLERS
        from ordning_deviations.db import tables

        unit = str(uuid.uuid4())
        platform = Platform(settings, tables)
        handle_event(platform, HANDLERS, serialize(to_cloudevent(DomainEvent(
            "se.ordning.org_unit.created.v1", TENANT, unit,
            {"unit_id": unit, "kind": "unit", "name": "Hemtjänst Bänk", "parent_id": None, "closed_at": None,
             "revision": 1}), "processes")))
        platform.dispose()
        token = LocalIssuer(data_dir).issue("bench-user", TENANT, ["medarbetare"], [unit])
        body = {"kind": "avvikelse", "unit_id": unit,
                "description": "Insatsen uteblev på morgonen; schemat visade fel tid för besöket."}

        real_port, baseline_port = free_port(), free_port()
        servers.append(start(["ordning_deviations.app:create_app()"], service_env, real_port))
        servers.append(start(["baseline_app:app"], env, baseline_port))
        if RELAY:
            servers.append(subprocess.Popen(
                [sys.executable, "-c", "from ordning_deviations.app import worker; worker()"], env=service_env,
                cwd=ROOT))
        auth = {"Authorization": f"Bearer {token}"}
        load(real_port, body, auth, 200, CONCURRENCY)  # warm-up: imports, pools, caches
        load(baseline_port, body, {}, 200, CONCURRENCY)

        targets = {"service": (real_port, auth), "baseline": (baseline_port, {})}
        print(f"POST /api/v1/deviations, gunicorn {' '.join(GUNICORN)}")
        if MODE in ("closed", "both"):
            closed_loop(body, targets)
        if MODE in ("open", "both"):
            print(f"open loop: {RATE:g} req/s for {DURATION:g} s each, latency from the intended send time"
                  + (", the worker relaying the outbox" if RELAY else ""))
            for label in os.environ.get("BENCH_OPEN_ORDER", "service,baseline").split(","):
                port, headers = targets[label]
                before = checkpoints()
                sent, errors = open_loop(port, body, headers, RATE, DURATION)
                timed, requested, sync_ms = (after - earlier for after, earlier in zip(checkpoints(), before))
                latencies = [latency for _, latency in sent]
                worst_at, worst = max(sent, key=lambda pair: pair[1])
                print(f"  {label:<9} p50 {percentile(latencies, 0.5) * 1000:7.1f} ms   "
                      f"p99 {percentile(latencies, 0.99) * 1000:7.1f} ms   max {worst * 1000:7.1f} ms "
                      f"(due at {worst_at:5.1f} s)   errors {len(errors)}/{len(latencies)}"
                      + (f" (e.g. {errors[0]})" if errors else "")
                      + f"   PostgreSQL checkpoints {timed} timed + {requested} requested, fsync {sync_ms:.0f} ms",
                      flush=True)
        if SERVICE_SQLITE:
            return
        with psycopg.connect(url) as connection:
            rows = connection.execute("SELECT count(*) FROM deviations").fetchone()[0]
            pending = connection.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]
        print(f"  rows written: {rows} deviations, {pending} events waiting in the outbox"
              + ("" if RELAY else " (no relay running)"))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=15)
        drop_database(name)


if __name__ == "__main__":
    main()
