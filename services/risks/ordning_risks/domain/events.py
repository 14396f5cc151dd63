"""The risks service's event types and their payload allow-lists: ids, codes, scores and dates only; never a
description, a cause, a participant, a reason or a person (EVENT_PAYLOAD_FIELDS is checked when an event is
recorded)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from ordning_shared.events import DomainEvent

EVENT_PREFIX = "se.ordning.risk."
ANALYSIS_STARTED = EVENT_PREFIX + "analysis_started.v1"
ANALYSIS_COMPLETED = EVENT_PREFIX + "analysis_completed.v1"
ANALYSIS_REOPENED = EVENT_PREFIX + "analysis_reopened.v1"
ANALYSIS_FOLLOWED_UP = EVENT_PREFIX + "analysis_followed_up.v1"
RISK_IDENTIFIED = EVENT_PREFIX + "risk_identified.v1"
RISK_SCORED = EVENT_PREFIX + "risk_scored.v1"
RISK_ESCALATED = EVENT_PREFIX + "risk_escalated.v1"
ESCALATION_ACCEPTED = EVENT_PREFIX + "escalation_accepted.v1"
ESCALATION_RETURNED = EVENT_PREFIX + "escalation_returned.v1"
PROPOSAL_CREATED = EVENT_PREFIX + "proposal_created.v1"
PROPOSAL_ACCEPTED = EVENT_PREFIX + "proposal_accepted.v1"
PROPOSAL_DISMISSED = EVENT_PREFIX + "proposal_dismissed.v1"
PROPOSAL_WITHDRAWN = EVENT_PREFIX + "proposal_withdrawn.v1"
PROPOSAL_REOPENED = EVENT_PREFIX + "proposal_reopened.v1"
MATRIX_CHANGED = EVENT_PREFIX + "matrix_changed.v1"

_ANALYSIS = {"analysis_id", "unit_id", "scope_type", "scope_id", "trigger", "trigger_change", "matrix_version",
             "analysis_date", "status", "version"}
_RISK = {"risk_id", "analysis_id", "unit_id", "matrix_version", "version"}
_ESCALATION = _RISK | {"escalation_id", "from_unit_id", "to_unit_id"}
# A proposal names its source case by id and kind, never by anything the case says.
_PROPOSAL = {"proposal_id", "reason", "deviation_id", "deviation_kind", "source_unit_id", "unit_id", "version"}
# A version of the tenant's matrix, whole: its steps (value and label), levels (code, label, colour; lowest
# first), every cell's level and the plan threshold. The labels are the tenant's words for its classes, as an org
# unit's name (docs/decisions.md); the steps' descriptions, prose, stay in the risks API.
_MATRIX = {"matrix_id", "probability_steps", "consequence_steps", "levels", "cells", "plan_threshold",
           "changed_at", "version"}

EVENT_PAYLOAD_FIELDS: dict[str, set[str]] = {
    ANALYSIS_STARTED: _ANALYSIS | {"started_at"},
    ANALYSIS_COMPLETED: _ANALYSIS | {"completed_at", "risk_count"},
    ANALYSIS_REOPENED: _ANALYSIS | {"reopened_at"},
    ANALYSIS_FOLLOWED_UP: _ANALYSIS | {"followed_up_at"},
    RISK_IDENTIFIED: _RISK | {"identified_at"},
    RISK_SCORED: _RISK | {"scoring_id", "kind", "probability", "consequence", "score", "level", "in_plan",
                          "scored_at"},
    RISK_ESCALATED: _ESCALATION | {"escalated_at"},
    ESCALATION_ACCEPTED: _ESCALATION | {"decided_at"},
    ESCALATION_RETURNED: _ESCALATION | {"decided_at"},
    PROPOSAL_CREATED: _PROPOSAL | {"created_at"},
    PROPOSAL_ACCEPTED: _PROPOSAL | {"analysis_id", "risk_id", "decided_at"},
    PROPOSAL_DISMISSED: _PROPOSAL | {"decided_at"},
    PROPOSAL_WITHDRAWN: _PROPOSAL | {"withdrawn_at"},
    PROPOSAL_REOPENED: _PROPOSAL | {"reopened_at"},
    MATRIX_CHANGED: _MATRIX,
}


def iso(value: date | datetime | None) -> str | None:
    """A date as itself, a moment in UTC: events on the bus carry UTC."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.isoformat() if value is not None else None


def make_event(event_type: str, tenant: str, subject: str, version: int, payload: dict) -> DomainEvent:
    unknown = set(payload) - EVENT_PAYLOAD_FIELDS[event_type]
    if unknown:  # a programming error: the payload allow-list is the contract
        raise ValueError(f"{event_type} payload has fields outside its allow-list: {sorted(unknown)}")
    return DomainEvent(type=event_type, tenant=tenant, subject=subject, data={**payload, "version": version},
                       sequence=version)


# A tenant has one matrix, with versions; its id (the events' subject) is made from the tenant, so it needs no row.
MATRIX_NAMESPACE = uuid.UUID("5d0f7a47-3c3e-4c1c-9a53-3e0b7f1d2a61")


def matrix_id(tenant: str) -> str:
    return str(uuid.uuid5(MATRIX_NAMESPACE, f"risk-matrix:{tenant}"))


def matrix_changed(tenant: str, version: int, matrix, at: datetime) -> DomainEvent:
    """se.ordning.risk.matrix_changed.v1: a version of the tenant's matrix was written (the default as version 1,
    or an edit as the next), so that a subscriber keeps every version and draws a risk on the grid it was scored
    on. `matrix` is a RiskMatrix; its steps' descriptions are left out."""
    definition = matrix.to_dict()
    return make_event(MATRIX_CHANGED, tenant, matrix_id(tenant), version, {
        "matrix_id": matrix_id(tenant),
        "probability_steps": [{"value": s["value"], "label": s["label"]} for s in definition["probability_steps"]],
        "consequence_steps": [{"value": s["value"], "label": s["label"]} for s in definition["consequence_steps"]],
        "levels": definition["levels"], "cells": definition["cells"],
        "plan_threshold": definition["plan_threshold"], "changed_at": iso(at)})
