"""Tables of the deviations service and the queries it needs (every query is scoped by tenant)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from ordning_shared import pagination
from ordning_shared.actions import AUDIT_VALUE_FIELDS as ACTION_AUDIT_VALUE_FIELDS
from ordning_shared.actions import action_table
from ordning_shared.db import Id, PlatformTables, UTCDateTime, insert_if_absent, new_metadata
from ordning_shared.orgtree import subtree_ids, subtree_select, unit_external_provider_of, unit_name_of

from . import domain as d

# The fields whose values the audit trail may hold, per entity type: ids, classifications, statuses,
# dates, versions. Descriptions, the investigation, the reporter, who decided and the IVO reference are
# recorded by name only: the audit says who changed what and when, the case itself holds the text.
AUDIT_VALUE_FIELDS = {
    "deviation": frozenset({
        "id", "tenant", "kind", "status", "origin", "unit_id", "category_id", "reported_at", "occurred_at",
        "received_at", "receipt_due", "investigation_due", "ivo_due", "investigation_started_at",
        "investigation_completed_at", "seriousness_serious", "seriousness_decided_at", "ivo_reported_on",
        "closed_at", "pseudonymised_at", "possible_elsewhere_flagged_at", "process_step_id", "version",
        "event_type", "consequence_score", "consequence_matrix_version", "place_id",
        "ivo_decision_on", "ivo_decision_outcome", "provider_ivo_reported_on", "provider_followup_on",
        "provider_followup_outcome",
        "complainant_relation", "complaint_channel", "answer_due", "answered_on", "answer_channel",
        "reporter_feedback_at",
        "seriousness_outcome", "informing_recorded_at", "informing_informed_on", "informing_method",
        "informing_recipient", "informing_not_reason", "reclassified_from", "reclassified_reason", "reclassified_at",
        "involved_staff_count"}),  # how many staff are named as involved, never who
    "improvement_action": ACTION_AUDIT_VALUE_FIELDS,
    "category": frozenset({"id", "kinds", "active", "version"}),
    "deadline_policy": frozenset({"receipt_days", "investigation_days", "ivo_report_days", "answer_days"}),
    "retention_policy": frozenset({"years"}),
    "working_calendar": frozenset({"non_working_eves", "extra_days_off", "version"}),
    # A händelsetyp's and a place's label are the tenant's words: recorded by name only, as a category's.
    "event_type": frozenset({"code", "retired", "version"}),
    "place": frozenset({"id", "unit_id", "retired", "version"}),
    "case_settings": frozenset({"answer_promised", "answer_promise_days", "hide_reporter_names", "version"}),
    "lex_policy": frozenset({"decider_roles", "decider_level", "delegation_reference", "informing_required",
                             "version"}),
}
# The involved unit and a duplicate's master are ids; the investigator is a person, recorded by name only.
AUDIT_VALUE_FIELDS["deviation"] = AUDIT_VALUE_FIELDS["deviation"] | {"involved_unit_id", "duplicate_of_id"}

metadata = new_metadata()
tables = PlatformTables(metadata, org_replica=True, role_replica=True, process_replica=True,
                        audit_value_fields=AUDIT_VALUE_FIELDS)

# Not ended (domain.END_STATUSES): the predicate of migration 0009's partial indexes. A query uses them only
# if it says the same with the values in its text (overdue_clause), not as bound parameters, which a cached
# generic plan cannot prove to imply the predicate.
_END_STATUS_VALUES = sorted(status.value for status in d.END_STATUSES)
_UNENDED = sa.text(f"status NOT IN ({', '.join(repr(value) for value in _END_STATUS_VALUES)})")

deviations = sa.Table(
    "deviations", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    sa.Column("reference", sa.String(20), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("origin", sa.String(10), nullable=False),
    Id(name="unit_id", nullable=False),
    Id(name="category_id"),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("immediate_action", sa.Text),
    sa.Column("reported_at", UTCDateTime, nullable=False),
    sa.Column("reported_by", sa.String(200)),
    # The reporter's display name (the token's name claim) when they reported: personal data, kept here only,
    # never in events, the audit trail or logs; gallring empties it with the reporter.
    sa.Column("reporter_name", sa.String(200)),
    sa.Column("occurred_at", UTCDateTime),
    sa.Column("received_at", UTCDateTime),
    sa.Column("receipt_due", sa.Date),
    sa.Column("investigation_due", sa.Date),
    sa.Column("ivo_due", sa.Date),
    sa.Column("investigation_what_happened", sa.Text),
    sa.Column("investigation_why", sa.Text),
    sa.Column("investigation_what_must_change", sa.Text),
    sa.Column("investigation_started_at", UTCDateTime),
    sa.Column("investigation_completed_at", UTCDateTime),
    sa.Column("seriousness_serious", sa.Boolean),
    sa.Column("seriousness_decided_by", sa.String(200)),
    sa.Column("seriousness_decided_at", UTCDateTime),
    sa.Column("ivo_reported_on", sa.Date),
    sa.Column("ivo_reference", sa.String(100)),
    sa.Column("ivo_recorded_by", sa.String(200)),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("rejected_at", UTCDateTime),
    sa.Column("rejected_reason", sa.String(20)),
    sa.Column("rejected_duplicate_of", sa.String(20)),  # the reference of the duplicated case
    sa.Column("rejected_note", sa.Text),
    # A citizen's contact details: kept only here, never in events.
    sa.Column("contact_name", sa.String(200)),
    sa.Column("contact_email", sa.String(320)),
    sa.Column("contact_phone", sa.String(40)),
    sa.Column("pseudonymised_at", UTCDateTime),  # gallring done: text and people replaced, the case final
    sa.Column("possible_elsewhere_flagged_at", UTCDateTime),  # set: "kan inträffa på andra enheter"
    Id(name="process_step_id"),  # a step of an established process (the process-map copy); stable across versions
    sa.Column("event_type", sa.String(40)),  # a code of the tenant's händelsetyper (event_types, or a default)
    sa.Column("consequence_score", sa.Integer),  # a step of the consequence scale of the tenant's risk matrix
    sa.Column("consequence_matrix_version", sa.Integer),  # the matrix version the score is a step of
    Id(name="place_id"),  # a place of the case's unit (places)
    # Issue 14 (migration 0013): a klagomål's complainant as codes (their contact details: complainant_contacts),
    # its answer's deadline and the answer; the feedback sentence for a staff reporter; the answer date promised
    # on a citizen's receipt by the tenant's case settings (NULL: no answer date promised).
    sa.Column("complainant_relation", sa.String(40)),
    sa.Column("complaint_channel", sa.String(40)),
    sa.Column("answer_due", sa.Date),
    sa.Column("answered_on", sa.Date),
    sa.Column("answer_channel", sa.String(40)),
    sa.Column("answered_by", sa.String(200)),
    sa.Column("reporter_feedback", sa.Text),
    sa.Column("reporter_feedback_at", UTCDateTime),
    sa.Column("answer_promised_by", sa.Date),
    # Issue 14 (migration 0011): the decision's outcome, motivering and delegation; the informing of the person
    # concerned (their view and the note are personal data: in the case only); the last reclassification.
    sa.Column("seriousness_outcome", sa.String(40)),
    sa.Column("seriousness_motivering", sa.Text),
    sa.Column("seriousness_delegation_reference", sa.String(200)),
    sa.Column("informing_recorded_by", sa.String(200)),
    sa.Column("informing_recorded_at", UTCDateTime),
    sa.Column("informing_informed_on", sa.Date),
    sa.Column("informing_method", sa.String(40)),
    sa.Column("informing_recipient", sa.String(40)),
    sa.Column("informing_informed_by", sa.String(200)),
    sa.Column("informing_view", sa.Text),
    sa.Column("informing_not_reason", sa.String(40)),
    sa.Column("informing_note", sa.Text),
    sa.Column("reclassified_from", sa.String(20)),
    sa.Column("reclassified_reason", sa.String(40)),
    sa.Column("reclassified_at", UTCDateTime),
    sa.Column("reclassified_by", sa.String(200)),
    sa.Column("reclassified_note", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    # The IVO steps (migration 0012): kompletteringar [{id, requested_on, request, due_on, answered_on}], IVO's
    # decision, the händelseanalys {method, participants [{role, name}], root_causes [...], completed_on}, and
    # an external provider's own report to IVO with the municipality's follow-up.
    sa.Column("ivo_supplements", sa.JSON),
    sa.Column("ivo_decision_on", sa.Date),
    sa.Column("ivo_decision_outcome", sa.String(40)),
    sa.Column("ivo_decision_reference", sa.String(100)),
    sa.Column("event_analysis", sa.JSON),
    sa.Column("provider_ivo_reported_on", sa.Date),
    sa.Column("provider_ivo_reference", sa.String(100)),
    sa.Column("provider_followup_on", sa.Date),
    sa.Column("provider_followup_by", sa.String(200)),
    sa.Column("provider_followup_assessment", sa.Text),
    sa.Column("provider_followup_outcome", sa.String(40)),
    # The daily work (migration 0014): the assigned investigator (a user id), the involved unit besides the case's
    # own, and the master of a case ended as its duplicate.
    sa.Column("investigator_id", sa.String(200)),
    Id(name="involved_unit_id"),
    Id(name="duplicate_of_id"),
    sa.UniqueConstraint("tenant", "reference", name="uq_deviations_tenant_reference"),
    sa.Index("ix_deviations_tenant_unit", "tenant", "unit_id"),
    # Inkorgen's lists (migration 0009): new cases by receipt due, open ones by investigation due, read in
    # that order from the index; (tenant, status) lookups use either one's prefix.
    sa.Index("ix_deviations_tenant_status_receipt_due", "tenant", "status", "receipt_due"),
    sa.Index("ix_deviations_tenant_status_investigation_due", "tenant", "status", "investigation_due"),
    # Overdue (overdue_clause): one index per deadline, of the cases not yet ended only (few, once most are
    # closed), which PostgreSQL ORs together instead of reading every case of the tenant.
    *(sa.Index(f"ix_deviations_unended_{due}", "tenant", due, postgresql_where=_UNENDED, sqlite_where=_UNENDED)
      for due in ("receipt_due", "investigation_due", "ivo_due")),
    sa.Index("ix_deviations_tenant_reported_at", "tenant", "reported_at"),
    sa.Index("ix_deviations_status_closed_at", "status", "closed_at"),  # the retention job's search
    sa.Index("ix_deviations_tenant_investigator", "tenant", "investigator_id"),
    sa.Index("ix_deviations_tenant_involved_unit", "tenant", "involved_unit_id"),
    sa.Index("ix_deviations_tenant_duplicate_of", "tenant", "duplicate_of_id"),
)

case_counters = sa.Table(
    "case_counters", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("value", sa.Integer, nullable=False),
)

categories = sa.Table(
    "categories", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kinds", sa.JSON, nullable=False),  # [] = every kind
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.UniqueConstraint("tenant", "name", name="uq_categories_tenant_name"),
)

deadline_policies = sa.Table(
    "deadline_policies", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("receipt_days", sa.Integer, nullable=False),
    sa.Column("investigation_days", sa.Integer, nullable=False),
    sa.Column("ivo_report_days", sa.Integer),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("answer_days", sa.Integer),  # klagomål only; NULL: the default (issue 14)
)

retention_policies = sa.Table(
    "retention_policies", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("years", sa.Integer, nullable=False),  # after the case's last closing
    sa.Column("version", sa.Integer, nullable=False),
)

working_calendars = sa.Table(
    "working_calendars", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("non_working_eves", sa.JSON, nullable=False),  # names from domain.EVES
    sa.Column("extra_days_off", sa.JSON, nullable=False),  # ISO dates
    sa.Column("version", sa.Integer, nullable=False),
)

actions = action_table(metadata)

# The secret of a citizen's receipt, kept only as its SHA-256 (the secret is random, so no salt or slow hash is
# needed): with the reference it lets whoever holds the receipt ask for the case's status and dates.
receipt_secrets = sa.Table(
    "receipt_secrets", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="deviation_id", primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.ForeignKeyConstraint(["deviation_id"], ["deviations.id"]),
)

# The tenant's händelsetyper beside the defaults (classification.DEFAULT_EVENT_TYPES): a row renames or retires a
# default, or adds the tenant's own type. No row: the default as it is.
event_types = sa.Table(
    "event_types", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("code", sa.String(40), primary_key=True),
    sa.Column("label", sa.String(100), nullable=False),
    sa.Column("retired", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

# The tenant's code lists beside the defaults (code_lists.py): a list the tenant edited is its rows, whole (every
# code, its label, whether active, its order and flags); no rows: the defaults. `code_lists` counts each list's
# version for If-Match.
code_lists = sa.Table(
    "code_lists", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("list_name", sa.String(40), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)
code_list_entries = sa.Table(
    "code_list_entries", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("list_name", sa.String(40), primary_key=True),
    sa.Column("code", sa.String(40), primary_key=True),
    sa.Column("label_sv", sa.String(100), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("needs_note", sa.Boolean, nullable=False),
    sa.Column("serious", sa.Boolean),  # the lex outcome lists only
)

# The places of a unit (Avdelning 2, Matsalen) a case may name.
places = sa.Table(
    "places", metadata,
    Id(name="id", primary_key=True),
    sa.Column("tenant", sa.String(16), nullable=False),
    Id(name="unit_id", nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("retired", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.UniqueConstraint("tenant", "unit_id", "name", name="uq_places_tenant_unit_name"),
    sa.Index("ix_places_tenant_unit", "tenant", "unit_id"),
)

# The copy of the tenants' risk matrices' consequence scales, from se.ordning.risk.matrix_changed.v1: every version
# (a version never changes in the risks service), the highest the current one; no row: the default matrix.
risk_matrix_scales = sa.Table(
    "risk_matrix_scales", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("consequence_steps", sa.JSON, nullable=False),  # [{"value": 1, "label": "Mindre"}, ...]
)

# Issue 14: a klagomål's complainant's contact details, apart from the case's text: read by the case's handlers
# only, never in events, the audit trail or logs; gallring replaces them with the case's text.
complainant_contacts = sa.Table(
    "complainant_contacts", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="deviation_id", primary_key=True),
    sa.Column("name", sa.String(200)),
    sa.Column("phone", sa.String(40)),
    sa.Column("email", sa.String(320)),
    sa.Column("address", sa.String(500)),
    sa.ForeignKeyConstraint(["deviation_id"], ["deviations.id"]),
)

# Issue 14: the tenant's settings for complaints and reporters (no row: the defaults, version 0).
case_settings = sa.Table(
    "case_settings", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("answer_promised", sa.Boolean, nullable=False),  # does a citizen's receipt promise an answer date?
    sa.Column("answer_promise_days", sa.Integer),  # working days from the report, when promised
    sa.Column("hide_reporter_names", sa.Boolean, nullable=False),  # reporters named to the case's handlers only
    sa.Column("version", sa.Integer, nullable=False),
)

# Issue 14: the tenant's rules per lex kind (who decides, at which level, under which delegation; whether closing
# requires the person concerned informed). No row: domain.DEFAULT_LEX_POLICIES.
lex_policies = sa.Table(
    "lex_policies", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("decider_roles", sa.JSON, nullable=False),
    sa.Column("decider_level", sa.String(30)),
    sa.Column("delegation_reference", sa.String(200), nullable=False),
    sa.Column("informing_required", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

# Issue 14: staff named as involved in a case's event (by user id): they may not read or decide the case.
involved_staff = sa.Table(
    "involved_staff", metadata,
    sa.Column("tenant", sa.String(16), primary_key=True),
    Id(name="deviation_id", primary_key=True),
    sa.Column("user_id", sa.String(200), primary_key=True),
    sa.ForeignKeyConstraint(["deviation_id"], ["deviations.id"]),
)

ORIGIN_TYPE = "deviation"


# --------------------------------------------------------------------------
# Row <-> entity
# --------------------------------------------------------------------------

def to_entity(row) -> d.Deviation:
    m = row._mapping
    seriousness = None
    if m["seriousness_serious"] is not None:
        seriousness = d.Seriousness(serious=m["seriousness_serious"], decided_by=m["seriousness_decided_by"],
                                    decided_at=m["seriousness_decided_at"], outcome=m["seriousness_outcome"],
                                    motivering=m["seriousness_motivering"],
                                    delegation_reference=m["seriousness_delegation_reference"])
    ivo = None
    if m["ivo_reported_on"] is not None:
        ivo = d.IvoReport(reported_on=m["ivo_reported_on"], reference=m["ivo_reference"],
                          recorded_by=m["ivo_recorded_by"])
    rejection = None
    if m["rejected_reason"] is not None:
        rejection = d.Rejection(reason=d.RejectionReason(m["rejected_reason"]), rejected_at=m["rejected_at"],
                                duplicate_of=m["rejected_duplicate_of"], note=m["rejected_note"])
    dev = d.Deviation(
        id=m["id"], tenant=m["tenant"], kind=d.Kind(m["kind"]), status=d.Status(m["status"]),
        unit_id=m["unit_id"], description=m["description"], reported_at=m["reported_at"],
        origin=d.Origin(m["origin"]), reported_by=m["reported_by"], category_id=m["category_id"],
        occurred_at=m["occurred_at"], immediate_action=m["immediate_action"], received_at=m["received_at"],
        receipt_due=m["receipt_due"], investigation_due=m["investigation_due"], ivo_due=m["ivo_due"],
        investigation=d.Investigation(
            what_happened=m["investigation_what_happened"], why=m["investigation_why"],
            what_must_change=m["investigation_what_must_change"],
            started_at=m["investigation_started_at"], completed_at=m["investigation_completed_at"]),
        seriousness=seriousness, ivo_report=ivo, closed_at=m["closed_at"], rejection=rejection,
        pseudonymised_at=m["pseudonymised_at"], possible_elsewhere_flagged_at=m["possible_elsewhere_flagged_at"],
        process_step_id=m["process_step_id"], version=m["version"],
        event_type=m["event_type"], consequence_score=m["consequence_score"],
        consequence_matrix_version=m["consequence_matrix_version"], place_id=m["place_id"],
        **_ivo_steps_of(m),
        informing=_informing(m), reclassification=_reclassification(m),
    )
    dev.investigator_id, dev.involved_unit_id = m["investigator_id"], m["involved_unit_id"]
    dev.duplicate_of_id = m["duplicate_of_id"]
    _complaint_fields(dev, m)
    return dev


def _complaint_fields(dev: d.Deviation, m) -> None:
    """Issue 14's columns onto the entity."""
    dev.complainant_relation = d.as_code(d.ComplainantRelation, m["complainant_relation"] or None)
    dev.complaint_channel = d.as_code(d.ContactChannel, m["complaint_channel"] or None)
    dev.answer_due = m["answer_due"]
    if m["answered_on"] is not None:
        dev.answer = d.ComplaintAnswer(answered_on=m["answered_on"],
                                       channel=d.as_code(d.ContactChannel, m["answer_channel"]),
                                       answered_by=m["answered_by"])
    dev.reporter_feedback, dev.reporter_feedback_at = m["reporter_feedback"], m["reporter_feedback_at"]


