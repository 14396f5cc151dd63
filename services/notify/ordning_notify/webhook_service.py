"""Use cases of the webhook subscriptions, one unit of work each: the API's (administrators and kvalitetsutvecklare
of the tenant), the reaction to an event (a delivery per matching subscription, in the event's unit of work with its
inbox record) and the worker's delivery job (claim due deliveries, attempt each outside any transaction, record the
outcome; pause a subscription that keeps failing and tell its owner)."""
from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta

from ordning_shared.auth import Principal
from ordning_shared.db import utcnow
from ordning_shared.events import serialize, source_of
from ordning_shared.http import require_roles
from ordning_shared.idempotency import IdempotencyClaim, record
from ordning_shared.platform import Platform
from ordning_shared.problems import NotFound, PreconditionFailed
from ordning_shared.scheduler import PeriodicJob
from prometheus_client import Counter

from . import db
from . import domain as d
from . import mail
from . import webhook_db as wdb
from . import webhook_http
from . import webhooks as w

log = logging.getLogger(__name__)
ATTEMPTS = Counter("ordning_webhook_attempts_total", "Webhook delivery attempts, by how they ended", ["outcome"])
KEEP_LOG_DAYS = 30
PRUNE_EVERY_SECONDS = 3600
CLAIM_PER_WORKER_THREAD = 4
# The scheduler runs a service's jobs one at a time: a run of the delivery job hands over to the next job after this.
RUN_SECONDS = 20


class SubscriptionNotFound(NotFound):
    code = "webhook_subscription_not_found"


# --------------------------------------------------------------------------
# The API
# --------------------------------------------------------------------------

def _require_admin(principal: Principal) -> None:
    require_roles(principal, *d.RULE_ADMIN_ROLES)


def subscription_body(subscription: w.Subscription, *, with_secret: bool = False) -> dict:
    """What the API shows of a subscription: never its secrets, except the current one right after it was made
    (at creation, at a rotation)."""
    body = {"id": subscription.id, "url": subscription.url, "event_types": list(subscription.event_types),
            "state": subscription.state, "owner": subscription.owner,
            "failed_deliveries": subscription.failed_deliveries, "failing_since": subscription.failing_since,
            "paused_at": subscription.paused_at, "previous_secret_until": subscription.previous_secret_until,
            "created_at": subscription.created_at, "updated_at": subscription.updated_at,
            "version": subscription.version}
    if with_secret:
        body["secret"] = subscription.secret
    return body


def checked_url(settings: w.WebhookSettings, url: str) -> str:
    """The URL as given, once it is https and its host resolves to public addresses only (else 422)."""
    target = w.parse_url(url, allow_insecure=settings.allow_private)
    w.checked_addresses(target, lambda host, port: webhook_http.resolve(host, port, settings.connect_timeout_seconds),
                        allow_private=settings.allow_private)
    return url


def _subscription(conn, tenant: str, subscription_id: str, *, lock: bool = False) -> w.Subscription:
    found = wdb.subscription(conn, tenant, subscription_id, lock=lock)
    if found is None:
        raise SubscriptionNotFound("Webhook-prenumerationen finns inte.", "There is no such webhook subscription.")
    return found


def _stale() -> PreconditionFailed:
    return PreconditionFailed("Prenumerationen har ändrats av någon annan sedan du läste den; läs om den.",
                              "The subscription was changed by someone else since you read it; read it again.")


def list_subscriptions(platform: Platform, principal: Principal) -> list[dict]:
    _require_admin(principal)
    with platform.engine.connect() as conn:
        return [subscription_body(s) for s in wdb.subscriptions_of(conn, principal.tenant)]


def read_subscription(platform: Platform, principal: Principal, subscription_id: str, *,
                      with_secret: bool = False) -> dict:
    _require_admin(principal)
    with platform.engine.connect() as conn:
        return subscription_body(_subscription(conn, principal.tenant, subscription_id), with_secret=with_secret)


