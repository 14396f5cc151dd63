"""Tables of the risks service and the queries it needs (every query is scoped by tenant)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from ordning_shared import pagination, processmap
from ordning_shared.actions import AUDIT_VALUE_FIELDS as ACTION_AUDIT_VALUE_FIELDS
from ordning_shared.actions import action_table
from ordning_shared.db import Id, PlatformTables, UTCDateTime, new_metadata
from ordning_shared.orgtree import ancestor_ids, subtree_ids, subtree_select

from . import domain as d
from .domain import proposal as dp

# The fields whose values the audit trail may hold, per entity type: ids, codes, statuses, scores, dates and
# versions. Titles, descriptions, causes, participants, notes and reasons are recorded by name only.
AUDIT_VALUE_FIELDS = {
    "risk_analysis": frozenset({
        "id", "scope_type", "scope_id", "unit_id", "trigger", "trigger_change", "analysis_date", "matrix_version",
        "status", "started_at", "completed_at", "followed_up_at", "version"}),
    "risk": frozenset({
        "id", "analysis_id", "unit_id", "matrix_version", "initial_probability", "initial_consequence",
        "initial_score", "initial_level", "residual_probability", "residual_consequence", "residual_score",
        "residual_level", "in_plan", "holder_unit_id", "escalation_status", "version"}),
    "risk_matrix": frozenset({"version", "probability_steps_count", "consequence_steps_count", "plan_threshold"}),
    "improvement_action": ACTION_AUDIT_VALUE_FIELDS,
}

metadata = new_metadata()
tables = PlatformTables(metadata, org_replica=True, role_replica=True, process_replica=True,
                        audit_value_fields=AUDIT_VALUE_FIELDS)

# Every version of every tenant's matrix; the highest is the current one. A version is never changed.
risk_matrices = sa.Table(
    "risk_matrices", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("definition", sa.JSON, nullable=False),  # domain.RiskMatrix.to_dict()
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
)

risk_analyses = sa.Table(
    "risk_analyses", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("scope_type", sa.String(20), nullable=False),
    Id(name="scope_id", nullable=False),
    Id(name="unit_id", nullable=False),
    sa.Column("trigger", sa.String(30), nullable=False),
    sa.Column("trigger_change", sa.String(30)),
    sa.Column("trigger_note", sa.Text),
    sa.Column("participants", sa.JSON, nullable=False),
    sa.Column("analysis_date", sa.Date, nullable=False),
    sa.Column("matrix_version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("started_at", UTCDateTime),
    sa.Column("completed_at", UTCDateTime),
    sa.Column("followed_up_at", UTCDateTime),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_risk_analyses_tenant_unit", "tenant", "unit_id"),
    sa.Index("ix_risk_analyses_tenant_status", "tenant", "status"),
    sa.Index("ix_risk_analyses_tenant_date", "tenant", "analysis_date"),
)

# A risk, with its current scorings copied beside it (the plan and the heat map read them without the history)
# and the unit holding it now (the analysis's, or the level that accepted its escalation).
risks = sa.Table(
    "risks", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    Id(name="analysis_id", nullable=False),
    Id(name="unit_id", nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("causes", sa.JSON, nullable=False),
    sa.Column("matrix_version", sa.Integer, nullable=False),
    sa.Column("identified_at", UTCDateTime, nullable=False),
    sa.Column("identified_by", sa.String(200), nullable=False),
    sa.Column("initial_probability", sa.Integer),
    sa.Column("initial_consequence", sa.Integer),
    sa.Column("initial_score", sa.Integer),
    sa.Column("initial_level", sa.String(40)),
    sa.Column("residual_probability", sa.Integer),
    sa.Column("residual_consequence", sa.Integer),
    sa.Column("residual_score", sa.Integer),
    sa.Column("residual_level", sa.String(40)),
    sa.Column("in_plan", sa.Boolean, nullable=False),  # the current level is at or above its matrix's threshold
    Id(name="holder_unit_id", nullable=False),
    sa.Column("escalation_status", sa.String(20)),  # of the latest escalation; NULL if never escalated
    sa.Column("version", sa.Integer, nullable=False),
    sa.ForeignKeyConstraint(["analysis_id"], ["risk_analyses.id"]),
    sa.Index("ix_risks_tenant_analysis", "tenant", "analysis_id"),
    sa.Index("ix_risks_tenant_holder", "tenant", "holder_unit_id"),
)

# Every scoring of every risk, never changed: who scored what, when, on which matrix version.
risk_scorings = sa.Table(
    "risk_scorings", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    Id(name="risk_id", nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("probability", sa.Integer, nullable=False),
    sa.Column("consequence", sa.Integer, nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("level", sa.String(40), nullable=False),
    sa.Column("matrix_version", sa.Integer, nullable=False),
    sa.Column("scored_at", UTCDateTime, nullable=False),
    sa.Column("scored_by", sa.String(200), nullable=False),
    sa.ForeignKeyConstraint(["risk_id"], ["risks.id"]),
    sa.CheckConstraint("kind IN ('initial', 'residual')", name="kind"),
    sa.Index("ix_risk_scorings_tenant_risk", "tenant", "risk_id"),
)

risk_escalations = sa.Table(
    "risk_escalations", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    Id(name="risk_id", nullable=False),
    Id(name="from_unit_id", nullable=False),
    Id(name="to_unit_id", nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("escalated_at", UTCDateTime, nullable=False),
    sa.Column("escalated_by", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("decided_at", UTCDateTime),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("decision_reason", sa.Text),
    sa.ForeignKeyConstraint(["risk_id"], ["risks.id"]),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'returned')", name="status"),
    sa.Index("ix_risk_escalations_tenant_risk", "tenant", "risk_id"),
    sa.Index("ix_risk_escalations_tenant_to_unit", "tenant", "to_unit_id", "status"),
)

actions = action_table(metadata)

ORIGIN_TYPE = "risk"  # the origin_type of a risk's improvement actions (ordning_shared.actions)


# --------------------------------------------------------------------------
# The matrix
# --------------------------------------------------------------------------

def matrix_row(conn, tenant: str, version: int | None = None):
    """A version of the tenant's matrix, the current (highest) one if `version` is None; None if there is none."""
    m = risk_matrices.c
    query = sa.select(risk_matrices).where(m.tenant == tenant)
    query = query.where(m.version == version) if version is not None else query.order_by(m.version.desc()).limit(1)
    return conn.execute(query).first()


