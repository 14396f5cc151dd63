"""The reads built on the risks: the risk treatment plan (riskhanteringsplan, Tyresö 5.2) and the heat map
(riskkarta) of a unit or förvaltning, its subtree and a period. Queries and use cases of the two reads; they
change nothing and publish nothing.

Who is in a unit's plan: the risks *held* within its subtree (`risks.holder_unit_id`: the analysis's unit, or
the level that accepted an escalation) whose current level is at or above the plan threshold of the matrix
version they were scored on (`risks.in_plan`, written when scored, so a later matrix never moves an old risk in
or out), and every risk a level of the subtree took over by accepting its escalation, whatever its level (that
level made it its own to treat). A risk escalated to the unit and still awaiting its answer is listed apart, and
only there: it is not the unit's until accepted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from ordning_shared.orgtree import subtree_ids
from ordning_shared.problems import NotFound

from . import db
from . import domain as d
from .service import current_matrix

OPEN_ACTION_STATUSES = ("planned", "in_progress")


def _unknown_unit(unit_id: str) -> NotFound:
    return NotFound(f"Det finns ingen enhet med id {unit_id} bland dina enheter.",
                    f"There is no org unit with id {unit_id} among your units.")


@dataclass(frozen=True)
class Scope:
    unit_id: str
    unit_name: str | None
    unit_kind: str | None
    units: frozenset[str]  # the unit and every unit below it


def scope_of(conn, principal, unit_id: str) -> Scope:
    """The unit's subtree, if the principal may read it: a staff role and the unit within their org units (a unit
    outside them, closed ones included, is "not found", as an analysis is: its existence is not revealed)."""
    ou = db.tables.org_units
    unit = conn.execute(sa.select(ou).where(ou.c.tenant == principal.tenant, ou.c.id == unit_id)).first()
    if (unit is None or not principal.has_any(*d.STAFF_ROLES)
            or unit_id not in db.scope_units(conn, principal.tenant, principal.org_units)):
        raise _unknown_unit(unit_id)
    return Scope(unit_id, unit.name, unit.kind, frozenset(subtree_ids(conn, ou, principal.tenant, [unit_id])))


def _matrices(conn, tenant: str, versions) -> dict[int, d.RiskMatrix]:
    m = db.risk_matrices.c
    rows = conn.execute(sa.select(db.risk_matrices).where(m.tenant == tenant, m.version.in_(sorted(set(versions)))))
    return {row.version: d.RiskMatrix.from_dict(row.definition) for row in rows}


def _unit_names(conn, tenant: str, ids) -> dict[str, str]:
    ou = db.tables.org_units
    ids = sorted({i for i in ids if i})
    if not ids:
        return {}
    return dict(conn.execute(sa.select(ou.c.id, ou.c.name).where(ou.c.tenant == tenant, ou.c.id.in_(ids))).all())


# --------------------------------------------------------------------------
# The risk treatment plan
# --------------------------------------------------------------------------

def _plan_rows(conn, tenant: str, scope: Scope, year: int):
    """(held, awaiting): the risk rows of the plan, with their analysis's columns, and those awaiting the unit's
    answer to an escalation."""
    r, a, e = db.risks.c, db.risk_analyses.c, db.risk_escalations.c
    units = sorted(scope.units)
    pending_here = sa.select(e.risk_id).where(e.tenant == tenant, e.status == d.EscalationStatus.pending.value,
                                              e.to_unit_id == scope.unit_id)
    base = (sa.select(db.risks, a.title.label("analysis_title"), a.analysis_date, a.status.label("analysis_status"),
                      a.unit_id.label("analysis_unit_id"))
            .join(db.risk_analyses, sa.and_(a.tenant == r.tenant, a.id == r.analysis_id))
            .where(r.tenant == tenant, a.unit_id.in_(units),
                   a.analysis_date >= date(year, 1, 1), a.analysis_date <= date(year, 12, 31)))
    held = conn.execute(base.where(
        r.holder_unit_id.in_(units),
        sa.or_(r.in_plan.is_(True), r.holder_unit_id != r.unit_id),  # over the threshold, or taken over
        r.id.not_in(pending_here))).all()
    awaiting = conn.execute(base.where(r.id.in_(pending_here))).all()
    return held, awaiting


def _scoring(prefix: str, row, matrix: d.RiskMatrix | None) -> dict | None:
    level = getattr(row, f"{prefix}_level")
    if level is None:
        return None
    found = matrix.level(level) if matrix is not None else None
    return {"probability": getattr(row, f"{prefix}_probability"), "consequence": getattr(row, f"{prefix}_consequence"),
            "score": getattr(row, f"{prefix}_score"), "level": level,
            "level_label": found.label if found else level, "level_colour": found.colour if found else None}


def _actions(conn, tenant: str, risk_ids, today: date) -> dict[str, list[dict]]:
    a = db.actions.c
    found: dict[str, list[dict]] = {i: [] for i in risk_ids}
    if not risk_ids:
        return found
    for row in conn.execute(sa.select(db.actions).where(
            a.tenant == tenant, a.origin_type == db.ORIGIN_TYPE, a.origin_id.in_(sorted(risk_ids)))
            .order_by(a.due_date, a.id)):
        found[row.origin_id].append({
            "id": row.id, "title": row.title, "owner": row.owner, "due_date": row.due_date, "status": row.status,
            "overdue": row.status in OPEN_ACTION_STATUSES and row.due_date < today,
            "completed_at": row.completed_at, "effect_followup": row.effect_followup or ""})
    return found


def _escalations(conn, tenant: str, risk_ids) -> dict[str, dict]:
    """The latest escalation of each risk."""
    e = db.risk_escalations.c
    latest: dict[str, dict] = {}
    if not risk_ids:
        return latest
    for row in conn.execute(sa.select(db.risk_escalations).where(e.tenant == tenant, e.risk_id.in_(sorted(risk_ids)))
                            .order_by(e.escalated_at, e.id)):
        latest[row.risk_id] = {"id": row.id, "status": row.status, "from_unit_id": row.from_unit_id,
                               "to_unit_id": row.to_unit_id, "escalated_at": row.escalated_at,
                               "decided_at": row.decided_at}
    return latest


def _plan_item(row, matrix: d.RiskMatrix | None, names: dict, actions: list, escalation: dict | None) -> dict:
    initial, residual = _scoring("initial", row, matrix), _scoring("residual", row, matrix)
    current = residual or initial
    # Levels are compared from the top of their own matrix: the highest level of any version sorts first.
    from_top = (len(matrix.levels) - 1 - matrix.rank(current["level"])) if (matrix and current) else 99
    return {
        "risk_id": row.id, "description": row.description, "causes": list(row.causes or []),
        "unit_id": row.unit_id, "unit_name": names.get(row.unit_id),
        "holder_unit_id": row.holder_unit_id, "holder_unit_name": names.get(row.holder_unit_id),
        "matrix_version": row.matrix_version, "initial": initial, "residual": residual,
        "current_level": current["level"] if current else None,
        "current_level_label": current["level_label"] if current else None,
        "current_score": current["score"] if current else None, "level_from_top": from_top,
        "in_plan": bool(row.in_plan), "escalation": escalation,
        "analysis": {"id": row.analysis_id, "title": row.analysis_title, "analysis_date": row.analysis_date,
                     "status": row.analysis_status, "status_label_sv": d.STATUS_LABELS_SV[d.AnalysisStatus(
                         row.analysis_status)], "unit_id": row.analysis_unit_id,
                     "unit_name": names.get(row.analysis_unit_id)},
        "actions": actions,
    }


def _sorted(items: list[dict]) -> list[dict]:
    """By level (highest first), then score (highest first), then the oldest risk first."""
    return sorted(items, key=lambda i: (i["level_from_top"], -(i["current_score"] or 0), str(i["risk_id"])))


def treatment_plan(platform, principal, unit_id: str, year: int, today: date) -> dict:
    with platform.engine.connect() as conn:
        scope = scope_of(conn, principal, unit_id)
        held, awaiting = _plan_rows(conn, principal.tenant, scope, year)
        rows = list(held) + list(awaiting)
        matrices = _matrices(conn, principal.tenant, [row.matrix_version for row in rows])
        ids = [row.id for row in rows]
        actions = _actions(conn, principal.tenant, ids, today)
        escalations = _escalations(conn, principal.tenant, ids)
        names = _unit_names(conn, principal.tenant, [i for row in rows for i in (row.unit_id, row.holder_unit_id)])

        def items(group):
            return _sorted([_plan_item(row, matrices.get(row.matrix_version), names, actions[row.id],
                                       escalations.get(row.id)) for row in group])

        return {"unit_id": scope.unit_id, "unit_name": scope.unit_name, "unit_kind": scope.unit_kind, "year": year,
                "risks": items(held), "awaiting_decision": items(awaiting)}


# --------------------------------------------------------------------------
# The heat map
# --------------------------------------------------------------------------

def _heat_counts(conn, tenant: str, scope: Scope, date_from: date | None, date_to: date | None):
    """{(version, p, c): [initial count, residual count]} and the count of unscored risks, of the risks held in the
    scope whose analysis's day is within the period."""
    r, a = db.risks.c, db.risk_analyses.c
    where = [r.tenant == tenant, r.holder_unit_id.in_(sorted(scope.units))]
    if date_from is not None:
        where.append(a.analysis_date >= date_from)
    if date_to is not None:
        where.append(a.analysis_date <= date_to)
    joined = db.risks.join(db.risk_analyses, sa.and_(a.tenant == r.tenant, a.id == r.analysis_id))
    counts: dict[tuple, list[int]] = {}
    scored = [*where, r.initial_score.is_not(None)]
    for version, p, c, n in conn.execute(sa.select(r.matrix_version, r.initial_probability, r.initial_consequence,
                                                   sa.func.count()).select_from(joined).where(*scored)
                                         .group_by(r.matrix_version, r.initial_probability, r.initial_consequence)):
        counts.setdefault((version, p, c), [0, 0])[0] += n
    # After actions: the residual scoring, or the initial one where the risk was not re-scored.
    p_after = sa.func.coalesce(r.residual_probability, r.initial_probability)
    c_after = sa.func.coalesce(r.residual_consequence, r.initial_consequence)
    for version, p, c, n in conn.execute(sa.select(r.matrix_version, p_after, c_after, sa.func.count())
                                         .select_from(joined).where(*scored)
                                         .group_by(r.matrix_version, p_after, c_after)):
        counts.setdefault((version, p, c), [0, 0])[1] += n
    unscored = conn.execute(sa.select(sa.func.count()).select_from(joined)
                            .where(*where, r.initial_score.is_(None))).scalar_one()
    return counts, unscored


