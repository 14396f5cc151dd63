"""E-mail of notices: each person's choices (which kinds of notice come by mail, at once or in a daily digest, the
digest's hour, the address), the mail deliveries, and the worker's two jobs: sending what is due, and making the
daily digests.

Never lost, never twice: a notice's mail delivery is written in the transaction that gives the notice (a
redelivered event gives no second one: one delivery per notice, a unique key), and a digest once per person and
day (a unique key, made under the person's row lock). The send job takes one delivery at a time under a row lock
(FOR UPDATE SKIP LOCKED: two worker replicas never take the same one), sends it and marks it sent in that same
transaction. A worker killed before the server took the mail leaves the row as it was, and the next run sends it.
(Killed in the instant between the server's "250 OK" and the commit, it sends that mail once more, with the same
Message-ID: SMTP has no way to ask whether a mail arrived, and a lost lex Sarah mail is worse than a double one.)

SMTP by ORDNING_SMTP_* (ordning_shared.config); without a host the embedded default writes each mail as an .eml
file in $ORDNING_DATA_DIR/mail, and production sends none. A mail the server does not take is tried again after
each of ORDNING_MAIL_RETRY_DELAYS, then marked failed and counted (ordning_mail_failed): never with the address.

Personal data: the address is stored here and goes nowhere else: no log line, metric, audit value or problem
holds it (nor a recipient's user id: some identity providers make it the address). A mail's subject is the
notice kind's label and the unit's name; its body the link to the owning service's page in the web; nothing of
the case itself.
"""
from __future__ import annotations

import logging
import os
import smtplib
import ssl
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

import sqlalchemy as sa
from ordning_shared.config import PRODUCTION, Settings
from ordning_shared.db import Id, UTCDateTime, insert_many_if_absent, utcnow, write_versioned
from ordning_shared.notice_kinds import NOTICE_KINDS, label
from ordning_shared.orgtree import unit_name_of
from ordning_shared.problems import PreconditionFailed, Problem
from ordning_shared.scheduler import PeriodicJob
from ordning_shared.workdays import STOCKHOLM
from prometheus_client import Counter

from .db import metadata, notices, tables

log = logging.getLogger(__name__)

# A notice's mails are queued by the event that gave it: looked up by its event, for every event the worker takes.
sa.Index("ix_notices_event", notices.c.tenant, notices.c.event_id)

# --------------------------------------------------------------------------
# A person's choices (pure)
# --------------------------------------------------------------------------

IMMEDIATE, DIGEST, OFF = "immediate", "digest", "off"
MODES = (IMMEDIATE, DIGEST, OFF)
DEFAULT_MODE = IMMEDIATE  # a kind the person has not chosen for (a kind added later, too) comes by mail at once
DEFAULT_DIGEST_HOUR = 7
ADDRESS_MAX = 320
# A first digest lists the unread notices of the last week at most, not a year of them.
DIGEST_LOOKBACK = timedelta(days=7)
DIGEST_ITEMS_MAX = 50  # listed in one digest; the rest are counted ("och 12 till")
# A mail still unsent this long after its notice (mail off for days, an SMTP server down) is not sent any more.
MAIL_MAX_AGE = timedelta(days=3)
PREFERENCES_ID = "notification-preferences"  # the ETag's name: one resource per person


class UnknownNoticeKind(Problem):
    http_status, code = 422, "unknown_notice_kind"


