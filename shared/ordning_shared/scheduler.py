"""Periodic jobs in a service's worker process (e.g. retention), beside the relay and the consumer.

A service gives `run_worker` its jobs; one thread runs each when due, one at a time. A job that fails is
logged by its class and stack only (a database error's text can hold the row's values) and runs again at its
next turn. Replicas each run every job: a job shares its work with the others itself (row locks).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .observability import exception_without_values

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    function: Callable[[], object]  # binds its own platform and clock

    def __post_init__(self):
        if self.every_seconds <= 0:
            raise ValueError("every_seconds must be positive")


def run_jobs(jobs: Sequence[PeriodicJob], stop: threading.Event, clock: Callable[[], float] = time.monotonic) -> None:
    """Run each job at once, then every `every_seconds` after its last start, until `stop` is set."""
    due = {job.name: clock() for job in jobs}
    while not stop.is_set():
        for job in jobs:
            if stop.is_set() or clock() < due[job.name]:
                continue
            due[job.name] = clock() + job.every_seconds
            try:
                result = job.function()
                # A turn with nothing done (a falsy result) is told at DEBUG: a job that looks every second or
                # every few seconds (notify's webhook deliveries, its mail) would fill the log with it.
                log.log(logging.INFO if result else logging.DEBUG, "job %s done: %s", job.name, result)
            except Exception as error:  # the next turn tries again
                log.error("job %s failed: %s\n%s", job.name, type(error).__name__, exception_without_values(error))
        stop.wait(max(0.0, min(due.values()) - clock()) if due else 1)


def start_jobs(jobs: Sequence[PeriodicJob], stop: threading.Event) -> threading.Thread | None:
    """The scheduler thread of a worker, started; None when the service has no jobs."""
    if not jobs:
        return None
    thread = threading.Thread(target=run_jobs, args=(list(jobs), stop), name="scheduler", daemon=True)
    thread.start()
    return thread