def _grid(version: int, current: bool, matrix: d.RiskMatrix, counts: dict) -> dict:
    cells, initial_total, residual_total = [], 0, 0
    for p in range(len(matrix.probability), 0, -1):  # as drawn: the highest probability on top
        for c in range(1, len(matrix.consequence) + 1):
            initial, residual = counts.get((version, p, c), (0, 0))
            level = matrix.level(matrix.cells[(p, c)])
            cells.append({"probability": p, "consequence": c, "score": p * c, "level": level.code,
                          "level_label": level.label, "level_colour": level.colour,
                          "in_plan": matrix.in_plan(level.code), "initial": initial, "residual": residual})
            initial_total += initial
            residual_total += residual
    return {"matrix_version": version, "current": current, "matrix": matrix.to_dict(), "cells": cells,
            "initial_total": initial_total, "residual_total": residual_total}


def heat_map(platform, principal, unit_id: str, date_from: date | None, date_to: date | None) -> dict:
    """The count of risks per cell, initial and after actions, on the grid of each matrix version the risks were
    scored on: the current version first (always, even empty), then older versions that hold risks, newest first.
    A cell of one version is never counted into another's: a 5×5 cell has no place on a 4×4 grid, and a level is
    a version's own."""
    with platform.engine.connect() as conn:
        scope = scope_of(conn, principal, unit_id)
    with platform.uow() as uow:
        current_version, _ = current_matrix(uow, principal.tenant)
        uow.commit()  # a tenant's first read writes the default, as reading the matrix does
    with platform.engine.connect() as conn:
        counts, unscored = _heat_counts(conn, principal.tenant, scope, date_from, date_to)
        versions = sorted({current_version} | {key[0] for key in counts}, reverse=True)
        versions.remove(current_version)
        matrices = _matrices(conn, principal.tenant, [current_version, *versions])
        grids = [_grid(v, v == current_version, matrices[v], counts) for v in [current_version, *versions]]
    return {"unit_id": scope.unit_id, "unit_name": scope.unit_name, "unit_kind": scope.unit_kind,
            "date_from": date_from, "date_to": date_to, "unscored": unscored,
            "total": sum(grid["initial_total"] for grid in grids), "grids": grids}
