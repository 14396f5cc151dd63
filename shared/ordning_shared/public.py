"""The citizens' endpoints (/api/v1/public/...): who the client is, how often it may call, a trap for robots.

- The client is the address the request came from (behind the chart's ingress the proxy's
  X-Forwarded-For entry, trusted for ORDNING_TRUSTED_PROXIES hops by http.create_app), an IPv6 client
  its /64 network (what one subscriber is given). An address is personal data: it is kept only as a
  keyed hash (HMAC-SHA256), never stored, logged or counted as itself.
- Rate limits: a fixed window per client and per tenant (ORDNING_PUBLIC_RATE_LIMIT_PER_CLIENT and
  ..._PER_TENANT), counted in the service's database with one UPSERT per window, or in Redis (INCR)
  when ORDNING_REDIS_URL is set. Both count atomically, so concurrent calls never pass the limit.
  A client over its limit is refused before it counts against its tenant, so one client cannot use up
  a municipality's form. The answer is 429 problem+json with Retry-After.
- The caller of a public endpoint is `anonymous:<client hash>`, so an Idempotency-Key is scoped to one
  client: another client's key never returns someone else's receipt.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import re
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, request
from prometheus_client import Counter

from .db import insert_if_absent
from .platform import Platform
from .problems import RateLimited

log = logging.getLogger(__name__)

PREFIX = "/api/v1/public/"
TENANT_PATTERN = re.compile(r"^[0-9A-Za-z_-]{1,16}$")
CLIENT_KEY_NAME = "client_hash"
PURGE_EVERY = 256  # about one window count in this many also removes expired windows

RATE_LIMITED = Counter("ordning_public_rate_limited", "Public calls refused for their rate limit",
                       ["service", "scope"])
HONEYPOT_FILLED = Counter("ordning_public_honeypot_filled",
                          "Public submissions with the honeypot field filled: answered as accepted, kept nowhere",
                          ["service"])


def client_network(address: str | None) -> str:
    """The address that identifies a client: an IPv4 address, an IPv6 /64 network."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_hash(key: bytes, address: str | None) -> str:
    return hmac.new(key, client_network(address).encode(), hashlib.sha256).hexdigest()[:40]


@dataclass(frozen=True)
class Window:
    hits: int
    retry_after: int  # seconds until the window ends


