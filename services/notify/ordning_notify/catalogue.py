"""The event catalogue (docs/asyncapi.yaml) as notify needs it at run time: every event type and the fields of its
payload. A rule names an event type from here and conditions on fields from here; the worker's queue is bound to
every type. Kept equal to the document by tests/unit/test_catalogue.py: a new event type in the catalogue is one
more line here.
"""
from __future__ import annotations

EVENT_FIELDS: dict[str, frozenset[str]] = {
    "se.ordning.deviation.reported.v1": frozenset({
        "anonymous", "answer_due", "category_id", "deviation_id", "event_type", "investigation_due",
        "involved_unit_id", "ivo_due", "kind", "occurred_at", "origin", "place_id", "process_step_id",
        "receipt_due", "reported_at", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.received.v1": frozenset({
        "category_id", "deviation_id", "kind", "received_at", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.investigation_started.v1": frozenset({
        "category_id", "deviation_id", "kind", "started_at", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.investigation_completed.v1": frozenset({
        "category_id", "completed_at", "deviation_id", "kind", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.seriousness_decided.v1": frozenset({
        "category_id", "decided_at", "deviation_id", "ivo_due", "kind", "outcome", "revised", "serious", "status",
        "unit_id", "version"
    }),
    "se.ordning.deviation.ivo_reported.v1": frozenset({
        "category_id", "deviation_id", "ivo_reported_on", "kind", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.ivo_supplement_requested.v1": frozenset({
        "category_id", "deviation_id", "kind", "requested_on", "status", "supplement_due", "supplement_id",
        "unit_id", "version"
    }),
    "se.ordning.deviation.ivo_supplement_answered.v1": frozenset({
        "answered_on", "category_id", "deviation_id", "kind", "status", "supplement_id", "unit_id", "version"
    }),
    "se.ordning.deviation.ivo_decision_recorded.v1": frozenset({
        "category_id", "decided_on", "deviation_id", "kind", "outcome", "revised", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.event_analysis_completed.v1": frozenset({
        "category_id", "completed_on", "deviation_id", "kind", "linked_action_count", "method",
        "root_cause_categories", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.provider_ivo_reported.v1": frozenset({
        "category_id", "deviation_id", "kind", "provider_reported_on", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.provider_followed_up.v1": frozenset({
        "category_id", "deviation_id", "followed_up_on", "kind", "outcome", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.closed.v1": frozenset({
        "category_id", "closed_at", "closed_from", "deviation_id", "kind", "serious", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.rejected.v1": frozenset({
        "category_id", "deviation_id", "kind", "master_id", "reason", "rejected_at", "rejected_from", "status",
        "unit_id", "version"
    }),
    "se.ordning.deviation.reopened.v1": frozenset({
        "category_id", "deviation_id", "kind", "reopened_at", "reopened_from", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.unit_changed.v1": frozenset({
        "category_id", "deviation_id", "kind", "previous_unit_id", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.investigator_assigned.v1": frozenset({
        "category_id", "deviation_id", "investigator_id", "kind", "previous_investigator_id", "status", "unit_id",
        "version"
    }),
    "se.ordning.deviation.involved_unit_changed.v1": frozenset({
        "category_id", "deviation_id", "involved_unit_id", "kind", "previous_involved_unit_id", "status", "unit_id",
        "version"
    }),
    "se.ordning.deviation.category_changed.v1": frozenset({
        "category_id", "deviation_id", "kind", "previous_category_id", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.process_step_changed.v1": frozenset({
        "category_id", "deviation_id", "kind", "previous_process_step_id", "process_step_id", "status", "unit_id",
        "version"
    }),
    "se.ordning.deviation.reclassified.v1": frozenset({
        "category_id", "deviation_id", "informing_cleared", "investigation_due", "ivo_due", "kind",
        "previous_category_id", "previous_kind", "reason", "receipt_due", "reclassified_at", "seriousness_cleared",
        "status", "unit_id", "version"
    }),
    "se.ordning.deviation.informing_recorded.v1": frozenset({
        "category_id", "deviation_id", "informed", "informed_on", "kind", "method", "not_informed_reason",
        "recipient", "recorded_at", "revised", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.complainant_recorded.v1": frozenset({
        "category_id", "channel", "deviation_id", "kind", "recorded_at", "relation", "revised", "status", "unit_id",
        "version"
    }),
    "se.ordning.deviation.complaint_answered.v1": frozenset({
        "answer_due", "answered_in_time", "answered_on", "category_id", "channel", "deviation_id", "kind",
        "revised", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.reporter_feedback_written.v1": frozenset({
        "category_id", "deviation_id", "kind", "revised", "status", "unit_id", "version", "written_at"
    }),
    "se.ordning.deviation.event_type_changed.v1": frozenset({
        "category_id", "deviation_id", "event_type", "kind", "previous_event_type", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.consequence_scored.v1": frozenset({
        "category_id", "consequence_score", "deviation_id", "kind", "matrix_version", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.place_changed.v1": frozenset({
        "category_id", "deviation_id", "kind", "place_id", "previous_place_id", "status", "unit_id", "version"
    }),
    "se.ordning.deviation.pseudonymised.v1": frozenset({
        "category_id", "closed_at", "deviation_id", "kind", "origin", "pseudonymised_at", "reported_at", "status",
        "unit_id", "version"
    }),
    "se.ordning.deviation.flagged_possible_elsewhere.v1": frozenset({
        "deviation_id", "flagged_at", "kind", "unit_id", "version"
    }),
    "se.ordning.deviation.cleared_possible_elsewhere.v1": frozenset({
        "cleared_at", "deviation_id", "kind", "unit_id", "version"
    }),
    "se.ordning.org_unit.created.v1": frozenset({
        "closed_at", "external_provider", "kind", "name", "parent_id", "revision", "unit_id"
    }),
    "se.ordning.org_unit.renamed.v1": frozenset({
        "closed_at", "external_provider", "kind", "name", "parent_id", "renamed_at", "revision", "unit_id"
    }),
    "se.ordning.org_unit.moved.v1": frozenset({
        "closed_at", "external_provider", "kind", "name", "parent_id", "previous_parent_id", "revision", "unit_id"
    }),
    "se.ordning.org_unit.closed.v1": frozenset({
        "closed_at", "external_provider", "kind", "name", "parent_id", "revision", "unit_id"
    }),
    "se.ordning.org_unit.external_provider_changed.v1": frozenset({
        "closed_at", "external_provider", "kind", "name", "parent_id", "revision", "unit_id"
    }),
    "se.ordning.action.created.v1": frozenset({
        "action_id", "completed_at", "due_date", "effect_followed_up", "origin_id", "origin_type", "owner_id",
        "status", "unit_id", "version"
    }),
    "se.ordning.action.updated.v1": frozenset({
        "action_id", "completed_at", "due_date", "effect_followed_up", "origin_id", "origin_type", "owner_id",
        "status", "unit_id", "version"
    }),
    "se.ordning.action.assigned.v1": frozenset({
        "action_id", "completed_at", "due_date", "effect_followed_up", "origin_id", "origin_type", "owner_id",
        "status", "unit_id", "version"
    }),
    "se.ordning.action.rescheduled.v1": frozenset({
        "action_id", "completed_at", "due_date", "effect_followed_up", "origin_id", "origin_type", "owner_id",
        "status", "unit_id", "version"
    }),
    "se.ordning.action.started.v1": frozenset({
        "action_id", "completed_at", "due_date", "effect_followed_up", "origin_id", "origin_type", "owner_id",
        "status", "unit_id", "version"
    }),
    "se.ordning.action.completed.v1": frozenset({
        "action_id", "completed_at", "due_date", "effect_followed_up", "origin_id", "origin_type", "owner_id",
        "status", "unit_id", "version"
    }),
    "se.ordning.action.cancelled.v1": frozenset({
        "action_id", "completed_at", "due_date", "effect_followed_up", "origin_id", "origin_type", "owner_id",
        "status", "unit_id", "version"
    }),
    "se.ordning.action.reopened.v1": frozenset({
        "action_id", "completed_at", "due_date", "effect_followed_up", "origin_id", "origin_type", "owner_id",
        "status", "unit_id", "version"
    }),
    "se.ordning.risk.analysis_started.v1": frozenset({
        "analysis_date", "analysis_id", "matrix_version", "scope_id", "scope_type", "started_at", "status",
        "trigger", "trigger_change", "unit_id", "version"
    }),
    "se.ordning.risk.analysis_completed.v1": frozenset({
        "analysis_date", "analysis_id", "completed_at", "matrix_version", "risk_count", "scope_id", "scope_type",
        "status", "trigger", "trigger_change", "unit_id", "version"
    }),
    "se.ordning.risk.analysis_reopened.v1": frozenset({
        "analysis_date", "analysis_id", "matrix_version", "reopened_at", "scope_id", "scope_type", "status",
        "trigger", "trigger_change", "unit_id", "version"
    }),
    "se.ordning.risk.analysis_followed_up.v1": frozenset({
        "analysis_date", "analysis_id", "followed_up_at", "matrix_version", "scope_id", "scope_type", "status",
        "trigger", "trigger_change", "unit_id", "version"
    }),
    "se.ordning.risk.risk_identified.v1": frozenset({
        "analysis_id", "identified_at", "matrix_version", "risk_id", "unit_id", "version"
    }),
    "se.ordning.risk.risk_scored.v1": frozenset({
        "analysis_id", "consequence", "in_plan", "kind", "level", "matrix_version", "probability", "risk_id",
        "score", "scored_at", "scoring_id", "unit_id", "version"
    }),
    "se.ordning.risk.risk_escalated.v1": frozenset({
        "analysis_id", "escalated_at", "escalation_id", "from_unit_id", "matrix_version", "risk_id", "to_unit_id",
        "unit_id", "version"
    }),
    "se.ordning.risk.escalation_accepted.v1": frozenset({
        "analysis_id", "decided_at", "escalation_id", "from_unit_id", "matrix_version", "risk_id", "to_unit_id",
        "unit_id", "version"
    }),
    "se.ordning.risk.escalation_returned.v1": frozenset({
        "analysis_id", "decided_at", "escalation_id", "from_unit_id", "matrix_version", "risk_id", "to_unit_id",
        "unit_id", "version"
    }),
    "se.ordning.risk.proposal_created.v1": frozenset({
        "created_at", "deviation_id", "deviation_kind", "proposal_id", "reason", "source_unit_id", "unit_id",
        "version"
    }),
    "se.ordning.risk.proposal_accepted.v1": frozenset({
        "analysis_id", "decided_at", "deviation_id", "deviation_kind", "proposal_id", "reason", "risk_id",
        "source_unit_id", "unit_id", "version"
    }),
    "se.ordning.risk.proposal_dismissed.v1": frozenset({
        "decided_at", "deviation_id", "deviation_kind", "proposal_id", "reason", "source_unit_id", "unit_id",
        "version"
    }),
    "se.ordning.risk.proposal_withdrawn.v1": frozenset({
        "deviation_id", "deviation_kind", "proposal_id", "reason", "source_unit_id", "unit_id", "version",
        "withdrawn_at"
    }),
    "se.ordning.risk.proposal_reopened.v1": frozenset({
        "deviation_id", "deviation_kind", "proposal_id", "reason", "reopened_at", "source_unit_id", "unit_id",
        "version"
    }),
    "se.ordning.risk.matrix_changed.v1": frozenset({
        "cells", "changed_at", "consequence_steps", "levels", "matrix_id", "plan_threshold", "probability_steps",
        "version"
    }),
    "se.ordning.document.version_established.v1": frozenset({
        "document_id", "established_on", "kind", "owner_unit_id", "review_date", "revision", "step_ids",
        "superseded_version", "unit_ids", "version"
    }),
    "se.ordning.document.version_superseded.v1": frozenset({
        "document_id", "kind", "owner_unit_id", "revision", "superseded_by_version", "superseded_on", "version"
    }),
    "se.ordning.document.review_due.v1": frozenset({
        "document_id", "kind", "owner_unit_id", "review_date", "revision", "version"
    }),
    "se.ordning.role.assigned.v1": frozenset({
        "assignment_id", "process_id", "role", "unit_id", "user_id", "valid_from", "valid_to", "version"
    }),
    "se.ordning.role.ended.v1": frozenset({
        "assignment_id", "ended_at", "process_id", "role", "unit_id", "user_id", "valid_from", "valid_to", "version"
    }),
    "se.ordning.process.established.v1": frozenset({
        "established_on", "kind", "parent_id", "process_id", "step_ids", "unit_id", "version"
    }),
    "se.ordning.process.revised.v1": frozenset({
        "established_on", "kind", "parent_id", "previous_version", "process_id", "step_ids", "unit_id", "version"
    }),
    "se.ordning.goal.measurement_recorded.v1": frozenset({
        "attainment", "goal_id", "indicator_id", "measurement_id", "period", "period_start", "unit_id", "value",
        "version"
    }),
    "se.ordning.report.finished.v1": frozenset({
        "finished_at", "kind", "report_id", "scope_type", "unit_id", "version", "year"
    }),
    "se.ordning.working_calendar.changed.v1": frozenset({
        "calendar_id", "changed_at", "extra_days_off", "non_working_eves", "version"
    }),
}
EVENT_TYPES: frozenset[str] = frozenset(EVENT_FIELDS)

__all__ = ["EVENT_FIELDS", "EVENT_TYPES"]