def insert_matrix(conn, tenant: str, version: int, matrix: d.RiskMatrix, at: datetime, by: str) -> bool:
    """Write a new version; False when it exists already (another writer came first)."""
    from ordning_shared.db import insert_if_absent

    return insert_if_absent(conn, risk_matrices, {"tenant": tenant, "version": version,
                                                  "definition": matrix.to_dict(), "created_at": at,
                                                  "created_by": by})


# --------------------------------------------------------------------------
# Analyses
# --------------------------------------------------------------------------

def analysis_from_row(row) -> d.RiskAnalysis:
    m = row._mapping
    return d.RiskAnalysis(
        id=m["id"], tenant=m["tenant"], title=m["title"], scope_type=d.ScopeType(m["scope_type"]),
        scope_id=m["scope_id"], unit_id=m["unit_id"], trigger=d.Trigger(m["trigger"]),
        trigger_change=d.ChangeKind(m["trigger_change"]) if m["trigger_change"] else None,
        trigger_note=m["trigger_note"], participants=list(m["participants"] or []),
        analysis_date=m["analysis_date"], matrix_version=m["matrix_version"], status=d.AnalysisStatus(m["status"]),
        created_at=m["created_at"], created_by=m["created_by"], started_at=m["started_at"],
        completed_at=m["completed_at"], followed_up_at=m["followed_up_at"], version=m["version"])


def analysis_values(analysis: d.RiskAnalysis) -> dict:
    return {
        "id": analysis.id, "tenant": analysis.tenant, "title": analysis.title,
        "scope_type": analysis.scope_type.value, "scope_id": analysis.scope_id, "unit_id": analysis.unit_id,
        "trigger": analysis.trigger.value,
        "trigger_change": analysis.trigger_change.value if analysis.trigger_change else None,
        "trigger_note": analysis.trigger_note, "participants": list(analysis.participants),
        "analysis_date": analysis.analysis_date, "matrix_version": analysis.matrix_version,
        "status": analysis.status.value, "created_at": analysis.created_at, "created_by": analysis.created_by,
        "started_at": analysis.started_at, "completed_at": analysis.completed_at,
        "followed_up_at": analysis.followed_up_at, "version": analysis.version}


def _unit_name(unit_column) -> sa.Label:
    ou = tables.org_units
    return (sa.select(ou.c.name).where(ou.c.tenant == risk_analyses.c.tenant, ou.c.id == unit_column)
            .scalar_subquery().label("unit_name"))


