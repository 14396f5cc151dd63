"""For tests of the pages: the real processes and deviations services in this process, and the web in front.

Each service runs as `make run` runs it (SQLite files and kombu's filesystem bus under one data folder, its API
on werkzeug's threaded server, its worker loops in a thread), on a free port. The demo municipality's org tree
(ordning_shared.demo) is created through the processes API, and the stack is ready once the deviations
service's copy of the tree holds every unit: the demo users' tokens then work as in `make run`.
"""
from __future__ import annotations

import importlib
import json
import os
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from ordning_shared import demo
from ordning_shared.auth import LocalIssuer
from ordning_shared.embedded import QuietRequestHandler
from ordning_shared.migrations import upgrade
from ordning_shared.testing import BackgroundWorker, make_settings, wait_until
from werkzeug.serving import make_server

SERVICES = ("processes", "deviations")


@dataclass
class ServiceStack:
    data_dir: Path
    urls: dict = field(default_factory=dict)
    apps: dict = field(default_factory=dict)
    _stops: list = field(default_factory=list)

    def token(self, user: str) -> str:
        claims = demo.claims_for(user)
        return LocalIssuer(self.data_dir).issue(claims["subject"], claims["tenant"], claims["roles"],
                                                claims["org_units"], claims["name"])

    def call(self, service: str, method: str, path: str, body=None, user: str | None = None, headers=None):
        """(status, JSON body, headers) of one call to a service's API, as a demo user or without a token."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.urls[service] + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if user:
            request.add_header("Authorization", "Bearer " + self.token(user))
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null"), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null"), dict(error.headers)

    def stop(self) -> None:
        for stop in reversed(self._stops):
            stop()


def start_stack(data_dir: Path, namespace: str | None = None, **overrides) -> ServiceStack:
    """The two services up and the demo org tree copied; `overrides` are Settings fields for both (the web in
    front is one proxy hop, so trusted_proxies=1 lets each test client count as a client of its own)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    namespace = namespace or f"web{os.getpid()}"
    stack = ServiceStack(data_dir=data_dir)
    try:
        for service in SERVICES:
            settings = make_settings(service, database_url=f"sqlite:///{data_dir / service}.db",
                                     broker_url="filesystem://", data_dir=data_dir, bus_namespace=namespace, **overrides)
            upgrade(service, settings)
            module = importlib.import_module(f"ordning_{service}.app")
            app = module.create_app(settings)
            platform = app.extensions["ordning"]
            server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
            thread = threading.Thread(target=server.serve_forever, name=f"{service}-api", daemon=True)
            thread.start()
            handlers = importlib.import_module(f"ordning_{service}.handlers").HANDLERS
            worker = BackgroundWorker(platform, handlers).__enter__()
            stack._stops.append(lambda server=server, worker=worker, platform=platform: (
                server.shutdown(), server.server_close(), worker.stop(), platform.dispose()))
            stack.urls[service] = f"http://127.0.0.1:{server.server_address[1]}"
            stack.apps[service] = app
        _seed_org_tree(stack)
    except BaseException:
        stack.stop()
        raise
    return stack


def _seed_org_tree(stack: ServiceStack) -> None:
    for tenant, name, kind, parent in demo.ORG_UNITS:
        body = {"id": demo.unit_id(tenant, name), "kind": kind, "name": name}
        if parent:
            body["parent_id"] = demo.unit_id(tenant, parent)
        status, answer, _ = stack.call("processes", "POST", "/api/v1/org-units", body,
                                       user="admin" if tenant == "0138" else "olle")
        assert status == 201, (status, answer)
    platform = stack.apps["deviations"].extensions["ordning"]
    table = platform.tables.org_units

    def all_copied() -> bool:
        with platform.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == len(
                demo.ORG_UNITS)

    wait_until(all_copied, timeout=30, message="the deviations service's copy of the org tree")


def wait_briefly(seconds: float = 0.05) -> None:
    time.sleep(seconds)
