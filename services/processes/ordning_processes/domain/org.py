"""The organisation tree of a tenant: nämnd, förvaltning, verksamhetsområde,
enhet and utförare i privat regi.

Plain Python: no Flask, no database session. The repository (db.py) supplies
what a rule needs from other rows (the parent unit, the ancestor ids of a new
parent, the number of open children) so that every rule here runs without I/O.

Decisions written down here:
- A tenant may have several nämnder; a nämnd is always a root.
- Closing keeps the unit (closed_at is set): old cases still resolve to it.
- Renaming to the same name or moving to the same parent is a no-op: no
  event, no new revision.
- Naive datetimes are taken to be UTC.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum

from ordning_shared.events import DomainEvent
from ordning_shared.problems import Problem

__all__ = [
    "NAME_MAX_LENGTH", "UnitKind", "UNIT_KIND_LABELS_SV", "ALLOWED_PARENT_KINDS", "ORG_UNIT_CREATED",
    "ORG_UNIT_RENAMED", "ORG_UNIT_MOVED", "ORG_UNIT_CLOSED", "ORG_EVENT_TYPES", "OrgRuleViolation",
    "InvalidParent", "UnitClosed", "HasOpenChildren", "CycleError", "CrossTenant", "ParentNotFound",
    "InvalidName", "InvalidKind", "parse_kind", "normalize_name", "is_allowed_parent_kind",
    "check_parent_kind", "would_create_cycle", "OrgUnit", "ORG_UNIT_EXTERNAL_PROVIDER_CHANGED",
]

NAME_MAX_LENGTH = 200


class UnitKind(str, Enum):
    BOARD = "board"                          # nämnd
    ADMINISTRATION = "administration"        # förvaltning
    DIVISION = "division"                    # verksamhetsområde
    UNIT = "unit"                            # enhet
    EXTERNAL_PROVIDER = "external_provider"  # utförare i privat regi


UNIT_KIND_LABELS_SV: dict[UnitKind, str] = {
    UnitKind.BOARD: "Nämnd",
    UnitKind.ADMINISTRATION: "Förvaltning",
    UnitKind.DIVISION: "Verksamhetsområde",
    UnitKind.UNIT: "Enhet",
    UnitKind.EXTERNAL_PROVIDER: "Utförare i privat regi",
}

# Which kinds a unit of each kind may sit under. `None` means "no parent" (a root).
ALLOWED_PARENT_KINDS: dict[UnitKind, frozenset[UnitKind | None]] = {
    UnitKind.BOARD: frozenset({None}),
    UnitKind.ADMINISTRATION: frozenset({UnitKind.BOARD}),
    UnitKind.DIVISION: frozenset({UnitKind.ADMINISTRATION, UnitKind.DIVISION}),
    UnitKind.UNIT: frozenset({UnitKind.ADMINISTRATION, UnitKind.DIVISION}),
    # The nämnd follows up private providers, at whatever level they are contracted.
    UnitKind.EXTERNAL_PROVIDER: frozenset({UnitKind.BOARD, UnitKind.ADMINISTRATION, UnitKind.DIVISION}),
}

ORG_UNIT_CREATED = "se.ordning.org_unit.created.v1"
ORG_UNIT_RENAMED = "se.ordning.org_unit.renamed.v1"
ORG_UNIT_MOVED = "se.ordning.org_unit.moved.v1"
ORG_UNIT_CLOSED = "se.ordning.org_unit.closed.v1"
# An external provider (utförare i privat regi) reports its lex Sarah / lex Maria cases to IVO itself.
ORG_UNIT_EXTERNAL_PROVIDER_CHANGED = "se.ordning.org_unit.external_provider_changed.v1"
ORG_EVENT_TYPES: tuple[str, ...] = (ORG_UNIT_CREATED, ORG_UNIT_RENAMED, ORG_UNIT_MOVED, ORG_UNIT_CLOSED,
                                    ORG_UNIT_EXTERNAL_PROVIDER_CHANGED)


# --- rule violations -------------------------------------------------------

class OrgRuleViolation(Problem):
    """A rule of the organisation tree was broken; `code` is stable for the API."""

    http_status, code = 422, "org_rule_violation"

    def __init__(self, sv: str, en: str):
        super().__init__(sv, en)


class InvalidParent(OrgRuleViolation):
    code = "invalid_parent"


class UnitClosed(OrgRuleViolation):
    http_status, code = 409, "unit_closed"


class HasOpenChildren(OrgRuleViolation):
    http_status, code = 409, "has_open_children"


class CycleError(OrgRuleViolation):
    http_status, code = 409, "cycle"


class CrossTenant(OrgRuleViolation):
    code = "cross_tenant"


class ParentNotFound(OrgRuleViolation):
    """The named parent does not exist in the caller's tenant.

    A parent in another tenant is reported the same way, so that a caller
    cannot learn which ids exist elsewhere.
    """

    code = "parent_not_found"


class InvalidName(OrgRuleViolation):
    code = "invalid_name"


class InvalidKind(OrgRuleViolation):
    code = "invalid_kind"


# --- pure helpers ----------------------------------------------------------

def parse_kind(kind: UnitKind | str) -> UnitKind:
    try:
        return UnitKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in UnitKind)
        raise InvalidKind(f"Enhetstypen {kind!r} är okänd; tillåtna är {allowed}.",
                          f"The unit kind {kind!r} is unknown; allowed are {allowed}.") from None


def normalize_name(name: str) -> str:
    """Strip and check a unit name: 1–200 characters, not blank."""
    if not isinstance(name, str):
        raise InvalidName("Namnet måste vara text.", "The name must be a string.")
    stripped = name.strip()
    if not stripped:
        raise InvalidName("Namnet får inte vara tomt.", "The name must not be blank.")
    if len(stripped) > NAME_MAX_LENGTH:
        raise InvalidName(f"Namnet får vara högst {NAME_MAX_LENGTH} tecken.",
                          f"The name may be at most {NAME_MAX_LENGTH} characters.")
    return stripped


def is_allowed_parent_kind(kind: UnitKind | str, parent_kind: UnitKind | str | None) -> bool:
    kind = parse_kind(kind)
    parent = parse_kind(parent_kind) if parent_kind is not None else None
    return parent in ALLOWED_PARENT_KINDS[kind]


def check_parent_kind(kind: UnitKind | str, parent_kind: UnitKind | str | None) -> None:
    """Raise InvalidParent unless a `kind` may sit under `parent_kind` (None = root)."""
    if is_allowed_parent_kind(kind, parent_kind):
        return
    kind = parse_kind(kind)
    allowed = _ordered(ALLOWED_PARENT_KINDS[kind])
    sv_parts = [_sv(k) for k in allowed if k is not None]
    sv_allowed = " eller ".join(filter(None, [", ".join(sv_parts[:-1]), sv_parts[-1] if sv_parts else ""]))
    en_allowed = ", ".join(k.value for k in allowed if k is not None)
    if parent_kind is None:
        raise InvalidParent(f"{_sv(kind).capitalize()} måste ligga under {sv_allowed}.",
                            f"{_en(kind).capitalize()} must have a parent ({en_allowed}).")
    parent = parse_kind(parent_kind)
    if allowed == [None]:
        raise InvalidParent(
            f"{_sv(kind).capitalize()} ligger alltid högst upp och kan inte ligga under {_sv(parent)}.",
            f"{_en(kind).capitalize()} is a root and cannot be placed under {_en(parent)}.")
    raise InvalidParent(f"{_sv(kind).capitalize()} kan inte ligga under {_sv(parent)}, bara under {sv_allowed}.",
                        f"{_en(kind).capitalize()} cannot be placed under {_en(parent)}; allowed: {en_allowed}.")


def _sv(kind: UnitKind) -> str:
    article = "ett" if kind is UnitKind.DIVISION else "en"
    return f"{article} {UNIT_KIND_LABELS_SV[kind].lower()}"


def _en(kind: UnitKind) -> str:
    article = "an" if kind.value[0] in "aeio" else "a"  # "a unit"
    return f"{article} {kind.value}"


def _ordered(kinds) -> list[UnitKind | None]:
    return [k for k in (None, *UnitKind) if k in kinds]


def would_create_cycle(unit_id: str, new_parent_id: str | None, ancestors_of_new_parent: list[str]) -> bool:
    """True if placing `unit_id` under `new_parent_id` would make it its own ancestor.

    `ancestors_of_new_parent` is the chain of ids above the new parent (any order).
    """
    if new_parent_id is None:
        return False
    return new_parent_id == unit_id or unit_id in ancestors_of_new_parent


def _utc(at: datetime) -> datetime:
    if not isinstance(at, datetime):
        raise TypeError("at must be a datetime")
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at


# --- the entity ------------------------------------------------------------

@dataclass(eq=False)
class OrgUnit:
    id: str
    tenant: str
    kind: UnitKind
    name: str
    parent_id: str | None = None
    closed_at: datetime | None = None
    revision: int = 1
    events: list[DomainEvent] = field(default_factory=list, repr=False)
    # An external provider (utförare i privat regi): its lex cases are reported to IVO by the provider itself and
    # followed up by the municipality. A unit of kind external_provider is one whatever this says.
    external_provider: bool = False

    def __post_init__(self):
        self.kind = parse_kind(self.kind)
        self.name = normalize_name(self.name)
        if not isinstance(self.tenant, str) or not self.tenant.strip():
            raise ValueError("tenant must be a non-blank string")
        if self.closed_at is not None:
            self.closed_at = _utc(self.closed_at)
        if self.revision < 1:
            raise ValueError("revision starts at 1")

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @classmethod
    def create(
        cls,
        *,
        tenant: str,
        kind: UnitKind | str,
        name: str,
        parent: OrgUnit | None = None,
        unit_id: str | None = None,
        external_provider: bool = False,
    ) -> OrgUnit:
        kind = parse_kind(kind)
        name = normalize_name(name)
        if parent is not None:
            cls._check_usable_parent(tenant, parent)
        check_parent_kind(kind, parent.kind if parent is not None else None)
        unit = cls(
            id=unit_id or str(uuid.uuid4()),
            tenant=tenant,
            kind=kind,
            name=name,
            parent_id=parent.id if parent is not None else None,
            # A unit of the kind "utförare i privat regi" is an external provider whatever the caller said.
            external_provider=bool(external_provider) or kind is UnitKind.EXTERNAL_PROVIDER,
        )
        unit._record(ORG_UNIT_CREATED)
        return unit

    def rename(self, name: str, at: datetime) -> None:
        self._ensure_open(("byta namn", "be renamed"))
        name = normalize_name(name)
        at = _utc(at)
        if name == self.name:
            return
        self.name = name
        self._bump()
        self._record(ORG_UNIT_RENAMED, renamed_at=at.isoformat())

    def move(self, new_parent: OrgUnit | None, ancestors_of_new_parent: list[str]) -> None:
        """Place this unit under `new_parent` (None = make it a root).

        `ancestors_of_new_parent`: ids of every unit above `new_parent`, from the repository.
        """
        self._ensure_open(("flyttas", "be moved"))
        new_parent_id = new_parent.id if new_parent is not None else None
        if new_parent is not None:
            self._check_usable_parent(self.tenant, new_parent)
            if would_create_cycle(self.id, new_parent_id, list(ancestors_of_new_parent)):
                raise CycleError("Enheten kan inte flyttas under sig själv eller en av sina underenheter.",
                                 f"The unit {self.id} cannot be moved under itself or one of its descendants.")
        check_parent_kind(self.kind, new_parent.kind if new_parent is not None else None)
        if new_parent_id == self.parent_id:
            return
        previous = self.parent_id
        self.parent_id = new_parent_id
        self._bump()
        self._record(ORG_UNIT_MOVED, previous_parent_id=previous)

    def close(self, at: datetime, open_children: int) -> None:
        """Close the unit; it is kept so that old cases still resolve to it."""
        self._ensure_open(("stängas igen", "be closed again"))
        if open_children < 0:
            raise ValueError("open_children cannot be negative")
        if open_children > 0:
            raise HasOpenChildren(
                f"Enheten har {open_children} öppna underenheter som måste stängas eller flyttas först.",
                f"The unit has {open_children} open child unit(s) that must be closed or moved first.")
        self.closed_at = _utc(at)
        self._bump()
        self._record(ORG_UNIT_CLOSED)

    def set_external_provider(self, external_provider: bool) -> None:
        """Mark the unit as an external provider (utförare i privat regi), or not; the same value is a no-op."""
        self._ensure_open(("ändras", "be changed"))
        if not isinstance(external_provider, bool):
            raise TypeError("external_provider must be a bool")
        if not external_provider and self.kind is UnitKind.EXTERNAL_PROVIDER:
            raise InvalidKind("En enhet av typen utförare i privat regi är alltid en utförare i privat regi.",
                              "A unit of the kind external_provider is always an external provider.")
        if external_provider == self.external_provider:
            return
        self.external_provider = external_provider
        self._bump()
        self._record(ORG_UNIT_EXTERNAL_PROVIDER_CHANGED)

    def state(self) -> dict:
        """The unit's full replicable state (what every event carries)."""
        return {
            "unit_id": self.id,
            "kind": self.kind.value,
            "name": self.name,
            "parent_id": self.parent_id,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "revision": self.revision,
            "external_provider": self.external_provider,
        }

    def pull_events(self) -> list[DomainEvent]:
        """Hand over the recorded events (for the outbox) and forget them."""
        events, self.events = self.events, []
        return events

    # --- internals ---

    @staticmethod
    def _check_usable_parent(tenant: str, parent: OrgUnit) -> None:
        if parent.tenant != tenant:
            raise CrossTenant("Den överordnade enheten tillhör en annan kommun eller region.",
                              "The parent unit belongs to another tenant.")
        if parent.is_closed:
            raise UnitClosed(f"Den överordnade enheten {parent.name!r} är stängd.",
                             f"The parent unit {parent.name!r} is closed.")

    def _ensure_open(self, what: tuple[str, str]) -> None:
        if self.is_closed:
            raise UnitClosed(f"En stängd enhet kan inte {what[0]}.", f"A closed unit cannot {what[1]}.")

    def _bump(self) -> None:
        self.revision += 1

    def _record(self, event_type: str, **extra) -> None:
        # Each event carries the unit's full replicable state (unit_id, kind,
        # name, parent_id, closed_at, revision) as it is after the change, so a
        # consumer can build its copy from any single event even if it missed
        # one, and ignore an event whose revision is not newer than its copy.
        data = self.state()
        data.update(extra)
        self.events.append(DomainEvent(type=event_type, tenant=self.tenant, subject=self.id, data=data,
                                       sequence=self.revision))
