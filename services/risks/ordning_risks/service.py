"""Use cases: one function per command, one unit of work each.

The change, its audit record and its events commit together. Access, as in deviations: a role acts within its
org units and the units below them (the org-tree copy); an analysis the caller may not read is "not found" (its
existence is never revealed), one they may read but not change is "forbidden".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from ordning_shared import idempotency
from ordning_shared.actions import ActionRepository, ImprovementAction
from ordning_shared.db import utcnow
from ordning_shared.problems import Forbidden, NotFound, PreconditionFailed, Unprocessable
from ordning_shared.processmap import UnknownProcess, UnknownProcessStep

from . import db
from . import domain as d

Precondition = Callable[[str, int], None] | None
Stale = PreconditionFailed
MATRIX_ETAG_ID = "risk-matrix"  # the matrix's ETag: "risk-matrix.<version>"
DEFAULT_MATRIX_AUTHOR = "system:default"  # who the first version is written by when a tenant has none yet
STOCKHOLM = ZoneInfo("Europe/Stockholm")


class UnknownUnit(Unprocessable):
    code = "unknown_unit"


def _process_scope(conn, tenant: str, scope_type: d.ScopeType, scope_id: str) -> str:
    """The scope id of a process or subprocess analysis, as the process map spells it (lower case), once the
    copy of the map (ordning_shared.processmap) knows it: a process scope names an established process of the
    tenant; a subprocess scope a step of one, or an established delprocess. Another tenant's process is
    answered like one that does not exist."""
    scope_id = scope_id.lower()
    process = db.established_process(conn, tenant, scope_id)
    if scope_type is d.ScopeType.process:
        if process is None:
            raise UnknownProcess(scope_id)
    elif not (process is not None and process.parent_id) and not db.step_process_ids(conn, tenant, [scope_id]):
        raise UnknownProcessStep(scope_id, or_delprocess=True)
    return scope_id


def _today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(STOCKHOLM).date()


def _analysis_not_found() -> NotFound:
    return NotFound("Riskanalysen finns inte.", "There is no such risk analysis.")


def _risk_not_found() -> NotFound:
    return NotFound("Risken finns inte.", "There is no such risk.")


def _forbidden(command: str) -> Forbidden:
    return Forbidden(f"Din roll får inte göra detta ({command}) på riskanalysen; det kräver enhetschef, "
                     f"verksamhetschef, förvaltningschef eller processägare för enheten.",
                     f"Your roles do not allow {command} on the risk analysis; it needs enhetschef, "
                     f"verksamhetschef, forvaltningschef or processagare for its unit.")


# --------------------------------------------------------------------------
# The matrix
# --------------------------------------------------------------------------

def _require_staff(principal) -> None:
    if not principal.has_any(*d.STAFF_ROLES):
        raise Forbidden("Riskmatrisen kräver en personalroll.", "The risk matrix needs a staff role.")


def current_matrix(uow, tenant: str) -> tuple[int, d.RiskMatrix]:
    """The tenant's current matrix and its version. A tenant without one gets the default, written as version 1
    the first time it is needed, so that every analysis names a stored version that never changes; its event
    (matrix_changed, version 1) commits with it, so subscribers know the default as the tenant's first version."""
    conn = uow.connection
    row = db.matrix_row(conn, tenant)
    if row is None:
        at = utcnow()
        if db.insert_matrix(conn, tenant, 1, d.DEFAULT_MATRIX, at, DEFAULT_MATRIX_AUTHOR):
            uow.add_event(d.events.matrix_changed(tenant, 1, d.DEFAULT_MATRIX, at))
        row = db.matrix_row(conn, tenant)
    return row.version, d.RiskMatrix.from_dict(row.definition)


def matrix_of(conn, tenant: str, version: int) -> d.RiskMatrix:
    row = db.matrix_row(conn, tenant, version)
    if row is None:  # an analysis names only versions that were written
        raise RuntimeError(f"risk matrix version {version} of {tenant} is missing")
    return d.RiskMatrix.from_dict(row.definition)


def _matrix_view(row) -> dict:
    return {**d.RiskMatrix.from_dict(row.definition).to_dict(), "version": row.version,
            "created_at": row.created_at, "created_by": row.created_by}


def get_matrix(platform, principal) -> dict:
    _require_staff(principal)
    with platform.uow() as uow:
        current_matrix(uow, principal.tenant)
        uow.commit()  # the default's first writing, if it was that
        return _matrix_view(db.matrix_row(uow.connection, principal.tenant))