def analysis_select() -> sa.Select:
    return sa.select(risk_analyses, _unit_name(risk_analyses.c.unit_id))


def analysis_row(conn, tenant: str, analysis_id: str, *, lock: bool = False):
    """The analysis's row; `lock` holds it until the transaction ends, so writers of an analysis and its risks
    take turns (completing counts its risks' scorings; scoring checks the analysis is open)."""
    query = analysis_select().where(risk_analyses.c.tenant == tenant, risk_analyses.c.id == str(analysis_id))
    return conn.execute(query.with_for_update(of=risk_analyses) if lock else query).first()


def update_analysis(conn, analysis: d.RiskAnalysis, expected_version: int) -> bool:
    values = analysis_values(analysis)
    values.pop("id"), values.pop("tenant")
    return conn.execute(risk_analyses.update().where(
        risk_analyses.c.tenant == analysis.tenant, risk_analyses.c.id == analysis.id,
        risk_analyses.c.version == expected_version).values(**values)).rowcount == 1


def risk_counts(conn, tenant: str, analysis_ids) -> dict[str, dict]:
    """{analysis_id: {total, unscored, in_plan}} of the given analyses' risks."""
    ids = [str(i) for i in analysis_ids]
    counts = {i: {"total": 0, "unscored": 0, "in_plan": 0} for i in ids}
    if not ids:
        return counts
    r = risks.c
    rows = conn.execute(sa.select(
        r.analysis_id, sa.func.count(), sa.func.sum(sa.case((r.initial_score.is_(None), 1), else_=0)),
        sa.func.sum(sa.case((r.in_plan.is_(True), 1), else_=0)),
    ).where(r.tenant == tenant, r.analysis_id.in_(ids)).group_by(r.analysis_id)).all()
    for analysis_id, total, unscored, in_plan in rows:
        counts[analysis_id] = {"total": total, "unscored": int(unscored or 0), "in_plan": int(in_plan or 0)}
    return counts


def open_action_count(conn, tenant: str, analysis_id: str) -> int:
    a, r = actions.c, risks.c
    return conn.execute(sa.select(sa.func.count()).select_from(actions).where(
        a.tenant == tenant, a.origin_type == ORIGIN_TYPE,
        a.origin_id.in_(sa.select(r.id).where(r.tenant == tenant, r.analysis_id == analysis_id)),
        a.status.not_in(["done", "cancelled"]))).scalar_one()


def scope_units(conn, tenant: str, org_units) -> set[str]:
    return subtree_ids(conn, tables.org_units, tenant, org_units)


def units_above(conn, tenant: str, unit_id: str) -> list[str]:
    """The ancestors of a unit in the org-tree copy, nearest first (the unit itself not included)."""
    return ancestor_ids(conn, tables.org_units, tenant, unit_id)[1:]


def established_process(conn, tenant: str, process_id: str):
    return processmap.established_process(conn, tables, tenant, process_id)


def step_process_ids(conn, tenant: str, step_ids) -> dict[str, str]:
    return processmap.step_process_ids(conn, tables, tenant, step_ids)


def open_unit(conn, tenant: str, unit_id: str):
    ou = tables.org_units
    return conn.execute(sa.select(ou).where(ou.c.tenant == tenant, ou.c.id == unit_id,
                                            ou.c.closed_at.is_(None))).first()


SORT_COLUMNS = {name: risk_analyses.c[name] for name in ("analysis_date", "created_at", "status", "title")}
DEFAULT_SORT = pagination.Sort("analysis_date", descending=True)


@dataclass
class ListFilter:
    unit_id: str | None = None
    statuses: list | None = None
    scope_types: list | None = None
    triggers: list | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: pagination.Sort = DEFAULT_SORT
    cursor: str | None = None
    limit: int = 50
    offset: int = 0


@dataclass
class Page:
    rows: list
    total: int
    next_cursor: str | None


def readable_clause(conn, principal):
    """Analyses a principal may see: a staff role, and the analysis's unit in the subtree of their org units."""
    if not (set(principal.roles) & d.STAFF_ROLES) or not principal.org_units:
        return sa.false()
    units = scope_units(conn, principal.tenant, principal.org_units)
    return risk_analyses.c.unit_id.in_(sorted(units)) if units else sa.false()


