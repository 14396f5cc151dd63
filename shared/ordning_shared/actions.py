"""Improvement actions (förbättringsåtgärder), one model for every case that raises them.

A deviation, a risk, a self-inspection, an audit or a quality council decision
owns its actions; all share this model and the event family se.ordning.action.*
with the origin in the payload, so reporting and notify see one register.
Events carry ids, status and dates, and the owner's user id (as a role event carries its holder's, so that notify
can tell them): never a title, a text, or an owner written as a name.
"""
from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from marshmallow import Schema, fields, validate

from . import fields as f
from . import pagination

from .db import Id, UTCDateTime, UnitOfWork
from .events import DomainEvent
from .problems import Problem
from .retention import PSEUDONYMISED_TEXT, pseudonymised_text


class ActionStatus(str, enum.Enum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


ACTION_TRANSITIONS = {
    (ActionStatus.planned, "start"): ActionStatus.in_progress,
    (ActionStatus.planned, "complete"): ActionStatus.done,
    (ActionStatus.in_progress, "complete"): ActionStatus.done,
    (ActionStatus.planned, "cancel"): ActionStatus.cancelled,
    (ActionStatus.in_progress, "cancel"): ActionStatus.cancelled,
    (ActionStatus.done, "reopen"): ActionStatus.in_progress,
    (ActionStatus.cancelled, "reopen"): ActionStatus.planned,
}
CLOSED_STATUSES = {ActionStatus.done, ActionStatus.cancelled}
# For messages: a status in a Swedish sentence is a Swedish word.
STATUS_SV = {ActionStatus.planned: "planerad", ActionStatus.in_progress: "påbörjad", ActionStatus.done: "klar",
             ActionStatus.cancelled: "avbruten"}
COMMAND_SV = {"start": "påbörja", "complete": "slutföra", "cancel": "avbryta", "reopen": "återöppna"}


class ActionRuleViolation(Problem):
    http_status, code = 409, "action_rule"


class IllegalActionTransition(ActionRuleViolation):
    code = "illegal_action_transition"


@dataclass
class ImprovementAction:
    id: str
    tenant: str
    origin_type: str
    origin_id: str
    unit_id: str
    title: str
    owner: str
    due_date: date
    description: str = ""
    status: ActionStatus = ActionStatus.planned
    created_at: datetime | None = None
    completed_at: datetime | None = None
    effect_followup: str = ""
    version: int = 1
    events: list = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def create(cls, *, tenant, origin_type, origin_id, unit_id, title, owner, due_date, description="", at):
        action = cls(id=str(uuid.uuid4()), tenant=tenant, origin_type=origin_type, origin_id=str(origin_id),
                     unit_id=str(unit_id), title=title, owner=owner, due_date=due_date,
                     description=description, created_at=at)
        action._record("created")
        return action

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def effect_followed_up(self) -> bool:
        """A follow-up of the action's effect is written (the events carry this flag, never the text)."""
        return bool((self.effect_followup or "").strip())

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_date < today

    def update(self, *, title=None, owner=None, due_date=None, description=None) -> None:
        if not self.is_open:
            raise ActionRuleViolation(f"Åtgärden är {STATUS_SV[self.status]} och kan inte ändras.",
                                      f"The action is {self.status.value} and cannot change.")
        changes = {name: value for name, value in (("title", title), ("owner", owner), ("due_date", due_date),
                                                   ("description", description))
                   if value is not None and value != getattr(self, name)}
        if not changes:  # nothing changed: no new version, no event
            return
        for name, value in changes.items():
            setattr(self, name, value)
        # A new owner is told (notify) by its own event, assigned; a new due date by rescheduled. Both at once are
        # two versions, each event advancing the action's sequence.
        if "due_date" in changes:
            self.version += 1
            self._record("rescheduled")
        if "owner" in changes:
            self.version += 1
            self._record("assigned")
        if not {"due_date", "owner"} & set(changes):
            self.version += 1
            self._record("updated")

    def move_to_unit(self, unit_id: str) -> None:
        """The case that owns an open action moved to another unit; the action follows it."""
        if not self.is_open or unit_id == self.unit_id:
            return
        self.unit_id = str(unit_id)
        self.version += 1
        self._record("updated")

    def pseudonymise(self) -> None:
        """Gallring with the case that owns it: title, text and owner replaced; status and dates kept.

        No event: the owning case's pseudonymised event says it, and nothing else about the action changed.
        """
        self.title = PSEUDONYMISED_TEXT
        self.owner = PSEUDONYMISED_TEXT  # the column admits no NULL; the marker matches no account either
        self.description = pseudonymised_text(self.description)
        self.effect_followup = pseudonymised_text(self.effect_followup)
        self.version += 1

    def _transition(self, command: str) -> None:
        target = ACTION_TRANSITIONS.get((self.status, command))
        if target is None:
            raise IllegalActionTransition(
                f"Det går inte att {COMMAND_SV.get(command, command)} en åtgärd som är {STATUS_SV[self.status]}.",
                f"Cannot {command} an action in status {self.status.value}.")
        self.status = target
        self.version += 1

    def start(self) -> None:
        self._transition("start")
        self._record("started")

    def complete(self, at: datetime, effect_followup: str = "") -> None:
        self._transition("complete")
        self.completed_at = at
        self.effect_followup = effect_followup or self.effect_followup
        self._record("completed")

    def cancel(self) -> None:
        self._transition("cancel")
        self._record("cancelled")

    def reopen(self) -> None:
        self._transition("reopen")
        self.completed_at = None
        self._record("reopened")

    def _record(self, what: str) -> None:
        self.events.append(DomainEvent(
            type=f"se.ordning.action.{what}.v1", tenant=self.tenant, subject=self.id,
            data={"action_id": self.id, "origin_type": self.origin_type, "origin_id": self.origin_id,
                  "unit_id": self.unit_id, "status": self.status.value, "due_date": self.due_date.isoformat(),
                  "completed_at": self.completed_at.isoformat() if self.completed_at else None,
                  # Whether the effect is followed up (reporting counts it), never the follow-up's text.
                  "effect_followed_up": self.effect_followed_up, "owner_id": owner_user_id(self.owner),
                  "version": self.version},
            sequence=self.version))


ACTION_EVENT_FIELDS = {"action_id", "origin_type", "origin_id", "unit_id", "status", "due_date", "completed_at",
                       "effect_followed_up", "owner_id", "version"}
# A user id as the identity provider issues it (the token's sub): no spaces, no @ (docs/asyncapi.yaml UserId).
USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:|-]{0,199}")