@dataclass
class Preferences:
    """A person's mail choices. `kinds` holds what they chose, kind -> mode; a kind not there has DEFAULT_MODE.
    No mail without an address: from the sign-in's e-mail claim ("token") or given by the person ("given")."""

    tenant: str
    user_id: str
    address: str | None = None
    address_source: str | None = None
    kinds: dict = field(default_factory=dict)
    digest_hour: int = DEFAULT_DIGEST_HOUR
    version: int = 0  # 0: never saved
    updated_at: datetime | None = None

    def mode(self, kind: str) -> str:
        return self.kinds.get(kind, DEFAULT_MODE)

    def modes(self) -> dict[str, str]:
        """Every known kind's mode."""
        return {kind: self.mode(kind) for kind in NOTICE_KINDS}

    @property
    def uses_digest(self) -> bool:
        return self.address is not None and DIGEST in self.modes().values()

    def digest_kinds(self) -> list[str]:
        return [kind for kind, mode in self.modes().items() if mode == DIGEST]

    def mails_at_once(self, kind: str) -> bool:
        return self.address is not None and self.mode(kind) == IMMEDIATE


def chosen(current: Preferences, *, kinds: Mapping[str, str], digest_hour: int, address: str | None,
           sign_in_address: str) -> Preferences:
    """The person's new choices, checked whole (nothing stored when one part is wrong). Without an address of
    their own, the one their sign-in gives, if any."""
    if any(kind not in NOTICE_KINDS for kind in kinds):
        raise UnknownNoticeKind("En notistyp i kinds finns inte; välj bland notistyperna som GET visar.",
                                "A notice kind in kinds does not exist; choose among those GET shows.")
    if address:
        source = "given"
    elif sign_in_address:
        address, source = sign_in_address, "token"
    else:
        address, source = None, None
    return replace(current, kinds={kind: kinds[kind] for kind in NOTICE_KINDS if kind in kinds},
                   digest_hour=digest_hour, address=address, address_source=source)


def digest_moment(day: date, hour: int) -> datetime:
    """When a day's digest is due: the hour, Swedish time."""
    return datetime.combine(day, time(hour), tzinfo=STOCKHOLM)


# --------------------------------------------------------------------------
# What a mail says (pure): no names, no free text, only a kind's label, a unit's name and a link
# --------------------------------------------------------------------------

MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december")
FOOTER = ("Du får det här brevet för att du har valt e-post för den här sortens notiser i Ordning; du ändrar det "
          "under dina notisinställningar.\nDet här är ett automatiskt meddelande och går inte att svara på.")


def heading(kind: str, unit_name: str | None) -> str:
    """A notice's subject line: its kind's label and its unit's name."""
    return f"{label(kind)} – {unit_name}" if unit_name else label(kind)


def swedish_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def notice_text(kind: str, unit_name: str | None, url: str) -> tuple[str, str]:
    """(subject, body) of one notice's mail."""
    subject = heading(kind, unit_name)
    return subject, f"{subject}\n\nLäs mer i Ordning:\n{url}\n\n-- \n{FOOTER}\n"


def digest_text(day: date, items: list[tuple[str, str | None, str]], more: int, web_url: str) -> tuple[str, str]:
    """(subject, body) of a day's digest: (kind, unit name, url) of each notice it lists, and how many more."""
    total = len(items) + more
    lines = [f"Du har {total} {'oläst notis' if total == 1 else 'olästa notiser'} sedan förra sammanfattningen:", ""]
    for kind, unit_name, url in items:
        lines += [heading(kind, unit_name), url, ""]
    if more:
        lines += [f"… och {more} till. Alla dina notiser finns i Ordning:", web_url, ""]
    footer = FOOTER.replace("för den här sortens notiser", "som en daglig sammanfattning")
    return f"Sammanfattning av notiser {swedish_date(day)}", "\n".join(lines) + f"\n-- \n{footer}\n"