def get_matrix_version(platform, principal, version: int) -> dict:
    _require_staff(principal)
    with platform.engine.connect() as conn:
        row = db.matrix_row(conn, principal.tenant, version)
    if row is None:
        raise NotFound("Den versionen av riskmatrisen finns inte.", "There is no such version of the risk matrix.")
    return _matrix_view(row)


def put_matrix(platform, principal, data: dict, precondition: Precondition = None, now: datetime | None = None) -> dict:
    """A new version of the tenant's matrix; If-Match names the version read. Old versions stay as they were,
    and so do the scores made on them."""
    if not d.may(principal.roles, "edit_matrix"):
        raise Forbidden("Det kräver rollen administratör.", "It needs the administrator role.")
    matrix = d.RiskMatrix.from_dict(data)
    at = now or utcnow()
    with platform.uow() as uow:
        version, before = current_matrix(uow, principal.tenant)
        if precondition is not None:
            precondition(MATRIX_ETAG_ID, version)
        if not db.insert_matrix(uow.connection, principal.tenant, version + 1, matrix, at, principal.subject):
            raise Stale("Riskmatrisen har ändrats av någon annan; läs om den.",
                        "The risk matrix was changed by someone else; read it again.")
        uow.add_event(d.events.matrix_changed(principal.tenant, version + 1, matrix, at))
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="put", entity_type="risk_matrix",
                  entity_id=principal.tenant, before=_matrix_audit(before, version),
                  after=_matrix_audit(matrix, version + 1))
        uow.commit()
    return get_matrix(platform, principal)


def announce_stored_matrices(conn, service: str = "risks") -> int:
    """Put a matrix_changed event in the outbox for every stored version of every tenant's matrix: what migration
    0003 does for the versions written before the service published the event, so that subscribers (reporting)
    learn them too. A subscriber keeps the versions by number, so a version announced twice changes nothing."""
    from ordning_shared.events import outbox_row

    m = db.risk_matrices.c
    rows = conn.execute(sa.select(db.risk_matrices).order_by(m.tenant, m.version)).all()
    events = [d.events.matrix_changed(row.tenant, row.version, d.RiskMatrix.from_dict(row.definition),
                                      row.created_at) for row in rows]
    if events:
        conn.execute(db.tables.outbox.insert(), [outbox_row(event, service) for event in events])
    return len(events)


def _matrix_audit(matrix: d.RiskMatrix, version: int) -> dict:
    return {**matrix.to_dict(), "version": version, "probability_steps_count": len(matrix.probability),
            "consequence_steps_count": len(matrix.consequence)}


# --------------------------------------------------------------------------
# Presentation
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Caller:
    """Whom an analysis is presented to: their roles and the units they act on (the subtree of their org units).

    `allowed_commands` is what this caller may do now, so that a client shows only buttons that work.
    """

    roles: frozenset[str]
    units: frozenset[str]

    def options(self, analysis: d.RiskAnalysis, counts: dict, open_actions: int = 0):
        return analysis.command_options(self.roles, analysis.unit_id in self.units, counts.get("unscored", 0),
                                        open_actions)


def caller_of(conn, principal) -> Caller:
    return Caller(frozenset(principal.roles), frozenset(db.scope_units(conn, principal.tenant, principal.org_units)))


def present_analysis(row, counts: dict, caller: Caller, open_actions: int = 0) -> dict:
    analysis = db.analysis_from_row(row)
    allowed, blocked = caller.options(analysis, counts, open_actions)
    return {
        "id": analysis.id, "title": analysis.title, "scope_type": analysis.scope_type.value,
        "scope_id": analysis.scope_id, "unit_id": analysis.unit_id, "unit_name": row._mapping["unit_name"],
        "trigger": analysis.trigger.value,
        "trigger_change": analysis.trigger_change.value if analysis.trigger_change else None,
        "trigger_note": analysis.trigger_note, "participants": analysis.participants,
        "analysis_date": analysis.analysis_date, "matrix_version": analysis.matrix_version,
        "status": analysis.status.value, "status_label_sv": d.STATUS_LABELS_SV[analysis.status],
        "created_at": analysis.created_at, "created_by": analysis.created_by, "started_at": analysis.started_at,
        "completed_at": analysis.completed_at, "followed_up_at": analysis.followed_up_at,
        "version": analysis.version, "risks": counts,
        "allowed_commands": [c.value for c in allowed],
        "blocked_commands": [{"command": b.command.value, "code": b.code, "reason": b.reason} for b in blocked],
    }