def _day(value) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _ivo_steps_of(m) -> dict:
    """The IVO steps' fields of the entity, from a row's mapping (external_provider: from the org copy, if read)."""
    supplements = tuple(d.IvoSupplement(id=s["id"], requested_on=_day(s["requested_on"]), request=s["request"],
                                        due_on=_day(s.get("due_on")), answered_on=_day(s.get("answered_on")))
                        for s in (m["ivo_supplements"] or []))
    decision = None
    if m["ivo_decision_on"] is not None:
        decision = d.IvoDecision(m["ivo_decision_on"], d.as_code(d.IvoDecisionOutcome, m["ivo_decision_outcome"]),
                                 m["ivo_decision_reference"])
    analysis = None
    if m["event_analysis"]:
        a = m["event_analysis"]
        analysis = d.EventAnalysis(
            method=d.as_code(d.AnalysisMethod, a["method"]),
            participants=tuple(d.AnalysisParticipant(p["role"], p["name"]) for p in a.get("participants") or []),
            root_causes=tuple(d.RootCause(c["id"], d.as_code(d.RootCauseCategory, c["category"]), c["text"],
                                          tuple(c.get("action_ids") or [])) for c in a.get("root_causes") or []),
            completed_on=_day(a.get("completed_on")))
    provider_report = follow_up = None
    if m["provider_ivo_reported_on"] is not None:
        provider_report = d.ProviderReport(m["provider_ivo_reported_on"], m["provider_ivo_reference"])
    if m["provider_followup_on"] is not None:
        follow_up = d.ProviderFollowUp(m["provider_followup_on"], m["provider_followup_by"],
                                       m["provider_followup_assessment"],
                                       d.as_code(d.FollowUpOutcome, m["provider_followup_outcome"]))
    return {"ivo_supplements": supplements, "ivo_decision": decision, "event_analysis": analysis,
            "external_provider": bool(m.get("unit_external_provider")), "provider_report": provider_report,
            "provider_follow_up": follow_up}


