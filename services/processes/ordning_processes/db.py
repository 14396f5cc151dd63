"""The organisation tree's tables and the queries the service needs.

Every query is scoped by tenant, and a unit's key is (tenant, id): a client-chosen id says nothing of
the units of other tenants. `org_units` holds each unit's current state;
`org_unit_history` keeps one row per revision, so a rename or a move is never
lost. The parent of a unit must be in the same tenant: a composite foreign key
(tenant, parent_id) -> (tenant, id) holds this in the database too.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ordning_shared import pagination
from ordning_shared.db import Id, PlatformTables, UTCDateTime, insert_if_absent, new_metadata
from ordning_shared.orgtree import ancestor_ids, subtree_select

from .domain import (DISPLAY_NAME_MAX_LENGTH, DUTY_ROLES, NAME_MAX_LENGTH, UNIT_KIND_LABELS_SV, OrgUnit, PdcaPhase,
                     Process, ProcessKind, ProcessStep, ProcessVersion, ProcessVersionStatus, RoleAssignment, RoleKind,
                     Samverkan, SamverkanActor, UnitKind)
from .domain import documents as docdomain
from .domain import goals as goal_domain


metadata = new_metadata()
# A unit's whole state may be audited with its values: unit names are public organisational data
# (docs/decisions.md, "Unit names in events").
tables = PlatformTables(metadata, org_replica=False, audit_value_fields={
    "org_unit": frozenset({"unit_id", "kind", "name", "parent_id", "closed_at", "revision"})})

KINDS = tuple(kind.value for kind in UnitKind)
CHANGES = ("created", "renamed", "moved", "closed", "external_provider")


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
    sa.Column("external_provider", sa.Boolean, nullable=False, server_default=sa.false()),  # migration 0008
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
                   closed_at=row.closed_at, revision=row.revision,
                   external_provider=bool(getattr(row, "external_provider", False)))


def view(unit) -> dict:
    """A row or an OrgUnit as the API shows it."""
    kind = UnitKind(unit.kind)
    return {"id": unit.id, "kind": kind.value, "kind_label_sv": UNIT_KIND_LABELS_SV[kind], "name": unit.name,
            "parent_id": unit.parent_id, "closed_at": unit.closed_at, "revision": unit.revision,
            "external_provider": bool(getattr(unit, "external_provider", False))}


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
        closed_at=unit.closed_at, revision=unit.revision, created_at=at, updated_at=at,
        external_provider=unit.external_provider))


def update_unit(conn, unit: OrgUnit, previous_revision: int, at) -> bool:
    """Write the unit's new state if nobody changed it meanwhile; False if someone did."""
    result = conn.execute(org_units.update().where(
        org_units.c.tenant == unit.tenant, org_units.c.id == unit.id, org_units.c.revision == previous_revision,
    ).values(name=unit.name, parent_id=unit.parent_id, closed_at=unit.closed_at, revision=unit.revision,
             updated_at=at, external_provider=unit.external_provider))
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


# =============================================================================================================
# Governing documents (styrdokument) — proc-docs
# =============================================================================================================
# `documents` holds a document's fixed facts (kind, owner unit) and, for lists, a copy of its headline: the
# title and review date of the version in force (or of the draft while none is), which version is in force and
# which is in the works. `document_versions` holds every version with its title, text and links; an
# established one is never rewritten except its status (superseded) and its review date. `document_units`
# holds the units whose employees read the version in force: the owner and the linked units, replaced when a
# version is established. `document_settings` holds a tenant's choice on approving one's own draft.


DOCUMENT_KINDS = tuple(kind.value for kind in docdomain.DocumentKind)
VERSION_STATUSES = tuple(status.value for status in docdomain.VersionStatus)
tables.audit_value_fields["document_version"] = frozenset({
    "document_id", "kind", "owner_unit_id", "number", "status", "unit_ids", "step_ids", "established_at",
    "review_date", "superseded_at", "revision"})
tables.audit_value_fields["document_settings"] = frozenset({"self_approval_allowed"})

documents = sa.Table(
    "documents", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="id", primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    Id(name="owner_unit_id", nullable=False),
    sa.Column("title", sa.String(docdomain.TITLE_MAX_LENGTH), nullable=False),
    sa.Column("in_force_version", sa.Integer),
    sa.Column("in_works_version", sa.Integer),
    sa.Column("in_works_author", sa.String(200)),
    sa.Column("review_date", sa.Date),
    # The document's revision: one more with each of its events (their sequence).
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(["tenant", "owner_unit_id"], ["org_units.tenant", "org_units.id"],
                            name="fk_documents_owner_unit_same_tenant"),
    sa.CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind"),
    sa.CheckConstraint("in_force_version IS NOT NULL OR in_works_version IS NOT NULL", name="has_a_version"),
    sa.Index("ix_documents_tenant_owner", "tenant", "owner_unit_id"),
)