def message(*, delivery_id: str, sender: str, to: str, subject: str, body: str, at: datetime) -> EmailMessage:
    """The mail as sent: plain text in UTF-8, its Message-ID made of the delivery's id (a mail sent again after a
    crash has the same one), marked as automatic (RFC 3834) so that nobody's out-of-office answers it."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(at)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "ordning.invalid"
    mail["Message-ID"] = f"<{delivery_id}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(body)
    return mail


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------

mail_preferences = sa.Table(
    "mail_preferences", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("user_id", sa.String(200), primary_key=True),
    sa.Column("address", sa.String(ADDRESS_MAX)),
    sa.Column("address_source", sa.String(10)),
    sa.Column("kinds", sa.JSON, nullable=False),  # {kind: mode} as chosen
    sa.Column("digest_hour", sa.Integer, nullable=False),
    sa.Column("uses_digest", sa.Boolean, nullable=False),  # some kind in a digest, and an address: the digest job's
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_mail_preferences_digest", "uses_digest"),
)

PENDING, SENT, FAILED, CANCELLED = "pending", "sent", "failed", "cancelled"
DIGEST_MAIL = "digest"

# One mail to send: a notice's (notice_id), or a person's digest of a day (digest_day, its notices in
# mail_digest_notices). The address is not here: it is read from the person's choices when the mail goes.
mail_deliveries = sa.Table(
    "mail_deliveries", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),  # the notice's kind, or "digest"
    Id(name="notice_id"),
    sa.Column("digest_day", sa.Date),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("last_error", sa.String(80)),  # the error's class, never its message (it may name the address)
    sa.UniqueConstraint("tenant", "notice_id", name="uq_mail_deliveries_notice"),
    sa.UniqueConstraint("tenant", "recipient", "digest_day", name="uq_mail_deliveries_digest"),
    sa.Index("ix_mail_deliveries_due", "status", "next_attempt_at"),
)

# The notices a digest lists: each in one digest at most.
mail_digest_notices = sa.Table(
    "mail_digest_notices", metadata,
    Id(name="notice_id", primary_key=True),
    Id(name="delivery_id", nullable=False),
    sa.Column("tenant", sa.String(16), nullable=False),
    sa.Index("ix_mail_digest_notices_delivery", "delivery_id"),
)

# The kind of a mail in the metrics: the notice kind's code, or "digest"; never whom it was for.
MAIL_SENT = Counter("ordning_mail_sent", "Mails the SMTP server (or the embedded mail folder) took", ["service", "kind"])
MAIL_FAILED = Counter("ordning_mail_failed", "Mails given up on: refused for good, or still failing after every "
                                             "retry", ["service", "kind"])
MAIL_RETRIED = Counter("ordning_mail_retried", "Mail attempts that failed and wait for another try",
                       ["service", "kind"])


def preferences_from_row(row) -> Preferences:
    m = row._mapping
    return Preferences(tenant=m["tenant"], user_id=m["user_id"], address=m["address"],
                       address_source=m["address_source"],
                       kinds={k: v for k, v in (m["kinds"] or {}).items() if v in MODES},
                       digest_hour=m["digest_hour"], version=m["version"], updated_at=m["updated_at"])


def load_preferences(conn, tenant: str, user_id: str, *, lock: bool = False) -> Preferences:
    p = mail_preferences.c
    query = sa.select(mail_preferences).where(p.tenant == tenant, p.user_id == user_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    return preferences_from_row(row) if row is not None else Preferences(tenant=tenant, user_id=user_id)


def preferences_of(conn, tenant: str, user_ids: Iterable[str]) -> dict[str, Preferences]:
    p = mail_preferences.c
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = conn.execute(sa.select(mail_preferences).where(p.tenant == tenant, p.user_id.in_(ids)))
    return {row.user_id: preferences_from_row(row) for row in rows}


def save_preferences(conn, prefs: Preferences, read_version: int, at: datetime) -> bool:
    """Write at the version read (0: none yet); False when someone else wrote first."""
    values = {"address": prefs.address, "address_source": prefs.address_source, "kinds": prefs.kinds,
              "digest_hour": prefs.digest_hour, "uses_digest": prefs.uses_digest, "updated_at": at}
    return write_versioned(conn, mail_preferences, {"tenant": prefs.tenant, "user_id": prefs.user_id}, values,
                           read_version)


# --------------------------------------------------------------------------
# Mails of new notices, in the notice's transaction
# --------------------------------------------------------------------------

def queue_mails(conn, tenant: str, given: Iterable, at: datetime | None = None) -> int:
    """A mail delivery for each notice (id, recipient, kind) whose recipient wants that kind by mail at once and
    has an address; none for a notice that has one already. Call it in the transaction that writes the notices.
    Returns how many were queued."""
    given = list(given)
    prefs = preferences_of(conn, tenant, (notice.recipient for notice in given))
    at = at or utcnow()
    rows = [{"id": str(uuid.uuid4()), "tenant": tenant, "recipient": notice.recipient, "kind": notice.kind,
             "notice_id": notice.id, "digest_day": None, "status": PENDING, "attempts": 0, "next_attempt_at": at,
             "created_at": at}
            for notice in given if notice.recipient in prefs and prefs[notice.recipient].mails_at_once(notice.kind)]
    return insert_many_if_absent(conn, mail_deliveries, rows)


def queue_mails_of_notices(conn, tenant: str, event_source: str, event_id: str) -> int:
    """The mails of the notices stored for one event (or for one stage of a deadline, whose notices carry a
    synthetic event id), read back as stored: a notice a redelivery did not insert again has its mail already."""
    n = notices.c
    given = conn.execute(sa.select(n.id, n.recipient, n.kind).where(
        n.tenant == tenant, n.event_source == event_source, n.event_id == event_id)).all()
    return queue_mails(conn, tenant, given) if given else 0


def queue_mails_of_event(uow, cloudevent) -> int:
    """The reaction to an event (handlers.REACTIONS, after the notices): the mails of the notices it gave."""
    return queue_mails_of_notices(uow.connection, cloudevent.get_attributes()["tenant"], cloudevent.get_source(),
                                  cloudevent.get_id())


# --------------------------------------------------------------------------
# The daily digest job
# --------------------------------------------------------------------------

def _digest_exists(day: date):
    d = mail_deliveries.c
    return sa.exists().where(d.tenant == mail_preferences.c.tenant, d.recipient == mail_preferences.c.user_id,
                             d.digest_day == day)


def _digest_items(conn, prefs: Preferences, until: datetime) -> list[str]:
    """The notices a digest due at `until` lists: the person's unread ones of their digest kinds, given before
    then (in the last DIGEST_LOOKBACK), neither mailed on their own nor in an earlier digest. A notice committed
    just after a digest was made is in the next one."""
    n, d, g = notices.c, mail_deliveries.c, mail_digest_notices.c
    return list(conn.execute(sa.select(n.id).where(
        n.tenant == prefs.tenant, n.recipient == prefs.user_id, n.read_at.is_(None),
        n.kind.in_(prefs.digest_kinds()), n.created_at <= until, n.created_at > until - DIGEST_LOOKBACK,
        ~sa.exists().where(d.tenant == n.tenant, d.notice_id == n.id),
        ~sa.exists().where(g.notice_id == n.id),
    ).order_by(n.created_at, n.id)).scalars())


def make_digests(engine, now: datetime | None = None) -> int:
    """Today's digest (Swedish time) for each person whose digest hour has come and who has none yet, of their
    unread notices of digest kinds; nobody gets a digest without notices in it. Safe with two worker replicas:
    a person's digest is made under their preferences' row lock (another replica skips the locked row and, after
    the commit, finds the digest made), and the unique key allows one per person and day. Returns how many."""
    now = now or utcnow()
    day = now.astimezone(STOCKHOLM).date()
    p = mail_preferences.c
    with engine.connect() as conn:
        waiting = conn.execute(sa.select(p.tenant, p.user_id, p.digest_hour).where(
            p.uses_digest.is_(True), ~_digest_exists(day))).all()
    made = 0
    for tenant, user_id, hour in waiting:
        if now < digest_moment(day, hour):
            continue
        with engine.connect() as conn:
            locked = conn.execute(sa.select(mail_preferences).where(
                p.tenant == tenant, p.user_id == user_id, p.uses_digest.is_(True), ~_digest_exists(day))
                .with_for_update(skip_locked=True)).first()
            if locked is None:  # another replica is making it, made it, or the person changed their mind
                continue
            prefs = preferences_from_row(locked)
            until = digest_moment(day, prefs.digest_hour)
            if now < until:
                continue
            items = _digest_items(conn, prefs, until)
            if not items:
                continue
            delivery_id = str(uuid.uuid4())
            if not insert_many_if_absent(conn, mail_deliveries, [{
                    "id": delivery_id, "tenant": tenant, "recipient": user_id, "kind": DIGEST_MAIL,
                    "notice_id": None, "digest_day": day, "status": PENDING, "attempts": 0, "next_attempt_at": now,
                    "created_at": now}]):
                continue
            insert_many_if_absent(conn, mail_digest_notices, [
                {"notice_id": notice_id, "delivery_id": delivery_id, "tenant": tenant} for notice_id in items])
            conn.commit()
            made += 1
    return made


# --------------------------------------------------------------------------
# Sending
# --------------------------------------------------------------------------

EMBEDDED_WEB_URL = "http://127.0.0.1:8000"  # make run's web, when ORDNING_WEB_URL is not set
EMBEDDED_SENDER = "Ordning <ordning@localhost>"


class MailRefused(Exception):
    """The server refused this mail for good (a 5xx for the recipient or the data): trying again will not help."""


class ServerUnavailable(Exception):
    """No conversation with the server (down, unreachable, refusing us): the other mails wait too."""


class SmtpTransport:
    """Mails to the SMTP server of ORDNING_SMTP_*, over one connection while a job runs."""

    def __init__(self, settings: Settings, timeout: float = 30.0):
        self.settings = settings
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.smtp_port == 465:  # implicit TLS
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout)
        try:
            if s.smtp_starttls and s.smtp_port != 465:
                smtp.starttls(context=context)
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, mail: EmailMessage) -> None:
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except (OSError, smtplib.SMTPException, ValueError) as error:
                # down, unreachable, no STARTTLS, the login refused (or not ASCII, which smtplib cannot send)
                raise ServerUnavailable(type(error).__name__) from None
        try:
            self._smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as refused:
            # The message says whom (the address): only the codes count.
            codes = [code for code, _text in refused.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise MailRefused(f"refused with {codes[0]}") from None
            raise
        except smtplib.SMTPDataError as refused:
            if refused.smtp_code >= 500:
                raise MailRefused(f"refused with {refused.smtp_code}") from None
            raise
        except smtplib.SMTPNotSupportedError:
            # an address that needs SMTPUTF8 (non-ASCII before the @), which this server does not speak
            raise MailRefused("needs SMTPUTF8") from None
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise ServerUnavailable(type(error).__name__) from None

    def close(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


class FolderTransport:
    """The embedded default: each mail an .eml file in the folder, named by its delivery (a mail written again
    replaces the same file), written whole or not at all."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def send(self, mail: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = mail["Message-ID"].strip("<>").partition("@")[0]
        target = self.folder / f"{name}.eml"
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(bytes(mail))
        os.replace(partial, target)

    def close(self) -> None:
        pass


