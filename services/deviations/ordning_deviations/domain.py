"""The deviations domain: avvikelser, lex Sarah, lex Maria, klagomål and synpunkter.

Plain Python (no Flask, no session, no marshmallow). The aggregate is
`Deviation`; each command checks the state machine (`TRANSITIONS`), then the
rules, then changes the entity, bumps `version` and appends a `DomainEvent`
to `events`. The service layer saves the entity and moves `events` to the
outbox in the same unit of work.

Errors: `IllegalTransition` (command not allowed in this status -> 409) and
`RuleViolation` subclasses (each with a distinct `code` and an `http_status`).
Messages are a Swedish sentence, then the English one.

Event payloads carry only ids, classifications, statuses and dates: never free
text or personal data (`EVENT_PAYLOAD_FIELDS` is the allow-list, enforced when
an event is recorded).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import Enum

from ordning_shared.events import DomainEvent
from ordning_shared.problems import InvalidSetting, Problem
from ordning_shared.retention import PSEUDONYMISED_TEXT, add_years, pseudonymised_text
# The working days (the shared Swedish calendar), named here as this module always gave them.
from ordning_shared.workdays import (DEFAULT_CALENDAR, DEFAULT_NON_WORKING_EVES, EVES, STOCKHOLM, WorkingCalendar,
                                     add_working_days, eves, is_working_day, local_date, public_holidays)


# --------------------------------------------------------------------------
# Classifications
# --------------------------------------------------------------------------

class Kind(str, Enum):
    avvikelse = "avvikelse"
    lex_sarah = "lex_sarah"
    lex_maria = "lex_maria"
    klagomal = "klagomal"
    synpunkt = "synpunkt"


LEX_KINDS = frozenset({Kind.lex_sarah, Kind.lex_maria})
CITIZEN_KINDS = frozenset({Kind.klagomal, Kind.synpunkt})  # the only kinds a citizen may report

KIND_LABELS_SV = {
    Kind.avvikelse: "avvikelse",
    Kind.lex_sarah: "lex Sarah",
    Kind.lex_maria: "lex Maria",
    Kind.klagomal: "klagomål",
    Kind.synpunkt: "synpunkt",
}


class Origin(str, Enum):
    staff = "staff"
    citizen = "citizen"


Reporter = Origin  # alias: who reported the case


class Status(str, Enum):
    reported = "reported"
    received = "received"
    investigating = "investigating"
    investigated = "investigated"
    closed = "closed"
    rejected = "rejected"


END_STATUSES = frozenset({Status.closed, Status.rejected})  # nothing is due, nothing may change


STATUS_LABELS_SV = {
    Status.reported: "anmält",
    Status.received: "mottaget",
    Status.investigating: "under utredning",
    Status.investigated: "utrett",
    Status.closed: "avslutat",
    Status.rejected: "avvisat",
}


class RejectionReason(str, Enum):
    """Why a case was rejected (avvisat): a code, so that events and statistics carry no free text."""
    spam = "spam"
    duplicate = "duplicate"  # names the reference of the case it duplicates
    other = "other"  # explained in a note


REJECTION_REASON_LABELS_SV = {
    RejectionReason.spam: "skräppost",
    RejectionReason.duplicate: "dubblett",
    RejectionReason.other: "annat",
}
REFERENCE_PATTERN = r"^[0-9]{4}-[0-9]{6}$"  # a case's reference number, e.g. 2026-000123


class Command(str, Enum):
    receive = "receive"
    start_investigation = "start_investigation"
    complete_investigation = "complete_investigation"
    close = "close"
    reopen = "reopen"
    reopen_investigation = "reopen_investigation"
    reject = "reject"
    # Not transitions (the status stays): the investigator's finding that the event may happen at other units
    # ("kan inträffa på andra enheter"), which the risks service turns into proposed analyses at sibling units.
    flag_possible_elsewhere = "flag_possible_elsewhere"
    clear_possible_elsewhere = "clear_possible_elsewhere"


COMMAND_LABELS = {
    Command.receive: ("ta emot", "receive"),
    Command.start_investigation: ("starta utredningen av", "start the investigation of"),
    Command.complete_investigation: ("slutföra utredningen av", "complete the investigation of"),
    Command.close: ("avsluta", "close"),
    Command.reopen: ("återöppna", "reopen"),
    Command.reopen_investigation: ("återuppta utredningen av", "reopen the investigation of"),
    Command.reject: ("avvisa", "reject"),
    Command.flag_possible_elsewhere: ("markera att det kan inträffa på andra enheter för",
                                      "flag as possibly happening at other units"),
    Command.clear_possible_elsewhere: ("ta bort markeringen att det kan inträffa på andra enheter för",
                                       "clear the flag of possibly happening at other units on"),
}


# --------------------------------------------------------------------------
# State machine, as data
# --------------------------------------------------------------------------

TRANSITIONS: dict[tuple[Status, Command], Status] = {
    (Status.reported, Command.receive): Status.received,
    (Status.received, Command.start_investigation): Status.investigating,
    (Status.investigating, Command.complete_investigation): Status.investigated,
    (Status.investigated, Command.close): Status.closed,
    (Status.closed, Command.reopen): Status.investigating,
    (Status.investigated, Command.reopen_investigation): Status.investigating,
    (Status.received, Command.close): Status.closed,
    # Spam and duplicates are recognised at intake; once investigating, a case ends by `close`, whose rules
    # (a lex case's seriousness decision and IVO report) a rejection must not bypass.
    (Status.reported, Command.reject): Status.rejected,
    (Status.received, Command.reject): Status.rejected,
}

# Transitions open to some kinds only; a transition not listed here is open to every kind.
# received --close--> closed: only a synpunkt (feedback needing no investigation) may be closed without one.
TRANSITION_KINDS: dict[tuple[Status, Command], frozenset[Kind]] = {
    (Status.received, Command.close): frozenset({Kind.synpunkt}),
}

# The flag "kan inträffa på andra enheter" is the investigation's finding: set and cleared by the case's handlers
# while it is investigated or investigating, kept through closing and reopening (it stays true of the event).
POSSIBLE_ELSEWHERE_COMMANDS = frozenset({Command.flag_possible_elsewhere, Command.clear_possible_elsewhere})
POSSIBLE_ELSEWHERE_STATUSES = frozenset({Status.investigating, Status.investigated})


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

class DomainError(Problem):
    code = "domain_error"
    http_status = 409

    def __init__(self, sv: str, en: str, **extra):
        super().__init__(sv, en, **extra)


class IllegalTransition(DomainError):
    code = "illegal_transition"
    http_status = 409

    def __init__(self, sv: str, en: str, status: Status | None = None, command: Command | None = None):
        super().__init__(sv, en)
        self.status = status
        self.command = command


class RuleViolation(DomainError):
    code = "rule_violation"
    http_status = 409


class InvalidReport(RuleViolation):
    code = "invalid_report"
    http_status = 422


class InvalidInput(RuleViolation):
    code = "invalid_input"
    http_status = 422


class InvestigationIncomplete(RuleViolation):
    code = "investigation_incomplete"
    http_status = 422

    def __init__(self, sv: str, en: str, missing: list[str]):
        super().__init__(sv, en, missing=missing)  # the names of the fields, never their text
        self.missing = missing


class InvestigationNotEditable(RuleViolation):
    code = "investigation_not_editable"


class SeriousnessNotApplicable(RuleViolation):
    code = "seriousness_not_applicable"
    http_status = 422


class SeriousnessDecisionTooEarly(RuleViolation):
    code = "seriousness_decision_too_early"


class SeriousnessDecisionRequired(RuleViolation):
    code = "seriousness_decision_required"


class IvoReportRequired(RuleViolation):
    code = "ivo_report_required"


class IvoReportNotAllowed(RuleViolation):
    code = "ivo_report_not_allowed"


class IvoAlreadyReported(RuleViolation):
    code = "ivo_already_reported"


class OpenActionsRemain(RuleViolation):
    code = "open_actions_remain"

    def __init__(self, sv: str, en: str, open_action_count: int):
        super().__init__(sv, en, open_action_count=open_action_count)
        self.open_action_count = open_action_count


class CaseClosed(RuleViolation):
    code = "case_closed"


class CasePseudonymised(RuleViolation):
    code = "case_pseudonymised"


class RetentionNotExpired(RuleViolation):
    code = "retention_not_expired"


class InvalidRejection(RuleViolation):
    code = "invalid_rejection"
    http_status = 422


def next_status(status: Status, command: Command, kind: Kind) -> Status:
    """The status `command` leads to from `status` for a case of `kind`, or IllegalTransition."""
    status, command, kind = Status(status), Command(command), Kind(kind)
    key = (status, command)
    target = TRANSITIONS.get(key)
    if target is not None and kind in TRANSITION_KINDS.get(key, frozenset(Kind)):
        return target
    sv, en = COMMAND_LABELS[command]
    extra_sv = extra_en = ""
    if target is not None:
        extra_sv = f" av typen {KIND_LABELS_SV[kind]}"
        extra_en = f" of kind {kind.value}"
    raise IllegalTransition(
        f"Det går inte att {sv} ett ärende{extra_sv} som är {STATUS_LABELS_SV[status]}.",
        f"Cannot {en} a case{extra_en} in status {status.value}.",
        status=status, command=command,
    )


def allowed_commands(status: Status, kind: Kind) -> list[Command]:
    """State-machine commands legal from `status` for `kind` (rules not checked; the flag commands, which depend
    on the case's flag, are added by `Deviation.command_options`)."""
    return [command for (from_status, command) in TRANSITIONS
            if from_status == status and kind in TRANSITION_KINDS.get((from_status, command), frozenset(Kind))]


# --------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class DeadlinePolicy:
    """Deadlines for one kind in one tenant, in working days counted from the day the case was reported."""

    kind: Kind
    receipt_days: int
    investigation_days: int
    ivo_report_days: int | None = None  # lex kinds only

    def __post_init__(self):
        object.__setattr__(self, "kind", Kind(self.kind))
        for name in ("receipt_days", "investigation_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise InvalidSetting(f"Fältet {name} måste vara ett heltal från 0.",
                                     f"The field {name} must be a non-negative integer.")
        if self.kind in LEX_KINDS:
            if not isinstance(self.ivo_report_days, int) or self.ivo_report_days < 0:
                raise InvalidSetting("Fältet ivo_report_days måste vara ett heltal från 0 för lex Sarah och lex Maria.",
                                     "The field ivo_report_days must be a non-negative integer for lex Sarah and "
                                     "lex Maria.")
        elif self.ivo_report_days is not None:
            raise InvalidSetting("Fältet ivo_report_days gäller bara lex Sarah och lex Maria.",
                                 "The field ivo_report_days applies only to lex Sarah and lex Maria.")

    def due_dates(self, reported_on: date,
                  calendar: WorkingCalendar = DEFAULT_CALENDAR) -> tuple[date, date, date | None]:
        """(receipt_due, investigation_due, ivo_due) for a case reported on `reported_on`, in the tenant's calendar."""
        ivo_due = (calendar.add_working_days(reported_on, self.ivo_report_days)
                   if self.ivo_report_days is not None else None)
        return (calendar.add_working_days(reported_on, self.receipt_days),
                calendar.add_working_days(reported_on, self.investigation_days),
                ivo_due)


# Defaults only, editable per tenant: the rules say "genast"/"snarast", not a number of days (DOMAIN.md).
DEFAULT_DEADLINES: dict[Kind, DeadlinePolicy] = {
    Kind.avvikelse: DeadlinePolicy(Kind.avvikelse, receipt_days=2, investigation_days=20),
    Kind.lex_sarah: DeadlinePolicy(Kind.lex_sarah, receipt_days=1, investigation_days=10, ivo_report_days=10),
    Kind.lex_maria: DeadlinePolicy(Kind.lex_maria, receipt_days=1, investigation_days=10, ivo_report_days=10),
    Kind.klagomal: DeadlinePolicy(Kind.klagomal, receipt_days=2, investigation_days=10),
    Kind.synpunkt: DeadlinePolicy(Kind.synpunkt, receipt_days=2, investigation_days=10),
}


def policy_for(kind: Kind, tenant_policies: Mapping[Kind, DeadlinePolicy] | None = None) -> DeadlinePolicy:
    """The tenant's policy for `kind`, else the default."""
    kind = Kind(kind)
    if tenant_policies and kind in tenant_policies:
        return tenant_policies[kind]
    return DEFAULT_DEADLINES[kind]


# --------------------------------------------------------------------------
# Retention (gallring)
# --------------------------------------------------------------------------

RETENTION_YEARS_MIN, RETENTION_YEARS_MAX = 1, 100  # 0 would destroy a case the day it closes
# Defaults only, editable per tenant: typical dokumenthanteringsplaner keep these for 2 or 5 years after closing.
DEFAULT_RETENTION_YEARS: dict[Kind, int] = {
    Kind.avvikelse: 2, Kind.synpunkt: 2, Kind.lex_sarah: 5, Kind.lex_maria: 5, Kind.klagomal: 5,
}


@dataclass(frozen=True)
class RetentionPolicy:
    """How many years after its (last) closing a case of `kind` keeps its text, in one tenant."""

    kind: Kind
    years: int

    def __post_init__(self):
        object.__setattr__(self, "kind", Kind(self.kind))
        if (not isinstance(self.years, int) or isinstance(self.years, bool)
                or not RETENTION_YEARS_MIN <= self.years <= RETENTION_YEARS_MAX):
            raise InvalidSetting(f"Antalet år måste vara ett heltal från {RETENTION_YEARS_MIN} till {RETENTION_YEARS_MAX}.",
                                 f"The years must be an integer from {RETENTION_YEARS_MIN} to {RETENTION_YEARS_MAX}.")


def retention_for(kind: Kind, tenant_policies: Mapping[Kind, RetentionPolicy] | None = None) -> RetentionPolicy:
    """The tenant's retention policy for `kind`, else the default."""
    kind = Kind(kind)
    if tenant_policies and kind in tenant_policies:
        return tenant_policies[kind]
    return RetentionPolicy(kind, DEFAULT_RETENTION_YEARS[kind])


def retention_ends_on(closed_at: datetime, years: int) -> date:
    """The Swedish calendar day from which a case closed at `closed_at` is pseudonymised."""
    return add_years(local_date(closed_at), years)


def last_expired_closing_day(today: date, years: int) -> date:
    """The latest closing day (Swedish calendar) whose retention has ended by `today`: the SQL twin's cutoff."""
    day = add_years(today, -years)
    following = day + timedelta(days=1)  # 29 Feb closings end on 28 Feb, a day after today - years
    return following if add_years(following, years) <= today else day


OVERDUE_RECEIPT = "receipt"
OVERDUE_INVESTIGATION = "investigation"
OVERDUE_IVO_REPORT = "ivo_report"


# --------------------------------------------------------------------------
# Improvement actions, as far as closing a case needs them
# --------------------------------------------------------------------------

ACTION_FINISHED_STATUSES = frozenset({"done", "cancelled"})


@dataclass(frozen=True)
class ActionSummary:
    """An improvement action linked to the case (the full model lives in the shared package)."""

    id: str
    status: str

    @property
    def is_open(self) -> bool:
        return self.status not in ACTION_FINISHED_STATUSES


def count_open_actions(actions: Iterable[ActionSummary]) -> int:
    return sum(1 for action in actions if action.is_open)


# --------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------

EVENT_PREFIX = "se.ordning.deviation."
REPORTED = EVENT_PREFIX + "reported.v1"
RECEIVED = EVENT_PREFIX + "received.v1"
INVESTIGATION_STARTED = EVENT_PREFIX + "investigation_started.v1"
INVESTIGATION_COMPLETED = EVENT_PREFIX + "investigation_completed.v1"
SERIOUSNESS_DECIDED = EVENT_PREFIX + "seriousness_decided.v1"
IVO_REPORTED = EVENT_PREFIX + "ivo_reported.v1"
CLOSED = EVENT_PREFIX + "closed.v1"
REOPENED = EVENT_PREFIX + "reopened.v1"
UNIT_CHANGED = EVENT_PREFIX + "unit_changed.v1"
CATEGORY_CHANGED = EVENT_PREFIX + "category_changed.v1"
PSEUDONYMISED = EVENT_PREFIX + "pseudonymised.v1"
REJECTED = EVENT_PREFIX + "rejected.v1"
FLAGGED_POSSIBLE_ELSEWHERE = EVENT_PREFIX + "flagged_possible_elsewhere.v1"
CLEARED_POSSIBLE_ELSEWHERE = EVENT_PREFIX + "cleared_possible_elsewhere.v1"
PROCESS_STEP_CHANGED = EVENT_PREFIX + "process_step_changed.v1"

_COMMON = {"deviation_id", "kind", "unit_id", "category_id", "status", "version"}
# What a subscriber outside the case's own workflow (the risks service) needs to act for the case's unit and to
# order and de-duplicate: the envelope adds the tenant, the event id and the sequence.
_IDENTITY = {"deviation_id", "kind", "unit_id", "version"}

# Allowed payload keys per event type: ids, classifications, statuses, dates, booleans. No free text,
# no reporter, no IVO reference (it could identify the case at IVO).
EVENT_PAYLOAD_FIELDS: dict[str, set[str]] = {
    REPORTED: _COMMON | {"origin", "anonymous", "occurred_at", "reported_at",
                         "receipt_due", "investigation_due", "ivo_due", "process_step_id"},
    RECEIVED: _COMMON | {"received_at"},
    INVESTIGATION_STARTED: _COMMON | {"started_at"},
    INVESTIGATION_COMPLETED: _COMMON | {"completed_at"},
    SERIOUSNESS_DECIDED: _COMMON | {"serious", "revised", "decided_at"},
    IVO_REPORTED: _COMMON | {"ivo_reported_on"},
    CLOSED: _COMMON | {"closed_at", "closed_from", "serious"},
    REOPENED: _COMMON | {"reopened_at", "reopened_from"},
    UNIT_CHANGED: _COMMON | {"previous_unit_id"},
    CATEGORY_CHANGED: _COMMON | {"previous_category_id"},
    # The process step (an id of the processes service's map) linked, changed or cleared (None).
    PROCESS_STEP_CHANGED: _COMMON | {"process_step_id", "previous_process_step_id"},
    PSEUDONYMISED: _COMMON | {"origin", "reported_at", "closed_at", "pseudonymised_at"},
    REJECTED: _COMMON | {"rejected_at", "rejected_from", "reason"},  # the reason's code: no note, no reference
    # Only the identity and the moment: the flag's events say nothing of the case's workflow.
    FLAGGED_POSSIBLE_ELSEWHERE: _IDENTITY | {"flagged_at"},
    CLEARED_POSSIBLE_ELSEWHERE: _IDENTITY | {"cleared_at"},
}


def _iso(value: date | datetime | None) -> str | None:
    """A date as itself, a moment in UTC: events on the bus carry UTC whatever offset a client wrote."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.isoformat() if value is not None else None


# --------------------------------------------------------------------------
# The aggregate's parts
# --------------------------------------------------------------------------

@dataclass
class Investigation:
    what_happened: str | None = None
    why: str | None = None
    what_must_change: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None

    REQUIRED = ("what_happened", "why", "what_must_change")

    def missing(self) -> list[str]:
        return [name for name in self.REQUIRED if not (getattr(self, name) or "").strip()]


@dataclass(frozen=True)
class Seriousness:
    serious: bool
    decided_by: str | None  # None once the case is pseudonymised
    decided_at: datetime


@dataclass(frozen=True)
class IvoReport:
    reported_on: date
    reference: str
    recorded_by: str | None = None


@dataclass(frozen=True)
class Rejection:
    reason: RejectionReason
    rejected_at: datetime
    duplicate_of: str | None = None  # the reference of the case this one duplicates
    note: str | None = None


@dataclass(frozen=True)
class BlockedCommand:
    """A command the status offers and the caller may run, refused now by a rule: its code and message."""
    command: Command
    code: str
    reason: str


def _guard_no_open_actions(open_action_count: int) -> None:
    """A case ends (closed or rejected) only when its improvement actions are done or cancelled."""
    if open_action_count < 0:
        raise InvalidInput("Antalet öppna åtgärder kan inte vara negativt.", "The count of open actions cannot be negative.")
    if open_action_count > 0:
        raise OpenActionsRemain(
            f"Ärendet har {open_action_count} förbättringsåtgärd(er) som inte är klara eller avbrutna.",
            f"The case has {open_action_count} improvement action(s) neither done nor cancelled.",
            open_action_count=open_action_count)


def _blank(value: str | None) -> bool:
    return value is None or not str(value).strip()


# --------------------------------------------------------------------------
# The aggregate
# --------------------------------------------------------------------------

@dataclass(eq=False)
class Deviation:
    id: str
    tenant: str
    kind: Kind
    status: Status
    unit_id: str
    description: str
    reported_at: datetime
    origin: Origin = Origin.staff
    reported_by: str | None = None
    category_id: str | None = None
    occurred_at: datetime | None = None
    immediate_action: str | None = None
    received_at: datetime | None = None
    receipt_due: date | None = None
    investigation_due: date | None = None
    ivo_due: date | None = None
    investigation: Investigation = field(default_factory=Investigation)
    seriousness: Seriousness | None = None
    ivo_report: IvoReport | None = None
    closed_at: datetime | None = None
    pseudonymised_at: datetime | None = None
    rejection: Rejection | None = None
    possible_elsewhere_flagged_at: datetime | None = None  # set: "kan inträffa på andra enheter"
    # The process step (aktivitet) the case concerns, as the processes service names it. A step's id is stable
    # across the process's versions, so the link survives a revision of the process.
    process_step_id: str | None = None
    version: int = 1
    events: list[DomainEvent] = field(default_factory=list)

    def __eq__(self, other):
        return isinstance(other, Deviation) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    # ---- factory ---------------------------------------------------------

    @classmethod
    def report(cls, *, tenant: str, kind: Kind | str, unit_id: str, description: str,
               reported_at: datetime, reported_by: str | None = None,
               origin: Origin | str = Origin.staff, category_id: str | None = None,
               occurred_at: datetime | None = None, immediate_action: str | None = None,
               policy: DeadlinePolicy | None = None, id: str | None = None,
               anonymous: bool | None = None, calendar: WorkingCalendar = DEFAULT_CALENDAR,
               process_step_id: str | None = None) -> "Deviation":
        """A new case in status `reported`, its due dates computed from `policy` (default per kind) and `calendar`.

        `anonymous` (event flag) defaults to "no reporter"; a citizen who leaves contact details has no
        reporter subject but is not anonymous.
        """
        try:
            kind = Kind(kind)
            origin = Origin(origin)
        except ValueError as error:
            raise InvalidReport("Okänd typ eller okänt ursprung.", f"The kind or origin is unknown: {error}.") from None
        if _blank(tenant):
            raise InvalidReport("Kommun saknas.", "The tenant is required.")
        if _blank(unit_id):
            raise InvalidReport("Enhet saknas.", "The unit is required.")
        if _blank(description):
            raise InvalidReport("Beskrivning saknas.", "The description is required.")
        if origin is Origin.citizen and kind not in CITIZEN_KINDS:
            raise InvalidReport(
                f"En medborgare kan bara lämna klagomål eller synpunkter, inte {KIND_LABELS_SV[kind]}.",
                f"A citizen may only report klagomal or synpunkt, not {kind.value}.")
        if origin is Origin.staff and _blank(reported_by):
            raise InvalidReport("Anmälare saknas.", "A staff report needs its reporter.")
        if occurred_at is not None:
            try:
                if occurred_at > reported_at:
                    raise InvalidReport("Händelsen kan inte ha inträffat efter anmälan.",
                                        "The event cannot have occurred after it was reported.")
            except TypeError:
                raise InvalidInput("Tiderna occurred_at och reported_at måste båda ha en tidszon, eller ingen av dem.", "The times occurred_at and reported_at must "
                                   "both have an offset, or neither.") from None
        policy = policy or DEFAULT_DEADLINES[kind]
        if policy.kind != kind:
            raise ValueError(f"deadline policy for {policy.kind.value} given for a {kind.value}")
        receipt_due, investigation_due, ivo_due = policy.due_dates(local_date(reported_at), calendar)
        deviation = cls(
            id=id or str(uuid.uuid4()), tenant=tenant, kind=kind, status=Status.reported,
            unit_id=unit_id, description=description, reported_at=reported_at, origin=origin,
            reported_by=None if _blank(reported_by) else reported_by, category_id=category_id,
            occurred_at=occurred_at, immediate_action=None if _blank(immediate_action) else immediate_action,
            receipt_due=receipt_due, investigation_due=investigation_due, ivo_due=ivo_due,
            process_step_id=None if _blank(process_step_id) else process_step_id,
        )
        deviation._record(REPORTED, origin=origin.value, anonymous=(deviation.reported_by is None) if anonymous is None else bool(anonymous),
                          occurred_at=_iso(occurred_at), reported_at=_iso(reported_at),
                          receipt_due=_iso(receipt_due), investigation_due=_iso(investigation_due),
                          ivo_due=_iso(ivo_due), process_step_id=deviation.process_step_id)
        return deviation

    # ---- queries ---------------------------------------------------------

    @property
    def is_lex(self) -> bool:
        return self.kind in LEX_KINDS

    @property
    def anonymous(self) -> bool:
        return self.reported_by is None

    @property
    def possible_elsewhere(self) -> bool:
        """Flagged by its investigator: the event may happen at other units too."""
        return self.possible_elsewhere_flagged_at is not None

    def _possible_elsewhere_commands(self) -> list[Command]:
        """The flag command the case offers now: set it or clear it, while investigating or investigated."""
        if self.status not in POSSIBLE_ELSEWHERE_STATUSES:
            return []
        return [Command.clear_possible_elsewhere if self.possible_elsewhere else Command.flag_possible_elsewhere]

    def allowed_commands(self, roles: Iterable[str] | None = None, in_scope: bool = True,
                         open_action_count: int = 0) -> list[Command]:
        """The commands that would succeed now: for a caller with `roles` (None: any role) who acts on the
        case's unit (`in_scope`), with `open_action_count` improvement actions open."""
        allowed, _blocked = self.command_options(roles, in_scope, open_action_count)
        return allowed

    def command_options(self, roles: Iterable[str] | None = None, in_scope: bool = True,
                        open_action_count: int = 0) -> tuple[list[Command], list[BlockedCommand]]:
        """(allowed, blocked) commands of the state machine for this caller now.

        Only what the status offers the case's kind and the caller's roles permit on the case's unit counts;
        of those, a command a rule refuses (an incomplete investigation, no seriousness decision, open
        actions, gallring) is blocked, with the code and message the command itself would be refused with.
        """
        allowed: list[Command] = []
        blocked: list[BlockedCommand] = []
        for command in allowed_commands(self.status, self.kind) + self._possible_elsewhere_commands():
            if roles is not None and not (in_scope and may(roles, command, self.kind)):
                continue
            try:
                self._check(command, open_action_count)
            except DomainError as refusal:
                blocked.append(BlockedCommand(command, refusal.code, str(refusal)))
            else:
                allowed.append(command)
        return allowed, blocked

    def _check(self, command: Command, open_action_count: int = 0) -> Status:
        """The status `command` leads to, or the error it is refused with: the one check both the command
        and `command_options` run, so that what a case offers is what it does."""
        if command in POSSIBLE_ELSEWHERE_COMMANDS:
            return self._check_possible_elsewhere(command)
        self._guard_not_pseudonymised()
        target = next_status(self.status, command, self.kind)
        if command is Command.complete_investigation:
            missing = self.investigation.missing()
            if missing:
                raise InvestigationIncomplete(
                    f"Utredningen saknar {', '.join(missing)}.", f"The investigation lacks {', '.join(missing)}.",
                    missing=missing)
        if command is Command.close and self.is_lex:
            if self.seriousness is None:
                raise SeriousnessDecisionRequired(
                    "Beslut om allvarlighetsgrad krävs innan ärendet avslutas.",
                    "A seriousness decision is required before closing.")
            if self.seriousness.serious and self.ivo_report is None:
                raise IvoReportRequired(
                    "Ett allvarligt ärende måste anmälas till IVO innan det avslutas.",
                    "A serious case must be reported to IVO before closing.")
        if command in (Command.close, Command.reject):
            _guard_no_open_actions(open_action_count)
        return target

    def _check_possible_elsewhere(self, command: Command) -> Status:
        """The flag commands keep the status; each is refused (409) where the case does not offer it."""
        if self.status not in POSSIBLE_ELSEWHERE_STATUSES:
            raise IllegalTransition(
                f"Markeringen att det kan inträffa på andra enheter sätts och tas bort under eller efter "
                f"utredningen, inte i ett ärende som är {STATUS_LABELS_SV[self.status]}.",
                f"The flag of possibly happening at other units is set and cleared while or after the case is "
                f"investigated, not on a case in status {self.status.value}.",
                status=self.status, command=command)
        if command is Command.flag_possible_elsewhere and self.possible_elsewhere:
            raise IllegalTransition("Ärendet är redan markerat att det kan inträffa på andra enheter.",
                                    "The case is already flagged as possibly happening at other units.",
                                    status=self.status, command=command)
        if command is Command.clear_possible_elsewhere and not self.possible_elsewhere:
            raise IllegalTransition("Ärendet är inte markerat att det kan inträffa på andra enheter; det finns "
                                    "ingen markering att ta bort.",
                                    "The case is not flagged as possibly happening at other units; there is no "
                                    "flag to clear.",
                                    status=self.status, command=command)
        self._guard_not_pseudonymised()  # a gallrad case is closed or rejected: a guard against a future status
        return self.status

    @property
    def ended_at(self) -> datetime | None:
        """When the case reached its end state: its last closing, or its rejection at intake; else None."""
        if self.status is Status.closed:
            return self.closed_at
        if self.status is Status.rejected and self.rejection is not None:
            return self.rejection.rejected_at
        return None

    def retention_expired(self, today: date, policy: RetentionPolicy) -> bool:
        """Ended (closed or rejected), not yet pseudonymised, and `today` is on or after its end day + the years."""
        ended = self.ended_at
        return (ended is not None and self.pseudonymised_at is None
                and today >= retention_ends_on(ended, policy.years))

    def overdue(self, today: date) -> list[str]:
        """Deadlines passed with the work still outstanding on `today` (a due date is the last allowed day).

        "receipt": not yet received after receipt_due; "investigation": investigation not completed
        after investigation_due (a synpunkt closed without investigation is not overdue);
        "ivo_report": lex case decided serious, no IVO report recorded after ivo_due.
        A closed or rejected case is never overdue.
        """
        if self.status in END_STATUSES:
            return []
        missed = []
        if self.received_at is None and self.receipt_due is not None and today > self.receipt_due:
            missed.append(OVERDUE_RECEIPT)
        if (self.status is not Status.investigated and self.investigation_due is not None
                and today > self.investigation_due):
            missed.append(OVERDUE_INVESTIGATION)
        if (self.is_lex and self.seriousness is not None and self.seriousness.serious
                and self.ivo_report is None and self.ivo_due is not None and today > self.ivo_due):
            missed.append(OVERDUE_IVO_REPORT)
        return missed

    def is_overdue(self, today: date) -> bool:
        return bool(self.overdue(today))

    # ---- state machine commands -----------------------------------------

    def receive(self, by: str, at: datetime) -> None:
        self.status = self._check(Command.receive)
        self.received_at = at
        self._record(RECEIVED, received_at=_iso(at))

    def start_investigation(self, by: str, at: datetime) -> None:
        self.status = self._check(Command.start_investigation)
        self.investigation.started_at = at
        self._record(INVESTIGATION_STARTED, started_at=_iso(at))

    def complete_investigation(self, by: str, at: datetime) -> None:
        self.status = self._check(Command.complete_investigation)
        self.investigation.completed_at = at
        self._record(INVESTIGATION_COMPLETED, completed_at=_iso(at))

    def close(self, by: str, at: datetime, open_action_count: int) -> None:
        """Close the case; `open_action_count` = linked improvement actions neither done nor cancelled."""
        from_status = self.status
        self.status = self._check(Command.close, open_action_count)
        self.closed_at = at
        self._record(CLOSED, closed_at=_iso(at), closed_from=from_status.value,
                     serious=self.seriousness.serious if self.seriousness else None)

    def reopen(self, by: str, at: datetime) -> None:
        """A closed case goes back to investigating (e.g. new facts, or an action had no effect)."""
        self.status = self._check(Command.reopen)
        self.closed_at = None
        self.investigation.completed_at = None
        if self.investigation.started_at is None:  # a synpunkt closed straight from received
            self.investigation.started_at = at
        self._record(REOPENED, reopened_at=_iso(at), reopened_from=Status.closed.value)

    def reject(self, by: str, at: datetime, reason: RejectionReason | str, open_action_count: int,
               duplicate_of: str | None = None, note: str | None = None) -> None:
        """Reject (avvisa) spam, a duplicate or a case not to be handled (`other`, with a note): an end state.

        `duplicate_of` (the duplicated case's reference) is required for a duplicate and refused
        otherwise; the service checks that it names another case of the tenant.
        """
        from_status = self.status
        target = self._check(Command.reject, open_action_count)
        try:
            reason = RejectionReason(reason)
        except ValueError:
            raise InvalidRejection("Skälet är okänt.", f"The reason {str(reason)[:40]!r} is unknown.") from None
        duplicate_of = None if _blank(duplicate_of) else duplicate_of.strip()
        note = None if _blank(note) else note.strip()
        if (reason is RejectionReason.duplicate) != (duplicate_of is not None):
            raise InvalidRejection("Ange vilket ärende det är en dubblett av (duplicate_of), och bara då.",
                                   "Name the duplicated case (duplicate_of) for the reason duplicate, and only then.")
        if reason is RejectionReason.other and note is None:
            raise InvalidRejection("Skälet annat behöver en förklaring (note).", "The reason other needs a note.")
        self.status = target
        self.rejection = Rejection(reason=reason, rejected_at=at, duplicate_of=duplicate_of, note=note)
        self._record(REJECTED, rejected_at=_iso(at), rejected_from=from_status.value, reason=reason.value)

    def reopen_investigation(self, by: str, at: datetime) -> None:
        """An investigated case goes back to investigating, to revise the investigation."""
        self.status = self._check(Command.reopen_investigation)
        self.investigation.completed_at = None
        self._record(REOPENED, reopened_at=_iso(at), reopened_from=Status.investigated.value)

    def flag_possible_elsewhere(self, by: str, at: datetime) -> None:
        """The investigator finds that the event may happen at other units (kan inträffa på andra enheter)."""
        self._check(Command.flag_possible_elsewhere)
        self.possible_elsewhere_flagged_at = at
        self._record(FLAGGED_POSSIBLE_ELSEWHERE, flagged_at=_iso(at))

    def clear_possible_elsewhere(self, by: str, at: datetime) -> None:
        """The flag was set in error or the investigation found otherwise: subscribers may withdraw proposals."""
        self._check(Command.clear_possible_elsewhere)
        self.possible_elsewhere_flagged_at = None
        self._record(CLEARED_POSSIBLE_ELSEWHERE, cleared_at=_iso(at))

    # ---- rule-guarded commands outside the state machine -------------------

    def update_investigation(self, what_happened: str | None = None, why: str | None = None,
                             what_must_change: str | None = None) -> None:
        """Edit the investigation text (only while investigating). None leaves a field unchanged. No event."""
        if self.status is not Status.investigating:
            raise InvestigationNotEditable(
                f"Utredningen kan bara ändras under utredning, och ärendet är {STATUS_LABELS_SV[self.status]}.",
                f"The investigation can only be edited while investigating; the status is {self.status.value}.")
        changes = {"what_happened": what_happened, "why": why, "what_must_change": what_must_change}
        changes = {name: value for name, value in changes.items()
                   if value is not None and value != getattr(self.investigation, name)}
        if not changes:
            return
        for name, value in changes.items():
            setattr(self.investigation, name, value)
        self.version += 1

    def decide_seriousness(self, serious: bool, decided_by: str, decided_at: datetime) -> None:
        """Lex Sarah / lex Maria: is the case serious (to be reported to IVO)? Revisable until closed."""
        if not self.is_lex:
            raise SeriousnessNotApplicable(
                f"Allvarlighetsbedömning gäller bara lex Sarah och lex Maria, inte {KIND_LABELS_SV[self.kind]}.",
                f"A seriousness decision applies only to lex Sarah and lex Maria, not {self.kind.value}.")
        self._guard_not_closed()
        if self.status not in (Status.investigating, Status.investigated):
            raise SeriousnessDecisionTooEarly(
                f"Allvarlighetsgraden kan beslutas först när utredningen har startat, och ärendet är "
                f"{STATUS_LABELS_SV[self.status]}.",
                f"Seriousness can be decided only once the investigation has started; the status is "
                f"{self.status.value}.")
        if not isinstance(serious, bool):
            raise InvalidInput("Fältet serious måste vara sant eller falskt.", "The field serious must be true or false.")
        if _blank(decided_by):
            raise InvalidInput("Beslutsfattare saknas.", "The decider (decided_by) is required.")
        if not serious and self.ivo_report is not None:
            raise IvoAlreadyReported(
                "Ärendet är redan anmält till IVO och kan inte bedömas som ej allvarligt.",
                "The case is already reported to IVO and cannot be decided not serious.")
        revised = self.seriousness is not None
        self.seriousness = Seriousness(serious=serious, decided_by=decided_by, decided_at=decided_at)
        self._record(SERIOUSNESS_DECIDED, serious=serious, revised=revised, decided_at=_iso(decided_at))

    def record_ivo_report(self, reported_on: date, reference: str, by: str | None = None) -> None:
        """Record that a serious lex case was reported to IVO (a later call corrects the record)."""
        if not self.is_lex:
            raise IvoReportNotAllowed(
                f"Bara lex Sarah och lex Maria anmäls till IVO, inte {KIND_LABELS_SV[self.kind]}.",
                f"Only lex Sarah and lex Maria cases are reported to IVO, not {self.kind.value}.")
        self._guard_not_closed()
        if self.seriousness is None or not self.seriousness.serious:
            raise IvoReportNotAllowed(
                "Bara ett ärende som bedömts som allvarligt anmäls till IVO.",
                "Only a case decided serious is reported to IVO.")
        if not isinstance(reported_on, date) or isinstance(reported_on, datetime):
            raise InvalidInput("Fältet reported_on måste vara ett datum.", "The field reported_on must be a date.")
        if _blank(reference):
            raise InvalidInput("IVO:s diarienummer saknas.", "The IVO reference is required.")
        self.ivo_report = IvoReport(reported_on=reported_on, reference=reference.strip(), recorded_by=by)
        self._record(IVO_REPORTED, ivo_reported_on=_iso(reported_on))

    def change_category(self, category_id: str | None) -> None:
        """Set, change or clear (None) the category; not on a closed case."""
        self._guard_not_closed()
        category_id = None if _blank(category_id) else category_id
        if category_id == self.category_id:
            return
        previous = self.category_id
        self.category_id = category_id
        self._record(CATEGORY_CHANGED, previous_category_id=previous)

    def link_process_step(self, step_id: str | None) -> None:
        """Name (or, None, clear) the process step the case concerns; not on a closed case.

        The step's id (no text) is published, so that reporting counts the cases per process step."""
        self._guard_not_closed()
        step_id = None if _blank(step_id) else step_id
        if step_id == self.process_step_id:
            return
        previous = self.process_step_id
        self.process_step_id = step_id
        self._record(PROCESS_STEP_CHANGED, process_step_id=step_id, previous_process_step_id=previous)

    def reassign_unit(self, unit_id: str) -> None:
        """Move a case reported to the wrong unit; not on a closed case."""
        self._guard_not_closed()
        if _blank(unit_id):
            raise InvalidInput("Enhet saknas.", "The unit is required.")
        if unit_id == self.unit_id:
            return
        previous = self.unit_id
        self.unit_id = unit_id
        self._record(UNIT_CHANGED, previous_unit_id=previous)

    # ---- retention ---------------------------------------------------------

    def pseudonymise(self, at: datetime, policy: RetentionPolicy) -> None:
        """Gallring: replace the free text and the persons, keep what statistics need; the case is final after.

        Text that was there becomes PSEUDONYMISED_TEXT (so a reader sees it was removed, not that it never
        existed); references to people become None (matching no account, so the reporter's own access ends).
        Kept: kind, unit, category, origin, status, every date and deadline, the seriousness outcome and
        whether and when the case was reported to IVO.
        """
        if policy.kind is not self.kind:
            raise ValueError(f"retention policy for {policy.kind.value} given for a {self.kind.value}")
        self._guard_not_pseudonymised()
        if not self.retention_expired(local_date(at), policy):
            raise RetentionNotExpired(
                "Ärendet är inte avslutat eller avvisat, eller dess gallringsfrist har inte löpt ut.",
                "The case is not closed or rejected, or its retention period has not ended.")
        self.description = PSEUDONYMISED_TEXT
        self.immediate_action = pseudonymised_text(self.immediate_action)
        for name in Investigation.REQUIRED:
            setattr(self.investigation, name, pseudonymised_text(getattr(self.investigation, name)))
        self.reported_by = None
        if self.seriousness is not None:
            self.seriousness = Seriousness(serious=self.seriousness.serious, decided_by=None,
                                           decided_at=self.seriousness.decided_at)
        if self.ivo_report is not None:
            self.ivo_report = IvoReport(reported_on=self.ivo_report.reported_on, reference=PSEUDONYMISED_TEXT,
                                        recorded_by=None)
        if self.rejection is not None:  # the reason and the duplicate's reference stay; the note is free text
            self.rejection = Rejection(reason=self.rejection.reason, rejected_at=self.rejection.rejected_at,
                                       duplicate_of=self.rejection.duplicate_of,
                                       note=pseudonymised_text(self.rejection.note))
        self.pseudonymised_at = at
        self._record(PSEUDONYMISED, origin=self.origin.value, reported_at=_iso(self.reported_at),
                     closed_at=_iso(self.closed_at), pseudonymised_at=_iso(at))

    # ---- internals ---------------------------------------------------------

    def _guard_not_pseudonymised(self) -> None:
        if self.pseudonymised_at is not None:
            raise CasePseudonymised(
                "Ärendet är gallrat och kan inte ändras eller återöppnas.",
                "The case is pseudonymised (retention) and can no longer be changed or reopened.")

    def _guard_not_closed(self) -> None:
        self._guard_not_pseudonymised()
        if self.status is Status.closed:
            raise CaseClosed("Ärendet är avslutat; återöppna det först.", "The case is closed; reopen it first.")
        if self.status is Status.rejected:
            raise CaseClosed("Ärendet är avvisat och kan inte ändras.", "The case is rejected and cannot change.")

    def _record(self, event_type: str, **data) -> None:
        """Count the change in `version` and append an event (the common fields its allow-list names, and that
        version, added)."""
        allowed = EVENT_PAYLOAD_FIELDS[event_type]
        common = {"deviation_id": self.id, "kind": self.kind.value, "unit_id": self.unit_id,
                  "category_id": self.category_id, "status": self.status.value}
        payload = {**{name: value for name, value in common.items() if name in allowed}, **data}
        unknown = set(payload) - allowed
        if unknown:  # a programming error: the payload allow-list is the contract
            raise ValueError(f"{event_type} payload has fields outside its allow-list: {sorted(unknown)}")
        if event_type != REPORTED:
            self.version += 1
        payload["version"] = self.version
        self.events.append(DomainEvent(type=event_type, tenant=self.tenant, subject=self.id, data=payload,
                                       sequence=self.version))


# --------------------------------------------------------------------------
# Roles and permissions, as data
# --------------------------------------------------------------------------

ROLES = frozenset({"medarbetare", "enhetschef", "verksamhetschef", "forvaltningschef", "processagare",
                   "processledare", "kvalitetsutvecklare", "mas", "mar", "namnd", "administrator",
                   "region_host"})
# Everyone employed in the organisation may report; namnd (politicians) and region_host (aggregates) may not.
# Citizens report through the public, unauthenticated form, not through a role.
STAFF_ROLES = ROLES - {"namnd", "region_host"}
MANAGERS = frozenset({"enhetschef", "verksamhetschef", "forvaltningschef"})
HANDLERS = MANAGERS | {"kvalitetsutvecklare"}
MEDICAL_RESPONSIBLE = frozenset({"mas", "mar"})

_HANDLERS_BY_KIND: dict[Kind, frozenset[str]] = {
    kind: HANDLERS | (MEDICAL_RESPONSIBLE if kind is Kind.lex_maria else frozenset()) for kind in Kind
}
# Lex Maria: in a municipality MAS/MAR decide. Lex Sarah: the nämnd delegates the decision to the
# managers (delegationsordning), so enhetschef, verksamhetschef and förvaltningschef decide.
_SERIOUSNESS_DECIDERS: dict[Kind, frozenset[str]] = {
    Kind.lex_maria: MEDICAL_RESPONSIBLE,
    Kind.lex_sarah: MANAGERS,
    Kind.avvikelse: frozenset(),
    Kind.klagomal: frozenset(),
    Kind.synpunkt: frozenset(),
}

_HANDLING_COMMANDS = ("receive", "start_investigation", "update_investigation", "complete_investigation",
                      "close", "reopen", "reopen_investigation", "reject", "change_category", "reassign_unit",
                      "manage_actions", "flag_possible_elsewhere", "clear_possible_elsewhere")

# command -> kind -> roles allowed
PERMISSIONS: dict[str, dict[Kind, frozenset[str]]] = {
    "report": {kind: STAFF_ROLES for kind in Kind},
    **{command: dict(_HANDLERS_BY_KIND) for command in _HANDLING_COMMANDS},
    "decide_seriousness": dict(_SERIOUSNESS_DECIDERS),
    "record_ivo_report": dict(_SERIOUSNESS_DECIDERS),
}

# Who may read single cases of a kind (besides a staff member reading what they reported).
# namnd and region_host never read single cases: they see aggregates only.
READERS: dict[Kind, frozenset[str]] = {
    Kind.avvikelse: HANDLERS | MEDICAL_RESPONSIBLE,
    Kind.lex_maria: HANDLERS | MEDICAL_RESPONSIBLE,
    Kind.lex_sarah: HANDLERS,
    Kind.klagomal: HANDLERS,
    Kind.synpunkt: HANDLERS,
}


def may(roles: Iterable[str], command: str, kind: Kind | str) -> bool:
    """May a caller with `roles` run `command` on a case of `kind`? Unknown commands: no."""
    allowed = PERMISSIONS.get(str(command.value if isinstance(command, Command) else command), {})
    return bool(set(roles) & allowed.get(Kind(kind), frozenset()))


def may_read(roles: Iterable[str], kind: Kind | str, is_reporter: bool) -> bool:
    """May a caller read a single case? Handlers of the kind may; other staff only what they reported."""
    roles = set(roles)
    if roles & READERS[Kind(kind)]:
        return True
    return bool(is_reporter and roles & STAFF_ROLES)


__all__ = [
    "Kind", "Origin", "Reporter", "Status", "Command", "LEX_KINDS", "CITIZEN_KINDS",
    "TRANSITIONS", "TRANSITION_KINDS", "POSSIBLE_ELSEWHERE_COMMANDS", "POSSIBLE_ELSEWHERE_STATUSES", "next_status",
    "allowed_commands", "BlockedCommand",
    "DomainError", "IllegalTransition", "RuleViolation", "InvalidReport", "InvalidInput",
    "InvestigationIncomplete", "InvestigationNotEditable", "SeriousnessNotApplicable",
    "SeriousnessDecisionTooEarly", "SeriousnessDecisionRequired", "IvoReportRequired",
    "IvoReportNotAllowed", "IvoAlreadyReported", "OpenActionsRemain", "CaseClosed",
    "CasePseudonymised", "RetentionNotExpired", "InvalidRejection",
    "END_STATUSES", "RejectionReason", "REJECTION_REASON_LABELS_SV", "Rejection", "REFERENCE_PATTERN",
    "DEFAULT_NON_WORKING_EVES", "EVES", "public_holidays", "eves", "WorkingCalendar", "DEFAULT_CALENDAR",
    "is_working_day", "add_working_days", "local_date",
    "DeadlinePolicy", "DEFAULT_DEADLINES", "policy_for",
    "RetentionPolicy", "DEFAULT_RETENTION_YEARS", "RETENTION_YEARS_MIN", "RETENTION_YEARS_MAX", "retention_for",
    "PSEUDONYMISED_TEXT", "pseudonymised_text", "add_years", "retention_ends_on", "last_expired_closing_day",
    "OVERDUE_RECEIPT", "OVERDUE_INVESTIGATION", "OVERDUE_IVO_REPORT",
    "ActionSummary", "ACTION_FINISHED_STATUSES", "count_open_actions",
    "EVENT_PAYLOAD_FIELDS", "REPORTED", "RECEIVED", "INVESTIGATION_STARTED", "INVESTIGATION_COMPLETED",
    "SERIOUSNESS_DECIDED", "IVO_REPORTED", "CLOSED", "REOPENED", "UNIT_CHANGED", "CATEGORY_CHANGED",
    "PSEUDONYMISED", "REJECTED", "FLAGGED_POSSIBLE_ELSEWHERE", "PROCESS_STEP_CHANGED", "CLEARED_POSSIBLE_ELSEWHERE",
    "Investigation", "Seriousness", "IvoReport", "Deviation",
    "ROLES", "STAFF_ROLES", "MANAGERS", "HANDLERS", "PERMISSIONS", "READERS", "may", "may_read",
]