def list_analyses(conn, principal, flt: ListFilter) -> Page:
    c = risk_analyses.c
    column = SORT_COLUMNS[flt.sort.key]
    position = None if flt.cursor is None else pagination.decode_cursor(flt.cursor, flt.sort, column)
    where = [c.tenant == principal.tenant, readable_clause(conn, principal)]
    if flt.unit_id:
        where.append(c.unit_id.in_(subtree_select(tables.org_units, principal.tenant, [flt.unit_id])))
    if flt.statuses:
        where.append(c.status.in_(list(flt.statuses)))
    if flt.scope_types:
        where.append(c.scope_type.in_(list(flt.scope_types)))
    if flt.triggers:
        where.append(c.trigger.in_(list(flt.triggers)))
    if flt.date_from is not None:
        where.append(c.analysis_date >= flt.date_from)
    if flt.date_to is not None:
        where.append(c.analysis_date <= flt.date_to)
    total = conn.execute(sa.select(sa.func.count()).select_from(risk_analyses).where(*where)).scalar_one()
    if position is not None:
        where.append(pagination.after(column, c.id, flt.sort, *position))
    rows = conn.execute(analysis_select().where(*where).order_by(*pagination.order_by(column, c.id, flt.sort))
                        .limit(flt.limit + 1).offset(flt.offset)).all()
    if len(rows) <= flt.limit:
        return Page(rows, total, None)
    last = rows[flt.limit - 1]
    return Page(rows[:flt.limit], total, pagination.encode_cursor(flt.sort, last._mapping[column.name], last.id))


# --------------------------------------------------------------------------
# Risks
# --------------------------------------------------------------------------

def risk_row(conn, tenant: str, analysis_id: str, risk_id: str, *, lock: bool = False):
    r = risks.c
    query = sa.select(risks).where(r.tenant == tenant, r.analysis_id == str(analysis_id), r.id == str(risk_id))
    return conn.execute(query.with_for_update() if lock else query).first()


def risk_rows(conn, tenant: str, analysis_id: str) -> list:
    r = risks.c
    return conn.execute(sa.select(risks).where(r.tenant == tenant, r.analysis_id == analysis_id)
                        .order_by(r.identified_at, r.id)).all()


def load_risks(conn, rows) -> list[d.Risk]:
    """The risks of these rows with their scorings and escalations (two queries for any number of risks)."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    tenant = rows[0].tenant
    s, e = risk_scorings.c, risk_escalations.c
    scorings: dict[str, list] = {i: [] for i in ids}
    for row in conn.execute(sa.select(risk_scorings).where(s.tenant == tenant, s.risk_id.in_(ids))
                            .order_by(s.scored_at, s.id)):
        scorings[row.risk_id].append(d.Scoring(
            id=row.id, kind=d.ScoringKind(row.kind), probability=row.probability, consequence=row.consequence,
            score=row.score, level=row.level, matrix_version=row.matrix_version, scored_at=row.scored_at,
            scored_by=row.scored_by))
    escalations: dict[str, list] = {i: [] for i in ids}
    for row in conn.execute(sa.select(risk_escalations).where(e.tenant == tenant, e.risk_id.in_(ids))
                            .order_by(e.escalated_at, e.id)):
        escalations[row.risk_id].append(d.Escalation(
            id=row.id, from_unit_id=row.from_unit_id, to_unit_id=row.to_unit_id, reason=row.reason,
            escalated_at=row.escalated_at, escalated_by=row.escalated_by, status=d.EscalationStatus(row.status),
            decided_at=row.decided_at, decided_by=row.decided_by, decision_reason=row.decision_reason))
    return [d.Risk(id=row.id, tenant=row.tenant, analysis_id=row.analysis_id, unit_id=row.unit_id,
                   description=row.description, causes=list(row.causes or []), matrix_version=row.matrix_version,
                   identified_at=row.identified_at, identified_by=row.identified_by, scorings=scorings[row.id],
                   escalations=escalations[row.id], version=row.version) for row in rows]


def risk_values(risk: d.Risk, matrix: d.RiskMatrix) -> dict:
    """The risk's row: its own columns, its current scorings and whether its current level is in the plan."""
    initial, residual = risk.current(d.ScoringKind.initial), risk.current(d.ScoringKind.residual)
    current = residual or initial
    latest = risk.escalations[-1] if risk.escalations else None
    return {
        "id": risk.id, "tenant": risk.tenant, "analysis_id": risk.analysis_id, "unit_id": risk.unit_id,
        "description": risk.description, "causes": list(risk.causes), "matrix_version": risk.matrix_version,
        "identified_at": risk.identified_at, "identified_by": risk.identified_by,
        **_scoring_columns("initial", initial), **_scoring_columns("residual", residual),
        "in_plan": bool(current is not None and matrix.in_plan(current.level)),
        "holder_unit_id": risk.holder_unit_id, "escalation_status": latest.status.value if latest else None,
        "version": risk.version}