def _ivo_step_values(dev: d.Deviation) -> dict:
    iso = lambda day: None if day is None else day.isoformat()  # noqa: E731
    analysis = None
    if dev.event_analysis is not None:
        a = dev.event_analysis
        analysis = {"method": d.code_value(a.method), "completed_on": iso(a.completed_on),
                    "participants": [{"role": p.role, "name": p.name} for p in a.participants],
                    "root_causes": [{"id": c.id, "category": d.code_value(c.category), "text": c.text,
                                     "action_ids": list(c.action_ids)} for c in a.root_causes]}
    decision, report, follow_up = dev.ivo_decision, dev.provider_report, dev.provider_follow_up
    return {
        "ivo_supplements": [{"id": s.id, "requested_on": iso(s.requested_on), "request": s.request,
                             "due_on": iso(s.due_on), "answered_on": iso(s.answered_on)}
                            for s in dev.ivo_supplements] or None,
        "ivo_decision_on": decision.decided_on if decision else None,
        "ivo_decision_outcome": d.code_value(decision.outcome) if decision else None,
        "ivo_decision_reference": decision.reference if decision else None,
        "event_analysis": analysis,
        "provider_ivo_reported_on": report.reported_on if report else None,
        "provider_ivo_reference": report.reference if report else None,
        "provider_followup_on": follow_up.followed_up_on if follow_up else None,
        "provider_followup_by": follow_up.by if follow_up else None,
        "provider_followup_assessment": follow_up.assessment if follow_up else None,
        "provider_followup_outcome": d.code_value(follow_up.outcome) if follow_up else None,
    }


def _informing(m) -> d.Informing | None:
    if m["informing_recorded_at"] is None:
        return None
    return d.Informing(recorded_by=m["informing_recorded_by"], recorded_at=m["informing_recorded_at"],
                       informed_on=m["informing_informed_on"], method=m["informing_method"],
                       recipient=m["informing_recipient"], informed_by=m["informing_informed_by"],
                       view=m["informing_view"], not_informed_reason=m["informing_not_reason"],
                       note=m["informing_note"])


def _reclassification(m) -> d.Reclassification | None:
    if m["reclassified_at"] is None:
        return None
    return d.Reclassification(previous_kind=d.Kind(m["reclassified_from"]), reason=m["reclassified_reason"],
                              at=m["reclassified_at"], by=m["reclassified_by"], note=m["reclassified_note"])


