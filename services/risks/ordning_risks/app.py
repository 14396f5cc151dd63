"""create_app() for the API process (gunicorn "ordning_risks.app:create_app()") and the worker."""
from __future__ import annotations

import threading

from flask import Flask
from ordning_shared.config import Settings
from ordning_shared.http import create_app as shared_create_app
from ordning_shared.platform import Platform

from . import metrics
from .api import BLUEPRINTS
from .db import tables
from .handlers import HANDLERS
from .plan_api import BLUEPRINTS as PLAN_BLUEPRINTS

SERVICE = "risks"


def make_platform(settings: Settings | None = None) -> Platform:
    return Platform(settings or Settings.from_env(SERVICE), tables)


def create_app(settings: Settings | None = None) -> Flask:
    platform = make_platform(settings)
    return shared_create_app(platform, [*BLUEPRINTS, *PLAN_BLUEPRINTS], title="Ordning risks", scrape=lambda: metrics.refresh(platform))


def worker(stop: threading.Event | None = None) -> None:
    """The worker's loops until `stop` is set (or SIGTERM, when run as a process of its own): it keeps the
    org-tree copy from the processes service's events and relays the outbox."""
    from ordning_shared.worker import run_worker

    run_worker(make_platform(), HANDLERS, stop)
