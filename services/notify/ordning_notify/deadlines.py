"""Deadlines, pure: what notify knows of a case, an action or a governing document from their events (a subject's
facts), which deadlines those facts call for, and each deadline's state machine (pending -> reminded -> escalated,
or cleared), with the days its reminder and its escalation are due.

Deadlines come only from the owning services' events, never from their tables:
- a case not received in time: receipt_due of se.ordning.deviation.reported.v1, open while the case is reported;
- an investigation past its deadline: investigation_due, open until the investigation is completed (or the case is
  closed or rejected; a closed case reopened is under investigation again, as the deviations service counts it);
- an IVO report past its deadline: ivo_due of the latest seriousness decision (of the report before issue 14), in
  force once a lex case is decided serious
  (se.ordning.deviation.seriousness_decided.v1), until se.ordning.deviation.ivo_reported.v1;
- an action past its due date: every se.ordning.action.* event carries the action's whole state (status, due_date,
  owner_id), so the newest one decides; rescheduled moves the deadline, completed and cancelled clear it, reopened
  opens it again;
- a document past its review date: review_date of the version established last (or of its review_due event),
  cleared when that version is superseded;
- the patientsäkerhetsberättelse by 1 March: one per tenant and year, reminded a tenant-set number of working days
  before, cleared when the reporting service says a patientsäkerhetsberättelse of the year before is finished
  (se.ordning.report.finished.v1, kind patient_safety_report: the municipality's or a förvaltning's, whichever
  comes first), and escalated once the grace period after 1 March has passed without one. A kvalitetsberättelse
  has no deadline in law (its date is the tenant's own guideline), so its finished event is not tracked.

Events may arrive twice or out of order: a subject's facts take a change only from an event newer (by its version
or revision) than the one they hold, and the facts that never change (a case's due dates) from whichever event
carries them, so every order of the same events ends in the same facts, and the same deadlines.

A deadline is reminded on the first day after its due date (the due date is the last day allowed), to the one
responsible (the action's owner, else the role holder of the unit); if still open once the tenant's grace period
has passed (the first working day after `grace` full working days following the reminder), it is escalated one
level up. Each arming of a deadline is a round: a deadline moved to a new date, or opened again after it was
cleared, starts a new round, whose notices are new ones.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from ordning_shared.problems import InvalidSetting
from ordning_shared.workdays import DEFAULT_CALENDAR, WorkingCalendar

from .domain import link_of as notice_link

# --------------------------------------------------------------------------
# Kinds of deadline and their notices
# --------------------------------------------------------------------------

RECEIPT, INVESTIGATION, IVO_REPORT = "receipt", "investigation", "ivo_report"
ACTION, DOCUMENT_REVIEW, PATIENT_SAFETY_REPORT = "action", "document_review", "patient_safety_report"
# kind -> the notice the responsible person gets when it passes (ordning_shared.notice_kinds)
REMINDER_NOTICES = {
    RECEIPT: "receipt_overdue", INVESTIGATION: "investigation_overdue", IVO_REPORT: "ivo_report_overdue",
    ACTION: "action_overdue", DOCUMENT_REVIEW: "document_review_due",
    PATIENT_SAFETY_REPORT: "patient_safety_report_due",
}
ESCALATION_NOTICE = "deadline_escalated"
DEADLINE_KINDS = tuple(REMINDER_NOTICES)
ESCALATING_KINDS = frozenset(DEADLINE_KINDS)

PENDING, REMINDED, ESCALATED, CLEARED = "pending", "reminded", "escalated", "cleared"
STATES = (PENDING, REMINDED, ESCALATED, CLEARED)
OPEN_STATES = (PENDING, REMINDED, ESCALATED)
REMINDER, ESCALATION = "reminder", "escalation"

# The chiefs one level up from the one responsible, looked for from the deadline's unit upwards: the nearest unit
# holding one of them. An action's owner (a person, no role) goes to the chief of the action's unit.
LEVEL_ABOVE = {
    "enhetschef": ("verksamhetschef", "forvaltningschef"),
    "verksamhetschef": ("forvaltningschef",),
    "mas": ("forvaltningschef",),
    "mar": ("forvaltningschef",),
    None: ("enhetschef", "verksamhetschef", "forvaltningschef"),
}

# Tenant settings: defaults and bounds.
DEFAULT_GRACE_WORKING_DAYS = 2
GRACE_WORKING_DAYS_MAX = 30
DEFAULT_PATIENT_SAFETY_ROLES = ("mas", "mar")
PATIENT_SAFETY_ROLE_CHOICES = ("mas", "mar", "forvaltningschef", "verksamhetschef", "kvalitetsutvecklare")
DEFAULT_PATIENT_SAFETY_LEAD_DAYS = 10  # two working weeks before 1 March
PATIENT_SAFETY_LEAD_DAYS_MAX = 60
# Who may read the deadlines and the settings; who may change the settings.
DEADLINE_READERS = ("administrator", "kvalitetsutvecklare")
SETTINGS_WRITERS = ("administrator",)

DEADLINE_NAMESPACE = uuid.UUID("5b0f3a8e-8d4c-4c1e-9a51-6f2b7d0e9c31")


def deadline_id(tenant: str, kind: str, subject_type: str, subject_id: str) -> str:
    """One deadline per kind and subject, the same id whichever worker makes it first."""
    return str(uuid.uuid5(DEADLINE_NAMESPACE, f"{tenant}/{kind}/{subject_type}/{subject_id}"))


def notice_event_id(deadline: "Deadline", stage: str) -> str:
    """The synthetic event id of a deadline's notices: 'deadline:<id>:<stage>-<round>'. With the notice's unique key
    (tenant, recipient, kind, source, event id) a stage of a round reaches each person once, whichever worker fires
    it and however often."""
    return f"deadline:{deadline.id}:{stage}-{deadline.round}"


# --------------------------------------------------------------------------
# Tenant settings
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class DeadlineSettings:
    """A tenant's deadline settings: the grace period before an escalation, and who is reminded of the
    patientsäkerhetsberättelse how many working days before 1 March."""

    grace_working_days: int = DEFAULT_GRACE_WORKING_DAYS
    patient_safety_roles: tuple[str, ...] = DEFAULT_PATIENT_SAFETY_ROLES
    patient_safety_lead_days: int = DEFAULT_PATIENT_SAFETY_LEAD_DAYS
    version: int = 0  # 0: the defaults, never stored

    def __post_init__(self):
        for name, top in (("grace_working_days", GRACE_WORKING_DAYS_MAX),
                          ("patient_safety_lead_days", PATIENT_SAFETY_LEAD_DAYS_MAX)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                raise InvalidSetting(f"Fältet {name} måste vara ett heltal från 0 till {top}.",
                                     f"The field {name} must be an integer from 0 to {top}.")
        roles = tuple(dict.fromkeys(self.patient_safety_roles))
        if not roles or any(role not in PATIENT_SAFETY_ROLE_CHOICES for role in roles):
            raise InvalidSetting("Ange minst en roll, bland " + ", ".join(PATIENT_SAFETY_ROLE_CHOICES) + ".",
                                 "Give at least one role, of " + ", ".join(PATIENT_SAFETY_ROLE_CHOICES) + ".")
        object.__setattr__(self, "patient_safety_roles", roles)


DEFAULT_SETTINGS = DeadlineSettings()


# --------------------------------------------------------------------------
# A subject's facts, from its events
# --------------------------------------------------------------------------

DEVIATION, ACTION_SUBJECT, DOCUMENT = "deviation", "action", "document"
PATIENT_SAFETY_SUBJECT = "patient_safety_report"  # a tenant's berättelse of a year: the year is its id
SUBJECT_TYPES = {"deviation": DEVIATION, "action": ACTION_SUBJECT, "document": DOCUMENT}
REPORT_FINISHED = "se.ordning.report.finished.v1"
PATIENT_SAFETY_REPORT_KIND = "patient_safety_report"  # the reporting service's kind code
LEX_KINDS = ("lex_sarah", "lex_maria")
OPEN_ACTION_STATUSES = ("planned", "in_progress")


@dataclass
class Subject:
    """What notify knows of one case, action or document: its facts (ids, codes, dates only) and the version of
    the newest event they took their changing part from."""

    tenant: str
    type: str
    id: str
    version: int = 0
    facts: dict = field(default_factory=dict)


def subject_of_event(event_type: str, data: Mapping) -> tuple[str, str] | None:
    """(subject type, id) of an event deadlines follow; None for the rest. A finished patientsäkerhetsberättelse
    is about the tenant's berättelse due on 1 March of the year after the report's year: that year is its id."""
    if event_type == REPORT_FINISHED:
        year = _int(data.get("year"))
        if data.get("kind") != PATIENT_SAFETY_REPORT_KIND or year is None or not 2000 <= year < 9999:
            return None
        return PATIENT_SAFETY_SUBJECT, str(year + 1)
    aggregate = event_type.split(".")[2] if event_type.count(".") >= 4 else ""
    key = {DEVIATION: "deviation_id", ACTION_SUBJECT: "action_id", DOCUMENT: "document_id"}.get(
        SUBJECT_TYPES.get(aggregate, ""))
    if key is None or not isinstance(data.get(key), str) or not data[key]:
        return None
    return SUBJECT_TYPES[aggregate], data[key]


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _day(value) -> str | None:
    """An ISO date as the facts keep it (text), or None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def apply_event(subject: Subject, event_type: str, data: Mapping) -> Subject:
    """The subject's facts after one of its events (a new Subject; the old one unchanged)."""
    what = event_type.split(".")[3]
    facts = dict(subject.facts)
    version = subject.version
    if subject.type == DEVIATION:
        version = _deviation(facts, version, what, data)
    elif subject.type == ACTION_SUBJECT:
        version = _action(facts, version, data)
    elif subject.type == DOCUMENT:
        version = _document(facts, version, what, data)
    elif subject.type == PATIENT_SAFETY_SUBJECT and what == "finished":
        facts["finished"] = True  # a finished report is never undone
    return replace(subject, version=version, facts=facts)


