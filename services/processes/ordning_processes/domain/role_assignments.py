"""Role assignments: who holds which role where, from when and to when (Öckerö 2, Tyresö 3).

A unit role (nämnd, förvaltningschef, verksamhetschef, enhetschef, MAS, MAR, kvalitetsutvecklare) is held at an
org unit; a process role (processägare, processledare, the process groups, resursägare) at a process. An
assignment is never deleted: ending it keeps it, ended, so "who was enhetschef in March" stays answerable.

Decisions written down here:
- `valid_from` is the first day held, `valid_to` the last (inclusive, None: until further notice).
- Ending takes effect at once: an ended assignment answers no "who holds" question, whatever its dates; its
  `valid_to` becomes today when that is earlier.
- The holder is named by the user id the identity provider issues (the token's `sub`) and a display name;
  events carry the user id, never the name (docs/decisions.md, "Role holders in events").

Plain Python: no Flask, no database session.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from ordning_shared.events import DomainEvent
from ordning_shared.problems import Problem
from ordning_shared.workdays import today_in_sweden

from .roles import PROCESS_ROLES, ROLE_LABELS_SV, UNIT_ROLES, RoleKind

__all__ = [
    "ROLE_ASSIGNED", "ROLE_ENDED", "ROLE_EVENT_TYPES", "ROLE_EVENT_FIELDS", "USER_ID_PATTERN",
    "DISPLAY_NAME_MAX_LENGTH", "today_in_sweden", "RoleAssignmentViolation", "UnknownRole", "WrongPlaceForRole", "InvalidPeriod",
    "InvalidUserId", "AssignmentAlreadyEnded", "parse_role", "check_user_id", "RoleAssignment",
]

ROLE_ASSIGNED = "se.ordning.role.assigned.v1"
ROLE_ENDED = "se.ordning.role.ended.v1"
ROLE_EVENT_TYPES: tuple[str, ...] = (ROLE_ASSIGNED, ROLE_ENDED)
_IDENTITY = {"assignment_id", "role", "unit_id", "process_id", "user_id", "valid_from", "valid_to", "version"}
# The payload allow-list: ids, the role's code and dates; never the holder's name.
ROLE_EVENT_FIELDS: dict[str, set[str]] = {ROLE_ASSIGNED: _IDENTITY, ROLE_ENDED: _IDENTITY | {"ended_at"}}

# An identity provider's subject: an opaque id, no spaces and no '@' (an e-mail address names its person).
USER_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:|-]{0,199}$")
DISPLAY_NAME_MAX_LENGTH = 200
# A role is held by the Swedish calendar day: "today" is today in Stockholm (ordning_shared.workdays).


class RoleAssignmentViolation(Problem):
    http_status, code = 422, "role_assignment_violation"

    def __init__(self, sv: str, en: str):
        super().__init__(sv, en)


class UnknownRole(RoleAssignmentViolation):
    code = "unknown_role"


class WrongPlaceForRole(RoleAssignmentViolation):
    code = "wrong_place_for_role"


class InvalidPeriod(RoleAssignmentViolation):
    code = "invalid_period"


class InvalidUserId(RoleAssignmentViolation):
    code = "invalid_user_id"


class AssignmentAlreadyEnded(RoleAssignmentViolation):
    http_status, code = 409, "assignment_ended"


def parse_role(role: RoleKind | str) -> RoleKind:
    try:
        return RoleKind(role)
    except ValueError:
        allowed = ", ".join(k.value for k in RoleKind)
        raise UnknownRole(f"Rollen {role!r} är okänd; kända roller är {allowed}.",
                          f"The role {role!r} is unknown; known roles are {allowed}.") from None


def check_user_id(user_id: str) -> str:
    if not isinstance(user_id, str) or not USER_ID_PATTERN.match(user_id):
        raise InvalidUserId("Användar-id:t ska vara identitetsleverantörens id (högst 200 tecken, inga mellanslag "
                            "och ingen e-postadress).",
                            "The user id must be the identity provider's id (at most 200 characters, no spaces, "
                            "not an e-mail address).")
    return user_id


def _check_place(role: RoleKind, unit_id: str | None, process_id: str | None) -> None:
    label = ROLE_LABELS_SV[role].lower()
    if role in PROCESS_ROLES:
        if unit_id is not None or process_id is None:
            raise WrongPlaceForRole(f"Rollen {label} innehas i en process: ange process_id, inte unit_id.",
                                    f"The role {role.value} is held at a process: give process_id, not unit_id.")
    elif unit_id is None or process_id is not None:
        raise WrongPlaceForRole(f"Rollen {label} innehas vid en enhet: ange unit_id, inte process_id.",
                                f"The role {role.value} is held at an org unit: give unit_id, not process_id.")


def _check_period(valid_from: date, valid_to: date | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise InvalidPeriod("Sista dagen kan inte ligga före första dagen.",
                            "The last day (valid_to) cannot be before the first day (valid_from).")


@dataclass(eq=False)
class RoleAssignment:
    id: str
    tenant: str
    role: RoleKind
    user_id: str
    display_name: str
    valid_from: date
    unit_id: str | None = None
    process_id: str | None = None
    valid_to: date | None = None
    assigned_at: datetime | None = None
    ended_at: datetime | None = None
    version: int = 1
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    def __post_init__(self):
        self.role = parse_role(self.role)

    @classmethod
    def assign(cls, *, tenant: str, role: RoleKind | str, user_id: str, display_name: str, valid_from: date,
               valid_to: date | None = None, unit_id: str | None = None, process_id: str | None = None,
               at: datetime, assignment_id: str | None = None) -> RoleAssignment:
        role = parse_role(role)
        _check_place(role, unit_id, process_id)
        _check_period(valid_from, valid_to)
        assignment = cls(id=assignment_id or str(uuid.uuid4()), tenant=tenant, role=role,
                         user_id=check_user_id(user_id), display_name=display_name, valid_from=valid_from,
                         valid_to=valid_to, unit_id=unit_id, process_id=process_id, assigned_at=at)
        assignment._record(ROLE_ASSIGNED)
        return assignment

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None

    @property
    def is_unit_role(self) -> bool:
        return self.role in UNIT_ROLES

    def holds_on(self, day: date) -> bool:
        """Whether the holder holds the role on `day`: not ended, and the day within its dates."""
        return not self.is_ended and self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def end(self, at: datetime) -> None:
        """End the assignment now; it is kept, ended."""
        if self.is_ended:
            raise AssignmentAlreadyEnded("Uppdraget är redan avslutat.", "The assignment has already ended.")
        at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
        today = today_in_sweden(at)
        if self.valid_to is None or today < self.valid_to:
            self.valid_to = max(today, self.valid_from)
        self.ended_at = at
        self.version += 1
        self._record(ROLE_ENDED, ended_at=at.isoformat())

    def state(self) -> dict:
        """What events and the audit trail may hold: ids, the role's code, dates (no name)."""
        return {"assignment_id": self.id, "role": self.role.value, "unit_id": self.unit_id,
                "process_id": self.process_id, "user_id": self.user_id, "valid_from": self.valid_from.isoformat(),
                "valid_to": self.valid_to.isoformat() if self.valid_to else None, "version": self.version}

    def pull_events(self) -> list[DomainEvent]:
        events, self.events = self.events, []
        return events

    def _record(self, event_type: str, **extra) -> None:
        data = {**self.state(), **extra}
        unknown = set(data) - ROLE_EVENT_FIELDS[event_type]
        if unknown:  # a programming error: the allow-list is the contract
            raise ValueError(f"{event_type} payload has fields outside its allow-list: {sorted(unknown)}")
        self.events.append(DomainEvent(type=event_type, tenant=self.tenant, subject=self.id, data=data,
                                       sequence=self.version))
