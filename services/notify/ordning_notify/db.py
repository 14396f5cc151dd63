"""Tables of the notify service and the queries it needs (every query is scoped by tenant)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from ordning_shared import pagination
from ordning_shared.db import Id, PlatformTables, UTCDateTime, insert_many_if_absent, new_metadata
from ordning_shared.orgtree import ancestor_ids, unit_name_of

from . import domain as d

# Rules are ids, codes and field names only; notices ids, codes and a path. Every value may be audited.
AUDIT_VALUE_FIELDS = {
    "notification_rule": frozenset({"id", "event_type", "notice_kind", "unit_field", "enabled", "conditions",
                                    "recipients", "default_key", "version"}),
}

metadata = new_metadata()
tables = PlatformTables(metadata, org_replica=True, role_replica=True, audit_value_fields=AUDIT_VALUE_FIELDS)

# A tenant whose default rules were seeded, once: after that its rules are what its administrators made of them
# (deleting every rule does not bring the defaults back).
rule_sets = sa.Table(
    "rule_sets", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("seeded_at", UTCDateTime, nullable=False),
)

notification_rules = sa.Table(
    "notification_rules", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    sa.Column("event_type", sa.String(120), nullable=False),
    sa.Column("notice_kind", sa.String(40), nullable=False),
    sa.Column("unit_field", sa.String(40), nullable=False),
    sa.Column("conditions", sa.JSON, nullable=False),  # [{"field": ..., "in": [...]}]
    sa.Column("recipients", sa.JSON, nullable=False),  # [{"role": ..., "at": ...} | {"payload": ...}]
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("default_key", sa.String(40)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_notification_rules_tenant_event_type", "tenant", "event_type"),
)

# One notice per person, kind and event: redelivery of the event, or two rules naming the same person, gives one.
notices = sa.Table(
    "notices", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    Id(name="unit_id"),
    sa.Column("subject_type", sa.String(40), nullable=False),
    sa.Column("subject_id", sa.String(200), nullable=False),
    sa.Column("link", sa.String(300), nullable=False),
    sa.Column("event_source", sa.String(200), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("read_at", UTCDateTime),
    sa.UniqueConstraint("tenant", "recipient", "kind", "event_source", "event_id", name="uq_notices_once"),
    sa.Index("ix_notices_recipient_created", "tenant", "recipient", "created_at"),
    sa.Index("ix_notices_recipient_unread", "tenant", "recipient", "read_at"),
)


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------

def rule_values(rule: d.Rule) -> dict:
    return {"id": rule.id, "tenant": rule.tenant, "event_type": rule.event_type, "notice_kind": rule.notice_kind,
            "unit_field": rule.unit_field, "conditions": [c.to_dict() for c in rule.conditions],
            "recipients": [r.to_dict() for r in rule.recipients], "enabled": rule.enabled,
            "default_key": rule.default_key, "created_at": rule.created_at, "updated_at": rule.updated_at,
            "version": rule.version}


def rule_from_row(row) -> d.Rule:
    m = row._mapping
    return d.Rule(
        id=m["id"], tenant=m["tenant"], event_type=m["event_type"], notice_kind=m["notice_kind"],
        recipients=tuple(d.Recipient(payload=r["payload"]) if r.get("payload") else d.Recipient(role=r["role"],
                                                                                                   at=r["at"])
                         for r in m["recipients"]),
        conditions=tuple(d.Condition(c["field"], tuple(c["in"])) for c in m["conditions"]),
        unit_field=m["unit_field"], enabled=m["enabled"], default_key=m["default_key"], version=m["version"],
        created_at=m["created_at"], updated_at=m["updated_at"])


def is_seeded(conn, tenant: str) -> bool:
    return conn.execute(sa.select(rule_sets.c.tenant).where(rule_sets.c.tenant == tenant)).first() is not None


def mark_seeded(conn, tenant: str, at: datetime) -> bool:
    """Claim the seeding of a tenant's defaults; False when another transaction did it first."""
    from ordning_shared.db import insert_if_absent

    return insert_if_absent(conn, rule_sets, {"tenant": tenant, "seeded_at": at})


def insert_rule(conn, rule: d.Rule) -> None:
    conn.execute(notification_rules.insert().values(**rule_values(rule)))


def rules_of(conn, tenant: str, event_type: str | None = None) -> list[d.Rule]:
    r = notification_rules.c
    query = sa.select(notification_rules).where(r.tenant == tenant)
    if event_type is not None:
        query = query.where(r.event_type == event_type)
    return [rule_from_row(row) for row in conn.execute(query.order_by(r.created_at, r.id))]


def rule_row(conn, tenant: str, rule_id: str):
    r = notification_rules.c
    return conn.execute(sa.select(notification_rules).where(r.tenant == tenant, r.id == str(rule_id))).first()


def update_rule(conn, rule: d.Rule, expected_version: int) -> bool:
    values = rule_values(rule)
    values.pop("id"), values.pop("tenant")
    r = notification_rules.c
    return conn.execute(notification_rules.update().where(
        r.tenant == rule.tenant, r.id == rule.id, r.version == expected_version).values(**values)).rowcount == 1


