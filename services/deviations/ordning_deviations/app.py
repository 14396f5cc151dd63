"""create_app() for the API process (gunicorn "ordning_deviations.app:create_app()") and the worker."""
from __future__ import annotations

from flask import Flask
from ordning_shared.config import Settings
from ordning_shared.http import create_app as shared_create_app
from ordning_shared.platform import Platform

from .api import BLUEPRINTS
from .db import tables
from .handlers import HANDLERS

SERVICE = "deviations"


def make_platform(settings: Settings | None = None) -> Platform:
    return Platform(settings or Settings.from_env(SERVICE), tables)


def create_app(settings: Settings | None = None) -> Flask:
    platform = make_platform(settings)
    return shared_create_app(platform, BLUEPRINTS, title="Ordning deviations")


def worker() -> None:
    from ordning_shared.worker import run_worker

    run_worker(make_platform(), HANDLERS)
