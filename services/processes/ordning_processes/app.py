"""The processes service's HTTP app and worker.

gunicorn target: "ordning_processes.app:create_app()"; worker: `ordning-processes-worker`.
"""
from __future__ import annotations

import threading

from flask import Flask

from ordning_shared.config import Settings
from ordning_shared.http import create_app as create_platform_app
from ordning_shared.platform import Platform
from ordning_shared.worker import run_worker

from . import api
from .db import tables
from .handlers import HANDLERS

SERVICE = "processes"


def make_platform(settings: Settings | None = None) -> Platform:
    return Platform(settings or Settings.from_env(SERVICE), tables)


def create_app(settings: Settings | None = None) -> Flask:
    platform = make_platform(settings)

    return create_platform_app(platform, [api.blp, api.public_blp], title="Ordning processes")


def worker(stop: threading.Event | None = None) -> None:
    """The worker's loops until `stop` is set (or SIGTERM, when run as a process of its own)."""
    run_worker(make_platform(), HANDLERS, stop)
