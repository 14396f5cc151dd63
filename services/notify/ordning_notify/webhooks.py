"""Webhook subscriptions, pure: what a subscription is, its secrets and their signatures (Standard Webhooks), which
URLs and addresses a delivery may go to (the SSRF guard), when a failed delivery is tried again and when a
subscription that keeps failing is paused. No I/O here: resolving a host name is a function the caller passes in
(webhook_http.resolve at run time, a table in the unit tests).

Another municipal system subscribes to event types of the catalogue; each matching event is POSTed to its HTTPS URL
as the CloudEvent (structured JSON), signed with the subscription's secret. A URL must be https and its host must
resolve to public addresses only, checked when the subscription is made or changed and again before every attempt
(the delivery connects to the address that was checked, so a name that resolves elsewhere the second time, DNS
rebinding, reaches nothing private). The embedded default (`make run`) may allow private addresses and plain http
(ORDNING_WEBHOOKS_ALLOW_PRIVATE), so that a developer's receiver on localhost works; production refuses that setting.
"""
from __future__ import annotations

import base64
import ipaddress
import os
import secrets as random
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

# The platform's readers of numbers from the environment, with its error messages.
from ordning_shared.config import PRODUCTION, ConfigError, _int, _seconds, _seconds_list
from ordning_shared.problems import Conflict, Problem
from standardwebhooks import Webhook

from .catalogue import EVENT_TYPES
from .domain import UnknownEventType

URL_MAX = 2000
EVENT_TYPES_MAX = len(EVENT_TYPES)
SUBSCRIPTIONS_MAX = 100  # per tenant: a municipality's integrations, not a fan-out service
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # Standard Webhooks: 24 to 64 random bytes
ACTIVE, PAUSED = "active", "paused"
# A delivery (one event to one subscription) is pending until a 2xx ends it (delivered), its last retry fails
# (failed), or its subscription is paused or deleted (cancelled).
PENDING, DELIVERED, FAILED, CANCELLED = "pending", "delivered", "failed", "cancelled"
# How an attempt ended: the receiver answered 2xx; it answered otherwise or could not be reached; or the guard
# refused to connect (the host resolved to an address outside the public internet).
ATTEMPT_DELIVERED, ATTEMPT_FAILED, ATTEMPT_REFUSED = "delivered", "failed", "refused"