def _scoring_view(scoring: d.Scoring | None, matrix: d.RiskMatrix) -> dict | None:
    if scoring is None:
        return None
    level = matrix.level(scoring.level)
    return {"id": scoring.id, "kind": scoring.kind.value, "probability": scoring.probability,
            "consequence": scoring.consequence, "score": scoring.score, "level": scoring.level,
            "level_label": level.label, "level_colour": level.colour, "in_plan": matrix.in_plan(scoring.level),
            "matrix_version": scoring.matrix_version, "scored_at": scoring.scored_at, "scored_by": scoring.scored_by}


def _escalation_view(escalation: d.Escalation) -> dict:
    return {"id": escalation.id, "from_unit_id": escalation.from_unit_id, "to_unit_id": escalation.to_unit_id,
            "reason": escalation.reason, "escalated_at": escalation.escalated_at,
            "escalated_by": escalation.escalated_by, "status": escalation.status.value,
            "decided_at": escalation.decided_at, "decided_by": escalation.decided_by,
            "decision_reason": escalation.decision_reason}


def present_risk(risk: d.Risk, matrix: d.RiskMatrix, counts: dict | None) -> dict:
    values = db.risk_values(risk, matrix)
    return {
        "id": risk.id, "analysis_id": risk.analysis_id, "unit_id": risk.unit_id, "description": risk.description,
        "causes": risk.causes, "matrix_version": risk.matrix_version, "identified_at": risk.identified_at,
        "identified_by": risk.identified_by,
        "initial": _scoring_view(risk.current(d.ScoringKind.initial), matrix),
        "residual": _scoring_view(risk.current(d.ScoringKind.residual), matrix),
        "in_plan": values["in_plan"],
        "scorings": [_scoring_view(s, matrix) for s in risk.scorings],
        "holder_unit_id": risk.holder_unit_id, "escalation_status": values["escalation_status"],
        "escalations": [_escalation_view(e) for e in risk.escalations],
        "actions": counts or {"total": 0, "open": 0, "overdue": 0}, "version": risk.version,
    }


# --------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------

def _readable(conn, principal, row) -> d.RiskAnalysis:
    """The analysis of a row (None: no such analysis) if the principal may read it, else 404."""
    if row is None:
        raise _analysis_not_found()
    analysis = db.analysis_from_row(row)
    if not (principal.has_any(*d.STAFF_ROLES)
            and analysis.unit_id in db.scope_units(conn, principal.tenant, principal.org_units)):
        raise _analysis_not_found()
    return analysis


def _load(uow, principal, analysis_id: str, command: str | None = None) -> tuple[object, d.RiskAnalysis]:
    """(row, analysis) if the principal may read it (else 404) and run `command` on it (else 403). A command
    locks the analysis's row first: writers of an analysis and its risks take turns."""
    row = db.analysis_row(uow.connection, principal.tenant, analysis_id, lock=command is not None)
    analysis = _readable(uow.connection, principal, row)
    if command is not None and not d.may(principal.roles, command):
        raise _forbidden(command)
    return row, analysis


def _save_analysis(uow, principal, analysis: d.RiskAnalysis, before: dict, expected: int, action: str) -> None:
    if not db.update_analysis(uow.connection, analysis, expected):
        raise Stale("Riskanalysen har ändrats av någon annan; läs om den.",
                    "The risk analysis was changed by someone else; read it again.")
    _flush(uow, analysis)
    uow.audit(tenant=analysis.tenant, actor=principal.subject, action=action, entity_type="risk_analysis",
              entity_id=analysis.id, before=before, after=db.analysis_values(analysis))


def _flush(uow, aggregate) -> None:
    for event in aggregate.events:
        uow.add_event(event)
    aggregate.events.clear()


# --------------------------------------------------------------------------
# Analyses
# --------------------------------------------------------------------------