def entity_values(dev: d.Deviation) -> dict:
    """The columns an entity maps to (not reference and contact, which only the creator sets)."""
    return {
        "id": dev.id, "tenant": dev.tenant, "kind": dev.kind.value, "status": dev.status.value,
        "origin": dev.origin.value, "unit_id": dev.unit_id, "category_id": dev.category_id,
        "description": dev.description, "immediate_action": dev.immediate_action,
        "reported_at": dev.reported_at, "reported_by": dev.reported_by, "occurred_at": dev.occurred_at,
        "received_at": dev.received_at, "receipt_due": dev.receipt_due,
        "investigation_due": dev.investigation_due, "ivo_due": dev.ivo_due,
        "investigation_what_happened": dev.investigation.what_happened,
        "investigation_why": dev.investigation.why,
        "investigation_what_must_change": dev.investigation.what_must_change,
        "investigation_started_at": dev.investigation.started_at,
        "investigation_completed_at": dev.investigation.completed_at,
        "seriousness_serious": dev.seriousness.serious if dev.seriousness else None,
        "seriousness_decided_by": dev.seriousness.decided_by if dev.seriousness else None,
        "seriousness_decided_at": dev.seriousness.decided_at if dev.seriousness else None,
        "ivo_reported_on": dev.ivo_report.reported_on if dev.ivo_report else None,
        "ivo_reference": dev.ivo_report.reference if dev.ivo_report else None,
        "ivo_recorded_by": dev.ivo_report.recorded_by if dev.ivo_report else None,
        "closed_at": dev.closed_at, "pseudonymised_at": dev.pseudonymised_at,
        "rejected_at": dev.rejection.rejected_at if dev.rejection else None,
        "rejected_reason": dev.rejection.reason.value if dev.rejection else None,
        "rejected_duplicate_of": dev.rejection.duplicate_of if dev.rejection else None,
        "rejected_note": dev.rejection.note if dev.rejection else None,
        "possible_elsewhere_flagged_at": dev.possible_elsewhere_flagged_at,
        "process_step_id": dev.process_step_id,
        "version": dev.version,
        "event_type": dev.event_type, "consequence_score": dev.consequence_score,
        "consequence_matrix_version": dev.consequence_matrix_version, "place_id": dev.place_id,
        **_ivo_step_values(dev),
        "complainant_relation": d.code_value(dev.complainant_relation) if dev.complainant_relation else None,
        "complaint_channel": d.code_value(dev.complaint_channel) if dev.complaint_channel else None,
        "answer_due": dev.answer_due,
        "answered_on": dev.answer.answered_on if dev.answer else None,
        "answer_channel": d.code_value(dev.answer.channel) if dev.answer else None,
        "answered_by": dev.answer.answered_by if dev.answer else None,
        "reporter_feedback": dev.reporter_feedback, "reporter_feedback_at": dev.reporter_feedback_at,
        "investigator_id": dev.investigator_id,
        "involved_unit_id": dev.involved_unit_id,
        "duplicate_of_id": dev.duplicate_of_id,
        **_lex_values(dev),
    }


def _lex_values(dev: d.Deviation) -> dict:
    """Issue 14's columns of an entity."""
    s, i, r = dev.seriousness, dev.informing, dev.reclassification
    return {
        "seriousness_outcome": s.outcome if s else None, "seriousness_motivering": s.motivering if s else None,
        "seriousness_delegation_reference": s.delegation_reference if s else None,
        "informing_recorded_by": i.recorded_by if i else None, "informing_recorded_at": i.recorded_at if i else None,
        "informing_informed_on": i.informed_on if i else None, "informing_method": i.method if i else None,
        "informing_recipient": i.recipient if i else None, "informing_informed_by": i.informed_by if i else None,
        "informing_view": i.view if i else None, "informing_not_reason": i.not_informed_reason if i else None,
        "informing_note": i.note if i else None,
        "reclassified_from": r.previous_kind.value if r else None, "reclassified_reason": r.reason if r else None,
        "reclassified_at": r.at if r else None, "reclassified_by": r.by if r else None,
        "reclassified_note": r.note if r else None,
    }


# --------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------

def id_by_reference(conn, tenant: str, reference: str) -> str | None:
    return conn.execute(sa.select(deviations.c.id).where(
        deviations.c.tenant == tenant, deviations.c.reference == reference)).scalar_one_or_none()


def _unit_name() -> sa.Label:
    """The case's unit's name from the local copy of the org tree (NULL if the copy lacks the unit)."""
    return unit_name_of(tables.org_units, deviations)


def case_select() -> sa.Select:
    """A case as it is answered: its row, its unit's name, whether the unit is an external provider, and its
    classification's labels."""
    return sa.select(deviations, _unit_name(), unit_external_provider_of(tables.org_units, deviations),
                     *_classification_labels())


def _classification_labels() -> list[sa.Label]:
    """The tenant's label of the case's händelsetyp and whether it is retired (NULL: a default the tenant has not
    changed), its place's name, and the consequence steps of the matrix version it was scored on (NULL: the
    default's)."""
    c, t, p, s = deviations.c, event_types.c, places.c, risk_matrix_scales.c
    own_type = sa.and_(t.tenant == c.tenant, t.code == c.event_type)
    return [sa.select(t.label).where(own_type).scalar_subquery().label("event_type_label"),
            sa.select(t.retired).where(own_type).scalar_subquery().label("event_type_retired"),
            sa.select(p.name).where(p.tenant == c.tenant, p.id == c.place_id).scalar_subquery().label("place_name"),
            sa.select(s.consequence_steps).where(s.tenant == c.tenant, s.version == c.consequence_matrix_version)
            .scalar_subquery().label("consequence_steps")]


def get_row(conn, tenant: str, deviation_id: str, *, lock: bool = False):
    """The case's row; `lock` holds it (FOR UPDATE) until the transaction ends, so writers of a case take turns."""
    query = case_select().where(deviations.c.tenant == tenant, deviations.c.id == str(deviation_id))
    return conn.execute(query.with_for_update(of=deviations) if lock else query).first()


def row_by_reference(conn, tenant: str, reference: str):
    """The case's row by its reference number, which is unique within a tenant."""
    return conn.execute(case_select().where(deviations.c.tenant == tenant,
                                            deviations.c.reference == reference)).first()


def new_row(dev: d.Deviation, *, reference: str, contact: dict | None = None,
            reporter_name: str | None = None) -> dict:
    """The row of a new case: its entity's columns, the reference, the reporter's display name and a citizen's
    contact details."""
    contact = contact or {}
    return {**entity_values(dev), "reference": reference, "reporter_name": reporter_name,
            "contact_name": contact.get("name"), "contact_email": contact.get("email"),
            "contact_phone": contact.get("phone")}


def insert(conn, dev: d.Deviation, *, reference: str, contact: dict | None = None,
           reporter_name: str | None = None) -> None:
    conn.execute(deviations.insert(), new_row(dev, reference=reference, contact=contact, reporter_name=reporter_name))


def update(conn, dev: d.Deviation, expected_version: int, **columns) -> bool:
    """Optimistic concurrency: write only if nobody changed the row since it was read (plus `columns`)."""
    values = {**entity_values(dev), **columns}
    values.pop("id"), values.pop("tenant")
    result = conn.execute(deviations.update().where(
        deviations.c.tenant == dev.tenant, deviations.c.id == dev.id,
        deviations.c.version == expected_version).values(**values))
    return result.rowcount == 1


def _count_case(dialect: str) -> sa.Insert:
    """UPSERT of the (tenant, year) counter returning the new number, for PostgreSQL or SQLite.

    The row stays locked until the report commits or rolls back: numbers are gap-free (a failed report
    gives its number back) and per tenant, so one tenant's volume says nothing about another's. The
    price: one tenant's reports take their numbers one at a time (docs/decisions.md).
    """
    from sqlalchemy.dialects import postgresql, sqlite

    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    return insert(case_counters).values(
        tenant=sa.bindparam("tenant"), year=sa.bindparam("year"), value=1,
    ).on_conflict_do_update(
        index_elements=[case_counters.c.tenant, case_counters.c.year],
        set_={"value": case_counters.c.value + 1},
    ).returning(case_counters.c.value)


