"""Done when (issue 13), a missed deadline escalating, over real RabbitMQ and PostgreSQL: cases reported on
ordning.events as the deviations service publishes them, consumed by two notify workers at once, each running the
deadline scheduler on a clock the test sets (no sleeping through days). A case whose receipt_due passes gives its
enhetschef one reminder and, after the tenant's grace period, the verksamhetschef one deadline_escalated notice;
a case received before its deadline gives none. A patientsäkerhetsberättelse the reporting service says is finished
reminds nobody; the next year's, never finished, reminds the MAS and escalates to the förvaltningschef after the
grace period after 1 March. A scheduler killed (SIGKILL) in the middle of a batch loses no
reminder and gives none twice when the next one runs."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace

import pytest
import sqlalchemy as sa
from ordning_shared.bus import connect, declare_topology, retry_queues, service_queues
from ordning_shared.testing import BackgroundWorker, process_env, publish_on_bus, service_env, wait_until

from ordning_notify import deadline_service
from ordning_notify.app import create_app, make_platform
from ordning_notify.deadline_db import deadline_subjects
from ordning_notify.deadline_service import deadline_job
from ordning_notify.handlers import HANDLERS

from .conftest import A, ROLE_HOLDERS, Env, role_event_body
from .deadline_events import at, deadline_states, notices_of, received, report_finished, reported

pytestmark = pytest.mark.integration
# The last day is Tuesday 12 May 2026; reminded Wednesday 13; Thursday 14 is Kristi himmelsfärd, Friday 15 and
# Monday 18 are the two working days of grace; escalated Tuesday 19.
DUE, REMIND, LAST_OF_GRACE, ESCALATE = "2026-05-12", "2026-05-13", "2026-05-18", "2026-05-19"


class Clock:
    """The time the schedulers take as now; the test moves it."""

    def __init__(self, day: str):
        self.now = at(day)

    def set(self, day: str) -> None:
        self.now = at(day)

    def __call__(self):
        return self.now


@pytest.fixture
def bus_env(migrated_settings, service_broker_url):
    """The app and platform on the notify broker user, the org tree fed, the worker's queue declared (bound to
    every type it handles) before anything is published."""
    settings = replace(migrated_settings("notify"), broker_url=service_broker_url("notify"))
    for env in service_env(Env, settings, create_app):
        work, dead = service_queues(settings, sorted(HANDLERS))
        with connect(settings) as connection:
            declare_topology(settings, connection, [dead, *retry_queues(settings), work])
        yield env


@contextmanager
def two_schedulers(env, clock: Clock, **job):
    """Two notify workers (replicas: each its own engine and connections) consuming and running the deadline job
    on `clock`, stopped at the end."""
    second = make_platform(env.settings)
    workers = [BackgroundWorker(platform, HANDLERS, jobs=[deadline_job(platform, clock, every_seconds=0.1, **job)])
               for platform in (env.platform, second)]
    try:
        for worker in workers:
            worker.__enter__()
        yield
    finally:
        for worker in workers:
            worker.stop()
        second.dispose()


def _receipt_states(platform) -> Counter:
    return Counter(state for (_case, kind), (state, _round) in deadline_states(platform, A).items()
                   if kind == "receipt")


def _subject_status(platform, case: str) -> tuple:
    """The case's status as notify's facts hold it, and whether its report (the due dates) has been handled."""
    s = deadline_subjects.c
    with platform.engine.connect() as conn:
        row = conn.execute(sa.select(s.facts).where(s.tenant == A, s.subject_id == case)).first()
    return (row.facts.get("status"), "receipt_due" in row.facts) if row else (None, False)


def test_a_missed_receipt_reminds_the_enhetschef_and_escalates_once_with_two_workers_at_once(bus_env, broker_url):
    env, namespace = bus_env, bus_env.settings.bus_namespace
    for tenant, user_id, role, unit in ROLE_HOLDERS:  # as the processes service publishes its role assignments
        publish_on_bus(broker_url, namespace, role_event_body(tenant, user_id, role, unit))
    late = []
    for _ in range(8):
        case, body = reported(A, receipt_due=DUE, investigation_due="2026-06-09")
        publish_on_bus(broker_url, namespace, body)
        late.append(case)
    on_time, body = reported(A, receipt_due=DUE, investigation_due="2026-06-09")
    publish_on_bus(broker_url, namespace, body)
    publish_on_bus(broker_url, namespace, received(A, on_time))  # received before the deadline
    publish_on_bus(broker_url, namespace, body)  # and its report delivered again, after that

    clock = Clock(DUE)
    with two_schedulers(env, clock, batch=2):
        # The case received in time has no waiting receipt deadline: cleared when its report was handled first, never
        # made when the other worker handled its receipt first (the report's due dates then find it received).
        wait_until(lambda: _receipt_states(env.platform) - Counter(cleared=1) == Counter(pending=8)
                   and _subject_status(env.platform, on_time) == ("received", True), timeout=60,
                   message="eight receipt deadlines waiting, the case received in time with none")
        time.sleep(0.5)
        assert notices_of(env.platform, A) == []  # the last day itself: nothing yet

        clock.set(REMIND)
        wait_until(lambda: len(notices_of(env.platform, A)) >= 8, timeout=30, message="eight reminders")
        time.sleep(1)  # both schedulers have run several times since: anything given twice would be here
        reminders = notices_of(env.platform, A)
        assert [(who, kind) for who, kind, _case, _event in reminders] == [("erik", "receipt_overdue")] * 8
        assert sorted(case for _who, _kind, case, _event in reminders) == sorted(late)

        clock.set(LAST_OF_GRACE)
        time.sleep(1)
        assert len(notices_of(env.platform, A)) == 8  # the grace period is not over

        clock.set(ESCALATE)
        wait_until(lambda: len(notices_of(env.platform, A, "deadline_escalated")) >= 8, timeout=30,
                   message="eight escalations")
        time.sleep(1)
    escalations = notices_of(env.platform, A, "deadline_escalated")
    assert [who for who, *_ in escalations] == ["vera"] * 8
    assert sorted(case for _who, _kind, case, _event in escalations) == sorted(late)
    assert len(notices_of(env.platform, A)) == 16 and on_time not in {case for *_, case, _e in escalations}
    assert _receipt_states(env.platform) - Counter(cleared=1) == Counter(escalated=8)


def _patient_safety_state(platform, year: str):
    return deadline_states(platform, A).get((year, "patient_safety_report"), (None, 0))[0]


def test_a_finished_patient_safety_report_on_the_bus_stops_its_reminder_and_an_unfinished_one_escalates(
        bus_env, broker_url):
    env, namespace = bus_env, bus_env.settings.bus_namespace
    for tenant, user_id, role, unit in ROLE_HOLDERS:
        publish_on_bus(broker_url, namespace, role_event_body(tenant, user_id, role, unit))
    clock = Clock("2027-02-01")
    with two_schedulers(env, clock):
        wait_until(lambda: _patient_safety_state(env.platform, "2027") == "pending", timeout=60,
                   message="the deadline of 1 March 2027")
        # the 2026 patientsäkerhetsberättelse of a förvaltning is finished, as the reporting service publishes it;
        # a kvalitetsberättelse finished too is no deadline of notify's
        publish_on_bus(broker_url, namespace, report_finished(A, 2026, kind="quality_report"))
        publish_on_bus(broker_url, namespace, report_finished(A, 2026, unit="f"))
        wait_until(lambda: _patient_safety_state(env.platform, "2027") == "cleared", timeout=60,
                   message="the deadline of 1 March 2027 cleared")
        for day in ("2027-02-15", "2027-03-04"):  # its reminder's day, and its escalation's had it been open
            clock.set(day)
            time.sleep(1)
        assert notices_of(env.platform, A) == []

        clock.set("2028-02-16")  # ten working days before Wednesday 1 March 2028; 2027's report is not finished
        wait_until(lambda: len(notices_of(env.platform, A)) >= 1, timeout=30, message="the MAS reminded")
        clock.set("2028-03-03")  # Thursday 2 and Friday 3 March are the grace period
        time.sleep(1)
        assert [(who, kind, year) for who, kind, year, _e in notices_of(env.platform, A)] == [
            ("maja", "patient_safety_report_due", "2028")]
        clock.set("2028-03-06")
        wait_until(lambda: len(notices_of(env.platform, A, "deadline_escalated")) >= 1, timeout=30,
                   message="the förvaltningschef told")
        time.sleep(1)
    assert [(who, kind, year) for who, kind, year, _e in notices_of(env.platform, A)] == [
        ("frida", "deadline_escalated", "2028"), ("maja", "patient_safety_report_due", "2028")]
    assert (_patient_safety_state(env.platform, "2027"), _patient_safety_state(env.platform, "2028")) == (
        "cleared", "escalated")


# Runs the scheduler in a process of its own on the given day, batches of three, and kills itself (SIGKILL) once
# the notices of the 8th deadline are written, inside the third batch's transaction, before its commit.
DYING_SCHEDULER = """
import os, signal, sys
from datetime import datetime
from ordning_notify import db, deadline_service
from ordning_notify.app import make_platform

