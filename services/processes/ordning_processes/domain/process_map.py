"""The process map: huvudprocesser, ledningsprocesser and stödprocesser of a förvaltning or unit, their
delprocesser and their ordered aktiviteter (steps), drafted, established (fastställd) and revised.

Plain Python: no Flask, no database session. The repository supplies what a rule needs from other rows (the
unit, the ancestors of a new parent process).

Decisions written down here:
- A process has numbered versions. At most one draft at a time; an established version is never edited, and
  stays readable when a new draft is made (a revision copies it). Establishing a draft supersedes the
  previously established version.
- A step's id is stable across versions: a revision carries every step with its id, and an edit names the
  steps it keeps by id; a new step gets a new id. So a deviation or a document linking a step keeps its link.
- Kind, unit and parent belong to the process, not to a version (the map's shape is not versioned); name,
  purpose, owner and steps are the version's content.
- The owner is a process role code (processagare by default) and a user id: the role assignments are their
  own aggregate, and the map does not depend on them.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from enum import Enum

from ordning_shared.events import DomainEvent
from ordning_shared.problems import Problem

from .roles import PROCESS_ROLES, RoleKind

__all__ = [
    "ProcessKind", "PROCESS_KIND_LABELS_SV", "SamverkanActor", "SAMVERKAN_LABELS_SV", "ProcessVersionStatus",
    "PROCESS_ESTABLISHED", "PROCESS_REVISED", "PROCESS_EVENT_TYPES", "PROCESS_EVENT_PAYLOAD_FIELDS", "ProcessRuleViolation", "ProcessCycle",
    "NoDraft", "DraftExists", "UnknownProcessRole", "UnknownStep", "InvalidProcessParent", "ProcessStep", "Samverkan",
    "ProcessVersion", "Process", "parse_process_role", "MAX_STEPS", "STEP_TEXT_MAX",
]

MAX_STEPS = 100
STEP_TEXT_MAX = 2000


class ProcessKind(str, Enum):
    HUVUDPROCESS = "huvudprocess"
    LEDNINGSPROCESS = "ledningsprocess"
    STODPROCESS = "stodprocess"


PROCESS_KIND_LABELS_SV = {ProcessKind.HUVUDPROCESS: "Huvudprocess", ProcessKind.LEDNINGSPROCESS: "Ledningsprocess",
                          ProcessKind.STODPROCESS: "Stödprocess"}


class SamverkanActor(str, Enum):
    REGION = "region"
    OTHER_ADMINISTRATION = "other_administration"   # en annan förvaltning
    EXTERNAL_PROVIDER = "external_provider"         # en extern utförare
    OTHER = "other"


SAMVERKAN_LABELS_SV = {SamverkanActor.REGION: "Regionen", SamverkanActor.OTHER_ADMINISTRATION: "Annan förvaltning",
                       SamverkanActor.EXTERNAL_PROVIDER: "Extern utförare", SamverkanActor.OTHER: "Annan aktör"}


class ProcessVersionStatus(str, Enum):
    DRAFT = "draft"
    ESTABLISHED = "established"   # fastställd, the one in force
    SUPERSEDED = "superseded"     # was established, a later version replaced it


PROCESS_ESTABLISHED = "se.ordning.process.established.v1"   # a process's first established version
PROCESS_REVISED = "se.ordning.process.revised.v1"           # a later version established, the earlier superseded
PROCESS_EVENT_TYPES = (PROCESS_ESTABLISHED, PROCESS_REVISED)
# The allow-list of each event's data: ids, codes, version numbers and dates, never a name or a step's text. The
# version's step ids (in order) let other services check a step they are given from their copy of the map
# (ordning_shared.processmap).
_PROCESS_FIELDS = frozenset({"process_id", "unit_id", "parent_id", "kind", "version", "established_on", "step_ids"})
PROCESS_EVENT_PAYLOAD_FIELDS = {PROCESS_ESTABLISHED: _PROCESS_FIELDS,
                                PROCESS_REVISED: _PROCESS_FIELDS | {"previous_version"}}


class ProcessRuleViolation(Problem):
    http_status, code = 422, "process_rule_violation"

    def __init__(self, sv: str, en: str):
        super().__init__(sv, en)


class ProcessCycle(ProcessRuleViolation):
    code = "process_cycle"


class InvalidProcessParent(ProcessRuleViolation):
    code = "invalid_process_parent"


class UnknownProcessRole(ProcessRuleViolation):
    code = "unknown_role"


class UnknownStep(ProcessRuleViolation):
    code = "unknown_step"


class NoDraft(ProcessRuleViolation):
    http_status, code = 409, "no_draft"


class DraftExists(ProcessRuleViolation):
    http_status, code = 409, "draft_exists"


def parse_process_role(code: str, *, process_role: bool = False) -> RoleKind:
    try:
        role = RoleKind(code)
    except ValueError:
        raise UnknownProcessRole(f"Rollen {code!r} är okänd.", f"The role {code!r} is unknown.") from None
    if process_role and role not in PROCESS_ROLES:
        raise UnknownProcessRole(f"Rollen {code!r} är ingen processroll.", f"The role {code!r} is not a process role.")
    return role


@dataclass(frozen=True)
class Samverkan:
    actor: SamverkanActor
    note: str | None = None

    def as_dict(self) -> dict:
        return {"actor": self.actor.value, "note": self.note}


@dataclass(frozen=True)
class ProcessStep:
    id: str
    name: str
    description: str | None = None
    roles: tuple[RoleKind, ...] = ()
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    samverkan: tuple[Samverkan, ...] = ()

    @classmethod
    def from_dict(cls, data: dict, step_id: str) -> ProcessStep:
        roles = tuple(dict.fromkeys(parse_process_role(code) for code in data.get("roles") or ()))
        samverkan = tuple(Samverkan(SamverkanActor(s["actor"]), s.get("note")) for s in data.get("samverkan") or ())
        return cls(id=step_id, name=data["name"], description=data.get("description"), roles=roles,
                   inputs=tuple(data.get("inputs") or ()), outputs=tuple(data.get("outputs") or ()),
                   samverkan=samverkan)

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description,
                "roles": [r.value for r in self.roles], "inputs": list(self.inputs), "outputs": list(self.outputs),
                "samverkan": [s.as_dict() for s in self.samverkan]}


@dataclass
class ProcessVersion:
    number: int
    status: ProcessVersionStatus
    name: str
    purpose: str | None
    owner_role: RoleKind
    owner_user_id: str | None
    steps: list[ProcessStep]
    created_at: datetime
    created_by: str
    established_at: datetime | None = None
    established_by: str | None = None
    established_on: date | None = None          # the decision's date (beslutsdatum)
    decision_reference: str | None = None       # e.g. the nämnd's paragraph, "SN § 45/2026"

    def content(self) -> dict:
        return {"name": self.name, "purpose": self.purpose, "owner_role": self.owner_role.value,
                "owner_user_id": self.owner_user_id, "steps": [s.as_dict() for s in self.steps]}


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at


@dataclass(eq=False)
class Process:
    id: str
    tenant: str
    unit_id: str
    kind: ProcessKind
    parent_id: str | None
    template_code: str | None
    versions: list[ProcessVersion]
    revision: int = 1
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    # --- reads ---

    @property
    def draft(self) -> ProcessVersion | None:
        return next((v for v in self.versions if v.status is ProcessVersionStatus.DRAFT), None)

    @property
    def established(self) -> ProcessVersion | None:
        return next((v for v in self.versions if v.status is ProcessVersionStatus.ESTABLISHED), None)

    def version(self, number: int) -> ProcessVersion | None:
        return next((v for v in self.versions if v.number == number), None)

    def known_step_ids(self) -> set[str]:
        return {step.id for version in self.versions for step in version.steps}

    # --- commands ---

    @classmethod
    def draft_new(cls, *, tenant: str, unit_id: str, kind: ProcessKind | str, parent: Process | None,
                  content: dict, at: datetime, by: str, template_code: str | None = None,
                  process_id: str | None = None) -> Process:
        process = cls(id=process_id or str(uuid.uuid4()), tenant=tenant, unit_id=str(unit_id),
                      kind=ProcessKind(kind), parent_id=None, template_code=template_code, versions=[])
        if parent is not None:
            process.place_under(parent, [])
        version = ProcessVersion(number=1, status=ProcessVersionStatus.DRAFT, name=content["name"], purpose=None,
                                 owner_role=RoleKind.PROCESSAGARE, owner_user_id=None, steps=[],
                                 created_at=_utc(at), created_by=by)
        process.versions.append(version)
        process._apply(version, content)
        return process

    def place_under(self, parent: Process | None, ancestors_of_parent: list[str]) -> None:
        """Make this a delprocess of `parent` (None: a process of its own). `ancestors_of_parent`: the ids above."""
        if parent is None:
            self.parent_id = None
            return
        if parent.tenant != self.tenant:
            raise InvalidProcessParent("Den överordnade processen finns inte.", "The parent process does not exist.")
        if parent.id == self.id or self.id in ancestors_of_parent:
            raise ProcessCycle("En process kan inte ligga under sig själv eller en av sina delprocesser.",
                               "A process cannot be placed under itself or one of its subprocesses.")
        self.parent_id = parent.id

    def edit_draft(self, content: dict, *, kind: ProcessKind | str | None = None) -> None:
        """Change the draft: any of name, purpose, owner_role, owner_user_id, steps (the whole ordered list)."""
        draft = self._the_draft()
        if kind is not None:
            self.kind = ProcessKind(kind)
        self._apply(draft, content)
        self.revision += 1

    def reorder_steps(self, step_ids: list[str]) -> None:
        draft = self._the_draft()
        current = [s.id for s in draft.steps]
        if sorted(step_ids) != sorted(current):
            raise UnknownStep("Ordningen måste nämna utkastets alla steg, vart och ett en gång.",
                              "The order must name every step of the draft, each once.")
        by_id = {s.id: s for s in draft.steps}
        draft.steps = [by_id[i] for i in step_ids]
        self.revision += 1

    def establish(self, *, at: datetime, by: str, established_on: date, decision_reference: str | None) -> None:
        draft = self._the_draft()
        previous = self.established
        if previous is not None:
            previous.status = ProcessVersionStatus.SUPERSEDED
        draft.status = ProcessVersionStatus.ESTABLISHED
        draft.established_at, draft.established_by = _utc(at), by
        draft.established_on, draft.decision_reference = established_on, decision_reference
        self.revision += 1
        data = {"process_id": self.id, "unit_id": self.unit_id, "parent_id": self.parent_id,
                "kind": self.kind.value, "version": draft.number, "established_on": established_on.isoformat(),
                "step_ids": [step.id for step in draft.steps]}
        if previous is None:
            self._record(PROCESS_ESTABLISHED, data, draft.number)
        else:
            self._record(PROCESS_REVISED, {**data, "previous_version": previous.number}, draft.number)

    def revise(self, *, at: datetime, by: str) -> ProcessVersion:
        """Start a new draft from the established version: the same content, the same step ids."""
        if self.draft is not None:
            raise DraftExists("Processen har redan ett utkast.", "The process already has a draft.")
        base = self.established
        if base is None:  # a process always has a draft until its first version is established
            raise NoDraft("Processen har ingen fastställd version att revidera.",
                          "The process has no established version to revise.")
        version = ProcessVersion(number=max(v.number for v in self.versions) + 1, status=ProcessVersionStatus.DRAFT,
                                 name=base.name, purpose=base.purpose, owner_role=base.owner_role,
                                 owner_user_id=base.owner_user_id, steps=list(base.steps), created_at=_utc(at),
                                 created_by=by)
        self.versions.append(version)
        self.revision += 1
        return version

    def pull_events(self) -> list[DomainEvent]:
        events, self.events = self.events, []
        return events

    # --- internals ---

    def _the_draft(self) -> ProcessVersion:
        draft = self.draft
        if draft is None:
            raise NoDraft("Processen har inget utkast; en fastställd version ändras aldrig. Påbörja en revidering.",
                          "The process has no draft; an established version is never edited. Start a revision.")
        return draft

    def _apply(self, version: ProcessVersion, content: dict) -> None:
        if "name" in content:
            version.name = content["name"]
        if "purpose" in content:
            version.purpose = content["purpose"]
        if content.get("owner_role") is not None:
            version.owner_role = parse_process_role(content["owner_role"], process_role=True)
        if "owner_user_id" in content:
            version.owner_user_id = content["owner_user_id"]
        if "steps" in content:
            version.steps = self._steps(content["steps"])

    def _steps(self, steps: list[dict]) -> list[ProcessStep]:
        if len(steps) > MAX_STEPS:
            raise ProcessRuleViolation(f"En process får ha högst {MAX_STEPS} steg.",
                                       f"A process may have at most {MAX_STEPS} steps.")
        known, seen, result = self.known_step_ids(), set(), []
        for data in steps:
            step_id = data.get("id")
            if step_id is None:
                step_id = str(uuid.uuid4())
            else:
                step_id = str(step_id)
                # A step keeps its id only if it is this process's: an id from elsewhere would move another
                # process's links here.
                if step_id not in known or step_id in seen:
                    raise UnknownStep("Ett steg-id hör inte till processen eller förekommer två gånger.",
                                      f"The step id {step_id} is not this process's, or appears twice.")
            seen.add(step_id)
            result.append(ProcessStep.from_dict(data, step_id))
        return result

    def _record(self, event_type: str, data: dict, sequence: int) -> None:
        if set(data) != PROCESS_EVENT_PAYLOAD_FIELDS[event_type]:
            raise ValueError(f"{event_type} carries exactly its allow-list")
        self.events.append(DomainEvent(type=event_type, tenant=self.tenant, subject=self.id, data=data,
                                       sequence=sequence))