_COUNT_CASE = {dialect: _count_case(dialect) for dialect in ("postgresql", "sqlite")}


def next_reference(conn, tenant: str, year: int) -> str:
    """The tenant's next receipt number of the year, e.g. 2026-000123 (see _count_case)."""
    return reference(year, conn.execute(_COUNT_CASE[conn.dialect.name], {"tenant": tenant, "year": year})
                     .scalar_one())


def reference(year: int, number: int) -> str:
    return f"{year}-{number:06d}"


def overdue_clause(today: date):
    """SQL twin of domain.Deviation.overdue(today) != []."""
    c = deviations.c
    return sa.and_(
        c.status.not_in(sa.bindparam("end_statuses", _END_STATUS_VALUES, expanding=True, literal_execute=True)),
        sa.or_(
            sa.and_(c.received_at.is_(None), c.receipt_due.is_not(None), c.receipt_due < today),
            sa.and_(c.status != d.Status.investigated.value, c.investigation_due.is_not(None),
                    c.investigation_due < today),
            sa.and_(c.kind.in_([k.value for k in d.LEX_KINDS]), c.seriousness_serious.is_(True),
                    c.ivo_reported_on.is_(None), c.provider_ivo_reported_on.is_(None), c.ivo_due.is_not(None),
                    c.ivo_due < today),
            sa.and_(c.kind == d.Kind.klagomal.value, c.answered_on.is_(None), c.answer_due.is_not(None),
                    c.answer_due < today),
        ),
    )


def scope_units(conn, tenant: str, org_units) -> set[str]:
    return subtree_ids(conn, tables.org_units, tenant, org_units)


def readable_clause(principal, scope):
    """Cases a principal may see: readable kinds in their subtree, and what they reported themselves.

    `scope` is the principal's subtree, scope_units(...), resolved by the caller once per request (it also
    decides the buttons); resolved apart from the statement since orgtree.subtree_select uses one fixed CTE
    name, so two of them (scope and the unit filter) cannot share a statement."""
    c = deviations.c
    kinds = [kind.value for kind in d.Kind if set(principal.roles) & d.READERS[kind]]
    clauses = []
    if kinds and principal.org_units and scope:
        clauses.append(sa.and_(c.kind.in_(kinds), c.unit_id.in_(sorted(scope))))
    # Since issue 14 a reporter who does not handle the case sees it in "my reports" (reported_by_me_rows), not
    # in the lists of whole cases.
    clauses += _casework_readable(principal, scope, kinds)
    if not clauses:
        return sa.false()
    # Issue 14: staff named as involved in a case do not see it, whatever their roles.
    i = involved_staff.c
    involved = sa.exists().where(i.tenant == c.tenant, i.deviation_id == c.id, i.user_id == principal.subject)
    return sa.and_(sa.or_(*clauses), sa.not_(involved))


def _casework_readable(principal, scope, kinds) -> list:
    """Issue 14 item 8: the readers of the kind whose scope holds the case's involved unit, and the case's assigned
    investigator (a staff member), read it too."""
    c = deviations.c
    clauses = []
    if kinds and principal.org_units and scope:
        clauses.append(sa.and_(c.kind.in_(kinds), c.involved_unit_id.in_(sorted(scope))))
    if set(principal.roles) & d.STAFF_ROLES:
        clauses.append(c.investigator_id == principal.subject)
    return clauses


# What a list may be sorted by (`sort=`, `-` for descending); the id breaks ties, in the same direction.
SORT_COLUMNS = {name: deviations.c[name] for name in (
    "reported_at", "occurred_at", "received_at", "closed_at", "receipt_due", "investigation_due", "ivo_due",
    "reference", "status", "kind")}
DEFAULT_SORT = pagination.Sort("reported_at", descending=True)

# The free text a reader of a case reads, which `q=` searches. On PostgreSQL migration 0006 keeps it in the
# generated tsvector column search_vector (GIN index), which is left out of the table above: SQLite has no
# such column, and no SELECT of a case needs it.
SEARCHED_TEXT = ("description", "immediate_action", "investigation_what_happened", "investigation_why",
                 "investigation_what_must_change", "rejected_note")
SEARCH_CONFIG = "swedish"
_SEARCH_VECTOR = sa.literal_column("deviations.search_vector")
metadata.info["database_only"] = frozenset({("deviations", "search_vector"),
                                            ("deviations", "ix_deviations_search_vector")})
_LIKE_SPECIAL = re.compile(r"([\\%_])")


def search_clause(dialect: str, q: str):
    """Cases whose text matches `q`: PostgreSQL full-text search with the Swedish configuration (stemmed, so
    "fallolyckor" finds "fallolycka"; websearch syntax: "a phrase", or, -word), else every word of `q` found
    anywhere in the text, case-insensitive (SQLite); a reference number finds its case on both."""
    c = deviations.c
    if dialect == "postgresql":
        query = sa.func.websearch_to_tsquery(sa.literal_column(f"'{SEARCH_CONFIG}'::regconfig"), q)
        matched = _SEARCH_VECTOR.bool_op("@@")(query)
    else:
        words = sorted(set(q.casefold().split()))
        matched = sa.and_(*(sa.or_(*(sa.func.casefold(sa.func.coalesce(c[name], "")).like(
            "%" + _LIKE_SPECIAL.sub(r"\\\1", word) + "%", escape="\\") for name in SEARCHED_TEXT))
            for word in words))
    if re.fullmatch(d.REFERENCE_PATTERN, q):
        matched = sa.or_(matched, c.reference == q)
    return matched


@dataclass
class ListFilter:
    unit_id: str | None = None
    kinds: list | None = None
    statuses: list | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    overdue: bool | None = None
    category_id: str | None = None
    mine: bool = False
    q: str | None = None
    sort: pagination.Sort = DEFAULT_SORT
    cursor: str | None = None  # next_cursor of the page before, made for the same sort
    limit: int = 50
    offset: int = 0
    investigator: str | None = None  # a user id: only the cases they are the investigator of
    involved_unit_id: str | None = None  # only cases whose involved unit is it or below it


@dataclass
class Page:
    rows: list
    total: int  # every case the filter matches that the reader may read, on every page
    next_cursor: str | None  # None: this is the last page


def list_rows(conn, principal, scope, flt: ListFilter, today: date) -> Page:
    """`scope`: the principal's units, scope_units(...)."""
    c = deviations.c
    column = SORT_COLUMNS[flt.sort.key]
    position = None if flt.cursor is None else pagination.decode_cursor(flt.cursor, flt.sort, column)
    where = [c.tenant == principal.tenant, readable_clause(principal, scope)]
    if flt.unit_id:
        where.append(c.unit_id.in_(subtree_select(tables.org_units, principal.tenant, [flt.unit_id])))
    if flt.kinds:
        where.append(c.kind.in_(list(flt.kinds)))
    if flt.statuses:
        where.append(c.status.in_(list(flt.statuses)))
    if flt.reported_from is not None:
        where.append(c.reported_at >= flt.reported_from)
    if flt.reported_to is not None:
        where.append(c.reported_at < flt.reported_to)
    if flt.overdue is True:
        where.append(overdue_clause(today))
    elif flt.overdue is False:
        where.append(sa.not_(overdue_clause(today)))
    if flt.category_id:
        where.append(c.category_id == flt.category_id)
    if flt.mine:
        where.append(c.reported_by == principal.subject)
    if flt.q:
        where.append(search_clause(conn.dialect.name, flt.q))
    if flt.investigator:
        where.append(c.investigator_id == flt.investigator)
    if flt.involved_unit_id:
        # Resolved apart: one statement holds one subtree CTE (readable_clause's note), and unit_id may use it.
        where.append(c.involved_unit_id.in_(sorted(subtree_ids(conn, tables.org_units, principal.tenant,
                                                               [flt.involved_unit_id])) or [""]))
    total = conn.execute(sa.select(sa.func.count()).select_from(deviations).where(*where)).scalar_one()
    if position is not None:
        where.append(pagination.after(column, c.id, flt.sort, *position))
    rows = conn.execute(case_select().where(*where).order_by(*pagination.order_by(column, c.id, flt.sort))
                        .limit(flt.limit + 1).offset(flt.offset)).all()  # one more: is there a next page?
    if len(rows) <= flt.limit:
        return Page(rows, total, None)
    last = rows[flt.limit - 1]
    return Page(rows[:flt.limit], total, pagination.encode_cursor(flt.sort, last._mapping[column.name], last.id))


