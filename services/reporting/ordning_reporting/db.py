"""Tables of the reporting service: the event store, the facts, the cubes and the read models' state.

Every table carries its tenant and every query is scoped by it. The cube tables are built from their specs
(domain/cubes.py): the tenant and the dimensions are the primary key, the measures are counts.
"""
from __future__ import annotations

import sqlalchemy as sa
from ordning_shared.db import Id, PlatformTables, UTCDateTime, new_metadata

from .domain.cubes import CubeSpec
from .domain.registry import CUBES  # every read model's cubes (the registry adds those of its later models)

metadata = new_metadata()
tables = PlatformTables(metadata, org_replica=True, audit_value_fields={
    "volume": frozenset({"measure", "year", "value", "version"})})

# Every event received, once: (source, id) is unique, `position` is the order of arrival. Read models are
# folded from it, and dropped and refilled from it by the rebuild command (rebuild.py).
event_store = sa.Table(
    "event_store", metadata,
    sa.Column("position", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
    sa.Column("type", sa.String(120), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("sequence", sa.BigInteger),
    sa.Column("time", UTCDateTime),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("source", "event_id", name="uq_event_store_source_event_id"),
    sa.Index("ix_event_store_aggregate", "tenant", "subject", "sequence"),
)

# The current fact of each aggregate of each read model (domain/facts.py): its version is the highest event
# version folded into it.
facts = sa.Table(
    "facts", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("model", sa.String(40), primary_key=True),
    sa.Column("aggregate_id", sa.String(200), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    Id(name="unit_id"),
    sa.Column("period_on", sa.Date),
    sa.Column("state", sa.JSON, nullable=False),
    sa.Index("ix_facts_period", "tenant", "model", "period_on"),
)

# One row per read model: `ready`, or `rebuilding` while the rebuild command refills it (the worker then only
# stores the events, which the rebuild folds). The worker reads the row FOR SHARE, the rebuild locks it FOR
# UPDATE: so they never fold at the same time.
read_model_state = sa.Table(
    "read_model_state", metadata,
    sa.Column("model", sa.String(40), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
)

_TYPES = {"str": lambda: sa.String(200), "date": sa.Date, "int": sa.Integer}


def cube_table(spec: CubeSpec, meta: sa.MetaData = metadata) -> sa.Table:
    columns = [sa.Column("tenant", sa.String(16), primary_key=True)]
    columns += [sa.Column(dim.name, _TYPES[dim.type](), primary_key=True) for dim in spec.dims]
    columns += [sa.Column(measure, sa.BigInteger, nullable=False, server_default="0") for measure in spec.measures]
    indexes = [sa.Index(f"ix_{spec.name}_month", "tenant", "month")]
    if "day" in spec.dim_names:  # a dated cube is read by day (service.CubeReader)
        indexes.append(sa.Index(f"ix_{spec.name}_day", "tenant", "day"))
    return sa.Table(spec.name, meta, *columns, *indexes)


def rollup_table(spec: CubeSpec, meta: sa.MetaData = metadata) -> sa.Table:
    """The cube without its unit: the primary key (tenant, month, ...) reads a period of the whole municipality."""
    columns = [sa.Column("tenant", sa.String(16), primary_key=True)]
    columns += [sa.Column(dim.name, _TYPES[dim.type](), primary_key=True) for dim in spec.dims if dim.name != "unit_id"]
    columns += [sa.Column(measure, sa.BigInteger, nullable=False, server_default="0") for measure in spec.measures]
    return sa.Table(spec.rollup_name, meta, *columns)


CUBE_TABLES: dict[str, sa.Table] = {name: cube_table(spec) for name, spec in CUBES.items()}
CUBE_TABLES.update({spec.rollup_name: rollup_table(spec) for spec in list(CUBES.values()) if spec.rollup})

# Volumes a tenant records per unit, measure and year (brukare, vårddygn, hemtjänsttimmar ...): tenant data, the
# denominators of the patterns' rates per 1,000 (patterns.py). `version` makes the ETag of an update.
volumes = sa.Table(
    "volumes", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="unit_id", primary_key=True),
    sa.Column("measure", sa.String(40), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("value", sa.Numeric(14, 2), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
)

# The region view (region.py). A municipality's consent to be shown, aggregated, to its region: who agreed and
# when, and who withdrew it and when (the row stays, so the answer says it was withdrawn); one row per
# municipality (its tenant), versioned for If-Match.
region_consents = sa.Table(
    "region_consents", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("region", sa.String(16), nullable=False),
    sa.Column("agreed_by", sa.String(200), nullable=False),
    sa.Column("agreed_at", UTCDateTime, nullable=False),
    sa.Column("withdrawn_by", sa.String(200)),
    sa.Column("withdrawn_at", UTCDateTime),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_region_consents_region", "region"),
)

# A tenant's threshold for small counts (domain/suppression.py); no row: the default, 5.
suppression_settings = sa.Table(
    "suppression_settings", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("threshold", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
tables.audit_value_fields.update({
    "region_consent": frozenset({"region", "agreed_at", "withdrawn_at", "version"}),
    "suppression_setting": frozenset({"threshold", "version"}),
})

# The yearly reports' table (report_db.py) lives on this metadata too, so migrations and the platform see it.
from . import report_db  # noqa: E402 - it builds on `metadata` above

REPORT_TABLES = (report_db.reports,)
