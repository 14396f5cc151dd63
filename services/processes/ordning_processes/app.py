"""The processes service's HTTP app and worker.

gunicorn target: "ordning_processes.app:create_app()"; worker: `ordning-processes-worker`.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from ordning_shared.config import Settings
from ordning_shared.db import utcnow
from ordning_shared.http import create_app as create_platform_app
from ordning_shared.platform import Platform
from ordning_shared.scheduler import PeriodicJob
from ordning_shared.worker import run_worker

from . import api, service
from .db import tables
from .handlers import HANDLERS

SERVICE = "processes"


def make_platform(settings: Settings | None = None) -> Platform:
    return Platform(settings or Settings.from_env(SERVICE), tables)


def create_app(settings: Settings | None = None) -> Flask:
    platform = make_platform(settings)

    return create_platform_app(platform, [api.blp, api.public_blp, *EXTRA_BLUEPRINTS], title="Ordning processes")


def worker(stop: threading.Event | None = None) -> None:
    """The worker's loops until `stop` is set (or SIGTERM, when run as a process of its own)."""
    platform = make_platform()
    run_worker(platform, HANDLERS, stop, jobs=jobs(platform))


def jobs(platform: Platform, clock: Callable[[], datetime] = utcnow) -> list[PeriodicJob]:
    """The worker's periodic jobs; `clock` is the time a job takes as now (tests set it)."""
    return [*document_jobs(platform, clock)]


# =============================================================================================================
# Governing documents (styrdokument) — proc-docs
# =============================================================================================================

REVIEW_DUE_EVERY_SECONDS = 3600  # review dates are whole days; an hour bounds how late a day's notices go out
SWEDISH_TIME = ZoneInfo("Europe/Stockholm")


def document_jobs(platform: Platform, clock: Callable[[], datetime] = utcnow) -> list[PeriodicJob]:
    # A review date is a Swedish calendar day: it has come when that day has begun in Sweden.
    return [PeriodicJob("document_review_due", REVIEW_DUE_EVERY_SECONDS, lambda: service.notify_due_reviews(
        platform, today=clock().astimezone(SWEDISH_TIME).date()))]


EXTRA_BLUEPRINTS = [api.documents_blp, api.roles_blp, api.process_blp, api.template_blp, api.goals_blp]