def action_counts(conn, tenant: str, deviation_ids, today: date) -> dict[str, dict]:
    """{deviation_id: {total, open, overdue}} for the given cases."""
    ids = [str(i) for i in deviation_ids]
    counts = {i: {"total": 0, "open": 0, "overdue": 0} for i in ids}
    if not ids:
        return counts
    a = actions.c
    is_open = a.status.not_in(list(d.ACTION_FINISHED_STATUSES))
    rows = conn.execute(sa.select(
        a.origin_id, sa.func.count(),
        sa.func.sum(sa.case((is_open, 1), else_=0)),
        sa.func.sum(sa.case((sa.and_(is_open, a.due_date < today), 1), else_=0)),
    ).where(a.tenant == tenant, a.origin_type == ORIGIN_TYPE, a.origin_id.in_(ids)).group_by(a.origin_id)).all()
    for origin_id, total, open_, overdue in rows:
        counts[origin_id] = {"total": int(total or 0), "open": int(open_ or 0), "overdue": int(overdue or 0)}
    return counts


def open_action_count(conn, tenant: str, deviation_id: str) -> int:
    a = actions.c
    return conn.execute(sa.select(sa.func.count()).select_from(actions).where(
        a.tenant == tenant, a.origin_type == ORIGIN_TYPE, a.origin_id == str(deviation_id),
        a.status.not_in(list(d.ACTION_FINISHED_STATUSES)))).scalar_one()


@dataclass
class OwnedActionFilter:
    owner: str  # the subject who owns the actions
    statuses: list | None = None
    cursor: str | None = None  # next_cursor of the page before
    limit: int = 50
    offset: int = 0


# An owner's actions come by due date, the earliest first (the id breaks ties): what is due first is on top.
OWNED_ACTIONS_SORT = pagination.Sort("due_date")


def owned_action_rows(conn, principal, scope, flt: OwnedActionFilter) -> Page:
    """A page of an owner's improvement actions, of the cases the principal may read (`scope`: the principal's
    units, scope_units(...)), each row with its case's reference and unit name."""
    a, c = actions.c, deviations.c
    column = a.due_date
    position = None if flt.cursor is None else pagination.decode_cursor(flt.cursor, OWNED_ACTIONS_SORT, column)
    joined = actions.join(deviations, sa.and_(c.tenant == a.tenant, c.id == a.origin_id))
    where = [a.tenant == principal.tenant, a.origin_type == ORIGIN_TYPE, a.owner == flt.owner,
             readable_clause(principal, scope)]
    if flt.statuses:
        where.append(a.status.in_(list(flt.statuses)))
    total = conn.execute(sa.select(sa.func.count()).select_from(joined).where(*where)).scalar_one()
    if position is not None:
        where.append(pagination.after(column, a.id, OWNED_ACTIONS_SORT, *position))
    query = (sa.select(actions, c.reference, _unit_name()).select_from(joined).where(*where)
             .order_by(*pagination.order_by(column, a.id, OWNED_ACTIONS_SORT)).limit(flt.limit + 1).offset(flt.offset))
    rows = conn.execute(query).all()
    if len(rows) <= flt.limit:
        return Page(rows, total, None)
    last = rows[flt.limit - 1]
    return Page(rows[:flt.limit], total, pagination.encode_cursor(OWNED_ACTIONS_SORT, last.due_date, last.id))


_TENANT_POLICIES = sa.select(deadline_policies).where(deadline_policies.c.tenant == sa.bindparam("tenant"))


def tenant_policies(conn, tenant: str) -> dict[d.Kind, d.DeadlinePolicy]:
    rows = conn.execute(_TENANT_POLICIES, {"tenant": tenant}).all()
    return {d.Kind(r.kind): _policy(d.Kind(r.kind), r) for r in rows}


def _policy(kind: d.Kind, row) -> d.DeadlinePolicy:
    answer_days = row._mapping.get("answer_days") if kind is d.Kind.klagomal else None
    return d.DeadlinePolicy(kind, row.receipt_days, row.investigation_days, row.ivo_report_days,
                            d.DEFAULT_ANSWER_DAYS if kind is d.Kind.klagomal and answer_days is None else answer_days)


def policy_row(conn, tenant: str, kind: str, for_update: bool = False):
    query = sa.select(deadline_policies).where(deadline_policies.c.tenant == tenant, deadline_policies.c.kind == kind)
    return conn.execute(query.with_for_update() if for_update else query).first()


def to_calendar(non_working_eves, extra_days_off) -> d.WorkingCalendar:
    """The calendar of a working_calendars row's columns; None (no row): the default."""
    if non_working_eves is None:
        return d.DEFAULT_CALENDAR
    return d.WorkingCalendar(frozenset(non_working_eves), frozenset(date.fromisoformat(day) for day in extra_days_off))


def calendar_row(conn, tenant: str):
    return conn.execute(sa.select(working_calendars).where(working_calendars.c.tenant == tenant)).first()


def calendar_of(row) -> d.WorkingCalendar:
    """The calendar of a working_calendars row (None: the default)."""
    return d.DEFAULT_CALENDAR if row is None else to_calendar(row.non_working_eves, row.extra_days_off)


def tenant_calendar(conn, tenant: str) -> d.WorkingCalendar:
    return calendar_of(calendar_row(conn, tenant))


# --------------------------------------------------------------------------
# Retention
# --------------------------------------------------------------------------

CONTACT_COLUMNS = ("contact_name", "contact_email", "contact_phone")


def retention_policy_row(conn, tenant: str, kind: str):
    return conn.execute(sa.select(retention_policies).where(
        retention_policies.c.tenant == tenant, retention_policies.c.kind == kind)).first()


def tenant_retention(conn, tenant: str) -> dict[d.Kind, d.RetentionPolicy]:
    rows = conn.execute(sa.select(retention_policies).where(retention_policies.c.tenant == tenant)).all()
    return {d.Kind(r.kind): d.RetentionPolicy(d.Kind(r.kind), r.years) for r in rows}


def insert_retention_policy(conn, tenant: str, policy: d.RetentionPolicy) -> bool:
    """The tenant's first policy for the kind; False if another writer inserted it first."""
    return insert_if_absent(conn, retention_policies, {"tenant": tenant, "kind": policy.kind.value,
                                                       "years": policy.years, "version": 1})


def retention_cutoff(today: date, years: int) -> datetime:
    """The moment (UTC) before which a closing has passed `years` of retention by `today` (Swedish days)."""
    first_kept_day = d.last_expired_closing_day(today, years) + timedelta(days=1)
    return datetime.combine(first_kept_day, time(0), tzinfo=d.STOCKHOLM).astimezone(timezone.utc)


