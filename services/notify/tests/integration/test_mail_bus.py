"""Done when (issue 13), by mail: lex Sarah reports published on ordning.events as the deviations service publishes
them, over real RabbitMQ and PostgreSQL to a real SMTP server (aiosmtpd), give the enhetschef, verksamhetschef and
förvaltningschef of their unit one mail each at the address of their preferences: when a report is delivered
twice, and when the worker is killed (SIGKILL) in the middle of sending, halfway through a mail's data or just
after a mail was sent and marked, and a new one takes over. The worker's log holds none of the addresses."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter

import pytest
from ordning_shared.bus import connect, service_queues
from ordning_shared.testing import BackgroundWorker, process_env, publish_on_bus, wait_until

from ordning_notify import mail
from ordning_notify.handlers import HANDLERS

from .conftest import A, CHEF_E1, FCHEF_F, ROLE_HOLDERS, VCHEF_V, reported_event_body, role_event_body
from .mailbox import mail_environment, mail_settings, mailbox  # noqa: F401 - the SMTP server fixture
from .test_bus import bus_env  # noqa: F401 - the bus fixture, on the settings below

pytestmark = pytest.mark.integration
P = "/api/v1/notification-preferences"
ADDRESSES = {"erik": "erik.berg@tyreso.se", "vera": "vera.viklund@tyreso.se", "frida": "frida.falk@tyreso.se"}
LINK = re.compile(r"/arenden/([0-9a-f-]{36})")


@pytest.fixture
def migrated_settings(migrated_settings, mailbox):
    """The service's settings send mail to this test's SMTP server."""
    return lambda service: mail_settings(migrated_settings(service), mailbox.port)


def _chiefs_choose_mail(env) -> None:
    for who in (CHEF_E1, VCHEF_V, FCHEF_F):
        body = {"address": ADDRESSES[who[0]]} if who is not VCHEF_V else {}  # vera's from her sign-in
        answer = env.client.put(P, json=body, headers=env.auth(*who, email=ADDRESSES[who[0]],
                                                               **{"If-Match": '"notification-preferences.0"'}))
        assert answer.status_code == 200 and answer.get_json()["address"] == ADDRESSES[who[0]]


def _publish_roles(broker_url, namespace) -> None:
    for tenant, user_id, role, unit in ROLE_HOLDERS:  # as the processes service publishes its role assignments
        publish_on_bus(broker_url, namespace, role_event_body(tenant, user_id, role, unit))


def _mails(mailbox) -> Counter:
    """(report, address) -> how many mails arrived."""
    return Counter((LINK.search(received.get_content()).group(1), address)
                   for recipients, received in list(mailbox.received) for address in recipients)


def _drained(env) -> None:
    with connect(env.settings) as connection:
        queue = service_queues(env.settings, [])[0](connection.default_channel)
        wait_until(lambda: queue.queue_declare(passive=True).message_count == 0, timeout=30,
                   message="the queue drained")


def test_a_lex_sarah_report_delivered_twice_mails_the_three_chiefs_once_each(bus_env, broker_url, mailbox):
    env, namespace = bus_env, bus_env.settings.bus_namespace
    _chiefs_choose_mail(env)
    _publish_roles(broker_url, namespace)
    report = reported_event_body(A, "e1", "lex_sarah")
    publish_on_bus(broker_url, namespace, report)
    publish_on_bus(broker_url, namespace, report)  # the broker delivers it again (at least once)
    with BackgroundWorker(env.platform, HANDLERS, jobs=[mail.send_job(env.platform)]):
        wait_until(lambda: len(mailbox.received) >= 3, timeout=30, message="three mails")
        _drained(env)
        time.sleep(1.0)  # ten turns of the send job: a second mail would be there by now
    assert sorted(mailbox.recipients()) == sorted(ADDRESSES.values())
    assert set(_mails(mailbox).values()) == {1}
    assert {received["Subject"] for _r, received in mailbox.received} == {"Ny lex Sarah-rapport – enhet e1"}


# The notify worker as a process of its own, with one step wrapped: at the 8th mail it kills itself (SIGKILL),
# either halfway through the mail's data ("mid-data": the server never sees its end) or after the mail was sent
# and marked sent ("after-commit").
DYING_WORKER = """
import os, signal, smtplib, sys
from ordning_notify import mail

when, mails = sys.argv[1], []
real_data = smtplib.SMTP.data

def data(self, message):
    mails.append(1)
    if when == "mid-data" and len(mails) == 8:
        self.putcmd("data")
        self.getreply()
        self.send(message[: len(message) // 2])
        os.kill(os.getpid(), signal.SIGKILL)
    return real_data(self, message)

class Sent:
    def __init__(self, counter):
        self.counter = counter

    def labels(self, *labels):
        child = self.counter.labels(*labels)

        class Child:
            def inc(self):
                child.inc()
                if when == "after-commit" and len(mails) == 8:
                    os.kill(os.getpid(), signal.SIGKILL)
        return Child()

smtplib.SMTP.data = data
mail.MAIL_SENT = Sent(mail.MAIL_SENT)
from ordning_notify.app import worker
worker()
"""


@pytest.mark.parametrize("when", ["mid-data", "after-commit"])
def test_a_worker_killed_mid_send_loses_no_mail_and_sends_none_twice(bus_env, broker_url, mailbox, tmp_path, when):
    env, namespace = bus_env, bus_env.settings.bus_namespace
    _chiefs_choose_mail(env)
    _publish_roles(broker_url, namespace)
    reports = [reported_event_body(A, "e1", "lex_sarah") for _ in range(5)]
    for report in reports:
        publish_on_bus(broker_url, namespace, report)

    log = tmp_path / "worker.log"
    environment = {**process_env(env.settings), **mail_environment(env.settings), "ORDNING_LOG_LEVEL": "DEBUG"}
    with log.open("w") as stderr:
        dying = subprocess.Popen([sys.executable, "-c", DYING_WORKER, when], env=environment, stderr=stderr)
        try:
            assert dying.wait(timeout=120) == -9, "the worker was not killed mid-send"
        finally:
            if dying.poll() is None:
                dying.kill()
    before = sum(_mails(mailbox).values())
    assert before == (7 if when == "mid-data" else 8), before  # the 8th cut off, or sent and marked

    with BackgroundWorker(env.platform, HANDLERS, jobs=[mail.send_job(env.platform)]):  # a new worker
        wait_until(lambda: len(mailbox.received) >= 15, timeout=60, interval=0.2, message="15 mails")
        _drained(env)
        time.sleep(1.0)  # anything sent twice would be there by now
    mails = _mails(mailbox)
    assert len(mails) == 15 and set(mails.values()) == {1}, mails
    assert {report for report, _address in mails} == {json.loads(body)["data"]["deviation_id"] for body in reports}
    logged = log.read_text()
    assert "job mail done" in logged  # it did log, at DEBUG
    assert "@tyreso.se" not in logged
