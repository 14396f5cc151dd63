"""A service's worker process: the outbox relay and the event consumer side by side, each with a heartbeat."""
from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Sequence

from .consumer import run_consumer
from .liveness import Heartbeats
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
    heartbeats = Heartbeats(settings.service, settings.worker_stall_seconds)
    server = None
    if settings.metrics_port:
        # Prometheus metrics (events consumed/published, the backlog) and the liveness probe's /healthz.
        server = heartbeats.serve(settings.metrics_port)
    relay = OutboxRelay(platform, heartbeat=heartbeats.beater("relay"))
    relay_thread = threading.Thread(target=relay.run, args=(stop,), name="outbox-relay", daemon=True)
    relay_thread.start()
    scheduler_thread = start_jobs(jobs, stop)  # periodic jobs, e.g. retention
    log.info("worker started: relay%s", " and consumer of " + ", ".join(sorted(handlers)) if handlers else "")
    beat = heartbeats.beater("consumer") if handlers else None
    while not stop.is_set():
        if not handlers:
            stop.wait(1)
            continue
        try:
            run_consumer(platform, handlers, stop, heartbeat=beat)
        except Exception:  # kombu gives up after its retries; start over until told to stop
            log.exception("consumer stopped; restarting")
            beat()
            stop.wait(2)
    relay_thread.join(timeout=10)
    if scheduler_thread is not None:
        scheduler_thread.join(timeout=10)
    if server is not None:
        server.shutdown()
        server.server_close()
    log.info("worker stopped")