def transport_for(settings: Settings):
    """SMTP when a host is set; else the embedded default's mail folder; production without a host: None."""
    if settings.smtp_host:
        return SmtpTransport(settings)
    if settings.env == PRODUCTION:
        return None
    return FolderTransport(settings.data_dir / "mail")


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0


def _compose(conn, delivery, settings: Settings, address: str, now: datetime) -> EmailMessage | None:
    """The delivery's mail, or None when there is nothing left to say (its notices are gone)."""
    web = settings.web_url or EMBEDDED_WEB_URL
    n = notices.c
    if delivery.kind == DIGEST_MAIL:
        g = mail_digest_notices.c
        rows = conn.execute(sa.select(n.kind, unit_name_of(tables.org_units, notices), n.link).join(
            mail_digest_notices, g.notice_id == n.id).where(g.delivery_id == delivery.id, n.tenant == delivery.tenant)
            .order_by(n.created_at, n.id)).all()
        if not rows:
            return None
        items = [(kind, unit_name, web + link) for kind, unit_name, link in rows[:DIGEST_ITEMS_MAX]]
        subject, body = digest_text(delivery.digest_day, items, len(rows) - len(items), web)
    else:
        row = conn.execute(sa.select(n.kind, unit_name_of(tables.org_units, notices), n.link).where(
            n.tenant == delivery.tenant, n.id == delivery.notice_id)).first()
        if row is None:
            return None
        subject, body = notice_text(row.kind, row.unit_name, web + row.link)
    return message(delivery_id=delivery.id, sender=settings.smtp_from or EMBEDDED_SENDER, to=address,
                   subject=subject, body=body, at=now)


