"""create_app() for the API process (gunicorn "ordning_reporting.app:create_app()") and the worker."""
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
from .patterns_api import BLUEPRINTS as PATTERN_BLUEPRINTS
from .region_api import BLUEPRINTS as REGION_BLUEPRINTS
from .report_api import BLUEPRINTS as REPORT_BLUEPRINTS

SERVICE = "reporting"


def make_platform(settings: Settings | None = None) -> Platform:
    return Platform(settings or Settings.from_env(SERVICE), tables)


def create_app(settings: Settings | None = None) -> Flask:
    platform = make_platform(settings)
    blueprints = [*BLUEPRINTS, *REPORT_BLUEPRINTS, *PATTERN_BLUEPRINTS, *REGION_BLUEPRINTS]
    return shared_create_app(platform, blueprints, title="Ordning reporting", scrape=lambda: metrics.refresh(platform))


def worker(stop: threading.Event | None = None) -> None:
    """The worker's loops until `stop` is set (or SIGTERM): it stores every event of every service, keeps the
    read models from them, and relays the outbox."""
    from ordning_shared.worker import run_worker

    run_worker(make_platform(), HANDLERS, stop)
