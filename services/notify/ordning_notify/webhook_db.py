"""Tables of the webhook subscriptions, their deliveries and the log of attempts, and the queries on them (every
query that serves a person is scoped by tenant; the delivery worker's claim spans the tenants).

On db.metadata, so the migrations, the runtime role's grants and the tests' row counts know them (db.py imports this
module at its end)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from ordning_shared import pagination
from ordning_shared.db import Id, UTCDateTime, insert_many_if_absent

from . import webhooks as w
from .db import metadata, tables

# What an audit record of a subscription may hold: ids, codes, counts and dates. Never the secrets; nor the URL,
# whose path or query may hold the receiver's own token.
tables.audit_value_fields["webhook_subscription"] = frozenset({
    "id", "owner", "event_types", "state", "failed_deliveries", "failing_since", "paused_at", "previous_secret_until",
    "version"})

webhook_subscriptions = sa.Table(
    "webhook_subscriptions", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("url", sa.String(w.URL_MAX), nullable=False),
    sa.Column("event_types", sa.JSON, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("secret", sa.String(120), nullable=False),
    sa.Column("previous_secret", sa.String(120)),
    sa.Column("previous_secret_until", UTCDateTime),
    sa.Column("failing_since", UTCDateTime),
    sa.Column("failed_deliveries", sa.Integer, nullable=False),
    sa.Column("paused_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_webhook_subscriptions_tenant_state", "tenant", "state"),
)

# One event to one subscription, until a 2xx, its last retry, or a pause ends it. `body` is the CloudEvent as it is
# sent (the same bytes, so every attempt signs the same thing); it is dropped when the delivery ends.
webhook_deliveries = sa.Table(
    "webhook_deliveries", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    Id(name="subscription_id", nullable=False),
    sa.Column("event_source", sa.String(200), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
    sa.Column("event_type", sa.String(120), nullable=False),
    sa.Column("body", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # Redelivery of an event gives one delivery per subscription.
    sa.UniqueConstraint("subscription_id", "event_source", "event_id", name="uq_webhook_deliveries_once"),
    sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)

# The delivery log: one row per attempt, what the receiver answered (its status code) or why there was no answer
# (an error class); never a body.
webhook_attempts = sa.Table(
    "webhook_attempts", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    Id(name="subscription_id", nullable=False),
    Id(name="delivery_id", nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
    sa.Column("event_type", sa.String(120), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("error", sa.String(40)),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("attempted_at", UTCDateTime, nullable=False),
    sa.Index("ix_webhook_attempts_subscription", "tenant", "subscription_id", "attempted_at"),
)


# --------------------------------------------------------------------------
# Subscriptions
# --------------------------------------------------------------------------

def subscription_values(subscription: w.Subscription) -> dict:
    return {"id": subscription.id, "tenant": subscription.tenant, "owner": subscription.owner,
            "url": subscription.url, "event_types": list(subscription.event_types), "state": subscription.state,
            "secret": subscription.secret, "previous_secret": subscription.previous_secret,
            "previous_secret_until": subscription.previous_secret_until,
            "failing_since": subscription.failing_since, "failed_deliveries": subscription.failed_deliveries,
            "paused_at": subscription.paused_at, "created_at": subscription.created_at,
            "updated_at": subscription.updated_at, "version": subscription.version}


def subscription_from_row(row) -> w.Subscription:
    m = row._mapping
    return w.Subscription(
        id=m["id"], tenant=m["tenant"], owner=m["owner"], url=m["url"], event_types=tuple(m["event_types"]),
        secret=m["secret"], state=m["state"], previous_secret=m["previous_secret"],
        previous_secret_until=m["previous_secret_until"], failing_since=m["failing_since"],
        failed_deliveries=m["failed_deliveries"], paused_at=m["paused_at"], created_at=m["created_at"],
        updated_at=m["updated_at"], version=m["version"])


def insert_subscription(conn, subscription: w.Subscription) -> None:
    conn.execute(webhook_subscriptions.insert().values(**subscription_values(subscription)))


def count_subscriptions(conn, tenant: str) -> int:
    s = webhook_subscriptions.c
    return conn.execute(sa.select(sa.func.count()).where(s.tenant == tenant)).scalar_one()


def subscriptions_of(conn, tenant: str, state: str | None = None) -> list[w.Subscription]:
    s = webhook_subscriptions.c
    query = sa.select(webhook_subscriptions).where(s.tenant == tenant)
    if state is not None:
        query = query.where(s.state == state)
    return [subscription_from_row(row) for row in conn.execute(query.order_by(s.created_at, s.id))]


def subscription(conn, tenant: str, subscription_id: str, *, lock: bool = False) -> w.Subscription | None:
    s = webhook_subscriptions.c
    query = sa.select(webhook_subscriptions).where(s.tenant == tenant, s.id == str(subscription_id))
    row = conn.execute(query.with_for_update() if lock else query).first()
    return subscription_from_row(row) if row is not None else None


def update_subscription(conn, subscription: w.Subscription, expected_version: int) -> bool:
    values = subscription_values(subscription)
    values.pop("id"), values.pop("tenant")
    s = webhook_subscriptions.c
    return conn.execute(webhook_subscriptions.update().where(
        s.tenant == subscription.tenant, s.id == subscription.id, s.version == expected_version,
    ).values(**values)).rowcount == 1


def delete_subscription(conn, tenant: str, subscription_id: str, expected_version: int) -> bool:
    """The subscription, its deliveries and their log."""
    s = webhook_subscriptions.c
    if conn.execute(webhook_subscriptions.delete().where(
            s.tenant == tenant, s.id == subscription_id, s.version == expected_version)).rowcount != 1:
        return False
    for table in (webhook_deliveries, webhook_attempts):
        conn.execute(table.delete().where(table.c.tenant == tenant, table.c.subscription_id == subscription_id))
    return True


# --------------------------------------------------------------------------
# Deliveries
# --------------------------------------------------------------------------

def insert_deliveries(conn, rows: list[dict]) -> int:
    """Write the deliveries, leaving out any an earlier delivery of the same event wrote; how many are new."""
    return insert_many_if_absent(conn, webhook_deliveries, rows)


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker took for one attempt, with what the attempt needs of its subscription."""

    delivery_id: str
    tenant: str
    subscription_id: str
    event_id: str
    event_type: str
    body: str
    attempt: int  # the number of this attempt, 1 for the first