def create_analysis(platform, principal, data: dict, claim=None, now: datetime | None = None) -> str:
    """An analysis in draft, for a unit or förvaltning (its id) or a process or delprocess (with the unit that
    owns it; _process_scope), on the tenant's current matrix."""
    now = now or utcnow()
    if not d.may(principal.roles, "create"):
        raise _forbidden("create")
    scope_type = d.ScopeType(data["scope_type"])
    with platform.uow() as uow:
        conn = uow.connection
        if scope_type in d.ORG_SCOPE_KINDS:
            if data.get("unit_id") not in (None, data["scope_id"]):
                raise d.InvalidAnalysis("För en enhet eller förvaltning är unit_id detsamma som scope_id; utelämna "
                                        "det.", "For a unit or administration scope unit_id is the scope_id; leave "
                                        "it out.")
            unit_id = scope_id = data["scope_id"]
            unit = db.open_unit(conn, principal.tenant, unit_id)
            if unit is None or unit.kind not in d.ORG_SCOPE_KINDS[scope_type]:
                raise UnknownUnit(f"Det finns ingen öppen enhet av rätt slag ({scope_type.value}) med id {unit_id}.",
                                  f"There is no open org unit of kind {scope_type.value} with id {unit_id}.")
        else:
            unit_id = data.get("unit_id")
            if not unit_id:
                raise d.InvalidAnalysis("En process eller delprocess analyseras för en enhet: ange unit_id.",
                                        "A process or subprocess is analysed for an org unit: give unit_id.")
            if db.open_unit(conn, principal.tenant, unit_id) is None:
                raise UnknownUnit(f"Enheten {unit_id} är okänd eller stängd.",
                                  f"The unit {unit_id} is unknown or closed.")
            scope_id = _process_scope(conn, principal.tenant, scope_type, data["scope_id"])
        if unit_id not in db.scope_units(conn, principal.tenant, principal.org_units):
            raise Forbidden("Enheten ligger utanför dina enheter.", "The unit is outside your org units.")
        version, _matrix = current_matrix(uow, principal.tenant)
        analysis = d.RiskAnalysis.create(
            tenant=principal.tenant, title=data["title"], scope_type=scope_type, scope_id=scope_id,
            unit_id=unit_id, trigger=data["trigger"], trigger_change=data.get("trigger_change"),
            trigger_note=data.get("trigger_note"), participants=data.get("participants", []),
            analysis_date=data["analysis_date"], matrix_version=version, at=now, by=principal.subject)
        conn.execute(db.risk_analyses.insert().values(**db.analysis_values(analysis)))
        _flush(uow, analysis)
        uow.audit(tenant=analysis.tenant, actor=principal.subject, action="create", entity_type="risk_analysis",
                  entity_id=analysis.id, after=db.analysis_values(analysis))
        idempotency.record(claim, uow, analysis.id)
        uow.commit()
    return analysis.id


def read_analysis(platform, principal, analysis_id: str) -> dict:
    with platform.engine.connect() as conn:
        row = db.analysis_row(conn, principal.tenant, analysis_id)
        analysis = _readable(conn, principal, row)
        counts = db.risk_counts(conn, principal.tenant, [analysis.id])[analysis.id]
        return present_analysis(row, counts, caller_of(conn, principal),
                                db.open_action_count(conn, principal.tenant, analysis.id))


def list_analyses(platform, principal, flt: db.ListFilter) -> dict:
    with platform.engine.connect() as conn:
        page = db.list_analyses(conn, principal, flt)
        counts = db.risk_counts(conn, principal.tenant, [row.id for row in page.rows])
        caller = caller_of(conn, principal)
        items = [present_analysis(row, counts[row.id], caller,
                                  db.open_action_count(conn, principal.tenant, row.id)
                                  if row.status == d.AnalysisStatus.completed.value else 0)
                 for row in page.rows]
    return {"items": items, "total": page.total, "limit": flt.limit, "offset": flt.offset,
            "next_cursor": page.next_cursor}


def _analysis_command(platform, principal, analysis_id: str, command: str, precondition: Precondition,
                      change: Callable[[object, d.RiskAnalysis], None]) -> None:
    with platform.uow() as uow:
        _row, analysis = _load(uow, principal, analysis_id, command)
        if precondition is not None:
            precondition(analysis.id, analysis.version)
        before, expected = db.analysis_values(analysis), analysis.version
        change(uow, analysis)
        if analysis.version == expected:
            return  # nothing changed: nothing to write
        _save_analysis(uow, principal, analysis, before, expected, command)
        uow.commit()


def update_analysis(platform, principal, analysis_id: str, data: dict, precondition: Precondition = None) -> None:
    def change(_uow, analysis):
        analysis.update(**{name: data[name] for name in ("title", "participants", "analysis_date", "trigger")
                           if name in data},
                        **{name: data[name] for name in ("trigger_change", "trigger_note") if name in data})

    _analysis_command(platform, principal, analysis_id, "update", precondition, change)