# --------------------------------------------------------------------------
# Settings (ORDNING_WEBHOOKS_*)
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class WebhookSettings:
    # Private, loopback and link-local addresses, and plain http, for a developer's receiver: the embedded default
    # only (`make run` sets it); production refuses to start with it.
    allow_private: bool = False
    # Seconds before each retry of a failed attempt; after the last one the delivery has failed.
    retry_delays: tuple = (10, 60, 300, 1800, 7200, 21600)
    # A subscription is paused when this many deliveries in a row failed all their attempts, or when its attempts
    # have failed for this long without a success in between.
    pause_after_failed_deliveries: int = 5
    pause_after_seconds: float = 86400
    # How long the secret before a rotation still signs (beside the new one), so the receiver can switch.
    rotation_grace_seconds: float = 86400
    connect_timeout_seconds: float = 5
    # The whole attempt (resolve, connect, TLS, request, the answer's status line and headers) ends by then.
    timeout_seconds: float = 15
    poll_seconds: float = 1
    concurrency: int = 4  # attempts under way at once in a worker
    ca_file: str | None = None  # CA certificates the receivers' certificates are checked against; None: certifi's

    @classmethod
    def from_env(cls, env: str, environ=None) -> "WebhookSettings":
        environ = os.environ if environ is None else environ
        allow = environ.get("ORDNING_WEBHOOKS_ALLOW_PRIVATE", "").strip().lower()
        if allow not in ("", "true", "false", "1", "0"):
            raise ConfigError(f"ORDNING_WEBHOOKS_ALLOW_PRIVATE must be true or false, got {allow!r}")
        settings = cls(
            allow_private=allow in ("true", "1"),
            retry_delays=_seconds_list(environ, "ORDNING_WEBHOOKS_RETRY_DELAYS", cls.retry_delays),
            pause_after_failed_deliveries=_int(environ, "ORDNING_WEBHOOKS_PAUSE_AFTER_FAILED_DELIVERIES",
                                               cls.pause_after_failed_deliveries),
            pause_after_seconds=_seconds(environ, "ORDNING_WEBHOOKS_PAUSE_AFTER_SECONDS", cls.pause_after_seconds),
            rotation_grace_seconds=_seconds(environ, "ORDNING_WEBHOOKS_ROTATION_GRACE_SECONDS",
                                            cls.rotation_grace_seconds),
            connect_timeout_seconds=_seconds(environ, "ORDNING_WEBHOOKS_CONNECT_TIMEOUT_SECONDS",
                                             cls.connect_timeout_seconds),
            timeout_seconds=_seconds(environ, "ORDNING_WEBHOOKS_TIMEOUT_SECONDS", cls.timeout_seconds),
            poll_seconds=_seconds(environ, "ORDNING_WEBHOOKS_POLL_SECONDS", cls.poll_seconds),
            concurrency=_int(environ, "ORDNING_WEBHOOKS_CONCURRENCY", cls.concurrency),
            ca_file=environ.get("ORDNING_WEBHOOKS_CA_FILE") or None,
        )
        settings.validate(env)
        return settings

    def validate(self, env: str) -> None:
        if self.allow_private and env == PRODUCTION:
            raise ConfigError("ORDNING_WEBHOOKS_ALLOW_PRIVATE is for the embedded default only: in production a "
                              "webhook may not reach private or loopback addresses")
        if not self.retry_delays or any(not 0.001 <= delay <= 86400 for delay in self.retry_delays):
            raise ConfigError("ORDNING_WEBHOOKS_RETRY_DELAYS needs at least one delay, each 0.001 to 86400 seconds")
        if not 1 <= self.pause_after_failed_deliveries <= 1000 or self.pause_after_seconds <= 0:
            raise ConfigError("ORDNING_WEBHOOKS_PAUSE_AFTER_FAILED_DELIVERIES must be 1 to 1000 and "
                              "ORDNING_WEBHOOKS_PAUSE_AFTER_SECONDS positive")
        if not 0 < self.connect_timeout_seconds <= self.timeout_seconds <= 120:
            raise ConfigError("webhook timeouts: 0 < ORDNING_WEBHOOKS_CONNECT_TIMEOUT_SECONDS <= "
                              "ORDNING_WEBHOOKS_TIMEOUT_SECONDS <= 120")
        if not 0.01 <= self.poll_seconds <= 60 or not 1 <= self.concurrency <= 32 or self.rotation_grace_seconds < 0:
            raise ConfigError("ORDNING_WEBHOOKS_POLL_SECONDS must be 0.01 to 60, ORDNING_WEBHOOKS_CONCURRENCY 1 to 32 "
                              "and ORDNING_WEBHOOKS_ROTATION_GRACE_SECONDS not negative")

    @property
    def lease_seconds(self) -> float:
        """How long a claimed delivery is left to its worker before another may try it (a worker that died in
        the middle of an attempt): longer than any attempt can take."""
        return 2 * self.timeout_seconds + 30

    def with_(self, **changes) -> "WebhookSettings":
        return replace(self, **changes)


# --------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------

class InvalidWebhookUrl(Problem):
    """Not an absolute URL we can POST to: no host, credentials or a fragment in it, a bad port, spaces."""
    http_status, code = 422, "invalid_webhook_url"


class InsecureWebhookUrl(Problem):
    http_status, code = 422, "webhook_url_not_https"


class WebhookAddressRefused(Problem):
    """The host is, or resolves to, an address outside the public internet (private, loopback, link-local,
    multicast, reserved or unspecified): a webhook must not reach into the installation's own network."""
    http_status, code = 422, "webhook_address_refused"


class WebhookHostUnresolvable(Problem):
    http_status, code = 422, "webhook_host_unresolvable"


class TooManySubscriptions(Conflict):
    code = "too_many_webhook_subscriptions"


