"""A case's classification beside its free category (issue 14, item 8): händelsetyp, consequence score, place.

Plain Python, as domain.py. Three things a handler records on a case:

- the händelsetyp (event type), a code from the tenant's list. The list is tenant data: Socialstyrelsen's and
  SKR's common terms are every tenant's defaults (`DEFAULT_EVENT_TYPES`), which a tenant renames, retires or adds
  to; a code never changes, its label is the tenant's. A retired type is refused for new cases and kept on the
  cases that have it.
- the consequence score (konsekvens), a step of the consequence scale of the tenant's risk matrix (the risks
  service's, copied from se.ordning.risk.matrix_changed.v1), with the matrix version it was scored on, so that a
  deviation and a risk compare on one scale.
- the place (plats), one of the places the tenant lists for the case's unit ("Avdelning 2", "Matsalen").

Each change is an event with codes, ids and numbers only (domain.EVENT_PAYLOAD_FIELDS).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ordning_shared.risk_matrix import DEFAULT_MATRIX_DEFINITION

from . import domain as d

# --------------------------------------------------------------------------
# Händelsetyper
# --------------------------------------------------------------------------

EVENT_TYPE_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # stable, no text: what events and statistics carry
EVENT_TYPE_LABEL_MAX = 100

# Every tenant's defaults, in this order: the common terms of Socialstyrelsen and SKR for events in vård and
# omsorg. A tenant renames, retires or adds to them (tenant data); the codes stay.
DEFAULT_EVENT_TYPES: tuple[tuple[str, str], ...] = (
    ("fall", "Fall"),
    ("lakemedel", "Läkemedel"),
    ("vard_och_behandling", "Vård och behandling"),
    ("bemotande", "Bemötande"),
    ("informationsoverforing", "Informationsöverföring"),
    ("dokumentation", "Dokumentation"),
    ("hot_och_vald", "Hot och våld"),
    ("medicinteknisk_produkt", "Medicinteknisk produkt"),
    ("smitta_hygien", "Smitta och hygien"),
    ("kost_nutrition", "Kost och nutrition"),
    ("tvang_begransning", "Tvång och begränsning"),
    ("forsvunnen_avvikit", "Försvunnen eller avviken"),
    ("ovrigt", "Övrigt"),
)
DEFAULT_EVENT_TYPE_CODES = tuple(code for code, _label in DEFAULT_EVENT_TYPES)


class UnknownEventType(d.RuleViolation):
    code = "unknown_event_type"
    http_status = 422


class InvalidEventType(d.RuleViolation):
    code = "invalid_event_type"
    http_status = 422


class UnknownPlace(d.RuleViolation):
    code = "unknown_place"
    http_status = 422


class InvalidConsequenceScore(d.RuleViolation):
    code = "invalid_consequence_score"
    http_status = 422


@dataclass(frozen=True)
class EventType:
    code: str
    label: str
    retired: bool = False
    default: bool = False  # one of DEFAULT_EVENT_TYPES the tenant has not changed
    version: int = 0  # 0: the default, no row of the tenant's


def check_event_type_code(code: str) -> str:
    if not isinstance(code, str) or not EVENT_TYPE_CODE.match(code):
        raise InvalidEventType("Koden ska vara högst 40 tecken: små bokstäver utan prickar och ringar, siffror eller "
                               "understreck, först en bokstav.", "The code must be 1-40 lower-case letters a-z, "
                               "digits or underscores, starting with a letter.")
    return code


def code_of(label: str) -> str:
    """A code made from a label ("Hot och våld" -> "hot_och_vald"), for a type added without one."""
    plain = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    code = re.sub(r"[^a-z0-9]+", "_", plain).strip("_")
    if not code or not code[0].isalpha():
        code = f"typ_{code}".rstrip("_")
    return code[:40].rstrip("_")


def event_types(rows) -> list[EventType]:
    """The tenant's list: the defaults (as the tenant renamed or retired them), then the tenant's own types by label.
    `rows`: the tenant's event_types rows (code, label, retired, version)."""
    own = {row.code: row for row in rows}
    found = []
    for code, label in DEFAULT_EVENT_TYPES:
        row = own.pop(code, None)
        found.append(EventType(code, label, False, True, 0) if row is None
                     else EventType(code, row.label, bool(row.retired), False, row.version))
    found.extend(sorted((EventType(row.code, row.label, bool(row.retired), False, row.version) for row in own.values()),
                        key=lambda t: t.label.lower()))
    return found