def _deviation(facts: dict, version: int, what: str, data: Mapping) -> int:
    event_version = _int(data.get("version")) or 0
    if what == "reported":  # the due dates never change: taken from the report whenever it arrives
        for name in ("receipt_due", "investigation_due", "ivo_due"):
            if name != "ivo_due" or "ivo_due_version" not in facts:  # a decision's IVO due date stands
                facts[name] = _day(data.get(name))
    if what in ("seriousness_decided", "closed") and isinstance(data.get("serious"), bool) \
            and event_version > facts.get("serious_version", 0):
        facts["serious"], facts["serious_version"] = data["serious"], event_version
    # The IVO due date ("snarast") runs from the seriousness decision (issue 14): the latest decision's date stands.
    if what == "seriousness_decided" and "ivo_due" in data and event_version > facts.get("ivo_due_version", 0):
        facts["ivo_due"], facts["ivo_due_version"] = _day(data.get("ivo_due")), event_version
    if what == "ivo_reported":  # a report to IVO is never undone
        facts["ivo_reported"] = True
    if isinstance(data.get("status"), str) and event_version > version:
        facts["status"] = data["status"]
        facts["kind"] = data.get("kind")
        facts["unit_id"] = data.get("unit_id")
        return event_version
    return version


def _action(facts: dict, version: int, data: Mapping) -> int:
    event_version = _int(data.get("version")) or 0
    if event_version <= version:
        return version
    # every action event carries its whole state: the newest one is the action
    facts.update(status=data.get("status"), due_date=_day(data.get("due_date")), owner_id=data.get("owner_id"),
                 unit_id=data.get("unit_id"), origin_type=data.get("origin_type"), origin_id=data.get("origin_id"))
    return event_version


