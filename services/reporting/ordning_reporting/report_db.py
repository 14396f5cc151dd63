"""The yearly reports' table and its queries.

A report is one row: its kind, scope and year (one report per kind, scope and year: `scope_key` is the
förvaltning's id or "municipality", so the unique key holds for the municipality too, where the unit is NULL),
its state, the authors' texts by section, the figures it shows (the figures API's document) and, once finished,
the charts as they were drawn. Written at the version that was read, so two writers cannot overwrite each other.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from ordning_shared.db import Id, UTCDateTime

from .db import metadata
from .domain.reports import Report, ReportKind, ReportStatus, ScopeType

MUNICIPALITY_KEY = "municipality"

reports = sa.Table(
    "reports", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="id", primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("scope_type", sa.String(20), nullable=False),
    Id(name="scope_unit_id"),
    sa.Column("scope_key", sa.String(36), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("texts", sa.JSON, nullable=False),
    sa.Column("figures", sa.JSON),
    sa.Column("figures_generated_at", UTCDateTime),
    sa.Column("charts", sa.JSON),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("finished_by", sa.String(200)),
    sa.Column("finished_by_name", sa.String(200)),
    sa.Column("version", sa.Integer, nullable=False),
    sa.UniqueConstraint("tenant", "kind", "scope_key", "year", name="uq_reports_kind_scope_year"),
    sa.Index("ix_reports_tenant_year", "tenant", "year"),
)

# The columns a list needs: never the figures, the charts or the texts.
SUMMARY_COLUMNS = [reports.c[name] for name in (
    "tenant", "id", "kind", "scope_type", "scope_unit_id", "year", "status", "figures_generated_at", "created_at",
    "created_by", "finished_at", "finished_by", "finished_by_name", "version")]


def scope_key(report: Report) -> str:
    return report.scope_unit_id or MUNICIPALITY_KEY


def values(report: Report) -> dict:
    return {
        "tenant": report.tenant, "id": report.id, "kind": report.kind.value, "scope_type": report.scope_type.value,
        "scope_unit_id": report.scope_unit_id, "scope_key": scope_key(report), "year": report.year,
        "status": report.status.value, "texts": report.texts, "figures": report.figures,
        "figures_generated_at": report.figures_generated_at, "charts": report.charts,
        "created_at": report.created_at, "created_by": report.created_by, "finished_at": report.finished_at,
        "finished_by": report.finished_by, "finished_by_name": report.finished_by_name, "version": report.version,
    }


def from_row(row) -> Report:
    m = row._mapping
    return Report(
        id=m["id"], tenant=m["tenant"], kind=ReportKind(m["kind"]), scope_type=ScopeType(m["scope_type"]),
        scope_unit_id=m["scope_unit_id"], year=m["year"], created_at=m["created_at"], created_by=m["created_by"],
        status=ReportStatus(m["status"]), texts=dict(m.get("texts") or {}), figures=m.get("figures"),
        figures_generated_at=m["figures_generated_at"], charts=m.get("charts"), finished_at=m["finished_at"],
        finished_by=m["finished_by"], finished_by_name=m["finished_by_name"], version=m["version"])


def insert(connection, report: Report) -> None:
    connection.execute(reports.insert().values(**values(report)))


def row(connection, tenant: str, report_id: str, *, lock: bool = False):
    query = sa.select(reports).where(reports.c.tenant == tenant, reports.c.id == report_id)
    if lock and connection.dialect.name == "postgresql":
        query = query.with_for_update()
    return connection.execute(query).first()


def existing_id(connection, tenant: str, kind: str, key: str, year: int) -> str | None:
    return connection.execute(sa.select(reports.c.id).where(
        reports.c.tenant == tenant, reports.c.kind == kind, reports.c.scope_key == key,
        reports.c.year == year)).scalar()


def update(connection, report: Report, read_version: int) -> bool:
    """Write the report at the version that was read; False when another writer came first."""
    changed = {name: value for name, value in values(report).items() if name not in ("tenant", "id")}
    return connection.execute(reports.update().where(
        reports.c.tenant == report.tenant, reports.c.id == report.id, reports.c.version == read_version,
    ).values(**changed)).rowcount == 1


@dataclass(frozen=True)
class ReportFilter:
    kind: str | None = None
    year: int | None = None
    status: str | None = None
    unit_id: str | None = None  # the förvaltning's reports; "municipality" for the municipality's


def summaries(connection, tenant: str, flt: ReportFilter) -> list:
    """Every report of the tenant that matches, newest year first (a tenant writes a handful a year)."""
    query = sa.select(*SUMMARY_COLUMNS).where(reports.c.tenant == tenant)
    if flt.kind:
        query = query.where(reports.c.kind == flt.kind)
    if flt.year:
        query = query.where(reports.c.year == flt.year)
    if flt.status:
        query = query.where(reports.c.status == flt.status)
    if flt.unit_id:
        query = query.where(reports.c.scope_key == flt.unit_id)
    return list(connection.execute(query.order_by(reports.c.year.desc(), reports.c.kind, reports.c.scope_key)))