def _scoring_columns(kind: str, scoring: d.Scoring | None) -> dict:
    return {f"{kind}_probability": scoring.probability if scoring else None,
            f"{kind}_consequence": scoring.consequence if scoring else None,
            f"{kind}_score": scoring.score if scoring else None,
            f"{kind}_level": scoring.level if scoring else None}


def scoring_values(risk: d.Risk, scoring: d.Scoring) -> dict:
    return {"id": scoring.id, "tenant": risk.tenant, "risk_id": risk.id, "kind": scoring.kind.value,
            "probability": scoring.probability, "consequence": scoring.consequence, "score": scoring.score,
            "level": scoring.level, "matrix_version": scoring.matrix_version, "scored_at": scoring.scored_at,
            "scored_by": scoring.scored_by}


def escalation_values(risk: d.Risk, escalation: d.Escalation) -> dict:
    return {"id": escalation.id, "tenant": risk.tenant, "risk_id": risk.id,
            "from_unit_id": escalation.from_unit_id, "to_unit_id": escalation.to_unit_id,
            "reason": escalation.reason, "escalated_at": escalation.escalated_at,
            "escalated_by": escalation.escalated_by, "status": escalation.status.value,
            "decided_at": escalation.decided_at, "decided_by": escalation.decided_by,
            "decision_reason": escalation.decision_reason}


def update_risk(conn, risk: d.Risk, matrix: d.RiskMatrix, expected_version: int) -> bool:
    values = risk_values(risk, matrix)
    values.pop("id"), values.pop("tenant")
    return conn.execute(risks.update().where(risks.c.tenant == risk.tenant, risks.c.id == risk.id,
                                             risks.c.version == expected_version).values(**values)).rowcount == 1


def update_escalation(conn, risk: d.Risk, escalation: d.Escalation) -> None:
    values = escalation_values(risk, escalation)
    conn.execute(risk_escalations.update().where(risk_escalations.c.tenant == risk.tenant,
                                                 risk_escalations.c.id == escalation.id).values(**values))


def escalation_row(conn, tenant: str, escalation_id: str):
    """The escalation's row with its risk's analysis id; None if there is none."""
    e, r = risk_escalations.c, risks.c
    return conn.execute(sa.select(risk_escalations, r.analysis_id).join(risks, r.id == e.risk_id).where(
        e.tenant == tenant, e.id == str(escalation_id))).first()


@dataclass
class EscalationFilter:
    to_unit_id: str | None = None
    statuses: list | None = None
    limit: int = 50
    offset: int = 0


@dataclass
class EscalationPage:
    rows: list
    total: int


def list_escalations(conn, principal, flt: EscalationFilter) -> EscalationPage:
    """Escalations of the risks of analyses the principal may read, newest first."""
    e, r, a = risk_escalations.c, risks.c, risk_analyses.c
    readable = sa.select(a.id).where(a.tenant == principal.tenant, readable_clause(conn, principal))
    where = [e.tenant == principal.tenant, r.analysis_id.in_(readable)]
    if flt.to_unit_id:
        where.append(e.to_unit_id == flt.to_unit_id)
    if flt.statuses:
        where.append(e.status.in_(list(flt.statuses)))
    base = sa.select(risk_escalations.c.id).join(risks, r.id == e.risk_id).where(*where)
    total = conn.execute(sa.select(sa.func.count()).select_from(base.subquery())).scalar_one()
    rows = conn.execute(sa.select(risk_escalations, r.analysis_id).join(risks, r.id == e.risk_id).where(*where)
                        .order_by(e.escalated_at.desc(), e.id.desc()).limit(flt.limit).offset(flt.offset)).all()
    return EscalationPage(rows, total)


@dataclass
class OwnedActionFilter:
    owner: str  # the subject who owns the actions
    statuses: list | None = None
    cursor: str | None = None  # next_cursor of the page before
    limit: int = 50
    offset: int = 0


# An owner's actions come by due date, the earliest first (the id breaks ties): what is due first is on top.
OWNED_ACTIONS_SORT = pagination.Sort("due_date")


