"""Use cases of the organisation tree: one function per command, one unit of work each.

Each command loads what the domain rule needs (scoped by the caller's tenant),
lets the domain decide, and commits the new state, a history row, an audit
record and the domain's events together. A parent that is not in the caller's
tenant is treated exactly like one that does not exist.

`precondition` lets the caller (the API) check If-Match against the unit as
read inside the transaction, under the tenant's tree lock; the update is also
guarded by the revision it read, so a concurrent writer cannot be overwritten.
"""
from __future__ import annotations

from typing import Callable

import sqlalchemy as sa

from ordning_shared import idempotency
from ordning_shared.auth import Principal
from ordning_shared.db import utcnow
from ordning_shared.platform import Platform
from ordning_shared.problems import Conflict, NotFound, PreconditionFailed

from . import db
from .domain import OrgUnit, ParentNotFound

ENTITY_TYPE = "org_unit"
Precondition = Callable[[OrgUnit], None]


class UnitNotFound(NotFound):

    def __init__(self, unit_id):
        super().__init__("Enheten finns inte.", f"The org unit {unit_id} does not exist.")


class UnitIdTaken(Conflict):
    code = "id_taken"

    def __init__(self, unit_id):
        super().__init__(f"Id:t {unit_id} används redan.", f"The id {unit_id} is already in use.")


class StaleUnit(PreconditionFailed):

    def __init__(self, unit_id):
        super().__init__("Enheten ändrades av någon annan; läs om den.",
                         f"The org unit {unit_id} was changed by someone else; read it again.")


def _parent(uow, tenant: str, parent_id) -> OrgUnit | None:
    if parent_id is None:
        return None
    row = db.get_unit(uow, tenant, str(parent_id))
    if row is None:
        raise ParentNotFound("Den överordnade enheten finns inte.", f"The parent unit {parent_id} does not exist.")
    return db.to_domain(row)


def _load(uow, tenant: str, unit_id, precondition: Precondition | None) -> OrgUnit:
    row = db.get_unit(uow, tenant, str(unit_id))
    if row is None:
        raise UnitNotFound(unit_id)
    unit = db.to_domain(row)
    if precondition is not None:
        precondition(unit)
    return unit


def _save(uow, unit: OrgUnit, before: dict, previous_revision: int, *, change: str, principal: Principal,
          at) -> None:
    if not db.update_unit(uow, unit, previous_revision, at):
        raise StaleUnit(unit.id)
    db.insert_history(uow, unit, change=change, actor=principal.subject, at=at)
    uow.audit(tenant=unit.tenant, actor=principal.subject, action=f"org_unit.{change}", entity_type=ENTITY_TYPE,
              entity_id=unit.id, before=before, after=unit.state())
    for event in unit.pull_events():
        uow.add_event(event)


def create_unit(platform: Platform, principal: Principal, *, kind: str, name: str, parent_id=None,
                unit_id=None, claim: idempotency.IdempotencyClaim | None = None) -> str:
    tenant = principal.tenant
    unit_id = str(unit_id) if unit_id is not None else None
    with platform.uow() as uow:
        db.lock_tenant_tree(uow.connection, tenant)
        parent = _parent(uow, tenant, parent_id)
        if unit_id is not None and db.id_exists(uow, tenant, unit_id):
            raise UnitIdTaken(unit_id)
        unit = OrgUnit.create(tenant=tenant, kind=kind, name=name, parent=parent, unit_id=unit_id)
        at = utcnow()
        try:
            db.insert_unit(uow, unit, at)
        except sa.exc.IntegrityError:
            # The tenant's tree lock serialises its creates; only SQLite without the lock gets here.
            raise UnitIdTaken(unit.id) from None
        db.insert_history(uow, unit, change="created", actor=principal.subject, at=at)
        uow.audit(tenant=tenant, actor=principal.subject, action="org_unit.created", entity_type=ENTITY_TYPE,
                  entity_id=unit.id, before=None, after=unit.state())
        for event in unit.pull_events():
            uow.add_event(event)
        idempotency.record(claim, uow, unit.id)
        uow.commit()
    return unit.id


def rename_unit(platform: Platform, principal: Principal, unit_id, *, name: str,
                precondition: Precondition | None = None) -> OrgUnit:
    with platform.uow() as uow:
        db.lock_tenant_tree(uow.connection, principal.tenant)
        unit = _load(uow, principal.tenant, unit_id, precondition)
        before, revision = unit.state(), unit.revision
        unit.rename(name, utcnow())
        if unit.revision != revision:
            _save(uow, unit, before, revision, change="renamed", principal=principal, at=utcnow())
            uow.commit()
    return unit


def move_unit(platform: Platform, principal: Principal, unit_id, *, parent_id,
              precondition: Precondition | None = None) -> OrgUnit:
    tenant = principal.tenant
    with platform.uow() as uow:
        db.lock_tenant_tree(uow.connection, tenant)
        unit = _load(uow, tenant, unit_id, precondition)
        new_parent = _parent(uow, tenant, parent_id)
        chain = db.ancestors(uow, tenant, new_parent.id) if new_parent is not None else []
        before, revision = unit.state(), unit.revision
        unit.move(new_parent, chain)
        if unit.revision != revision:
            _save(uow, unit, before, revision, change="moved", principal=principal, at=utcnow())
            uow.commit()
    return unit


def close_unit(platform: Platform, principal: Principal, unit_id,
               precondition: Precondition | None = None) -> OrgUnit:
    tenant = principal.tenant
    with platform.uow() as uow:
        db.lock_tenant_tree(uow.connection, tenant)
        unit = _load(uow, tenant, unit_id, precondition)
        before, revision = unit.state(), unit.revision
        at = utcnow()
        unit.close(at, db.count_open_children(uow, tenant, unit.id))
        _save(uow, unit, before, revision, change="closed", principal=principal, at=at)
        uow.commit()
    return unit
