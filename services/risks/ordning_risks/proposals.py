"""Serious deviations become risks: the deviation events the risks service applies, and the use cases of a risk
proposal (list, read, accept into an analysis, dismiss).

The events (docs/deviation-events-for-subscribers.md) arrive once each through the platform's inbox, but late,
out of order or after a retry: each facet of a case (its seriousness, its flag) applies only an event newer than
the version it holds, and a proposal is keyed by (tenant, case, reason, unit), so the serious decision and the
IVO report of one case make one proposal, and a repeated proposal reopens a withdrawn one instead of adding one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ordning_shared.db import insert_if_absent, utcnow
from ordning_shared.events import require_source
from ordning_shared.problems import Forbidden, NotFound, PreconditionFailed

from . import db, service
from . import domain as d
from .domain import proposal as dp

SYSTEM_ACTOR = "system:deviations"  # who the audit trail names for what the deviation events did
ENTITY = "risk_proposal"


class UnitNotReplicatedYet(RuntimeError):
    """The org-tree copy does not know the flagged case's unit yet (its event is on its way): the consumer retries
    the deviation event later rather than propose at no sibling."""


# --------------------------------------------------------------------------
# The deviation events
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseEvent:
    tenant: str
    deviation_id: str
    kind: str
    unit_id: str
    version: int
    data: dict

    @classmethod
    def of(cls, cloudevent) -> "CaseEvent":
        require_source(cloudevent, "deviations")  # only the deviations service speaks for its cases
        data = cloudevent.get_data()
        return cls(tenant=cloudevent.get_attributes()["tenant"], deviation_id=str(data["deviation_id"]),
                   kind=str(data["kind"]), unit_id=str(data["unit_id"]), version=int(data["version"]), data=data)

    def newer(self, uow, facet: str) -> bool:
        """Claim this event's version for its facet; False (apply nothing) if the facet holds this one or newer."""
        return db.claim_facet_version(uow.connection, self.tenant, self.deviation_id, facet, self.version, utcnow())


def on_seriousness_decided(uow, cloudevent) -> None:
    """A lex Sarah or lex Maria case decided serious proposes a risk for its unit; decided not serious (a revised
    decision), it withdraws the open proposal."""
    event = CaseEvent.of(cloudevent)
    if not event.newer(uow, dp.FACET_SERIOUSNESS) or event.kind not in dp.LEX_KINDS:
        return
    if event.data["serious"] is True:
        _propose_serious(uow, event)
    else:
        _withdraw(uow, event, dp.ProposalReason.serious_deviation)


def on_ivo_reported(uow, cloudevent) -> None:
    """Only a case decided serious is reported to IVO: a risk is proposed for its unit unless one is already (the
    decision and the report make one proposal); a repeat corrects the date."""
    event = CaseEvent.of(cloudevent)
    if not event.newer(uow, dp.FACET_SERIOUSNESS) or event.kind not in dp.LEX_KINDS:
        return
    reported_on = event.data.get("ivo_reported_on")
    _propose_serious(uow, event, date.fromisoformat(reported_on) if reported_on else None)


def on_flagged_possible_elsewhere(uow, cloudevent) -> None:
    """"Kan inträffa på andra enheter": an analysis is proposed at each open sibling unit of the case's unit."""
    event = CaseEvent.of(cloudevent)
    if not event.newer(uow, dp.FACET_FLAG):
        return
    siblings = db.sibling_units(uow.connection, event.tenant, event.unit_id)
    if siblings is None:
        raise UnitNotReplicatedYet("the flagged case's unit is not in the org-tree copy yet")
    for unit_id in siblings:
        _propose(uow, event, dp.ProposalReason.possible_elsewhere, unit_id)


def on_cleared_possible_elsewhere(uow, cloudevent) -> None:
    """The flag was withdrawn: so are the open proposals it made (accepted and dismissed ones stay decided)."""
    event = CaseEvent.of(cloudevent)
    if event.newer(uow, dp.FACET_FLAG):
        _withdraw(uow, event, dp.ProposalReason.possible_elsewhere)