def owned_action_rows(conn, principal, flt: OwnedActionFilter) -> Page:
    """A page of an owner's improvement actions, of the risks of analyses the principal may read, each row with
    its risk's analysis (id and title) and unit name."""
    a, r, c = actions.c, risks.c, risk_analyses.c
    column = a.due_date
    position = None if flt.cursor is None else pagination.decode_cursor(flt.cursor, OWNED_ACTIONS_SORT, column)
    joined = actions.join(risks, sa.and_(r.tenant == a.tenant, r.id == a.origin_id)).join(
        risk_analyses, sa.and_(c.tenant == r.tenant, c.id == r.analysis_id))
    where = [a.tenant == principal.tenant, a.origin_type == ORIGIN_TYPE, a.owner == flt.owner,
             readable_clause(conn, principal)]
    if flt.statuses:
        where.append(a.status.in_(list(flt.statuses)))
    total = conn.execute(sa.select(sa.func.count()).select_from(joined).where(*where)).scalar_one()
    if position is not None:
        where.append(pagination.after(column, a.id, OWNED_ACTIONS_SORT, *position))
    query = (sa.select(actions, r.analysis_id, c.title.label("analysis_title"), _unit_name(c.unit_id))
             .select_from(joined).where(*where)
             .order_by(*pagination.order_by(column, a.id, OWNED_ACTIONS_SORT)).limit(flt.limit + 1).offset(flt.offset))
    rows = conn.execute(query).all()
    if len(rows) <= flt.limit:
        return Page(rows, total, None)
    last = rows[flt.limit - 1]
    return Page(rows[:flt.limit], total, pagination.encode_cursor(OWNED_ACTIONS_SORT, last.due_date, last.id))


def action_counts(conn, tenant: str, risk_ids, today: date) -> dict[str, dict]:
    ids = [str(i) for i in risk_ids]
    counts = {i: {"total": 0, "open": 0, "overdue": 0} for i in ids}
    if not ids:
        return counts
    a = actions.c
    is_open = a.status.not_in(["done", "cancelled"])
    rows = conn.execute(sa.select(
        a.origin_id, sa.func.count(), sa.func.sum(sa.case((is_open, 1), else_=0)),
        sa.func.sum(sa.case((sa.and_(is_open, a.due_date < today), 1), else_=0)),
    ).where(a.tenant == tenant, a.origin_type == ORIGIN_TYPE, a.origin_id.in_(ids)).group_by(a.origin_id)).all()
    for origin_id, total, open_, overdue in rows:
        counts[origin_id] = {"total": total, "open": int(open_ or 0), "overdue": int(overdue or 0)}
    return counts


def audit_rows(conn, tenant: str, entity_type: str, entity_id: str):
    log = tables.audit_log
    return conn.execute(sa.select(log).where(log.c.tenant == tenant, log.c.entity_type == entity_type,
                                             log.c.entity_id == entity_id).order_by(log.c.id)).all()


# --------------------------------------------------------------------------
# Risk proposals: serious deviations and deviations possible elsewhere, waiting to be analysed as risks
# --------------------------------------------------------------------------

# One row per (tenant, case, reason, unit): the serious decision and the IVO report of a case make one proposal,
# a flag one per sibling unit; a case that proposes again reopens its withdrawn row instead of adding one.
risk_proposals = sa.Table(
    "risk_proposals", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(30), nullable=False),
    Id(name="deviation_id", nullable=False),
    sa.Column("deviation_kind", sa.String(20), nullable=False),
    Id(name="source_unit_id", nullable=False),
    Id(name="unit_id", nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("ivo_reported_on", sa.Date),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("decided_at", UTCDateTime),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("decision_reason", sa.Text),
    Id(name="analysis_id"),
    Id(name="risk_id"),
    sa.Column("withdrawn_at", UTCDateTime),
    sa.Column("version", sa.Integer, nullable=False),
    sa.ForeignKeyConstraint(["analysis_id"], ["risk_analyses.id"]),
    sa.ForeignKeyConstraint(["risk_id"], ["risks.id"]),
    sa.CheckConstraint("status IN ('open', 'accepted', 'dismissed', 'withdrawn')", name="status"),
    sa.CheckConstraint("reason IN ('serious_deviation', 'possible_elsewhere')", name="reason"),
    sa.UniqueConstraint("tenant", "deviation_id", "reason", "unit_id", name="uq_risk_proposals_source"),
    sa.Index("ix_risk_proposals_tenant_status_created", "tenant", "status", "created_at"),
    sa.Index("ix_risk_proposals_tenant_unit", "tenant", "unit_id"),
)

