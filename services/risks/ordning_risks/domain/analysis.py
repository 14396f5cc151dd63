"""The risk analysis (riskanalys) and its risks: plain Python, no Flask, no session.

`RiskAnalysis` moves draft -> in_progress -> completed -> followed_up (`TRANSITIONS`, as data); `Risk` is one
thing that can happen so that the work is not done as intended, with its causes, its scorings (initial and,
after actions, residual: every one kept, with who and when) and its escalations to the levels above.
Each command checks the state machine and the rules, changes the entity, bumps `version` and records an event
(payloads from the allow-lists in events.py).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from . import events as ev
from .errors import (AnalysisClosed, DomainError, EscalationNotPending, EscalationPending, IllegalTransition,
                     InitialScoringRequired, InvalidAnalysis, InvalidEscalation, RuleViolation)
from .matrix import RiskMatrix


# --------------------------------------------------------------------------
# Classifications
# --------------------------------------------------------------------------

class AnalysisStatus(str, Enum):
    draft = "draft"
    in_progress = "in_progress"
    completed = "completed"
    followed_up = "followed_up"


STATUS_LABELS_SV = {AnalysisStatus.draft: "utkast", AnalysisStatus.in_progress: "pågår",
                    AnalysisStatus.completed: "slutförd", AnalysisStatus.followed_up: "uppföljd"}
# While an analysis is open its risks may be added, changed and scored; after, they are what was decided.
OPEN_STATUSES = frozenset({AnalysisStatus.draft, AnalysisStatus.in_progress})


class Command(str, Enum):
    start = "start"
    complete = "complete"
    reopen = "reopen"
    follow_up = "follow_up"


COMMAND_LABELS = {Command.start: ("påbörja", "start"), Command.complete: ("slutföra", "complete"),
                  Command.reopen: ("återöppna", "reopen"), Command.follow_up: ("följa upp", "follow up")}

TRANSITIONS: dict[tuple[AnalysisStatus, Command], AnalysisStatus] = {
    (AnalysisStatus.draft, Command.start): AnalysisStatus.in_progress,
    (AnalysisStatus.in_progress, Command.complete): AnalysisStatus.completed,
    # A completed analysis is reopened to correct it or to score residual risk before it is followed up.
    (AnalysisStatus.completed, Command.reopen): AnalysisStatus.in_progress,
    (AnalysisStatus.completed, Command.follow_up): AnalysisStatus.followed_up,
}


class ScopeType(str, Enum):
    unit = "unit"                        # an enhet
    administration = "administration"    # a förvaltning
    process = "process"                  # an established process of the process map
    subprocess = "subprocess"            # a delprocess, or a step (aktivitet) of an established process


# The org-tree kinds (as the processes service names them) an org scope must name.
ORG_SCOPE_KINDS = {ScopeType.unit: frozenset({"unit", "external_provider"}),
                   ScopeType.administration: frozenset({"administration"})}


class Trigger(str, Enum):
    yearly = "yearly"                              # the yearly risk analysis
    new_process = "new_process"
    larger_change = "larger_change"                # needs trigger_change
    deviations_elsewhere = "deviations_elsewhere"  # deviations that may happen at other units too
    serious_deviation = "serious_deviation"        # a serious deviation (lex Sarah, lex Maria) analysed as risk
    other = "other"                                # needs trigger_note


class ChangeKind(str, Enum):
    new_method = "new_method"
    reorganisation = "reorganisation"
    summer_staffing = "summer_staffing"
    new_it_system = "new_it_system"


class ScoringKind(str, Enum):
    initial = "initial"    # before actions
    residual = "residual"  # after actions (kvarvarande risk)


class EscalationStatus(str, Enum):
    pending = "pending"
    accepted = "accepted"
    returned = "returned"


PARTICIPANTS_MAX = 50
CAUSES_MAX = 30


@dataclass(frozen=True)
class BlockedCommand:
    """A command the status offers and the caller may run, refused now by a rule: its code and message."""
    command: Command
    code: str
    reason: str


def _blank(value) -> bool:
    return value is None or not str(value).strip()


def next_status(status: AnalysisStatus, command: Command) -> AnalysisStatus:
    target = TRANSITIONS.get((AnalysisStatus(status), Command(command)))
    if target is None:
        sv, en = COMMAND_LABELS[Command(command)]
        raise IllegalTransition(f"Det går inte att {sv} en riskanalys som är {STATUS_LABELS_SV[status]}.",
                                f"Cannot {en} a risk analysis in status {AnalysisStatus(status).value}.")
    return target


def allowed_commands(status: AnalysisStatus) -> list[Command]:
    return [command for (from_status, command) in TRANSITIONS if from_status == status]


def check_trigger(trigger, trigger_change, trigger_note) -> tuple[Trigger, ChangeKind | None, str | None]:
    """A larger change names its kind and only it does; other explains itself in a note."""
    try:
        trigger = Trigger(trigger)
        trigger_change = ChangeKind(trigger_change) if trigger_change is not None else None
    except ValueError:
        raise InvalidAnalysis("Okänd anledning (trigger).", "The trigger is unknown.") from None
    if (trigger is Trigger.larger_change) != (trigger_change is not None):
        raise InvalidAnalysis("Fältet trigger_change anges för en större förändring (larger_change) och bara då.",
                              "The field trigger_change is given for a larger_change trigger, and only then.")
    if trigger is Trigger.other and _blank(trigger_note):
        raise InvalidAnalysis("Anledningen other kräver en förklaring i trigger_note.",
                              "The trigger other needs an explanation in trigger_note.")
    return trigger, trigger_change, None if _blank(trigger_note) else trigger_note


# --------------------------------------------------------------------------
# The analysis
# --------------------------------------------------------------------------

@dataclass(eq=False)
class RiskAnalysis:
    id: str
    tenant: str
    title: str
    scope_type: ScopeType
    scope_id: str
    unit_id: str  # the org unit the analysis belongs to: who may see and run it (the scope itself for org scopes)
    trigger: Trigger
    analysis_date: date
    matrix_version: int
    created_at: datetime
    created_by: str
    trigger_change: ChangeKind | None = None
    trigger_note: str | None = None
    participants: list[str] = field(default_factory=list)
    status: AnalysisStatus = AnalysisStatus.draft
    started_at: datetime | None = None
    completed_at: datetime | None = None
    followed_up_at: datetime | None = None
    version: int = 1
    events: list = field(default_factory=list, repr=False)

    @classmethod
    def create(cls, *, tenant: str, title: str, scope_type, scope_id: str, unit_id: str, trigger,
               analysis_date: date, matrix_version: int, at: datetime, by: str, trigger_change=None,
               trigger_note: str | None = None, participants: Iterable[str] = (),
               id: str | None = None) -> "RiskAnalysis":
        """A new analysis in draft, on the matrix version given (the tenant's current one). No event: a draft
        is the analysts' own until it starts."""
        if _blank(title):
            raise InvalidAnalysis("Rubrik saknas.", "The title is required.")
        trigger, trigger_change, trigger_note = check_trigger(trigger, trigger_change, trigger_note)
        return cls(id=id or str(uuid.uuid4()), tenant=tenant, title=title, scope_type=ScopeType(scope_type),
                   scope_id=str(scope_id), unit_id=str(unit_id), trigger=trigger, trigger_change=trigger_change,
                   trigger_note=trigger_note, participants=_participants(participants), analysis_date=analysis_date,
                   matrix_version=matrix_version, created_at=at, created_by=by)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def guard_open(self) -> None:
        if not self.is_open:
            raise AnalysisClosed(
                f"Riskanalysen är {STATUS_LABELS_SV[self.status]}; återöppna den för att ändra dess risker.",
                f"The risk analysis is {self.status.value}; reopen it to change its risks.")

    def update(self, *, title=None, participants=None, analysis_date=None, trigger=None, trigger_change=...,
               trigger_note=...) -> None:
        """Change what describes the analysis while it is open; `...` leaves trigger_change and trigger_note."""
        self.guard_open()
        trigger, trigger_change, trigger_note = check_trigger(
            self.trigger if trigger is None else trigger,
            self.trigger_change if trigger_change is ... else trigger_change,
            self.trigger_note if trigger_note is ... else trigger_note)
        changes = {"trigger": trigger, "trigger_change": trigger_change, "trigger_note": trigger_note}
        if title is not None:
            if _blank(title):
                raise InvalidAnalysis("Rubrik saknas.", "The title is required.")
            changes["title"] = title
        if participants is not None:
            changes["participants"] = _participants(participants)
        if analysis_date is not None:
            changes["analysis_date"] = analysis_date
        changes = {name: value for name, value in changes.items() if getattr(self, name) != value}
        if changes:
            for name, value in changes.items():
                setattr(self, name, value)
            self.version += 1

    # ---- the state machine -------------------------------------------------

    def command_options(self, roles: Iterable[str] | None, in_scope: bool, unscored_risks: int = 0,
                        open_actions: int = 0) -> tuple[list[Command], list[BlockedCommand]]:
        """(allowed, blocked) commands for a caller now; a blocked one carries the code and message the command
        itself would be refused with, so that what an analysis offers is what it does."""
        allowed, blocked = [], []
        for command in allowed_commands(self.status):
            if roles is not None and not (in_scope and may(roles, command.value)):
                continue
            try:
                self._check(command, unscored_risks, open_actions)
            except DomainError as refusal:
                blocked.append(BlockedCommand(command, refusal.code, str(refusal)))
            else:
                allowed.append(command)
        return allowed, blocked

    def _check(self, command: Command, unscored_risks: int = 0, open_actions: int = 0) -> AnalysisStatus:
        target = next_status(self.status, command)
        if command is Command.complete and unscored_risks > 0:
            raise RisksUnscored(f"{unscored_risks} risk(er) saknar bedömning av sannolikhet och konsekvens.",
                                f"{unscored_risks} risk(s) lack a scoring of probability and consequence.",
                                unscored_risks=unscored_risks)
        if command is Command.follow_up and open_actions > 0:
            raise OpenActionsRemain(f"{open_actions} åtgärd(er) är varken klara eller avbrutna.",
                                    f"{open_actions} action(s) are neither done nor cancelled.",
                                    open_action_count=open_actions)
        return target

    def start(self, at: datetime, matrix_version: int | None = None) -> None:
        """Start the analysis; `matrix_version`, when given (nothing is scored yet), is the tenant's current."""
        self.status = self._check(Command.start)
        self.started_at = at
        if matrix_version is not None:
            self.matrix_version = matrix_version
        self._record(ev.ANALYSIS_STARTED, started_at=ev.iso(at))

    def complete(self, at: datetime, unscored_risks: int, risk_count: int) -> None:
        self.status = self._check(Command.complete, unscored_risks)
        self.completed_at = at
        self._record(ev.ANALYSIS_COMPLETED, completed_at=ev.iso(at), risk_count=risk_count)

    def reopen(self, at: datetime) -> None:
        self.status = self._check(Command.reopen)
        self.completed_at = None
        self._record(ev.ANALYSIS_REOPENED, reopened_at=ev.iso(at))

    def follow_up(self, at: datetime, open_actions: int) -> None:
        self.status = self._check(Command.follow_up, open_actions=open_actions)
        self.followed_up_at = at
        self._record(ev.ANALYSIS_FOLLOWED_UP, followed_up_at=ev.iso(at))

    def _record(self, event_type: str, **data) -> None:
        self.version += 1
        self.events.append(ev.make_event(event_type, self.tenant, self.id, self.version, {
            "analysis_id": self.id, "unit_id": self.unit_id, "scope_type": self.scope_type.value,
            "scope_id": self.scope_id, "trigger": self.trigger.value,
            "trigger_change": self.trigger_change.value if self.trigger_change else None,
            "matrix_version": self.matrix_version, "analysis_date": ev.iso(self.analysis_date),
            "status": self.status.value, **data}))


class RisksUnscored(RuleViolation):
    code = "risks_unscored"


class OpenActionsRemain(RuleViolation):
    code = "open_actions_remain"


def _participants(names: Iterable[str]) -> list[str]:
    names = [str(name).strip() for name in names if not _blank(name)]
    if len(names) > PARTICIPANTS_MAX:
        raise InvalidAnalysis(f"En analys har högst {PARTICIPANTS_MAX} deltagare.", f"An analysis has at most {PARTICIPANTS_MAX} participants.")
    return names


# --------------------------------------------------------------------------
# A risk, its scorings and its escalations
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Scoring:
    id: str
    kind: ScoringKind
    probability: int
    consequence: int
    score: int
    level: str
    matrix_version: int
    scored_at: datetime
    scored_by: str


@dataclass
class Escalation:
    id: str
    from_unit_id: str
    to_unit_id: str
    reason: str
    escalated_at: datetime
    escalated_by: str
    status: EscalationStatus = EscalationStatus.pending
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_reason: str | None = None


@dataclass(eq=False)
class Risk:
    id: str
    tenant: str
    analysis_id: str
    unit_id: str
    description: str  # "vad kan hända så att arbetet inte blir som det är tänkt"
    matrix_version: int
    identified_at: datetime
    identified_by: str
    causes: list[str] = field(default_factory=list)
    scorings: list[Scoring] = field(default_factory=list)  # oldest first
    escalations: list[Escalation] = field(default_factory=list)  # oldest first
    version: int = 1
    events: list = field(default_factory=list, repr=False)

    @classmethod
    def identify(cls, analysis: RiskAnalysis, *, description: str, causes: Iterable[str] = (), at: datetime,
                 by: str, id: str | None = None) -> "Risk":
        analysis.guard_open()
        if _blank(description):
            raise InvalidAnalysis("Beskrivning av risken saknas.", "The risk's description is required.")
        risk = cls(id=id or str(uuid.uuid4()), tenant=analysis.tenant, analysis_id=analysis.id,
                   unit_id=analysis.unit_id, description=description, causes=_causes(causes),
                   matrix_version=analysis.matrix_version, identified_at=at, identified_by=by)
        risk.events.append(ev.make_event(ev.RISK_IDENTIFIED, risk.tenant, risk.id, risk.version, {
            **risk._common(), "identified_at": ev.iso(at)}))
        return risk

    def current(self, kind: ScoringKind) -> Scoring | None:
        """The latest scoring of a kind: what the risk is now judged to be."""
        return next((s for s in reversed(self.scorings) if s.kind is ScoringKind(kind)), None)

    def update(self, analysis: RiskAnalysis, *, description=None, causes=None) -> None:
        analysis.guard_open()
        changes = {}
        if description is not None:
            if _blank(description):
                raise InvalidAnalysis("Beskrivning av risken saknas.", "The risk's description is required.")
            changes["description"] = description
        if causes is not None:
            changes["causes"] = _causes(causes)
        changes = {name: value for name, value in changes.items() if getattr(self, name) != value}
        if changes:
            for name, value in changes.items():
                setattr(self, name, value)
            self.version += 1

    def score(self, analysis: RiskAnalysis, matrix: RiskMatrix, *, kind, probability: int, consequence: int,
              at: datetime, by: str, id: str | None = None) -> Scoring:
        """Score the risk on the analysis's matrix version: the score and level are computed, never given."""
        analysis.guard_open()
        kind = ScoringKind(kind)
        if kind is ScoringKind.residual and self.current(ScoringKind.initial) is None:
            raise InitialScoringRequired("Risken ska bedömas före åtgärder (initial) innan den kvarvarande risken "
                                         "bedöms.", "Score the risk before actions (initial) before its residual "
                                         "risk.")
        scored = matrix.score(probability, consequence)
        scoring = Scoring(id=id or str(uuid.uuid4()), kind=kind, probability=scored.probability,
                          consequence=scored.consequence, score=scored.score, level=scored.level,
                          matrix_version=self.matrix_version, scored_at=at, scored_by=by)
        self.scorings.append(scoring)
        self.version += 1
        self.events.append(ev.make_event(ev.RISK_SCORED, self.tenant, self.id, self.version, {
            **self._common(), "scoring_id": scoring.id, "kind": kind.value, "probability": scoring.probability,
            "consequence": scoring.consequence, "score": scoring.score, "level": scoring.level,
            "in_plan": scored.in_plan, "scored_at": ev.iso(at)}))
        return scoring

    # ---- escalation ------------------------------------------------------

    @property
    def holder_unit_id(self) -> str:
        """The unit that holds the risk now: the analysis's, or the last level that accepted it."""
        accepted = [e for e in self.escalations if e.status is EscalationStatus.accepted]
        return accepted[-1].to_unit_id if accepted else self.unit_id

    @property
    def pending_escalation(self) -> Escalation | None:
        return next((e for e in self.escalations if e.status is EscalationStatus.pending), None)

    def escalate(self, *, to_unit_id: str, reason: str, units_above: list[str], at: datetime, by: str,
                 id: str | None = None) -> Escalation:
        """Send the risk to a level above the unit holding it (`units_above`: that unit's ancestors), with a
        reason; it waits there until accepted or returned. Never silently moved."""
        if self.pending_escalation is not None:
            raise EscalationPending("Risken väntar redan på svar från en högre nivå.",
                                    "The risk already awaits an answer from a level above.")
        if _blank(reason):
            raise InvalidEscalation("Ange varför risken eskaleras.", "Give the reason for the escalation.")
        if to_unit_id not in units_above:
            raise InvalidEscalation("En risk kan bara eskaleras till en enhet ovanför den enhet som har den.",
                                    "A risk can only be escalated to a unit above the unit that holds it.")
        escalation = Escalation(id=id or str(uuid.uuid4()), from_unit_id=self.holder_unit_id, to_unit_id=to_unit_id,
                                reason=reason, escalated_at=at, escalated_by=by)
        self.escalations.append(escalation)
        self._escalation_event(ev.RISK_ESCALATED, escalation, escalated_at=ev.iso(at))
        return escalation

    def decide_escalation(self, escalation_id: str, *, accept: bool, reason: str | None, at: datetime,
                          by: str) -> Escalation:
        """The receiving level accepts the risk, or returns it with a reason."""
        escalation = next((e for e in self.escalations if e.id == escalation_id), None)
        if escalation is None or escalation.status is not EscalationStatus.pending:
            raise EscalationNotPending("Eskaleringen väntar inte på svar.", "The escalation awaits no answer.")
        if not accept and _blank(reason):
            raise InvalidEscalation("Ange varför risken skickas tillbaka.", "Give the reason for returning the risk.")
        escalation.status = EscalationStatus.accepted if accept else EscalationStatus.returned
        escalation.decided_at, escalation.decided_by = at, by
        escalation.decision_reason = None if _blank(reason) else reason
        self._escalation_event(ev.ESCALATION_ACCEPTED if accept else ev.ESCALATION_RETURNED, escalation,
                               decided_at=ev.iso(at))
        return escalation

    def _escalation_event(self, event_type: str, escalation: Escalation, **data) -> None:
        self.version += 1
        self.events.append(ev.make_event(event_type, self.tenant, self.id, self.version, {
            **self._common(), "escalation_id": escalation.id, "from_unit_id": escalation.from_unit_id,
            "to_unit_id": escalation.to_unit_id, **data}))

    def _common(self) -> dict:
        return {"risk_id": self.id, "analysis_id": self.analysis_id, "unit_id": self.unit_id,
                "matrix_version": self.matrix_version}


def _causes(causes: Iterable[str]) -> list[str]:
    causes = [str(cause).strip() for cause in causes if not _blank(cause)]
    if len(causes) > CAUSES_MAX:
        raise InvalidAnalysis(f"En risk har högst {CAUSES_MAX} orsaker.", f"A risk has at most {CAUSES_MAX} causes.")
    return causes


# --------------------------------------------------------------------------
# Roles and permissions, as data
# --------------------------------------------------------------------------

# Who runs a risk analysis (the seeds: the managers and the process owner).
ANALYSTS = frozenset({"enhetschef", "verksamhetschef", "forvaltningschef", "processagare"})
# Everyone employed may read the analyses of their units; namnd and region_host see aggregates only.
STAFF_ROLES = frozenset({"medarbetare", "enhetschef", "verksamhetschef", "forvaltningschef", "processagare",
                         "processledare", "kvalitetsutvecklare", "mas", "mar", "administrator"})
MATRIX_EDITORS = frozenset({"administrator"})

PERMISSIONS: dict[str, frozenset[str]] = {
    command: ANALYSTS for command in (
        "create", "update", "start", "complete", "reopen", "follow_up", "add_risk", "update_risk", "score",
        "manage_actions", "escalate", "decide_escalation")}
PERMISSIONS["read"] = STAFF_ROLES
PERMISSIONS["edit_matrix"] = MATRIX_EDITORS


def may(roles: Iterable[str], command: str) -> bool:
    return bool(set(roles) & PERMISSIONS.get(command, frozenset()))