def _claim(conn, now: datetime):
    d = mail_deliveries.c
    return conn.execute(sa.select(mail_deliveries).where(d.status == PENDING, d.next_attempt_at <= now)
                        .order_by(d.next_attempt_at, d.id).limit(1).with_for_update(skip_locked=True)).first()


def _mark(conn, delivery, **values) -> None:
    d = mail_deliveries.c
    conn.execute(mail_deliveries.update().where(d.id == delivery.id).values(**values))


def send_due(engine, settings: Settings, transport, now=utcnow, limit: int = 200) -> SendResult:
    """Send the mails that are due, one at a time, each in its own transaction under its row lock: sent and
    marked, or its attempt counted and its next try set. When the server cannot be reached, the rest wait for
    the next run."""
    result = SendResult()
    service = settings.service
    try:
        for _ in range(limit):
            with engine.connect() as conn:
                moment = now()
                delivery = _claim(conn, moment)
                if delivery is None:
                    break
                prefs = load_preferences(conn, delivery.tenant, delivery.recipient)
                try:
                    mail = None
                    if prefs.address and delivery.created_at > moment - MAIL_MAX_AGE:
                        mail = _compose(conn, delivery, settings, prefs.address, moment)
                    if mail is not None:
                        transport.send(mail)
                except Exception as error:  # whatever it is, it counts against this mail: none blocks the others
                    stop = _failed(conn, delivery, error, settings, moment, result)
                    conn.commit()
                    if stop:
                        break
                    continue
                if mail is None:  # no address any more, too old, or its notices are gone
                    _mark(conn, delivery, status=CANCELLED)
                    conn.commit()
                    result.cancelled += 1
                    continue
                _mark(conn, delivery, status=SENT, sent_at=moment, attempts=delivery.attempts + 1, last_error=None)
                conn.commit()
                MAIL_SENT.labels(service, delivery.kind).inc()
                result.sent += 1
    finally:
        transport.close()
    return result


