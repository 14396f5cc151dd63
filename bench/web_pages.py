"""Benchmark: server time of Inkorgen and the case page with 10,000 cases in one tenant (issue 9).

Starts the deviations service (gunicorn, on a fresh PostgreSQL database, or SQLite when no PostgreSQL
answers) and the web (gunicorn) as a deployment would, loads BENCH_CASES cases into one tenant through the
service's API (in parallel), then moves some on in the database (received, overdue) so every inbox group has
rows, and adds improvement actions to some. The inbox and case pages only call the deviations service, so
the processes service is not started; the units arrive as its events would.

Server time is the web's own: the duration_ms of its access log line (before_request to after_request,
including the calls to the service), not the client's. Printed: p50/p95/p99 per page, the same for /healthz
(the baseline, same run) and the ratio, and the size of the web's JavaScript and CSS. On a machine shared with
other work the times vary with its load; so the CPU time the web and the deviations service (their gunicorn
masters and workers, from /proc; PostgreSQL's own not counted) spent per request of each page is printed too,
which the load changes much less.
Run: make bench BENCH=web

BENCH_COMPARE=<git ref> (e.g. main) also starts that commit's deviations service and web (its sources from
git archive, on the same database) and then measures Inkorgen on both in turns, BENCH_ROUNDS rounds, so a change's
before and after are printed from the same run, under the same load.
"""
from __future__ import annotations

import atexit
import datetime as dt
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from post_deviation import free_port, percentile

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("ORDNING_BENCH_DATABASE_URL") or os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@localhost:5432/postgres")
CASES = int(os.environ.get("BENCH_CASES", "10000"))
UNITS = int(os.environ.get("BENCH_UNITS", "20"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))  # per page
WARMUP = int(os.environ.get("BENCH_WARMUP", "30"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "2"))
TARGET_MS = 150.0
ASSET_BUDGET = 100 * 1024
GUNICORN = ["--workers", "2", "--worker-class", "gthread", "--threads", "4", "--keep-alive", "75"]
COMPARE = os.environ.get("BENCH_COMPARE", "")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))  # short turns: the load of a shared machine changes fast
TENANT = "0138"
STATIC = ROOT / "services" / "web" / "ordning_web" / "static"


def postgres_available() -> bool:
    import psycopg
    try:
        with psycopg.connect(SERVER, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def start(app: str, env: dict, port: int, log_path: Path | None = None, cwd: Path = ROOT) -> subprocess.Popen:
    log = open(log_path, "w") if log_path else None
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *GUNICORN, app],
                               env=env, cwd=cwd, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"server on {port} did not start")


def source_of(ref: str) -> Path:
    """The commit's tree in a temporary directory, and the import path that makes its packages win over this
    tree's editable installs (PYTHONPATH comes before their finders)."""
    target = Path(tempfile.mkdtemp(prefix="ordning-bench-ref-"))
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def import_path(tree: Path) -> str:
    return os.pathsep.join(str(path) for path in [tree / "shared", *sorted((tree / "services").iterdir())]
                           if path.is_dir())


def asset_bytes() -> int:
    return sum(path.stat().st_size for path in STATIC.rglob("*") if path.suffix in (".js", ".css"))


def load_cases(port: int, token: str, units: list[str]) -> list[str]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    local = threading.local()

    def post(i: int) -> str:
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        body = {"kind": "avvikelse", "unit_id": units[i % len(units)],
                "description": f"Insatsen uteblev på morgonen; schemat visade fel tid för besök {i}."}
        local.connection.request("POST", "/api/v1/deviations", json.dumps(body), headers)
        response = local.connection.getresponse()
        payload = response.read()
        if response.status != 201:
            raise SystemExit(f"POST gave {response.status}: {payload[:200]!r}")
        return json.loads(payload)["id"]

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(post, range(CASES)))


def add_actions(port: int, token: str, case_ids: list[str]) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def post(case_id: str) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for n in range(2):
            connection.request("POST", f"/api/v1/deviations/{case_id}/actions",
                               json.dumps({"title": f"Åtgärd {n}", "owner": "chef", "due_date": "2032-01-01"}),
                               headers)
            response = connection.getresponse()
            payload = response.read()
            if response.status != 201:
                raise SystemExit(f"action POST gave {response.status}: {payload[:200]!r}")
        connection.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(post, case_ids))


def move_on(engine, case_ids: list[str]) -> None:
    """A third received (open), of those some late for investigation; a tenth of the new ones late for receipt."""
    import sqlalchemy as sa
    today = dt.date.today()
    received = case_ids[::3]
    late_receipt = [case_id for i, case_id in enumerate(case_ids) if i % 3 and i % 10 == 1]
    with engine.begin() as conn:
        for chunk in range(0, len(received), 500):
            conn.execute(sa.text("UPDATE deviations SET status = 'received', received_at = reported_at, "
                                 "investigation_due = :due WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)), {"ids": received[chunk:chunk + 500],
                                                        "due": today + dt.timedelta(days=14)})
        late_investigation = received[::7]
        for chunk in range(0, len(late_investigation), 500):
            conn.execute(sa.text("UPDATE deviations SET investigation_due = :due WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)), {"ids": late_investigation[chunk:chunk + 500],
                                                        "due": today - dt.timedelta(days=2)})
        for chunk in range(0, len(late_receipt), 500):
            conn.execute(sa.text("UPDATE deviations SET receipt_due = :due WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)), {"ids": late_receipt[chunk:chunk + 500],
                                                        "due": today - dt.timedelta(days=3)})


