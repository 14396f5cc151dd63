"""Every service's own copy of the tenants' established processes and their steps, built from the processes
service's events.

With it a service checks, without a call, that a process it is given is an established process of the caller's
tenant (a risk analysis's scope) or that a step is a step of one (a deviation's process step, a delprocess
analysed as a risk). The copy holds ids, codes, dates and version numbers only: a process's name and its steps'
text stay in the processes service (GET /api/v1/processes/{id}), as the events carry none.

A step's id is stable across a process's versions; the copy knows a step once any established version named it,
so a link to a step survives a new version (and one removed by a later version stays known). Each
se.ordning.process.established.v1 / revised.v1 event carries the version established and its step ids, so the
copy converges when events arrive twice or out of order: a row keeps the newest version it has seen
(ordning_shared.db.write_if_newer), as the org-tree and roles copies do.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from .db import UnitOfWork, write_if_newer
from .events import require_source
from .problems import Unprocessable

PROCESS_ESTABLISHED = "se.ordning.process.established.v1"
PROCESS_REVISED = "se.ordning.process.revised.v1"
PROCESS_EVENT_TYPES = (PROCESS_ESTABLISHED, PROCESS_REVISED)


class UnknownProcess(Unprocessable):
    """A process id the copy does not know as an established process of the caller's tenant (another tenant's
    is answered the same, so its ids are never confirmed)."""

    code = "unknown_process"

    def __init__(self, process_id):
        super().__init__(f"Det finns ingen fastställd process med id {process_id}.",
                         f"There is no established process with id {process_id}.")


class UnknownProcessStep(Unprocessable):
    """A step id the copy does not know as a step of an established process of the caller's tenant; with
    `or_delprocess`, the request would have taken an established delprocess as well."""

    code = "unknown_process_step"

    def __init__(self, step_id, *, or_delprocess: bool = False):
        if or_delprocess:
            super().__init__(f"Det finns ingen delprocess eller inget steg i en fastställd process med id {step_id}.",
                             f"There is no subprocess or step of an established process with id {step_id}.")
        else:
            super().__init__(f"Det finns inget steg i en fastställd process med id {step_id}.",
                             f"There is no step of an established process with id {step_id}.")


def apply_process_event(uow: UnitOfWork, cloudevent) -> None:
    require_source(cloudevent, "processes")  # the process map is the processes service's truth
    tables = uow.tables
    data = cloudevent.get_data()
    tenant = cloudevent.get_attributes()["tenant"]
    process_id, version = str(data["process_id"]), int(data["version"])
    write_if_newer(uow.connection, tables.processes, {"tenant": tenant, "process_id": process_id}, {
        "unit_id": str(data["unit_id"]), "parent_id": data.get("parent_id"), "kind": data["kind"],
        "version": version, "established_on": date.fromisoformat(data["established_on"])})
    for step_id in data.get("step_ids") or ():
        write_if_newer(uow.connection, tables.process_steps, {"tenant": tenant, "step_id": str(step_id)},
                       {"process_id": process_id, "version": version})


def process_handlers() -> dict:
    return {event_type: apply_process_event for event_type in PROCESS_EVENT_TYPES}


def established_process(connection, tables, tenant: str, process_id: str):
    """The copy's row of the tenant's established process `process_id` (process_id, unit_id, parent_id, kind,
    version, established_on), or None: unknown, not yet established, or another tenant's."""
    table = tables.processes
    return connection.execute(sa.select(table).where(
        table.c.tenant == tenant, table.c.process_id == str(process_id).lower())).first()


def step_process_ids(connection, tables, tenant: str, step_ids) -> dict[str, str]:
    """step id -> the id of its process, for those of `step_ids` that are steps of the tenant's established
    processes (ids compared as the process map spells them: lower case)."""
    wanted = {str(step_id).lower() for step_id in step_ids}
    if not wanted:
        return {}
    table = tables.process_steps
    rows = connection.execute(sa.select(table.c.step_id, table.c.process_id).where(
        table.c.tenant == tenant, table.c.step_id.in_(sorted(wanted))))
    return {row.step_id: row.process_id for row in rows}


def unknown_step_ids(connection, tables, tenant: str, step_ids) -> set[str]:
    """Those of `step_ids` that are not steps of any established process of the tenant (as given)."""
    known = step_process_ids(connection, tables, tenant, step_ids)
    return {str(step_id) for step_id in step_ids if str(step_id).lower() not in known}


__all__ = ["PROCESS_ESTABLISHED", "PROCESS_REVISED", "PROCESS_EVENT_TYPES", "UnknownProcess", "UnknownProcessStep",
           "apply_process_event",
           "process_handlers", "established_process", "step_process_ids", "unknown_step_ids"]