def expired_cases(conn, today: date, limit: int) -> list[tuple[str, str]]:
    """(tenant, id) of ended cases (closed or rejected), in every tenant, whose retention has ended by `today`;
    the longest ended first.

    SQL twin of domain.Deviation.retention_expired: each tenant's years per kind, else the default.
    """
    c, rp = deviations.c, retention_policies.c
    years = sa.func.coalesce(rp.years, sa.case(
        {kind.value: years for kind, years in d.DEFAULT_RETENTION_YEARS.items()}, value=c.kind))
    used = set(conn.execute(sa.select(rp.years).distinct()).scalars()) | set(d.DEFAULT_RETENTION_YEARS.values())
    cutoff = sa.case({n: sa.literal(retention_cutoff(today, n), UTCDateTime) for n in sorted(used)}, value=years)
    ended_at = sa.case((c.status == d.Status.closed.value, c.closed_at),
                       (c.status == d.Status.rejected.value, c.rejected_at))
    return [tuple(row) for row in conn.execute(
        sa.select(c.tenant, c.id)
        .select_from(deviations.outerjoin(retention_policies, sa.and_(rp.tenant == c.tenant, rp.kind == c.kind)))
        .where(c.status.in_([d.Status.closed.value, d.Status.rejected.value]), c.pseudonymised_at.is_(None),
               ended_at < cutoff)
        .order_by(ended_at, c.id).limit(limit))]


def lock_to_pseudonymise(conn, tenant: str, deviation_id: str):
    """The case's row, locked for this transaction, if it is not pseudonymised and no other worker holds it."""
    c = deviations.c
    return conn.execute(sa.select(deviations).where(
        c.tenant == tenant, c.id == str(deviation_id), c.pseudonymised_at.is_(None),
    ).with_for_update(skip_locked=True)).first()


def category_row(conn, tenant: str, category_id: str):
    return conn.execute(sa.select(categories).where(
        categories.c.tenant == tenant, categories.c.id == str(category_id))).first()


def list_categories(conn, tenant: str, include_inactive: bool = False):
    query = sa.select(categories).where(categories.c.tenant == tenant)
    if not include_inactive:
        query = query.where(categories.c.active.is_(True))
    return conn.execute(query.order_by(categories.c.name)).all()


def tenant_known(conn, tenant: str) -> bool:
    ou = tables.org_units
    return conn.execute(sa.select(ou.c.id).where(ou.c.tenant == tenant).limit(1)).first() is not None


@dataclass(frozen=True)
class ReportContext:
    """What reporting a case in an open unit needs from the database, read in one round trip."""

    in_scope: bool  # the unit is within the subtree of the reporter's org units
    policy: d.DeadlinePolicy | None  # the tenant's own for the kind; None: the default
    category: object | None  # the category row asked for, if it exists in the tenant
    reference_number: int | None  # the tenant's counter, on PostgreSQL; None: use next_reference
    calendar: d.WorkingCalendar = d.DEFAULT_CALENDAR  # the tenant's own, else the default
    unit_name: str | None = None


def report_context(conn, tenant: str, unit_id: str, org_units, kind: d.Kind,
                   category_id: str | None, year: int) -> ReportContext | None:
    """None if the unit does not exist in the tenant or is closed."""
    statement = _REPORT_CONTEXT[conn.dialect.name == "postgresql"]
    row = conn.execute(statement, {"tenant": tenant, "unit_id": str(unit_id), "roots": list(org_units),
                                   "kind": kind.value, "category_id": category_id, "year": year}).first()
    if row is None:
        return None
    m = row._mapping
    return ReportContext(
        in_scope=bool(row.in_scope),
        policy=_policy(kind, row) if row.receipt_days is not None else None,
        category=row if row.category_id is not None else None,
        reference_number=m.get("reference_number"),
        calendar=to_calendar(row.non_working_eves, row.extra_days_off), unit_name=row.unit_name)


def _report_context_statement(postgresql: bool):
    ou, policy, category, calendar = tables.org_units, deadline_policies, categories, working_calendars
    tenant = sa.bindparam("tenant")
    roots = sa.bindparam("roots", type_=sa.ARRAY(sa.String)) if postgresql else sa.bindparam("roots", expanding=True)
    in_scope = ou.c.id.in_(subtree_select(ou, tenant, roots, name="scope"))
    statement = sa.select(
        ou.c.id, ou.c.name.label("unit_name"), in_scope.label("in_scope"),
        policy.c.receipt_days, policy.c.investigation_days, policy.c.ivo_report_days, policy.c.answer_days,
        category.c.id.label("category_id"), category.c.active, category.c.kinds,
        calendar.c.non_working_eves, calendar.c.extra_days_off,
    ).select_from(
        ou.outerjoin(policy, sa.and_(policy.c.tenant == ou.c.tenant, policy.c.kind == sa.bindparam("kind")))
        .outerjoin(category, sa.and_(category.c.tenant == ou.c.tenant,
                                     category.c.id == sa.bindparam("category_id")))
        .outerjoin(calendar, calendar.c.tenant == ou.c.tenant)
    ).where(ou.c.tenant == tenant, ou.c.id == sa.bindparam("unit_id"), ou.c.closed_at.is_(None))
    if postgresql:  # the tenant's next number in the same round trip; a refused report rolls it back
        counter = _COUNT_CASE["postgresql"].cte("counter")
        statement = statement.add_cte(counter).add_columns(
            sa.select(counter.c.value).scalar_subquery().label("reference_number"))
    return statement


_REPORT_CONTEXT = {postgresql: _report_context_statement(postgresql) for postgresql in (False, True)}


def open_unit(conn, tenant: str, unit_id: str):
    """The unit's replica row if it exists in the tenant and is not closed."""
    ou = tables.org_units
    return conn.execute(sa.select(ou).where(ou.c.tenant == tenant, ou.c.id == str(unit_id),
                                            ou.c.closed_at.is_(None))).first()


def audit_rows(conn, tenant: str, entity_type: str, entity_id: str):
    al = tables.audit_log
    return conn.execute(sa.select(al).where(al.c.tenant == tenant, al.c.entity_type == entity_type,
                                            al.c.entity_id == str(entity_id)).order_by(al.c.id)).all()


def receipt_status_row(conn, tenant: str, reference: str):
    """What a receipt's holder may know of the case `reference` of `tenant`, with its secret's hash; None: no such
    case with a receipt (reported by staff, or not at all)."""
    c, r = deviations.c, receipt_secrets.c
    return conn.execute(sa.select(
        c.reference, c.status, c.reported_at, c.receipt_due, c.investigation_due, c.closed_at, c.rejected_at,
        c.answer_promised_by,
        r.secret_hash,
    ).select_from(deviations.join(receipt_secrets, sa.and_(r.tenant == c.tenant, r.deviation_id == c.id)))
        .where(c.tenant == tenant, c.reference == reference)).first()


def replace_receipt_secret(conn, tenant: str, deviation_id: str, secret_hash: str) -> bool:
    r = receipt_secrets.c
    return conn.execute(receipt_secrets.update().where(r.tenant == tenant, r.deviation_id == str(deviation_id))
                        .values(secret_hash=secret_hash)).rowcount == 1


def case_counts(conn) -> list[tuple[str, str, str, int]]:
    """(tenant, kind, status, cases) for every tenant: one grouped pass over three short columns, for the
    metrics a scrape reads (ordning_deviations.metrics)."""
    c = deviations.c
    rows = conn.execute(sa.select(c.tenant, c.kind, c.status, sa.func.count())
                        .group_by(c.tenant, c.kind, c.status)).all()
    return [(tenant, kind, status, int(cases)) for tenant, kind, status, cases in rows]


def overdue_case_counts(conn, today: date) -> dict[tuple[str, str], int]:
    """{(tenant, kind): open cases past a deadline}; only open cases are read (ix_deviations_status_closed_at
    finds them by status), and in a register years old most cases are closed."""
    c = deviations.c
    open_statuses = [status.value for status in d.Status if status not in d.END_STATUSES]
    rows = conn.execute(sa.select(c.tenant, c.kind, sa.func.count())
                        .where(c.status.in_(open_statuses), overdue_clause(today))
                        .group_by(c.tenant, c.kind)).all()
    return {(tenant, kind): int(count) for tenant, kind, count in rows}


