"""The worker's scheduler: periodic jobs run when due, a failing job does not stop the others, stop ends it."""
from __future__ import annotations

import threading
import time

import pytest

from ordning_shared.scheduler import PeriodicJob, run_jobs, start_jobs
from ordning_shared.testing import wait_until


def test_each_job_runs_at_once_and_then_every_interval_and_a_failure_stops_nothing():
    runs = {"fast": 0, "slow": 0, "broken": 0}

    def count(name):
        def job():
            runs[name] += 1
            if name == "broken":
                raise RuntimeError("Anna Andersson's row")  # must not stop the scheduler
        return job

    stop = threading.Event()
    jobs = [PeriodicJob("fast", 0.05, count("fast")), PeriodicJob("slow", 60, count("slow")),
            PeriodicJob("broken", 0.05, count("broken"))]
    thread = start_jobs(jobs, stop)
    wait_until(lambda: runs["fast"] >= 4 and runs["broken"] >= 4, timeout=30, message="repeated runs")
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert runs["slow"] == 1  # at once, then not again within its minute


def test_the_failure_is_logged_without_its_message(caplog):
    stop = threading.Event()

    def broken():
        stop.set()
        raise ValueError("Anna Andersson 19450101-1234")

    run_jobs([PeriodicJob("retention", 60, broken)], stop)
    assert "retention failed: ValueError" in caplog.text and "Anna" not in caplog.text


def test_a_turn_that_did_something_is_logged_at_info_and_an_idle_one_at_debug(caplog):
    import logging

    caplog.set_level(logging.DEBUG, logger="ordning_shared.scheduler")
    stop = threading.Event()
    results = iter([{"sent": 2}, {}])

    def mail():
        result = next(results)
        if not result:
            stop.set()
        return result

    run_jobs([PeriodicJob("mail", 0.01, mail)], stop)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "job mail done: {'sent': 2}"), ("DEBUG", "job mail done: {}")]


def test_no_jobs_no_thread_and_a_stop_set_ends_at_once():
    assert start_jobs([], threading.Event()) is None
    stop = threading.Event()
    stop.set()
    started = time.monotonic()
    run_jobs([PeriodicJob("never", 3600, lambda: pytest.fail("ran after stop"))], stop)
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("every", [0, -1])
def test_an_interval_must_be_positive(every):
    with pytest.raises(ValueError):
        PeriodicJob("x", every, lambda: None)