def delete_rule(conn, tenant: str, rule_id: str, expected_version: int) -> bool:
    r = notification_rules.c
    return conn.execute(notification_rules.delete().where(
        r.tenant == tenant, r.id == rule_id, r.version == expected_version)).rowcount == 1


# --------------------------------------------------------------------------
# The org tree and the role holders (the service's copies)
# --------------------------------------------------------------------------

def unit_chain(conn, tenant: str, unit_id: str) -> list[tuple[str, str]]:
    """[(unit_id, kind), ...] from the unit up to its root, as the org-tree copy knows them; [] if unknown."""
    ids = ancestor_ids(conn, tables.org_units, tenant, unit_id)
    if not ids:
        return []
    ou = tables.org_units.c
    kinds = dict(conn.execute(sa.select(ou.id, ou.kind).where(ou.tenant == tenant, ou.id.in_(ids))).all())
    return [(unit, kinds.get(unit, "")) for unit in ids]


def holders_in_tenant(conn, tenant: str, role: str, day) -> list[str]:
    """Every user who holds `role` anywhere in the tenant on `day`."""
    rh = tables.role_holders.c
    return list(conn.execute(sa.select(rh.user_id).where(
        rh.tenant == tenant, rh.role == role, rh.ended_at.is_(None), rh.valid_from <= day,
        sa.or_(rh.valid_to.is_(None), rh.valid_to >= day)).order_by(rh.valid_from, rh.assignment_id)).scalars())


# --------------------------------------------------------------------------
# Notices
# --------------------------------------------------------------------------

def notice_values(notice: d.Notice) -> dict:
    return {"id": notice.id, "tenant": notice.tenant, "recipient": notice.recipient, "kind": notice.kind,
            "unit_id": notice.unit_id, "subject_type": notice.subject_type, "subject_id": notice.subject_id,
            "link": notice.link, "event_source": notice.event_source, "event_id": notice.event_id,
            "created_at": notice.created_at, "read_at": notice.read_at}


def insert_notices(conn, notices_to_give: list[d.Notice]) -> int:
    """Write the notices, leaving out any this person has of this kind from this event already; how many new."""
    return insert_many_if_absent(conn, notices, [notice_values(n) for n in notices_to_give])


def _unit_name():
    return unit_name_of(tables.org_units, notices)


NEWEST_FIRST = pagination.Sort("created_at", descending=True)


@dataclass(frozen=True)
class NoticeFilter:
    state: str = "all"  # unread, read or all
    cursor: str | None = None  # the previous page's next_cursor
    limit: int = 50


def _state(query, state: str):
    n = notices.c
    if state == "unread":
        return query.where(n.read_at.is_(None))
    if state == "read":
        return query.where(n.read_at.is_not(None))
    return query


def list_notices(conn, tenant: str, recipient: str, flt: NoticeFilter) -> list:
    """A page of the person's notices, newest first (limit + 1 rows: the extra one says there is a next page)."""
    n = notices.c
    query = _state(sa.select(notices, _unit_name()).where(n.tenant == tenant, n.recipient == recipient), flt.state)
    if flt.cursor:
        created_at, last_id = pagination.decode_cursor(flt.cursor, NEWEST_FIRST, n.created_at)
        query = query.where(pagination.after(n.created_at, n.id, NEWEST_FIRST, created_at, last_id))
    return conn.execute(query.order_by(*pagination.order_by(n.created_at, n.id, NEWEST_FIRST))
                        .limit(flt.limit + 1)).all()


def next_cursor(rows: list, limit: int) -> str | None:
    return pagination.encode_cursor(NEWEST_FIRST, rows[limit - 1].created_at, rows[limit - 1].id) \
        if len(rows) > limit else None


def count_notices(conn, tenant: str, recipient: str) -> tuple[int, int]:
    """(unread, all) of the person's notices."""
    n = notices.c
    unread, total = conn.execute(sa.select(
        sa.func.coalesce(sa.func.sum(sa.case((n.read_at.is_(None), 1), else_=0)), 0), sa.func.count(),
    ).where(n.tenant == tenant, n.recipient == recipient)).one()
    return int(unread), int(total)


def notice_row(conn, tenant: str, recipient: str, notice_id: str):
    n = notices.c
    return conn.execute(sa.select(notices, _unit_name()).where(
        n.tenant == tenant, n.recipient == recipient, n.id == str(notice_id))).first()


def mark_read(conn, tenant: str, recipient: str, at: datetime, notice_id: str | None = None) -> int:
    """Mark one of the person's unread notices read (or all, without an id); how many changed."""
    n = notices.c
    where = [n.tenant == tenant, n.recipient == recipient, n.read_at.is_(None)]
    if notice_id is not None:
        where.append(n.id == str(notice_id))
    return conn.execute(notices.update().where(*where).values(read_at=at)).rowcount


# The tables of the service's other parts are on the same metadata: whoever reads it (Alembic, a test, the runtime
# role's grants) sees them all.
from . import deadline_db, webhook_db  # noqa: E402,F401