def _document(facts: dict, version: int, what: str, data: Mapping) -> int:
    revision = _int(data.get("revision")) or 0
    number = _int(data.get("version")) or 0
    if what in ("version_established", "review_due") and number >= facts.get("current_version", 0):
        facts["current_version"], facts["review_date"] = number, _day(data.get("review_date"))
    if what == "version_superseded":
        facts["superseded_up_to"] = max(number, facts.get("superseded_up_to", 0))
    if revision > version:
        facts["owner_unit_id"] = data.get("owner_unit_id")
        return revision
    return version


# --------------------------------------------------------------------------
# The deadlines a subject's facts call for
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Wanted:
    """A deadline as the facts call for it: in force or not, its due date, whose it is."""

    kind: str
    in_force: bool
    due_on: date | None
    unit_id: str | None
    owner_id: str | None = None
    responsible_role: str | None = "enhetschef"  # None: the owner

    @property
    def armed(self) -> bool:
        """In force with a due date known (the report naming it may not have arrived yet)."""
        return self.in_force and self.due_on is not None


def _date(value) -> date | None:
    return date.fromisoformat(value) if value else None


def wanted_deadlines(subject: Subject) -> list[Wanted]:
    f = subject.facts
    if subject.type == DEVIATION:
        status, unit = f.get("status"), f.get("unit_id")
        serious_lex = f.get("kind") in LEX_KINDS and f.get("serious") is True
        return [
            Wanted(RECEIPT, status == "reported", _date(f.get("receipt_due")), unit),
            Wanted(INVESTIGATION, status in ("reported", "received", "investigating"),
                   _date(f.get("investigation_due")), unit),
            Wanted(IVO_REPORT, serious_lex and not f.get("ivo_reported") and status not in ("closed", "rejected"),
                   _date(f.get("ivo_due")), unit,
                   # a lex Maria case is reported to IVO by the MAS; a lex Sarah case by the unit's chief
                   responsible_role="mas" if f.get("kind") == "lex_maria" else "enhetschef"),
        ]
    if subject.type == ACTION_SUBJECT:
        owner = f.get("owner_id") if isinstance(f.get("owner_id"), str) and f.get("owner_id") else None
        return [Wanted(ACTION, f.get("status") in OPEN_ACTION_STATUSES, _date(f.get("due_date")), f.get("unit_id"),
                       owner_id=owner, responsible_role=None if owner else "enhetschef")]
    if subject.type == DOCUMENT:
        in_force = f.get("current_version", 0) > f.get("superseded_up_to", 0)
        return [Wanted(DOCUMENT_REVIEW, in_force, _date(f.get("review_date")), f.get("owner_unit_id"))]
    if subject.type == PATIENT_SAFETY_SUBJECT:
        return [patient_safety_wanted(date(int(subject.id), 3, 1), finished=bool(f.get("finished")))]
    return []