def owner_user_id(owner: str | None) -> str | None:
    """The owner as an event may carry it: a user id, or None when it was written as something else (a name)."""
    return owner if isinstance(owner, str) and USER_ID.fullmatch(owner) else None


def action_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "improvement_actions", metadata,
        Id(name="id", primary_key=True),
        sa.Column("tenant", sa.String(16), nullable=False),
        sa.Column("origin_type", sa.String(40), nullable=False),
        Id(name="origin_id", nullable=False),
        Id(name="unit_id", nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False, default=""),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("completed_at", UTCDateTime),
        sa.Column("effect_followup", sa.Text, nullable=False, default=""),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Index("ix_improvement_actions_origin", "tenant", "origin_type", "origin_id"),
    )


# Fields of an action whose values its audit records may hold; title, description, owner and the
# effect follow-up are free text or a person, recorded by name only.
AUDIT_VALUE_FIELDS = frozenset({"id", "origin_type", "origin_id", "unit_id", "due_date", "status", "created_at",
                                "completed_at", "version", "overdue"})


class ActionRepository:
    """Loads and saves actions inside a unit of work; every query is scoped by tenant."""

    COLUMNS = ("id", "tenant", "origin_type", "origin_id", "unit_id", "title", "description", "owner",
               "due_date", "status", "created_at", "completed_at", "effect_followup", "version")

    def __init__(self, uow: UnitOfWork, table: sa.Table):
        self.uow, self.table = uow, table

    def _from_row(self, row) -> ImprovementAction:
        values = {name: getattr(row, name) for name in self.COLUMNS}
        values["status"] = ActionStatus(values["status"])
        return ImprovementAction(**values)

    def _values(self, action: ImprovementAction) -> dict:
        values = {name: getattr(action, name) for name in self.COLUMNS}
        values["status"] = action.status.value
        return values

    def add(self, action: ImprovementAction) -> None:
        self.uow.execute(self.table.insert().values(**self._values(action)))
        self._flush_events(action)

    def get(self, tenant: str, action_id: str, origin_type: str, origin_id: str) -> ImprovementAction | None:
        t = self.table
        row = self.uow.execute(sa.select(t).where(
            t.c.tenant == tenant, t.c.id == action_id, t.c.origin_type == origin_type,
            t.c.origin_id == origin_id)).first()
        return self._from_row(row) if row else None

    def for_origin(self, tenant: str, origin_type: str, origin_id: str) -> list[ImprovementAction]:
        t = self.table
        rows = self.uow.execute(sa.select(t).where(
            t.c.tenant == tenant, t.c.origin_type == origin_type, t.c.origin_id == origin_id,
        ).order_by(t.c.due_date, t.c.created_at)).all()
        return [self._from_row(row) for row in rows]

    def save(self, action: ImprovementAction, expected_version: int) -> None:
        t = self.table
        result = self.uow.execute(t.update().where(t.c.id == action.id, t.c.tenant == action.tenant,
                                                   t.c.version == expected_version).values(**self._values(action)))
        if result.rowcount != 1:
            raise StaleAction("Åtgärden har ändrats av någon annan; läs om den.",
                              "The action was changed by someone else; read it again.")
        self._flush_events(action)

    def _flush_events(self, action: ImprovementAction) -> None:
        for event in action.events:
            self.uow.add_event(event)
        action.events.clear()


