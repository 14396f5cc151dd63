"""The outbox relay: publishes committed events, in order, and marks them sent.

A crash between publish and mark publishes the event again on restart; the
consumers' inbox drops that duplicate. A broker outage leaves the rows
waiting; nothing is lost and the relay retries with backoff.
"""
from __future__ import annotations

import json
import logging
import threading
import time

import sqlalchemy as sa

from .bus import Publisher
from .db import utcnow
from .observability import EVENTS_PUBLISHED, OUTBOX_PENDING
from .platform import Platform

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(self, platform: Platform, publisher: Publisher | None = None):
        self.platform = platform
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
        """Publish one batch; returns how many were published. Raises if the broker failed."""
        published = 0
        failure = None
        with self.platform.session_factory() as session, session.begin():
            query = (
                sa.select(self.outbox.c.id, self.outbox.c.type, self.outbox.c.body)
                .where(self.outbox.c.published_at.is_(None))
                .order_by(self.outbox.c.id)
                .limit(self.settings.relay_batch_size)
            )
            if self.platform.engine.dialect.name == "postgresql":
                # Several relays (replicas) share the work without publishing a row twice.
                query = query.with_for_update(skip_locked=True)
            for row in session.execute(query).all():
                try:
                    self.publisher.publish(row.body, json.loads(row.body))
                except Exception as exc:  # broker down: keep what was confirmed, retry the rest
                    failure = exc
                    session.execute(sa.update(self.outbox).where(self.outbox.c.id == row.id)
                                    .values(attempts=self.outbox.c.attempts + 1))
                    break
                session.execute(sa.update(self.outbox).where(self.outbox.c.id == row.id)
                                .values(published_at=utcnow(), attempts=self.outbox.c.attempts + 1))
                EVENTS_PUBLISHED.labels(self.settings.service, row.type).inc()
                published += 1
        if failure is not None:
            self.publisher.close()
            raise failure
        return published

    def run(self, stop: threading.Event | None = None) -> None:
        stop = stop or self._stop
        backoff = self.settings.relay_poll_seconds
        last_gauge = 0.0
        while not stop.is_set():
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
