"""The notify domain, pure: notification rules (which event, on which conditions, gives which kind of notice to
whom), the default rules a tenant starts with, and what a notice says and links to.

A rule names an event type of the catalogue (catalogue.py), conditions on its payload's fields, the notice kind
(ordning_shared.notice_kinds) and its recipients: holders of a role at the event's unit or at a level above it
(verksamhetsområde, förvaltning, the whole tenant), or a user id the payload names (an action's owner). Who holds a
role where is the service's copy of the processes service's role assignments (ordning_shared.roles); this module
only says where to look (recipient_lookups), service.py looks.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from ordning_shared.notice_kinds import NOTICE_KINDS
from ordning_shared.problems import Problem

from .catalogue import EVENT_FIELDS, EVENT_TYPES

# The roles held at an org unit (the processes service's unit roles): a recipient is one of their holders.
RECIPIENT_ROLES = ("enhetschef", "verksamhetschef", "forvaltningschef", "namnd", "mas", "mar",
                   "kvalitetsutvecklare")
# Where a role's holders are looked for, from the event's unit: the unit itself (or the nearest unit above it with
# a holder), its verksamhetsområde or förvaltning (the org tree's division and administration above it), or
# anywhere in the tenant.
LEVELS = ("unit", "verksamhetsomrade", "forvaltning", "tenant")
LEVEL_KINDS = {"verksamhetsomrade": "division", "forvaltning": "administration"}
# The payload fields that name a person (a user id, the identity provider's subject) a rule may send to.
PERSON_FIELDS = ("owner_id", "user_id")
CONDITION_VALUES_MAX = 20
CONDITIONS_MAX = 10
RECIPIENTS_MAX = 10
# Who may read and change a tenant's rules.
RULE_ADMIN_ROLES = ("administrator", "kvalitetsutvecklare")


# --------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------

class UnknownEventType(Problem):
    http_status, code = 422, "unknown_event_type"


class UnknownRole(Problem):
    http_status, code = 422, "unknown_role"


class InvalidRule(Problem):
    """A rule whose parts do not fit together: a condition or unit on a field its event type does not carry, an
    unknown notice kind, no recipient."""
    http_status, code = 422, "invalid_rule"


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    """The payload's `field` holds one of `values` (a condition with one value is an equality)."""

    field: str
    values: tuple

    def holds(self, data: Mapping) -> bool:
        return self.field in data and any(_same(data[self.field], value) for value in self.values)

    def to_dict(self) -> dict:
        return {"field": self.field, "in": list(self.values)}


def _same(actual, wanted) -> bool:
    # True == 1 in Python; a rule on a boolean field must not match a count of 1, nor the reverse.
    if isinstance(actual, bool) or isinstance(wanted, bool):
        return type(actual) is type(wanted) and actual == wanted
    return actual == wanted


@dataclass(frozen=True)
class Recipient:
    """Holders of `role` at `at` (a level from the event's unit), or the person the payload's `payload` field
    names; exactly one of role and payload."""

    role: str | None = None
    at: str = "unit"
    payload: str | None = None

    def to_dict(self) -> dict:
        return {"payload": self.payload} if self.payload else {"role": self.role, "at": self.at}


@dataclass
class Rule:
    id: str
    tenant: str
    event_type: str
    notice_kind: str
    recipients: tuple[Recipient, ...]
    conditions: tuple[Condition, ...] = ()
    unit_field: str = "unit_id"
    enabled: bool = True
    default_key: str | None = None  # which default rule it was seeded from; None for a rule a person made
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def matches(self, event_type: str, data: Mapping) -> bool:
        return self.enabled and event_type == self.event_type and all(c.holds(data) for c in self.conditions)

    def unit_of(self, data: Mapping) -> str | None:
        value = data.get(self.unit_field)
        return str(value) if value else None


