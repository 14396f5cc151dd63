"""End-to-end fixtures: the services as processes (gunicorn API + worker) on real infrastructure."""
from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from kombu import Connection

from ordning_shared.devstack import stop_processes
from ordning_shared.testing import bearer, issue_token, make_settings

SERVICES = ("processes", "deviations", "risks", "reporting")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} exited with {process.returncode}")
        try:
            if requests.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not ready after {timeout}s")


def wait_consuming(broker_url: str, queue: str, worker: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise AssertionError(f"the worker of {queue} exited with {worker.returncode}")
        try:
            with Connection(broker_url, connect_timeout=3) as connection:
                if connection.channel().queue_declare(queue=queue, passive=True)[2] >= 1:
                    return
        except Exception:  # not declared yet
            pass
        time.sleep(0.2)
    raise AssertionError(f"no consumer on {queue} after {timeout}s")


class Stack:
    def __init__(self, env: dict, urls: dict, data_dir: Path):
        self.env, self.urls, self.data_dir = env, urls, data_dir

    def token(self, subject, tenant, roles, org_units=()):
        settings = make_settings("deviations", database_url="sqlite://", broker_url="filesystem://",
                                 data_dir=self.data_dir)
        return issue_token(settings, subject, tenant, roles, list(org_units))

    def create_unit(self, token, kind, name, parent_id=None) -> str:
        """A unit made in the processes service, as an administrator does; its id."""
        body = {"kind": kind, "name": name, **({"parent_id": parent_id} if parent_id else {})}
        response = requests.post(f"{self.urls['processes']}/api/v1/org-units", json=body, headers=bearer(token),
                                 timeout=30)
        assert response.status_code == 201, response.text
        return response.json()["id"]


@pytest.fixture
def processes_and(migrated_settings):
    """Factory: the processes service's app and another service's (by name), in this process, each on a database
    of its own, with the other's queue declared before anything is published (events nobody's queue holds are not
    kept); returns (processes app, other app, the other's handlers). A test runs their workers as it needs."""
    made = []

    def _apps(service: str):
        from ordning_shared.bus import connect, declare_topology, service_queues

        processes = importlib.import_module("ordning_processes.app").create_app(migrated_settings("processes"))
        made.append(processes)
        other = importlib.import_module(f"ordning_{service}.app").create_app(migrated_settings(service))
        made.append(other)
        handlers = importlib.import_module(f"ordning_{service}.handlers").HANDLERS
        platform = other.extensions["ordning"]
        with connect(platform.settings) as connection:
            declare_topology(platform.settings, connection, service_queues(platform.settings, list(handlers)))
        return processes, other, handlers

    yield _apps
    for app in made:
        app.extensions["ordning"].dispose()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, create_database, broker_url, service_broker_url):
    data_dir = tmp_path_factory.mktemp("stack")
    namespace = f"e2e{os.getpid()}x{int(time.time())}"
    env = dict(os.environ, ORDNING_ENV="embedded", ORDNING_DATA_DIR=str(data_dir), ORDNING_BROKER_URL=broker_url,
               ORDNING_BUS_NAMESPACE=namespace, ORDNING_LOG_LEVEL="WARNING")
    for service in SERVICES:
        env[f"ORDNING_{service.upper()}_DATABASE_URL"] = create_database(service)
        subprocess.run([sys.executable, "-m", "ordning_shared.migrations", service], env=env, check=True)
    # Each service on the broker as its own user, with only the rights production gives it.
    broker_urls = {service: service_broker_url(service) for service in SERVICES}
    processes, urls = [], {}
    tmp_dirs = {service: data_dir / f"tmp-{service}" for service in SERVICES}
    for folder in tmp_dirs.values():
        folder.mkdir()
    try:
        for service in SERVICES:
            port = free_port()
            urls[service] = f"http://127.0.0.1:{port}"
            own = dict(env, ORDNING_BROKER_URL=broker_urls[service])
            processes.append(subprocess.Popen(
                # The container's gunicorn settings (two workers, metrics summed across them).
                [sys.executable, "-m", "gunicorn", "--config", "python:ordning_shared.gunicorn_conf",
                 "--bind", f"127.0.0.1:{port}", "--log-level", "warning", f"ordning_{service}.app:create_app()"],
                env=dict(own, TMPDIR=str(tmp_dirs[service]))))
            processes.append(subprocess.Popen(
                [sys.executable, "-c", f"from ordning_{service}.app import worker; worker()"], env=own))
        for index, service in enumerate(SERVICES):
            wait_ready(urls[service], processes[index * 2])
            if importlib.import_module(f"ordning_{service}.handlers").HANDLERS:
                # Its queue must be bound before another service publishes, or those events reach no one.
                wait_consuming(broker_url, f"{namespace}.{service}", processes[index * 2 + 1])
        yield Stack(env, urls, data_dir)
    finally:
        stop_processes(processes, timeout=15)


@pytest.fixture(scope="module")
def gunicorn_api(tmp_path_factory):
    """The processes API alone under gunicorn with the image's settings, on SQLite: its port."""
    data_dir = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = dict(os.environ, ORDNING_ENV="embedded", ORDNING_DATA_DIR=str(data_dir), ORDNING_API_WORKERS="1",
               ORDNING_PROCESSES_DATABASE_URL=f"sqlite:///{data_dir / 'processes.db'}", TMPDIR=str(data_dir),
               ORDNING_LOG_LEVEL="WARNING")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "python:ordning_shared.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "ordning_processes.app:create_app()"], env=env)
    try:
        wait_ready(f"http://127.0.0.1:{port}", process)
        yield port
    finally:
        stop_processes([process], timeout=15)