# The highest version of a deviation case applied per facet (seriousness, flag): an event of a facet applies only
# if it is newer, so a late or repeated one changes nothing.
deviation_facet_versions = sa.Table(
    "deviation_facet_versions", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="deviation_id", primary_key=True),
    sa.Column("facet", sa.String(20), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("applied_at", UTCDateTime, nullable=False),
)

# Declared here beside its table (the platform's tables hold a copy of the dict above, made when they were).
tables.audit_value_fields["risk_proposal"] = AUDIT_VALUE_FIELDS["risk_proposal"] = frozenset({
    "id", "reason", "deviation_id", "deviation_kind", "source_unit_id", "unit_id", "status", "ivo_reported_on",
    "created_at", "decided_at", "analysis_id", "risk_id", "withdrawn_at", "version"})


def facet_version(conn, tenant: str, deviation_id: str, facet: str, *, lock: bool = False) -> int:
    """The version held for a facet of a case, 0 if none; `lock` holds the row (two deliveries of one case's
    events take turns)."""
    v = deviation_facet_versions.c
    query = sa.select(v.version).where(v.tenant == tenant, v.deviation_id == deviation_id, v.facet == facet)
    return conn.execute(query.with_for_update() if lock else query).scalar() or 0


def claim_facet_version(conn, tenant: str, deviation_id: str, facet: str, version: int, at: datetime) -> bool:
    """Store `version` for the facet if it is newer than the one held; False (nothing stored) if it is not.

    One statement whatever the race: the insert of a first version, or an update guarded by the older version, so
    two workers applying events of one case cannot both win."""
    from ordning_shared.db import insert_if_absent

    v = deviation_facet_versions.c
    if insert_if_absent(conn, deviation_facet_versions, {"tenant": tenant, "deviation_id": deviation_id,
                                                         "facet": facet, "version": version, "applied_at": at}):
        return True
    return conn.execute(deviation_facet_versions.update().where(
        v.tenant == tenant, v.deviation_id == deviation_id, v.facet == facet, v.version < version,
    ).values(version=version, applied_at=at)).rowcount == 1


def proposal_from_row(row) -> dp.RiskProposal:
    m = row._mapping
    return dp.RiskProposal(
        id=m["id"], tenant=m["tenant"], reason=dp.ProposalReason(m["reason"]), deviation_id=m["deviation_id"],
        deviation_kind=m["deviation_kind"], source_unit_id=m["source_unit_id"], unit_id=m["unit_id"],
        created_at=m["created_at"], status=dp.ProposalStatus(m["status"]), ivo_reported_on=m["ivo_reported_on"],
        decided_at=m["decided_at"], decided_by=m["decided_by"], decision_reason=m["decision_reason"],
        analysis_id=m["analysis_id"], risk_id=m["risk_id"], withdrawn_at=m["withdrawn_at"], version=m["version"])


def proposal_values(proposal: dp.RiskProposal) -> dict:
    return {
        "id": proposal.id, "tenant": proposal.tenant, "reason": proposal.reason.value,
        "deviation_id": proposal.deviation_id, "deviation_kind": proposal.deviation_kind,
        "source_unit_id": proposal.source_unit_id, "unit_id": proposal.unit_id, "status": proposal.status.value,
        "ivo_reported_on": proposal.ivo_reported_on, "created_at": proposal.created_at,
        "decided_at": proposal.decided_at, "decided_by": proposal.decided_by,
        "decision_reason": proposal.decision_reason, "analysis_id": proposal.analysis_id,
        "risk_id": proposal.risk_id, "withdrawn_at": proposal.withdrawn_at, "version": proposal.version}


def proposal_select() -> sa.Select:
    ou = tables.org_units
    unit_name = (sa.select(ou.c.name).where(ou.c.tenant == risk_proposals.c.tenant, ou.c.id == risk_proposals.c.unit_id)
                 .scalar_subquery().label("unit_name"))
    return sa.select(risk_proposals, unit_name)


def proposal_row(conn, tenant: str, proposal_id: str, *, lock: bool = False):
    query = proposal_select().where(risk_proposals.c.tenant == tenant, risk_proposals.c.id == str(proposal_id))
    return conn.execute(query.with_for_update(of=risk_proposals) if lock else query).first()