def rule_from_fields(*, tenant: str, event_type: str, notice_kind: str, recipients: Iterable[Mapping],
                     conditions: Iterable[Mapping] = (), unit_field: str | None = None, enabled: bool = True,
                     rule_id: str | None = None, default_key: str | None = None, version: int = 1,
                     created_at: datetime | None = None, updated_at: datetime | None = None) -> Rule:
    """A rule from its parts as the API (schemas.py) or the defaults give them, checked whole: the first thing
    wrong is raised as a problem (422), so nothing of a bad rule is stored."""
    # A problem names where in the rule it is wrong (a JSON pointer), never the value: that may be anything.
    if event_type not in EVENT_TYPES:
        raise UnknownEventType("Händelsetypen finns inte i händelsekatalogen.",
                               "The event type is not in the event catalogue.", pointer="/event_type")
    fields = EVENT_FIELDS[event_type]
    if notice_kind not in NOTICE_KINDS:
        raise InvalidRule("Notistypen är okänd.", "The notice kind is unknown.", pointer="/notice_kind")
    unit_field = unit_field or ("unit_id" if "unit_id" in fields else _first_unit_field(fields))
    if unit_field is None or unit_field not in fields or not unit_field.endswith("unit_id"):
        raise InvalidRule("Händelsetypen har inget sådant enhetsfält.", "The event type has no such unit field.",
                          pointer="/unit_field")
    parsed_conditions = []
    for index, condition in enumerate(conditions):
        name = condition["field"]
        if name not in fields:
            raise InvalidRule("Ett villkor gäller ett fält som händelsetypen inte har.",
                              "A condition is on a field the event type does not carry.",
                              pointer=f"/conditions/{index}/field")
        parsed_conditions.append(Condition(name, tuple(condition["in"])))
    parsed_recipients = []
    for index, recipient in enumerate(recipients):
        if recipient.get("payload"):
            name = recipient["payload"]
            if name not in fields or name not in PERSON_FIELDS:
                raise InvalidRule("Mottagarfältet finns inte i händelsetypen eller anger ingen person.",
                                  "The recipient field is not in the event type or names no person.",
                                  pointer=f"/recipients/{index}/payload")
            parsed_recipients.append(Recipient(payload=name))
            continue
        role = recipient.get("role")
        if role not in RECIPIENT_ROLES:
            raise UnknownRole("Rollen är okänd; ange en roll som innehas vid en enhet.",
                              "The role is unknown; give a role held at an org unit.",
                              pointer=f"/recipients/{index}/role")
        parsed_recipients.append(Recipient(role=role, at=recipient.get("at") or "unit"))
    if not parsed_recipients:
        raise InvalidRule("Regeln måste ha minst en mottagare.", "The rule must have at least one recipient.",
                          pointer="/recipients")
    return Rule(id=rule_id or str(uuid.uuid4()), tenant=tenant, event_type=event_type, notice_kind=notice_kind,
                recipients=tuple(parsed_recipients), conditions=tuple(parsed_conditions), unit_field=unit_field,
                enabled=enabled, default_key=default_key, version=version, created_at=created_at,
                updated_at=updated_at)


def _first_unit_field(fields: frozenset) -> str | None:
    candidates = sorted(name for name in fields if name.endswith("unit_id"))
    return candidates[0] if candidates else None


def changed_rule(rule: Rule, **fields) -> Rule:
    """The rule with new parts (checked as a new one is), the next version."""
    merged = {"event_type": rule.event_type, "notice_kind": rule.notice_kind, "unit_field": rule.unit_field,
              "enabled": rule.enabled, "conditions": [c.to_dict() for c in rule.conditions],
              "recipients": [r.to_dict() for r in rule.recipients], **fields}
    checked = rule_from_fields(tenant=rule.tenant, rule_id=rule.id, default_key=rule.default_key,
                               created_at=rule.created_at, **merged)
    return replace(checked, version=rule.version + 1)


# --------------------------------------------------------------------------
# Default rules, seeded the first time a tenant needs its rules
# --------------------------------------------------------------------------

DEVIATION_REPORTED = "se.ordning.deviation.reported.v1"
RISK_ESCALATED = "se.ordning.risk.risk_escalated.v1"
ACTION_CREATED = "se.ordning.action.created.v1"
ACTION_ASSIGNED = "se.ordning.action.assigned.v1"

# key -> the rule's parts. Every reported case reaches the unit's enhetschef; a lex Sarah report also the
# verksamhetschef and förvaltningschef above it; a lex Maria case the MAS and MAR (held at the förvaltning,
# found as the nearest holders above the unit); an escalated risk the förvaltningschef of the level it was sent
# to; an improvement action its owner when it is created or given to someone else.
DEFAULT_RULES: dict[str, dict] = {
    "case_reported": {
        "event_type": DEVIATION_REPORTED, "notice_kind": "case_reported",
        "conditions": [{"field": "kind", "in": ["avvikelse", "klagomal", "synpunkt"]}],
        "recipients": [{"role": "enhetschef", "at": "unit"}]},
    "lex_sarah_reported": {
        "event_type": DEVIATION_REPORTED, "notice_kind": "lex_sarah_reported",
        "conditions": [{"field": "kind", "in": ["lex_sarah"]}],
        "recipients": [{"role": "enhetschef", "at": "unit"}, {"role": "verksamhetschef", "at": "verksamhetsomrade"},
                       {"role": "forvaltningschef", "at": "forvaltning"}]},
    "lex_maria_reported": {
        "event_type": DEVIATION_REPORTED, "notice_kind": "lex_maria_reported",
        "conditions": [{"field": "kind", "in": ["lex_maria"]}],
        "recipients": [{"role": "enhetschef", "at": "unit"}, {"role": "mas", "at": "unit"},
                       {"role": "mar", "at": "unit"}]},
    "risk_escalated": {
        "event_type": RISK_ESCALATED, "notice_kind": "risk_escalated", "unit_field": "to_unit_id",
        "recipients": [{"role": "forvaltningschef", "at": "forvaltning"}]},
    "action_created": {
        "event_type": ACTION_CREATED, "notice_kind": "action_assigned",
        "recipients": [{"payload": "owner_id"}]},
    "action_assigned": {
        "event_type": ACTION_ASSIGNED, "notice_kind": "action_assigned",
        "recipients": [{"payload": "owner_id"}]},
}