class StaleAction(ActionRuleViolation):
    http_status, code = 412, "stale_etag"


ACTION_ID = "9a1e4c7b-3d2f-4b8a-8e6c-1f0d2b3a4c5e"
ORIGIN_ID = "3f6c2b1e-8d4a-4c59-9f0e-2a7b5d1c9e84"
ACTION_STATUS = "The action's status: planned, in_progress, done or cancelled."


class ActionSchema(Schema):
    id = fields.String(dump_only=True, metadata={"description": "The action's id (a UUID).", "example": ACTION_ID})
    origin_type = fields.String(dump_only=True, metadata={
        "description": "What kind of case raised the action, e.g. deviation.", "example": "deviation"})
    origin_id = fields.String(dump_only=True, metadata={"description": "The id of the case that raised it.",
                                                        "example": ORIGIN_ID})
    unit_id = fields.String(dump_only=True, metadata={"description": "The unit of the case that raised it.",
                                                      "example": "27460a56-bb16-57e0-90af-507fac38efb8"})
    title = f.Name(required=True, max_length=300, metadata={"description": "What is to be done, in short.",
                                                            "example": "Se över rutinen för läkemedelsöverlämning"})
    description = f.Text(metadata={"description": "The action in more detail; optional.",
                                   "example": "Gå igenom rutinen med all personal på arbetsplatsträffen."})
    owner = f.Name(required=True, max_length=200, metadata={"description": "The user (subject) responsible.",
                                                            "example": "demo-erik"})
    due_date = f.Date(required=True, metadata={"description": "The last day to complete the action.",
                                               "example": "2026-04-30"})
    status = fields.Enum(ActionStatus, by_value=True, dump_only=True, metadata={"description": ACTION_STATUS,
                                                                                "example": "planned"})
    created_at = f.AwareDateTime(dump_only=True, metadata={"description": "When the action was added.",
                                                           "example": "2026-03-04T11:00:00+01:00"})
    completed_at = f.AwareDateTime(dump_only=True, allow_none=True, metadata={
        "description": "When it was completed; null unless done.", "example": None})
    effect_followup = fields.String(dump_only=True, metadata={
        "description": "How the effect will be or was followed up; empty until given.",
        "example": "Stickprov i journalerna efter tre månader."})
    version = fields.Integer(dump_only=True, metadata={
        "description": "The action's version, counted from 1; its ETag is \"<id>.<version>\".", "example": 1})
    overdue = fields.Boolean(dump_only=True, metadata={"description": "true when open and past its due date.",
                                                       "example": False})


