"""The citizens' form under abuse: rate limits per client and tenant, the honeypot, Idempotency-Keys per client."""
# Windows of an hour, so that a test hardly ever straddles one (a fixed window starts anew on the hour).
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import replace

import pytest
import sqlalchemy as sa
from ordning_shared.public import HONEYPOT_FILLED

from ordning_deviations import db
from ordning_deviations.app import create_app

from .conftest import TREE, U, org_event_body

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"
FEEDBACK = {"kind": "synpunkt", "unit_id": U["e1"], "description": "Bra bemötande", "anonymous": True}


def make_app(settings, **overrides):
    app = create_app(replace(settings, **overrides))
    platform = app.extensions["ordning"]
    from ordning_deviations.handlers import HANDLERS
    from ordning_shared import consumer

    for tenant, unit_id, kind, parent in TREE:
        consumer.handle_event(platform, HANDLERS, org_event_body(tenant, unit_id, kind, parent))
    return app


@pytest.fixture
def limited(settings):
    app = make_app(settings, public_rate_limit_per_client=(3, 3600), public_rate_limit_per_tenant=(5, 3600))
    yield app
    app.extensions["ordning"].dispose()


def send(client, address, tenant="0138", body=None, **headers):
    unit = U["e1"] if tenant == "0138" else U["eb"]
    return client.post(f"/api/v1/public/{tenant}/feedback", json=body or {**FEEDBACK, "unit_id": unit},
                       headers=headers, environ_base={"REMOTE_ADDR": address})


def rows(app, table):
    with app.extensions["ordning"].engine.connect() as conn:
        return conn.execute(sa.select(table)).all()


def test_a_client_over_its_limit_gets_429_with_retry_after_and_others_go_on(limited):
    client = limited.test_client()
    assert [send(client, "198.51.100.1").status_code for _ in range(3)] == [201, 201, 201]
    refused = send(client, "198.51.100.1")
    assert refused.status_code == 429 and refused.headers["Content-Type"] == PROBLEM
    assert refused.get_json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert send(client, "198.51.100.2").status_code == 201  # another client
    # an IPv6 client is its /64: another address in it is the same client
    assert [send(client, f"2001:db8:1:2::{n}", tenant="1407").status_code for n in range(1, 5)] == [
        201, 201, 201, 429]
    assert len(rows(limited, db.deviations)) == 3 + 1 + 3


def test_a_tenant_over_its_limit_gets_429_and_a_refused_client_does_not_use_it_up(limited):
    client = limited.test_client()
    for _ in range(6):  # three over the client's limit: not counted against the tenant
        send(client, "198.51.100.9")
    assert [send(client, f"198.51.100.{n}").status_code for n in (10, 11, 12)] == [201, 201, 429]
    assert send(client, "198.51.100.13", tenant="1407").status_code == 201  # another tenant
    assert limited.test_client().get("/api/v1/public/0138/feedback").status_code == 429  # every public route


def test_concurrent_calls_of_one_client_do_not_pass_its_limit(settings):
    app = make_app(settings, public_rate_limit_per_client=(10, 3600))
    statuses, lock = [], threading.Lock()

    def call():
        response = send(app.test_client(), "203.0.113.50")
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=call) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 10 + [429] * 20, statuses
    assert len(rows(app, db.deviations)) == 10
    app.extensions["ordning"].dispose()


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(settings, caplog):
    direct = make_app(settings, public_rate_limit_per_client=(2, 3600)).test_client()
    spoofed = [send(direct, "10.0.0.1", **{"X-Forwarded-For": f"192.0.2.{n}"}).status_code for n in range(3)]
    assert spoofed == [201, 201, 429]  # no proxy trusted: a made-up header changes nothing
    proxied = make_app(settings, public_rate_limit_per_client=(2, 3600), trusted_proxies=1)
    behind = proxied.test_client()
    assert [send(behind, "10.0.0.2", **{"X-Forwarded-For": "192.0.2.77"}).status_code for _ in range(3)] == [
        201, 201, 429]
    assert send(behind, "10.0.0.2", **{"X-Forwarded-For": "192.0.2.78"}).status_code == 201
    # the addresses are kept nowhere, only their keyed hashes: not in the tables, not in the logs
    stored = repr(rows(proxied, proxied.extensions["ordning"].tables.rate_limit_windows)) + repr(
        rows(proxied, proxied.extensions["ordning"].tables.idempotency_keys))
    assert "192.0.2.77" not in stored and "c:" in stored
    assert "192.0.2.7" not in caplog.text and "10.0.0." not in caplog.text


def test_an_idempotency_key_belongs_to_its_client(env):
    c = env.client
    first = send(c, "198.51.100.21", body={**FEEDBACK, "description": "Första"}, **{"Idempotency-Key": "same"})
    second = send(c, "198.51.100.22", body={**FEEDBACK, "description": "Andra"}, **{"Idempotency-Key": "same"})
    assert first.status_code == second.status_code == 201, second.get_json()
    assert first.get_json()["reference"] != second.get_json()["reference"]
    retry = send(c, "198.51.100.21", body={**FEEDBACK, "description": "Första"}, **{"Idempotency-Key": "same"})
    assert retry.status_code == 201 and retry.get_json()["reference"] == first.get_json()["reference"]
    descriptions = {row.reference: row.description for row in rows(env.app, db.deviations)}
    assert descriptions == {first.get_json()["reference"]: "Första", second.get_json()["reference"]: "Andra"}


def test_a_filled_honeypot_is_thanked_and_kept_nowhere(env):
    caught = HONEYPOT_FILLED.labels("deviations")._value.get()
    r = send(env.client, "198.51.100.31", body={**FEEDBACK, "website": "https://spam.example"})
    assert r.status_code == 201
    assert set(r.get_json()) == {"reference", "received_at", "receipt_due", "answer_due", "answer_promised",
                                  "message_sv", "secret"}
    assert r.get_json()["reference"][:4].isdigit() and "Tack!" in r.get_json()["message_sv"]
    assert rows(env.app, db.deviations) == [] and rows(env.app, env.platform.tables.outbox) == []
    assert HONEYPOT_FILLED.labels("deviations")._value.get() == caught + 1
    real = send(env.client, "198.51.100.32", body={**FEEDBACK, "website": ""})
    assert real.status_code == 201 and real.get_json()["reference"].endswith("-000001")  # no number used up
    spec = env.client.get("/openapi.json").get_json()
    assert "leave empty" in spec["components"]["schemas"]["PublicFeedback"]["properties"]["website"]["description"]
    assert "429" in spec["paths"]["/api/v1/public/{tenant}/feedback"]["post"]["responses"]


# ---- Redis, when configured -------------------------------------------------

@pytest.fixture
def redis_url():
    if os.environ.get("ORDNING_TEST_REDIS_URL"):
        yield os.environ["ORDNING_TEST_REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("Redis is needed: set ORDNING_TEST_REDIS_URL or install redis-server")
        pytest.skip("no Redis")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([binary, "--port", str(port), "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def test_limits_are_counted_in_redis_when_it_is_configured(settings, redis_url):
    app = make_app(settings, public_rate_limit_per_client=(2, 3600), redis_url=redis_url)
    client = app.test_client()
    assert [send(client, "198.51.100.41").status_code for _ in range(3)] == [201, 201, 429]
    assert rows(app, app.extensions["ordning"].tables.rate_limit_windows) == []  # counted in Redis only
    import redis

    keys = redis.Redis.from_url(redis_url).keys("*")
    assert keys and not any(b"198.51.100.41" in key for key in keys)
    app.extensions["ordning"].dispose()
