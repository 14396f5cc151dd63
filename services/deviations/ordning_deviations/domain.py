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

from ordning_shared.actions import USER_ID
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


class IvoDecisionOutcome(str, Enum):
    """IVO's decision on a lex report (codes, so that events and statistics carry no text)."""
    closed_no_criticism = "closed_no_criticism"  # ärendet avslutas utan kritik
    criticism = "criticism"  # kritik
    further_supervision = "further_supervision"  # IVO inleder tillsyn
    closed_other = "closed_other"  # avslutat av annat skäl (t.ex. överlämnat)


IVO_DECISION_OUTCOME_LABELS_SV = {
    IvoDecisionOutcome.closed_no_criticism: "avslutat utan kritik",
    IvoDecisionOutcome.criticism: "kritik",
    IvoDecisionOutcome.further_supervision: "fortsatt tillsyn",
    IvoDecisionOutcome.closed_other: "avslutat av annat skäl",
}


class AnalysisMethod(str, Enum):
    """The method of a lex Maria case's händelseanalys."""
    handelseanalys = "handelseanalys"
    rotorsaksanalys = "rotorsaksanalys"
    other = "other"


ANALYSIS_METHOD_LABELS_SV = {
    AnalysisMethod.handelseanalys: "händelseanalys",
    AnalysisMethod.rotorsaksanalys: "rotorsaksanalys",
    AnalysisMethod.other: "annan metod",
}


class RootCauseCategory(str, Enum):
    """The kind of a root cause (bakomliggande orsak), as händelseanalyser group them."""
    communication = "communication"
    routines = "routines"
    competence = "competence"
    equipment = "equipment"
    environment = "environment"
    organisation = "organisation"
    other = "other"


ROOT_CAUSE_CATEGORY_LABELS_SV = {
    RootCauseCategory.communication: "kommunikation och information",
    RootCauseCategory.routines: "rutiner och riktlinjer",
    RootCauseCategory.competence: "kunskap och kompetens",
    RootCauseCategory.equipment: "teknik och utrustning",
    RootCauseCategory.environment: "miljö",
    RootCauseCategory.organisation: "organisation och bemanning",
    RootCauseCategory.other: "annat",
}


class FollowUpOutcome(str, Enum):
    """The municipality's assessment of an external provider's own handling and report to IVO."""
    sufficient = "sufficient"  # provider's handling is enough
    measures_required = "measures_required"  # the nämnd requires more of the provider
    contract_action = "contract_action"  # the contract is acted on (avtalsuppföljning, vite)


FOLLOW_UP_OUTCOME_LABELS_SV = {
    FollowUpOutcome.sufficient: "tillräckligt",
    FollowUpOutcome.measures_required: "åtgärder krävs av utföraren",
    FollowUpOutcome.contract_action: "åtgärd enligt avtalet",
}


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


class InvalidIvoStep(RuleViolation):
    """A date, code or text of an IVO step (report, komplettering, decision, händelseanalys, provider follow-up)
    that the rules refuse."""
    code = "invalid_ivo_step"
    http_status = 422


class IvoStepNotAllowed(RuleViolation):
    """An IVO step that does not apply to the case (its kind, its seriousness, or a step that comes later)."""
    code = "ivo_step_not_allowed"
    http_status = 422


class IvoReportByProvider(RuleViolation):
    """The case's unit is an external provider (utförare i privat regi), which reports to IVO itself."""
    code = "ivo_report_by_provider"
    http_status = 422


class ProviderFollowUpRequired(RuleViolation):
    code = "provider_follow_up_required"


class InvalidDuplicate(RuleViolation):
    """A master a case cannot be closed into: itself, a case ended by rejection (a duplicate or spam), a case of
    another lex kind."""
    code = "invalid_duplicate"
    http_status = 422


class MasterOfDuplicates(RuleViolation):
    """A case other cases were closed into as duplicates (their master) cannot itself end as a duplicate: its
    duplicates would point at a case that is no longer handled. Reopen none; close the other case into this one."""
    code = "master_of_duplicates"
    http_status = 409


def guard_not_a_master(duplicate_count: int) -> None:
    """A case that is the master of duplicates cannot become a duplicate itself."""
    if duplicate_count > 0:
        raise MasterOfDuplicates(
            f"Ärendet är huvudärende för {duplicate_count} dubblett(er) och kan inte självt avslutas som dubblett. "
            f"Avsluta i stället det andra ärendet som dubblett av det här.",
            f"The case is the master of {duplicate_count} duplicate(s) and cannot itself be closed as a duplicate. "
            f"Close the other case as a duplicate of this one instead.")


class InvalidInvestigator(RuleViolation):
    code = "invalid_investigator"
    http_status = 422


class InvalidInvolvedUnit(RuleViolation):
    code = "invalid_involved_unit"
    http_status = 422


# ---- issue 14: lex Sarah and lex Maria in full -------------------------------------------------------------

class InformingRequired(RuleViolation):
    code = "informing_required"


class InvalidInforming(RuleViolation):
    code = "invalid_informing"
    http_status = 422


class InformingNotApplicable(RuleViolation):
    code = "informing_not_applicable"
    http_status = 422


class ReclassificationNotAllowed(RuleViolation):
    code = "reclassification_not_allowed"
    http_status = 422


class InvalidReclassification(RuleViolation):
    code = "invalid_reclassification"
    http_status = 422


class InvalidOutcome(RuleViolation):
    code = "invalid_outcome"
    http_status = 422


class Disqualified(RuleViolation):
    """Jäv: the reporter or a named involved member of staff may not decide the case."""
    code = "disqualified"
    http_status = 403


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

def _check_answer_days(kind: Kind, answer_days) -> None:
    if kind is Kind.klagomal:
        if answer_days is not None and (not isinstance(answer_days, int) or isinstance(answer_days, bool)
                                        or not 0 <= answer_days <= 365):
            raise InvalidSetting("Fältet answer_days måste vara ett heltal från 0 till 365.",
                                 "The field answer_days must be an integer from 0 to 365.")
    elif answer_days is not None:
        raise InvalidSetting("Fältet answer_days gäller bara klagomål.", "The field answer_days applies only to klagomal.")



@dataclass(frozen=True)
class DeadlinePolicy:
    """Deadlines for one kind in one tenant: receipt and investigation in working days counted from the day the
    case was reported; the report to IVO ("snarast") in calendar days counted from the day a lex case is decided
    serious (`ivo_due_after`), so a case has no IVO due date until then."""

    kind: Kind
    receipt_days: int
    investigation_days: int
    ivo_report_days: int | None = None  # lex kinds only
    answer_days: int | None = None  # klagomål only: working days to answer the complainant (issue 14)

    def __post_init__(self):
        object.__setattr__(self, "kind", Kind(self.kind))
        _check_answer_days(self.kind, self.answer_days)
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
        """(receipt_due, investigation_due, ivo_due) for a case reported on `reported_on`, in the tenant's calendar.

        ivo_due is None: the IVO deadline runs from the seriousness decision (`ivo_due_after`)."""
        return (calendar.add_working_days(reported_on, self.receipt_days),
                calendar.add_working_days(reported_on, self.investigation_days),
                None)

    def ivo_due_after(self, decided_on: date) -> date | None:
        """The last day to report to IVO ("snarast") for a lex case decided serious on `decided_on`: calendar days."""
        return None if self.ivo_report_days is None else decided_on + timedelta(days=self.ivo_report_days)


# Defaults only, editable per tenant: the rules say "genast"/"snarast", not a number of days (DOMAIN.md). The IVO
# report's days are calendar days from the seriousness decision; the others working days from the report.
DEFAULT_DEADLINES: dict[Kind, DeadlinePolicy] = {
    Kind.avvikelse: DeadlinePolicy(Kind.avvikelse, receipt_days=2, investigation_days=20),
    Kind.lex_sarah: DeadlinePolicy(Kind.lex_sarah, receipt_days=1, investigation_days=10, ivo_report_days=14),
    Kind.lex_maria: DeadlinePolicy(Kind.lex_maria, receipt_days=1, investigation_days=10, ivo_report_days=14),
    Kind.klagomal: DeadlinePolicy(Kind.klagomal, receipt_days=2, investigation_days=10),
    Kind.synpunkt: DeadlinePolicy(Kind.synpunkt, receipt_days=2, investigation_days=10),
}


# Issue 14: a klagomål is answered within 10 working days by default (DOMAIN.md: "an answer within 10").
DEFAULT_ANSWER_DAYS = 10
DEFAULT_DEADLINES[Kind.klagomal] = DeadlinePolicy(Kind.klagomal, receipt_days=2, investigation_days=10,
                                                  answer_days=DEFAULT_ANSWER_DAYS)


