"""The processes service's HTTP app and worker.

gunicorn target: "ordning_processes.app:create_app()"; worker: `ordning-processes-worker`.
"""
from __future__ import annotations

from flask import Flask

from ordning_shared.config import Settings
from ordning_shared.http import create_app as create_platform_app
from ordning_shared.platform import Platform
from ordning_shared.worker import run_worker

from . import api, domain, service
from .db import tables
from .handlers import HANDLERS

SERVICE = "processes"

# Order matters: the first class an exception is an instance of decides its status.
PROBLEM_MAP = {
    service.UnitNotFound: (404, "Not Found"),
    service.UnitIdTaken: (409, "Conflict"),
    service.StaleUnit: (412, "Precondition Failed"),
    domain.ParentNotFound: (422, "Unprocessable Content"),
    domain.CrossTenant: (422, "Unprocessable Content"),
    domain.InvalidParent: (422, "Unprocessable Content"),
    domain.InvalidName: (422, "Unprocessable Content"),
    domain.InvalidKind: (422, "Unprocessable Content"),
    domain.CycleError: (409, "Conflict"),
    domain.UnitClosed: (409, "Conflict"),
    domain.HasOpenChildren: (409, "Conflict"),
    domain.OrgRuleViolation: (422, "Unprocessable Content"),
}


def make_platform(settings: Settings | None = None) -> Platform:
    return Platform(settings or Settings.from_env(SERVICE), tables)


def create_app(settings: Settings | None = None) -> Flask:
    platform = make_platform(settings)

    return create_platform_app(platform, [api.blp, api.public_blp], title="Ordning processes",
                               problem_map=PROBLEM_MAP)


def worker() -> None:
    """The worker process: relays the outbox (no events are consumed yet)."""
    run_worker(make_platform(), HANDLERS)