def event_type_of(rows, code: str) -> EventType | None:
    return next((t for t in event_types(rows) if t.code == code), None)


def require_event_type(rows, code: str | None, current: str | None = None) -> str | None:
    """The code a report or a handler names, if the tenant's list has it and it is not retired; None (or blank)
    clears it. The code the case has already passes: a retired type stays on the cases that have it."""
    if code is None or not str(code).strip():
        return None
    if code == current:
        return code
    found = event_type_of(rows, code)
    if found is None or found.retired:
        raise UnknownEventType(f"Händelsetypen {code[:40]} är okänd eller utgången.",
                               f"The event type {code[:40]!r} is unknown or retired.")
    return code


# --------------------------------------------------------------------------
# The consequence scale of the tenant's risk matrix
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class ConsequenceScale:
    """The consequence steps of one version of the tenant's risk matrix: step value n is labels[n - 1]."""
    version: int
    labels: tuple[str, ...]
    default: bool = False  # no copy of the tenant's matrix: DOMAIN.md's default, as the risks service's version 1

    def label(self, score: int | None) -> str | None:
        return self.labels[score - 1] if isinstance(score, int) and 1 <= score <= len(self.labels) else None

    def steps(self) -> list[dict]:
        return [{"value": value, "label": label} for value, label in enumerate(self.labels, start=1)]


DEFAULT_SCALE = ConsequenceScale(1, tuple(step["label"] for step in DEFAULT_MATRIX_DEFINITION["consequence_steps"]),
                                 default=True)


def scale_of(version: int, consequence_steps) -> ConsequenceScale | None:
    """The scale of a matrix_changed event's (or its copy's) consequence steps, or None if they are not 3-5 steps
    numbered from 1 (the risks service sends none such)."""
    if not isinstance(consequence_steps, list) or not 3 <= len(consequence_steps) <= 5:
        return None
    labels = []
    for value, step in enumerate(consequence_steps, start=1):
        if not isinstance(step, dict) or step.get("value") != value:
            return None
        labels.append(str(step.get("label") or value)[:EVENT_TYPE_LABEL_MAX])
    return ConsequenceScale(version, tuple(labels))


# --------------------------------------------------------------------------
# The commands on a case (each an event; nothing on a closed, rejected or gallrad case)
# --------------------------------------------------------------------------

def change_event_type(dev: d.Deviation, code: str | None) -> None:
    """Set, change or clear (None) the case's händelsetyp: a code the service has checked (require_event_type)."""
    dev._guard_not_closed()
    if code == dev.event_type:
        return
    previous, dev.event_type = dev.event_type, code
    dev._record(d.EVENT_TYPE_CHANGED, event_type=code, previous_event_type=previous)


def score_consequence(dev: d.Deviation, score: int | None, scale: ConsequenceScale) -> None:
    """Set (or, None, clear) the consequence score on `scale`, the tenant's current matrix's consequence steps."""
    dev._guard_not_closed()
    if score is not None and (not isinstance(score, int) or isinstance(score, bool)
                              or not 1 <= score <= len(scale.labels)):
        raise InvalidConsequenceScore(
            f"Konsekvensen ska vara ett steg från 1 till {len(scale.labels)} i riskmatrisens version {scale.version}.",
            f"The consequence must be a step from 1 to {len(scale.labels)} of the risk matrix's version "
            f"{scale.version}.", steps=len(scale.labels), matrix_version=scale.version)
    version = None if score is None else scale.version
    if (score, version) == (dev.consequence_score, dev.consequence_matrix_version):
        return
    dev.consequence_score, dev.consequence_matrix_version = score, version
    dev._record(d.CONSEQUENCE_SCORED, consequence_score=score, matrix_version=version)


def change_place(dev: d.Deviation, place_id: str | None) -> None:
    """Set, change or clear (None) the case's place: one the service has checked is of the case's unit."""
    dev._guard_not_closed()
    if place_id == dev.place_id:
        return
    previous, dev.place_id = dev.place_id, place_id
    dev._record(d.PLACE_CHANGED, place_id=place_id, previous_place_id=previous)