HANDLERS = {
    "se.ordning.deviation.seriousness_decided.v1": on_seriousness_decided,
    "se.ordning.deviation.ivo_reported.v1": on_ivo_reported,
    "se.ordning.deviation.flagged_possible_elsewhere.v1": on_flagged_possible_elsewhere,
    "se.ordning.deviation.cleared_possible_elsewhere.v1": on_cleared_possible_elsewhere,
}


def _propose_serious(uow, event: CaseEvent, ivo_reported_on: date | None = None) -> None:
    # One serious proposal per case: if the case has moved to another unit since, the one it has stays.
    existing = db.proposals_of_case(uow.connection, event.tenant, event.deviation_id,
                                    dp.ProposalReason.serious_deviation.value)
    unit_id = existing[0].unit_id if existing else event.unit_id
    _propose(uow, event, dp.ProposalReason.serious_deviation, unit_id, ivo_reported_on)


def _propose(uow, event: CaseEvent, reason: dp.ProposalReason, unit_id: str,
             ivo_reported_on: date | None = None) -> None:
    conn, now = uow.connection, utcnow()
    row = db.proposal_by_source(conn, event.tenant, event.deviation_id, reason.value, unit_id)
    if row is None:
        proposal = dp.RiskProposal.propose(tenant=event.tenant, reason=reason, deviation_id=event.deviation_id,
                                           deviation_kind=event.kind, source_unit_id=event.unit_id, unit_id=unit_id,
                                           at=now)
        proposal.ivo_reported_on = ivo_reported_on
        if insert_if_absent(conn, db.risk_proposals, db.proposal_values(proposal)):
            _flush(uow, proposal)
            uow.audit(tenant=event.tenant, actor=SYSTEM_ACTOR, action="propose", entity_type=ENTITY,
                      entity_id=proposal.id, after=db.proposal_values(proposal))
            return
        row = db.proposal_by_source(conn, event.tenant, event.deviation_id, reason.value, unit_id)
    row = db.proposal_row(conn, event.tenant, row.id, lock=True)
    proposal = db.proposal_from_row(row)
    before, expected = db.proposal_values(proposal), proposal.version
    reopened = proposal.reopen(now)
    if ivo_reported_on is not None and proposal.ivo_reported_on != ivo_reported_on:
        proposal.ivo_reported_on = ivo_reported_on  # a fact about the case, whatever was decided on the proposal
        if not reopened:
            proposal.version += 1
    if proposal.version != expected:
        _save(uow, proposal, before, expected, SYSTEM_ACTOR, "reopen" if reopened else "correct")


def _withdraw(uow, event: CaseEvent, reason: dp.ProposalReason) -> None:
    conn, now = uow.connection, utcnow()
    for row in db.proposals_of_case(conn, event.tenant, event.deviation_id, reason.value,
                                    status=dp.ProposalStatus.open.value):
        proposal = db.proposal_from_row(db.proposal_row(conn, event.tenant, row.id, lock=True))
        before, expected = db.proposal_values(proposal), proposal.version
        if proposal.withdraw(now):
            _save(uow, proposal, before, expected, SYSTEM_ACTOR, "withdraw")


def _save(uow, proposal: dp.RiskProposal, before: dict, expected: int, actor: str, action: str) -> None:
    if not db.update_proposal(uow.connection, proposal, expected):
        raise PreconditionFailed("Riskförslaget har ändrats av någon annan; läs om det.",
                                 "The risk proposal was changed by someone else; read it again.")
    _flush(uow, proposal)
    uow.audit(tenant=proposal.tenant, actor=actor, action=action, entity_type=ENTITY, entity_id=proposal.id,
              before=before, after=db.proposal_values(proposal))


def _flush(uow, proposal: dp.RiskProposal) -> None:
    for event in proposal.events:
        uow.add_event(event)
    proposal.events.clear()


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

def _not_found() -> NotFound:
    return NotFound("Riskförslaget finns inte.", "There is no such risk proposal.")


