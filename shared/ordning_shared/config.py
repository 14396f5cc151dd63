"""Configuration from ORDNING_* environment variables, with embedded defaults.

The embedded default (ORDNING_ENV=embedded) needs nothing but Python: SQLite
files and kombu's filesystem transport under one data folder, and a local
token issuer. Production (ORDNING_ENV=production) must name its database,
broker and identity provider, or it refuses to start.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

EMBEDDED = "embedded"
PRODUCTION = "production"


class ConfigError(RuntimeError):
    """The configuration cannot be run; the message says what to set."""


def _secret(environ, name):
    """A secret from NAME, or from the file NAME_FILE names (a mounted Kubernetes Secret).

    Files keep credentials out of the process environment, where crash reports
    and /proc/<pid>/environ would show them.
    """
    path = environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigError(f"{name}_FILE names {path!r}, which cannot be read: {error.strerror}") from None
    return environ.get(name)


def _int(environ, name, default):
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _seconds_list(environ, name, default):
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        values = tuple(float(part) for part in raw.split(","))
    except ValueError:
        raise ConfigError(f"{name} must be seconds separated by commas, e.g. 1,5,30, got {raw!r}") from None
    return values


def _seconds(environ, name, default):
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be seconds, e.g. 0.2, got {raw!r}") from None


def _boolean(environ, name, default: bool) -> bool:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    if raw.strip().lower() not in ("true", "false"):
        raise ConfigError(f"{name} must be true or false, got {raw!r}")
    return raw.strip().lower() == "true"


RATE_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def _rate_limit(environ, name, default) -> tuple[int, int]:
    """A limit like "10/minute" (second, minute, hour, day) as (requests, window seconds)."""
    raw = (environ.get(name) or default).strip()
    count, _, period = raw.partition("/")
    try:
        limit = (int(count), RATE_PERIODS[period.strip().lower()])
    except (ValueError, KeyError):
        raise ConfigError(f"{name} must look like 10/minute (per second, minute, hour or day), got {raw!r}") from None
    if limit[0] < 1:
        raise ConfigError(f"{name} must allow at least one request, got {raw!r}")
    return limit


@dataclass(frozen=True)
class TrustedIssuer:
    """An identity provider whose tokens this installation accepts, and the tenants it may speak for.

    A region hosting several municipalities trusts each municipality's own provider for that
    municipality only, so no provider can issue a token that reads another tenant's cases.
    """
    issuer: str
    jwks_url: str
    tenants: frozenset | None = None  # None: any tenant (one provider for the whole installation)


def _trusted_issuers(environ) -> tuple[TrustedIssuer, ...]:
    """ORDNING_AUTH_TRUSTED_ISSUERS: a JSON list of {"issuer", "jwksUrl", "tenants": [kommunkod, ...]}."""
    name = "ORDNING_AUTH_TRUSTED_ISSUERS"
    raw = environ.get(name)
    if not raw:
        return ()
    try:
        entries = json.loads(raw)
    except ValueError as error:
        raise ConfigError(f"{name} is not JSON: {error}") from None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{name} must be a non-empty JSON list")
    issuers = []
    for index, entry in enumerate(entries):
        where = f"{name}[{index}]"
        if not isinstance(entry, dict) or set(entry) != {"issuer", "jwksUrl", "tenants"}:
            raise ConfigError(f'{where} must have exactly "issuer", "jwksUrl" and "tenants"')
        tenants = entry["tenants"]
        if not (isinstance(tenants, list) and tenants and all(isinstance(t, str) and t for t in tenants)):
            raise ConfigError(f"{where}.tenants must list the tenant codes the issuer speaks for")
        if not all(isinstance(entry[key], str) and entry[key] for key in ("issuer", "jwksUrl")):
            raise ConfigError(f"{where}: issuer and jwksUrl must be non-empty strings")
        issuers.append(TrustedIssuer(entry["issuer"], entry["jwksUrl"], frozenset(tenants)))
    if len({issuer.issuer for issuer in issuers}) != len(issuers):
        raise ConfigError(f"{name} names an issuer twice")
    return tuple(issuers)


@dataclass(frozen=True)
class Settings:
    service: str
    env: str = EMBEDDED
    data_dir: Path = Path("var")
    database_url: str = ""
    migration_database_url: str = ""  # the tables' owner, for ordning-migrate; empty: database_url
    broker_url: str = "filesystem://"
    auth_jwks_url: str | None = None
    auth_issuer: str = "ordning-local"
    auth_audience: str = "ordning"
    auth_trusted_issuers: tuple = ()
    max_request_bytes: int = 64 * 1024
    log_level: str = "INFO"
    delivery_limit: int = 5
    bus_namespace: str = "ordning"
    metrics_port: int = 0
    relay_batch_size: int = 100
    # How long an idle outbox relay waits before it looks again (ORDNING_RELAY_POLL_SECONDS): the most an event
    # waits in the outbox of a quiet service; a busy relay does not wait between batches.
    relay_poll_seconds: float = 0.2
    # Events a consumer whose handlers fold batches (reporting) takes in one transaction, at most.
    consumer_batch_size: int = 100
    # Seconds a failed event waits before each retry; dead-lettered after the last (here 6 min in all).
    retry_delays: tuple = (1, 5, 15, 30, 60, 120, 130)
    worker_stall_seconds: float = 120.0  # a worker loop silent for longer fails the liveness probe
    public_rate_limit_per_client: tuple = (10, 60)  # (requests, window seconds) on /api/v1/public/
    public_rate_limit_per_tenant: tuple = (600, 3600)
    redis_url: str | None = None  # rate-limit counters there instead of the service's database
    trusted_proxies: int = 0  # X-Forwarded-For hops set by proxies in front (the chart's ingress)
    client_hash_key: str | None = None  # keys the hash of client addresses; None: one kept in the database
    # E-mail (the notify service's worker sends it): an SMTP server, or none, where the embedded default writes
    # each mail as an .eml file under data_dir/mail instead. STARTTLS before the login; port 465 speaks TLS
    # from the start. The password (ORDNING_SMTP_PASSWORD or the file ORDNING_SMTP_PASSWORD_FILE names) stays
    # out of the repr.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = True
    smtp_from: str = ""  # the sender, e.g. "Ordning <noreply@tyreso.se>"
    # Where people open the web (https://ordning.tyreso.se): a mail's link is this and the page's path.
    web_url: str = ""
    # Seconds before each new try of a mail the SMTP server did not take; after the last it is marked failed.
    mail_retry_delays: tuple = (60, 300, 900, 1800, 3600, 7200)
    mail_poll_seconds: float = 10.0  # how often the worker looks for mail to send

    @property
    def trusted_issuers(self) -> tuple[TrustedIssuer, ...]:
        """The identity providers to verify tokens with: several, or the one of ORDNING_AUTH_JWKS_URL."""
        if self.auth_trusted_issuers:
            return self.auth_trusted_issuers
        if self.auth_jwks_url:
            return (TrustedIssuer(self.auth_issuer, self.auth_jwks_url),)
        return ()

    @property
    def owner_database_url(self) -> str:
        """The URL migrations run with: the owner's, or the one URL of an installation that has one."""
        return self.migration_database_url or self.database_url

    @property
    def local_issuer(self) -> bool:
        """The local demo issuer exists only in the embedded default."""
        return self.env == EMBEDDED and not self.trusted_issuers

    @property
    def is_filesystem_broker(self) -> bool:
        return self.broker_url.startswith("filesystem:")

    @classmethod
    def from_env(cls, service: str, environ=None) -> "Settings":
        environ = os.environ if environ is None else environ
        env = environ.get("ORDNING_ENV", EMBEDDED)
        if env not in (EMBEDDED, PRODUCTION):
            raise ConfigError(f"ORDNING_ENV must be {EMBEDDED!r} or {PRODUCTION!r}, got {env!r}")
        data_dir = Path(environ.get("ORDNING_DATA_DIR", "var")).absolute()
        # A per-service URL wins, so one environment can hold a whole stack.
        key = service.upper()
        database_url = (
            _secret(environ, f"ORDNING_{key}_DATABASE_URL")
            or _secret(environ, "ORDNING_DATABASE_URL")
            or (f"sqlite:///{data_dir / (service + '.db')}" if env == EMBEDDED else "")
        )
        # Migrations run as the tables' owner; the service itself as a role that may not alter the audit trail.
        migration_database_url = (
            _secret(environ, f"ORDNING_{key}_MIGRATION_DATABASE_URL")
            or _secret(environ, "ORDNING_MIGRATION_DATABASE_URL")
            or ""
        )
        settings = cls(
            service=service,
            env=env,
            data_dir=data_dir,
            database_url=database_url,
            migration_database_url=migration_database_url,
            broker_url=_secret(environ, "ORDNING_BROKER_URL") or ("filesystem://" if env == EMBEDDED else ""),
            auth_jwks_url=environ.get("ORDNING_AUTH_JWKS_URL") or None,
            auth_issuer=environ.get("ORDNING_AUTH_ISSUER") or ("ordning-local" if env == EMBEDDED else ""),
            auth_audience=environ.get("ORDNING_AUTH_AUDIENCE", "ordning"),
            auth_trusted_issuers=_trusted_issuers(environ),
            max_request_bytes=_int(environ, "ORDNING_MAX_REQUEST_BYTES", 64 * 1024),
            log_level=environ.get("ORDNING_LOG_LEVEL", "INFO"),
            delivery_limit=_int(environ, "ORDNING_DELIVERY_LIMIT", 5),
            bus_namespace=environ.get("ORDNING_BUS_NAMESPACE", "ordning"),
            metrics_port=_int(environ, "ORDNING_WORKER_METRICS_PORT", 0),
            relay_batch_size=_int(environ, "ORDNING_RELAY_BATCH_SIZE", 100),
            consumer_batch_size=_int(environ, "ORDNING_CONSUMER_BATCH_SIZE", 100),
            relay_poll_seconds=_seconds(environ, "ORDNING_RELAY_POLL_SECONDS", cls.relay_poll_seconds),
            retry_delays=_seconds_list(environ, "ORDNING_RETRY_DELAYS", cls.retry_delays),
            worker_stall_seconds=_int(environ, "ORDNING_WORKER_STALL_SECONDS", 120),
            public_rate_limit_per_client=_rate_limit(environ, "ORDNING_PUBLIC_RATE_LIMIT_PER_CLIENT", "10/minute"),
            public_rate_limit_per_tenant=_rate_limit(environ, "ORDNING_PUBLIC_RATE_LIMIT_PER_TENANT", "600/hour"),
            redis_url=_secret(environ, "ORDNING_REDIS_URL") or None,
            trusted_proxies=_int(environ, "ORDNING_TRUSTED_PROXIES", 0),
            client_hash_key=_secret(environ, "ORDNING_CLIENT_HASH_KEY") or None,
            smtp_host=(environ.get("ORDNING_SMTP_HOST") or "").strip(),
            smtp_port=_int(environ, "ORDNING_SMTP_PORT", cls.smtp_port),
            smtp_username=environ.get("ORDNING_SMTP_USERNAME") or "",
            smtp_password=_secret(environ, "ORDNING_SMTP_PASSWORD") or "",
            smtp_starttls=_boolean(environ, "ORDNING_SMTP_STARTTLS", cls.smtp_starttls),
            smtp_from=(environ.get("ORDNING_SMTP_FROM") or "").strip(),
            web_url=(environ.get("ORDNING_WEB_URL") or "").strip().rstrip("/"),
            mail_retry_delays=_seconds_list(environ, "ORDNING_MAIL_RETRY_DELAYS", cls.mail_retry_delays),
            mail_poll_seconds=_seconds(environ, "ORDNING_MAIL_POLL_SECONDS", cls.mail_poll_seconds),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.auth_trusted_issuers and self.auth_jwks_url:
            raise ConfigError("set ORDNING_AUTH_TRUSTED_ISSUERS or ORDNING_AUTH_JWKS_URL, not both")
        if self.env == PRODUCTION:
            required = [("ORDNING_DATABASE_URL", self.database_url), ("ORDNING_BROKER_URL", self.broker_url)]
            if not self.auth_trusted_issuers:
                required += [("ORDNING_AUTH_JWKS_URL", self.auth_jwks_url), ("ORDNING_AUTH_ISSUER", self.auth_issuer)]
            missing = [name for name, value in required if not value]
            if missing:
                raise ConfigError(
                    "production needs an identity provider, a database and a broker; set "
                    + ", ".join(missing)
                )
            if self.database_url.startswith("sqlite") or self.is_filesystem_broker:
                raise ConfigError("production runs on PostgreSQL and RabbitMQ, not the embedded SQLite/filesystem defaults")
        if not self.database_url:
            raise ConfigError("set ORDNING_DATABASE_URL")
        if not self.retry_delays or any(not 0.001 <= delay <= 86400 for delay in self.retry_delays):
            raise ConfigError("ORDNING_RETRY_DELAYS needs at least one delay, each from 0.001 to 86400 seconds")
        if not 0 <= self.trusted_proxies <= 10:
            raise ConfigError("ORDNING_TRUSTED_PROXIES must be between 0 and 10")
        if self.client_hash_key is not None and len(self.client_hash_key) < 32:
            raise ConfigError("ORDNING_CLIENT_HASH_KEY must be at least 32 characters")
        if not 0.01 <= self.relay_poll_seconds <= 10:
            raise ConfigError("ORDNING_RELAY_POLL_SECONDS must be between 0.01 and 10")
        if not 1 <= self.consumer_batch_size <= 1000:  # a batch's rows go into single multi-row statements
            raise ConfigError("ORDNING_CONSUMER_BATCH_SIZE must be between 1 and 1000")
        if self.max_request_bytes < 1024:
            raise ConfigError("ORDNING_MAX_REQUEST_BYTES must be at least 1024")
        self._validate_mail()

    def _validate_mail(self) -> None:
        if not 1 <= self.smtp_port <= 65535:
            raise ConfigError("ORDNING_SMTP_PORT must be a port, 1 to 65535")
        if self.smtp_from and "@" not in parseaddr(self.smtp_from)[1]:
            raise ConfigError("ORDNING_SMTP_FROM must be an address, e.g. Ordning <noreply@kommun.se>")
        if self.web_url and not self.web_url.startswith(("https://", "http://")):
            raise ConfigError("ORDNING_WEB_URL must be the web's address, e.g. https://ordning.kommun.se")
        if not (self.smtp_username + self.smtp_password).isascii():
            raise ConfigError("ORDNING_SMTP_USERNAME and the SMTP password must be ASCII: SMTP's login carries "
                              "nothing else")
        if self.smtp_host and self.env == PRODUCTION:
            missing = [name for name, value in (("ORDNING_SMTP_FROM", self.smtp_from),
                                                ("ORDNING_WEB_URL", self.web_url)) if not value]
            if missing:
                raise ConfigError("sending e-mail needs a sender and the web's address for the links; set "
                                  + ", ".join(missing))
            if self.smtp_username and not (self.smtp_starttls or self.smtp_port == 465):
                raise ConfigError("ORDNING_SMTP_USERNAME needs ORDNING_SMTP_STARTTLS=true (or port 465): the "
                                  "password must not cross the network in clear")
        if not self.mail_retry_delays or any(not 0.001 <= delay <= 86400 for delay in self.mail_retry_delays):
            raise ConfigError("ORDNING_MAIL_RETRY_DELAYS needs at least one delay, each from 0.001 to 86400 seconds")
        if not 0.01 <= self.mail_poll_seconds <= 3600:
            raise ConfigError("ORDNING_MAIL_POLL_SECONDS must be between 0.01 and 3600")

    def broker_transport_options(self) -> dict:
        if self.is_filesystem_broker:
            folder = self.data_dir / "bus"
            (folder / "messages").mkdir(parents=True, exist_ok=True)
            (folder / "control").mkdir(parents=True, exist_ok=True)
            return {
                "data_folder_in": str(folder / "messages"),
                "data_folder_out": str(folder / "messages"),
                "control_folder": str(folder / "control"),
            }
        return {"confirm_publish": True}