def create_subscription(platform: Platform, settings: w.WebhookSettings, principal: Principal, data: dict,
                        claim: IdempotencyClaim | None) -> dict:
    """A new subscription of the caller's tenant, owned by the caller; its secret is in the answer (and in a
    replay of the same request with the same Idempotency-Key), never again."""
    _require_admin(principal)
    event_types = w.subscription_event_types(data["event_types"])
    url = checked_url(settings, data["url"])
    now = utcnow()
    subscription = w.Subscription(id=str(uuid.uuid4()), tenant=principal.tenant, owner=principal.subject, url=url,
                                  event_types=event_types, secret=w.new_secret(), created_at=now, updated_at=now)
    with platform.uow() as uow:
        if wdb.count_subscriptions(uow.connection, principal.tenant) >= w.SUBSCRIPTIONS_MAX:
            raise w.TooManySubscriptions(
                f"Kommunen har redan {w.SUBSCRIPTIONS_MAX} webhook-prenumerationer; ta bort någon först.",
                f"The municipality has {w.SUBSCRIPTIONS_MAX} webhook subscriptions already; delete one first.")
        wdb.insert_subscription(uow.connection, subscription)
        uow.audit(tenant=subscription.tenant, actor=principal.subject, action="create",
                  entity_type="webhook_subscription", entity_id=subscription.id,
                  after=wdb.subscription_values(subscription))
        record(claim, uow, subscription.id)
        uow.commit()
    return subscription_body(subscription, with_secret=True)


def _change(platform: Platform, principal: Principal, subscription_id: str, check_if_match, action: str, change,
            *, with_secret: bool = False, also=None) -> dict:
    """Read the subscription locked, check If-Match (when the caller gives a check), apply `change`, write it at
    the version read (and do `also(connection, changed)` in the same transaction), audit."""
    _require_admin(principal)
    with platform.uow() as uow:
        current = _subscription(uow.connection, principal.tenant, subscription_id, lock=True)
        if check_if_match is not None:
            check_if_match(current.id, current.version)
        changed = change(current)
        if changed is current:
            return subscription_body(current)
        if not wdb.update_subscription(uow.connection, changed, current.version):
            raise _stale()
        if also is not None:
            also(uow.connection, changed)
        uow.audit(tenant=changed.tenant, actor=principal.subject, action=action, entity_type="webhook_subscription",
                  entity_id=changed.id, before=wdb.subscription_values(current),
                  after=wdb.subscription_values(changed))
        uow.commit()
    return subscription_body(changed, with_secret=with_secret)


def update_subscription(platform: Platform, settings: w.WebhookSettings, principal: Principal, subscription_id: str,
                        data: dict, check_if_match) -> dict:
    _require_admin(principal)
    event_types = w.subscription_event_types(data["event_types"]) if "event_types" in data else None
    url = checked_url(settings, data["url"]) if "url" in data else None
    return _change(platform, principal, subscription_id, check_if_match, "update",
                   lambda current: current.changed(utcnow(), url=url, event_types=event_types))


def rotate_secret(platform: Platform, settings: w.WebhookSettings, principal: Principal, subscription_id: str,
                  check_if_match) -> dict:
    """A new secret, in the answer once; the one before signs beside it for the grace window."""
    grace = timedelta(seconds=settings.rotation_grace_seconds)
    return _change(platform, principal, subscription_id, check_if_match, "rotate_secret",
                   lambda current: current.rotated(utcnow(), grace), with_secret=True)


def resume(platform: Platform, principal: Principal, subscription_id: str) -> dict:
    """An active subscription again, its record of failures cleared; resuming an active one changes nothing.
    Events from the time it was paused are not sent (a delivery an event wrote while the pause was being made is
    given up here)."""
    return _change(platform, principal, subscription_id, None, "resume",
                   lambda current: current if current.state == w.ACTIVE else current.resumed(utcnow()),
                   also=lambda conn, resumed: wdb.cancel_pending(conn, resumed.tenant, resumed.id, utcnow()))


def pause(platform: Platform, principal: Principal, subscription_id: str) -> dict:
    """A subscription paused by hand: no deliveries are made for it until it is resumed (as after failures, but no
    notice: the one who paused it knows); pausing a paused one changes nothing."""
    return _change(platform, principal, subscription_id, None, "pause",
                   lambda current: current if current.state == w.PAUSED else current.paused(utcnow()))


def delete_subscription(platform: Platform, principal: Principal, subscription_id: str, check_if_match) -> None:
    _require_admin(principal)
    with platform.uow() as uow:
        current = _subscription(uow.connection, principal.tenant, subscription_id, lock=True)
        check_if_match(current.id, current.version)
        if not wdb.delete_subscription(uow.connection, principal.tenant, current.id, current.version):
            raise _stale()
        uow.audit(tenant=current.tenant, actor=principal.subject, action="delete", entity_type="webhook_subscription",
                  entity_id=current.id, before=wdb.subscription_values(current))
        uow.commit()