class ActionUpdateSchema(Schema):
    title = f.Name(max_length=300, metadata={"description": "What is to be done, in short.",
                                             "example": "Se över rutinen för läkemedelsöverlämning"})
    description = f.Text(metadata={"description": "The action in more detail.",
                                   "example": "Gå igenom rutinen med all personal på arbetsplatsträffen."})
    owner = f.Name(max_length=200, metadata={"description": "The user (subject) responsible.",
                                             "example": "demo-sara"})
    due_date = f.Date(metadata={"description": "The last day to complete the action.", "example": "2026-05-15"})


class ActionTransitionSchema(Schema):
    command = f.Choice(["start", "complete", "cancel", "reopen"], required=True, metadata={
        "description": "start (planned to in_progress), complete (to done), cancel (to cancelled) or reopen "
                       "(done to in_progress, cancelled to planned).", "example": "complete"})
    effect_followup = f.Text(metadata={"description": "How the effect will be or was followed up.",
                                       "example": "Stickprov i journalerna efter tre månader."})


# An owner's actions across the cases of one service (Mina åtgärder: GET /api/v1/actions in deviations,
# GET /api/v1/risk-actions in risks). A service subclasses the page with `items` of its own OwnedActionSchema,
# which adds the origin's columns (the case's reference, the analysis's title).
ACTION_STATUSES = [s.value for s in ActionStatus]


class OwnedActionArgsSchema(Schema):
    owner = f.Name(max_length=200, load_default="me", metadata={
        "description": "Whose actions: me (the default) for your own, or a user (subject); only actions whose "
                       "origin (the case, the risk analysis) you may read are listed.",
        "example": "me"})
    status = fields.List(f.Choice(ACTION_STATUSES), validate=validate.Length(max=len(ACTION_STATUSES)), metadata={
        "description": "Only actions in these statuses; repeat the parameter for several.",
        "example": ["planned", "in_progress"]})
    cursor = fields.String(validate=validate.Length(max=pagination.CURSOR_MAX_CHARS), metadata={
        "description": "next_cursor of the page before: the next page after it. Anything else is a 400 "
                       "invalid_cursor.",
        "example": "WzEsImR1ZV9kYXRlIiwiMjAyNi0wNC0zMCIsIjlhMWU0YzdiLTNkMmYtNGI4YS04ZTZjLTFmMGQyYjNhNGM1ZSJd"})
    limit = f.BoundedInteger(1, 200, strict=False, load_default=50, metadata={
        "description": "The page size, 1 to 200.", "example": 50})
    offset = f.BoundedInteger(0, 10_000_000, strict=False, load_default=0, metadata={
        "description": "How many matching actions to skip.", "example": 0})


class OwnedActionPageSchema(Schema):
    items = fields.List(fields.Nested(ActionSchema), metadata={
        "description": "The actions of this page, by due date, the earliest first."})
    total = fields.Integer(metadata={
        "description": "How many actions match, among those whose origin you may read, on every page together.",
        "example": 4})
    limit = fields.Integer(metadata={"description": "The page size asked for.", "example": 50})
    offset = fields.Integer(metadata={"description": "How many matching actions come before this page.",
                                      "example": 0})
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "Give it as cursor (with the same filters) for the next page; null on the last page.",
        "example": None})