def session_cookie(secret_key: str, token: str, claims: dict) -> str:
    """The web's signed session cookie for a signed-in person, as signin.sign_in writes it."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface
    app = Flask("bench")
    app.secret_key = secret_key
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.dumps({"token": token, "expires_at": int(time.time()) + 8 * 3600,
                             "person": {key: claims.get(key) for key in ("sub", "name", "tenant", "roles",
                                                                         "org_units")}})


def fetch(port: int, paths: list[str], cookie: str) -> None:
    local = threading.local()
    headers = {"Cookie": f"ordning_session={cookie}"}

    def get(path: str) -> None:
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local.connection.request("GET", path, headers=headers)
        response = local.connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"GET {path} gave {response.status}")

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(get, paths))


def cpu_seconds(process: subprocess.Popen) -> float:
    """User and system CPU time so far of a gunicorn master and its workers, from /proc (Linux; else 0)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    pids = [process.pid]
    try:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
                if int(fields[1]) == process.pid:  # the parent's pid: a worker of this master
                    pids.append(int(entry.name))
    except OSError:
        return 0.0
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def durations(log_path: Path, route: str, skip: int) -> list[float]:
    """duration_ms of the web's access lines for `route`, after the first `skip` (the warm-up)."""
    found = []
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if "duration_ms" not in line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        fields = record.get("fields", record)
        if fields.get("route") == route:
            found.append(float(fields["duration_ms"]))
    return found[skip:]


