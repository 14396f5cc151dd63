"""The risk proposal (riskförslag): a deviation that says a risk should be analysed, waiting for someone to take
it into an analysis or dismiss it.

"Avvikelser som utgör allvarlig kvalitetsbrist ska dokumenteras och analyseras som risk" (Öckerö): a lex Sarah or
lex Maria case decided serious (or reported to IVO) proposes a risk for its unit; a case flagged "kan inträffa på
andra enheter" proposes analyses at the sibling units of its unit. The proposal names its source case by id and
kind only: the deviation events carry no text, and who may read the case reads it in the deviations service.

open -> accepted (into an analysis, as a risk) | dismissed (with a reason) | withdrawn (the case says otherwise
now: revised to not serious, or the flag cleared); a withdrawn proposal is reopened when the case says so again.
Accepted and dismissed are decisions: they are never changed.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from . import events as ev
from .errors import DomainError, RuleViolation


class ProposalReason(str, Enum):
    serious_deviation = "serious_deviation"    # a lex Sarah / lex Maria case decided serious or reported to IVO
    possible_elsewhere = "possible_elsewhere"  # a case that may happen at other units: proposed at the siblings


class ProposalStatus(str, Enum):
    open = "open"
    accepted = "accepted"
    dismissed = "dismissed"
    withdrawn = "withdrawn"


PROPOSAL_STATUS_LABELS_SV = {ProposalStatus.open: "öppet", ProposalStatus.accepted: "accepterat",
                             ProposalStatus.dismissed: "avfärdat", ProposalStatus.withdrawn: "återkallat"}
REASON_LABELS_SV = {ProposalReason.serious_deviation: "allvarlig avvikelse",
                    ProposalReason.possible_elsewhere: "kan inträffa på andra enheter"}
DEVIATION_KIND_LABELS_SV = {"avvikelse": "avvikelse", "lex_sarah": "lex Sarah", "lex_maria": "lex Maria",
                            "klagomal": "klagomål", "synpunkt": "synpunkt"}
LEX_KINDS = frozenset({"lex_sarah", "lex_maria"})

# The facets of a deviation case whose events the risks service applies, each ordered by the case's version on its
# own (docs/deviation-events-for-subscribers.md): the newest event of a facet is the whole truth of that facet.
FACET_SERIOUSNESS = "seriousness"  # seriousness_decided, ivo_reported
FACET_FLAG = "flag"                # flagged_possible_elsewhere, cleared_possible_elsewhere


class ProposalNotOpen(RuleViolation):
    """Accepted and dismissed are decisions; a withdrawn proposal waits for its case to propose it again."""
    code = "proposal_not_open"


class InvalidProposalDecision(DomainError):
    http_status, code = 422, "invalid_proposal_decision"


def _blank(value) -> bool:
    return value is None or not str(value).strip()


@dataclass(eq=False)
class RiskProposal:
    id: str
    tenant: str
    reason: ProposalReason
    deviation_id: str
    deviation_kind: str
    source_unit_id: str  # the case's unit
    unit_id: str         # where the risk is proposed: the case's unit, or a sibling of it
    created_at: datetime
    status: ProposalStatus = ProposalStatus.open
    ivo_reported_on: object = None  # a date, for a serious case reported to IVO
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_reason: str | None = None
    analysis_id: str | None = None
    risk_id: str | None = None
    withdrawn_at: datetime | None = None
    version: int = 1
    events: list = field(default_factory=list, repr=False)

    @classmethod
    def propose(cls, *, tenant: str, reason, deviation_id: str, deviation_kind: str, source_unit_id: str,
                unit_id: str, at: datetime, id: str | None = None) -> "RiskProposal":
        proposal = cls(id=id or str(uuid.uuid4()), tenant=tenant, reason=ProposalReason(reason),
                       deviation_id=str(deviation_id), deviation_kind=str(deviation_kind),
                       source_unit_id=str(source_unit_id), unit_id=str(unit_id), created_at=at)
        proposal._event(ev.PROPOSAL_CREATED, created_at=ev.iso(at), bump=False)
        return proposal

    @property
    def is_open(self) -> bool:
        return self.status is ProposalStatus.open

    def _guard_open(self) -> None:
        if not self.is_open:
            raise ProposalNotOpen(
                f"Riskförslaget är {PROPOSAL_STATUS_LABELS_SV[self.status]} och kan inte beslutas igen.",
                f"The risk proposal is {self.status.value} and cannot be decided again.")

    def accept(self, *, analysis_id: str, risk_id: str, at: datetime, by: str) -> None:
        self._guard_open()
        self.status, self.analysis_id, self.risk_id = ProposalStatus.accepted, analysis_id, risk_id
        self.decided_at, self.decided_by = at, by
        self._event(ev.PROPOSAL_ACCEPTED, analysis_id=analysis_id, risk_id=risk_id, decided_at=ev.iso(at))

    def dismiss(self, *, reason: str, at: datetime, by: str) -> None:
        self._guard_open()
        if _blank(reason):
            raise InvalidProposalDecision("Ange varför riskförslaget avfärdas.",
                                          "Give the reason for dismissing the risk proposal.")
        self.status, self.decision_reason = ProposalStatus.dismissed, reason.strip()
        self.decided_at, self.decided_by = at, by
        self._event(ev.PROPOSAL_DISMISSED, decided_at=ev.iso(at))

    def withdraw(self, at: datetime) -> bool:
        """The case no longer proposes it; only an open proposal is withdrawn (a decision stays). True if it was."""
        if not self.is_open:
            return False
        self.status, self.withdrawn_at = ProposalStatus.withdrawn, at
        self._event(ev.PROPOSAL_WITHDRAWN, withdrawn_at=ev.iso(at))
        return True

    def reopen(self, at: datetime) -> bool:
        """The case proposes it again (decided serious again, flagged again); True if it was withdrawn."""
        if self.status is not ProposalStatus.withdrawn:
            return False
        self.status, self.withdrawn_at = ProposalStatus.open, None
        self._event(ev.PROPOSAL_REOPENED, reopened_at=ev.iso(at))
        return True

    def _event(self, event_type: str, bump: bool = True, **data) -> None:
        if bump:
            self.version += 1
        self.events.append(ev.make_event(event_type, self.tenant, self.id, self.version, {
            "proposal_id": self.id, "reason": self.reason.value, "deviation_id": self.deviation_id,
            "deviation_kind": self.deviation_kind, "source_unit_id": self.source_unit_id, "unit_id": self.unit_id,
            **data}))


def default_risk_description(proposal: RiskProposal) -> str:
    """The risk's description when who accepts gives none: the case says nothing here (its text stays in the
    deviations service), so the description says where the risk came from."""
    kind = DEVIATION_KIND_LABELS_SV.get(proposal.deviation_kind, proposal.deviation_kind)
    if proposal.reason is ProposalReason.serious_deviation:
        return f"Risk utifrån en allvarlig avvikelse ({kind}) på enheten."
    return f"Risk att det som hände i en avvikelse ({kind}) på en annan enhet kan inträffa även här."