def _readable(conn, principal, row) -> dp.RiskProposal:
    """The proposal if the principal may read it (a staff role, its unit within their units), else 404."""
    if row is None:
        raise _not_found()
    proposal = db.proposal_from_row(row)
    if not (principal.has_any(*d.STAFF_ROLES)
            and proposal.unit_id in db.scope_units(conn, principal.tenant, principal.org_units)):
        raise _not_found()
    return proposal


def suggested_trigger(proposal: dp.RiskProposal) -> d.Trigger:
    return (d.Trigger.serious_deviation if proposal.reason is dp.ProposalReason.serious_deviation
            else d.Trigger.deviations_elsewhere)


def present(row, caller: service.Caller) -> dict:
    proposal = db.proposal_from_row(row)
    may_decide = proposal.is_open and bool(caller.roles & d.ANALYSTS) and proposal.unit_id in caller.units
    return {
        "id": proposal.id, "reason": proposal.reason.value,
        "reason_label_sv": dp.REASON_LABELS_SV[proposal.reason], "deviation_id": proposal.deviation_id,
        "deviation_kind": proposal.deviation_kind,
        "deviation_kind_label_sv": dp.DEVIATION_KIND_LABELS_SV.get(proposal.deviation_kind, proposal.deviation_kind),
        "source_unit_id": proposal.source_unit_id, "unit_id": proposal.unit_id,
        "unit_name": row._mapping["unit_name"], "status": proposal.status.value,
        "status_label_sv": dp.PROPOSAL_STATUS_LABELS_SV[proposal.status],
        "ivo_reported_on": proposal.ivo_reported_on, "created_at": proposal.created_at,
        "decided_at": proposal.decided_at, "decided_by": proposal.decided_by,
        "decision_reason": proposal.decision_reason, "analysis_id": proposal.analysis_id,
        "risk_id": proposal.risk_id, "withdrawn_at": proposal.withdrawn_at,
        "suggested_trigger": suggested_trigger(proposal).value,
        "allowed_decisions": ["accept", "dismiss"] if may_decide else [], "version": proposal.version,
    }


def read_proposal(platform, principal, proposal_id: str) -> dict:
    with platform.engine.connect() as conn:
        row = db.proposal_row(conn, principal.tenant, proposal_id)
        _readable(conn, principal, row)
        return present(row, service.caller_of(conn, principal))


def list_proposals(platform, principal, flt: db.ProposalFilter) -> dict:
    with platform.engine.connect() as conn:
        page = db.list_proposals(conn, principal, flt)
        caller = service.caller_of(conn, principal)
        items = [present(row, caller) for row in page.rows]
    return {"items": items, "total": page.total, "limit": flt.limit, "next_cursor": page.next_cursor}


# --------------------------------------------------------------------------
# Deciding
# --------------------------------------------------------------------------

@dataclass
class _AcceptWithTheRisk:
    """Handed to service.add_risk as its claim: add_risk records its claim in the transaction that adds the risk,
    so the proposal is accepted in that same transaction. The risk and the acceptance commit together or not at
    all, and of two decisions at once one adds a risk and the other adds nothing."""

    principal: object
    proposal_id: str
    expected_version: int
    analysis_id: str
    at: datetime

    def record(self, uow, risk_id: str, status: int = 201) -> None:
        row = db.proposal_row(uow.connection, self.principal.tenant, self.proposal_id, lock=True)
        proposal = db.proposal_from_row(row)
        if proposal.version != self.expected_version:
            proposal._guard_open()  # decided meanwhile: 409; else changed by the case meanwhile: 412
            raise _stale()
        before = db.proposal_values(proposal)
        proposal.accept(analysis_id=self.analysis_id, risk_id=risk_id, at=self.at, by=self.principal.subject)
        _save(uow, proposal, before, self.expected_version, self.principal.subject, "accept")


def _stale() -> PreconditionFailed:
    return PreconditionFailed("Riskförslaget har ändrats av någon annan; läs om det.",
                              "The risk proposal was changed by someone else; read it again.")