def claim_due(conn, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
    """Take up to `limit` due deliveries of active subscriptions for one attempt each: locked so that two workers
    never take the same one (SKIP LOCKED), and moved out of reach for the lease, so that a worker that dies in the
    middle of an attempt leaves its deliveries to another after it."""
    d, s = webhook_deliveries.c, webhook_subscriptions.c
    query = (sa.select(d.id, d.tenant, d.subscription_id, d.event_id, d.event_type, d.body, d.attempts)
             .join(webhook_subscriptions, sa.and_(s.id == d.subscription_id, s.tenant == d.tenant))
             .where(d.status == w.PENDING, d.next_attempt_at <= now, s.state == w.ACTIVE)
             .order_by(d.next_attempt_at, d.id).limit(limit)
             .with_for_update(of=webhook_deliveries, skip_locked=True))
    rows = conn.execute(query).all()
    if rows:
        conn.execute(webhook_deliveries.update().where(d.id.in_([row.id for row in rows]))
                     .values(next_attempt_at=now + lease, updated_at=now))
    return [Claimed(row.id, row.tenant, row.subscription_id, row.event_id, row.event_type, row.body,
                    row.attempts + 1) for row in rows]


def lock_delivery(conn, claimed: Claimed):
    """The claimed delivery, locked, if it is still pending at the attempt the worker made; None when another
    worker recorded that attempt after this one's lease ran out, or the delivery ended meanwhile."""
    d = webhook_deliveries.c
    return conn.execute(sa.select(webhook_deliveries).where(
        d.id == claimed.delivery_id, d.status == w.PENDING, d.attempts == claimed.attempt - 1,
    ).with_for_update()).first()


def record_attempt(conn, row: dict) -> None:
    conn.execute(webhook_attempts.insert().values(**row))


def update_delivery(conn, delivery_id: str, **values) -> None:
    conn.execute(webhook_deliveries.update().where(webhook_deliveries.c.id == delivery_id).values(**values))


def cancel_pending(conn, tenant: str, subscription_id: str, now: datetime) -> int:
    d = webhook_deliveries.c
    return conn.execute(webhook_deliveries.update().where(
        d.tenant == tenant, d.subscription_id == subscription_id, d.status == w.PENDING,
    ).values(status=w.CANCELLED, body=None, next_attempt_at=None, updated_at=now)).rowcount


def prune(conn, before: datetime) -> int:
    """Forget ended deliveries and attempts older than `before`: the log is for following up an integration,
    not an archive of events."""
    d, a = webhook_deliveries.c, webhook_attempts.c
    gone = conn.execute(webhook_attempts.delete().where(a.attempted_at < before)).rowcount
    return gone + conn.execute(webhook_deliveries.delete().where(
        d.status != w.PENDING, d.updated_at < before)).rowcount


# --------------------------------------------------------------------------
# The delivery log
# --------------------------------------------------------------------------

NEWEST_FIRST = pagination.Sort("attempted_at", descending=True)


def attempts_page(conn, tenant: str, subscription_id: str, cursor: str | None, limit: int) -> list:
    """A page of a subscription's attempts, newest first (limit + 1 rows: the extra one says there is more)."""
    a = webhook_attempts.c
    query = sa.select(webhook_attempts).where(a.tenant == tenant, a.subscription_id == subscription_id)
    if cursor:
        attempted_at, last_id = pagination.decode_cursor(cursor, NEWEST_FIRST, a.attempted_at)
        query = query.where(pagination.after(a.attempted_at, a.id, NEWEST_FIRST, attempted_at, last_id))
    return conn.execute(query.order_by(*pagination.order_by(a.attempted_at, a.id, NEWEST_FIRST))
                        .limit(limit + 1)).all()


def next_cursor(rows: list, limit: int) -> str | None:
    return pagination.encode_cursor(NEWEST_FIRST, rows[limit - 1].attempted_at, rows[limit - 1].id) \
        if len(rows) > limit else None