def _failed(conn, delivery, error: Exception, settings: Settings, moment: datetime, result: SendResult) -> bool:
    """Count a failed attempt: try again after the next delay, or give up. True when the server is not there
    (the other mails wait for the next run)."""
    attempts = delivery.attempts + 1
    delays = settings.mail_retry_delays
    what = type(error).__name__
    given_up = isinstance(error, MailRefused) or attempts > len(delays)
    if given_up:
        _mark(conn, delivery, status=FAILED, attempts=attempts, last_error=what)
        MAIL_FAILED.labels(settings.service, delivery.kind).inc()
        result.failed += 1
        log.error("mail %s of tenant %s failed for good after %d attempts: %s", delivery.id, delivery.tenant,
                  attempts, what)
    else:
        _mark(conn, delivery, attempts=attempts, last_error=what,
              next_attempt_at=moment + timedelta(seconds=delays[attempts - 1]))
        MAIL_RETRIED.labels(settings.service, delivery.kind).inc()
        result.retrying += 1
        log.warning("mail %s of tenant %s not sent (attempt %d), tried again in %s s: %s", delivery.id,
                    delivery.tenant, attempts, delays[attempts - 1], what)
    return isinstance(error, ServerUnavailable)


# --------------------------------------------------------------------------
# The worker's jobs (app.JOBS)
# --------------------------------------------------------------------------

