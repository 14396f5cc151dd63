"""The outbox relay: publishes committed events, in order, and marks each sent once confirmed.

A crash between an event's publish and its mark publishes that one event again
on restart; the consumers' inbox drops the duplicate. A broker outage leaves the rows
waiting; nothing is lost and the relay retries with backoff.
"""
from __future__ import annotations

import json
import logging
import threading
import time
import zlib

import sqlalchemy as sa

from .bus import Publisher
from .db import utcnow
from .observability import EVENTS_PUBLISHED, OUTBOX_PENDING
from .platform import Platform

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(self, platform: Platform, publisher: Publisher | None = None, heartbeat=None):
        self.platform = platform
        # One relay of a service publishes at a time (a PostgreSQL advisory lock, taken per batch):
        # with replicas, an aggregate's events still leave in the order they were committed.
        self._lock_key = zlib.crc32(f"ordning-outbox-relay:{platform.settings.service}".encode())
        self._heartbeat = heartbeat or (lambda: None)
        self.settings = platform.settings
        self.publisher = publisher or Publisher(platform.settings)
        self.outbox = platform.tables.outbox
        self._stop = threading.Event()

    def pending(self) -> int:
        with self.platform.engine.connect() as connection:
            count = connection.execute(
                sa.select(sa.func.count()).select_from(self.outbox).where(self.outbox.c.published_at.is_(None))
            ).scalar_one()
        OUTBOX_PENDING.labels(self.settings.service).set(count)
        return count

    def publish_pending(self) -> int:
        """Publish up to a batch of events, oldest first; returns how many. Raises if the broker failed.

        Each event is marked sent (autocommit) right after the broker confirmed it, so a crash
        re-sends at most the one event in flight.
        """
        postgres = self.platform.engine.dialect.name == "postgresql"
        with self.platform.engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            # Held on the connection that marks the rows: if it is lost, so is the next mark, and we stop.
            if postgres and not connection.execute(sa.select(sa.func.pg_try_advisory_lock(self._lock_key))).scalar():
                return 0  # another replica is publishing; this one stands by
            try:
                return self._publish_batch(connection)
            finally:
                if postgres:
                    self._unlock(connection)

    def _publish_batch(self, connection) -> int:
        outbox = self.outbox
        rows = connection.execute(
            sa.select(outbox.c.id, outbox.c.type, outbox.c.body).where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id).limit(self.settings.relay_batch_size)
        ).all()
        for row in rows:
            marked = {"attempts": outbox.c.attempts + 1}
            try:
                self.publisher.publish(row.body, json.loads(row.body))
            except Exception:  # broker down: the row waits, with its attempt counted
                connection.execute(sa.update(outbox).where(outbox.c.id == row.id).values(**marked))
                self.publisher.close()
                raise
            connection.execute(sa.update(outbox).where(outbox.c.id == row.id)
                               .values(published_at=utcnow(), **marked))
            EVENTS_PUBLISHED.labels(self.settings.service, row.type).inc()
        return len(rows)

    def _unlock(self, connection) -> None:
        try:
            connection.execute(sa.select(sa.func.pg_advisory_unlock(self._lock_key)))
        except Exception:  # the connection is gone, and the server dropped the lock with it
            connection.invalidate()

    def run(self, stop: threading.Event | None = None) -> None:
        stop = stop or self._stop
        backoff = self.settings.relay_poll_seconds
        last_gauge = 0.0
        while not stop.is_set():
            self._heartbeat()
            try:
                published = self.publish_pending()
                backoff = self.settings.relay_poll_seconds
                if time.monotonic() - last_gauge > 2:
                    self.pending()
                    last_gauge = time.monotonic()
                if published:
                    continue
            except Exception as exc:
                log.warning("outbox relay: broker unavailable, retrying in %.1fs: %s", backoff, exc)
                backoff = min(backoff * 2, 10.0)
            stop.wait(backoff)
        self.publisher.close()

    def stop(self) -> None:
        self._stop.set()