# --------------------------------------------------------------------------
# Addresses and URLs: the SSRF guard
# --------------------------------------------------------------------------

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# NAT64's well-known prefix (RFC 6052) carries an IPv4 address in its last 32 bits, which a NAT64 gateway reaches.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address reaches: IPv4-mapped (::ffff:a.b.c.d, which a dual-stack socket connects
    to as IPv4), 6to4 (2002::/16) and NAT64 (64:ff9b::/96, what DNS64 gives for an IPv4-only host). Python 3.11
    classifies ::ffff:127.0.0.1 by its IPv6 range only, so these are unwrapped and judged as IPv4."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_class(address: Address) -> str | None:
    """Why a webhook may not go to this address (its class), or None for a public (global unicast) address. An
    IPv6 address that stands for an IPv4 one is judged as that IPv4 address."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return address_class(inner)
    for name, holds in (("unspecified", address.is_unspecified), ("loopback", address.is_loopback),
                        ("link_local", address.is_link_local), ("multicast", address.is_multicast),
                        ("reserved", address.is_reserved), ("private", address.is_private)):
        if holds:
            return name
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "private"  # fec0::/10, deprecated, still routed inside some networks
    if not address.is_global:  # shared address space (100.64.0.0/10) and what else IANA keeps off the internet
        return "reserved"
    return None


@dataclass(frozen=True)
class Target:
    """Where a webhook URL points: the scheme, the host as it goes into SNI and the Host header (IDNA, lower case),
    the port, and the path with its query as it goes into the request line."""

    scheme: str
    host: str
    port: int
    path: str

    @property
    def literal(self) -> Address | None:
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None


_URL_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")


def parse_url(url: str, *, allow_insecure: bool = False) -> Target:
    """The target of a webhook URL, or a problem (422) saying what is wrong with it. Never echoes the URL: it may
    hold a token."""
    if not isinstance(url, str) or not url or len(url) > URL_MAX:
        raise InvalidWebhookUrl(f"Adressen ska vara en URL med högst {URL_MAX} tecken.",
                                f"The address must be a URL of at most {URL_MAX} characters.")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        # urlsplit drops tabs and line breaks and strips spaces: the URL it reads is not the one given
        raise InvalidWebhookUrl("Adressen får inte innehålla mellanslag eller styrtecken.",
                                "The address must not hold spaces or control characters.")
    try:
        parts = urlsplit(url)
        scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:
        raise InvalidWebhookUrl("Adressen kan inte läsas som en URL (värdnamn eller port).",
                                "The address cannot be read as a URL (its host name or port).") from None
    if scheme not in ("https", "http"):
        raise InvalidWebhookUrl("Adressen ska börja med https://.", "The address must start with https://.")
    if scheme != "https" and not allow_insecure:
        raise InsecureWebhookUrl("En webhook skickas bara över https; ange en adress som börjar med https://.",
                                 "A webhook is sent over https only; give an address starting with https://.")
    if not host:
        raise InvalidWebhookUrl("Adressen saknar värdnamn.", "The address has no host name.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidWebhookUrl("Adressen får inte innehålla användarnamn eller lösenord.",
                                "The address must not hold a user name or password.")
    if parts.fragment or url.endswith("#"):
        raise InvalidWebhookUrl("Adressen får inte ha ett fragment (#).", "The address must not have a fragment (#).")
    if "%" in host:  # an IPv6 zone (fe80::1%eth0) names an interface of this machine
        raise InvalidWebhookUrl("Adressen får inte ange ett nätverksgränssnitt.",
                                "The address must not name a network interface.")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower() if not host.isascii() else host.lower()
    except UnicodeError:
        raise InvalidWebhookUrl("Värdnamnet är inte ett giltigt domännamn.",
                                "The host name is not a valid domain name.") from None
    rest = url[len(parts.scheme) + 3 + len(parts.netloc):]
    if not set(rest) <= _URL_CHARACTERS or not set(ascii_host) <= _URL_CHARACTERS:
        raise InvalidWebhookUrl("Adressen får bara innehålla tecken som är tillåtna i en URL; koda andra med %.",
                                "The address may hold only characters allowed in a URL; percent-encode others.")
    if port == 0:
        raise InvalidWebhookUrl("Porten ska vara 1 till 65535.", "The port must be 1 to 65535.")
    path = parts.path or "/"
    return Target(scheme, ascii_host, port or (443 if scheme == "https" else 80),
                  path + (f"?{parts.query}" if parts.query else ""))


Resolver = Callable[[str, int], Sequence[str]]


class Unresolvable(Exception):
    """The host has no address now (or its lookup took too long)."""


def checked_addresses(target: Target, resolve: Resolver, *, allow_private: bool) -> list[Address]:
    """The addresses the target's host resolves to, each one checked: every one must be public (a name with one
    private address among public ones is refused whole: that is how rebinding hides). Raises
    WebhookAddressRefused naming the class of the first bad address, or WebhookHostUnresolvable."""
    literal = target.literal
    if literal is not None:
        addresses = [literal]
    else:
        try:
            found = list(resolve(target.host, target.port))
        except Unresolvable:
            found = []
        addresses = list(dict.fromkeys(ipaddress.ip_address(address.split("%", 1)[0]) for address in found))
        if not addresses:
            raise WebhookHostUnresolvable("Värdnamnet i adressen finns inte (det ger ingen IP-adress).",
                                          "The host name in the address does not resolve to any IP address.")
    if not allow_private:
        for address in addresses:
            refused = address_class(address)
            if refused is not None:
                raise WebhookAddressRefused(
                    "Adressen leder till ett internt nätverk; en webhook får bara gå till en adress på internet.",
                    "The address leads into an internal network; a webhook may only go to an address on the "
                    "internet.", address_class=refused)
    return addresses


# --------------------------------------------------------------------------
# Subscriptions and their secrets
# --------------------------------------------------------------------------

def new_secret() -> str:
    """A subscription's signing secret in Standard Webhooks form: whsec_ and base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(random.token_bytes(SECRET_BYTES)).decode("ascii")