def link_of(subject_type: str, subject_id: str, facts: Mapping) -> str:
    """The path of the owning service's web page about the subject; the yearly reports' for a tenant's
    patientsäkerhetsberättelse."""
    return "/arsberattelser" if subject_type == PATIENT_SAFETY_SUBJECT else notice_link(subject_type, subject_id, facts)


# --------------------------------------------------------------------------
# A deadline and its state machine
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Deadline:
    id: str
    tenant: str
    kind: str
    subject_type: str
    subject_id: str
    unit_id: str | None
    link: str
    due_on: date | None
    state: str = PENDING
    round: int = 1
    next_fire_on: date | None = None  # the day its next stage is due; None: nothing to fire
    owner_id: str | None = None
    responsible_role: str | None = "enhetschef"
    reminded_on: date | None = None
    escalated_on: date | None = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def overdue(self, today: date) -> bool:
        return self.is_open and self.due_on is not None and today > self.due_on


def reminder_day(kind: str, due_on: date, settings: DeadlineSettings = DEFAULT_SETTINGS,
                 calendar: WorkingCalendar = DEFAULT_CALENDAR) -> date:
    """The day a deadline's reminder is due: the day after its due date; the patientsäkerhetsberättelse's the
    tenant's number of working days before its 1 March."""
    if kind == PATIENT_SAFETY_REPORT:
        return calendar.subtract_working_days(due_on, settings.patient_safety_lead_days)
    return due_on + timedelta(days=1)


