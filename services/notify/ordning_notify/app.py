"""create_app() for the API process (gunicorn "ordning_notify.app:create_app()") and the worker."""
from __future__ import annotations

import threading

from flask import Flask
from ordning_shared.config import Settings
from ordning_shared.http import create_app as shared_create_app
from ordning_shared.platform import Platform

from . import mail, mail_api, webhook_api, webhook_service
from .api import BLUEPRINTS
from .db import tables
from .deadline_api import BLUEPRINTS as DEADLINE_BLUEPRINTS
from .deadline_service import deadline_job
from .handlers import HANDLERS

SERVICE = "notify"
# The worker's periodic jobs, each a function platform -> ordning_shared.scheduler.PeriodicJob; the deadline
# scheduler and the mail digest add theirs here.
JOBS: list = [mail.send_job, mail.digest_job, deadline_job, webhook_service.delivery_job,
              webhook_service.log_pruning_job]


def make_platform(settings: Settings | None = None) -> Platform:
    return Platform(settings or Settings.from_env(SERVICE), tables)


def create_app(settings: Settings | None = None) -> Flask:
    return shared_create_app(
        make_platform(settings), [*BLUEPRINTS, *mail_api.BLUEPRINTS, *DEADLINE_BLUEPRINTS, *webhook_api.BLUEPRINTS],
        title="Ordning notify")


def worker(stop: threading.Event | None = None) -> None:
    """The worker's loops until `stop` is set (or SIGTERM, when run as a process of its own): it consumes every
    catalogue event (notices by the tenant's rules, the org-tree and role copies) and relays the outbox."""
    from ordning_shared.worker import run_worker

    platform = make_platform()
    run_worker(platform, HANDLERS, stop, jobs=[make_job(platform) for make_job in JOBS])
