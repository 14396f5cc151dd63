"""Event streams for the tests: cases and actions as the deviations (and risks) services publish them, as CloudEvent
bodies, built from the payload allow-lists of docs/asyncapi.yaml (no personal data, no free text)."""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from cloudevents.core.v1.event import CloudEvent
from ordning_shared.events import sequence_attribute, serialize, source_of
from ordning_shared.testing import ORG_TREE, TENANT_A, TENANT_B, UNITS, org_event_body

A, B = TENANT_A, TENANT_B

# The platform's test tree (tenant A: nämnd N > förvaltning F > verksamhetsområde V > enheter E1, E2; N >
# förvaltning F2 > enhet E3; tenant B: FB > EB) and an external provider X under F, whose cases the
# contracts-and-providers figures count apart.
PROVIDER = (A, "a0000000-0000-0000-0000-0000000000a1", "external_provider", "a0000000-0000-0000-0000-00000000000f")
TREE = [*ORG_TREE[:5], PROVIDER, *ORG_TREE[5:]]
U = {**UNITS, "x": PROVIDER[1]}
UNITS_A = [U["e1"], U["e2"], U["x"], U["e3"]]
CATEGORIES = ["c0000000-0000-0000-0000-000000000001", "c0000000-0000-0000-0000-000000000002", None]
STEPS = ["d0000000-0000-0000-0000-000000000001", "d0000000-0000-0000-0000-000000000002", None]
EVENT_TYPES = ["fall", "lakemedel", None]
KINDS = ["avvikelse", "lex_sarah", "lex_maria", "klagomal", "synpunkt"]


def body(event_type: str, tenant: str, subject: str, data: dict, sequence: int | None, service: str,
         time: datetime | None = None) -> bytes:
    attributes = {"id": str(uuid.uuid4()), "source": source_of(tenant, service), "type": event_type,
                  "subject": subject, "time": time or datetime.now(timezone.utc),
                  "datacontenttype": "application/json", "tenant": tenant}
    if sequence is not None:
        attributes["sequence"] = sequence_attribute(sequence)
    return serialize(CloudEvent(attributes, data))


def org_bodies(tree=TREE) -> list[bytes]:
    return [org_event_body(tenant, unit_id, kind, parent) for tenant, unit_id, kind, parent in tree]


def _at(day: date, hour: int = 9) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc).isoformat()


@dataclass
class Case:
    """A case's life as the deviations service publishes it (domain.Deviation._record)."""
    tenant: str
    kind: str
    unit_id: str
    reported_on: date
    category_id: str | None = None
    origin: str = "staff"
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    process_step_id: str | None = None
    event_type: str | None = None  # the händelsetyp's code
    status: str = "reported"
    version: int = 0
    bodies: list = field(default_factory=list)

    def _emit(self, what: str, **extra) -> None:
        self.version += 1
        data = {"deviation_id": self.id, "kind": self.kind, "unit_id": self.unit_id,
                "category_id": self.category_id, "status": self.status, **extra, "version": self.version}
        self.bodies.append(body(f"se.ordning.deviation.{what}.v1", self.tenant, self.id, data, self.version,
                                "deviations"))

    def report(self) -> "Case":
        due = self.reported_on + timedelta(days=14)
        self._emit("reported", origin=self.origin, anonymous=False, occurred_at=None,
                   reported_at=_at(self.reported_on), receipt_due=(self.reported_on + timedelta(days=2)).isoformat(),
                   investigation_due=due.isoformat(),
                   ivo_due=due.isoformat() if self.kind in ("lex_sarah", "lex_maria") else None,
                   process_step_id=self.process_step_id, event_type=self.event_type)
        return self

    def receive(self, days: int = 1) -> "Case":
        self.status = "received"
        self._emit("received", received_at=_at(self.reported_on + timedelta(days=days)))
        return self

    def investigate(self) -> "Case":
        self.status = "investigating"
        self._emit("investigation_started", started_at=_at(self.reported_on + timedelta(days=2)))
        return self

    def decide(self, serious: bool, days: int = 3, revised: bool = False) -> "Case":
        self._emit("seriousness_decided", serious=serious, revised=revised,
                   decided_at=_at(self.reported_on + timedelta(days=days)))
        return self

    def ivo(self, days: int) -> "Case":
        self._emit("ivo_reported", ivo_reported_on=(self.reported_on + timedelta(days=days)).isoformat())
        return self

    def close(self, days: int, serious: bool | None = None) -> "Case":
        previous, self.status = self.status, "closed"
        self._emit("closed", closed_at=_at(self.reported_on + timedelta(days=days)), closed_from=previous,
                   serious=serious)
        return self

    def reopen(self) -> "Case":
        self.status = "investigating"
        self._emit("reopened", reopened_at=_at(self.reported_on + timedelta(days=30)), reopened_from="closed")
        return self

    def move(self, unit_id: str) -> "Case":
        previous, self.unit_id = self.unit_id, unit_id
        self._emit("unit_changed", previous_unit_id=previous)
        return self

    def categorise(self, category_id: str | None) -> "Case":
        previous, self.category_id = self.category_id, category_id
        self._emit("category_changed", previous_category_id=previous)
        return self

    def reject(self) -> "Case":
        previous, self.status = self.status, "rejected"
        self._emit("rejected", rejected_at=_at(self.reported_on + timedelta(days=1)), rejected_from=previous,
                   reason="duplicate")
        return self

    def flag(self) -> "Case":
        self.version += 1
        self.bodies.append(body("se.ordning.deviation.flagged_possible_elsewhere.v1", self.tenant, self.id,
                                {"deviation_id": self.id, "kind": self.kind, "unit_id": self.unit_id,
                                 "version": self.version, "flagged_at": _at(self.reported_on + timedelta(days=4))},
                                self.version, "deviations"))
        return self

    def link_step(self, step_id: str | None) -> "Case":
        """The process step linked, changed or cleared (None)."""
        previous, self.process_step_id = self.process_step_id, step_id
        self._emit("process_step_changed", process_step_id=step_id, previous_process_step_id=previous)
        return self

    def change_event_type(self, code: str | None) -> "Case":
        """The händelsetyp set, changed or cleared (None)."""
        previous, self.event_type = self.event_type, code
        self._emit("event_type_changed", event_type=code, previous_event_type=previous)
        return self

    def reclassify(self, kind: str) -> "Case":
        previous, self.kind = self.kind, kind
        self._emit("reclassified", previous_kind=previous, reason="wrong_kind_reported",
                   reclassified_at=_at(self.reported_on + timedelta(days=2)), seriousness_cleared=False,
                   informing_cleared=False, previous_category_id=self.category_id)
        return self

    def silent_change(self) -> "Case":
        """A change that publishes nothing (an edit of the case's text): a version the events skip."""
        self.version += 1
        return self


