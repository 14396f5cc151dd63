"""Every service's own copy of who holds which role where, built from the processes service's events.

With it a service answers "who is enhetschef of unit X" or "who is MAS for this förvaltning" without a call:
the holders at the unit itself, or else at the nearest unit above it that has one (org-tree copy,
ordning_shared.orgtree). Each se.ordning.role.* event carries the assignment's whole replicable state and its
version, so the copy converges when events arrive twice or out of order, as the org-tree copy does.

A holder is named by user id (the identity provider's subject), never by name: a service that shows the
holder's name asks the processes service's API (GET /api/v1/role-assignments/{id}), where access is checked.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from .db import UnitOfWork, write_if_newer
from .events import require_source
from .orgtree import ancestor_ids
from .workdays import today_in_sweden

ROLE_ASSIGNED = "se.ordning.role.assigned.v1"
ROLE_ENDED = "se.ordning.role.ended.v1"
ROLE_EVENT_TYPES = (ROLE_ASSIGNED, ROLE_ENDED)


@dataclass(frozen=True)
class RoleHolder:
    """One who holds a role: the assignment, the user id, and where (the unit it is held at)."""

    assignment_id: str
    user_id: str
    role: str
    unit_id: str | None
    process_id: str | None


def apply_role_event(uow: UnitOfWork, cloudevent) -> None:
    require_source(cloudevent, "processes")  # role assignments are the processes service's truth
    table = uow.tables.role_holders
    data = cloudevent.get_data()
    tenant = cloudevent.get_attributes()["tenant"]
    assignment_id = str(data["assignment_id"])
    version = int(data["version"])
    ended_at = data.get("ended_at")
    values = {
        "role": data["role"], "unit_id": data.get("unit_id"), "process_id": data.get("process_id"),
        "user_id": data["user_id"], "valid_from": date.fromisoformat(data["valid_from"]),
        "valid_to": date.fromisoformat(data["valid_to"]) if data.get("valid_to") else None,
        "ended_at": datetime.fromisoformat(ended_at) if ended_at else None, "version": version,
    }
    # An older event arriving late changes nothing.
    write_if_newer(uow.connection, table, {"tenant": tenant, "assignment_id": assignment_id}, values)


def role_handlers() -> dict:
    return {event_type: apply_role_event for event_type in ROLE_EVENT_TYPES}


def _held_on(table: sa.Table, day: date):
    return sa.and_(table.c.ended_at.is_(None), table.c.valid_from <= day,
                   sa.or_(table.c.valid_to.is_(None), table.c.valid_to >= day))


def _holder(row) -> RoleHolder:
    return RoleHolder(assignment_id=row.assignment_id, user_id=row.user_id, role=row.role, unit_id=row.unit_id,
                      process_id=row.process_id)


def holders_at_unit(connection, tables, tenant: str, role: str, unit_id: str, *, on: date | None = None,
                    nearest: bool = True) -> list[RoleHolder]:
    """Who holds `role` at `unit_id` on `on` (default today in Sweden); with `nearest`, if nobody does there,
    those at the nearest unit above it that has a holder (the MAS of the enhet's förvaltning). [] if none."""
    table = tables.role_holders
    day = on or today_in_sweden()
    chain = ancestor_ids(connection, tables.org_units, tenant, str(unit_id)) if nearest else [str(unit_id)]
    if not chain:  # a unit the org-tree copy does not know yet: only holders named at it
        chain = [str(unit_id)]
    rows = connection.execute(sa.select(table).where(
        table.c.tenant == tenant, table.c.role == role, table.c.unit_id.in_(chain), _held_on(table, day),
    ).order_by(table.c.valid_from, table.c.assignment_id)).all()
    by_unit: dict[str, list] = {}
    for row in rows:
        by_unit.setdefault(row.unit_id, []).append(_holder(row))
    for each in chain:
        if each in by_unit:
            return by_unit[each]
    return []


def holders_of_process(connection, tables, tenant: str, role: str, process_id: str, *,
                       on: date | None = None) -> list[RoleHolder]:
    """Who holds a process role (processägare, processledare, ...) of `process_id` on `on` (default today)."""
    table = tables.role_holders
    rows = connection.execute(sa.select(table).where(
        table.c.tenant == tenant, table.c.role == role, table.c.process_id == str(process_id),
        _held_on(table, on or today_in_sweden())).order_by(table.c.valid_from, table.c.assignment_id)).all()
    return [_holder(row) for row in rows]


def units_where_held(connection, tables, tenant: str, user_id: str, roles, unit_ids, *,
                     on: date | None = None) -> set[str]:
    """Of `unit_ids`, those at which `user_id` holds one of `roles` on `on` (default today in Sweden)."""
    table = tables.role_holders
    return set(connection.execute(sa.select(table.c.unit_id).where(
        table.c.tenant == tenant, table.c.user_id == user_id, table.c.role.in_(sorted(roles)),
        table.c.unit_id.in_([str(u) for u in unit_ids]), _held_on(table, on or today_in_sweden()))).scalars())


__all__ = ["ROLE_ASSIGNED", "ROLE_ENDED", "ROLE_EVENT_TYPES", "RoleHolder", "apply_role_event", "role_handlers",
           "holders_at_unit", "holders_of_process", "today_in_sweden", "units_where_held"]
