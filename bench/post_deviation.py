"""Benchmark: POST of a deviation through the real service against a bare Flask + psycopg baseline.

Both run under the same gunicorn settings on the same PostgreSQL, in one run, loaded by the
same client; the figure that matters is the ratio of throughputs (target: at least 0.7).
Run: make bench   (needs PostgreSQL on localhost or BENCH_DATABASE_URL)
"""
from __future__ import annotations

import http.client
import json
import os
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
GUNICORN = ["--workers", os.environ.get("BENCH_WORKERS", "2"), "--worker-class", "gthread", "--threads", "4",
            "--log-level", "warning"]
# Receipt numbers are counted per tenant, one report at a time: BENCH_TENANTS > 1 spreads the clients.
TENANTS = [f"{n:04d}" for n in range(138, 138 + int(os.environ.get("BENCH_TENANTS", "1")))]


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


def load(port: int, requests: list[tuple[dict, dict]], count: int, concurrency: int) -> tuple[float, list[float]]:
    """`count` POSTs over `concurrency` keep-alive connections, connection i sending requests[i % len]
    (body, headers); returns (requests/s, latencies)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    per_worker = count // concurrency

    def worker(body, headers):
        payload = json.dumps(body)
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

    threads = [threading.Thread(target=worker, args=requests[i % len(requests)]) for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, e.g. status {errors[0]}")
    return len(latencies) / elapsed, latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


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
    servers = []
    try:
        settings = Settings.from_env("deviations", env)
        migrations.upgrade("deviations", settings)
        from ordning_deviations.handlers import HANDLERS
        from ordning_deviations.db import tables

        platform = Platform(settings, tables)
        requests = []  # (body, headers) of each tenant's reporter
        for tenant in TENANTS:
            unit = str(uuid.uuid4())
            handle_event(platform, HANDLERS, serialize(to_cloudevent(DomainEvent(
                "se.ordning.org_unit.created.v1", tenant, unit,
                {"unit_id": unit, "kind": "unit", "name": "Hemtjänst Bänk", "parent_id": None, "closed_at": None,
                 "revision": 1}), "processes")))
            token = LocalIssuer(data_dir).issue("bench-user", tenant, ["medarbetare"], [unit])
            requests.append(({"kind": "avvikelse", "unit_id": unit, "description":
                              "Insatsen uteblev på morgonen; schemat visade fel tid för besöket."},
                             {"Authorization": f"Bearer {token}"}))
        platform.dispose()
        baseline = [(body, {}) for body, _headers in requests]

        real_port, baseline_port = free_port(), free_port()
        servers.append(start(["ordning_deviations.app:create_app()"], env, real_port))
        servers.append(start(["baseline_app:app"], env, baseline_port))
        load(real_port, requests, 200, CONCURRENCY)  # warm-up: imports, pools, caches
        load(baseline_port, baseline, 200, CONCURRENCY)

        results = {"service": [], "baseline": []}
        for _ in range(ROUNDS):  # interleaved, so noise on this shared machine hits both alike
            results["baseline"].append(load(baseline_port, baseline, REQUESTS, CONCURRENCY))
            results["service"].append(load(real_port, requests, REQUESTS, CONCURRENCY))

        print(f"POST /api/v1/deviations: {REQUESTS} requests x {ROUNDS} rounds, concurrency {CONCURRENCY}, "
              f"{len(TENANTS)} tenant(s), gunicorn {' '.join(GUNICORN)}")
        summary = {}
        for label, runs in results.items():
            throughput = statistics.median(rate for rate, _ in runs)
            latencies = [value for _, values in runs for value in values]
            summary[label] = throughput
            print(f"  {label:<9} {throughput:8.1f} req/s   p50 {percentile(latencies, 0.5) * 1000:6.1f} ms   "
                  f"p99 {percentile(latencies, 0.99) * 1000:6.1f} ms")
        ratio = summary["service"] / summary["baseline"]
        print(f"  ratio service/baseline: {ratio:.2f} (target >= 0.70)")
        with psycopg.connect(url) as connection:
            rows = connection.execute("SELECT count(*) FROM deviations").fetchone()[0]
            pending = connection.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]
        print(f"  rows written: {rows} deviations, {pending} events waiting in the outbox (no relay running)")
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=15)
        drop_database(name)


if __name__ == "__main__":
    main()
