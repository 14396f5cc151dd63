"""Webhooks, pure: the address guard (every class of address a webhook may not reach, IPv4 and IPv6, and IPv6
addresses that stand for IPv4 ones), the URLs it refuses, the secrets and their signatures as a receiver verifies
them (standardwebhooks), the retry schedule and when a subscription is paused, and the settings."""
from __future__ import annotations

import ipaddress
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from ordning_shared.config import ConfigError
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from ordning_notify import webhook_http
from ordning_notify import webhooks as w

NOW = datetime(2026, 5, 12, 8, 30, tzinfo=timezone.utc)


# --------------------------------------------------------------------------
# Addresses
# --------------------------------------------------------------------------

REFUSED = [
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("127.0.0.1", "loopback"), ("127.255.255.254", "loopback"), ("::1", "loopback"),
    ("169.254.169.254", "link_local"), ("169.254.0.1", "link_local"), ("fe80::1", "link_local"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"), ("ff0e::1", "multicast"),
    ("10.0.0.1", "private"), ("172.16.0.1", "private"), ("172.31.255.254", "private"), ("192.168.1.1", "private"),
    ("fc00::1", "private"), ("fd12:3456:789a::1", "private"), ("fec0::1", "private"), ("2001:db8::1", "private"),
    ("192.0.2.10", "private"), ("198.18.0.1", "private"),  # documentation and benchmarking ranges
    ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"), ("100.64.0.1", "reserved"),
    ("::127.0.0.1", "reserved"),  # IPv4-compatible, deprecated
    ("2001::1", "private"),  # Teredo: tunnels to an address it does not show
    # IPv6 addresses that stand for IPv4 ones are judged as those
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.1.2.3", "private"), ("::ffff:169.254.169.254", "link_local"),
    ("::ffff:0.0.0.0", "unspecified"), ("::ffff:224.0.0.1", "multicast"),
    ("2002:7f00:1::1", "loopback"), ("2002:a00:1::1", "private"),  # 6to4
    ("64:ff9b::7f00:1", "loopback"), ("64:ff9b::a9fe:a9fe", "link_local"),  # NAT64
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "2a00:1450:4001:82b::200e",
          "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]


@pytest.mark.parametrize("address, expected", REFUSED)
def test_every_address_outside_the_public_internet_is_refused_with_its_class(address, expected):
    assert w.address_class(ipaddress.ip_address(address)) == expected


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass_as_do_ipv6_forms_of_public_ipv4_ones(address):
    assert w.address_class(ipaddress.ip_address(address)) is None


def table(**names):
    """A resolver from a table of host -> addresses (a name not there does not resolve)."""
    def resolve(host, port):
        if host not in names:
            raise w.Unresolvable(host)
        return names[host]
    return resolve


def test_a_name_is_refused_when_any_of_its_addresses_is_private():
    resolve = table(**{"hooks.example.se": ["93.184.215.14", "10.0.0.5"], "ok.example.se": ["93.184.215.14",
                                                                                              "2606:4700::1"]})
    with pytest.raises(w.WebhookAddressRefused) as refused:
        w.checked_addresses(w.parse_url("https://hooks.example.se/x"), resolve, allow_private=False)
    assert refused.value.extra == {"address_class": "private"} and "10.0.0.5" not in refused.value.message
    assert [str(a) for a in w.checked_addresses(w.parse_url("https://ok.example.se/x"), resolve,
                                                allow_private=False)] == ["93.184.215.14", "2606:4700::1"]


def test_a_name_that_resolves_to_nothing_is_refused_and_a_literal_address_needs_no_lookup():
    def no_lookup(host, port):
        raise AssertionError("a literal address was looked up")

    with pytest.raises(w.WebhookHostUnresolvable):
        w.checked_addresses(w.parse_url("https://nowhere.example.se/"), table(), allow_private=False)
    with pytest.raises(w.WebhookAddressRefused):
        w.checked_addresses(w.parse_url("https://[::ffff:7f00:1]:8443/"), no_lookup, allow_private=False)
    assert w.checked_addresses(w.parse_url("https://8.8.8.8/"), no_lookup, allow_private=False) == [
        ipaddress.ip_address("8.8.8.8")]


def test_the_embedded_setting_lets_loopback_and_private_addresses_through():
    resolve = table(localhost=["127.0.0.1", "::1"])
    found = w.checked_addresses(w.parse_url("http://localhost:8080/", allow_insecure=True), resolve,
                                allow_private=True)
    assert [str(a) for a in found] == ["127.0.0.1", "::1"]


@pytest.mark.parametrize("host", ["localhost", "127.1", "0x7f.1", "2130706433", "0177.0.0.1", "[::1]",
                                  "[::ffff:127.0.0.1]", "[0:0:0:0:0:ffff:7f00:1]"])
def test_spellings_of_loopback_are_refused_after_the_system_resolver_reads_them(host):
    """Whatever the spelling, the guard judges what the system's resolver makes of it, which is what a connection
    would reach."""
    with pytest.raises(w.WebhookAddressRefused) as refused:
        w.checked_addresses(w.parse_url(f"https://{host}/hook"), webhook_http.resolve, allow_private=False)
    assert refused.value.extra["address_class"] == "loopback"


# --------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------

def test_a_url_is_read_into_its_target():
    assert w.parse_url("https://Hooks.Example.se/ordning/in?key=a%20b") == w.Target(
        "https", "hooks.example.se", 443, "/ordning/in?key=a%20b")
    assert w.parse_url("https://hooks.example.se:8443") == w.Target("https", "hooks.example.se", 8443, "/")
    assert w.parse_url("https://bücher.example/x").host == "xn--bcher-kva.example"
    assert w.parse_url("https://[2606:4700::1111]/").literal == ipaddress.ip_address("2606:4700::1111")
    assert w.parse_url("http://localhost/", allow_insecure=True).port == 80


@pytest.mark.parametrize("url, problem", [
    ("http://hooks.example.se/", w.InsecureWebhookUrl),
    ("ftp://hooks.example.se/", w.InvalidWebhookUrl),
    ("hooks.example.se/in", w.InvalidWebhookUrl),
    ("https:///in", w.InvalidWebhookUrl),
    ("https://user:secret@hooks.example.se/", w.InvalidWebhookUrl),
    ("https://hooks.example.se@10.0.0.1/", w.InvalidWebhookUrl),
    ("https://hooks.example.se/in#part", w.InvalidWebhookUrl),
    ("https://hooks.example.se:0/", w.InvalidWebhookUrl),
    ("https://hooks.example.se:99999/", w.InvalidWebhookUrl),
    ("https://hooks.example.se:port/", w.InvalidWebhookUrl),
    ("https://[fe80::1%25eth0]/", w.InvalidWebhookUrl),
    ("https://hooks.exa\tmple.se/", w.InvalidWebhookUrl),
    (" https://hooks.example.se/", w.InvalidWebhookUrl),
    ("https://hooks.example.se/in\n", w.InvalidWebhookUrl),
    ("https://hooks.example.se/ärende", w.InvalidWebhookUrl),
    ("https://hooks.example.se\\@evil.example/", w.InvalidWebhookUrl),
    ("https://" + "a" * 2000 + ".se/", w.InvalidWebhookUrl),
    ("", w.InvalidWebhookUrl),
])
def test_urls_a_webhook_cannot_go_to_are_refused_without_naming_them(url, problem):
    with pytest.raises(problem) as refused:
        w.parse_url(url)
    assert refused.value.http_status == 422 and (not url.strip() or url.strip() not in refused.value.message)


def test_the_embedded_setting_allows_plain_http():
    assert w.parse_url("http://hooks.example.se/in", allow_insecure=True).scheme == "http"


# --------------------------------------------------------------------------
# Secrets and signatures
# --------------------------------------------------------------------------

def test_a_secret_is_whsec_and_32_random_bytes():
    secret = w.new_secret()
    assert secret.startswith("whsec_") and len(Webhook(secret)._whsecret) == 32 and secret != w.new_secret()


def test_a_delivery_signed_with_two_secrets_verifies_with_either_and_with_no_other():
    old, new = w.new_secret(), w.new_secret()
    now = datetime.now(timezone.utc)
    body = '{"specversion":"1.0","id":"e1","type":"se.ordning.deviation.reported.v1"}'
    headers = {"webhook-id": "e1", "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": w.sign([new, old], "e1", now, body)}
    assert headers["webhook-signature"].count("v1,") == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers)["id"] == "e1"
    with pytest.raises(WebhookVerificationError):
        Webhook(w.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body.replace("e1", "e2"), headers)


def subscription(**changes) -> w.Subscription:
    return replace(w.Subscription(id="s1", tenant="0138", owner="adam", url="https://hooks.example.se/",
                                  event_types=("se.ordning.deviation.reported.v1",), secret=w.new_secret(),
                                  created_at=NOW, updated_at=NOW), **changes)


def test_after_a_rotation_both_secrets_sign_until_the_grace_window_ends():
    before = subscription()
    rotated = before.rotated(NOW, timedelta(hours=24))
    assert rotated.secret != before.secret and rotated.previous_secret == before.secret
    assert rotated.version == before.version + 1
    assert rotated.signing_secrets(NOW + timedelta(hours=23)) == [rotated.secret, before.secret]
    assert rotated.signing_secrets(NOW + timedelta(hours=24)) == [rotated.secret]
    again = rotated.rotated(NOW + timedelta(hours=1), timedelta(hours=24))
    assert again.signing_secrets(NOW + timedelta(hours=2)) == [again.secret, rotated.secret]


def test_event_types_are_from_the_catalogue_each_once():
    assert w.subscription_event_types(["se.ordning.deviation.reported.v1", "se.ordning.risk.risk_escalated.v1",
                                       "se.ordning.deviation.reported.v1"]) == (
        "se.ordning.deviation.reported.v1", "se.ordning.risk.risk_escalated.v1")
    with pytest.raises(w.UnknownEventType) as unknown:
        w.subscription_event_types(["se.ordning.deviation.reported.v1", "se.ordning.deviation.exploded.v1"])
    assert unknown.value.code == "unknown_event_type" and unknown.value.extra == {"pointer": "/event_types/1"}


def test_a_paused_subscription_matches_no_event():
    active = subscription()
    assert active.matches("se.ordning.deviation.reported.v1") and not active.matches("se.ordning.deviation.closed.v1")
    assert not active.paused(NOW).matches("se.ordning.deviation.reported.v1")


def test_a_new_url_starts_a_new_record_of_failures_and_resuming_clears_it():
    failing = subscription(failing_since=NOW, failed_deliveries=3)
    assert failing.changed(NOW, event_types=("se.ordning.deviation.closed.v1",)).failed_deliveries == 3
    moved = failing.changed(NOW, url="https://other.example.se/")
    assert (moved.failing_since, moved.failed_deliveries, moved.version) == (None, 0, 2)
    resumed = failing.paused(NOW).resumed(NOW)
    assert (resumed.state, resumed.paused_at, resumed.failed_deliveries, resumed.version) == ("active", None, 0, 3)


# --------------------------------------------------------------------------
# Retries and pausing
# --------------------------------------------------------------------------

def test_the_retry_delays_grow_and_a_delivery_fails_after_the_last():
    delays = w.WebhookSettings().retry_delays
    assert list(delays) == sorted(delays) and delays[0] == 10 and delays[-1] == 6 * 3600
    assert [w.retry_delay(n, delays) for n in range(1, len(delays) + 2)] == [*delays, None]


def test_a_subscription_is_paused_after_failed_deliveries_in_a_row_or_a_day_of_failures():
    settings = w.WebhookSettings(pause_after_failed_deliveries=5, pause_after_seconds=86400)
    assert not w.should_pause(subscription(failed_deliveries=4, failing_since=NOW), NOW, settings)
    assert w.should_pause(subscription(failed_deliveries=5, failing_since=NOW), NOW, settings)
    assert not w.should_pause(subscription(failing_since=NOW), NOW + timedelta(hours=23), settings)
    assert w.should_pause(subscription(failing_since=NOW), NOW + timedelta(hours=24), settings)
    assert not w.should_pause(subscription(), NOW + timedelta(days=9), settings)


# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------

def test_the_settings_come_from_the_environment():
    settings = w.WebhookSettings.from_env("embedded", {
        "ORDNING_WEBHOOKS_ALLOW_PRIVATE": "true", "ORDNING_WEBHOOKS_RETRY_DELAYS": "0.1,0.5",
        "ORDNING_WEBHOOKS_PAUSE_AFTER_FAILED_DELIVERIES": "2", "ORDNING_WEBHOOKS_TIMEOUT_SECONDS": "3",
        "ORDNING_WEBHOOKS_CONNECT_TIMEOUT_SECONDS": "1"})
    assert (settings.allow_private, settings.retry_delays, settings.pause_after_failed_deliveries,
            settings.timeout_seconds) == (True, (0.1, 0.5), 2, 3.0)
    assert w.WebhookSettings.from_env("embedded", {}).allow_private is False  # off unless set, even embedded


@pytest.mark.parametrize("environ", [
    {"ORDNING_WEBHOOKS_RETRY_DELAYS": "10,soon"}, {"ORDNING_WEBHOOKS_RETRY_DELAYS": "0"},
    {"ORDNING_WEBHOOKS_ALLOW_PRIVATE": "sometimes"}, {"ORDNING_WEBHOOKS_PAUSE_AFTER_FAILED_DELIVERIES": "0"},
    {"ORDNING_WEBHOOKS_TIMEOUT_SECONDS": "600"}, {"ORDNING_WEBHOOKS_CONCURRENCY": "many"},
])
def test_bad_settings_stop_the_start(environ):
    with pytest.raises(ConfigError):
        w.WebhookSettings.from_env("embedded", environ)


def test_production_refuses_to_let_webhooks_reach_private_addresses():
    with pytest.raises(ConfigError, match="ORDNING_WEBHOOKS_ALLOW_PRIVATE"):
        w.WebhookSettings.from_env("production", {"ORDNING_WEBHOOKS_ALLOW_PRIVATE": "true"})
    assert w.WebhookSettings.from_env("production", {"ORDNING_WEBHOOKS_ALLOW_PRIVATE": "false"}).allow_private is False


def test_the_webhook_domain_needs_no_flask():
    code = "import sys, ordning_notify.webhooks; assert 'flask' not in sys.modules, 'flask was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
