"""Use cases of the reporting service: the figures of a scope and a period (reads only: no event, no change).

The figures are summed from the cubes, never from the events: the whole months of the period from the cube
tables (one GROUP BY over the cube rows of the scope and the months), the days of a month the period covers only
in part from the facts of those days (their contributions, computed as the cubes' are). A scope is the whole
municipality (no unit) or a unit with every unit below it (the org-tree copy).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import sqlalchemy as sa
from ordning_shared.db import utcnow
from ordning_shared.orgtree import subtree_ids

from . import db
from .domain import access
from .domain.cubes import CUBES, DAY
from .domain.figures import Context, build_sections
from .domain.period import STOCKHOLM, Period
from .domain.registry import READ_MODELS, RISK_MATRICES
from .domain.risk_facts import matrices_with_default


def today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(STOCKHOLM).date()


class CubeReader:
    """Sums of cube measures over one tenant, scope (a set of units, or all) and period."""

    def __init__(self, connection, tenant: str, units: frozenset[str] | None, period: Period):
        self.connection, self.tenant, self.units, self.period = connection, tenant, units, period
        self.whole, self.partial = period.split()
        self._edge: dict[str, list] = {}
        self._sums: dict[tuple, dict] = {}  # the sections ask some sums more than once (by kind, by unit)

    def sum(self, cube: str, by: tuple[str, ...] = (), where: dict | None = None) -> dict[tuple, dict[str, int]]:
        asked = (cube, tuple(by), tuple(sorted((where or {}).items())))
        if asked in self._sums:
            return self._sums[asked]
        spec, table = CUBES[cube], self._table(cube, by, where or {})
        where = where or {}
        totals: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(spec.measures, 0))
        dated = DAY in spec.dim_names  # a cube with a day answers every day of the period from its own rows
        if dated or self.whole is not None:
            conditions = [table.c.tenant == self.tenant,
                          table.c[DAY].between(self.period.start, self.period.end) if dated
                          else table.c.month.between(*self.whole)]
            if self.units is not None:
                conditions.append(table.c.unit_id.in_(sorted(self.units)))
            conditions += [table.c[name] == value for name, value in where.items()]
            query = (sa.select(*(table.c[name] for name in by),
                               *(sa.func.sum(table.c[m]).label(m) for m in spec.measures))
                     .where(*conditions).group_by(*(table.c[name] for name in by)))
            for row in self.connection.execute(query):
                values = row._mapping
                totals[tuple(values[name] for name in by)] = {m: int(values[m] or 0) for m in spec.measures}
        if self.partial and not dated:
            names = spec.dim_names
            for contribution in self._edge_contributions(cube):
                key = dict(zip(names, contribution.key))
                if self.units is not None and key["unit_id"] not in self.units:
                    continue
                if any(key[name] != value for name, value in where.items()):
                    continue
                counts = totals[tuple(key[name] for name in by)]
                for measure, value in contribution.measures.items():
                    counts[measure] += value
        self._sums[asked] = dict(totals)
        return self._sums[asked]

    def _table(self, cube: str, by: tuple[str, ...], where: dict) -> sa.Table:
        """The cube's rollup (no unit, far fewer rows) for the whole municipality when no unit is asked for."""
        spec = CUBES[cube]
        if spec.rollup and self.units is None and "unit_id" not in by and "unit_id" not in where:
            return db.CUBE_TABLES[spec.rollup_name]
        return db.CUBE_TABLES[cube]

    def over(self, period: Period) -> "CubeReader":
        """The same scope over another period (the figures "as of today" read the whole history)."""
        return CubeReader(self.connection, self.tenant, self.units, period)

    def _edge_contributions(self, cube: str) -> list:
        """The contributions to `cube` of the facts whose day lies in the period's partial months."""
        if cube not in self._edge:
            model = next(model for model in READ_MODELS.values() if cube in model.cubes)
            f = db.facts
            days = sa.or_(*(f.c.period_on.between(first, last) for first, last in self.partial))
            where = [f.c.tenant == self.tenant, f.c.model == model.name, days]
            if model.counts_at_fact_unit and self.units is not None:
                where.append(f.c.unit_id.in_(sorted(self.units)))
            rows = self.connection.execute(sa.select(f.c.state).where(*where)).scalars()
            contributions = [c for state in rows for c in model.contribute(state)]
            for name in model.cubes:
                self._edge[name] = [c for c in contributions if c.cube == name]
        return self._edge[cube]


def units_of(connection, tenant: str) -> dict[str, dict]:
    ou = db.tables.org_units
    return {row.id: {"name": row.name, "kind": row.kind, "parent_id": row.parent_id}
            for row in connection.execute(sa.select(ou.c.id, ou.c.name, ou.c.kind, ou.c.parent_id)
                                          .where(ou.c.tenant == tenant))}


def scope_of(connection, principal, unit_id: str | None, units: dict[str, dict]) -> frozenset[str] | None:
    """The units the figures count (None: the whole municipality), if the principal may read them: a figure role,
    and the unit within the subtree of their org units (else 404, as elsewhere: its existence is not revealed).
    The whole municipality needs org units that cover every unit of the tenant (its top level)."""
    access.require_figure_role(principal.roles)
    ou = db.tables.org_units
    mine = subtree_ids(connection, ou, principal.tenant, principal.org_units)
    if unit_id is None:
        if not units or not set(units) <= mine:
            raise access.municipality_not_in_scope()
        return None
    if unit_id not in units or unit_id not in mine:
        raise access.unknown_unit(unit_id)
    return frozenset(subtree_ids(connection, ou, principal.tenant, [unit_id]))


def sections_of(connection, tenant: str, scope: frozenset[str] | None, period: Period, day: date, sections=None,
                units: dict[str, dict] | None = None) -> list:
    """The sections of one tenant's scope (None: every unit) and period, access not checked: for a caller that
    checked it (figures below), or that shows aggregates only (a region's side-by-side view, a frozen report)."""
    units = units_of(connection, tenant) if units is None else units
    context = Context(reader=CubeReader(connection, tenant, scope, period), months=period.months, today=day,
                      units=units, matrices=matrices_of(connection, tenant))
    return build_sections(context, sections)


def matrices_of(connection, tenant: str) -> dict[int, dict]:
    """The tenant's risk matrices by version (the risk_matrices read model), the default as version 1 unless an
    event said otherwise."""
    f = db.facts
    states = connection.execute(sa.select(f.c.state).where(f.c.tenant == tenant, f.c.model == RISK_MATRICES.name)
                                ).scalars()
    return matrices_with_default(list(states))


def figures(platform, principal, unit_id: str | None, start: date | None, end: date | None,
            sections=None, now: datetime | None = None) -> dict:
    day = today(now)
    period = Period.of(start, end, day)
    with platform.engine.connect() as connection:
        units = units_of(connection, principal.tenant)
        scope = scope_of(connection, principal, unit_id, units)
        built = sections_of(connection, principal.tenant, scope, period, day, sections, units)
    unit = units.get(unit_id) if unit_id else None
    return {
        "tenant": principal.tenant,
        "scope": {"unit_id": unit_id, "unit_name": unit["name"] if unit else None,
                  "unit_kind": unit["kind"] if unit else None,
                  "units": len(scope) if scope is not None else len(units)},
        "period": period.to_dict(),
        "today": day,
        "sections": [section.to_dict() for section in built],
    }
