"""Done when (issue 13): a webhook subscriber receives a verifiable signed CloudEvent after two failed attempts, over
real RabbitMQ and PostgreSQL and a real HTTPS receiver started here. The events are published on ordning.events as
the deviations service publishes them; the notify worker (on its own broker user) consumes them and its delivery job
POSTs them. Also: a subscriber that keeps failing is paused and its owner has a notice; after a rotation the new
secret verifies (and the old one still does, for the grace window)."""
from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa
from ordning_shared.bus import connect, service_queues
from ordning_shared.testing import BackgroundWorker, publish_on_bus, wait_until
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from ordning_notify import webhook_db as wdb
from ordning_notify import webhook_service
from ordning_notify.handlers import HANDLERS

from .conftest import A, ADMIN, reported_event_body
from .test_bus import bus_env  # noqa: F401 (the fixture)
from .webhook_receiver import Receiver, make_ca

pytestmark = pytest.mark.integration
S = "/api/v1/webhook-subscriptions"
REPORTED = "se.ordning.deviation.reported.v1"


@pytest.fixture
def tls(tmp_path):
    return make_ca(tmp_path)


@pytest.fixture(autouse=True)
def webhook_settings(monkeypatch, tls):
    """Webhook settings of the embedded default (loopback allowed, for the receiver here), short retry delays, the
    test's CA; set before bus_env (test_bus.py's: the app on the notify broker user, its queue declared) makes the
    app."""
    for name, value in {"ORDNING_WEBHOOKS_ALLOW_PRIVATE": "true", "ORDNING_WEBHOOKS_RETRY_DELAYS": "0.3,0.3,0.3",
                        "ORDNING_WEBHOOKS_PAUSE_AFTER_FAILED_DELIVERIES": "2", "ORDNING_WEBHOOKS_POLL_SECONDS": "0.05",
                        "ORDNING_WEBHOOKS_TIMEOUT_SECONDS": "5", "ORDNING_WEBHOOKS_CA_FILE": str(tls.ca_file)}.items():
        monkeypatch.setenv(name, value)


def worker(env) -> BackgroundWorker:
    """The notify worker as the chart runs it: relay, consumer, and its jobs (the webhook deliveries among them)."""
    from ordning_notify.app import JOBS

    return BackgroundWorker(env.platform, HANDLERS, jobs=[make_job(env.platform) for make_job in JOBS])


def subscribe(env, url: str) -> dict:
    made = env.client.post(S, json={"url": url, "event_types": [REPORTED]}, headers=env.auth(*ADMIN))
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def log_of(env, subscription_id: str) -> list[dict]:
    page = env.client.get(f"{S}/{subscription_id}/deliveries", headers=env.auth(*ADMIN))
    assert page.status_code == 200
    return page.get_json()["items"]


def test_a_subscriber_receives_a_verifiable_signed_cloudevent_after_two_failed_attempts(bus_env, broker_url, tls):
    env, namespace = bus_env, bus_env.settings.bus_namespace
    with Receiver(tls=tls) as receiver:
        receiver.answer("/ordning", 500, 500, 200)
        subscription = subscribe(env, receiver.url("/ordning"))  # https://localhost:<port>, the system resolver
        report = reported_event_body(A, "e1", "lex_sarah")
        publish_on_bus(broker_url, namespace, report)
        publish_on_bus(broker_url, namespace, report)  # the broker delivers it again: still one delivery
        with worker(env):
            wait_until(lambda: len(log_of(env, subscription["id"])) >= 3, timeout=30, message="three attempts")
        got = receiver.at("/ordning")
    assert len(got) == 3
    event = json.loads(report)
    # the third arrival verifies with the subscription's secret, as the receiver would check it
    delivered = Webhook(subscription["secret"]).verify(got[2].body, got[2].headers)
    assert delivered["id"] == event["id"] and delivered["type"] == REPORTED and delivered["data"] == event["data"]
    assert delivered["source"] == "/ordning/0138/deviations" and "traceparent" not in delivered
    assert {r.headers["webhook-id"] for r in got} == {event["id"]}  # the same id on every retry
    assert all(r.headers["content-type"].startswith("application/cloudevents+json") for r in got)
    assert {r.server_name for r in got} == {"localhost"}
    with pytest.raises(WebhookVerificationError):
        Webhook(subscribe(env, receiver.url("/other"))["secret"]).verify(got[2].body, got[2].headers)
    # the delivery log: three attempts, newest first, status codes only
    log = log_of(env, subscription["id"])
    assert [(a["attempt"], a["outcome"], a["status_code"], a["error"]) for a in log] == [
        (3, "delivered", 200, None), (2, "failed", 500, None), (1, "failed", 500, None)]
    assert {a["event_id"] for a in log} == {event["id"]} and {a["event_type"] for a in log} == {REPORTED}
    assert all("body" not in a for a in log)
    with env.platform.engine.connect() as conn:
        [delivery] = conn.execute(sa.select(wdb.webhook_deliveries)).all()
    assert (delivery.status, delivery.attempts, delivery.body) == ("delivered", 3, None)  # the body is not kept
    assert env.client.get(f"{S}/{subscription['id']}", headers=env.auth(*ADMIN)).get_json()["failed_deliveries"] == 0