real_insert, written = db.insert_notices, []

def insert(conn, notices):
    count = real_insert(conn, notices)
    written.append(count)
    if len(written) == 8:
        os.kill(os.getpid(), signal.SIGKILL)
    return count

db.insert_notices = insert
deadline_service.fire_due_deadlines(make_platform(), now=datetime.fromisoformat(sys.argv[1]), batch=3)
"""


@pytest.mark.parametrize("stage_day, kind, count_before", [
    (REMIND, "receipt_overdue", 6), (ESCALATE, "deadline_escalated", 6)])
def test_a_scheduler_killed_mid_batch_loses_no_notice_and_gives_none_twice(env, stage_day, kind, count_before):
    env.feed_roles()
    cases = []
    for _ in range(20):
        case, body = reported(A, receipt_due=DUE, investigation_due="2026-06-09")
        assert env.feed(body) == "processed"
        cases.append(case)
    if kind == "deadline_escalated":
        deadline_service.fire_due_deadlines(env.platform, now=at(REMIND))

    dying = subprocess.Popen([sys.executable, "-c", DYING_SCHEDULER, at(stage_day).isoformat()],
                             env=process_env(env.settings))
    try:
        assert dying.wait(timeout=120) == -9, "the scheduler was not killed mid-batch"
    finally:
        if dying.poll() is None:
            dying.kill()
    # two batches of three committed; the third died with its notices unwritten
    assert len(notices_of(env.platform, A, kind)) == count_before

    # the next run, while another runs beside it, gives the rest: every case once
    beside = make_platform(env.settings)
    runs = [threading.Thread(target=deadline_service.fire_due_deadlines, args=(platform,),
                             kwargs={"now": at(stage_day), "batch": 3}) for platform in (env.platform, beside)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=60)
    beside.dispose()
    given = notices_of(env.platform, A, kind)
    assert Counter(case for _who, _kind, case, _event in given) == Counter({case: 1 for case in cases})
    assert {who for who, *_ in given} == ({"erik"} if kind == "receipt_overdue" else {"vera"})
