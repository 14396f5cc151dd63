"""A real SMTP server for the mail tests (aiosmtpd, on a port of its own) keeping what arrives, and the settings
that send to it."""
from __future__ import annotations

import socket
import threading
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

SENDER = "Ordning <noreply@tyreso.se>"
WEB = "https://ordning.tyreso.se"
RETRY_DELAYS = (0.2, 0.2, 0.2)  # four tries in all


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """What an SMTP server took: (envelope recipients, the parsed mail) each. `answer`, when set, is what the
    server says to every mail's data instead of taking it (e.g. "550 5.1.1 No such user")."""

    def __init__(self, port: int | None = None, login: tuple[str, str] | None = None):
        self.port = port or free_port()
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.answer: str | None = None
        self.login = login  # (username, password) the server requires, over the plain connection of a test
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.answer:
            return self.answer
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 2.0.0 OK"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        given = (auth_data.login.decode(), auth_data.password.decode())
        return AuthResult(success=given == self.login)

    def start(self) -> "Mailbox":
        login = {"auth_required": True, "auth_require_tls": False, "authenticator": self._authenticate} \
            if self.login else {}
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **login)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [mail for recipients, mail in self.received if address in recipients]

    def recipients(self) -> list[str]:
        with self._lock:
            return sorted(address for recipients, _mail in self.received for address in recipients)


@pytest.fixture
def mailbox():
    """A real SMTP server for the test (import the fixture where it is used)."""
    with Mailbox() as box:
        yield box


def mail_settings(settings, port: int):
    """`settings` sending mail to the SMTP server on `port` (no TLS there), links to the web at WEB."""
    return replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, smtp_from=SENDER,
                   web_url=WEB, mail_retry_delays=RETRY_DELAYS, mail_poll_seconds=0.1)


def mail_environment(settings) -> dict:
    """The ORDNING_SMTP_* and mail variables of `settings`, for a worker run as a process of its own."""
    return {"ORDNING_SMTP_HOST": settings.smtp_host, "ORDNING_SMTP_PORT": str(settings.smtp_port),
            "ORDNING_SMTP_STARTTLS": "false", "ORDNING_SMTP_FROM": settings.smtp_from,
            "ORDNING_WEB_URL": settings.web_url,
            "ORDNING_MAIL_RETRY_DELAYS": ",".join(str(d) for d in settings.mail_retry_delays),
            "ORDNING_MAIL_POLL_SECONDS": str(settings.mail_poll_seconds)}
