"""A service's worker process: the outbox relay and the event consumer side by side."""
from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Sequence

from .consumer import run_consumer
from .observability import setup_logging, setup_tracing
from .outbox import OutboxRelay
from .platform import Platform
from .scheduler import PeriodicJob, start_jobs

log = logging.getLogger(__name__)


def run_worker(platform: Platform, handlers: dict, stop: threading.Event | None = None,
               jobs: Sequence[PeriodicJob] = ()) -> None:
    settings = platform.settings
    setup_logging(settings.service, settings.log_level)
    setup_tracing(settings.service)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    if settings.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port)  # events consumed/published and the backlog, for Prometheus
    relay = OutboxRelay(platform)
    relay_thread = threading.Thread(target=relay.run, args=(stop,), name="outbox-relay", daemon=True)
    relay_thread.start()
    scheduler_thread = start_jobs(jobs, stop)  # periodic jobs, e.g. retention
    log.info("worker started: relay%s", " and consumer of " + ", ".join(sorted(handlers)) if handlers else "")
    while not stop.is_set():
        if not handlers:
            stop.wait(1)
            continue
        try:
            run_consumer(platform, handlers, stop)
        except Exception:  # kombu gives up after its retries; start over until told to stop
            log.exception("consumer stopped; restarting")
            stop.wait(2)
    relay_thread.join(timeout=10)
    if scheduler_thread is not None:
        scheduler_thread.join(timeout=10)
    log.info("worker stopped")
