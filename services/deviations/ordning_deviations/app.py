"""create_app() for the API process (gunicorn "ordning_deviations.app:create_app()") and the worker."""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from flask import Flask
from ordning_shared.config import Settings
from ordning_shared.db import utcnow
from ordning_shared.http import create_app as shared_create_app
from ordning_shared.platform import Platform
from ordning_shared.scheduler import PeriodicJob

from . import metrics, service
from .api import BLUEPRINTS
from .db import tables
from .handlers import HANDLERS

SERVICE = "deviations"


def make_platform(settings: Settings | None = None) -> Platform:
    return Platform(settings or Settings.from_env(SERVICE), tables)


def create_app(settings: Settings | None = None) -> Flask:
    platform = make_platform(settings)
    return shared_create_app(platform, BLUEPRINTS, title="Ordning deviations",
                             scrape=lambda: metrics.refresh(platform))


RETENTION_EVERY_SECONDS = 3600  # the rule counts whole days; an hour bounds how late a day's expiries are done


def jobs(platform: Platform, clock: Callable[[], datetime] = utcnow) -> list[PeriodicJob]:
    """The deviations worker's periodic jobs; `clock` is the time the job takes as now (tests set it)."""
    return [PeriodicJob("retention", RETENTION_EVERY_SECONDS,
                        lambda: service.pseudonymise_expired(platform, now=clock()))]


def worker(stop: threading.Event | None = None) -> None:
    """The worker's loops until `stop` is set (or SIGTERM, when run as a process of its own)."""
    from ordning_shared.worker import run_worker

    platform = make_platform()
    run_worker(platform, HANDLERS, stop, jobs=jobs(platform))