def test_a_subscriber_that_keeps_failing_is_paused_and_its_owner_is_told(bus_env, broker_url, tls):
    env, namespace = bus_env, bus_env.settings.bus_namespace
    with Receiver(tls=tls) as receiver:
        receiver.answer("/down", 503)
        subscription = subscribe(env, receiver.url("/down"))
        for _ in range(2):  # two deliveries that fail all four attempts pause it (the test's setting)
            publish_on_bus(broker_url, namespace, reported_event_body(A, "e1", "avvikelse"))
        with worker(env):
            wait_until(lambda: env.client.get(f"{S}/{subscription['id']}", headers=env.auth(*ADMIN))
                       .get_json()["state"] == "paused", timeout=30, message="the subscription paused")
            tried = len(receiver.at("/down"))
            while_paused = reported_event_body(A, "e1", "avvikelse")
            publish_on_bus(broker_url, namespace, while_paused)
            wait_until(lambda: _received(env, json.loads(while_paused)["id"]), timeout=30,
                       message="the event sent while paused handled")
            time.sleep(0.5)  # a delivery of it, were there one, would be due and tried by now
        assert len(receiver.at("/down")) == tried == 8  # nothing was sent while paused
    with env.platform.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(wdb.webhook_deliveries)).scalar_one() == 2
    paused = env.client.get(f"{S}/{subscription['id']}", headers=env.auth(*ADMIN)).get_json()
    assert paused["failed_deliveries"] == 2 and paused["paused_at"] is not None
    # its owner (adam, who made it) has a notice in the inbox, leading to the subscription's page
    notices = env.client.get("/api/v1/notices", headers=env.auth(*ADMIN)).get_json()["items"]
    assert [(n["kind"], n["subject_type"], n["subject_id"], n["link"]) for n in notices] == [
        ("webhook_paused", "webhook_subscription", subscription["id"], f"/webhooks/{subscription['id']}")]
    assert notices[0]["kind_label"] == "Webhook pausad efter upprepade fel"
    log = log_of(env, subscription["id"])
    assert len(log) == 8 and {(a["outcome"], a["status_code"]) for a in log} == {("failed", 503)}
    # resumed, it is active again with a clean record, and the next event goes out
    resumed = env.client.post(f"{S}/{subscription['id']}/resume", headers=env.auth(*ADMIN)).get_json()
    assert (resumed["state"], resumed["failed_deliveries"], resumed["failing_since"]) == ("active", 0, None)


def _received(env, event_id: str) -> bool:
    inbox = env.platform.tables.inbox
    with env.platform.engine.connect() as conn:
        return conn.execute(sa.select(inbox.c.event_id).where(inbox.c.event_id == event_id)).first() is not None


def _inbox_empty(env) -> bool:
    with connect(env.settings) as connection:
        queue = service_queues(env.settings, [])[0](connection.default_channel)
        return queue.queue_declare(passive=True).message_count == 0


def test_after_a_rotation_the_new_secret_verifies_and_the_old_one_for_the_grace_window(bus_env, broker_url, tls):
    env, namespace = bus_env, bus_env.settings.bus_namespace
    with Receiver(tls=tls) as receiver:
        subscription = subscribe(env, receiver.url("/in"))
        path = f"{S}/{subscription['id']}"
        rotated = env.client.post(f"{path}/rotate-secret",
                                  headers=env.auth(*ADMIN, **{"If-Match": env.etag(path, env.auth(*ADMIN))}))
        new_secret = rotated.get_json()["secret"]
        publish_on_bus(broker_url, namespace, reported_event_body(A, "e2", "avvikelse"))
        with worker(env):
            wait_until(lambda: receiver.at("/in"), timeout=30, message="a delivery")
        [got] = receiver.at("/in")
    assert got.headers["webhook-signature"].count("v1,") == 2
    assert Webhook(new_secret).verify(got.body, got.headers)["type"] == REPORTED
    assert Webhook(subscription["secret"]).verify(got.body, got.headers)["type"] == REPORTED


def test_two_workers_deliver_each_event_once(bus_env, broker_url, tls):
    """Two worker replicas: each delivery is claimed by one (SKIP LOCKED), so the receiver gets every event once."""
    env, namespace = bus_env, bus_env.settings.bus_namespace
    with Receiver(tls=tls) as receiver:
        subscription = subscribe(env, receiver.url("/in"))
        reports = [reported_event_body(A, "e1", "avvikelse") for _ in range(12)]
        for report in reports:
            publish_on_bus(broker_url, namespace, report)
        from ordning_notify.app import make_platform

        second = make_platform(env.settings)
        try:
            with worker(env), BackgroundWorker(second, HANDLERS, jobs=[webhook_service.delivery_job(second)]):
                wait_until(lambda: len(log_of(env, subscription["id"])) >= 12, timeout=30, message="12 attempts")
                wait_until(lambda: _inbox_empty(env), timeout=30, message="the queue drained")
        finally:
            second.dispose()
        ids = [r.headers["webhook-id"] for r in receiver.at("/in")]
    assert sorted(ids) == sorted(json.loads(report)["id"] for report in reports)