def default_rules(tenant: str, at: datetime) -> list[Rule]:
    """The tenant's starting rules."""
    return [rule_from_fields(tenant=tenant, default_key=key, created_at=at, updated_at=at, **parts)
            for key, parts in DEFAULT_RULES.items()]


# --------------------------------------------------------------------------
# Recipients
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class RoleLookup:
    """Look for holders of `role` from `start_unit` upwards (the nearest unit with a holder), or tenant-wide."""

    role: str
    start_unit: str | None
    tenant_wide: bool = False


def level_unit(chain: list[tuple[str, str]], at: str) -> str | None:
    """The unit a level names, from the event unit's chain [(unit_id, kind), ...] (the unit first, the root
    last): the unit itself, or the nearest division / administration above it. A chain without such a level (an
    enhet straight under its förvaltning has no verksamhetsområde) starts the search at the unit itself, so the
    nearest holder above it is found. None when the unit is not known at all."""
    if not chain:
        return None
    if at in LEVEL_KINDS:
        for unit_id, kind in chain:
            if kind == LEVEL_KINDS[at]:
                return unit_id
    return chain[0][0]


def recipient_lookups(rule: Rule, data: Mapping, chain: list[tuple[str, str]]) -> tuple[list[str], list[RoleLookup]]:
    """Whom a matched rule reaches: the user ids named in the payload, and where to look for role holders."""
    people: list[str] = []
    lookups: list[RoleLookup] = []
    unit = rule.unit_of(data)
    for recipient in rule.recipients:
        if recipient.payload:
            value = data.get(recipient.payload)
            if isinstance(value, str) and value.strip():
                people.append(value)
        elif recipient.at == "tenant":
            lookups.append(RoleLookup(recipient.role, None, tenant_wide=True))
        elif unit is not None:
            lookups.append(RoleLookup(recipient.role, level_unit(chain, recipient.at) or unit))
    return people, lookups


# --------------------------------------------------------------------------
# Notices
# --------------------------------------------------------------------------

@dataclass
class Notice:
    """One notice to one person: which kind, about what (a subject and its link), from which event. No names and
    no free text: the inbox shows the kind's label and the unit's name."""

    id: str
    tenant: str
    recipient: str
    kind: str
    unit_id: str | None
    subject_type: str
    subject_id: str
    link: str
    event_source: str
    event_id: str
    created_at: datetime
    read_at: datetime | None = None
    extra: dict = field(default_factory=dict)


# The aggregate of an event type -> (the subject's type, the payload field of its id).
SUBJECTS = {"deviation": ("deviation", "deviation_id"), "action": ("action", "action_id"),
            "risk": ("risk", "risk_id"), "document": ("document", "document_id"),
            "org_unit": ("org_unit", "unit_id"), "role": ("role_assignment", "assignment_id"),
            "process": ("process", "process_id"), "goal": ("goal", "goal_id")}


def subject_of(event_type: str, data: Mapping, subject: str | None) -> tuple[str, str]:
    """What the notice is about: (type, id), from the event type's aggregate and its payload."""
    aggregate = event_type.split(".")[2]
    kind, key = SUBJECTS.get(aggregate, (aggregate, ""))
    if aggregate == "risk" and not data.get("risk_id"):
        # an analysis's or a proposal's event
        kind, key = ("risk_proposal", "proposal_id") if data.get("proposal_id") else ("risk_analysis", "analysis_id")
    return kind, str(data.get(key) or subject or "")


def link_of(subject_type: str, subject_id: str, data: Mapping) -> str:
    """The path of the owning service's web page about the subject (the web serves it; notify only links)."""
    if subject_type == "deviation":
        return f"/arenden/{subject_id}"
    if subject_type == "action":
        origin, origin_id = data.get("origin_type"), data.get("origin_id")
        if origin == "deviation" and origin_id:
            return f"/arenden/{origin_id}"
        if origin == "risk" and origin_id:
            return f"/risker/{origin_id}"
        return "/mina-atgarder"
    if subject_type == "risk":
        return f"/risker/{subject_id}"
    if subject_type == "risk_analysis":
        return f"/riskanalyser/{subject_id}"
    if subject_type == "risk_proposal":
        return f"/riskforslag/{subject_id}"
    if subject_type == "document":
        return f"/styrdokument/{subject_id}"
    if subject_type == "process":
        return f"/processer/{subject_id}"
    if subject_type == "goal":
        return f"/kvalitetsmal/{subject_id}"
    if subject_type == "org_unit":
        return f"/organisation/{subject_id}"
    return "/"


__all__ = ["RECIPIENT_ROLES", "LEVELS", "RULE_ADMIN_ROLES", "UnknownEventType", "UnknownRole", "InvalidRule",
           "Condition", "Recipient", "Rule", "rule_from_fields", "changed_rule", "DEFAULT_RULES", "default_rules",
           "RoleLookup", "level_unit", "recipient_lookups", "Notice", "subject_of", "link_of"]
