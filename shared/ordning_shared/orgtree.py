"""Every service's own copy of the organisation tree, built from the processes service's events.

With it a service answers "this unit and every unit below it" locally, which
is how access is scoped: a role acts within its org units and those below.
Each org_unit event carries the unit's whole replicable state and a revision,
so a copy converges even when events arrive twice or out of order.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from .db import UnitOfWork, write_if_newer
from .events import require_source

ORG_UNIT_EVENT_TYPES = (
    "se.ordning.org_unit.created.v1",
    "se.ordning.org_unit.renamed.v1",
    "se.ordning.org_unit.moved.v1",
    "se.ordning.org_unit.closed.v1",
)


def apply_org_unit_event(uow: UnitOfWork, cloudevent) -> None:
    require_source(cloudevent, "processes")  # the organisation tree is the processes service's truth
    table = uow.tables.org_units
    data = cloudevent.get_data()
    tenant = cloudevent.get_attributes()["tenant"]
    unit_id = str(data["unit_id"])
    revision = int(data["revision"])
    closed_at = data.get("closed_at")
    values = {
        "kind": data["kind"], "name": data["name"], "parent_id": data.get("parent_id"),
        "closed_at": datetime.fromisoformat(closed_at) if closed_at else None, "revision": revision,
    }
    # Keyed by tenant too: another tenant's unit may share the id. An older event arriving late changes nothing.
    write_if_newer(uow.connection, table, {"tenant": tenant, "id": unit_id}, values, "revision")


def org_unit_handlers() -> dict:
    return {event_type: apply_org_unit_event for event_type in ORG_UNIT_EVENT_TYPES}


def subtree_select(table: sa.Table, tenant: str, roots, name: str = "subtree") -> sa.Select:
    """A SELECT of the ids of `roots` and every unit below them, within one tenant.

    `roots` is a list of ids or a bind parameter: an expanding one, or on PostgreSQL one of an
    ARRAY type, which keeps the statement's text the same for any number of roots (compiled once,
    not rendered again on every execution). Give each use in one statement its own `name` (a CTE
    name must be unique there).
    """
    if isinstance(roots, sa.BindParameter) and isinstance(roots.type, sa.ARRAY):
        is_root = table.c.id == sa.any_(roots)
    else:
        is_root = table.c.id.in_(roots if isinstance(roots, sa.BindParameter) else list(roots))
    base = sa.select(table.c.id).where(table.c.tenant == tenant, is_root)
    tree = base.cte(name, recursive=True)
    below = sa.select(table.c.id).where(table.c.tenant == tenant, table.c.parent_id == tree.c.id)
    tree = tree.union(below)
    return sa.select(tree.c.id)


def subtree_ids(connection, table: sa.Table, tenant: str, roots) -> set[str]:
    roots = list(roots)
    if not roots:
        return set()
    return set(connection.execute(subtree_select(table, tenant, roots)).scalars())


def ancestor_ids(connection, table: sa.Table, tenant: str, unit_id: str) -> list[str]:
    """The chain from `unit_id` up to its root, nearest first, `unit_id` included."""
    base = sa.select(table.c.id, table.c.parent_id).where(table.c.tenant == tenant, table.c.id == unit_id)
    chain = base.cte("chain", recursive=True)
    parent = table.alias("parent")
    up = sa.select(parent.c.id, parent.c.parent_id).where(parent.c.tenant == tenant, parent.c.id == chain.c.parent_id)
    chain = chain.union(up)
    ids = list(connection.execute(sa.select(chain.c.id, chain.c.parent_id)).all())
    by_id = {row.id: row.parent_id for row in ids}
    ordered, current = [], unit_id
    while current in by_id and current not in ordered:
        ordered.append(current)
        current = by_id[current]
    return ordered


def unit_row(connection, table: sa.Table, tenant: str, unit_id: str):
    return connection.execute(sa.select(table).where(table.c.tenant == tenant, table.c.id == unit_id)).first()
