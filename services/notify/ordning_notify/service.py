"""Use cases of the notify service, one unit of work each: give the notices an event calls for (the worker), and
the API's rules and inbox."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone

from ordning_shared.auth import Principal
from ordning_shared.db import utcnow
from ordning_shared.http import require_roles
from ordning_shared.idempotency import IdempotencyClaim, record
from ordning_shared.notice_kinds import label
from ordning_shared.platform import Platform
from ordning_shared.problems import Conflict, Forbidden, NotFound, PreconditionFailed
from ordning_shared.roles import holders_at_unit
from ordning_shared.workdays import STOCKHOLM

from . import db
from . import domain as d

log = logging.getLogger(__name__)

__all__ = ["Forbidden", "RuleNotFound", "NoticeNotFound", "give_notices", "ensure_rules", "list_rules", "read_rule",
           "create_rule", "update_rule", "delete_rule", "list_notices", "count_notices", "read_notice",
           "mark_read", "mark_all_read"]


class RuleNotFound(NotFound):
    code = "rule_not_found"


class NoticeNotFound(NotFound):
    code = "notice_not_found"


class RuleChanged(Conflict):
    code = "rule_changed"


# --------------------------------------------------------------------------
# The worker: an event gives notices
# --------------------------------------------------------------------------

def ensure_rules(conn, tenant: str) -> None:
    """Seed the tenant's default rules the first time its rules are needed (an event, or the API's first look).
    Two workers at once: one claims the seeding, the other waits for its commit and finds it done."""
    if db.is_seeded(conn, tenant):
        return
    at = utcnow()
    if db.mark_seeded(conn, tenant, at):
        for rule in d.default_rules(tenant, at):
            db.insert_rule(conn, rule)


def _event_day(cloudevent):
    """The day in Sweden the event happened: whose role it was is decided by then, so a redelivery a day later,
    after a role changed hands, reaches the same people."""
    time = cloudevent.get_attributes().get("time")
    moment = time if isinstance(time, datetime) else (datetime.fromisoformat(str(time)) if time else None)
    if moment is None:
        moment = datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(STOCKHOLM).date()


def recipients_of(conn, tables, tenant: str, rule: d.Rule, data: Mapping, day) -> list[str]:
    """The user ids a matched rule reaches, in the rule's order, each once."""
    unit = rule.unit_of(data)
    chain = db.unit_chain(conn, tenant, unit) if unit else []
    people, lookups = d.recipient_lookups(rule, data, chain)
    for lookup in lookups:
        if lookup.tenant_wide:
            people += db.holders_in_tenant(conn, tenant, lookup.role, day)
        else:
            people += [holder.user_id for holder in
                       holders_at_unit(conn, tables, tenant, lookup.role, lookup.start_unit, on=day)]
    return list(dict.fromkeys(people))


def give_notices(uow, cloudevent) -> int:
    """The notices an event calls for under its tenant's rules, written in the handler's unit of work (with the
    inbox record: a redelivered event gives nothing twice). One notice per person per event: the first matching
    rule (oldest first) decides its kind. Returns how many were new."""
    attributes = cloudevent.get_attributes()
    tenant, event_type = attributes["tenant"], cloudevent.get_type()
    data = cloudevent.get_data() or {}
    if not isinstance(data, Mapping):
        return 0
    conn = uow.connection
    ensure_rules(conn, tenant)
    rules = [rule for rule in db.rules_of(conn, tenant, event_type) if rule.matches(event_type, data)]
    if not rules:
        return 0
    day = _event_day(cloudevent)
    subject_type, subject_id = d.subject_of(event_type, data, attributes.get("subject"))
    link = d.link_of(subject_type, subject_id, data)
    now, given, seen = utcnow(), [], set()
    for rule in rules:
        recipients = recipients_of(conn, uow.tables, tenant, rule, data, day)
        if not recipients:
            # Nobody holds the role (yet): worth an operator's look, named by ids and codes only.
            log.warning("rule %s on %s found no recipient in tenant %s", rule.id, event_type, tenant)
        for person in recipients:
            if person in seen:
                continue
            seen.add(person)
            given.append(d.Notice(
                id=str(uuid.uuid4()), tenant=tenant, recipient=person, kind=rule.notice_kind,
                unit_id=rule.unit_of(data), subject_type=subject_type, subject_id=subject_id, link=link,
                event_source=cloudevent.get_source(), event_id=cloudevent.get_id(), created_at=now))
    return db.insert_notices(conn, given)


# --------------------------------------------------------------------------
# Rules (administrators and kvalitetsutvecklare)
# --------------------------------------------------------------------------

def _require_rule_admin(principal: Principal) -> None:
    require_roles(principal, *d.RULE_ADMIN_ROLES)


def rule_body(rule: d.Rule) -> dict:
    body = db.rule_values(rule)
    body.pop("tenant")
    body["notice_kind_label"] = label(rule.notice_kind)
    return body


def list_rules(platform: Platform, principal: Principal) -> list[dict]:
    _require_rule_admin(principal)
    with platform.uow() as uow:
        ensure_rules(uow.connection, principal.tenant)
        rules = db.rules_of(uow.connection, principal.tenant)
        uow.commit()
    return [rule_body(rule) for rule in rules]


