"""One webhook attempt over real sockets, against receivers started here: it connects to the address that was checked
while TLS and the Host header name the host (against DNS rebinding), refuses to connect when the host now resolves
into a private network, follows no redirect, checks the receiver's certificate, and ends at its deadline however
slowly the receiver answers."""
from __future__ import annotations

import socket
import threading
import time
from datetime import datetime, timezone

import pytest
from standardwebhooks import Webhook

from ordning_notify import webhook_http
from ordning_notify import webhooks as w

from .webhook_receiver import Receiver, make_ca

pytestmark = pytest.mark.integration
BODY = '{"specversion":"1.0","id":"e-1","source":"/ordning/0138/deviations","type":"se.ordning.deviation.reported.v1"}'


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return make_ca(tmp_path_factory.mktemp("ca"))


def settings(ca=None, **changes) -> w.WebhookSettings:
    return w.WebhookSettings(allow_private=True, ca_file=str(ca.ca_file) if ca else None, timeout_seconds=2,
                             connect_timeout_seconds=1).with_(**changes)


def test_the_attempt_connects_to_the_checked_address_and_speaks_tls_to_the_name(ca):
    """hooks.test resolves (here) to 127.0.0.1 once, at the check; the connection goes there, the certificate is
    checked for hooks.test, and SNI and the Host header say hooks.test."""
    lookups = []

    def resolver(host, port, timeout):
        lookups.append(host)
        return ["127.0.0.1"]

    secret = w.new_secret()
    with Receiver(tls=ca) as receiver:
        outcome = webhook_http.post(settings(ca), receiver.url("/in", "hooks.test"), BODY, "e-1", [secret],
                                    resolver=resolver)
    assert (outcome.outcome, outcome.status_code, outcome.error) == ("delivered", 200, None)
    assert lookups == ["hooks.test"]
    [got] = receiver.received
    assert got.server_name == "hooks.test" and got.headers["host"] == f"hooks.test:{receiver.port}"
    assert got.headers["content-type"].startswith("application/cloudevents+json")
    assert Webhook(secret).verify(got.body, got.headers)["id"] == "e-1" and got.headers["webhook-id"] == "e-1"


def test_a_host_that_now_resolves_into_a_private_network_is_not_connected_to(ca):
    """DNS rebinding: the host passed the check when the subscription was made; at delivery it resolves to
    loopback, and nothing is sent."""
    with Receiver(tls=ca) as receiver:
        outcome = webhook_http.post(settings(ca, allow_private=False), receiver.url("/in", "hooks.test"), BODY, "e-1",
                                    [w.new_secret()], resolver=lambda host, port, timeout: ["127.0.0.1"])
    assert (outcome.outcome, outcome.status_code, outcome.error) == ("refused", None, "address_loopback")
    assert receiver.received == []


def test_an_address_that_refuses_is_passed_for_the_next_checked_one():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead_port = closed.getsockname()[1]
    with Receiver() as receiver:
        outcome = webhook_http.post(settings(), receiver.url("/in", "hooks.test"), BODY, "e-1", [w.new_secret()],
                                    resolver=lambda host, port, timeout: ["::1", "127.0.0.1"])
    assert outcome.outcome == "delivered" and len(receiver.received) == 1
    gone = webhook_http.post(settings(), f"http://hooks.test:{dead_port}/in", BODY, "e-1", [w.new_secret()],
                             resolver=lambda host, port, timeout: ["127.0.0.1"])
    assert (gone.outcome, gone.error) == ("failed", "connection_refused")


def test_no_redirect_is_followed(ca):
    with Receiver(tls=ca) as receiver:
        receiver.answer("/in", "redirect")
        outcome = webhook_http.post(settings(ca), receiver.url("/in"), BODY, "e-1", [w.new_secret()])
    assert (outcome.outcome, outcome.status_code) == ("failed", 307)
    assert [r.path for r in receiver.received] == ["/in"]


def test_a_receiver_whose_certificate_is_not_trusted_gets_nothing(ca):
    with Receiver(tls=ca) as receiver:
        outcome = webhook_http.post(settings(), receiver.url("/in"), BODY, "e-1", [w.new_secret()])  # certifi's CAs
    assert (outcome.outcome, outcome.error) == ("failed", "tls_certificate") and receiver.received == []


def test_a_slow_answer_ends_the_attempt_at_its_deadline():
    with Receiver() as receiver:
        receiver.answer("/in", ("slow", 5, 200))
        started = time.monotonic()
        outcome = webhook_http.post(settings(timeout_seconds=1), receiver.url("/in"), BODY, "e-1", [w.new_secret()])
    assert (outcome.outcome, outcome.error) == ("failed", "timeout") and time.monotonic() - started < 2


def test_a_receiver_that_trickles_its_headers_is_cut_off_at_the_deadline():
    """One byte a little faster than each read's timeout: only the attempt's own deadline ends it."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle():
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
                if stop.wait(0.3):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        outcome = webhook_http.post(settings(timeout_seconds=1.5, connect_timeout_seconds=1),
                                    f"http://localhost:{server.getsockname()[1]}/in", BODY, "e-1", [w.new_secret()])
        assert (outcome.outcome, outcome.error) == ("failed", "timeout")
        assert time.monotonic() - started < 2.5
    finally:
        stop.set()
        server.close()


def test_the_signature_covers_the_body_and_the_timestamp_sent():
    secret = w.new_secret()
    with Receiver() as receiver:
        receiver.answer("/in", 204)
        assert webhook_http.post(settings(), receiver.url("/in"), BODY, "e-7", [secret]).outcome == "delivered"
    [got] = receiver.received
    sent_at = datetime.fromtimestamp(int(got.headers["webhook-timestamp"]), timezone.utc)
    assert abs((datetime.now(timezone.utc) - sent_at).total_seconds()) < 10
    assert got.headers["webhook-signature"] == w.sign([secret], "e-7", sent_at, BODY)
    assert got.headers["user-agent"] == webhook_http.USER_AGENT
