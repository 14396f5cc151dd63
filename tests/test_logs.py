"""What the processes print is JSON a log platform parses, line by line: gunicorn's own lines, the app's
one access line per request, and a worker's start, without the values a request carried."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests

from ordning_shared.devstack import stop_processes

from .conftest import free_port, wait_ready

pytestmark = pytest.mark.e2e

SECRET = "Skarlatina-Stinasdotter"  # a search term that is a person's name: it must reach no log


def json_lines(text: str) -> list[dict]:
    lines = [line for line in text.splitlines() if line.strip()]
    for line in lines:
        try:
            json.loads(line)
        except ValueError:
            raise AssertionError(f"not a JSON line: {line[:300]}") from None
    return [json.loads(line) for line in lines]


def migrate(service: str, env: dict) -> None:
    subprocess.run([sys.executable, "-c", "import sys; from ordning_shared.migrations import main; "
                    f"sys.argv = ['ordning-migrate', '{service}']; sys.exit(main())"], env=env, check=True,
                   capture_output=True)


def test_gunicorn_and_the_app_log_only_json_lines_and_one_access_line_per_request(tmp_path):
    port = free_port()
    env = dict(os.environ, ORDNING_ENV="embedded", ORDNING_DATA_DIR=str(tmp_path), ORDNING_API_WORKERS="2",
               ORDNING_PROCESSES_DATABASE_URL=f"sqlite:///{tmp_path / 'processes.db'}", TMPDIR=str(tmp_path),
               ORDNING_LOG_LEVEL="INFO")
    migrate("processes", env)
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:ordning_shared.gunicorn_conf",
             "--bind", f"127.0.0.1:{port}", "--log-level", "info", "ordning_processes.app:create_app()"],
            env=env, stdout=stdout, stderr=stderr)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base, process)
            token = requests.post(f"{base}/dev/token", json={"user": "anna"}, timeout=5).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            listed = requests.get(f"{base}/api/v1/org-units", headers=auth, timeout=5)
            assert listed.status_code == 200
            searched = requests.get(f"{base}/api/v1/org-units", params={"kind": SECRET}, headers=auth, timeout=5)
            assert searched.status_code == 422
            missing = requests.get(f"{base}/api/v1/org-units/{uuid.uuid4()}", headers=auth, timeout=5)
            assert missing.status_code == 404
            unmatched = requests.get(f"{base}/api/v1/{SECRET}", headers=auth, timeout=5)
            assert unmatched.status_code == 404
            refused = requests.post(f"{base}/api/v1/org-units", data=json.dumps({"name": SECRET}) + "}",
                                    headers={**auth, "Content-Type": "application/json"}, timeout=5)
            assert refused.status_code == 400
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:  # gunicorn refuses this one
                sock.sendall(f"NOT A REQUEST LINE {SECRET}\r\n\r\n".encode())
                sock.recv(65536)
            # the formatter gunicorn's master loads must not make the metrics count per process
            scrape = requests.get(f"{base}/metrics", timeout=5).text
            assert 'route="/api/v1/org-units",service="processes",status="422"} 1.0' in scrape
            time.sleep(0.5)
        finally:
            stop_processes([process], timeout=15)
    lines = json_lines(out.read_text()) + json_lines(err.read_text())
    text = out.read_text() + err.read_text()
    assert SECRET not in text and token not in text
    refusals = [line for line in lines if "unreadable request" in line["message"]]
    assert len(refusals) == 1 and "127.0.0.1" not in json.dumps(refusals)  # nor the client's address
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    access = [line for line in lines if line["logger"] == "ordning.access"]
    by_route = {(line["method"], line["route"], line["status"]): line for line in access}
    listing = by_route[("GET", "/api/v1/org-units", 200)]
    assert listing["tenant"] and len(listing["trace_id"]) == 32 and listing["duration_ms"] >= 0
    assert listing["service"] == "processes"
    assert ("GET", "/api/v1/org-units", 422) in by_route  # and nothing of the query
    assert ("GET", "/api/v1/org-units/<uuid:unit_id>", 404) in by_route  # the template, not the id it was given
    assert ("GET", "unmatched", 404) in by_route  # and nothing of the path
    assert ("POST", "/api/v1/org-units", 400) in by_route
    assert [line["route"] for line in access if line["route"] not in ("/readyz", "/dev/token", "/metrics")] == [
        "/api/v1/org-units", "/api/v1/org-units", "/api/v1/org-units/<uuid:unit_id>", "unmatched",
        "/api/v1/org-units"]  # one line per request


@pytest.mark.parametrize("service", ["deviations", "notify"])  # notify's queue is bound to every event type
def test_a_worker_starts_without_a_warning(tmp_path, service):
    env = dict(os.environ, ORDNING_ENV="embedded", ORDNING_DATA_DIR=str(tmp_path), ORDNING_LOG_LEVEL="INFO",
               **{f"ORDNING_{service.upper()}_DATABASE_URL": f"sqlite:///{tmp_path / f'{service}.db'}"})
    env.pop("ORDNING_BROKER_URL", None)  # the embedded default: kombu's filesystem transport
    migrate(service, env)
    process = subprocess.Popen([sys.executable, "-c", f"from ordning_{service}.app import worker; worker()"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    printed: list[str] = []
    # Read as it prints, so the wait ends when the worker has started, however slow the machine is today.
    reader = threading.Thread(target=lambda: printed.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while not any("worker started" in line for line in printed) and time.monotonic() < deadline:
            assert process.poll() is None, "".join(printed)
            time.sleep(0.2)
        time.sleep(4)  # the relay, the consumer and the retention job make their first turns
    finally:
        process.terminate()
        process.wait(timeout=15)
    reader.join(timeout=10)  # the last lines, up to the end of the output
    lines = json_lines("".join(printed))
    assert any("worker started" in line["message"] for line in lines), "".join(printed)
    assert [line for line in lines if line["level"] not in ("INFO", "DEBUG")] == []