def transition(platform, principal, analysis_id: str, command: str, precondition: Precondition = None,
               now: datetime | None = None) -> None:
    now = now or utcnow()
    command = d.Command(command)

    def change(uow, analysis):
        conn = uow.connection
        if command is d.Command.start:
            risk_ids = [row.id for row in db.risk_rows(conn, analysis.tenant, analysis.id)]
            scored = risk_ids and conn.execute(sa.select(sa.func.count()).select_from(db.risk_scorings).where(
                db.risk_scorings.c.tenant == analysis.tenant, db.risk_scorings.c.risk_id.in_(risk_ids))).scalar_one()
            version = None
            if not scored:  # nothing scored yet: the analysis is scored on the matrix current when it starts
                version, _matrix = current_matrix(uow, analysis.tenant)
                if risk_ids:
                    conn.execute(db.risks.update().where(db.risks.c.tenant == analysis.tenant,
                                                         db.risks.c.analysis_id == analysis.id)
                                 .values(matrix_version=version))
            analysis.start(now, version)
        elif command is d.Command.complete:
            counts = db.risk_counts(conn, analysis.tenant, [analysis.id])[analysis.id]
            analysis.complete(now, counts["unscored"], counts["total"])
        elif command is d.Command.reopen:
            analysis.reopen(now)
        else:
            analysis.follow_up(now, db.open_action_count(conn, analysis.tenant, analysis.id))

    _analysis_command(platform, principal, analysis_id, command.value, precondition, change)


def analysis_audit_trail(platform, principal, analysis_id: str) -> list[dict]:
    """The analysis's audit trail, its risks' and their actions'; for who may read it and runs analyses."""
    with platform.uow() as uow:
        conn = uow.connection
        _row, analysis = _load(uow, principal, analysis_id)
        if not principal.has_any(*d.ANALYSTS, "kvalitetsutvecklare", "administrator"):
            raise Forbidden("Granskningsloggen kräver en chefsroll, processägare, kvalitetsutvecklare eller "
                            "administratör.", "The audit trail needs a manager role, processagare, "
                            "kvalitetsutvecklare or administrator.")
        entries = list(db.audit_rows(conn, principal.tenant, "risk_analysis", analysis.id))
        for risk_row in db.risk_rows(conn, principal.tenant, analysis.id):
            entries.extend(db.audit_rows(conn, principal.tenant, "risk", risk_row.id))
            a = db.actions.c
            for action_id in conn.execute(sa.select(a.id).where(
                    a.tenant == principal.tenant, a.origin_type == db.ORIGIN_TYPE, a.origin_id == risk_row.id)).scalars():
                entries.extend(db.audit_rows(conn, principal.tenant, "improvement_action", action_id))
    entries.sort(key=lambda e: e.id)
    return [dict(e._mapping) for e in entries]


# --------------------------------------------------------------------------
# Risks
# --------------------------------------------------------------------------

def _risk(conn, analysis: d.RiskAnalysis, risk_id: str, lock: bool = False) -> d.Risk:
    row = db.risk_row(conn, analysis.tenant, analysis.id, risk_id, lock=lock)
    if row is None:
        raise _risk_not_found()
    return db.load_risks(conn, [row])[0]


def _save_risk(uow, principal, risk: d.Risk, matrix: d.RiskMatrix, before: dict, expected: int, action: str):
    if not db.update_risk(uow.connection, risk, matrix, expected):
        raise Stale("Risken har ändrats av någon annan; läs om den.",
                    "The risk was changed by someone else; read it again.")
    _flush(uow, risk)
    uow.audit(tenant=risk.tenant, actor=principal.subject, action=action, entity_type="risk", entity_id=risk.id,
              before=before, after=db.risk_values(risk, matrix))


def add_risk(platform, principal, analysis_id: str, data: dict, claim=None, now: datetime | None = None) -> str:
    now = now or utcnow()
    with platform.uow() as uow:
        _row, analysis = _load(uow, principal, analysis_id, "add_risk")
        matrix = matrix_of(uow.connection, analysis.tenant, analysis.matrix_version)
        risk = d.Risk.identify(analysis, description=data["description"], causes=data.get("causes", []), at=now,
                               by=principal.subject)
        uow.execute(db.risks.insert().values(**db.risk_values(risk, matrix)))
        _flush(uow, risk)
        uow.audit(tenant=risk.tenant, actor=principal.subject, action="create", entity_type="risk",
                  entity_id=risk.id, after=db.risk_values(risk, matrix))
        idempotency.record(claim, uow, risk.id)
        uow.commit()
    return risk.id