def escalation_day(reminded_on: date, settings: DeadlineSettings = DEFAULT_SETTINGS,
                   calendar: WorkingCalendar = DEFAULT_CALENDAR) -> date:
    """The first working day after the grace period's full working days following the reminder's day."""
    return calendar.add_working_days(reminded_on, settings.grace_working_days + 1)


def escalation_day_of(deadline: "Deadline", reminded_on: date, settings: DeadlineSettings = DEFAULT_SETTINGS,
                      calendar: WorkingCalendar = DEFAULT_CALENDAR) -> date:
    """The day a reminded deadline escalates: the grace period after its reminder; the patientsäkerhetsberättelse,
    reminded before its 1 March, not before the grace period after that 1 March too."""
    day = escalation_day(reminded_on, settings, calendar)
    if deadline.kind == PATIENT_SAFETY_REPORT and deadline.due_on is not None:
        day = max(day, escalation_day(deadline.due_on, settings, calendar))
    return day


def reconcile(current: Deadline | None, wanted: Wanted, *, tenant: str, subject_type: str, subject_id: str,
              link: str, settings: DeadlineSettings = DEFAULT_SETTINGS,
              calendar: WorkingCalendar = DEFAULT_CALENDAR) -> Deadline | None:
    """The deadline after the facts changed: armed (a new round when it had been cleared or its date moved),
    kept (only whose and where it is updated), or cleared. None when there was none and none is wanted."""
    parts = {"unit_id": wanted.unit_id, "owner_id": wanted.owner_id, "responsible_role": wanted.responsible_role,
             "link": link}
    if not wanted.armed:
        if current is None:
            return None
        if current.state == CLEARED:
            return replace(current, **parts)
        return replace(current, state=CLEARED, next_fire_on=None, **parts)
    if current is None:
        return Deadline(id=deadline_id(tenant, wanted.kind, subject_type, subject_id), tenant=tenant,
                        kind=wanted.kind, subject_type=subject_type, subject_id=subject_id, due_on=wanted.due_on,
                        next_fire_on=reminder_day(wanted.kind, wanted.due_on, settings, calendar), **parts)
    if current.state == CLEARED or current.due_on != wanted.due_on:
        return replace(current, state=PENDING, round=current.round + 1, due_on=wanted.due_on,
                       next_fire_on=reminder_day(wanted.kind, wanted.due_on, settings, calendar),
                       reminded_on=None, escalated_on=None, **parts)
    return replace(current, **parts)


def next_stage(deadline: Deadline, today: date) -> str | None:
    """The stage due on `today`, if any."""
    if deadline.next_fire_on is None or deadline.next_fire_on > today:
        return None
    if deadline.state == PENDING:
        return REMINDER
    if deadline.state == REMINDED and deadline.kind in ESCALATING_KINDS:
        return ESCALATION
    return None


def fired(deadline: Deadline, stage: str, today: date, settings: DeadlineSettings = DEFAULT_SETTINGS,
          calendar: WorkingCalendar = DEFAULT_CALENDAR) -> Deadline:
    """The deadline after its stage was given on `today`."""
    if stage == REMINDER:
        escalates = deadline.kind in ESCALATING_KINDS
        return replace(deadline, state=REMINDED, reminded_on=today,
                       next_fire_on=escalation_day_of(deadline, today, settings, calendar) if escalates else None)
    if stage == ESCALATION:
        return replace(deadline, state=ESCALATED, escalated_on=today, next_fire_on=None)
    raise ValueError(f"unknown stage {stage!r}")


