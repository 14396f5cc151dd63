"""One webhook attempt over the network: resolve the host, check every address (webhooks.checked_addresses), connect
to a checked address only, speak TLS to the host's name (SNI and certificate, the Host header) over that connection,
POST the signed CloudEvent, and read the status line. No redirect is followed (http.client follows none), the answer's
body is never read, and the whole attempt ends within the settings' timeout, however slowly the other end answers.
"""
from __future__ import annotations

import http.client
import logging
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timezone

from ordning_shared.events import CONTENT_TYPE

from . import webhooks as w

log = logging.getLogger(__name__)
USER_AGENT = "Ordning-Webhooks/1"
# getaddrinfo has no timeout of its own: lookups run here, and an attempt waits for one only so long.
_LOOKUPS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


def resolve(host: str, port: int, timeout: float = 5.0) -> list[str]:
    """The addresses of `host`, as getaddrinfo gives them (IPv6 and IPv4); raises webhooks.Unresolvable."""
    try:
        found = _LOOKUPS.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM).result(timeout=timeout)
    except (OSError, UnicodeError, FutureTimeout):
        raise w.Unresolvable(host) from None
    return [info[4][0] for info in found]


@dataclass(frozen=True)
class Outcome:
    """How an attempt ended: delivered (2xx), failed (another status, or no answer) or refused (the guard would
    not connect); the status code, or the class of the error, and how long it took."""

    outcome: str
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a name (the Host header) over a connection to an address that was checked."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a name (SNI, the certificate's name, the Host header) over a connection to a checked address."""

    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext):
        super().__init__(host, port, timeout=timeout, context=context)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        try:
            self.sock = self._context.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def tls_context(settings: w.WebhookSettings) -> ssl.SSLContext:
    """Certificates checked, names checked, TLS 1.2 at least; against certifi's CAs or the settings' own file."""
    import certifi

    context = ssl.create_default_context(cafile=settings.ca_file or certifi.where())
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def error_class(error: BaseException) -> str:
    """What kind of failure, as a code for the delivery log (the error's text may hold the host's answer)."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return "tls_certificate"
    if isinstance(error, ssl.SSLError):
        return "tls_error"
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(error, ConnectionRefusedError):
        return "connection_refused"
    if isinstance(error, ConnectionResetError):
        return "connection_reset"
    if isinstance(error, http.client.HTTPException):
        return "bad_response"
    return "connection_error"


def post(settings: w.WebhookSettings, url: str, body: str, message_id: str, secrets_now: list[str],
         *, resolver=None, context: ssl.SSLContext | None = None) -> Outcome:
    """One attempt: the CloudEvent `body` POSTed to `url`, signed with each of `secrets_now`, webhook-id
    `message_id` (the event's id: the same on every retry, so the receiver can drop a repeat)."""
    started = time.monotonic()
    resolver = resolver or resolve  # looked up now, so a test can stand in for DNS

    def done(outcome: str, status_code: int | None = None, error: str | None = None) -> Outcome:
        return Outcome(outcome, status_code, error, int((time.monotonic() - started) * 1000))

    try:
        target = w.parse_url(url, allow_insecure=settings.allow_private)
        addresses = w.checked_addresses(
            target, lambda host, port: resolver(host, port, settings.connect_timeout_seconds),
            allow_private=settings.allow_private)
    except w.WebhookAddressRefused as refused:
        return done(w.ATTEMPT_REFUSED, error=f"address_{refused.extra['address_class']}")
    except w.WebhookHostUnresolvable:
        return done(w.ATTEMPT_FAILED, error="dns_error")
    except (w.InvalidWebhookUrl, w.InsecureWebhookUrl):  # stored before a setting changed
        return done(w.ATTEMPT_REFUSED, error="url_refused")
    now = datetime.now(timezone.utc)
    headers = {"Content-Type": f"{CONTENT_TYPE}; charset=utf-8", "User-Agent": USER_AGENT,
               "webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": w.sign(secrets_now, message_id, now, body)}
    payload = body.encode("utf-8")
    deadline = started + settings.timeout_seconds
    connection, last_error = None, None
    for address in addresses:  # the first checked address that takes the connection
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        timeout = min(settings.connect_timeout_seconds, remaining)
        if target.scheme == "https":
            connection = _PinnedHTTPSConnection(target.host, target.port, str(address), timeout,
                                                context or tls_context(settings))
        else:
            connection = _PinnedHTTPConnection(target.host, target.port, str(address), timeout)
        try:
            connection.connect()
            break
        except (OSError, ssl.SSLError) as error:
            last_error, connection = error, None
            if isinstance(error, ssl.SSLError):  # the host answered, with a bad certificate: no other address
                break
    if connection is None:
        return done(w.ATTEMPT_FAILED, error=error_class(last_error) if last_error else "timeout")
    # However slowly the other end trickles its answer, the attempt ends at the deadline: the socket is shut.
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _shut, args=(connection,))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.sock.settimeout(max(0.001, deadline - time.monotonic()))
        connection.request("POST", target.path, body=payload, headers=headers)
        status = connection.getresponse().status
    except (OSError, ssl.SSLError, http.client.HTTPException, ValueError) as error:
        timed_out = time.monotonic() >= deadline
        return done(w.ATTEMPT_FAILED, error="timeout" if timed_out else error_class(error))
    finally:
        watchdog.cancel()
        connection.close()
    return done(w.ATTEMPT_DELIVERED if 200 <= status < 300 else w.ATTEMPT_FAILED, status_code=status)


def _shut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


__all__ = ["resolve", "post", "Outcome", "tls_context", "error_class", "USER_AGENT"]