def answer_due_on(policy: DeadlinePolicy, reported_on: date, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> date | None:
    """The last day to answer a klagomål reported on `reported_on` (None for other kinds)."""
    if policy.kind is not Kind.klagomal:
        return None
    days = DEFAULT_ANSWER_DAYS if policy.answer_days is None else policy.answer_days
    return calendar.add_working_days(reported_on, days)


def policy_for(kind: Kind, tenant_policies: Mapping[Kind, DeadlinePolicy] | None = None) -> DeadlinePolicy:
    """The tenant's policy for `kind`, else the default."""
    kind = Kind(kind)
    if tenant_policies and kind in tenant_policies:
        return tenant_policies[kind]
    return DEFAULT_DEADLINES[kind]


# --------------------------------------------------------------------------
# Lex Sarah and lex Maria in full (issue 14): reclassification, informing, the decision and its delegation
# --------------------------------------------------------------------------

# Which kind a case may be reclassified to, from which: an avvikelse or klagomål found to be lex Sarah or lex
# Maria and back, and lex Sarah and lex Maria between them (the wrong law). Synpunkter stay what they are.
RECLASSIFICATIONS: dict[Kind, frozenset[Kind]] = {
    Kind.avvikelse: frozenset({Kind.lex_sarah, Kind.lex_maria}),
    Kind.klagomal: frozenset({Kind.lex_sarah, Kind.lex_maria}),
    Kind.lex_sarah: frozenset({Kind.avvikelse, Kind.klagomal, Kind.lex_maria}),
    Kind.lex_maria: frozenset({Kind.avvikelse, Kind.klagomal, Kind.lex_sarah}),
    Kind.synpunkt: frozenset(),
}
# Why a case was reclassified: a code (events and statistics carry no text); "other" needs a note.
RECLASSIFICATION_REASONS = {
    "new_facts": "nya uppgifter har kommit fram",
    "wrong_kind_reported": "fel typ angavs vid anmälan",
    "investigation_finding": "utredningen visade det",
    "other": "annat skäl",
}
# How, and whom, the person concerned was informed (SOSFS 2011:5 / HSLF-FS 2017:40: the enskilde or patient, or
# their närstående), and why it was not done.
INFORMING_METHODS = {
    "in_person": "vid ett möte", "phone": "per telefon", "letter": "per brev", "digital": "digitalt",
    "other": "på annat sätt",
}
INFORMING_RECIPIENTS = {
    "person_concerned": "den enskilde eller patienten", "narstaende": "en närstående",
    "legal_representative": "en legal företrädare (god man, förvaltare)",
}
NOT_INFORMED_REASONS = {
    "declined": "den enskilde avböjde", "unable": "den enskilde kan inte ta till sig informationen",
    "unreachable": "gick inte att nå", "deceased_no_relatives": "avliden, inga närstående",
    "other": "annat skäl",
}
# The outcomes of the decision per lex kind and whether each is serious (to be reported to IVO).
LEX_OUTCOMES: dict[Kind, dict[str, bool]] = {
    Kind.lex_sarah: {"missforhallande": True, "patagligt_risk_for_missforhallande": True,
                     "inte_missforhallande": False},
    Kind.lex_maria: {"vardskada": False, "allvarlig_vardskada": True, "risk_for_allvarlig_vardskada": True,
                     "ingen_vardskada": False},
}
OUTCOME_LABELS_SV = {
    "missforhallande": "allvarligt missförhållande",
    "patagligt_risk_for_missforhallande": "påtaglig risk för ett allvarligt missförhållande",
    "inte_missforhallande": "inte ett allvarligt missförhållande",
    "vardskada": "vårdskada (inte allvarlig)",
    "allvarlig_vardskada": "allvarlig vårdskada",
    "risk_for_allvarlig_vardskada": "risk för allvarlig vårdskada",
    "ingen_vardskada": "ingen vårdskada",
}
# The org levels a delegation may name (the org tree's unit kinds).
ORG_LEVELS = ("board", "administration", "division", "unit", "external_provider")
# The roles a delegation may name: the managers and the medically responsible (MAS, MAR).
DECIDER_ROLES = frozenset({"enhetschef", "verksamhetschef", "forvaltningschef", "mas", "mar"})
DELEGATION_REFERENCE_MAX = 200


@dataclass(frozen=True)
class LexPolicy:
    """A tenant's rules for one lex kind: who decides (roles, at which org level: the delegationsordning and its
    reference) and whether closing requires the person concerned to be informed."""

    kind: Kind
    decider_roles: frozenset[str]
    decider_level: str | None  # an ORG_LEVELS value; None: the role held at any unit above the case's
    delegation_reference: str
    informing_required: bool = True

    def __post_init__(self):
        object.__setattr__(self, "kind", Kind(self.kind))
        object.__setattr__(self, "decider_roles", frozenset(self.decider_roles or ()))
        if self.kind not in LEX_KINDS:
            raise InvalidSetting("Delegationen gäller bara lex Sarah och lex Maria.",
                                 "The delegation applies only to lex Sarah and lex Maria.")
        if not self.decider_roles or not self.decider_roles <= DECIDER_ROLES:
            raise InvalidSetting("Ange minst en beslutande roll bland cheferna och MAS/MAR.",
                                 "Name at least one deciding role among the managers and MAS/MAR.")
        if self.decider_level is not None and self.decider_level not in ORG_LEVELS:
            raise InvalidSetting("Organisationsnivån är okänd.", "The org level is unknown.")
        if (not isinstance(self.delegation_reference, str) or not self.delegation_reference.strip()
                or len(self.delegation_reference) > DELEGATION_REFERENCE_MAX):
            raise InvalidSetting("Hänvisningen till delegationsordningen saknas eller är för lång.",
                                 "The delegation reference is missing or too long.")
        if not isinstance(self.informing_required, bool):
            raise InvalidSetting("Fältet informing_required måste vara sant eller falskt.",
                                 "The field informing_required must be true or false.")


# Defaults only, editable per tenant (PUT /api/v1/lex-policies/<kind>).
DEFAULT_LEX_POLICIES: dict[Kind, LexPolicy] = {
    Kind.lex_sarah: LexPolicy(Kind.lex_sarah, frozenset({"forvaltningschef"}), "administration",
                              "Delegationsordningen: beslut om lex Sarah-rapport"),
    Kind.lex_maria: LexPolicy(Kind.lex_maria, frozenset({"mas", "mar"}), "administration",
                              "Delegationsordningen: beslut om lex Maria-anmälan"),
}


def lex_policy_for(kind: Kind, tenant_policies: Mapping[Kind, LexPolicy] | None = None) -> LexPolicy | None:
    """The tenant's lex policy for `kind`, else the default; None for a kind that is not lex."""
    kind = Kind(kind)
    if tenant_policies and kind in tenant_policies:
        return tenant_policies[kind]
    return DEFAULT_LEX_POLICIES.get(kind)


def _listed_code(value, codes: Mapping[str, object], field_name: str, error=None) -> str:
    """`value` if it is a code of `codes` (the tenant's list: code -> entry, or a default list), else the 422 `error`
    (class) naming the field, never echoing more."""
    if isinstance(value, str) and value in codes:
        return value
    raise (error or InvalidInput)(f"Fältet {field_name} har ett okänt värde.",
                                  f"The field {field_name} has an unknown value.")


@dataclass(frozen=True)
class Informing:
    """The person concerned informed (when, how, by whom, whom, their view), or why it was not done."""
    recorded_by: str | None
    recorded_at: datetime
    informed_on: date | None = None
    method: str | None = None
    recipient: str | None = None
    informed_by: str | None = None
    view: str | None = None  # their view: free text, personal data, only for the case's readers
    not_informed_reason: str | None = None
    note: str | None = None

    @property
    def informed(self) -> bool:
        return self.not_informed_reason is None


@dataclass(frozen=True)
class Reclassification:
    """The case's last reclassification (the audit trail keeps every one)."""
    previous_kind: Kind
    reason: str
    at: datetime
    by: str | None = None
    note: str | None = None


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
OVERDUE_ANSWER = "answer"  # a klagomål not answered by its answer_due (issue 14)


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
# The classification beside the category (classification.py): händelsetyp, consequence score, place.
EVENT_TYPE_CHANGED = EVENT_PREFIX + "event_type_changed.v1"
CONSEQUENCE_SCORED = EVENT_PREFIX + "consequence_scored.v1"
PLACE_CHANGED = EVENT_PREFIX + "place_changed.v1"
IVO_SUPPLEMENT_REQUESTED = EVENT_PREFIX + "ivo_supplement_requested.v1"
IVO_SUPPLEMENT_ANSWERED = EVENT_PREFIX + "ivo_supplement_answered.v1"
IVO_DECISION_RECORDED = EVENT_PREFIX + "ivo_decision_recorded.v1"
EVENT_ANALYSIS_COMPLETED = EVENT_PREFIX + "event_analysis_completed.v1"
PROVIDER_IVO_REPORTED = EVENT_PREFIX + "provider_ivo_reported.v1"
PROVIDER_FOLLOWED_UP = EVENT_PREFIX + "provider_followed_up.v1"
RECLASSIFIED = EVENT_PREFIX + "reclassified.v1"
INFORMING_RECORDED = EVENT_PREFIX + "informing_recorded.v1"

_COMMON = {"deviation_id", "kind", "unit_id", "category_id", "status", "version"}
# What a subscriber outside the case's own workflow (the risks service) needs to act for the case's unit and to
# order and de-duplicate: the envelope adds the tenant, the event id and the sequence.
_IDENTITY = {"deviation_id", "kind", "unit_id", "version"}

# Allowed payload keys per event type: ids, classifications, statuses, dates, booleans. No free text,
# no reporter, no IVO reference (it could identify the case at IVO).
EVENT_PAYLOAD_FIELDS: dict[str, set[str]] = {
    REPORTED: _COMMON | {"origin", "anonymous", "occurred_at", "reported_at",
                         "receipt_due", "investigation_due", "ivo_due", "process_step_id", "event_type", "place_id"},
    RECEIVED: _COMMON | {"received_at"},
    INVESTIGATION_STARTED: _COMMON | {"started_at"},
    INVESTIGATION_COMPLETED: _COMMON | {"completed_at"},
    SERIOUSNESS_DECIDED: _COMMON | {"serious", "revised", "decided_at", "ivo_due", "outcome"},
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
    # The händelsetyp's code (the tenant's list; never its label), the consequence step with the matrix version it
    # is a step of (None: cleared), and the place's id (never its name).
    EVENT_TYPE_CHANGED: _COMMON | {"event_type", "previous_event_type"},
    CONSEQUENCE_SCORED: _COMMON | {"consequence_score", "matrix_version"},
    PLACE_CHANGED: _COMMON | {"place_id", "previous_place_id"},
    # The IVO steps: ids, codes and dates; never what IVO asked, the answer, a reference or a participant.
    IVO_SUPPLEMENT_REQUESTED: _COMMON | {"supplement_id", "requested_on", "supplement_due"},
    IVO_SUPPLEMENT_ANSWERED: _COMMON | {"supplement_id", "answered_on"},
    IVO_DECISION_RECORDED: _COMMON | {"decided_on", "outcome", "revised"},
    EVENT_ANALYSIS_COMPLETED: _COMMON | {"method", "completed_on", "root_cause_categories", "linked_action_count"},
    PROVIDER_IVO_REPORTED: _COMMON | {"provider_reported_on"},
    PROVIDER_FOLLOWED_UP: _COMMON | {"followed_up_on", "outcome"},
    # Issue 14: a case's kind changed by the reclassify command; codes and the new due dates, never the note.
    RECLASSIFIED: _COMMON | {"previous_kind", "reason", "reclassified_at", "receipt_due", "investigation_due",
                             "ivo_due", "seriousness_cleared", "informing_cleared", "previous_category_id"},
    # Issue 14: the person concerned informed (or the reason not): codes and the day, never their view or the note.
    INFORMING_RECORDED: _COMMON | {"informed", "informed_on", "method", "recipient", "not_informed_reason",
                                   "revised", "recorded_at"},
}

# The daily work (issue 14, item 8): the assigned investigator, the involved unit, duplicates.
INVESTIGATOR_ASSIGNED = EVENT_PREFIX + "investigator_assigned.v1"
INVOLVED_UNIT_CHANGED = EVENT_PREFIX + "involved_unit_changed.v1"
# A user id is an id of the tenant's own directory (the token's sub), carried as improvement actions' events carry
# their owner_id: who is the investigator now (null: cleared) and who was before. No name, no text.
EVENT_PAYLOAD_FIELDS[INVESTIGATOR_ASSIGNED] = _COMMON | {"investigator_id", "previous_investigator_id"}
EVENT_PAYLOAD_FIELDS[INVOLVED_UNIT_CHANGED] = _COMMON | {"involved_unit_id", "previous_involved_unit_id"}
EVENT_PAYLOAD_FIELDS[REPORTED] = EVENT_PAYLOAD_FIELDS[REPORTED] | {"involved_unit_id"}
# Optional fields (absent when there is none): reported.v1's involved unit, and rejected.v1's master: the id of
# the case a case ended as a duplicate (reason duplicate) duplicates.
EVENT_PAYLOAD_FIELDS[REJECTED] = EVENT_PAYLOAD_FIELDS[REJECTED] | {"master_id"}


# The tenant's working calendar (its non-working eves and extra days off), published when an administrator changes
# it so that the notify service counts its deadlines' working days in it: codes and dates only.
CALENDAR_CHANGED = "se.ordning.working_calendar.changed.v1"
CALENDAR_EVENT_FIELDS: dict[str, frozenset[str]] = {
    CALENDAR_CHANGED: frozenset({"calendar_id", "non_working_eves", "extra_days_off", "changed_at", "version"}),
}
# A tenant has one calendar, with versions; its id (the events' subject) is made from the tenant.
CALENDAR_NAMESPACE = uuid.UUID("8f3d2c1b-6a5e-4f70-9b1c-2d3e4f5a6b7c")


def calendar_id(tenant: str) -> str:
    return str(uuid.uuid5(CALENDAR_NAMESPACE, tenant))


def calendar_changed(tenant: str, calendar: WorkingCalendar, version: int, at: datetime) -> DomainEvent:
    """se.ordning.working_calendar.changed.v1: the tenant's calendar as of `version` (1 is the first change of the
    default), whole."""
    data = {"calendar_id": calendar_id(tenant), "non_working_eves": sorted(calendar.non_working_eves),
            "extra_days_off": [day.isoformat() for day in sorted(calendar.extra_days_off)],
            "changed_at": _iso(at), "version": version}
    assert set(data) == CALENDAR_EVENT_FIELDS[CALENDAR_CHANGED]
    return DomainEvent(type=CALENDAR_CHANGED, tenant=tenant, subject=data["calendar_id"], data=data, sequence=version)


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
    outcome: str | None = None  # a code of LEX_OUTCOMES[kind] (issue 14); None: decided as serious yes/no only
    motivering: str | None = None  # free text: in the case only
    delegation_reference: str | None = None  # the tenant's delegation the decider acted under


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
class IvoSupplement:
    """A komplettering IVO asked for: when, what (text), by when, and when it was answered."""
    id: str
    requested_on: date
    request: str
    due_on: date | None = None
    answered_on: date | None = None


@dataclass(frozen=True)
class IvoDecision:
    decided_on: date
    outcome: IvoDecisionOutcome
    reference: str | None = None


@dataclass(frozen=True)
class RootCause:
    id: str
    category: RootCauseCategory
    text: str
    action_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnalysisParticipant:
    role: str
    name: str


@dataclass(frozen=True)
class EventAnalysis:
    """A lex Maria case's händelseanalys: the participants are personal data, read only by the case's readers."""
    method: AnalysisMethod
    participants: tuple[AnalysisParticipant, ...] = ()
    root_causes: tuple[RootCause, ...] = ()
    completed_on: date | None = None


@dataclass(frozen=True)
class ProviderReport:
    """An external provider's own report to IVO, as the municipality records it."""
    reported_on: date
    reference: str | None = None


@dataclass(frozen=True)
class ProviderFollowUp:
    """The municipality's follow-up of an external provider's report."""
    followed_up_on: date
    by: str | None  # None once the case is gallrad
    assessment: str
    outcome: FollowUpOutcome


def _refuse_field(name: str, sv: str, en: str) -> InvalidIvoStep:
    """The refusal of one field, named in the problem's `errors` as a validation error names it (for a form)."""
    return InvalidIvoStep(sv, en, errors={"json": {name: [f"{sv} {en}"]}})


def _a_date(value, name: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _refuse_field(name, f"Fältet {name} måste vara ett datum.", f"The field {name} must be a date.")
    return value


def _not_future(day: date, today: date, name: str) -> None:
    if day > today:
        raise _refuse_field(name, "Datumet kan inte ligga i framtiden.", "The date cannot be in the future.")


def _not_before(day: date, earliest: date, name: str, what_sv: str, what_en: str) -> None:
    if day < earliest:
        raise _refuse_field(name, f"Datumet kan inte ligga före {what_sv}.", f"The date cannot be before {what_en}.")


def as_code(enum, value):
    """A stored or given code as its default enum member, or as the plain code of a tenant's own entry (issue 14:
    the lists are tenant data, the enum their defaults)."""
    if value is None or isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        return str(value)


def code_value(code) -> str | None:
    """The code as events and rows carry it, an enum member's or a tenant's own."""
    return getattr(code, "value", code)


def _code(enum, value, name: str, codes: Mapping | None = None, current=None):
    """`value` if the tenant's list `codes` (code -> entry: code_lists.CodeList.choices; None: the defaults, the
    enum) offers it, or it is the record's `current` code; else the field's 422."""
    value = code_value(value)
    allowed = codes if codes is not None else {member.value: member for member in enum}
    if not isinstance(value, str) or (value not in allowed and value != code_value(current)):
        raise _refuse_field(name, "Koden är okänd.", "The code is unknown.")
    return as_code(enum, value)


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
    # Issue 14, klagomål: who complained (a code; the contact details are kept apart, db.complainant_contacts),
    # how the complaint came in, the answer's deadline and the answer given.
    complainant_relation: "ComplainantRelation | None" = None
    complaint_channel: "ContactChannel | None" = None
    answer_due: date | None = None
    answer: "ComplaintAnswer | None" = None
    # Issue 14, återkoppling: the sentence the handlers write for a staff reporter, and when.
    reporter_feedback: str | None = None
    reporter_feedback_at: datetime | None = None
    version: int = 1
    events: list[DomainEvent] = field(default_factory=list)
    # Classification beside the category (classification.py): a code of the tenant's händelsetyper, a step of the
    # consequence scale of the tenant's risk matrix with that matrix's version, a place of the case's unit.
    event_type: str | None = None
    consequence_score: int | None = None
    consequence_matrix_version: int | None = None
    place_id: str | None = None
    # The IVO steps (issue 14 item 4) and the external provider's own report (item 5).
    ivo_supplements: tuple[IvoSupplement, ...] = ()
    ivo_decision: IvoDecision | None = None
    event_analysis: EventAnalysis | None = None
    # The case's unit is an external provider (utförare i privat regi), from the org copy: it reports to IVO itself.
    external_provider: bool = False
    provider_report: ProviderReport | None = None
    provider_follow_up: ProviderFollowUp | None = None
    # The assigned investigator (utredare): a user id of the tenant's directory, who may read the case and write
    # and complete its investigation without a handler's role (INVESTIGATOR_COMMANDS).
    investigator_id: str | None = None
    # The unit the event involved when it is not the case's own (reporting) unit: its readers may read the case.
    involved_unit_id: str | None = None
    # Set when the case was ended as a duplicate of another case of the tenant (its master): the master's id.
    duplicate_of_id: str | None = None
    # Issue 14 (lex in full): the person concerned informed, the last reclassification, the involved staff.
    informing: "Informing | None" = None
    reclassification: "Reclassification | None" = None
    involved_staff: tuple[str, ...] = ()
    # Whether closing requires the informing: the service sets it from the tenant's lex policy (default on,
    # DEFAULT_LEX_POLICIES) before a close or a presentation; the aggregate alone enforces it only when told.
    informing_required: bool = False

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
               process_step_id: str | None = None, event_type: str | None = None,
               place_id: str | None = None,
               involved_unit_id: str | None = None) -> "Deviation":
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
            event_type=None if _blank(event_type) else event_type, place_id=None if _blank(place_id) else place_id,
        )
        deviation.answer_due = answer_due_on(policy, local_date(reported_at), calendar)
        deviation.involved_unit_id = deviation._involved_unit(involved_unit_id)
        deviation._record(REPORTED, answer_due=_iso(deviation.answer_due), origin=origin.value, anonymous=(deviation.reported_by is None) if anonymous is None else bool(anonymous),
                          occurred_at=_iso(occurred_at), reported_at=_iso(reported_at),
                          receipt_due=_iso(receipt_due), investigation_due=_iso(investigation_due),
                          ivo_due=_iso(ivo_due), process_step_id=deviation.process_step_id,
                          event_type=deviation.event_type, place_id=deviation.place_id,
                          **({"involved_unit_id": deviation.involved_unit_id} if deviation.involved_unit_id else {}))
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
                        open_action_count: int = 0,
                        investigator: bool = False) -> tuple[list[Command], list[BlockedCommand]]:
        """(allowed, blocked) commands of the state machine for this caller now.

        Only what the status offers the case's kind and the caller's roles permit on the case's unit (or, for
        its assigned `investigator`, INVESTIGATOR_COMMANDS) counts;
        of those, a command a rule refuses (an incomplete investigation, no seriousness decision, open
        actions, gallring) is blocked, with the code and message the command itself would be refused with.
        """
        allowed: list[Command] = []
        blocked: list[BlockedCommand] = []
        for command in allowed_commands(self.status, self.kind) + self._possible_elsewhere_commands():
            if roles is not None and not ((in_scope and may(roles, command, self.kind))
                                          or (investigator and command.value in INVESTIGATOR_COMMANDS)):
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
            if self.seriousness.serious and self.external_provider:
                if self.provider_follow_up is None:
                    raise ProviderFollowUpRequired(
                        "Utföraren i privat regi anmäler själv till IVO; kommunens uppföljning av anmälan krävs "
                        "innan ärendet avslutas.",
                        "The external provider reports to IVO itself; the municipality's follow-up of its report is "
                        "required before closing.")
            elif self.seriousness.serious and self.ivo_report is None:
                raise IvoReportRequired(
                    "Ett allvarligt ärende måste anmälas till IVO innan det avslutas.",
                    "A serious case must be reported to IVO before closing.")
            if self.informing_required and self.informing is None:
                raise InformingRequired(
                    "Den enskilde eller patienten (eller en närstående) måste ha informerats, eller skälet till att "
                    "det inte skett antecknas, innan ärendet avslutas.",
                    "The person concerned (or a relative) must be informed, or the reason it was not done "
                    "recorded, before the case is closed.")
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
                and self.ivo_report is None and self.provider_report is None
                and self.ivo_due is not None and today > self.ivo_due):
            missed.append(OVERDUE_IVO_REPORT)
        if (self.kind is Kind.klagomal and self.answer is None and self.answer_due is not None
                and today > self.answer_due):
            missed.append(OVERDUE_ANSWER)
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
               duplicate_of: str | None = None, note: str | None = None,
               duplicate_of_id: str | None = None, duplicate_count: int = 0) -> None:
        """Reject (avvisa) spam, a duplicate or a case not to be handled (`other`, with a note): an end state.

        `duplicate_of` (the duplicated case's reference) is required for a duplicate and refused
        otherwise; the service checks that it names another case of the tenant. A case that is the master of
        `duplicate_count` duplicates is not rejected as a duplicate itself (MasterOfDuplicates).
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
        if reason is RejectionReason.duplicate:
            guard_not_a_master(duplicate_count)
        self.status = target
        self.rejection = Rejection(reason=reason, rejected_at=at, duplicate_of=duplicate_of, note=note)
        self.duplicate_of_id = duplicate_of_id if reason is RejectionReason.duplicate else None
        self._record(REJECTED, rejected_at=_iso(at), rejected_from=from_status.value, reason=reason.value,
                     **({"master_id": self.duplicate_of_id} if self.duplicate_of_id else {}))

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

    def decide_seriousness(self, serious: bool | None, decided_by: str, decided_at: datetime,
                           policy: DeadlinePolicy | None = None, outcome: str | None = None,
                           motivering: str | None = None, delegation_reference: str | None = None,
                           outcomes: Mapping | None = None) -> None:
        """Lex Sarah / lex Maria: is the case serious (to be reported to IVO)? Revisable until closed.

        With `outcome` (a code of LEX_OUTCOMES for the kind, issue 14) `serious` follows from it (a `serious`
        given as well must agree) and a motivering is required; the decider may not be jävig. Serious: the IVO due
        date ("snarast") is set anew, `policy`'s calendar days (default per kind) from the day of the decision; not
        serious: it is cleared."""
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
        if outcome is not None:
            # `outcomes`: the tenant's list (code -> entry with its serious flag); None: the defaults
            listed = outcomes if outcomes is not None else LEX_OUTCOMES[self.kind]
            outcome = _listed_code(outcome, listed, "outcome", InvalidOutcome)
            outcome_serious = getattr(listed[outcome], "serious", listed[outcome])
            if serious is not None and serious is not outcome_serious:
                raise InvalidOutcome("Fältet serious stämmer inte med utfallet.",
                                     "The field serious does not agree with the outcome.")
            serious = bool(outcome_serious)
            if _blank(motivering):
                raise InvalidOutcome("Motiveringen saknas.", "The motivering is required with an outcome.")
        if not isinstance(serious, bool):
            raise InvalidInput("Fältet serious måste vara sant eller falskt.", "The field serious must be true or false.")
        if _blank(decided_by):
            raise InvalidInput("Beslutsfattare saknas.", "The decider (decided_by) is required.")
        self.guard_not_disqualified(decided_by)
        if not serious and self.ivo_report is not None:
            raise IvoAlreadyReported(
                "Ärendet är redan anmält till IVO och kan inte bedömas som ej allvarligt.",
                "The case is already reported to IVO and cannot be decided not serious.")
        revised = self.seriousness is not None
        self.seriousness = Seriousness(serious=serious, decided_by=decided_by, decided_at=decided_at,
                                       outcome=outcome, motivering=None if _blank(motivering) else motivering.strip(),
                                       delegation_reference=delegation_reference)
        self.ivo_due = (policy_for(self.kind, {self.kind: policy} if policy else None).ivo_due_after(
            local_date(decided_at)) if serious else None)
        self._record(SERIOUSNESS_DECIDED, serious=serious, revised=revised, decided_at=_iso(decided_at),
                     ivo_due=_iso(self.ivo_due), outcome=outcome)

    def record_ivo_report(self, reported_on: date, reference: str, by: str | None = None,
                          today: date | None = None) -> None:
        """Record that a serious lex case was reported to IVO (a later call corrects the record).

        The day is neither before the event (occurred_at, else reported_at) nor after `today` (the tenant's day).
        An external provider's case is refused: the provider reports itself (record_provider_report)."""
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
        if self.external_provider:
            raise IvoReportByProvider(
                "Enheten är en utförare i privat regi, som själv anmäler till IVO; registrera utförarens anmälan och "
                "kommunens uppföljning i stället.",
                "The unit is an external provider, which reports to IVO itself; record the provider's report and the "
                "municipality's follow-up instead.")
        _not_before(reported_on, self.event_day, "reported_on", "händelsen", "the event")
        _not_future(reported_on, today or local_date(datetime.now(timezone.utc)), "reported_on")
        self.ivo_report = IvoReport(reported_on=reported_on, reference=reference.strip(), recorded_by=by)
        self._record(IVO_REPORTED, ivo_reported_on=_iso(reported_on))

    # ---- the IVO steps after the report (issue 14 item 4) and an external provider's (item 5) -----------

    @property
    def event_day(self) -> date:
        """The day of the event in the tenant's calendar: when it occurred, else when it was reported."""
        return local_date(self.occurred_at or self.reported_at)

    def _guard_ivo_reported(self, what_sv: str, what_en: str) -> IvoReport:
        if not self.is_lex:
            raise IvoStepNotAllowed(f"{what_sv} gäller bara lex Sarah och lex Maria.",
                                    f"{what_en} applies only to lex Sarah and lex Maria.")
        self._guard_not_closed()
        if self.ivo_report is None:
            raise IvoStepNotAllowed(f"{what_sv} kan registreras först när anmälan till IVO är registrerad.",
                                    f"{what_en} can be recorded only once the report to IVO is recorded.")
        return self.ivo_report

    def request_ivo_supplement(self, requested_on: date, request: str, due_on: date | None, today: date,
                               supplement_id: str | None = None) -> IvoSupplement:
        """IVO asks for a komplettering of the report: on `requested_on`, what (text), by `due_on`."""
        report = self._guard_ivo_reported("En komplettering", "A komplettering")
        requested_on = _a_date(requested_on, "requested_on")
        _not_before(requested_on, report.reported_on, "requested_on", "anmälan till IVO", "the report to IVO")
        _not_future(requested_on, today, "requested_on")
        if due_on is not None:
            _not_before(_a_date(due_on, "due_on"), requested_on, "due_on", "begäran", "the request")
        if _blank(request):
            raise InvalidIvoStep("Vad IVO begär saknas (request).", "What IVO asks for (request) is required.")
        supplement = IvoSupplement(id=supplement_id or str(uuid.uuid4()), requested_on=requested_on,
                                   request=request.strip(), due_on=due_on)
        self.ivo_supplements = (*self.ivo_supplements, supplement)
        self._record(IVO_SUPPLEMENT_REQUESTED, supplement_id=supplement.id, requested_on=_iso(requested_on),
                     supplement_due=_iso(due_on))
        return supplement

    def answer_ivo_supplement(self, supplement_id: str, answered_on: date, today: date) -> None:
        """The komplettering was sent to IVO on `answered_on` (a later call corrects the day)."""
        self._guard_ivo_reported("Ett svar på en komplettering", "An answer to a komplettering")
        found = [s for s in self.ivo_supplements if s.id == str(supplement_id)]
        if not found:
            raise IvoStepNotAllowed("Ärendet har ingen sådan komplettering.", "The case has no such komplettering.")
        supplement = found[0]
        answered_on = _a_date(answered_on, "answered_on")
        _not_before(answered_on, supplement.requested_on, "answered_on", "begäran", "the request")
        _not_future(answered_on, today, "answered_on")
        if supplement.answered_on == answered_on:
            return
        self.ivo_supplements = tuple(
            IvoSupplement(s.id, s.requested_on, s.request, s.due_on, answered_on) if s.id == supplement.id else s
            for s in self.ivo_supplements)
        self._record(IVO_SUPPLEMENT_ANSWERED, supplement_id=supplement.id, answered_on=_iso(answered_on))

    def record_ivo_decision(self, decided_on: date, outcome: IvoDecisionOutcome | str, reference: str | None,
                            today: date, outcomes: Mapping | None = None) -> None:
        """IVO's decision on the report: its day (not before the report), outcome and IVO's reference if any."""
        report = self._guard_ivo_reported("IVO:s beslut", "IVO's decision")
        decided_on = _a_date(decided_on, "decided_on")
        _not_before(decided_on, report.reported_on, "decided_on", "anmälan till IVO", "the report to IVO")
        _not_future(decided_on, today, "decided_on")
        outcome = _code(IvoDecisionOutcome, outcome, "outcome", outcomes,
                        self.ivo_decision.outcome if self.ivo_decision else None)
        revised = self.ivo_decision is not None
        self.ivo_decision = IvoDecision(decided_on=decided_on, outcome=outcome,
                                        reference=None if _blank(reference) else reference.strip())
        self._record(IVO_DECISION_RECORDED, decided_on=_iso(decided_on), outcome=code_value(outcome),
                     revised=revised)

    def record_event_analysis(self, method: AnalysisMethod | str, participants: Iterable[Mapping],
                              root_causes: Iterable[Mapping], completed_on: date | None, today: date,
                              action_ids: Iterable[str] = (), methods: Mapping | None = None,
                              categories: Mapping | None = None) -> None:
        """A lex Maria case's händelseanalys, whole (a later call replaces it): the method, who took part (role,
        name), the root causes (category, text, the case's improvement actions that answer it: `action_ids` are
        the case's own) and, once done, the day it was completed (its event, with codes and dates only)."""
        if self.kind is not Kind.lex_maria:
            raise IvoStepNotAllowed("En händelseanalys registreras för lex Maria.",
                                    "An event analysis is recorded for lex Maria only.")
        self._guard_not_closed()
        if self.status not in (Status.investigating, Status.investigated):
            raise IvoStepNotAllowed("Händelseanalysen görs under eller efter utredningen.",
                                    "The event analysis is made while or after the case is investigated.")
        before = self.event_analysis
        method = _code(AnalysisMethod, method, "method", methods, before.method if before else None)
        used = {code_value(c.category) for c in before.root_causes} if before else set()
        people = []
        for person in participants:
            role, name = (person.get("role") or "").strip(), (person.get("name") or "").strip()
            if not role or not name:
                raise InvalidIvoStep("Varje deltagare behöver roll och namn.", "Every participant needs a role and a name.")
            people.append(AnalysisParticipant(role=role, name=name))
        known_actions = set(action_ids)
        causes = []
        for cause in root_causes:
            category = _code(RootCauseCategory, cause.get("category"), "category", categories,
                             cause.get("category") if cause.get("category") in used else None)
            if _blank(cause.get("text")):
                raise InvalidIvoStep("Varje orsak behöver en beskrivning (text).", "Every root cause needs its text.")
            linked = tuple(dict.fromkeys(str(a) for a in cause.get("action_ids") or ()))
            if set(linked) - known_actions:
                raise InvalidIvoStep("En orsak länkar till en åtgärd som inte hör till ärendet.",
                                     "A root cause links to an action that is not the case's.")
            causes.append(RootCause(id=str(cause.get("id") or uuid.uuid4()), category=category,
                                    text=cause["text"].strip(), action_ids=linked))
        if completed_on is not None:
            completed_on = _a_date(completed_on, "completed_on")
            _not_before(completed_on, self.event_day, "completed_on", "händelsen", "the event")
            _not_future(completed_on, today, "completed_on")
            if not causes:
                raise InvalidIvoStep("En slutförd händelseanalys behöver minst en orsak.",
                                     "A completed event analysis needs at least one root cause.")
        analysis = EventAnalysis(method=method, participants=tuple(people), root_causes=tuple(causes),
                                 completed_on=completed_on)
        if analysis == self.event_analysis:
            return
        newly_completed = completed_on is not None and (self.event_analysis is None
                                                        or self.event_analysis.completed_on != completed_on)
        self.event_analysis = analysis
        if newly_completed:
            self._record(EVENT_ANALYSIS_COMPLETED, method=code_value(method), completed_on=_iso(completed_on),
                         root_cause_categories=sorted({code_value(c.category) for c in causes}),
                         linked_action_count=len({a for c in causes for a in c.action_ids}))
        else:
            self.version += 1  # a draft: no event, like the investigation's text

    def record_provider_report(self, reported_on: date, reference: str | None, today: date) -> None:
        """An external provider's own report to IVO of its serious lex case, as the municipality learnt of it."""
        self._guard_provider_case()
        reported_on = _a_date(reported_on, "reported_on")
        _not_before(reported_on, self.event_day, "reported_on", "händelsen", "the event")
        _not_future(reported_on, today, "reported_on")
        self.provider_report = ProviderReport(reported_on=reported_on,
                                              reference=None if _blank(reference) else reference.strip())
        self._record(PROVIDER_IVO_REPORTED, provider_reported_on=_iso(reported_on))

    def follow_up_provider_report(self, followed_up_on: date, by: str, assessment: str,
                                  outcome: FollowUpOutcome | str, today: date, outcomes: Mapping | None = None) -> None:
        """The municipality's follow-up of the provider's report: when, by whom, its assessment and outcome."""
        self._guard_provider_case()
        if self.provider_report is None:
            raise IvoStepNotAllowed("Uppföljningen registreras när utförarens anmälan till IVO är registrerad.",
                                    "The follow-up is recorded once the provider's report to IVO is recorded.")
        followed_up_on = _a_date(followed_up_on, "followed_up_on")
        _not_before(followed_up_on, self.provider_report.reported_on, "followed_up_on", "utförarens anmälan",
                    "the provider's report")
        _not_future(followed_up_on, today, "followed_up_on")
        if _blank(assessment):
            raise InvalidIvoStep("Bedömningen saknas (assessment).", "The assessment is required.")
        outcome = _code(FollowUpOutcome, outcome, "outcome", outcomes,
                        self.provider_follow_up.outcome if self.provider_follow_up else None)
        self.provider_follow_up = ProviderFollowUp(followed_up_on=followed_up_on, by=by,
                                                   assessment=assessment.strip(), outcome=outcome)
        self._record(PROVIDER_FOLLOWED_UP, followed_up_on=_iso(followed_up_on), outcome=code_value(outcome))

    def _guard_provider_case(self) -> None:
        if not self.is_lex:
            raise IvoStepNotAllowed("Utförarens anmälan gäller bara lex Sarah och lex Maria.",
                                    "The provider's report applies only to lex Sarah and lex Maria.")
        self._guard_not_closed()
        if not self.external_provider:
            raise IvoStepNotAllowed("Enheten är inte en utförare i privat regi; kommunen anmäler själv till IVO.",
                                    "The unit is not an external provider; the municipality reports to IVO itself.")
        if self.seriousness is None or not self.seriousness.serious:
            raise IvoStepNotAllowed("Bara ett ärende som bedömts som allvarligt anmäls till IVO.",
                                    "Only a case decided serious is reported to IVO.")

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
        if self.involved_unit_id == unit_id:  # the involved unit is now the case's own
            self.change_involved_unit(None)

    # ---- the daily work: investigator, involved unit, duplicates (issue 14, item 8) ----------------------

    def assign_investigator(self, user_id: str | None) -> None:
        """Name (or, None, clear) the case's investigator (utredare), a user id; not on an ended case."""
        self._guard_not_closed()
        user_id = None if _blank(user_id) else str(user_id).strip()
        if user_id is not None and not USER_ID_PATTERN.fullmatch(user_id):
            raise InvalidInvestigator("Utredaren ska anges med sitt användar-id.",
                                      "The investigator must be given as a user id.")
        if user_id == self.investigator_id:
            return
        previous = self.investigator_id
        self.investigator_id = user_id
        self._record(INVESTIGATOR_ASSIGNED, investigator_id=user_id, previous_investigator_id=previous)

    def is_investigator(self, subject: str | None) -> bool:
        return self.investigator_id is not None and subject == self.investigator_id

    def _involved_unit(self, unit_id: str | None) -> str | None:
        unit_id = None if _blank(unit_id) else str(unit_id)
        if unit_id is not None and unit_id == self.unit_id:
            raise InvalidInvolvedUnit("Den berörda enheten ska vara en annan än ärendets egen enhet.",
                                      "The involved unit must be another unit than the case's own.")
        return unit_id

    def change_involved_unit(self, unit_id: str | None) -> None:
        """Name (or, None, clear) the unit the event involved besides the case's own; not on an ended case."""
        self._guard_not_closed()
        unit_id = self._involved_unit(unit_id)
        if unit_id == self.involved_unit_id:
            return
        previous = self.involved_unit_id
        self.involved_unit_id = unit_id
        self._record(INVOLVED_UNIT_CHANGED, involved_unit_id=unit_id, previous_involved_unit_id=previous)

    def _check_close_as_duplicate(self, open_action_count: int = 0, duplicate_count: int = 0) -> Status:
        """The status closing as a duplicate leads to (rejected), or the error it is refused with."""
        self._guard_not_pseudonymised()
        if self.status in END_STATUSES:
            raise IllegalTransition(
                f"Det går inte att avsluta ett ärende som dubblett när det är {STATUS_LABELS_SV[self.status]}.",
                f"Cannot close a case as a duplicate in status {self.status.value}.", status=self.status)
        guard_not_a_master(duplicate_count)
        _guard_no_open_actions(open_action_count)
        return Status.rejected

    def close_as_duplicate_option(self, roles: Iterable[str] | None = None, in_scope: bool = True,
                                  open_action_count: int = 0, duplicate_count: int = 0) -> dict:
        """Is closing as a duplicate offered to this caller now: {"allowed": bool, "blocked": {code, reason} or
        None}, as command_options says of the transitions (not one of them: it needs its master)."""
        if self.status in END_STATUSES or (roles is not None and not (in_scope and may(roles, "close_as_duplicate",
                                                                                       self.kind))):
            return {"allowed": False, "blocked": None}
        try:
            self._check_close_as_duplicate(open_action_count, duplicate_count)
        except DomainError as refusal:
            return {"allowed": False, "blocked": {"code": refusal.code, "reason": str(refusal)}}
        return {"allowed": True, "blocked": None}

    def close_as_duplicate(self, by: str, at: datetime, master: "Deviation", master_reference: str,
                           open_action_count: int, duplicate_count: int = 0) -> None:
        """End this case as a duplicate report of the event `master` handles: the case is avvisat with the reason
        duplicate, names the master's reference and id, and the master lists it.

        Refused: the case itself, a master of another tenant, a master ended by rejection (a duplicate itself, or
        spam), a case that is the master of `duplicate_count` duplicates itself (MasterOfDuplicates), and for a lex
        case a master of another kind (the master's seriousness decision and IVO report are the event's)."""
        from_status = self.status
        target = self._check_close_as_duplicate(open_action_count, duplicate_count)
        if master.tenant != self.tenant or master.id == self.id:
            raise InvalidDuplicate("Ett ärende kan bara vara dubblett av ett annat ärende i samma kommun.",
                                   "A case can only duplicate another case of the same tenant.")
        if master.status is Status.rejected or master.pseudonymised_at is not None:
            raise InvalidDuplicate(
                "Huvudärendet är avvisat (eller självt en dubblett) eller gallrat; välj det ärende som utreds.",
                "The master is rejected (or itself a duplicate) or pseudonymised; choose the case that is handled.")
        if self.is_lex and master.kind is not self.kind:
            raise InvalidDuplicate(
                f"Ett ärende av typen {KIND_LABELS_SV[self.kind]} kan bara vara dubblett av ett ärende av samma typ.",
                f"A {self.kind.value} case can only duplicate a case of the same kind.")
        self.status = target
        self.rejection = Rejection(reason=RejectionReason.duplicate, rejected_at=at, duplicate_of=master_reference)
        self.duplicate_of_id = master.id
        self._record(REJECTED, rejected_at=_iso(at), rejected_from=from_status.value,
                     reason=RejectionReason.duplicate.value, master_id=master.id)

    # ---- issue 14: complaints answered, feedback to the reporter -----------

    def record_complainant(self, relation: "ComplainantRelation | str", channel: "ContactChannel | str",
                           at: datetime, relations: Mapping | None = None, channels: Mapping | None = None) -> None:
        """A klagomål names who complained (their relation to the person concerned) and how it came in; the
        contact details are kept apart by the service. A later call corrects the record."""
        self._guard_complaint()
        self._guard_not_closed()
        relation = _known_code(ComplainantRelation, relation, "relation", relations, self.complainant_relation)
        channel = _known_code(ContactChannel, channel, "channel", channels, self.complaint_channel)
        revised = self.complainant_relation is not None
        self.complainant_relation, self.complaint_channel = relation, channel
        self._record(COMPLAINANT_RECORDED, relation=code_value(relation), channel=code_value(channel),
                     recorded_at=_iso(at),
                     revised=revised)

    def record_answer(self, answered_on: date, channel: "ContactChannel | str", by: str, today: date,
                      channels: Mapping | None = None) -> None:
        """The klagomål was answered on `answered_on` through `channel`: not a day in the future (`today`, the
        Swedish calendar day) nor before the day it was reported. A later call corrects the record."""
        self._guard_complaint()
        self._guard_not_closed()
        if not isinstance(answered_on, date) or isinstance(answered_on, datetime):
            raise InvalidInput("Fältet answered_on måste vara ett datum.", "The field answered_on must be a date.")
        if answered_on > today:
            raise InvalidInput("Svaret kan inte ha lämnats senare än i dag.",
                               "The answer cannot have been given after today.")
        if answered_on < local_date(self.reported_at):
            raise InvalidInput("Svaret kan inte ha lämnats före anmälan.",
                               "The answer cannot have been given before the case was reported.")
        channel = _known_code(ContactChannel, channel, "channel", channels,
                              self.answer.channel if self.answer else None)
        if _blank(by):
            raise InvalidInput("Den som svarade saknas.", "Who answered (answered_by) is required.")
        revised = self.answer is not None
        self.answer = ComplaintAnswer(answered_on=answered_on, channel=channel, answered_by=by)
        self._record(COMPLAINT_ANSWERED, answered_on=_iso(answered_on), channel=code_value(channel),
                     answer_due=_iso(self.answer_due),
                     answered_in_time=self.answer_due is None or answered_on <= self.answer_due, revised=revised)

    def write_reporter_feedback(self, text: str, at: datetime) -> None:
        """The outcome in a sentence the handlers write for the staff member who reported the case (återkoppling);
        also once the case is closed. A later call replaces it."""
        self._guard_not_pseudonymised()
        if self.origin is not Origin.staff:
            raise FeedbackNotApplicable("Återkoppling skrivs till en anmälare i personalen; ärendet kom från en "
                                        "medborgare.", "Feedback is written to a staff reporter; the case came "
                                                       "from a citizen.")
        if _blank(text):
            raise InvalidInput("Återkopplingen till den som anmälde saknas.", "The feedback text is required.")
        revised = self.reporter_feedback is not None
        self.reporter_feedback, self.reporter_feedback_at = text.strip(), at
        self._record(REPORTER_FEEDBACK_WRITTEN, written_at=_iso(at), revised=revised)

    def _guard_complaint(self) -> None:
        if self.kind is not Kind.klagomal:
            raise ComplaintOnly(f"Det gäller bara klagomål, inte {KIND_LABELS_SV[self.kind]}.",
                                f"It applies to klagomal only, not {self.kind.value}.")

    # ---- issue 14: reclassification, informing, involved staff, jäv -------------------------------------

    def reclassify(self, kind: Kind | str, reason: str, by: str, at: datetime, policy: DeadlinePolicy,
                   calendar: WorkingCalendar = DEFAULT_CALENDAR, note: str | None = None,
                   category_fits: bool = True, reasons: Mapping | None = None) -> None:
        """Change the case's kind (RECLASSIFICATIONS), keeping its id, reference and history.

        The new kind's deadlines count from `at` with `policy` and `calendar`. What no longer fits goes: leaving
        lex (or changing law) removes the seriousness decision, leaving lex removes the informing record; a case
        reported to IVO stays lex (the report was made). `category_fits`: the category applies to the new kind,
        else it is removed."""
        self._guard_not_closed()
        try:
            kind = Kind(kind)
        except ValueError:
            raise InvalidReclassification("Typen är okänd.", "The kind is unknown.") from None
        reasons = reasons if reasons is not None else RECLASSIFICATION_REASONS  # the tenant's list, or the defaults
        reason = _listed_code(reason, reasons, "reason_code", InvalidReclassification)
        note = None if _blank(note) else note.strip()
        if _needs_note(reasons, reason) and note is None:
            raise InvalidReclassification("Skälet annat behöver en förklaring (note).",
                                          "The reason other needs a note.")
        if kind is self.kind or kind not in RECLASSIFICATIONS[self.kind]:
            raise ReclassificationNotAllowed(
                f"Ett ärende av typen {KIND_LABELS_SV[self.kind]} kan inte klassas om till {KIND_LABELS_SV[kind]}.",
                f"A {self.kind.value} case cannot be reclassified to {kind.value}.")
        if self.origin is Origin.citizen and kind is Kind.avvikelse:
            raise ReclassificationNotAllowed(
                "Ett ärende som en medborgare lämnat kan inte bli en avvikelse.",
                "A case a citizen reported cannot become an avvikelse.")
        if self.ivo_report is not None:
            raise IvoAlreadyReported("Ärendet är anmält till IVO och kan inte klassas om.",
                                     "The case is reported to IVO and cannot be reclassified.")
        if policy.kind is not kind:
            raise ValueError(f"deadline policy for {policy.kind.value} given for a {kind.value}")
        previous = self.kind
        seriousness_cleared = self.seriousness is not None
        informing_cleared = self.informing is not None and kind not in LEX_KINDS
        previous_category = self.category_id
        self.kind = kind
        self.seriousness = None
        if informing_cleared:
            self.informing = None
        if not category_fits:
            self.category_id = None
        self.receipt_due, self.investigation_due, self.ivo_due = policy.due_dates(local_date(at), calendar)
        self.reclassification = Reclassification(previous_kind=previous, reason=reason, at=at, by=by, note=note)
        self._record(RECLASSIFIED, previous_kind=previous.value, reason=reason, reclassified_at=_iso(at),
                     receipt_due=_iso(self.receipt_due), investigation_due=_iso(self.investigation_due),
                     ivo_due=_iso(self.ivo_due), seriousness_cleared=seriousness_cleared,
                     informing_cleared=informing_cleared, previous_category_id=previous_category)

    def record_informing(self, by: str, at: datetime, *, informed_on: date | None = None, method: str | None = None,
                         recipient: str | None = None, informed_by: str | None = None, view: str | None = None,
                         not_informed_reason: str | None = None, note: str | None = None,
                         lists: Mapping[str, Mapping] | None = None) -> None:
        """Lex Sarah / lex Maria: the person concerned was informed (day, method, recipient, by whom, their view),
        or why not (a reason code, a note for "other"). A later call corrects the record; not on a closed case."""
        if not self.is_lex:
            raise InformingNotApplicable(
                f"Information till den enskilde antecknas bara för lex Sarah och lex Maria, inte "
                f"{KIND_LABELS_SV[self.kind]}.",
                f"Informing the person concerned is recorded only for lex Sarah and lex Maria, not {self.kind.value}.")
        self._guard_not_closed()
        lists = lists or {}  # the tenant's lists by name (code -> entry), else the defaults
        view = None if _blank(view) else view.strip()
        note = None if _blank(note) else note.strip()
        if not_informed_reason is not None:
            if any(value is not None for value in (informed_on, method, recipient, informed_by, view)):
                raise InvalidInforming("Ange antingen hur den enskilde informerades eller varför det inte skett.",
                                       "Give either how the person was informed or why it was not done, not both.")
            reasons = lists.get("not_informed_reasons", NOT_INFORMED_REASONS)
            reason = _listed_code(not_informed_reason, reasons, "not_informed_reason", InvalidInforming)
            if _needs_note(reasons, reason) and note is None:
                raise InvalidInforming("Skälet annat behöver en förklaring (note).", "The reason other needs a note.")
            informing = Informing(recorded_by=by, recorded_at=at, not_informed_reason=reason, note=note)
        else:
            if not isinstance(informed_on, date) or isinstance(informed_on, datetime):
                raise InvalidInforming("Dagen då den enskilde informerades saknas.",
                                       "The day the person was informed (informed_on) is required.")
            if informed_on > local_date(at):
                raise InvalidInforming("Dagen då den enskilde informerades kan inte ligga i framtiden.",
                                       "The day the person was informed cannot be in the future.")
            if informed_on < local_date(self.reported_at):
                raise InvalidInforming("Dagen då den enskilde informerades kan inte ligga före anmälan.",
                                       "The day the person was informed cannot be before the report.")
            method = _listed_code(method, lists.get("informing_methods", INFORMING_METHODS), "method",
                                  InvalidInforming)
            recipient = _listed_code(recipient, lists.get("informing_recipients", INFORMING_RECIPIENTS), "recipient",
                                     InvalidInforming)
            if note is not None:
                raise InvalidInforming("En anteckning (note) hör till skälet att inte informera.",
                                       "A note belongs to the reason for not informing.")
            informing = Informing(recorded_by=by, recorded_at=at, informed_on=informed_on, method=method,
                                  recipient=recipient, informed_by=None if _blank(informed_by) else informed_by.strip(),
                                  view=view)
        revised = self.informing is not None
        self.informing = informing
        self._record(INFORMING_RECORDED, informed=informing.informed, informed_on=_iso(informing.informed_on),
                     method=informing.method, recipient=informing.recipient,
                     not_informed_reason=informing.not_informed_reason, revised=revised, recorded_at=_iso(at))

    def name_involved_staff(self, user_ids: Iterable[str]) -> None:
        """Name (replace) the staff involved in the event, by user id: they may neither read nor decide the case.
        No event (the ids are people); the version counts the change."""
        self._guard_not_closed()
        named = []
        for user_id in user_ids:
            if _blank(user_id) or len(user_id) > 200:
                raise InvalidInput("Ett användar-id är tomt eller för långt.", "A user id is empty or too long.")
            if user_id.strip() not in named:
                named.append(user_id.strip())
        if tuple(named) == tuple(self.involved_staff):
            return
        self.involved_staff = tuple(named)
        self.version += 1

    def disqualification(self, subject: str | None) -> str | None:
        """Jäv: why `subject` may not decide the case ("reporter" or "involved"), else None."""
        if subject is not None and subject == self.reported_by:
            return "reporter"
        if subject is not None and subject in self.involved_staff:
            return "involved"
        return None

    def guard_not_disqualified(self, subject: str | None) -> None:
        why = self.disqualification(subject)
        if why is not None:
            raise Disqualified(
                "Du är jävig i ärendet (du har anmält det eller är namngiven som inblandad) och får inte besluta.",
                "You are disqualified (a conflict of interest): you reported the case or are named as involved, "
                "so you may not "
                "decide it.", reason=why)

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
        self.investigator_id = None  # a person, like the reporter
        if self.seriousness is not None:
            self.seriousness = Seriousness(serious=self.seriousness.serious, decided_by=None,
                                           decided_at=self.seriousness.decided_at, outcome=self.seriousness.outcome,
                                           motivering=pseudonymised_text(self.seriousness.motivering),
                                           delegation_reference=self.seriousness.delegation_reference)
        if self.informing is not None:  # the codes and the day stay; the people and the text go
            self.informing = Informing(
                recorded_by=None, recorded_at=self.informing.recorded_at, informed_on=self.informing.informed_on,
                method=self.informing.method, recipient=self.informing.recipient, informed_by=None,
                view=pseudonymised_text(self.informing.view), not_informed_reason=self.informing.not_informed_reason,
                note=pseudonymised_text(self.informing.note))
        if self.reclassification is not None:
            r = self.reclassification
            self.reclassification = Reclassification(previous_kind=r.previous_kind, reason=r.reason, at=r.at,
                                                     by=None, note=pseudonymised_text(r.note))
        self.involved_staff = ()
        if self.ivo_report is not None:
            self.ivo_report = IvoReport(reported_on=self.ivo_report.reported_on, reference=PSEUDONYMISED_TEXT,
                                        recorded_by=None)
        if self.rejection is not None:  # the reason and the duplicate's reference stay; the note is free text
            self.rejection = Rejection(reason=self.rejection.reason, rejected_at=self.rejection.rejected_at,
                                       duplicate_of=self.rejection.duplicate_of,
                                       note=pseudonymised_text(self.rejection.note))
        self.ivo_supplements = tuple(IvoSupplement(s.id, s.requested_on, PSEUDONYMISED_TEXT, s.due_on, s.answered_on)
                                     for s in self.ivo_supplements)
        if self.ivo_decision is not None:
            self.ivo_decision = IvoDecision(self.ivo_decision.decided_on, self.ivo_decision.outcome,
                                            pseudonymised_text(self.ivo_decision.reference))
        if self.event_analysis is not None:  # the method, the causes' categories and links and the day stay
            self.event_analysis = EventAnalysis(
                method=self.event_analysis.method, participants=(),
                root_causes=tuple(RootCause(c.id, c.category, PSEUDONYMISED_TEXT, c.action_ids)
                                  for c in self.event_analysis.root_causes),
                completed_on=self.event_analysis.completed_on)
        if self.provider_report is not None:
            self.provider_report = ProviderReport(self.provider_report.reported_on,
                                                  pseudonymised_text(self.provider_report.reference))
        if self.provider_follow_up is not None:
            self.provider_follow_up = ProviderFollowUp(self.provider_follow_up.followed_up_on, None,
                                                       PSEUDONYMISED_TEXT, self.provider_follow_up.outcome)
        self.reporter_feedback = pseudonymised_text(self.reporter_feedback)
        if self.answer is not None:  # the date and channel stay; who answered goes with the other persons
            self.answer = ComplaintAnswer(answered_on=self.answer.answered_on, channel=self.answer.channel,
                                          answered_by=None)
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

    def _record(self, event_type: str, /, **data) -> None:
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
    # The IVO steps after the report (kompletteringar, IVO's decision), an external provider's report and its
    # follow-up: who handles the lex kind or decides its seriousness.
    "record_ivo_steps": {kind: (_HANDLERS_BY_KIND[kind] | _SERIOUSNESS_DECIDERS[kind]) if kind in LEX_KINDS
                         else frozenset() for kind in Kind},
    "record_event_analysis": {kind: _HANDLERS_BY_KIND[kind] if kind is Kind.lex_maria else frozenset()
                              for kind in Kind},
    # Issue 14: the case's handlers reclassify (of the case's kind and of the new one), record the informing
    # of the person concerned, and name the involved staff.
    "reclassify": dict(_HANDLERS_BY_KIND),
    "record_informing": dict(_HANDLERS_BY_KIND),
    "name_involved_staff": dict(_HANDLERS_BY_KIND),
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


# The daily work (issue 14, item 8): the case's handlers assign its investigator, change its involved unit and
# close it as a duplicate (of a master they handle too).
PERMISSIONS.update({command: dict(_HANDLERS_BY_KIND)
                    for command in ("assign_investigator", "change_involved_unit", "close_as_duplicate")})
# What the assigned investigator may do on the case without a handler's role: investigate, not close, decide
# seriousness, reject or close as a duplicate.
INVESTIGATOR_COMMANDS = frozenset({"start_investigation", "update_investigation", "complete_investigation"})
# A user id as the identity provider issues it (ordning_shared.actions.USER_ID, docs/asyncapi.yaml UserId).
USER_ID_PATTERN = USER_ID


def may(roles: Iterable[str], command: str, kind: Kind | str) -> bool:
    """May a caller with `roles` run `command` on a case of `kind`? Unknown commands: no."""
    allowed = PERMISSIONS.get(str(command.value if isinstance(command, Command) else command), {})
    return bool(set(roles) & allowed.get(Kind(kind), frozenset()))


def may_read(roles: Iterable[str], kind: Kind | str, is_reporter: bool) -> bool:
    """May a caller read a single case whole? The readers of its kind only: since issue 14 a reporter reads their
    own case through its feedback view (återkoppling), not whole (`is_reporter` no longer matters)."""
    return bool(set(roles) & READERS[Kind(kind)])



# --------------------------------------------------------------------------
# Issue 14: complaints answered (klagomål) and feedback to the reporter (återkoppling)
# --------------------------------------------------------------------------

class ComplainantRelation(str, Enum):
    """Who complained, as related to the person the care or support concerns."""
    person_concerned = "person_concerned"  # den enskilde / patienten själv
    narstaende = "narstaende"
    legal_representative = "legal_representative"  # god man, förvaltare, vårdnadshavare
    other = "other"


COMPLAINANT_RELATION_LABELS_SV = {
    ComplainantRelation.person_concerned: "den enskilde själv",
    ComplainantRelation.narstaende: "närstående",
    ComplainantRelation.legal_representative: "legal företrädare (god man, förvaltare, vårdnadshavare)",
    ComplainantRelation.other: "annan",
}


class ContactChannel(str, Enum):
    """How a complaint came in, or how it was answered."""
    phone = "phone"
    visit = "visit"
    letter = "letter"
    email = "email"
    e_service = "e_service"
    meeting = "meeting"
    other = "other"


CONTACT_CHANNEL_LABELS_SV = {
    ContactChannel.phone: "telefon", ContactChannel.visit: "besök", ContactChannel.letter: "brev",
    ContactChannel.email: "e-post", ContactChannel.e_service: "e-tjänst", ContactChannel.meeting: "möte",
    ContactChannel.other: "annat",
}


@dataclass(frozen=True)
class ComplaintAnswer:
    answered_on: date
    channel: ContactChannel
    answered_by: str | None  # None once the case is pseudonymised


class ComplaintOnly(RuleViolation):
    code = "complaint_only"
    http_status = 422


class FeedbackNotApplicable(RuleViolation):
    code = "feedback_not_applicable"
    http_status = 422


def _known_code(enum: type[Enum], value, name: str, codes: Mapping | None = None, current=None):
    """`value` if the tenant's list `codes` (None: the defaults, the enum) offers it or it is the record's `current`
    code; else 422 invalid_input."""
    value = code_value(value)
    allowed = codes if codes is not None else {member.value: member for member in enum}
    if not isinstance(value, str) or (value not in allowed and value != code_value(current)):
        raise InvalidInput(f"Koden i fältet {name} är okänd.", f"The code of the field {name} is unknown.")
    return as_code(enum, value)


def _needs_note(codes: Mapping, code: str) -> bool:
    """Does the code need a note: the tenant's entry says (needs_note); a default list's "other" does."""
    return getattr(codes[code], "needs_note", code == "other")


COMPLAINANT_RECORDED = EVENT_PREFIX + "complainant_recorded.v1"
COMPLAINT_ANSWERED = EVENT_PREFIX + "complaint_answered.v1"
REPORTER_FEEDBACK_WRITTEN = EVENT_PREFIX + "reporter_feedback_written.v1"
# Codes, dates and booleans only: never the complainant's details, the answer's text or the feedback sentence.
EVENT_PAYLOAD_FIELDS[REPORTED] = EVENT_PAYLOAD_FIELDS[REPORTED] | {"answer_due"}
EVENT_PAYLOAD_FIELDS.update({
    COMPLAINANT_RECORDED: _COMMON | {"relation", "channel", "recorded_at", "revised"},
    COMPLAINT_ANSWERED: _COMMON | {"answered_on", "channel", "answer_due", "answered_in_time", "revised"},
    REPORTER_FEEDBACK_WRITTEN: _COMMON | {"written_at", "revised"},
})

# The case's handlers record the complainant and the answer, read the complainant and write the feedback.
PERMISSIONS.update({command: dict(_HANDLERS_BY_KIND) for command in (
    "record_complainant", "record_answer", "write_reporter_feedback", "read_complainant")})


def is_handler(roles: Iterable[str], kind: Kind | str) -> bool:
    """Do `roles` handle cases of `kind` (on the case's unit: the caller checks the scope)?"""
    return bool(set(roles) & _HANDLERS_BY_KIND[Kind(kind)])


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
    "EVENT_PAYLOAD_FIELDS", "CALENDAR_CHANGED", "CALENDAR_EVENT_FIELDS", "calendar_id", "calendar_changed", "REPORTED", "RECEIVED", "INVESTIGATION_STARTED", "INVESTIGATION_COMPLETED",
    "SERIOUSNESS_DECIDED", "IVO_REPORTED", "CLOSED", "REOPENED", "UNIT_CHANGED", "CATEGORY_CHANGED",
    "PSEUDONYMISED", "REJECTED", "FLAGGED_POSSIBLE_ELSEWHERE", "PROCESS_STEP_CHANGED", "CLEARED_POSSIBLE_ELSEWHERE",
    "EVENT_TYPE_CHANGED", "CONSEQUENCE_SCORED", "PLACE_CHANGED",
    "Investigation", "Seriousness", "IvoReport", "Deviation",
    "ROLES", "STAFF_ROLES", "MANAGERS", "HANDLERS", "PERMISSIONS", "READERS", "may", "may_read",
    "InvalidIvoStep", "IvoStepNotAllowed", "IvoReportByProvider", "ProviderFollowUpRequired",
    "as_code", "code_value",
    "IvoDecisionOutcome", "IVO_DECISION_OUTCOME_LABELS_SV", "AnalysisMethod", "ANALYSIS_METHOD_LABELS_SV",
    "RootCauseCategory", "ROOT_CAUSE_CATEGORY_LABELS_SV", "FollowUpOutcome", "FOLLOW_UP_OUTCOME_LABELS_SV",
    "IvoSupplement", "IvoDecision", "RootCause", "AnalysisParticipant", "EventAnalysis", "ProviderReport",
    "ProviderFollowUp", "IVO_SUPPLEMENT_REQUESTED", "IVO_SUPPLEMENT_ANSWERED", "IVO_DECISION_RECORDED",
    "EVENT_ANALYSIS_COMPLETED", "PROVIDER_IVO_REPORTED", "PROVIDER_FOLLOWED_UP",
]
__all__ += [
    "ComplainantRelation", "COMPLAINANT_RELATION_LABELS_SV", "ContactChannel", "CONTACT_CHANNEL_LABELS_SV",
    "ComplaintAnswer", "ComplaintOnly", "FeedbackNotApplicable", "COMPLAINANT_RECORDED", "COMPLAINT_ANSWERED",
    "REPORTER_FEEDBACK_WRITTEN", "OVERDUE_ANSWER", "DEFAULT_ANSWER_DAYS", "answer_due_on", "is_handler",
    "InvalidDuplicate", "MasterOfDuplicates", "guard_not_a_master", "InvalidInvestigator", "InvalidInvolvedUnit",
    "INVESTIGATOR_ASSIGNED",
    "INVOLVED_UNIT_CHANGED", "INVESTIGATOR_COMMANDS", "USER_ID_PATTERN",
    "RECLASSIFIED", "INFORMING_RECORDED", "RECLASSIFICATIONS", "RECLASSIFICATION_REASONS", "INFORMING_METHODS",
    "INFORMING_RECIPIENTS", "NOT_INFORMED_REASONS", "LEX_OUTCOMES", "OUTCOME_LABELS_SV", "ORG_LEVELS",
    "DECIDER_ROLES", "LexPolicy", "DEFAULT_LEX_POLICIES", "lex_policy_for", "Informing", "Reclassification",
    "InformingRequired", "InvalidInforming", "InformingNotApplicable", "ReclassificationNotAllowed",
    "InvalidReclassification", "InvalidOutcome", "Disqualified",
]