def rescheduled(deadline: Deadline, settings: DeadlineSettings,
                calendar: WorkingCalendar = DEFAULT_CALENDAR) -> Deadline:
    """The deadline's next day again, after the tenant changed its settings (a grace period, a lead time)."""
    if deadline.state == PENDING and deadline.due_on is not None:
        return replace(deadline, next_fire_on=reminder_day(deadline.kind, deadline.due_on, settings, calendar))
    if deadline.state == REMINDED and deadline.kind in ESCALATING_KINDS and deadline.reminded_on is not None:
        return replace(deadline, next_fire_on=escalation_day_of(deadline, deadline.reminded_on, settings, calendar))
    return deadline


# --------------------------------------------------------------------------
# The patientsäkerhetsberättelse: one deadline per tenant and year
# --------------------------------------------------------------------------

def patient_safety_due(today: date) -> date:
    """The 1 March the next patientsäkerhetsberättelse is due by (PSL 3 kap 10 §): this year's until it has
    passed, then next year's."""
    this_year = date(today.year, 3, 1)
    return this_year if today <= this_year else date(today.year + 1, 3, 1)


def patient_safety_wanted(due_on: date, finished: bool = False) -> Wanted:
    """In force until a patientsäkerhetsberättelse of the year before the due date is finished. Nobody's role at a
    unit: the tenant's chosen role holders (DeadlineSettings.patient_safety_roles) are reminded, the
    förvaltningschefer hear of the escalation."""
    return Wanted(PATIENT_SAFETY_REPORT, not finished, due_on, None, responsible_role=None)


# --------------------------------------------------------------------------
# Who hears of it
# --------------------------------------------------------------------------

def escalation_roles(responsible_role: str | None) -> tuple[str, ...]:
    return LEVEL_ABOVE.get(responsible_role, LEVEL_ABOVE["enhetschef"])


def level_above(chain: list[str], holders_at: Mapping[str, Mapping[str, list[str]]], roles: tuple[str, ...],
                exclude: frozenset[str] = frozenset()) -> list[str]:
    """The holders one level up: along `chain` (the unit first, the root last), the first unit where someone
    other than `exclude` holds one of `roles` (the lower role first at that unit). `holders_at[unit][role]` are
    the user ids holding the role at exactly that unit."""
    for unit in chain:
        at_unit = holders_at.get(unit, {})
        for role in roles:
            people = [person for person in at_unit.get(role, []) if person not in exclude]
            if people:
                return list(dict.fromkeys(people))
    return []


__all__ = [
    "RECEIPT", "INVESTIGATION", "IVO_REPORT", "ACTION", "DOCUMENT_REVIEW", "PATIENT_SAFETY_REPORT", "DEADLINE_KINDS",
    "REMINDER_NOTICES", "ESCALATION_NOTICE", "ESCALATING_KINDS", "STATES", "OPEN_STATES", "PENDING", "REMINDED",
    "ESCALATED", "CLEARED", "REMINDER", "ESCALATION", "LEVEL_ABOVE", "DeadlineSettings", "DEFAULT_SETTINGS",
    "DEADLINE_READERS", "SETTINGS_WRITERS", "Subject", "subject_of_event", "apply_event", "Wanted",
    "wanted_deadlines", "link_of", "Deadline", "deadline_id", "notice_event_id", "reminder_day", "escalation_day",
    "escalation_day_of", "REPORT_FINISHED",
    "reconcile", "next_stage", "fired", "rescheduled", "patient_safety_due", "patient_safety_wanted",
    "escalation_roles", "level_above",
]
