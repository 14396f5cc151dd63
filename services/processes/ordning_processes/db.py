"""The organisation tree's tables and the queries the service needs.

Every query is scoped by tenant, and a unit's key is (tenant, id): a client-chosen id says nothing of
the units of other tenants. `org_units` holds each unit's current state;
`org_unit_history` keeps one row per revision, so a rename or a move is never
lost. The parent of a unit must be in the same tenant: a composite foreign key
(tenant, parent_id) -> (tenant, id) holds this in the database too.
"""
from __future__ import annotations

import sqlalchemy as sa

from ordning_shared.db import Id, PlatformTables, UTCDateTime, new_metadata
from ordning_shared.orgtree import ancestor_ids, subtree_select

from .domain import NAME_MAX_LENGTH, UNIT_KIND_LABELS_SV, OrgUnit, UnitKind

metadata = new_metadata()
# A unit's whole state may be audited with its values: unit names are public organisational data
# (docs/decisions.md, "Unit names in events").
tables = PlatformTables(metadata, org_replica=False, audit_value_fields={
    "org_unit": frozenset({"unit_id", "kind", "name", "parent_id", "closed_at", "revision"})})

KINDS = tuple(kind.value for kind in UnitKind)
CHANGES = ("created", "renamed", "moved", "closed")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


org_units = sa.Table(
    "org_units", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="id", primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("name", sa.String(NAME_MAX_LENGTH), nullable=False),
    Id(name="parent_id"),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(["tenant", "parent_id"], ["org_units.tenant", "org_units.id"],
                            name="fk_org_units_parent_same_tenant"),
    sa.CheckConstraint(_in("kind", KINDS), name="kind"),
    sa.CheckConstraint("revision >= 1", name="revision_positive"),
    sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    sa.Index("ix_org_units_tenant_parent", "tenant", "parent_id"),
)

org_unit_history = sa.Table(
    "org_unit_history", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    Id(name="unit_id", nullable=False),
    sa.Column("tenant", sa.String(16), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("change", sa.String(20), nullable=False),
    sa.Column("name", sa.String(NAME_MAX_LENGTH), nullable=False),
    Id(name="parent_id"),
    sa.UniqueConstraint("tenant", "unit_id", "revision", name="uq_org_unit_history_tenant_unit_revision"),
    sa.ForeignKeyConstraint(["tenant", "unit_id"], ["org_units.tenant", "org_units.id"],
                            name="fk_org_unit_history_unit_same_tenant"),
    sa.CheckConstraint(_in("change", CHANGES), name="change"),
    sa.Index("ix_org_unit_history_tenant_unit", "tenant", "unit_id"),
)


# --- rows <-> domain --------------------------------------------------------

def to_domain(row) -> OrgUnit:
    return OrgUnit(id=row.id, tenant=row.tenant, kind=row.kind, name=row.name, parent_id=row.parent_id,
                   closed_at=row.closed_at, revision=row.revision)


def view(unit) -> dict:
    """A row or an OrgUnit as the API shows it."""
    kind = UnitKind(unit.kind)
    return {"id": unit.id, "kind": kind.value, "kind_label_sv": UNIT_KIND_LABELS_SV[kind], "name": unit.name,
            "parent_id": unit.parent_id, "closed_at": unit.closed_at, "revision": unit.revision}


# --- queries (conn: a Connection or a UnitOfWork: anything with .execute) ---

def get_unit(conn, tenant: str, unit_id: str):
    return conn.execute(sa.select(org_units).where(org_units.c.tenant == tenant,
                                                   org_units.c.id == str(unit_id))).first()


def id_exists(conn, tenant: str, unit_id: str) -> bool:
    """Whether the tenant has a unit with this id (another tenant's units are not looked at)."""
    return get_unit(conn, tenant, unit_id) is not None


def count_open_children(conn, tenant: str, unit_id: str) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(org_units).where(
        org_units.c.tenant == tenant, org_units.c.parent_id == str(unit_id), org_units.c.closed_at.is_(None),
    )).scalar_one()


def ancestors(conn, tenant: str, unit_id: str) -> list[str]:
    """[unit_id, parent, ..., root] within the tenant; [] if the unit is not there."""
    return ancestor_ids(conn, org_units, tenant, str(unit_id))


def subtree(tenant: str, roots) -> sa.Select:
    return subtree_select(org_units, tenant, [str(r) for r in roots])


def list_units(conn, tenant: str, *, include_closed: bool = False, kind: str | None = None,
               under: str | None = None) -> list:
    query = sa.select(org_units).where(org_units.c.tenant == tenant)
    if not include_closed:
        query = query.where(org_units.c.closed_at.is_(None))
    if kind is not None:
        query = query.where(org_units.c.kind == kind)
    if under is not None:
        query = query.where(org_units.c.id.in_(subtree(tenant, [under])))
    return list(conn.execute(query.order_by(org_units.c.name, org_units.c.id)).all())


def history(conn, tenant: str, unit_id: str) -> list:
    h = org_unit_history
    return list(conn.execute(sa.select(h).where(h.c.tenant == tenant, h.c.unit_id == str(unit_id))
                             .order_by(h.c.revision)).all())


def insert_unit(conn, unit: OrgUnit, at) -> None:
    conn.execute(org_units.insert().values(
        id=unit.id, tenant=unit.tenant, kind=unit.kind.value, name=unit.name, parent_id=unit.parent_id,
        closed_at=unit.closed_at, revision=unit.revision, created_at=at, updated_at=at))


def update_unit(conn, unit: OrgUnit, previous_revision: int, at) -> bool:
    """Write the unit's new state if nobody changed it meanwhile; False if someone did."""
    result = conn.execute(org_units.update().where(
        org_units.c.tenant == unit.tenant, org_units.c.id == unit.id, org_units.c.revision == previous_revision,
    ).values(name=unit.name, parent_id=unit.parent_id, closed_at=unit.closed_at, revision=unit.revision,
             updated_at=at))
    return result.rowcount == 1


def insert_history(conn, unit: OrgUnit, *, change: str, actor: str, at) -> None:
    conn.execute(org_unit_history.insert().values(
        unit_id=unit.id, tenant=unit.tenant, revision=unit.revision, at=at, actor=actor, change=change,
        name=unit.name, parent_id=unit.parent_id))


def lock_tenant_tree(connection, tenant: str) -> None:
    """Serialise changes to one tenant's tree on PostgreSQL (a transaction-scoped
    advisory lock), so that two concurrent moves cannot make a cycle and a unit
    cannot be closed while a child is added under it. SQLite has one writer anyway."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(
            sa.func.hashtextextended(sa.literal("ordning.org_units:" + tenant), 0))))


__all__ = ["metadata", "tables", "org_units", "org_unit_history"]
