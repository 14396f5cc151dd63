"""The web against the real processes, deviations, reporting and notify apps, in this process: each API on a
werkzeug server of its own (a free port), on SQLite files and the filesystem bus, with its worker's loops in a
thread, so that the org tree reaches the other services by events as in the embedded stack."""
from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import sqlalchemy as sa
import requests
from werkzeug.serving import make_server

from ordning_shared import demo
from ordning_shared.devstack import demo_token
from ordning_shared.embedded import QuietRequestHandler
from ordning_shared.migrations import upgrade
from ordning_shared.testing import BackgroundWorker, make_settings

from ordning_web.app import create_app
from ordning_web.config import WebSettings


class Served:
    """A WSGI app on 127.0.0.1, on a free port, in a thread: its URL; stop() closes the port."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Services:
    data_dir: Path
    urls: dict
    platforms: dict
    served: list

    def token(self, user: str) -> str:
        return demo_token(self.data_dir, user)

    def web_settings(self, **overrides) -> WebSettings:
        settings = WebSettings.from_env({"ORDNING_DATA_DIR": str(self.data_dir),
                                         "ORDNING_WEB_PROCESSES_URL": self.urls["processes"],
                                         "ORDNING_WEB_DEVIATIONS_URL": self.urls["deviations"],
                                         "ORDNING_WEB_REPORTING_URL": self.urls["reporting"],
                                         "ORDNING_WEB_NOTIFY_URL": self.urls["notify"]})
        return replace(settings, **overrides)


def _post(url, body, token, key):
    return requests.post(url, json=body, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                         timeout=10)


def _seed(services: "Services") -> None:
    """The demo municipality's org tree, through the processes API, as devstack.seed does; then wait for
    the deviations service's copy, which its worker builds from the events."""
    for tenant, name, kind, parent in demo.ORG_UNITS:
        body = {"id": demo.unit_id(tenant, name), "kind": kind, "name": name}
        if parent:
            body["parent_id"] = demo.unit_id(tenant, parent)
        admin = services.token("admin" if tenant == "0138" else "olle")
        answer = _post(services.urls["processes"] + "/api/v1/org-units", body, admin, f"seed-{body['id']}")
        assert answer.status_code in (200, 201), answer.text
    for service in ("deviations", "reporting", "notify"):
        replica = services.platforms[service].tables.org_units
        deadline = time.monotonic() + 60
        while True:
            with services.platforms[service].engine.connect() as connection:
                known = connection.execute(sa.select(sa.func.count()).select_from(replica)).scalar_one()
            if known == len(demo.ORG_UNITS):
                break
            assert time.monotonic() < deadline, f"the {service} service knows {known} of {len(demo.ORG_UNITS)} units"
            time.sleep(0.2)


@pytest.fixture(scope="session")
def services(tmp_path_factory):
    """processes, deviations, reporting and notify, served and with their workers, and the demo org tree in each."""
    from ordning_deviations import app as deviations_app
    from ordning_deviations.handlers import HANDLERS as DEVIATIONS_HANDLERS
    from ordning_notify import app as notify_app
    from ordning_notify.handlers import HANDLERS as NOTIFY_HANDLERS
    from ordning_processes import app as processes_app
    from ordning_processes.handlers import HANDLERS as PROCESSES_HANDLERS
    from ordning_reporting import app as reporting_app
    from ordning_reporting.handlers import HANDLERS as REPORTING_HANDLERS

    data_dir = tmp_path_factory.mktemp("web-services")
    namespace = f"web{uuid.uuid4().hex[:8]}"
    modules = {"processes": (processes_app, PROCESSES_HANDLERS), "deviations": (deviations_app, DEVIATIONS_HANDLERS),
               "reporting": (reporting_app, REPORTING_HANDLERS), "notify": (notify_app, NOTIFY_HANDLERS)}
    served, workers, platforms, urls = [], [], {}, {}
    try:
        for service, (module, handlers) in modules.items():
            # trusted_proxies=1: the web is the one proxy in front of the public endpoints, and tells each
            # citizen's address (X-Forwarded-For), so each test client is a client of its own at the rate limit.
            settings = make_settings(service, database_url=f"sqlite:///{data_dir / (service + '.db')}",
                                     broker_url="filesystem://", data_dir=data_dir, bus_namespace=namespace,
                                     trusted_proxies=1)
            upgrade(service, settings)
            platforms[service] = module.make_platform(settings)
            workers.append(BackgroundWorker(platforms[service], handlers).__enter__())
            served.append(Served(module.create_app(settings)))
            urls[service] = served[-1].url
        services = Services(data_dir, urls, platforms, served)
        _seed(services)
        yield services
    finally:
        for server in served:
            server.stop()
        for worker in workers:
            worker.stop()


@pytest.fixture
def client(tmp_path):
    """The web alone, on the embedded defaults: for what needs no service."""
    return create_app(WebSettings.from_env({"ORDNING_DATA_DIR": str(tmp_path)})).test_client()


@pytest.fixture
def web(services):
    """The web's test client, on the services above."""
    return create_app(services.web_settings()).test_client()


def csrf_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def sign_in(client, user: str) -> None:
    answer = client.post("/logga-in", data={"user": user, "csrf_token": csrf_of(client.get("/logga-in"))})
    assert answer.status_code == 302, answer.text


def free_port_url() -> str:
    """A URL where nothing listens: a port bound and closed again."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"