def attempt_body(row) -> dict:
    m = row._mapping
    return {"id": m["id"], "delivery_id": m["delivery_id"], "event_id": m["event_id"], "event_type": m["event_type"],
            "attempt": m["attempt"], "outcome": m["outcome"], "status_code": m["status_code"], "error": m["error"],
            "duration_ms": m["duration_ms"], "attempted_at": m["attempted_at"]}


def list_attempts(platform: Platform, principal: Principal, subscription_id: str, cursor: str | None,
                  limit: int) -> dict:
    """The delivery log of a subscription, newest attempt first, a page at a time."""
    _require_admin(principal)
    with platform.engine.connect() as conn:
        _subscription(conn, principal.tenant, subscription_id)
        rows = wdb.attempts_page(conn, principal.tenant, subscription_id, cursor, limit)
    return {"items": [attempt_body(row) for row in rows[:limit]], "limit": limit,
            "next_cursor": wdb.next_cursor(rows, limit)}


# --------------------------------------------------------------------------
# The worker: an event gives deliveries
# --------------------------------------------------------------------------

def webhook_body(cloudevent) -> str:
    """The CloudEvent as a receiver gets it: structured JSON, without our trace context (another system's traces
    are not ours to join)."""
    attributes = {key: value for key, value in cloudevent.get_attributes().items() if key != "traceparent"}
    copy = type(cloudevent)(attributes, cloudevent.get_data())
    return serialize(copy).decode("utf-8")


def queue_deliveries(uow, cloudevent) -> int:
    """A delivery for each active subscription of the event's tenant to its type, written in the event's unit of
    work (with its inbox record: a redelivered event gives none twice). Returns how many were new."""
    tenant, event_type = cloudevent.get_attributes()["tenant"], cloudevent.get_type()
    subscribers = [s for s in wdb.subscriptions_of(uow.connection, tenant, w.ACTIVE) if s.matches(event_type)]
    if not subscribers:
        return 0
    body, now = webhook_body(cloudevent), utcnow()
    return wdb.insert_deliveries(uow.connection, [
        {"id": str(uuid.uuid4()), "tenant": tenant, "subscription_id": subscription.id,
         "event_source": cloudevent.get_source(), "event_id": cloudevent.get_id(), "event_type": event_type,
         "body": body, "status": w.PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now,
         "updated_at": now} for subscription in subscribers])


# --------------------------------------------------------------------------
# The worker: deliveries are attempted
# --------------------------------------------------------------------------

def deliver_due(platform: Platform, settings: w.WebhookSettings, *, post=webhook_http.post,
                until: float | None = None) -> int:
    """Attempt every due delivery (claimed a batch at a time, `settings.concurrency` at once) until none is due or
    the run's time is up; returns how many attempts were made. Safe with several workers: a delivery is claimed
    by one (SKIP LOCKED) and its outcome recorded only for the attempt that worker made."""
    until = until if until is not None else time.monotonic() + RUN_SECONDS
    lease = timedelta(seconds=settings.lease_seconds)
    made, context, pool = 0, None, None
    try:
        while time.monotonic() < until:
            with platform.uow() as uow:
                claimed = wdb.claim_due(uow.connection, utcnow(), lease, settings.concurrency * CLAIM_PER_WORKER_THREAD)
                uow.commit()
            if not claimed:
                break
            if pool is None:  # made only when there is work: the job runs every second, mostly to find none
                context = webhook_http.tls_context(settings)
                pool = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="webhook")
            for _ in pool.map(lambda c: _attempt(platform, settings, c, post, context), claimed):
                made += 1
    finally:
        if pool is not None:
            pool.shutdown()
    return made


def _attempt(platform: Platform, settings: w.WebhookSettings, claimed: wdb.Claimed, post, context) -> None:
    with platform.engine.connect() as conn:
        subscription = wdb.subscription(conn, claimed.tenant, claimed.subscription_id)
    if subscription is None or subscription.state != w.ACTIVE:  # deleted or paused since the claim
        return
    try:
        outcome = post(settings, subscription.url, claimed.body, claimed.event_id,
                       subscription.signing_secrets(utcnow()), context=context)
    except Exception as error:  # a bug here must not end the run for the others; the lease brings it back
        log.error("webhook attempt failed unexpectedly: %s", type(error).__name__)
        return
    ATTEMPTS.labels(outcome.outcome).inc()
    log.info("webhook delivery %s of %s to subscription %s, attempt %d: %s %s", claimed.delivery_id,
             claimed.event_type, claimed.subscription_id, claimed.attempt, outcome.outcome,
             outcome.status_code if outcome.status_code is not None else outcome.error)
    record_outcome(platform, settings, claimed, outcome)