def overdue_action_counts(conn, today: date) -> dict[str, int]:
    """{tenant: open improvement actions of its cases past their due date}."""
    a = actions.c
    rows = conn.execute(sa.select(a.tenant, sa.func.count()).where(
        a.origin_type == ORIGIN_TYPE, a.status.not_in(list(d.ACTION_FINISHED_STATUSES)), a.due_date < today)
        .group_by(a.tenant)).all()
    return {tenant: int(count) for tenant, count in rows}


# --------------------------------------------------------------------------
# Classification (classification.py): the tenant's händelsetyper, places and risk-matrix scales
# --------------------------------------------------------------------------

def code_list_rows(conn, tenant: str, list_name: str | None = None):
    """The tenant's code_list_entries rows (of one list, or of all), and each edited list's version."""
    e, v = code_list_entries.c, code_lists.c
    where = [e.tenant == tenant] + ([e.list_name == list_name] if list_name else [])
    rows = conn.execute(sa.select(code_list_entries).where(*where)).all()
    versions = dict(conn.execute(sa.select(v.list_name, v.version).where(
        v.tenant == tenant, *([v.list_name == list_name] if list_name else []))).all())
    return rows, versions


def event_type_rows(conn, tenant: str):
    return conn.execute(sa.select(event_types).where(event_types.c.tenant == tenant)).all()


def place_row(conn, tenant: str, place_id: str):
    return conn.execute(sa.select(places).where(places.c.tenant == tenant, places.c.id == str(place_id))).first()


def place_rows(conn, tenant: str, unit_id: str | None = None, include_retired: bool = False):
    query = sa.select(places).where(places.c.tenant == tenant)
    if unit_id is not None:
        query = query.where(places.c.unit_id == str(unit_id))
    if not include_retired:
        query = query.where(places.c.retired.is_(False))
    return conn.execute(query.order_by(places.c.name, places.c.id)).all()


def scale_rows(conn, tenant: str):
    """The tenant's copied consequence scales, the newest version first."""
    s = risk_matrix_scales.c
    return conn.execute(sa.select(risk_matrix_scales).where(s.tenant == tenant).order_by(s.version.desc())).all()


def insert_scale(conn, tenant: str, version: int, consequence_steps: list[dict]) -> bool:
    """Keep a version of the tenant's matrix's scale; a version never changes, so a second delivery changes nothing."""
    return insert_if_absent(conn, risk_matrix_scales, {"tenant": tenant, "version": version,
                                                       "consequence_steps": consequence_steps})
# Issue 14: complainants, case settings, the reporter's own cases
# --------------------------------------------------------------------------

COMPLAINANT_FIELDS = ("name", "phone", "email", "address")


def complainant_contact(conn, tenant: str, deviation_id: str) -> dict | None:
    cc = complainant_contacts.c
    row = conn.execute(sa.select(complainant_contacts).where(
        cc.tenant == tenant, cc.deviation_id == str(deviation_id))).first()
    return None if row is None else {name: row._mapping[name] for name in COMPLAINANT_FIELDS}


def put_complainant_contact(conn, tenant: str, deviation_id: str, contact: dict) -> None:
    """Replace the case's complainant's contact details (a missing field: none)."""
    cc = complainant_contacts.c
    values = {name: contact.get(name) or None for name in COMPLAINANT_FIELDS}
    if conn.execute(complainant_contacts.update().where(cc.tenant == tenant, cc.deviation_id == str(deviation_id))
                    .values(**values)).rowcount == 0:
        conn.execute(complainant_contacts.insert().values(tenant=tenant, deviation_id=str(deviation_id), **values))


def pseudonymise_complainant_contact(conn, tenant: str, deviation_id: str) -> None:
    """Gallring: the details become PSEUDONYMISED_TEXT where there were any (the row says a complainant was named)."""
    cc = complainant_contacts.c
    row = conn.execute(sa.select(complainant_contacts).where(
        cc.tenant == tenant, cc.deviation_id == str(deviation_id))).first()
    if row is not None:
        conn.execute(complainant_contacts.update().where(cc.tenant == tenant, cc.deviation_id == str(deviation_id))
                     .values(**{name: d.pseudonymised_text(row._mapping[name]) for name in COMPLAINANT_FIELDS}))


def case_settings_row(conn, tenant: str):
    return conn.execute(sa.select(case_settings).where(case_settings.c.tenant == tenant)).first()


def reported_by_me_rows(conn, tenant: str, subject: str, limit: int, offset: int) -> tuple[list, int]:
    """A staff member's own reports, newest first, and how many there are."""
    c = deviations.c
    where = [c.tenant == tenant, c.reported_by == subject]
    total = conn.execute(sa.select(sa.func.count()).select_from(deviations).where(*where)).scalar_one()
    rows = conn.execute(case_select().where(*where).order_by(c.reported_at.desc(), c.id.desc())
                        .limit(limit).offset(offset)).all()
    return rows, total
def duplicate_rows(conn, principal, scope, master_id: str) -> list:
    """The cases ended as duplicates of `master_id` that the principal may read, oldest report first."""
    c = deviations.c
    return conn.execute(sa.select(c.id, c.reference, c.kind, c.status, c.unit_id, c.reported_at).where(
        c.tenant == principal.tenant, c.duplicate_of_id == str(master_id), readable_clause(principal, scope),
    ).order_by(c.reported_at, c.id)).all()


def duplicate_count(conn, tenant: str, master_id: str) -> int:
    """How many cases of the tenant were ended as duplicates of `master_id` (whoever may read them)."""
    c = deviations.c
    return conn.execute(sa.select(sa.func.count()).select_from(deviations).where(
        c.tenant == tenant, c.duplicate_of_id == str(master_id))).scalar_one()


def unit_name(conn, tenant: str, unit_id: str) -> str | None:
    """A unit's name from the org tree copy (None if the copy lacks it)."""
    ou = tables.org_units
    return conn.execute(sa.select(ou.c.name).where(ou.c.tenant == tenant, ou.c.id == str(unit_id))).scalar()
# Issue 14: lex policies, involved staff, the delegated decider
# --------------------------------------------------------------------------

def lex_policy_row(conn, tenant: str, kind: str):
    return conn.execute(sa.select(lex_policies).where(lex_policies.c.tenant == tenant,
                                                      lex_policies.c.kind == kind)).first()


def to_lex_policy(row) -> d.LexPolicy:
    return d.LexPolicy(d.Kind(row.kind), frozenset(row.decider_roles), row.decider_level, row.delegation_reference,
                       row.informing_required)


def tenant_lex_policies(conn, tenant: str) -> dict[d.Kind, d.LexPolicy]:
    rows = conn.execute(sa.select(lex_policies).where(lex_policies.c.tenant == tenant)).all()
    return {d.Kind(r.kind): to_lex_policy(r) for r in rows}


def involved_staff_of(conn, tenant: str, deviation_id: str) -> tuple[str, ...]:
    i = involved_staff.c
    return tuple(conn.execute(sa.select(i.user_id).where(i.tenant == tenant, i.deviation_id == str(deviation_id))
                              .order_by(i.user_id)).scalars())


def replace_involved_staff(conn, tenant: str, deviation_id: str, user_ids) -> None:
    i = involved_staff.c
    conn.execute(involved_staff.delete().where(i.tenant == tenant, i.deviation_id == str(deviation_id)))
    if user_ids:
        conn.execute(involved_staff.insert(), [{"tenant": tenant, "deviation_id": str(deviation_id), "user_id": u}
                                              for u in user_ids])


def role_copy_exists(conn, tenant: str) -> bool:
    """Does the tenant's copy of the role assignments (from the processes service's events) hold anything?"""
    rh = tables.role_holders.c
    return conn.execute(sa.select(rh.assignment_id).where(rh.tenant == tenant).limit(1)).first() is not None


def unit_kinds(conn, tenant: str, unit_ids) -> dict[str, str]:
    ou = tables.org_units.c
    return dict(conn.execute(sa.select(ou.id, ou.kind).where(ou.tenant == tenant, ou.id.in_(list(unit_ids)))).all())