DIGEST_EVERY_SECONDS = 60.0


def send_job(platform) -> PeriodicJob:
    settings = platform.settings
    if transport_for(settings) is None:
        log.warning("ORDNING_SMTP_HOST is not set: no e-mail is sent (notices stay in the inbox)")
        return PeriodicJob("mail", 3600.0, lambda: "off: no ORDNING_SMTP_HOST")

    def run():
        outcome = send_due(platform.engine, settings, transport_for(settings))
        return {name: value for name, value in vars(outcome).items() if value}  # empty: nothing was due

    return PeriodicJob("mail", settings.mail_poll_seconds, run)


def digest_job(platform) -> PeriodicJob:
    if transport_for(platform.settings) is None:
        return PeriodicJob("mail-digest", 3600.0, lambda: "off: no ORDNING_SMTP_HOST")

    def run():
        made = make_digests(platform.engine)
        return {"digests": made} if made else {}

    return PeriodicJob("mail-digest", DIGEST_EVERY_SECONDS, run)


# --------------------------------------------------------------------------
# The API's use cases: a person's own choices
# --------------------------------------------------------------------------

def preferences_body(prefs: Preferences, sign_in_address: str) -> dict:
    return {"address": prefs.address, "address_source": prefs.address_source,
            "sign_in_address": sign_in_address or None,
            "mail": prefs.address is not None and any(mode != OFF for mode in prefs.modes().values()),
            "kinds": prefs.modes(), "kind_labels": {kind: label(kind) for kind in NOTICE_KINDS},
            "digest_hour": prefs.digest_hour, "version": prefs.version, "updated_at": prefs.updated_at}


def read_preferences(platform, principal) -> dict:
    with platform.engine.connect() as conn:
        prefs = load_preferences(conn, principal.tenant, principal.subject)
    return preferences_body(prefs, principal.email)


def change_preferences(platform, principal, data: dict, check_if_match) -> dict:
    """Save the caller's choices with If-Match (the version read; 0 before the first save)."""
    at = utcnow()
    with platform.uow() as uow:
        current = load_preferences(uow.connection, principal.tenant, principal.subject)
        check_if_match(PREFERENCES_ID, current.version)
        changed = chosen(current, kinds=data.get("kinds", {}), digest_hour=data.get("digest_hour",
                                                                                   DEFAULT_DIGEST_HOUR),
                         address=data.get("address"), sign_in_address=principal.email)
        if not save_preferences(uow.connection, changed, current.version, at):
            raise PreconditionFailed("Inställningarna har ändrats sedan du läste dem; läs om dem.",
                                     "The preferences were changed since you read them; read them again.")
        # Which fields changed, never the address itself (the audit keeps values only of declared fields).
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="update",
                  entity_type="notification_preferences", entity_id=PREFERENCES_ID,
                  before=_audited(current), after=_audited(changed))
        uow.commit()
    saved = replace(changed, version=current.version + 1, updated_at=at)
    return preferences_body(saved, principal.email)


def _audited(prefs: Preferences) -> dict:
    return {"address": prefs.address, "address_source": prefs.address_source, "kinds": prefs.kinds,
            "digest_hour": prefs.digest_hour}


__all__ = ["MODES", "Preferences", "chosen", "UnknownNoticeKind", "notice_text", "digest_text", "message",
           "mail_preferences", "mail_deliveries", "mail_digest_notices", "queue_mails", "queue_mails_of_event",
           "make_digests", "send_due", "SmtpTransport", "FolderTransport", "transport_for", "send_job",
           "digest_job", "read_preferences", "change_preferences"]