document_versions = sa.Table(
    "document_versions", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="document_id", primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("title", sa.String(docdomain.TITLE_MAX_LENGTH), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("unit_ids", sa.JSON, nullable=False),
    sa.Column("step_ids", sa.JSON, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("submitted_at", UTCDateTime),
    sa.Column("submitted_by", sa.String(200)),
    sa.Column("established_at", UTCDateTime),
    sa.Column("established_by", sa.String(200)),
    sa.Column("decision_reference", sa.String(docdomain.DECISION_REFERENCE_MAX_LENGTH)),
    sa.Column("review_date", sa.Date),
    sa.Column("superseded_at", UTCDateTime),
    sa.Column("rejected_reason", sa.Text),
    # The review-due job's marker: set in the same transaction as the event, so two workers emit it once.
    sa.Column("review_due_notified_at", UTCDateTime),
    sa.ForeignKeyConstraint(["tenant", "document_id"], ["documents.tenant", "documents.id"],
                            name="fk_document_versions_document_same_tenant"),
    sa.CheckConstraint(_in("status", VERSION_STATUSES), name="status"),
    sa.CheckConstraint("number >= 1", name="number_positive"),
    sa.CheckConstraint("status NOT IN ('established', 'superseded') OR (established_at IS NOT NULL AND "
                       "established_by IS NOT NULL AND decision_reference IS NOT NULL AND review_date IS NOT NULL)",
                       name="established_has_decision"),
    sa.Index("ix_document_versions_review_due", "status", "review_date"),
)

document_units = sa.Table(
    "document_units", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="document_id", primary_key=True),
    Id(name="unit_id", primary_key=True),
    sa.ForeignKeyConstraint(["tenant", "document_id"], ["documents.tenant", "documents.id"],
                            name="fk_document_units_document_same_tenant"),
    sa.ForeignKeyConstraint(["tenant", "unit_id"], ["org_units.tenant", "org_units.id"],
                            name="fk_document_units_unit_same_tenant"),
    sa.Index("ix_document_units_tenant_unit", "tenant", "unit_id"),
)

document_settings = sa.Table(
    "document_settings", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("self_approval_allowed", sa.Boolean, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)


def _dialect(conn) -> str:
    """A Connection's or a UnitOfWork's database dialect."""
    return conn.dialect_name if hasattr(conn, "dialect_name") else conn.dialect.name


def version_to_domain(document, row) -> docdomain.DocumentVersion:
    return docdomain.DocumentVersion(
        tenant=row.tenant, document_id=row.document_id, kind=docdomain.DocumentKind(document.kind),
        owner_unit_id=document.owner_unit_id, number=row.number, status=docdomain.VersionStatus(row.status),
        title=row.title, body=row.body, unit_ids=list(row.unit_ids), step_ids=list(row.step_ids), author=row.author,
        created_at=row.created_at, revision=row.revision, submitted_at=row.submitted_at,
        submitted_by=row.submitted_by, established_at=row.established_at, established_by=row.established_by,
        decision_reference=row.decision_reference, review_date=row.review_date, superseded_at=row.superseded_at,
        rejected_reason=row.rejected_reason, document_revision=document.revision)


def get_document(conn, tenant: str, document_id: str, *, for_update: bool = False):
    query = sa.select(documents).where(documents.c.tenant == tenant, documents.c.id == str(document_id))
    if for_update and _dialect(conn) == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def get_version(conn, tenant: str, document_id: str, number: int):
    v = document_versions
    return conn.execute(sa.select(v).where(v.c.tenant == tenant, v.c.document_id == str(document_id),
                                           v.c.number == number)).first()


def list_versions(conn, tenant: str, document_id: str) -> list:
    v = document_versions
    return list(conn.execute(sa.select(v).where(v.c.tenant == tenant, v.c.document_id == str(document_id))
                             .order_by(v.c.number.desc())).all())


def get_settings(conn, tenant: str):
    return conn.execute(sa.select(document_settings).where(document_settings.c.tenant == tenant)).first()


def self_approval_allowed(conn, tenant: str) -> bool:
    row = get_settings(conn, tenant)
    return bool(row and row.self_approval_allowed)  # forbidden unless the tenant allows it


def save_settings(conn, tenant: str, *, self_approval_allowed: bool, previous_revision: int, at) -> int:
    """The settings' new revision; 0 when someone changed them since `previous_revision`."""
    if previous_revision == 0:
        try:
            with getattr(conn, "connection", conn).begin_nested():
                conn.execute(document_settings.insert().values(
                    tenant=tenant, self_approval_allowed=self_approval_allowed, revision=1, updated_at=at))
        except sa.exc.IntegrityError:
            return 0
        return 1
    result = conn.execute(document_settings.update().where(
        document_settings.c.tenant == tenant, document_settings.c.revision == previous_revision,
    ).values(self_approval_allowed=self_approval_allowed, revision=previous_revision + 1, updated_at=at))
    return previous_revision + 1 if result.rowcount == 1 else 0


def _version_values(version: docdomain.DocumentVersion) -> dict:
    return dict(status=version.status.value, title=version.title, body=version.body, unit_ids=version.unit_ids,
                step_ids=version.step_ids, revision=version.revision, submitted_at=version.submitted_at,
                submitted_by=version.submitted_by, established_at=version.established_at,
                established_by=version.established_by, decision_reference=version.decision_reference,
                review_date=version.review_date, superseded_at=version.superseded_at,
                rejected_reason=version.rejected_reason)


def insert_document(conn, version: docdomain.DocumentVersion, at) -> None:
    conn.execute(documents.insert().values(
        tenant=version.tenant, id=version.document_id, kind=version.kind.value, owner_unit_id=version.owner_unit_id,
        title=version.title, in_force_version=None, in_works_version=version.number, in_works_author=version.author,
        review_date=None, revision=version.document_revision, created_at=at, updated_at=at))


def insert_version(conn, version: docdomain.DocumentVersion, at) -> None:
    conn.execute(document_versions.insert().values(
        tenant=version.tenant, document_id=version.document_id, number=version.number, author=version.author,
        created_at=version.created_at, updated_at=at, **_version_values(version)))


def update_version(conn, version: docdomain.DocumentVersion, previous_revision: int, at, *,
                   reset_review_marker: bool = False) -> bool:
    v = document_versions
    values = _version_values(version)
    if reset_review_marker:
        values["review_due_notified_at"] = None
    result = conn.execute(v.update().where(
        v.c.tenant == version.tenant, v.c.document_id == version.document_id, v.c.number == version.number,
        v.c.revision == previous_revision).values(updated_at=at, **values))
    return result.rowcount == 1


def refresh_headline(conn, tenant: str, document_id: str, at, revision: int | None = None) -> None:
    """Copy the headline of the version in force (or of the one in the works) onto the document, and the units
    that read the version in force onto document_units."""
    rows = list_versions(conn, tenant, document_id)
    in_force = next((r for r in rows if r.status == docdomain.VersionStatus.ESTABLISHED.value), None)
    in_works = next((r for r in rows if r.status in (docdomain.VersionStatus.DRAFT.value,
                                                     docdomain.VersionStatus.FOR_APPROVAL.value)), None)
    headline = in_force or in_works
    conn.execute(documents.update().where(documents.c.tenant == tenant, documents.c.id == str(document_id)).values(
        title=headline.title, review_date=in_force.review_date if in_force else None,
        in_force_version=in_force.number if in_force else None,
        in_works_version=in_works.number if in_works else None,
        in_works_author=in_works.author if in_works else None, updated_at=at,
        **({"revision": revision} if revision is not None else {})))
    if in_force is not None:
        document = get_document(conn, tenant, document_id)
        units = list(dict.fromkeys([document.owner_unit_id, *in_force.unit_ids]))
        conn.execute(document_units.delete().where(document_units.c.tenant == tenant,
                                                   document_units.c.document_id == str(document_id)))
        conn.execute(document_units.insert(), [{"tenant": tenant, "document_id": str(document_id), "unit_id": u}
                                               for u in units])


def existing_unit_ids(conn, tenant: str, unit_ids) -> set[str]:
    """Which of these ids are units of this tenant (another tenant's units are not looked at)."""
    ids = [str(u) for u in unit_ids]
    if not ids:
        return set()
    return set(conn.execute(sa.select(org_units.c.id).where(org_units.c.tenant == tenant,
                                                            org_units.c.id.in_(ids))).scalars())


def readable_unit_ids(conn, tenant: str, unit_ids) -> set[str]:
    """The units whose established documents an employee of `unit_ids` reads: those units and every unit above
    them (a routine for a förvaltning is a routine for each of its units)."""
    seen: set[str] = set()
    for unit_id in unit_ids:
        seen.update(ancestors(conn, tenant, str(unit_id)))
    return seen


DOCUMENT_SORT_COLUMNS = {"title": documents.c.title, "updated_at": documents.c.updated_at,
                         "review_date": documents.c.review_date}
DEFAULT_DOCUMENT_SORT = pagination.Sort("title")


@dataclass
class DocumentFilter:
    readable_units: set          # units whose established documents the person reads
    draft_scope: object          # None: no drafts but one's own; True: every draft; a select of unit ids: those
    subject: str
    kind: str | None = None
    unit: str | None = None
    status: str | None = None    # established | in_works
    q: str | None = None
    sort: pagination.Sort = DEFAULT_DOCUMENT_SORT
    cursor: str | None = None
    limit: int = 50


@dataclass
class DocumentPage:
    rows: list
    next_cursor: str | None


def list_documents(conn, tenant: str, flt: DocumentFilter) -> DocumentPage:
    d = documents
    column = DOCUMENT_SORT_COLUMNS[flt.sort.key]
    position = None if flt.cursor is None else pagination.decode_cursor(flt.cursor, flt.sort, column)
    reads_in_force = sa.and_(d.c.in_force_version.is_not(None), sa.exists().where(
        document_units.c.tenant == tenant, document_units.c.document_id == d.c.id,
        document_units.c.unit_id.in_(sorted(flt.readable_units) or [""])))
    sees_draft = d.c.in_works_author == flt.subject
    if flt.draft_scope is True:
        sees_draft = d.c.in_works_version.is_not(None)
    elif flt.draft_scope is not None:
        sees_draft = sa.or_(sees_draft, sa.and_(d.c.in_works_version.is_not(None),
                                                d.c.owner_unit_id.in_(flt.draft_scope)))
    where = [d.c.tenant == tenant, sa.or_(reads_in_force, sees_draft)]
    if flt.kind:
        where.append(d.c.kind == flt.kind)
    if flt.unit:
        where.append(sa.or_(d.c.owner_unit_id == flt.unit, sa.exists().where(
            document_units.c.tenant == tenant, document_units.c.document_id == d.c.id,
            document_units.c.unit_id == flt.unit)))
    if flt.status == "established":
        where.append(d.c.in_force_version.is_not(None))
    elif flt.status == "in_works":
        where.append(sa.and_(d.c.in_works_version.is_not(None), sees_draft))
    if flt.q:
        pattern = "%" + flt.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(d.c.title.ilike(pattern, escape="\\"))
    if position is not None:
        where.append(pagination.after(column, d.c.id, flt.sort, *position))
    rows = list(conn.execute(sa.select(d, reads_in_force.label("reads_in_force"), sees_draft.label("sees_draft"))
                             .where(*where).order_by(*pagination.order_by(column, d.c.id, flt.sort))
                             .limit(flt.limit + 1)).all())
    if len(rows) <= flt.limit:
        return DocumentPage(rows, None)
    last = rows[flt.limit - 1]
    return DocumentPage(rows[:flt.limit], pagination.encode_cursor(flt.sort, last._mapping[column.name], last.id))


def claim_due_reviews(conn, today, limit: int = 100) -> list:
    """Established versions whose review date has come and whose review-due event is not yet out, locked for
    this transaction; a second worker skips the rows this one holds and, once it commits, sees the marker."""
    v = document_versions
    query = (sa.select(v.c.tenant, v.c.document_id, v.c.number, v.c.review_date, documents.c.kind,
                       documents.c.owner_unit_id)
             .join(documents, sa.and_(documents.c.tenant == v.c.tenant, documents.c.id == v.c.document_id))
             .where(v.c.status == docdomain.VersionStatus.ESTABLISHED.value, v.c.review_date <= today,
                    v.c.review_due_notified_at.is_(None))
             .order_by(v.c.review_date, v.c.document_id).limit(limit))
    if _dialect(conn) == "postgresql":
        query = query.with_for_update(of=v, skip_locked=True)
    return list(conn.execute(query).all())


def mark_review_due_notified(conn, row, at) -> int | None:
    """Set the marker; the document's new revision for the event, or None if another worker set it first."""
    v = document_versions
    result = conn.execute(v.update().where(
        v.c.tenant == row.tenant, v.c.document_id == row.document_id, v.c.number == row.number,
        v.c.review_due_notified_at.is_(None)).values(review_due_notified_at=at))
    if result.rowcount != 1:
        return None
    return conn.execute(documents.update().where(
        documents.c.tenant == row.tenant, documents.c.id == row.document_id,
    ).values(revision=documents.c.revision + 1).returning(documents.c.revision)).scalar_one()


# =====================================================================================================
# Roles and duties (issue 11): who holds which role where, and each role's duties per PDCA phase.
# =====================================================================================================


# The holder's user id and name are people: the audit trail keeps their field names only.
tables.audit_value_fields.update({
    "role_assignment": frozenset({"assignment_id", "role", "unit_id", "process_id", "valid_from", "valid_to",
                                  "ended_at", "version"}),
    "role_duties": frozenset({"role", "phase", "version"}),
})

ROLE_CODES = tuple(role.value for role in RoleKind)
PHASES = tuple(phase.value for phase in PdcaPhase)

role_assignments = sa.Table(
    "role_assignments", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="id", primary_key=True),
    sa.Column("role", sa.String(40), nullable=False),
    Id(name="unit_id"),
    Id(name="process_id"),  # a process of the tenant's map (service.check_process_exists)
    sa.Column("user_id", sa.String(200), nullable=False),
    sa.Column("display_name", sa.String(DISPLAY_NAME_MAX_LENGTH), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_to", sa.Date),
    sa.Column("assigned_at", UTCDateTime, nullable=False),
    sa.Column("assigned_by", sa.String(200), nullable=False),
    sa.Column("ended_at", UTCDateTime),
    sa.Column("ended_by", sa.String(200)),
    sa.Column("version", sa.Integer, nullable=False),
    sa.ForeignKeyConstraint(["tenant", "unit_id"], ["org_units.tenant", "org_units.id"],
                            name="fk_role_assignments_unit_same_tenant"),
    sa.CheckConstraint(_in("role", ROLE_CODES), name="role"),
    sa.CheckConstraint("(unit_id IS NULL) <> (process_id IS NULL)", name="unit_or_process"),
    sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period"),
    sa.CheckConstraint("version >= 1", name="version_positive"),
    sa.Index("ix_role_assignments_tenant_unit", "tenant", "unit_id"),
    sa.Index("ix_role_assignments_tenant_process", "tenant", "process_id"),
    sa.Index("ix_role_assignments_tenant_user", "tenant", "user_id"),
)

# A tenant's own wording of a role's duties in a phase; where it has none, the Öckerö seed is its wording.
role_duties = sa.Table(
    "role_duties", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("role", sa.String(40), primary_key=True),
    sa.Column("phase", sa.String(20), primary_key=True),
    sa.Column("duties", sa.JSON, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.CheckConstraint(_in("role", DUTY_ROLES), name="role"),
    sa.CheckConstraint(_in("phase", PHASES), name="phase"),
    sa.CheckConstraint("version >= 2", name="version_after_seed"),  # the seed is version 1
)


def assignment_to_domain(row) -> RoleAssignment:
    return RoleAssignment(id=row.id, tenant=row.tenant, role=row.role, user_id=row.user_id,
                          display_name=row.display_name, valid_from=row.valid_from, valid_to=row.valid_to,
                          unit_id=row.unit_id, process_id=row.process_id, assigned_at=row.assigned_at,
                          ended_at=row.ended_at, version=row.version)


def get_assignment(conn, tenant: str, assignment_id: str):
    t = role_assignments
    return conn.execute(sa.select(t).where(t.c.tenant == tenant, t.c.id == str(assignment_id))).first()


def list_assignments(conn, tenant: str, *, unit_id=None, process_id=None, role=None, user_id=None,
                     current_on=None, units=None) -> list:
    """The tenant's assignments by the filters; `current_on` (a date): only those held that day; `units`: only
    those at these units (a person's units and the units below them)."""
    t = role_assignments
    query = sa.select(t).where(t.c.tenant == tenant)
    if unit_id is not None:
        query = query.where(t.c.unit_id == str(unit_id))
    if process_id is not None:
        query = query.where(t.c.process_id == str(process_id))
    if role is not None:
        query = query.where(t.c.role == role)
    if user_id is not None:
        query = query.where(t.c.user_id == user_id)
    if current_on is not None:
        query = query.where(t.c.ended_at.is_(None), t.c.valid_from <= current_on,
                            sa.or_(t.c.valid_to.is_(None), t.c.valid_to >= current_on))
    if units is not None:
        query = query.where(t.c.unit_id.in_(units))
    return list(conn.execute(query.order_by(t.c.role, t.c.valid_from, t.c.id)).all())


def insert_assignment(conn, assignment: RoleAssignment, *, by: str) -> None:
    conn.execute(role_assignments.insert().values(
        tenant=assignment.tenant, id=assignment.id, role=assignment.role.value, unit_id=assignment.unit_id,
        process_id=assignment.process_id, user_id=assignment.user_id, display_name=assignment.display_name,
        valid_from=assignment.valid_from, valid_to=assignment.valid_to, assigned_at=assignment.assigned_at,
        assigned_by=by, ended_at=None, version=assignment.version))


def end_assignment(conn, assignment: RoleAssignment, previous_version: int, *, by: str) -> bool:
    t = role_assignments
    result = conn.execute(t.update().where(
        t.c.tenant == assignment.tenant, t.c.id == assignment.id, t.c.version == previous_version,
    ).values(valid_to=assignment.valid_to, ended_at=assignment.ended_at, ended_by=by, version=assignment.version))
    return result.rowcount == 1


def tenant_duties(conn, tenant: str, *, role=None, phase=None) -> dict:
    """(role, phase) -> row of the tenant's own wordings."""
    t = role_duties
    query = sa.select(t).where(t.c.tenant == tenant)
    if role is not None:
        query = query.where(t.c.role == role)
    if phase is not None:
        query = query.where(t.c.phase == phase)
    return {(row.role, row.phase): row for row in conn.execute(query)}


def write_duties(conn, tenant: str, role: str, phase: str, duties: list[str], *, read_version: int,
                 by: str, at) -> bool:
    """Store the tenant's wording if nobody changed it since `read_version` (1: the seed); False if someone did."""
    t = role_duties
    values = {"duties": duties, "version": read_version + 1, "updated_at": at, "updated_by": by}
    if read_version == 1:
        return insert_if_absent(conn if isinstance(conn, sa.Connection) else conn.connection, t,
                                {"tenant": tenant, "role": role, "phase": phase, **values})
    result = conn.execute(t.update().where(t.c.tenant == tenant, t.c.role == role, t.c.phase == phase,
                                           t.c.version == read_version).values(**values))
    return result.rowcount == 1


__all__ = ["metadata", "tables", "org_units", "org_unit_history", "role_assignments", "role_duties", "processes",
           "process_versions", "process_steps", "quality_goals", "goal_indicators", "goal_measurements"]


# =============================================================================
# The process map (proc-map): processes and their versions
# =============================================================================
# A process's shape (unit, kind, parent) is a row of `processes`; each version's content (name, purpose,
# owner, ordered steps with their stable ids) is a row of `process_versions`, the steps as JSON: a version is
# read and written whole, and an established version is never written again. The unit and the parent process
# must be in the process's tenant: composite foreign keys hold this in the database too.


tables.audit_value_fields["process"] = frozenset({
    "process_id", "unit_id", "parent_id", "kind", "template_code", "version", "status", "owner_role",
    "established_on", "revision"})

PROCESS_KINDS = tuple(k.value for k in ProcessKind)
PROCESS_VERSION_STATUSES = tuple(s.value for s in ProcessVersionStatus)

processes = sa.Table(
    "processes", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="id", primary_key=True),
    Id(name="unit_id", nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    Id(name="parent_id"),
    sa.Column("template_code", sa.String(60)),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(["tenant", "unit_id"], ["org_units.tenant", "org_units.id"],
                            name="fk_processes_unit_same_tenant"),
    sa.ForeignKeyConstraint(["tenant", "parent_id"], ["processes.tenant", "processes.id"],
                            name="fk_processes_parent_same_tenant"),
    sa.CheckConstraint(_in("kind", PROCESS_KINDS), name="kind"),
    sa.CheckConstraint("revision >= 1", name="revision_positive"),
    sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    sa.Index("ix_processes_tenant_unit", "tenant", "unit_id"),
    sa.Index("ix_processes_tenant_parent", "tenant", "parent_id"),
)

process_versions = sa.Table(
    "process_versions", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="process_id", primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("name", sa.String(NAME_MAX_LENGTH), nullable=False),
    sa.Column("purpose", sa.Text),
    sa.Column("owner_role", sa.String(40), nullable=False),
    sa.Column("owner_user_id", sa.String(200)),
    sa.Column("steps", sa.JSON, nullable=False),  # [ProcessStep.as_dict()], in order
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("established_at", UTCDateTime),
    sa.Column("established_by", sa.String(200)),
    sa.Column("established_on", sa.Date),
    sa.Column("decision_reference", sa.String(200)),
    sa.ForeignKeyConstraint(["tenant", "process_id"], ["processes.tenant", "processes.id"],
                            name="fk_process_versions_process_same_tenant"),
    sa.CheckConstraint(_in("status", PROCESS_VERSION_STATUSES), name="status"),
    sa.CheckConstraint("number >= 1", name="number_positive"),
    # At most one draft and one established version per process, whatever a buggy writer tries.
    sa.Index("uq_process_versions_one_draft", "tenant", "process_id", unique=True,
             postgresql_where=sa.text("status = 'draft'"), sqlite_where=sa.text("status = 'draft'")),
    sa.Index("uq_process_versions_one_established", "tenant", "process_id", unique=True,
             postgresql_where=sa.text("status = 'established'"), sqlite_where=sa.text("status = 'established'")),
)

# Every step id of every version of a process (drafts too), one row each: the lookup that tells whether an id is
# one of the tenant's process steps (documents link steps) without reading the versions' JSON. Kept by
# save_process in the same transaction as the versions; a step id belongs to one process (the domain refuses
# another process's ids), so (tenant, step_id) is its key.
process_steps = sa.Table(
    "process_steps", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="step_id", primary_key=True),
    Id(name="process_id", nullable=False),
    sa.ForeignKeyConstraint(["tenant", "process_id"], ["processes.tenant", "processes.id"],
                            name="fk_process_steps_process_same_tenant"),
    sa.Index("ix_process_steps_tenant_process", "tenant", "process_id"),
)


def _version_from_row(row) -> ProcessVersion:
    steps = [ProcessStep(id=s["id"], name=s["name"], description=s.get("description"),
                         roles=tuple(RoleKind(r) for r in s.get("roles", ())), inputs=tuple(s.get("inputs", ())),
                         outputs=tuple(s.get("outputs", ())),
                         samverkan=tuple(Samverkan(SamverkanActor(x["actor"]), x.get("note"))
                                         for x in s.get("samverkan", ())))
             for s in row.steps]
    return ProcessVersion(number=row.number, status=ProcessVersionStatus(row.status), name=row.name, purpose=row.purpose,
                          owner_role=RoleKind(row.owner_role), owner_user_id=row.owner_user_id, steps=steps,
                          created_at=row.created_at, created_by=row.created_by, established_at=row.established_at,
                          established_by=row.established_by, established_on=row.established_on,
                          decision_reference=row.decision_reference)


def get_process(conn, tenant: str, process_id: str, *, for_update: bool = False) -> Process | None:
    query = sa.select(processes).where(processes.c.tenant == tenant, processes.c.id == str(process_id))
    if for_update and getattr(conn, "connection", conn).dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        return None
    versions = conn.execute(sa.select(process_versions).where(
        process_versions.c.tenant == tenant, process_versions.c.process_id == row.id,
    ).order_by(process_versions.c.number)).all()
    return Process(id=row.id, tenant=row.tenant, unit_id=row.unit_id, kind=ProcessKind(row.kind),
                   parent_id=row.parent_id, template_code=row.template_code,
                   versions=[_version_from_row(v) for v in versions], revision=row.revision)


def list_processes(conn, tenant: str, *, unit_ids=None, kind: str | None = None) -> list[Process]:
    query = sa.select(processes.c.id).where(processes.c.tenant == tenant)
    if unit_ids is not None:
        query = query.where(processes.c.unit_id.in_([str(u) for u in unit_ids]))
    if kind is not None:
        query = query.where(processes.c.kind == kind)
    ids = [r.id for r in conn.execute(query.order_by(processes.c.created_at, processes.c.id)).all()]
    return [get_process(conn, tenant, i) for i in ids]


def process_ancestors(conn, tenant: str, process_id: str) -> list[str]:
    """[process_id, parent, ..., top] within the tenant; stops at a repeat, so a bad row cannot loop."""
    chain, current = [], str(process_id)
    while current is not None and current not in chain:
        row = conn.execute(sa.select(processes.c.parent_id).where(
            processes.c.tenant == tenant, processes.c.id == current)).first()
        if row is None:
            break
        chain.append(current)
        current = row.parent_id
    return chain


def _process_version_values(process: Process, version: ProcessVersion) -> dict:
    return {"status": version.status.value, "name": version.name, "purpose": version.purpose,
            "owner_role": version.owner_role.value, "owner_user_id": version.owner_user_id,
            "steps": [s.as_dict() for s in version.steps], "established_at": version.established_at,
            "established_by": version.established_by, "established_on": version.established_on,
            "decision_reference": version.decision_reference}


def save_process(conn, process: Process, previous_revision: int | None, at) -> bool:
    """Insert (previous_revision None) or update the process and write every version that may have changed
    (drafts and the status of the others); False if someone changed it meanwhile."""
    values = {"unit_id": process.unit_id, "kind": process.kind.value, "parent_id": process.parent_id,
              "template_code": process.template_code, "revision": process.revision, "updated_at": at}
    if previous_revision is None:
        conn.execute(processes.insert().values(tenant=process.tenant, id=process.id, created_at=at, **values))
        existing = set()
    else:
        result = conn.execute(processes.update().where(
            processes.c.tenant == process.tenant, processes.c.id == process.id,
            processes.c.revision == previous_revision).values(**values))
        if result.rowcount != 1:
            return False
        existing = {r.number for r in conn.execute(sa.select(process_versions.c.number).where(
            process_versions.c.tenant == process.tenant, process_versions.c.process_id == process.id)).all()}
    # Supersede first, so the one-established index never sees two at once.
    for version in sorted(process.versions, key=lambda v: v.status is not ProcessVersionStatus.SUPERSEDED):
        if version.number in existing:
            if version.status is ProcessVersionStatus.SUPERSEDED:
                conn.execute(process_versions.update().where(
                    process_versions.c.tenant == process.tenant, process_versions.c.process_id == process.id,
                    process_versions.c.number == version.number).values(status=version.status.value))
            else:
                conn.execute(process_versions.update().where(
                    process_versions.c.tenant == process.tenant, process_versions.c.process_id == process.id,
                    process_versions.c.number == version.number,
                    # an established version is never written again, only superseded (above)
                    process_versions.c.status == ProcessVersionStatus.DRAFT.value,
                ).values(**_process_version_values(process, version)))
        else:
            conn.execute(process_versions.insert().values(
                tenant=process.tenant, process_id=process.id, number=version.number, created_at=version.created_at,
                created_by=version.created_by, **_process_version_values(process, version)))
    _index_steps(conn, process)
    return True


def _index_steps(conn, process: Process) -> None:
    """Make `process_steps` hold exactly the step ids of the process's versions."""
    t = process_steps
    wanted = process.known_step_ids()
    held = set(conn.execute(sa.select(t.c.step_id).where(
        t.c.tenant == process.tenant, t.c.process_id == process.id)).scalars())
    if held - wanted:  # a step dropped from the draft before any version kept it
        conn.execute(t.delete().where(t.c.tenant == process.tenant, t.c.process_id == process.id,
                                      t.c.step_id.in_(sorted(held - wanted))))
    if wanted - held:
        conn.execute(t.insert(), [{"tenant": process.tenant, "step_id": step_id, "process_id": process.id}
                                  for step_id in sorted(wanted - held)])


def unknown_step_ids(conn, tenant: str, step_ids) -> set[str]:
    """Which of `step_ids` are not steps of any version (drafts too) of any process of this tenant (as given;
    compared as the process map spells its ids, lower case). Another tenant's steps are not looked at."""
    ids = {str(s) for s in step_ids}
    if not ids:
        return set()
    t = process_steps
    known = set(conn.execute(sa.select(t.c.step_id).where(
        t.c.tenant == tenant, t.c.step_id.in_(sorted({i.lower() for i in ids})))).scalars())
    return {i for i in ids if i.lower() not in known}


def process_exists(conn, tenant: str, process_id: str) -> bool:
    """Whether `process_id` is a process of this tenant (drafted or established)."""
    return conn.execute(sa.select(processes.c.id).where(
        processes.c.tenant == tenant, processes.c.id == str(process_id).lower())).first() is not None


def lock_tenant_processes(connection, tenant: str) -> None:
    """Serialise changes to a tenant's process tree on PostgreSQL, so two concurrent moves cannot make a cycle."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(
            sa.func.hashtextextended(sa.literal("ordning.processes:" + tenant), 0))))


# =============================================================================
# Quality goals (kvalitetsmål): goals, their indicators and measurements
# =============================================================================
# A goal sits under a unit of its own tenant (composite foreign key, as for the tree); an indicator under
# a goal, a measurement under an indicator, each keyed (tenant, id) and carrying its tenant. One
# measurement per indicator and period: the unique key is what makes "already stored" a refusal.


GOAL_ENTITY_TYPES = {
    "quality_goal": frozenset({"goal_id", "unit_id", "period_start", "period_end", "closed_at", "revision"}),
    "goal_indicator": frozenset({"indicator_id", "goal_id", "unit_of_measure", "direction", "target", "target_max",
                                 "threshold", "source", "frequency", "revision"}),
    "goal_measurement": frozenset({"indicator_id", "period", "value", "rows"}),
}
tables.audit_value_fields.update(GOAL_ENTITY_TYPES)

VALUE = sa.Numeric(14, 4)

quality_goals = sa.Table(
    "quality_goals", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="id", primary_key=True),
    Id(name="unit_id", nullable=False),
    sa.Column("title", sa.String(goal_domain.TITLE_MAX_LENGTH), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(["tenant", "unit_id"], ["org_units.tenant", "org_units.id"],
                            name="fk_quality_goals_unit_same_tenant"),
    sa.CheckConstraint("period_end >= period_start", name="period_order"),
    sa.CheckConstraint("revision >= 1", name="revision_positive"),
    sa.Index("ix_quality_goals_tenant_unit", "tenant", "unit_id"),
)

goal_indicators = sa.Table(
    "goal_indicators", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="id", primary_key=True),
    Id(name="goal_id", nullable=False),
    sa.Column("name", sa.String(goal_domain.TITLE_MAX_LENGTH), nullable=False),
    sa.Column("unit_of_measure", sa.String(20), nullable=False),
    sa.Column("direction", sa.String(20), nullable=False),
    sa.Column("target", VALUE, nullable=False),
    sa.Column("target_max", VALUE),
    sa.Column("threshold", VALUE),
    sa.Column("source", sa.String(40)),
    sa.Column("frequency", sa.String(20), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(["tenant", "goal_id"], ["quality_goals.tenant", "quality_goals.id"],
                            name="fk_goal_indicators_goal_same_tenant"),
    sa.CheckConstraint(_in("direction", [d.value for d in goal_domain.Direction]), name="direction"),
    sa.CheckConstraint(_in("frequency", [q.value for q in goal_domain.Frequency]), name="frequency"),
    sa.CheckConstraint(_in("unit_of_measure", list(goal_domain.UNIT_OF_MEASURE_LABELS_SV)), name="unit_of_measure"),
    sa.Index("ix_goal_indicators_tenant_goal", "tenant", "goal_id"),
)

goal_measurements = sa.Table(
    "goal_measurements", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="id", primary_key=True),
    Id(name="indicator_id", nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("value", VALUE, nullable=False),
    sa.Column("note", sa.String(goal_domain.NOTE_MAX_LENGTH)),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.ForeignKeyConstraint(["tenant", "indicator_id"], ["goal_indicators.tenant", "goal_indicators.id"],
                            name="fk_goal_measurements_indicator_same_tenant"),
    sa.UniqueConstraint("tenant", "indicator_id", "period", name="uq_goal_measurements_indicator_period"),
)


def goal_to_domain(row) -> goal_domain.QualityGoal:
    return goal_domain.QualityGoal(id=row.id, tenant=row.tenant, unit_id=row.unit_id, title=row.title,
                              description=row.description, period_start=row.period_start,
                              period_end=row.period_end, closed_at=row.closed_at, revision=row.revision)


def indicator_to_domain(row) -> goal_domain.Indicator:
    return goal_domain.Indicator(id=row.id, tenant=row.tenant, goal_id=row.goal_id, name=row.name,
                            unit_of_measure=row.unit_of_measure, direction=goal_domain.Direction(row.direction),
                            target=row.target, frequency=goal_domain.Frequency(row.frequency),
                            target_max=row.target_max,
                            threshold=row.threshold, source=row.source, revision=row.revision)


def get_goal(conn, tenant: str, goal_id: str):
    return conn.execute(sa.select(quality_goals).where(quality_goals.c.tenant == tenant,
                                                       quality_goals.c.id == str(goal_id))).first()


def list_goals(conn, tenant: str, *, unit_ids=None, active_on_from=None, active_on_to=None,
               include_closed: bool = False) -> list:
    g = quality_goals
    query = sa.select(g).where(g.c.tenant == tenant)
    if unit_ids is not None:
        query = query.where(g.c.unit_id.in_([str(u) for u in unit_ids]))
    if active_on_from is not None:
        query = query.where(g.c.period_end >= active_on_from)
    if active_on_to is not None:
        query = query.where(g.c.period_start <= active_on_to)
    if not include_closed:
        query = query.where(g.c.closed_at.is_(None))
    return list(conn.execute(query.order_by(g.c.period_start.desc(), g.c.title, g.c.id)).all())


def insert_goal(conn, goal: goal_domain.QualityGoal, at) -> None:
    conn.execute(quality_goals.insert().values(
        tenant=goal.tenant, id=goal.id, unit_id=goal.unit_id, title=goal.title, description=goal.description,
        period_start=goal.period_start, period_end=goal.period_end, closed_at=goal.closed_at,
        revision=goal.revision, created_at=at, updated_at=at))


def update_goal(conn, goal: goal_domain.QualityGoal, previous_revision: int, at) -> bool:
    result = conn.execute(quality_goals.update().where(
        quality_goals.c.tenant == goal.tenant, quality_goals.c.id == goal.id,
        quality_goals.c.revision == previous_revision,
    ).values(title=goal.title, description=goal.description, period_start=goal.period_start,
             period_end=goal.period_end, closed_at=goal.closed_at, revision=goal.revision, updated_at=at))
    return result.rowcount == 1


def get_indicator(conn, tenant: str, goal_id: str, indicator_id: str):
    i = goal_indicators
    return conn.execute(sa.select(i).where(i.c.tenant == tenant, i.c.goal_id == str(goal_id),
                                           i.c.id == str(indicator_id))).first()


def list_indicators(conn, tenant: str, goal_ids) -> list:
    i = goal_indicators
    return list(conn.execute(sa.select(i).where(i.c.tenant == tenant, i.c.goal_id.in_([str(g) for g in goal_ids]))
                             .order_by(i.c.created_at, i.c.id)).all())


def insert_indicator(conn, indicator: goal_domain.Indicator, at) -> None:
    conn.execute(goal_indicators.insert().values(
        tenant=indicator.tenant, id=indicator.id, goal_id=indicator.goal_id, name=indicator.name,
        unit_of_measure=indicator.unit_of_measure, direction=indicator.direction.value, target=indicator.target,
        target_max=indicator.target_max, threshold=indicator.threshold, source=indicator.source,
        frequency=indicator.frequency.value, revision=indicator.revision, created_at=at))


def stored_periods(conn, tenant: str, indicator_id: str) -> set[str]:
    m = goal_measurements
    return set(conn.execute(sa.select(m.c.period).where(m.c.tenant == tenant, m.c.indicator_id == str(indicator_id)))
               .scalars())


def list_measurements(conn, tenant: str, indicator_ids, *, start=None, end=None) -> list:
    m = goal_measurements
    query = sa.select(m).where(m.c.tenant == tenant, m.c.indicator_id.in_([str(i) for i in indicator_ids]))
    if start is not None:
        query = query.where(m.c.period_start >= start)
    if end is not None:
        query = query.where(m.c.period_start <= end)
    return list(conn.execute(query.order_by(m.c.indicator_id, m.c.period_start)).all())


def insert_measurements(conn, measurements, *, actor: str, at) -> None:
    conn.execute(goal_measurements.insert(), [
        {"tenant": m.tenant, "id": m.id, "indicator_id": m.indicator_id, "period": m.period.text,
         "period_start": m.period.start, "value": m.value, "note": m.note, "recorded_at": at, "recorded_by": actor}
        for m in measurements])


def lock_indicator(connection, tenant: str, indicator_id: str) -> None:
    """Serialise the measurements of one indicator on PostgreSQL, so that two uploads of the same periods
    cannot both pass the "already stored" check; the unique key would refuse the second anyway."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(
            sa.func.hashtextextended(sa.literal(f"ordning.goal_measurements:{tenant}:{indicator_id}"), 0))))