def read_risk(platform, principal, analysis_id: str, risk_id: str, now: datetime | None = None) -> dict:
    with platform.engine.connect() as conn:
        row = db.analysis_row(conn, principal.tenant, analysis_id)
        analysis = _readable(conn, principal, row)
        risk = _risk(conn, analysis, risk_id)
        matrix = matrix_of(conn, analysis.tenant, risk.matrix_version)
        counts = db.action_counts(conn, analysis.tenant, [risk.id], _today(now))[risk.id]
        return present_risk(risk, matrix, counts)


def list_risks(platform, principal, analysis_id: str, now: datetime | None = None) -> list[dict]:
    with platform.engine.connect() as conn:
        row = db.analysis_row(conn, principal.tenant, analysis_id)
        analysis = _readable(conn, principal, row)
        risks = db.load_risks(conn, db.risk_rows(conn, analysis.tenant, analysis.id))
        matrices: dict[int, d.RiskMatrix] = {}
        counts = db.action_counts(conn, analysis.tenant, [r.id for r in risks], _today(now))
        items = []
        for risk in risks:
            if risk.matrix_version not in matrices:
                matrices[risk.matrix_version] = matrix_of(conn, analysis.tenant, risk.matrix_version)
            items.append(present_risk(risk, matrices[risk.matrix_version], counts[risk.id]))
        return items


def _risk_command(platform, principal, analysis_id: str, risk_id: str, command: str, precondition: Precondition,
                  change: Callable[[object, d.RiskAnalysis, d.Risk, d.RiskMatrix], object], *,
                  permitted: Callable[[object, d.RiskAnalysis, d.Risk], bool] | None = None, claim=None):
    """Run `change` on a risk, under the lock of its analysis; returns what `change` returns."""
    with platform.uow() as uow:
        if permitted is None:
            _row, analysis = _load(uow, principal, analysis_id, command)
        else:
            _row, analysis = _load(uow, principal, analysis_id)
        risk = _risk(uow.connection, analysis, risk_id, lock=True)
        if permitted is not None and not permitted(uow.connection, analysis, risk):
            raise _forbidden(command)
        if precondition is not None:
            precondition(risk.id, risk.version)
        matrix = matrix_of(uow.connection, analysis.tenant, risk.matrix_version)
        before, expected = db.risk_values(risk, matrix), risk.version
        result = change(uow, analysis, risk, matrix)
        if risk.version != expected:
            _save_risk(uow, principal, risk, matrix, before, expected, command)
        idempotency.record(claim, uow, getattr(result, "id", risk.id))
        uow.commit()
    return result


def update_risk(platform, principal, analysis_id: str, risk_id: str, data: dict,
                precondition: Precondition = None) -> None:
    _risk_command(platform, principal, analysis_id, risk_id, "update_risk", precondition,
                  lambda _uow, analysis, risk, _matrix: risk.update(analysis, **data))


def score_risk(platform, principal, analysis_id: str, risk_id: str, data: dict, claim=None,
               now: datetime | None = None) -> str:
    """Score a risk on its analysis's matrix version; returns the scoring's id."""
    now = now or utcnow()

    def change(uow, analysis, risk, matrix):
        scoring = risk.score(analysis, matrix, kind=data["kind"], probability=data["probability"],
                             consequence=data["consequence"], at=now, by=principal.subject)
        uow.execute(db.risk_scorings.insert().values(**db.scoring_values(risk, scoring)))
        return scoring

    return _risk_command(platform, principal, analysis_id, risk_id, "score", None, change, claim=claim).id


def escalate_risk(platform, principal, analysis_id: str, risk_id: str, data: dict, claim=None,
                  now: datetime | None = None) -> str:
    """Escalate a risk to a unit above the one holding it, with a reason; returns the escalation's id."""
    now = now or utcnow()

    def change(uow, _analysis, risk, _matrix):
        above = [unit for unit in db.units_above(uow.connection, risk.tenant, risk.holder_unit_id)
                 if db.open_unit(uow.connection, risk.tenant, unit) is not None]  # a closed unit answers no one
        escalation = risk.escalate(to_unit_id=data["to_unit_id"], reason=data["reason"], units_above=above, at=now,
                                   by=principal.subject)
        uow.execute(db.risk_escalations.insert().values(**db.escalation_values(risk, escalation)))
        return escalation

    def permitted(conn, _analysis, risk):  # who holds the risk escalates it: the analysis's unit, or who took it
        units = db.scope_units(conn, principal.tenant, principal.org_units)
        return d.may(principal.roles, "escalate") and risk.holder_unit_id in units

    return _risk_command(platform, principal, analysis_id, risk_id, "escalate", None, change,
                         permitted=permitted, claim=claim).id