class DatabaseWindows:
    """Fixed windows in the platform table rate_limit_windows: one row per key, reset when its window passes."""

    def __init__(self, platform: Platform):
        self.platform = platform
        self.table = platform.tables.rate_limit_windows
        self._count = 0
        self._upserts: dict[str, sa.Insert] = {}  # built once per dialect: every public call runs it

    def _upsert(self, dialect: str):
        if dialect not in self._upserts:
            self._upserts[dialect] = self._build_upsert(dialect)
        return self._upserts[dialect]

    def _build_upsert(self, dialect: str):
        from sqlalchemy.dialects import postgresql, sqlite

        table = self.table
        insert = (postgresql if dialect == "postgresql" else sqlite).insert(table).values(
            key=sa.bindparam("key"), window_start=sa.bindparam("start"), expires_at=sa.bindparam("end"), hits=1)
        same_window = table.c.window_start == insert.excluded.window_start
        return insert.on_conflict_do_update(index_elements=[table.c.key], set_={
            "hits": sa.case((same_window, table.c.hits + 1), else_=1),
            "window_start": insert.excluded.window_start, "expires_at": insert.excluded.expires_at,
        }).returning(table.c.hits)

    @contextmanager
    def counting(self):
        """One transaction for a request's counts, committed even when a limit refuses the request."""
        with self.platform.engine.connect() as connection:
            if connection.dialect.name == "postgresql":  # a count lost in a crash is harmless: no fsync wait
                connection.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
            upsert = self._upsert(connection.dialect.name)

            def hit(key: str, seconds: int, now: float) -> Window:
                start = int(now // seconds * seconds)
                hits = connection.execute(upsert, {"key": key, "start": start, "end": start + seconds}).scalar_one()
                self._count += 1
                if self._count % PURGE_EVERY == 0:
                    connection.execute(self.table.delete().where(self.table.c.expires_at < int(now)))
                return Window(hits, max(1, math.ceil(start + seconds - now)))

            try:
                yield hit
            finally:
                connection.commit()


class RedisWindows:
    """Fixed windows in Redis: INCR of a key per window, expiring with it."""

    def __init__(self, url: str, namespace: str):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.namespace = namespace

    @contextmanager
    def counting(self):
        yield self.hit

    def hit(self, key: str, seconds: int, now: float) -> Window:
        start = int(now // seconds * seconds)
        name = f"{self.namespace}:{key}:{start}"
        with self.redis.pipeline(transaction=True) as pipe:
            hits, _ = pipe.incr(name).expire(name, seconds + 1).execute()
        return Window(int(hits), max(1, math.ceil(start + seconds - now)))


class PublicGate:
    """What every public request passes first: the client's hash, then its and its tenant's rate limit."""

    def __init__(self, platform: Platform):
        self.platform = platform
        settings = platform.settings
        self.per_client = settings.public_rate_limit_per_client
        self.per_tenant = settings.public_rate_limit_per_tenant
        self.windows = (RedisWindows(settings.redis_url, f"{settings.bus_namespace}:{settings.service}:rate")
                        if settings.redis_url else DatabaseWindows(platform))
        self._key = settings.client_hash_key.encode() if settings.client_hash_key else None

    def key(self) -> bytes:
        """The configured key, else the installation's own, made once and kept in its database."""
        if self._key is None:
            table = self.platform.tables.installation_keys
            with self.platform.engine.connect() as connection:
                # The first process makes it; a process racing it keeps the one that was made first.
                insert_if_absent(connection, table, {"name": CLIENT_KEY_NAME, "value": secrets.token_hex(32)})
                connection.commit()
                value = connection.execute(sa.select(table.c.value).where(table.c.name == CLIENT_KEY_NAME)
                                           ).scalar_one()
            self._key = value.encode()
        return self._key

    def admit(self) -> None:
        """Identify the client (g.public_client) and count the call; RateLimited (429) over a limit."""
        client = client_hash(self.key(), request.remote_addr)
        g.public_client = client
        now = time.time()
        tenant = request.path[len(PREFIX):].split("/", 1)[0]
        try:
            with self.windows.counting() as hit:
                self._check(hit(f"c:{client}", self.per_client[1], now), self.per_client[0], "client")
                if TENANT_PATTERN.match(tenant):
                    self._check(hit(f"t:{tenant}", self.per_tenant[1], now), self.per_tenant[0], "tenant")
        except RateLimited:
            raise
        except Exception as error:  # Redis down: the form stays open rather than closing for everyone
            if isinstance(self.windows, DatabaseWindows):
                raise
            log.warning("rate-limit store unavailable: %s", error.__class__.__name__)

    def _check(self, window: Window, allowed: int, scope: str) -> None:
        if window.hits > allowed:
            RATE_LIMITED.labels(self.platform.service, scope).inc()
            who_sv, who_en = (("från din adress", "from your address") if scope == "client"
                              else ("till den här kommunen", "for this municipality"))
            raise RateLimited(f"För många försök {who_sv}; försök igen om {window.retry_after} sekunder.",
                              f"Too many requests {who_en}; try again in {window.retry_after} seconds.",
                              retry_after=window.retry_after)


def anonymous_principal() -> str:
    """The Idempotency-Key principal of a public caller: its client, never all citizens together."""
    return f"anonymous:{g.public_client}"


def honeypot_filled(service: str) -> None:
    """Count a robot caught by a form's honeypot field (nothing about it is kept)."""
    HONEYPOT_FILLED.labels(service).inc()