def _rule(conn, tenant: str, rule_id: str) -> d.Rule:
    row = db.rule_row(conn, tenant, rule_id)
    if row is None:
        raise RuleNotFound("Regeln finns inte.", "There is no such rule.")
    return db.rule_from_row(row)


def read_rule(platform: Platform, principal: Principal, rule_id: str) -> dict:
    _require_rule_admin(principal)
    with platform.engine.connect() as conn:
        return rule_body(_rule(conn, principal.tenant, rule_id))


def create_rule(platform: Platform, principal: Principal, data: dict, claim: IdempotencyClaim | None) -> dict:
    _require_rule_admin(principal)
    at = utcnow()
    rule = d.rule_from_fields(tenant=principal.tenant, created_at=at, updated_at=at, **data)
    with platform.uow() as uow:
        ensure_rules(uow.connection, principal.tenant)  # the defaults first: a tenant's own rule comes after them
        db.insert_rule(uow.connection, rule)
        uow.audit(tenant=rule.tenant, actor=principal.subject, action="create", entity_type="notification_rule",
                  entity_id=rule.id, after=db.rule_values(rule))
        record(claim, uow, rule.id)
        uow.commit()
    return rule_body(rule)


def update_rule(platform: Platform, principal: Principal, rule_id: str, data: dict, check_if_match) -> dict:
    _require_rule_admin(principal)
    with platform.uow() as uow:
        current = _rule(uow.connection, principal.tenant, rule_id)
        check_if_match(current.id, current.version)
        changed = d.changed_rule(current, **data)
        changed.updated_at = utcnow()
        if not db.update_rule(uow.connection, changed, current.version):
            raise PreconditionFailed("Regeln har ändrats av någon annan sedan du läste den; läs om den.",
                                     "The rule was changed by someone else since you read it; read it again.")
        uow.audit(tenant=changed.tenant, actor=principal.subject, action="update", entity_type="notification_rule",
                  entity_id=changed.id, before=db.rule_values(current), after=db.rule_values(changed))
        uow.commit()
    return rule_body(changed)


def delete_rule(platform: Platform, principal: Principal, rule_id: str, check_if_match) -> None:
    _require_rule_admin(principal)
    with platform.uow() as uow:
        current = _rule(uow.connection, principal.tenant, rule_id)
        check_if_match(current.id, current.version)
        if not db.delete_rule(uow.connection, principal.tenant, current.id, current.version):
            raise PreconditionFailed("Regeln har ändrats av någon annan sedan du läste den; läs om den.",
                                     "The rule was changed by someone else since you read it; read it again.")
        uow.audit(tenant=current.tenant, actor=principal.subject, action="delete", entity_type="notification_rule",
                  entity_id=current.id, before=db.rule_values(current))
        uow.commit()


# --------------------------------------------------------------------------
# The inbox: a person's own notices
# --------------------------------------------------------------------------

def notice_body(row) -> dict:
    m = row._mapping
    return {"id": m["id"], "kind": m["kind"], "kind_label": label(m["kind"]), "unit_id": m["unit_id"],
            "unit_name": m["unit_name"], "subject_type": m["subject_type"], "subject_id": m["subject_id"],
            "link": m["link"], "created_at": m["created_at"], "read_at": m["read_at"],
            "read": m["read_at"] is not None}


def list_notices(platform: Platform, principal: Principal, flt: db.NoticeFilter) -> dict:
    with platform.engine.connect() as conn:
        rows = db.list_notices(conn, principal.tenant, principal.subject, flt)
    return {"items": [notice_body(row) for row in rows[:flt.limit]], "limit": flt.limit,
            "next_cursor": db.next_cursor(rows, flt.limit)}


def count_notices(platform: Platform, principal: Principal) -> dict:
    with platform.engine.connect() as conn:
        unread, total = db.count_notices(conn, principal.tenant, principal.subject)
    return {"unread": unread, "total": total}


def read_notice(platform: Platform, principal: Principal, notice_id: str) -> dict:
    with platform.engine.connect() as conn:
        row = db.notice_row(conn, principal.tenant, principal.subject, notice_id)
    if row is None:  # another person's notice is as absent as one that never was
        raise NoticeNotFound("Notisen finns inte.", "There is no such notice.")
    return notice_body(row)


def mark_read(platform: Platform, principal: Principal, notice_id: str) -> dict:
    """Mark one of the caller's notices read; marking a read one again changes nothing."""
    with platform.uow() as uow:
        if db.notice_row(uow.connection, principal.tenant, principal.subject, notice_id) is None:
            raise NoticeNotFound("Notisen finns inte.", "There is no such notice.")
        db.mark_read(uow.connection, principal.tenant, principal.subject, utcnow(), notice_id)
        uow.commit()
    return read_notice(platform, principal, notice_id)


def mark_all_read(platform: Platform, principal: Principal) -> dict:
    with platform.uow() as uow:
        changed = db.mark_read(uow.connection, principal.tenant, principal.subject, utcnow())
        uow.commit()
    return {"marked": changed, **count_notices(platform, principal)}
