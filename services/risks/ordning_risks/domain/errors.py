"""The risks domain's errors: each declares its HTTP status and code; raised with a Swedish sentence, then the
English one (the platform renders them as problem+json)."""
from __future__ import annotations

from ordning_shared.problems import Problem


class DomainError(Problem):
    http_status, code = 409, "domain_error"

    def __init__(self, sv: str, en: str, **extra):
        super().__init__(sv, en, **extra)


class IllegalTransition(DomainError):
    code = "illegal_transition"


class RuleViolation(DomainError):
    code = "rule_violation"


class InvalidMatrix(DomainError):
    """A risk matrix with a gap, an overlap, an unknown level, a step count outside 3-5 or a bad colour;
    `errors` names where and what, as a schema's errors do ({"json": {path: [code, ...]}}), never the values."""
    http_status, code = 422, "invalid_risk_matrix"

    def __init__(self, sv: str, en: str, errors: list[tuple[str, str]] = ()):
        by_path: dict[str, list[str]] = {}
        for path, what in errors:
            by_path.setdefault(path, []).append(what)
        super().__init__(sv, en, errors={"json": by_path})
        self.errors = list(errors)


class ScoreOutsideMatrix(DomainError):
    http_status, code = 422, "score_outside_matrix"


class InvalidAnalysis(DomainError):
    http_status, code = 422, "invalid_risk_analysis"


class AnalysisClosed(RuleViolation):
    """The analysis is completed or followed up: its risks and scores are what was decided."""
    code = "analysis_closed"


class InitialScoringRequired(RuleViolation):
    code = "initial_scoring_required"


class InvalidEscalation(DomainError):
    http_status, code = 422, "invalid_escalation"


class EscalationPending(RuleViolation):
    code = "escalation_pending"


class EscalationNotPending(RuleViolation):
    code = "escalation_not_pending"


__all__ = ["DomainError", "IllegalTransition", "RuleViolation", "InvalidMatrix", "ScoreOutsideMatrix",
           "InvalidAnalysis", "AnalysisClosed", "InitialScoringRequired", "InvalidEscalation", "EscalationPending",
           "EscalationNotPending"]
