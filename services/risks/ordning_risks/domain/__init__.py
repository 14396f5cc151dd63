"""The risks domain: the tenant's risk matrix, risk analyses, their risks, scorings and escalations.

Plain Python (no Flask, no session, no marshmallow), split by aggregate as cosmicpython splits its model:
matrix.py (RiskMatrix and its default), analysis.py (RiskAnalysis, Risk, the state machine and permissions),
events.py (event types and payload allow-lists), errors.py (each error with its status and code).
"""
from . import events, matrix
from .analysis import (ANALYSTS, CAUSES_MAX, MATRIX_EDITORS, OPEN_STATUSES, ORG_SCOPE_KINDS, PARTICIPANTS_MAX,
                       PERMISSIONS, STAFF_ROLES, STATUS_LABELS_SV, TRANSITIONS, AnalysisStatus, BlockedCommand,
                       ChangeKind, Command, Escalation, EscalationStatus, OpenActionsRemain, Risk, RiskAnalysis,
                       RisksUnscored, ScopeType, Scoring, ScoringKind, Trigger, allowed_commands, check_trigger, may,
                       next_status)
from .errors import (AnalysisClosed, DomainError, EscalationNotPending, EscalationPending, IllegalTransition,
                     InitialScoringRequired, InvalidAnalysis, InvalidEscalation, InvalidMatrix, RuleViolation,
                     ScoreOutsideMatrix)
from .events import EVENT_PAYLOAD_FIELDS
from .matrix import (DEFAULT_LEVELS, DEFAULT_MATRIX, DEFAULT_PLAN_THRESHOLD, LEVELS_MAX, LEVELS_MIN, STEPS_MAX,
                     STEPS_MIN, Level, RiskMatrix, Scored, Step)

__all__ = [
    "events", "matrix",
    "ANALYSTS", "CAUSES_MAX", "MATRIX_EDITORS", "OPEN_STATUSES", "ORG_SCOPE_KINDS", "PARTICIPANTS_MAX", "PERMISSIONS",
    "STAFF_ROLES", "STATUS_LABELS_SV", "TRANSITIONS", "AnalysisStatus", "BlockedCommand", "ChangeKind", "Command",
    "Escalation", "EscalationStatus", "OpenActionsRemain", "Risk", "RiskAnalysis", "RisksUnscored", "ScopeType",
    "Scoring", "ScoringKind", "Trigger", "allowed_commands", "check_trigger", "may", "next_status",
    "AnalysisClosed", "DomainError", "EscalationNotPending", "EscalationPending", "IllegalTransition",
    "InitialScoringRequired", "InvalidAnalysis", "InvalidEscalation", "InvalidMatrix", "RuleViolation",
    "ScoreOutsideMatrix", "EVENT_PAYLOAD_FIELDS",
    "DEFAULT_LEVELS", "DEFAULT_MATRIX", "DEFAULT_PLAN_THRESHOLD", "LEVELS_MAX", "LEVELS_MIN", "STEPS_MAX", "STEPS_MIN",
    "Level", "RiskMatrix", "Scored", "Step",
]
