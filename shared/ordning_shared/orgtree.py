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
    "se.ordning.org_unit.external_provider_changed.v1",
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
        # An event from before the attribute existed carries none: not an external provider.
        "external_provider": bool(data.get("external_provider", False)),
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


def unit_name_of(org_units: sa.Table, rows: sa.Table) -> sa.Label:
    """A column `unit_name` for a select over `rows` (a table with `tenant` and `unit_id`): the name of the row's
    unit in the local copy of the org tree, NULL if the copy lacks the unit."""
    return (sa.select(org_units.c.name).where(org_units.c.tenant == rows.c.tenant, org_units.c.id == rows.c.unit_id)
            .scalar_subquery().label("unit_name"))


EXTERNAL_PROVIDER_KIND = "external_provider"  # the processes service's unit kind "utförare i privat regi"


def unit_external_provider_of(org_units: sa.Table, rows: sa.Table) -> sa.Label:
    """A column `unit_external_provider` for a select over `rows` (a table with `tenant` and `unit_id`): true if
    the row's unit is an external provider (utförare i privat regi) in the local copy of the org tree, by its
    attribute or its kind; NULL if the copy lacks the unit."""
    return (sa.select(sa.or_(org_units.c.external_provider.is_(True), org_units.c.kind == EXTERNAL_PROVIDER_KIND))
            .where(org_units.c.tenant == rows.c.tenant, org_units.c.id == rows.c.unit_id)
            .scalar_subquery().label("unit_external_provider"))