def record_outcome(platform: Platform, settings: w.WebhookSettings, claimed: wdb.Claimed,
                   outcome: webhook_http.Outcome) -> None:
    """Log the attempt and move the delivery on (delivered, a retry later, failed); keep the subscription's record
    of failures, and pause it when it keeps failing."""
    now = utcnow()
    with platform.uow() as uow:
        conn = uow.connection
        subscription = wdb.subscription(conn, claimed.tenant, claimed.subscription_id, lock=True)
        if subscription is None or wdb.lock_delivery(conn, claimed) is None:
            # another worker took it after this one's lease ran out, or the subscription was paused or deleted
            log.warning("webhook delivery %s attempt %d: not recorded, the delivery moved on meanwhile",
                        claimed.delivery_id, claimed.attempt)
            return
        wdb.record_attempt(conn, {
            "id": str(uuid.uuid4()), "tenant": claimed.tenant, "subscription_id": claimed.subscription_id,
            "delivery_id": claimed.delivery_id, "event_id": claimed.event_id, "event_type": claimed.event_type,
            "attempt": claimed.attempt, "outcome": outcome.outcome, "status_code": outcome.status_code,
            "error": outcome.error, "duration_ms": outcome.duration_ms, "attempted_at": now})
        before = subscription
        if outcome.outcome == w.ATTEMPT_DELIVERED:
            wdb.update_delivery(conn, claimed.delivery_id, status=w.DELIVERED, attempts=claimed.attempt, body=None,
                                next_attempt_at=None, updated_at=now)
            subscription = replace(subscription, failing_since=None, failed_deliveries=0)
        else:
            delay = w.retry_delay(claimed.attempt, settings.retry_delays)
            if delay is not None:
                wdb.update_delivery(conn, claimed.delivery_id, attempts=claimed.attempt,
                                    next_attempt_at=now + timedelta(seconds=delay), updated_at=now)
            else:
                wdb.update_delivery(conn, claimed.delivery_id, status=w.FAILED, attempts=claimed.attempt, body=None,
                                    next_attempt_at=None, updated_at=now)
            subscription = replace(subscription, failing_since=subscription.failing_since or now,
                                    failed_deliveries=subscription.failed_deliveries + (delay is None))
            if w.should_pause(subscription, now, settings):
                subscription = _pause(uow, subscription, now)
        if subscription != before:
            wdb.update_subscription(conn, subscription, before.version)
        uow.commit()


def _pause(uow, subscription: w.Subscription, now: datetime) -> w.Subscription:
    """Pause the subscription, give up its pending deliveries, and tell its owner (a notice in their inbox)."""
    paused = subscription.paused(now)
    cancelled = wdb.cancel_pending(uow.connection, paused.tenant, paused.id, now)
    source, event_id = source_of(paused.tenant, "notify"), w.paused_notice_event_id(paused.id, now)
    db.insert_notices(uow.connection, [d.Notice(
        id=str(uuid.uuid4()), tenant=paused.tenant, recipient=paused.owner, kind="webhook_paused", unit_id=None,
        subject_type="webhook_subscription", subject_id=paused.id, link=w.subscription_link(paused.id),
        event_source=source, event_id=event_id, created_at=now)])
    mail.queue_mails_of_notices(uow.connection, paused.tenant, source, event_id)  # mailed as any notice is
    uow.audit(tenant=paused.tenant, actor="system", action="pause", entity_type="webhook_subscription",
              entity_id=paused.id, before=wdb.subscription_values(subscription),
              after=wdb.subscription_values(paused))
    log.warning("webhook subscription %s paused after repeated failures (%d failed deliveries, %d pending "
                "cancelled)", paused.id, paused.failed_deliveries, cancelled)
    return paused


def prune_log(platform: Platform, *, now: datetime | None = None) -> int:
    with platform.uow() as uow:
        gone = wdb.prune(uow.connection, (now or utcnow()) - timedelta(days=KEEP_LOG_DAYS))
        uow.commit()
    return gone


def delivery_job(platform: Platform) -> PeriodicJob:
    """The worker's job that attempts what is due, every ORDNING_WEBHOOKS_POLL_SECONDS."""
    settings = w.WebhookSettings.from_env(platform.settings.env)
    return PeriodicJob("webhook_deliveries", settings.poll_seconds, lambda: deliver_due(platform, settings))


def log_pruning_job(platform: Platform) -> PeriodicJob:
    """The worker's job that forgets the delivery log's old rows, hourly."""
    return PeriodicJob("webhook_log_pruning", PRUNE_EVERY_SECONDS, lambda: prune_log(platform))