def _escalation_view_of(risk: d.Risk, escalation: d.Escalation) -> dict:
    """An escalation as its own resource: with its risk and analysis, and a version for If-Match (1 while pending,
    2 once answered: it is answered once)."""
    return {**_escalation_view(escalation), "risk_id": risk.id, "analysis_id": risk.analysis_id,
            "unit_id": risk.unit_id, "version": 1 if escalation.status is d.EscalationStatus.pending else 2}


def _escalation_not_found() -> NotFound:
    return NotFound("Eskaleringen finns inte.", "There is no such escalation.")


def read_escalation(platform, principal, escalation_id: str) -> dict:
    with platform.engine.connect() as conn:
        row = db.escalation_row(conn, principal.tenant, escalation_id)
        if row is None:
            raise _escalation_not_found()
        try:
            analysis = _readable(conn, principal, db.analysis_row(conn, principal.tenant, row.analysis_id))
        except NotFound:
            raise _escalation_not_found() from None
        risk = _risk(conn, analysis, row.risk_id)
        return _escalation_view_of(risk, next(e for e in risk.escalations if e.id == escalation_id))


def list_escalations(platform, principal, flt: db.EscalationFilter) -> dict:
    """The escalations of risks whose analyses the principal may read: a förvaltning's inbox with to_unit_id."""
    with platform.engine.connect() as conn:
        page = db.list_escalations(conn, principal, flt)
        items = []
        for row in page.rows:
            analysis = db.analysis_from_row(db.analysis_row(conn, principal.tenant, row.analysis_id))
            risk = _risk(conn, analysis, row.risk_id)
            items.append(_escalation_view_of(risk, next(e for e in risk.escalations if e.id == row.id)))
    return {"items": items, "total": page.total, "limit": flt.limit, "offset": flt.offset}


def decide_escalation(platform, principal, escalation_id: str, data: dict, precondition: Precondition = None,
                      now: datetime | None = None) -> dict:
    """The receiving level accepts the escalated risk (it is then theirs) or returns it with a reason."""
    now = now or utcnow()
    with platform.engine.connect() as conn:
        row = db.escalation_row(conn, principal.tenant, escalation_id)
    if row is None:
        raise _escalation_not_found()

    def change(uow, _analysis, risk, _matrix):
        escalation = next(e for e in risk.escalations if e.id == escalation_id)
        if precondition is not None:
            precondition(escalation.id, 1 if escalation.status is d.EscalationStatus.pending else 2)
        risk.decide_escalation(escalation_id, accept=data["decision"] == "accept", reason=data.get("reason"),
                               at=now, by=principal.subject)
        db.update_escalation(uow.connection, risk, escalation)
        return escalation

    def permitted(conn, _analysis, risk):  # the receiving level decides
        escalation = next(e for e in risk.escalations if e.id == escalation_id)
        units = db.scope_units(conn, principal.tenant, principal.org_units)
        return d.may(principal.roles, "decide_escalation") and escalation.to_unit_id in units

    try:
        _risk_command(platform, principal, row.analysis_id, row.risk_id, "decide_escalation", None, change,
                      permitted=permitted)
    except NotFound:
        raise _escalation_not_found() from None
    return read_escalation(platform, principal, escalation_id)


# --------------------------------------------------------------------------
# Improvement actions of a risk (the shared model, origin "risk")
# --------------------------------------------------------------------------

def action_view(action: ImprovementAction, today: date | None = None) -> dict:
    values = {name: getattr(action, name) for name in ActionRepository.COLUMNS}
    values["overdue"] = action.is_overdue(today or _today())
    return values


