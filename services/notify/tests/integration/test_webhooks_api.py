"""The webhook subscriptions' API: administrators and kvalitetsutvecklare make, read, change, rotate, resume and
delete their tenant's subscriptions (ETag/If-Match, Idempotency-Key); the secret is shown at creation and at a
rotation only; bad input (not https, a private address, an unknown event type, unknown fields) is a 4xx problem with
nothing stored; another tenant's subscriptions are not there."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook

from ordning_notify import webhook_db as wdb

from .conftest import ADMIN, ADMIN_B, B, CHEF_E1, KVAL_N, STAFF_E1, reported_event_body

pytestmark = pytest.mark.integration
S = "/api/v1/webhook-subscriptions"
PUBLIC_URL = "https://93.184.215.14/ordning/in?key=abc"
REPORTED, CLOSED = "se.ordning.deviation.reported.v1", "se.ordning.deviation.closed.v1"
HOOK = {"url": PUBLIC_URL, "event_types": [REPORTED]}


def test_an_admin_makes_a_subscription_and_sees_its_secret_once(env):
    headers = env.auth(*ADMIN, **{"Idempotency-Key": "hook-1"})
    made = env.client.post(S, json=HOOK, headers=headers)
    again = env.client.post(S, json=HOOK, headers=headers)  # a retry after a lost answer
    assert made.status_code == again.status_code == 201
    body = made.get_json()
    assert again.get_json()["id"] == body["id"] and again.get_json()["secret"] == body["secret"]
    assert body["secret"].startswith("whsec_") and Webhook(body["secret"])  # a secret standardwebhooks reads
    assert (body["url"], body["event_types"], body["state"], body["owner"], body["version"]) == (
        PUBLIC_URL, [REPORTED], "active", "adam", 1)
    assert made.headers["Location"].endswith(body["id"]) and made.headers["ETag"] == f'"{body["id"]}.1"'
    read = env.client.get(f"{S}/{body['id']}", headers=env.auth(*KVAL_N))
    assert read.status_code == 200 and "secret" not in read.get_json()
    listed = env.client.get(S, headers=env.auth(*ADMIN)).get_json()["items"]
    assert [s["id"] for s in listed] == [body["id"]] and "secret" not in listed[0]
    assert env.count(wdb.webhook_subscriptions) == 1


def test_a_change_needs_the_etag_and_a_new_url_is_checked_again(env):
    headers = env.auth(*ADMIN)
    made = env.client.post(S, json=HOOK, headers=headers).get_json()
    path = f"{S}/{made['id']}"
    tag = env.etag(path, headers)
    assert env.client.patch(path, json={"event_types": [CLOSED]}, headers=headers).status_code == 428
    changed = env.client.patch(path, json={"event_types": [REPORTED, CLOSED, REPORTED]},
                               headers={**headers, "If-Match": tag})
    assert changed.status_code == 200 and changed.get_json()["event_types"] == [REPORTED, CLOSED]
    assert changed.get_json()["version"] == 2 and "secret" not in changed.get_json()
    stale = env.client.patch(path, json={"event_types": [CLOSED]}, headers={**headers, "If-Match": tag})
    assert stale.status_code == 412
    fresh = {**headers, "If-Match": changed.headers["ETag"]}
    before = env.counts()
    private = env.client.patch(path, json={"url": "https://10.20.30.40/in"}, headers=fresh)
    assert (private.status_code, private.get_json()["code"]) == (422, "webhook_address_refused")
    assert env.counts() == before and env.client.get(path, headers=headers).get_json()["url"] == PUBLIC_URL
    moved = env.client.patch(path, json={"url": "https://[2606:4700:4700::1111]/in"}, headers=fresh)
    assert moved.status_code == 200 and moved.get_json()["url"] == "https://[2606:4700:4700::1111]/in"
    assert env.client.delete(path, headers={**headers, "If-Match": tag}).status_code == 412
    assert env.client.delete(path, headers={**headers, "If-Match": moved.headers["ETag"]}).status_code == 204
    assert env.client.get(path, headers=headers).status_code == 404
    assert env.count(wdb.webhook_subscriptions) == 0


def test_a_rotation_gives_a_new_secret_once_and_keeps_the_old_one_signing_for_a_while(env):
    headers = env.auth(*ADMIN)
    made = env.client.post(S, json=HOOK, headers=headers)
    path = f"{S}/{made.get_json()['id']}/rotate-secret"
    assert env.client.post(path, headers=headers).status_code == 428
    rotated = env.client.post(path, headers={**headers, "If-Match": made.headers["ETag"]})
    assert rotated.status_code == 200
    body = rotated.get_json()
    assert body["secret"].startswith("whsec_") and body["secret"] != made.get_json()["secret"]
    assert body["version"] == 2 and body["previous_secret_until"] is not None
    assert env.client.post(path, headers={**headers, "If-Match": made.headers["ETag"]}).status_code == 412
    with env.platform.engine.connect() as conn:
        stored = wdb.subscription(conn, "0138", body["id"])
    assert stored.signing_secrets(stored.updated_at) == [body["secret"], made.get_json()["secret"]]


def test_resuming_an_active_subscription_changes_nothing(env):
    headers = env.auth(*ADMIN)
    made = env.client.post(S, json=HOOK, headers=headers).get_json()
    resumed = env.client.post(f"{S}/{made['id']}/resume", headers=headers)
    assert resumed.status_code == 200 and resumed.get_json()["version"] == 1 and resumed.get_json()["state"] == "active"


def test_a_subscription_paused_by_hand_gets_no_delivery_until_resumed(env):
    headers = env.auth(*ADMIN)
    made = env.client.post(S, json=HOOK, headers=headers).get_json()
    paused = env.client.post(f"{S}/{made['id']}/pause", headers=headers)
    assert paused.status_code == 200
    assert (paused.get_json()["state"], paused.get_json()["version"]) == ("paused", 2)
    assert paused.get_json()["paused_at"] is not None and paused.headers["ETag"] == f'"{made["id"]}.2"'
    again = env.client.post(f"{S}/{made['id']}/pause", headers=headers).get_json()
    assert (again["state"], again["version"]) == ("paused", 2)  # pausing a paused one changes nothing
    assert env.feed(reported_event_body("0138", "e1")) == "processed"
    assert env.count(wdb.webhook_deliveries) == 0
    resumed = env.client.post(f"{S}/{made['id']}/resume", headers=headers).get_json()
    assert (resumed["state"], resumed["version"]) == ("active", 3)
    assert env.feed(reported_event_body("0138", "e2")) == "processed"
    assert env.count(wdb.webhook_deliveries) == 1


def test_an_event_of_a_subscribed_type_gives_one_delivery_even_when_it_comes_twice(env):
    headers = env.auth(*ADMIN)
    env.client.post(S, json=HOOK, headers=headers)
    env.client.post(S, json={**HOOK, "event_types": [CLOSED]}, headers=headers)
    env.client.post(S, json=HOOK, headers=env.auth(*ADMIN_B, tenant=B))  # another tenant's: not its events
    report = reported_event_body("0138", "e1")
    assert env.feed(report) == "processed"
    assert env.feed(report) == "duplicate"
    with env.platform.engine.connect() as conn:
        deliveries = conn.execute(wdb.webhook_deliveries.select()).all()
    assert len(deliveries) == 1 and deliveries[0].status == "pending" and deliveries[0].tenant == "0138"
    assert '"traceparent"' not in deliveries[0].body and '"type":"se.ordning.deviation.reported.v1"' in \
        deliveries[0].body.replace(" ", "")


@pytest.mark.parametrize("who", [STAFF_E1, CHEF_E1])
def test_who_is_not_an_administrator_or_kvalitetsutvecklare_cannot_see_or_touch_subscriptions(env, who):
    made = env.client.post(S, json=HOOK, headers=env.auth(*ADMIN))
    before = env.counts()
    headers, path = env.auth(*who), f"{S}/{made.get_json()['id']}"
    if_match = {**headers, "If-Match": made.headers["ETag"]}
    for answer in (env.client.get(S, headers=headers), env.client.post(S, json=HOOK, headers=headers),
                   env.client.get(path, headers=headers), env.client.get(f"{path}/deliveries", headers=headers),
                   env.client.patch(path, json={"event_types": [CLOSED]}, headers=if_match),
                   env.client.post(f"{path}/rotate-secret", headers=if_match),
                   env.client.post(f"{path}/resume", headers=headers),
                   env.client.post(f"{path}/pause", headers=headers),
                   env.client.delete(path, headers=if_match)):
        assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert env.counts() == before


def test_another_tenant_finds_none_of_them(env):
    made = env.client.post(S, json=HOOK, headers=env.auth(*ADMIN))
    b, path = env.auth(*ADMIN_B, tenant=B), f"{S}/{made.get_json()['id']}"
    if_match = {**b, "If-Match": made.headers["ETag"]}
    assert env.client.get(S, headers=b).get_json()["items"] == []
    for answer in (env.client.get(path, headers=b), env.client.get(f"{path}/deliveries", headers=b),
                   env.client.patch(path, json={"event_types": [CLOSED]}, headers=if_match),
                   env.client.post(f"{path}/rotate-secret", headers=if_match),
                   env.client.post(f"{path}/resume", headers=b), env.client.post(f"{path}/pause", headers=b),
                   env.client.delete(path, headers=if_match)):
        assert answer.status_code == 404 and answer.get_json()["code"] == "webhook_subscription_not_found"
    assert env.client.get(path, headers=env.auth(*ADMIN)).get_json()["version"] == 1


BAD = [
    ({**HOOK, "url": "http://93.184.215.14/in"}, "webhook_url_not_https"),
    ({**HOOK, "url": "https://10.0.0.8/in"}, "webhook_address_refused"),
    ({**HOOK, "url": "https://192.168.1.20:8443/in"}, "webhook_address_refused"),
    ({**HOOK, "url": "https://127.0.0.1/in"}, "webhook_address_refused"),
    ({**HOOK, "url": "https://localhost/in"}, "webhook_address_refused"),
    ({**HOOK, "url": "https://169.254.169.254/latest/meta-data/"}, "webhook_address_refused"),
    ({**HOOK, "url": "https://[::1]/in"}, "webhook_address_refused"),
    ({**HOOK, "url": "https://[fd00::5]/in"}, "webhook_address_refused"),
    ({**HOOK, "url": "https://[::ffff:10.0.0.8]/in"}, "webhook_address_refused"),
    ({**HOOK, "url": "https://0x7f.1/in"}, "webhook_address_refused"),
    ({**HOOK, "url": "https://nowhere.invalid/in"}, "webhook_host_unresolvable"),
    ({**HOOK, "url": "https://user:pw@93.184.215.14/in"}, "invalid_webhook_url"),
    ({**HOOK, "url": "https://93.184.215.14/in#x"}, "invalid_webhook_url"),
    ({**HOOK, "url": "ftp://93.184.215.14/in"}, "invalid_webhook_url"),
    ({**HOOK, "url": "https://93.184.215.14/" + "a" * 2000}, "unprocessable_entity"),
    ({**HOOK, "url": "https://93.184.215.14/in\u0000"}, "unprocessable_entity"),
    ({**HOOK, "event_types": ["se.ordning.deviation.exploded.v1"]}, "unknown_event_type"),
    ({**HOOK, "event_types": [REPORTED, "se.ordning.*"]}, "unknown_event_type"),
    ({**HOOK, "event_types": []}, "unprocessable_entity"),
    ({**HOOK, "event_types": REPORTED}, "unprocessable_entity"),
    ({**HOOK, "event_types": [REPORTED] * 200}, "unprocessable_entity"),
    ({**HOOK, "secret": "whsec_mine"}, "unprocessable_entity"),
    ({**HOOK, "owner": "someone-else"}, "unprocessable_entity"),
    ({**HOOK, "state": "paused"}, "unprocessable_entity"),
    ({"url": PUBLIC_URL}, "unprocessable_entity"),
    ({"event_types": [REPORTED]}, "unprocessable_entity"),
    ([HOOK], "unprocessable_entity"),
    ("https://93.184.215.14/in", "unprocessable_entity"),
]


@pytest.mark.parametrize("body, code", BAD)
def test_a_bad_subscription_is_refused_with_a_problem_and_nothing_is_stored(env, body, code):
    before = env.counts()
    answer = env.client.post(S, json=body, headers=env.auth(*ADMIN, **{"Idempotency-Key": "bad"}))
    assert (answer.status_code, answer.get_json()["code"]) == (422, code), answer.get_json()
    assert answer.mimetype == "application/problem+json" and len(answer.get_data()) < 4000
    text = answer.get_data(as_text=True)
    assert "10.0.0.8" not in text and "key=abc" not in text and "exploded" not in text  # nothing echoed
    assert env.counts() == before


def test_the_delivery_log_pages_and_refuses_a_garbage_cursor(env):
    headers = env.auth(*ADMIN)
    made = env.client.post(S, json=HOOK, headers=headers).get_json()
    page = env.client.get(f"{S}/{made['id']}/deliveries", headers=headers)
    assert page.status_code == 200 and page.get_json() == {"items": [], "limit": 50, "next_cursor": None}
    assert env.client.get(f"{S}/{made['id']}/deliveries?cursor=garbage", headers=headers).status_code == 400
    assert env.client.get(f"{S}/{made['id']}/deliveries?limit=500", headers=headers).status_code == 422


def test_a_municipality_has_a_bounded_number_of_subscriptions(env, monkeypatch):
    from ordning_notify import webhooks

    monkeypatch.setattr(webhooks, "SUBSCRIPTIONS_MAX", 2)
    headers = env.auth(*ADMIN)
    for _ in range(2):
        assert env.client.post(S, json=HOOK, headers=headers).status_code == 201
    before = env.counts()
    third = env.client.post(S, json=HOOK, headers=headers)
    assert (third.status_code, third.get_json()["code"]) == (409, "too_many_webhook_subscriptions")
    assert env.counts() == before
    assert env.client.post(S, json=HOOK, headers=env.auth(*ADMIN_B, tenant=B)).status_code == 201  # its own count


def test_a_deleted_subscription_takes_its_deliveries_and_log_along_and_old_log_rows_are_forgotten(env):
    from datetime import timedelta

    from ordning_shared.db import utcnow

    from ordning_notify import webhook_service

    headers = env.auth(*ADMIN)
    kept, gone = (env.client.post(S, json=HOOK, headers=headers) for _ in range(2))
    env.feed(reported_event_body("0138", "e1"))
    old, now = utcnow() - timedelta(days=31), utcnow()
    with env.platform.engine.begin() as conn:
        deliveries = conn.execute(wdb.webhook_deliveries.select().order_by(wdb.webhook_deliveries.c.id)).all()
        assert len(deliveries) == 2
        for delivery in deliveries:
            conn.execute(wdb.webhook_attempts.insert().values(
                id=f"a-{delivery.id}"[:36], tenant="0138", subscription_id=delivery.subscription_id,
                delivery_id=delivery.id, event_id=delivery.event_id, event_type=delivery.event_type, attempt=1,
                outcome="delivered", status_code=200, duration_ms=5, attempted_at=old))
        conn.execute(wdb.webhook_deliveries.update().where(
            wdb.webhook_deliveries.c.subscription_id == kept.get_json()["id"],
        ).values(status="delivered", updated_at=old))
    assert env.client.delete(f"{S}/{gone.get_json()['id']}",
                             headers={**headers, "If-Match": gone.headers["ETag"]}).status_code == 204
    assert env.count(wdb.webhook_deliveries) == 1 and env.count(wdb.webhook_attempts) == 1
    assert webhook_service.prune_log(env.platform, now=now) == 2  # the 31-day-old attempt and ended delivery
    assert env.count(wdb.webhook_deliveries) == 0 and env.count(wdb.webhook_attempts) == 0


def test_resuming_gives_up_what_was_written_for_it_while_it_was_being_paused(env):
    """An event handled while the worker paused the subscription may have written a delivery; resuming does not
    send it (events from the pause are not sent)."""
    headers = env.auth(*ADMIN)
    made = env.client.post(S, json=HOOK, headers=headers).get_json()
    env.feed(reported_event_body("0138", "e1"))
    s, d = wdb.webhook_subscriptions, wdb.webhook_deliveries
    with env.platform.engine.begin() as conn:
        conn.execute(s.update().where(s.c.id == made["id"]).values(state="paused", version=2))
    resumed = env.client.post(f"{S}/{made['id']}/resume", headers=headers).get_json()
    assert (resumed["state"], resumed["version"]) == ("active", 3)
    with env.platform.engine.connect() as conn:
        assert conn.execute(sa.select(d.c.status, d.c.body)).all() == [("cancelled", None)]