def proposal_by_source(conn, tenant: str, deviation_id: str, reason: str, unit_id: str):
    p = risk_proposals.c
    return conn.execute(proposal_select().where(p.tenant == tenant, p.deviation_id == deviation_id,
                                                p.reason == reason, p.unit_id == unit_id)).first()


def proposals_of_case(conn, tenant: str, deviation_id: str, reason: str, *, status: str | None = None) -> list:
    p = risk_proposals.c
    where = [p.tenant == tenant, p.deviation_id == deviation_id, p.reason == reason]
    if status is not None:
        where.append(p.status == status)
    return conn.execute(proposal_select().where(*where).order_by(p.unit_id)).all()


def update_proposal(conn, proposal: dp.RiskProposal, expected_version: int) -> bool:
    values = proposal_values(proposal)
    values.pop("id"), values.pop("tenant")
    return conn.execute(risk_proposals.update().where(
        risk_proposals.c.tenant == proposal.tenant, risk_proposals.c.id == proposal.id,
        risk_proposals.c.version == expected_version).values(**values)).rowcount == 1


def sibling_units(conn, tenant: str, unit_id: str) -> list[str] | None:
    """The open units beside a unit in the org-tree copy (same parent, not itself); None if the copy does not know
    the unit yet. Only units where work is done: an enhet or an utförare, not a förvaltning beside a förvaltning."""
    ou = tables.org_units
    unit = conn.execute(sa.select(ou.c.parent_id).where(ou.c.tenant == tenant, ou.c.id == unit_id)).first()
    if unit is None:
        return None
    if unit.parent_id is None:
        return []
    return list(conn.execute(sa.select(ou.c.id).where(
        ou.c.tenant == tenant, ou.c.parent_id == unit.parent_id, ou.c.id != unit_id, ou.c.closed_at.is_(None),
        ou.c.kind.in_(sorted(PROPOSAL_UNIT_KINDS))).order_by(ou.c.id)).scalars())


PROPOSAL_UNIT_KINDS = frozenset({"unit", "external_provider"})
PROPOSAL_SORT_COLUMNS = {name: risk_proposals.c[name] for name in ("created_at", "status")}
PROPOSAL_DEFAULT_SORT = pagination.Sort("created_at", descending=True)


@dataclass
class ProposalFilter:
    statuses: list | None = None  # None: open only
    unit_id: str | None = None
    reasons: list | None = None
    deviation_id: str | None = None
    sort: pagination.Sort = PROPOSAL_DEFAULT_SORT
    cursor: str | None = None
    limit: int = 50


def proposal_readable_clause(conn, principal):
    """Proposals a principal may see: a staff role, and the proposal's unit in the subtree of their org units (as
    analyses)."""
    if not (set(principal.roles) & d.STAFF_ROLES) or not principal.org_units:
        return sa.false()
    units = scope_units(conn, principal.tenant, principal.org_units)
    return risk_proposals.c.unit_id.in_(sorted(units)) if units else sa.false()


def list_proposals(conn, principal, flt: ProposalFilter) -> Page:
    c = risk_proposals.c
    column = PROPOSAL_SORT_COLUMNS[flt.sort.key]
    position = None if flt.cursor is None else pagination.decode_cursor(flt.cursor, flt.sort, column)
    where = [c.tenant == principal.tenant, proposal_readable_clause(conn, principal),
             c.status.in_(list(flt.statuses or [dp.ProposalStatus.open.value]))]
    if flt.unit_id:
        where.append(c.unit_id.in_(subtree_select(tables.org_units, principal.tenant, [flt.unit_id])))
    if flt.reasons:
        where.append(c.reason.in_(list(flt.reasons)))
    if flt.deviation_id:
        where.append(c.deviation_id == flt.deviation_id)
    total = conn.execute(sa.select(sa.func.count()).select_from(risk_proposals).where(*where)).scalar_one()
    if position is not None:
        where.append(pagination.after(column, c.id, flt.sort, *position))
    rows = conn.execute(proposal_select().where(*where).order_by(*pagination.order_by(column, c.id, flt.sort))
                        .limit(flt.limit + 1)).all()
    if len(rows) <= flt.limit:
        return Page(rows, total, None)
    last = rows[flt.limit - 1]
    return Page(rows[:flt.limit], total, pagination.encode_cursor(flt.sort, last._mapping[column.name], last.id))