def list_owned_actions(platform, principal, flt: db.OwnedActionFilter, now: datetime | None = None) -> dict:
    """A page of an owner's improvement actions across the risk analyses the principal may read, by due date."""
    today = _today(now)
    with platform.uow() as uow:
        page = db.owned_action_rows(uow.connection, principal, flt)
        repository = ActionRepository(uow, db.actions)
        items = [{**action_view(repository._from_row(row), today), "analysis_id": row.analysis_id,
                  "analysis_title": row.analysis_title, "unit_name": row.unit_name} for row in page.rows]
    return {"items": items, "total": page.total, "limit": flt.limit, "offset": flt.offset,
            "next_cursor": page.next_cursor}


def _guard_actions(analysis: d.RiskAnalysis) -> None:
    """Actions are planned in the analysis and carried out after it; once followed up, they are history."""
    if analysis.status is d.AnalysisStatus.followed_up:
        raise d.AnalysisClosed("Riskanalysen är uppföljd; dess åtgärder kan inte ändras.",
                               "The risk analysis is followed up; its actions cannot change.")


def list_actions(platform, principal, analysis_id: str, risk_id: str, now: datetime | None = None) -> list[dict]:
    with platform.uow() as uow:
        _row, analysis = _load(uow, principal, analysis_id)
        risk = _risk(uow.connection, analysis, risk_id)
        actions = ActionRepository(uow, db.actions).for_origin(analysis.tenant, db.ORIGIN_TYPE, risk.id)
        return [action_view(a, _today(now)) for a in actions]


def get_action(platform, principal, analysis_id: str, risk_id: str, action_id: str) -> ImprovementAction:
    with platform.uow() as uow:
        _row, analysis = _load(uow, principal, analysis_id)
        risk = _risk(uow.connection, analysis, risk_id)
        action = ActionRepository(uow, db.actions).get(analysis.tenant, action_id, db.ORIGIN_TYPE, risk.id)
        if action is None:
            raise NotFound("Åtgärden finns inte.", "There is no such action.")
        return action


def add_action(platform, principal, analysis_id: str, risk_id: str, data: dict, claim=None,
               now: datetime | None = None) -> str:
    now = now or utcnow()
    with platform.uow() as uow:
        _row, analysis = _load(uow, principal, analysis_id, "manage_actions")
        _guard_actions(analysis)
        risk = _risk(uow.connection, analysis, risk_id)
        action = ImprovementAction.create(
            tenant=analysis.tenant, origin_type=db.ORIGIN_TYPE, origin_id=risk.id, unit_id=analysis.unit_id,
            title=data["title"], owner=data["owner"], due_date=data["due_date"],
            description=data.get("description", ""), at=now)
        ActionRepository(uow, db.actions).add(action)
        uow.audit(tenant=analysis.tenant, actor=principal.subject, action="create", entity_type="improvement_action",
                  entity_id=action.id, after=action_view(action, _today(now)))
        idempotency.record(claim, uow, action.id)
        uow.commit()
    return action.id


def _action_command(platform, principal, analysis_id, risk_id, action_id, precondition, change, audit_action):
    with platform.uow() as uow:
        _row, analysis = _load(uow, principal, analysis_id, "manage_actions")
        risk = _risk(uow.connection, analysis, risk_id)
        repo = ActionRepository(uow, db.actions)
        action = repo.get(analysis.tenant, action_id, db.ORIGIN_TYPE, risk.id)
        if action is None:
            raise NotFound("Åtgärden finns inte.", "There is no such action.")
        if precondition is not None:
            precondition(action.id, action.version)
        _guard_actions(analysis)
        before, expected = action_view(action), action.version
        change(action)
        if action.version == expected:
            return action
        repo.save(action, expected)
        uow.audit(tenant=analysis.tenant, actor=principal.subject, action=audit_action,
                  entity_type="improvement_action", entity_id=action.id, before=before, after=action_view(action))
        uow.commit()
    return action


def update_action(platform, principal, analysis_id: str, risk_id: str, action_id: str, data: dict,
                  precondition: Precondition = None) -> ImprovementAction:
    return _action_command(platform, principal, analysis_id, risk_id, action_id, precondition,
                           lambda action: action.update(**data), "update")


def transition_action(platform, principal, analysis_id: str, risk_id: str, action_id: str, command: str,
                      effect_followup: str = "", precondition: Precondition = None,
                      now: datetime | None = None) -> ImprovementAction:
    now = now or utcnow()

    def change(action):
        if command == "complete":
            action.complete(now, effect_followup)
        else:
            getattr(action, command)()

    return _action_command(platform, principal, analysis_id, risk_id, action_id, precondition, change, command)