def subscription_event_types(event_types: Iterable[str]) -> tuple[str, ...]:
    """The event types, each from the catalogue (else 422 unknown_event_type), each once, in the order given."""
    checked = []
    for index, event_type in enumerate(event_types):
        if event_type not in EVENT_TYPES:  # named by where it is, never by its value (it may be anything)
            raise UnknownEventType("Händelsetypen finns inte i händelsekatalogen.",
                                   "The event type is not in the event catalogue.", pointer=f"/event_types/{index}")
        checked.append(event_type)
    return tuple(dict.fromkeys(checked))


@dataclass
class Subscription:
    id: str
    tenant: str
    owner: str  # the user who made it: told when it is paused
    url: str
    event_types: tuple[str, ...]
    secret: str
    state: str = ACTIVE
    previous_secret: str | None = None
    previous_secret_until: datetime | None = None
    failing_since: datetime | None = None  # the first failed attempt since the last success
    failed_deliveries: int = 0  # deliveries in a row that failed all their attempts
    paused_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1
    extra: dict = field(default_factory=dict)

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets a delivery is signed with now: the current one, and during the grace window after a
        rotation the one before (Standard Webhooks sends several signatures, space-separated)."""
        keep_previous = self.previous_secret and self.previous_secret_until and now < self.previous_secret_until
        return [self.secret, self.previous_secret] if keep_previous else [self.secret]

    def matches(self, event_type: str) -> bool:
        return self.state == ACTIVE and event_type in self.event_types

    def rotated(self, now: datetime, grace: timedelta) -> "Subscription":
        return replace(self, secret=new_secret(), previous_secret=self.secret, previous_secret_until=now + grace,
                       updated_at=now, version=self.version + 1)

    def changed(self, now: datetime, *, url: str | None = None, event_types: tuple | None = None) -> "Subscription":
        """A new URL starts a new record of failures: the old one's are not the new endpoint's."""
        moved = url is not None and url != self.url
        return replace(self, url=self.url if url is None else url,
                       event_types=self.event_types if event_types is None else event_types,
                       failing_since=None if moved else self.failing_since,
                       failed_deliveries=0 if moved else self.failed_deliveries, updated_at=now,
                       version=self.version + 1)

    def resumed(self, now: datetime) -> "Subscription":
        return replace(self, state=ACTIVE, paused_at=None, failing_since=None, failed_deliveries=0, updated_at=now,
                       version=self.version + 1)

    def paused(self, now: datetime) -> "Subscription":
        return replace(self, state=PAUSED, paused_at=now, updated_at=now, version=self.version + 1)


def sign(secrets_now: Sequence[str], message_id: str, timestamp: datetime, body: str) -> str:
    """The webhook-signature header: one v1 signature per secret, space-separated."""
    return " ".join(Webhook(secret).sign(message_id, timestamp, body) for secret in secrets_now)


# --------------------------------------------------------------------------
# Retries and pausing
# --------------------------------------------------------------------------

def retry_delay(attempts_made: int, delays: Sequence[float]) -> float | None:
    """Seconds until the next attempt after `attempts_made` failed ones; None when the delivery has failed (the
    first attempt and one per delay)."""
    return delays[attempts_made - 1] if 1 <= attempts_made <= len(delays) else None


def should_pause(subscription: Subscription, now: datetime, settings: WebhookSettings) -> bool:
    """After a failure: pause when deliveries kept failing all their attempts, or attempts kept failing long."""
    if subscription.failed_deliveries >= settings.pause_after_failed_deliveries:
        return True
    since = subscription.failing_since
    return since is not None and (now - since).total_seconds() >= settings.pause_after_seconds


def paused_notice_event_id(subscription_id: str, paused_at: datetime) -> str:
    """The synthetic event id of a pause's notice: one notice per pause, a later pause another."""
    return f"webhook_paused:{subscription_id}:{paused_at.isoformat()}"


def subscription_link(subscription_id: str) -> str:
    """The web's page of a webhook subscription (for administrators)."""
    return f"/webhooks/{subscription_id}"


__all__ = ["WebhookSettings", "InvalidWebhookUrl", "InsecureWebhookUrl", "WebhookAddressRefused",
           "WebhookHostUnresolvable", "TooManySubscriptions", "UnknownEventType", "address_class", "embedded_ipv4",
           "Target", "parse_url", "Unresolvable", "checked_addresses", "new_secret", "subscription_event_types",
           "Subscription", "sign", "retry_delay", "should_pause", "paused_notice_event_id", "subscription_link"]