@dataclass
class Action:
    """An improvement action as ordning_shared.actions publishes it."""
    tenant: str
    unit_id: str
    due_date: date
    created: datetime
    origin_type: str = "deviation"
    origin_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "planned"
    version: int = 0
    completed_at: str | None = None
    effect_followed_up: bool = False
    bodies: list = field(default_factory=list)

    def _emit(self, what: str, service: str = "deviations") -> None:
        data = {"action_id": self.id, "origin_type": self.origin_type, "origin_id": self.origin_id,
                "unit_id": self.unit_id, "status": self.status, "due_date": self.due_date.isoformat(),
                "completed_at": self.completed_at, "effect_followed_up": self.effect_followed_up,
                "version": self.version}
        self.bodies.append(body(f"se.ordning.action.{what}.v1", self.tenant, self.id, data, self.version, service,
                                time=self.created if what == "created" else None))

    def create(self) -> "Action":
        self.version = 1
        self._emit("created")
        return self

    def start(self) -> "Action":
        self.version, self.status = self.version + 1, "in_progress"
        self._emit("started")
        return self

    def complete(self, effect_followed_up: bool = False) -> "Action":
        self.version, self.status = self.version + 1, "done"
        self.completed_at = (self.created + timedelta(days=5)).isoformat()
        self.effect_followed_up = self.effect_followed_up or effect_followed_up
        self._emit("completed")
        return self

    def reopen(self) -> "Action":
        self.version, self.status, self.completed_at = self.version + 1, "in_progress", None
        self._emit("reopened")
        return self

    def reschedule(self, due: date) -> "Action":
        self.version, self.due_date = self.version + 1, due
        self._emit("rescheduled")
        return self


def random_history(seed: int, cases: int = 40, actions: int = 15, year: int = 2026) -> list[bytes]:
    """A year of a municipality's cases and actions (tenant A), each aggregate's events in order."""
    rng = random.Random(seed)
    bodies = []
    for _ in range(cases):
        kind = rng.choice(KINDS)
        case = Case(A, kind, rng.choice(UNITS_A), date(year, rng.randint(1, 12), rng.randint(1, 28)),
                    rng.choice(CATEGORIES), "citizen" if kind in ("klagomal", "synpunkt") and rng.random() < .5
                    else "staff", process_step_id=STEPS[len(bodies) % len(STEPS)],
                    event_type=EVENT_TYPES[len(bodies) % len(EVENT_TYPES)]).report()
        if rng.random() < 0.1:
            bodies += case.reject().bodies
            continue
        if rng.random() < 0.8:
            case.receive(rng.randint(0, 3))
        if rng.random() < 0.2:
            case.silent_change()
            case.link_step(STEPS[(len(bodies) + 1) % len(STEPS)])  # a later link, change or clearing
        if rng.random() < 0.2:
            case.move(rng.choice(UNITS_A))
        if rng.random() < 0.2:
            case.categorise(rng.choice(CATEGORIES))
        if rng.random() < 0.3:
            case.change_event_type(rng.choice(EVENT_TYPES))
        if kind in ("lex_sarah", "lex_maria") and case.status == "received":
            case.investigate()
            serious = rng.random() < 0.6
            case.decide(serious, rng.randint(1, 5))
            if serious:
                case.ivo(rng.randint(2, 20))
            if rng.random() < 0.2:
                case.decide(not serious, 8, revised=True)
        if rng.random() < 0.2 and case.status == "received":
            case.investigate().flag()
        if rng.random() < 0.6:
            case.close(rng.randint(3, 40))
            if rng.random() < 0.2:
                case.reopen().close(rng.randint(41, 60))
        bodies += case.bodies
    for _ in range(actions):
        action = Action(A, rng.choice(UNITS_A), date(year, rng.randint(1, 12), 15),
                        datetime(year, rng.randint(1, 12), rng.randint(1, 28), 10, tzinfo=timezone.utc),
                        rng.choice(["deviation", "risk"])).create()
        if rng.random() < 0.5:
            action.start()
        if rng.random() < 0.3:
            action.reschedule(date(year + 1, 1, 31))
        if rng.random() < 0.4:
            action.complete(effect_followed_up=len(bodies) % 2 == 0)
            if len(bodies) % 3 == 0:
                action.reopen()  # the follow-up written stays
        bodies += action.bodies
    return bodies