def compare(ref: str, env: dict, web_env: dict, cookie: str, servers: list, web_port: int, web_log: Path) -> None:
    """Inkorgen of `ref` and of this tree, in turns on the same database: CPU per request and server time."""
    tree = source_of(ref)
    atexit.register(shutil.rmtree, tree, True)
    ref_env = dict(env, PYTHONPATH=import_path(tree))
    ref_deviations_port, ref_web_port = free_port(), free_port()
    ref_deviations = start("ordning_deviations.app:create_app()", ref_env, ref_deviations_port, cwd=tree)
    servers.append(ref_deviations)
    ref_log = web_log.with_name("web-ref.log")
    ref_web = start("ordning_web.app:create_app()",
                    dict(web_env, PYTHONPATH=ref_env["PYTHONPATH"],
                         ORDNING_WEB_DEVIATIONS_URL=f"http://127.0.0.1:{ref_deviations_port}"),
                    ref_web_port, ref_log, cwd=tree)
    servers.append(ref_web)
    stacks = {ref: ([ref_deviations, ref_web], ref_web_port, ref_log),
              "this tree": (servers[:2], web_port, web_log)}
    per_round = max(REQUESTS // ROUNDS, 1)
    cpu = {label: [0.0, 0.0] for label in stacks}  # the deviations service's, the web's
    marks = {label: [] for label in stacks}
    for _label, (_processes, port, _log) in stacks.items():
        fetch(port, ["/inkorg"] * WARMUP, cookie)
    time.sleep(1)
    for _ in range(ROUNDS):
        for label, (processes, port, log) in stacks.items():
            start_line = len(durations(log, "/inkorg", 0))
            before = [cpu_seconds(process) for process in processes]
            fetch(port, ["/inkorg"] * per_round, cookie)
            for i, process in enumerate(processes):
                cpu[label][i] += cpu_seconds(process) - before[i]
            marks[label].append(start_line)
    time.sleep(1)
    print(f"Inkorgen, {ref} against this tree: {ROUNDS} rounds of {per_round} requests each, in turns, "
          f"same database, {CONCURRENCY} clients")
    for label, (_processes, _port, log) in stacks.items():
        lines = durations(log, "/inkorg", 0)
        values = [value for start_line in marks[label] for value in lines[start_line:start_line + per_round]]
        p50, p95, p99 = (percentile(values, q) for q in (0.5, 0.95, 0.99))
        print(f"  /inkorg {label:<14} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   p99 {p99:7.1f} ms   "
              f"CPU {sum(cpu[label]) * 1000 / (per_round * ROUNDS):5.1f} ms/request (deviations "
              f"{cpu[label][0] * 1000 / (per_round * ROUNDS):.1f}, web {cpu[label][1] * 1000 / (per_round * ROUNDS):.1f};"
              f" {len(values)} requests)")


def main() -> None:
    from ordning_shared import migrations
    from ordning_shared.auth import LocalIssuer
    from ordning_shared.config import Settings
    from ordning_shared.consumer import handle_event
    from ordning_shared.events import DomainEvent, serialize, to_cloudevent
    from ordning_shared.platform import Platform

    data_dir = Path(tempfile.mkdtemp(prefix="ordning-bench-web-"))
    use_postgres = postgres_available()
    database = None
    env = dict(os.environ, ORDNING_ENV="embedded", ORDNING_DATA_DIR=str(data_dir), ORDNING_LOG_LEVEL="WARNING")
    if use_postgres:
        from post_deviation import create_database
        import post_deviation
        post_deviation.SERVER = SERVER
        database, url = create_database()
        env["ORDNING_DEVIATIONS_DATABASE_URL"] = url.replace("postgresql://", "postgresql+psycopg://")
    servers = []
    try:
        settings = Settings.from_env("deviations", env)
        migrations.upgrade("deviations", settings)
        from ordning_deviations.db import tables
        from ordning_deviations.handlers import HANDLERS

        platform = Platform(settings, tables)
        root = str(uuid.uuid4())
        units = [str(uuid.uuid4()) for _ in range(UNITS)]
        for revision, (unit, parent, kind) in enumerate(
                [(root, None, "administration")] + [(unit, root, "unit") for unit in units], start=1):
            handle_event(platform, HANDLERS, serialize(to_cloudevent(DomainEvent(
                "se.ordning.org_unit.created.v1", TENANT, unit,
                {"unit_id": unit, "kind": kind, "name": f"Enhet {revision}", "parent_id": parent,
                 "closed_at": None, "revision": 1}), "processes")))
        issuer = LocalIssuer(data_dir)
        reporter = issuer.issue("bench-reporter", TENANT, ["medarbetare"], units)
        chef_claims = {"sub": "bench-chef", "name": "Bänk Chef", "tenant": TENANT, "roles": ["enhetschef"],
                       "org_units": [root]}
        chef = issuer.issue("bench-chef", TENANT, ["enhetschef"], [root])

        deviations_port, web_port = free_port(), free_port()
        servers.append(start("ordning_deviations.app:create_app()", env, deviations_port))
        started = time.perf_counter()
        case_ids = load_cases(deviations_port, reporter, units)
        move_on(platform.engine, case_ids)
        with_actions = case_ids[::20]
        add_actions(deviations_port, chef, with_actions)
        platform.dispose()
        print(f"{len(case_ids)} cases in {UNITS} units of one tenant ({'PostgreSQL' if use_postgres else 'SQLite'}),"
              f" {2 * len(with_actions)} actions, loaded in {time.perf_counter() - started:.0f} s", flush=True)

        secret_key = "bench-" + uuid.uuid4().hex * 2
        web_log = data_dir / "web.log"
        web_env = dict(env, ORDNING_WEB_DEVIATIONS_URL=f"http://127.0.0.1:{deviations_port}",
                       ORDNING_WEB_SECRET_KEY=secret_key, ORDNING_LOG_LEVEL="INFO")
        servers.append(start("ordning_web.app:create_app()", web_env, web_port, web_log))
        cookie = session_cookie(secret_key, chef, chef_claims)

        rng = random.Random(9)
        pages = {
            "/healthz": ["/healthz"] * (WARMUP + REQUESTS),
            "/inkorg": ["/inkorg"] * (WARMUP + REQUESTS),
            "/arenden/<deviation_id>": [f"/arenden/{rng.choice(with_actions if i % 2 else case_ids)}"
                                         for i in range(WARMUP + REQUESTS)],
        }
        cpu_ms = {}
        for route, paths in pages.items():
            fetch(web_port, paths[:WARMUP], cookie)
            before = sum(cpu_seconds(server) for server in servers)
            fetch(web_port, paths[WARMUP:], cookie)
            cpu_ms[route] = (sum(cpu_seconds(server) for server in servers) - before) * 1000 / REQUESTS
        time.sleep(1)  # the last access lines written
        print(f"server time (the web's access log duration), {REQUESTS} requests per page after {WARMUP} warm-up, "
              f"{CONCURRENCY} clients, gunicorn {' '.join(GUNICORN)}")
        routes = {route: durations(web_log, route, WARMUP) for route in pages}
        if any(len(values) < REQUESTS for values in routes.values()):
            raise SystemExit(f"access lines missing: { {route: len(v) for route, v in routes.items()} }")
        base_p50 = percentile(routes["/healthz"], 0.5)
        for route, values in routes.items():
            p50, p95, p99 = (percentile(values, q) for q in (0.5, 0.95, 0.99))
            verdict = "" if route == "/healthz" else ("  ok" if p95 < TARGET_MS else f"  OVER {TARGET_MS:g} ms p95")
            print(f"  {route:<24} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   p99 {p99:7.1f} ms   "
                  f"p50 / healthz p50 {p50 / max(base_p50, 0.1):6.1f}   CPU {cpu_ms[route]:5.1f} ms/request{verdict}")
        if COMPARE:
            compare(COMPARE, env, web_env, cookie, servers, web_port, web_log)
        size = asset_bytes()
        print(f"web JavaScript + CSS: {size} bytes ({size / 1024:.1f} KB), budget {ASSET_BUDGET // 1024} KB: "
              + ("ok" if size < ASSET_BUDGET else "OVER"))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=15)
        if database:
            from post_deviation import drop_database
            drop_database(database)


if __name__ == "__main__":
    main()
