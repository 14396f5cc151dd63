"""`make run`: the embedded stack, with nothing but Python.

Every service runs as its own processes (a gunicorn API and a worker with the
outbox relay and consumer) on SQLite files and kombu's filesystem transport
under one data folder (ORDNING_DATA_DIR, default ./var). On the first start a
demo municipality is seeded through the services' own APIs.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import demo
from .auth import LocalIssuer
from .config import Settings

SERVICES = ["processes", "deviations"]  # in start order: the org tree first


def port_of(service: str) -> int:
    base = int(os.environ.get("ORDNING_RUN_PORT_BASE", "8000"))
    return base + 1 + SERVICES.index(service)


def base_url(service: str) -> str:
    return f"http://127.0.0.1:{port_of(service)}"


def _request(method: str, url: str, body=None, token: str | None = None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), dict(error.headers)


def demo_token(data_dir: Path, user: str) -> str:
    claims = demo.claims_for(user)
    return LocalIssuer(data_dir).issue(claims["subject"], claims["tenant"], claims["roles"], claims["org_units"],
                                       claims["name"])


def _wait_ready(service: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _, _ = _request("GET", base_url(service) + "/readyz")
            if status == 200:
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"{service} did not become ready within {timeout:.0f}s; see the log above")


def seed(data_dir: Path) -> None:
    """The demo municipality, through the APIs, so its events flow like any other."""
    processes = base_url("processes") + "/api/v1/org-units"
    for tenant, name, kind, parent in demo.ORG_UNITS:
        admin = "admin" if tenant == "0138" else "olle"
        body = {"id": demo.unit_id(tenant, name), "kind": kind, "name": name}
        if parent:
            body["parent_id"] = demo.unit_id(tenant, parent)
        status, answer, _ = _request("POST", processes, body, demo_token(data_dir, admin),
                                     {"Idempotency-Key": f"demo-{body['id']}"})
        if status not in (200, 201):
            raise SystemExit(f"seeding {name} failed: {status} {answer}")

    deviations = base_url("deviations") + "/api/v1/deviations"
    anna, erik, sara = (demo_token(data_dir, user) for user in ("anna", "erik", "sara"))
    norr = demo.unit_id("0138", "Hemtjänst Norr")
    solgarden = demo.unit_id("0138", "Särskilt boende Solgården")
    cases = [
        (anna, {"kind": "avvikelse", "unit_id": norr,
                "description": "Insatsen hos brukaren uteblev på morgonen; schemat visade fel tid."}),
        (anna, {"kind": "lex_sarah", "unit_id": norr,
                "description": "Brukaren lämnades ensam längre än planerat vid dubbelbemanning."}),
        (sara, {"kind": "lex_maria", "unit_id": solgarden,
                "description": "Läkemedel gavs till fel boende; ingen synlig skada."}),
        (anna, {"kind": "synpunkt", "unit_id": norr, "description": "Förslag: ny checklista vid nyckelöverlämning."}),
    ]
    deadline = time.monotonic() + 60
    created = []
    for token, body in cases:
        while True:  # the deviations worker builds its copy of the org tree from events first
            status, answer, _ = _request("POST", deviations, body, token,
                                         {"Idempotency-Key": f"demo-{body['kind']}-{body['unit_id']}"})
            if status == 201:
                created.append(answer)
                break
            if status == 422 and (answer or {}).get("code") == "unknown_unit" and time.monotonic() < deadline:
                time.sleep(0.3)
                continue
            raise SystemExit(f"seeding a {body['kind']} failed: {status} {answer}")
    first = created[0]
    status, answer, headers = _request("POST", f"{deviations}/{first['id']}/transitions", {"command": "receive"},
                                       erik, {"If-Match": f'"{first["id"]}.{first["version"]}"'})
    if status != 200:
        raise SystemExit(f"seeding a transition failed: {status} {answer}")
    _request("POST", base_url("deviations") + "/api/v1/public/0138/feedback",
             {"kind": "klagomal", "unit_id": norr, "anonymous": True,
              "description": "Hemtjänsten kom inte på utsatt tid tre dagar i rad."},
             headers={"Idempotency-Key": "demo-citizen-klagomal"})


def stop_processes(processes: list[subprocess.Popen], timeout: float) -> None:
    """Ask every process to stop at once, then kill what has not stopped within `timeout` seconds."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    data_dir = Path(os.environ.get("ORDNING_DATA_DIR", "var")).absolute()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, ORDNING_ENV="embedded", ORDNING_DATA_DIR=str(data_dir))
    env.pop("ORDNING_AUTH_JWKS_URL", None)
    Settings.from_env("processes", env)  # fail early on a broken configuration
    LocalIssuer(data_dir).private_key()  # one key, made before the processes race for it
    python = sys.executable
    children: list[subprocess.Popen] = []

    def stop(*_):
        stop_processes(children, timeout=10)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for service in SERVICES:
        subprocess.run([python, "-m", "ordning_shared.migrations", service], env=env, check=True)
    for service in SERVICES:
        children.append(subprocess.Popen(
            [python, "-m", "gunicorn", "--bind", f"127.0.0.1:{port_of(service)}", "--workers", "1",
             "--threads", "4", "--log-level", "warning", f"ordning_{service}.app:create_app()"], env=env))
        children.append(subprocess.Popen(
            [python, "-c", f"from ordning_{service}.app import worker; worker()"], env=env))
    try:
        for service in SERVICES:
            _wait_ready(service)
        marker = data_dir / "demo-seeded"
        if not marker.exists():
            print("seeding the demo municipality (Tyresö 0138, Öckerö 1407) ...", flush=True)
            seed(data_dir)
            marker.write_text(datetime.now(timezone.utc).isoformat())
    except BaseException:
        stop()
        raise
    print(banner(data_dir), flush=True)
    while all(child.poll() is None for child in children):
        time.sleep(1)
    print("a process of the stack stopped; stopping the rest", file=sys.stderr)
    stop()


def banner(data_dir: Path) -> str:
    lines = ["", "Ordning is running (embedded: SQLite and a filesystem bus under %s)" % data_dir, ""]
    for service in SERVICES:
        lines.append(f"  {service:<11} {base_url(service)}   API docs: {base_url(service)}/openapi.json")
    dev = base_url("deviations")
    lines += [
        "", "Demo users: " + ", ".join(f"{user} ({', '.join(demo.USERS[user][2])})" for user in demo.USERS),
        "Get a token:   make token USER_NAME=erik",
        f"   or:         curl -s -X POST '{base_url('processes')}/dev/token?user=erik'",
        f"Then:          curl -s -H \"Authorization: Bearer $TOKEN\" {dev}/api/v1/deviations",
        f"Report:        curl -s -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\",
        f"                 -d '{{\"kind\": \"avvikelse\", \"unit_id\": \"{demo.unit_id('0138', 'Hemtjänst Norr')}\", "
        "\"description\": \"...\"}}' " + f"{dev}/api/v1/deviations",
        "Stop with Ctrl-C; the data stays in the folder (delete it to start afresh).", "",
    ]
    return "\n".join(lines)


def token_main() -> None:
    user = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else "erik"
    if user not in demo.USERS:
        raise SystemExit("demo users: " + ", ".join(sorted(demo.USERS)))
    print(demo_token(Path(os.environ.get("ORDNING_DATA_DIR", "var")).absolute(), user))


if __name__ == "__main__":
    main()