def _invalid(sv: str, en: str) -> dp.InvalidProposalDecision:
    return dp.InvalidProposalDecision(sv, en)


def decide(platform, principal, proposal_id: str, data: dict, precondition=None, now: datetime | None = None) -> dict:
    """Accept the proposal as a risk in an analysis of its unit (an open one given by id, or a new one started for
    the unit), or dismiss it with a reason. A decision is made once."""
    now = now or utcnow()
    with platform.engine.connect() as conn:
        proposal = _readable(conn, principal, db.proposal_row(conn, principal.tenant, proposal_id))
        if not principal.has_any(*d.ANALYSTS):
            raise Forbidden("Din roll får inte besluta om riskförslag; det kräver enhetschef, verksamhetschef, "
                            "förvaltningschef eller processägare för enheten.",
                            "Your roles do not allow deciding risk proposals; it needs enhetschef, verksamhetschef, "
                            "forvaltningschef or processagare for its unit.")
        if precondition is not None:
            precondition(proposal.id, proposal.version)
        proposal._guard_open()
        if data["decision"] == "dismiss":
            _dismiss(platform, principal, proposal, data["reason"], now)
            return read_proposal(platform, principal, proposal.id)
        analysis_id = data.get("analysis_id")
        if analysis_id is not None:
            _check_analysis_covers(conn, principal, analysis_id, proposal)
    if analysis_id is None:
        analysis_id = _new_analysis(platform, principal, proposal, data["new_analysis"])
    risk = {"description": data.get("description") or dp.default_risk_description(proposal),
            "causes": data.get("causes", [])}
    service.add_risk(platform, principal, analysis_id, risk,
                     claim=_AcceptWithTheRisk(principal, proposal.id, proposal.version, analysis_id, now), now=now)
    return read_proposal(platform, principal, proposal.id)


def _dismiss(platform, principal, proposal: dp.RiskProposal, reason: str, now: datetime) -> None:
    with platform.uow() as uow:
        locked = db.proposal_from_row(db.proposal_row(uow.connection, principal.tenant, proposal.id, lock=True))
        if locked.version != proposal.version:
            locked._guard_open()
            raise _stale()
        before = db.proposal_values(locked)
        locked.dismiss(reason=reason, at=now, by=principal.subject)
        _save(uow, locked, before, proposal.version, principal.subject, "dismiss")
        uow.commit()


def _check_analysis_covers(conn, principal, analysis_id: str, proposal: dp.RiskProposal) -> None:
    """The analysis must be one the caller may read, of the proposal's unit or a unit above it."""
    row = db.analysis_row(conn, principal.tenant, analysis_id)
    try:
        analysis = service._readable(conn, principal, row)
    except NotFound:
        raise _invalid("Riskanalysen finns inte eller ligger utanför dina enheter.",
                       "The risk analysis does not exist or is outside your org units.") from None
    if analysis.unit_id != proposal.unit_id and analysis.unit_id not in db.units_above(conn, principal.tenant,
                                                                                      proposal.unit_id):
        raise _invalid("Riskanalysen gäller inte förslagets enhet eller en enhet ovanför den.",
                       "The risk analysis is not of the proposal's unit or a unit above it.")
    analysis.guard_open()


def _new_analysis(platform, principal, proposal: dp.RiskProposal, new: dict) -> str:
    with platform.engine.connect() as conn:
        unit = db.open_unit(conn, principal.tenant, proposal.unit_id)
    scope_type = next((scope for scope, kinds in d.ORG_SCOPE_KINDS.items() if unit is not None and unit.kind in kinds),
                      d.ScopeType.unit)  # an unknown or closed unit: create_analysis refuses it with its 422
    return service.create_analysis(platform, principal, {
        "title": new["title"], "scope_type": scope_type.value, "scope_id": proposal.unit_id,
        "trigger": suggested_trigger(proposal).value, "analysis_date": new["analysis_date"],
        "participants": new.get("participants", [])})


__all__ = ["HANDLERS", "UnitNotReplicatedYet", "decide", "list_proposals", "read_proposal"]
