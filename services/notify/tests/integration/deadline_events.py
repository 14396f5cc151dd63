"""The owning services' events as the deadline tests feed them: a case's (deviations), an action's (deviations or
risks), a document version's (processes), a yearly report finished (reporting), each as its producer publishes it,
serialized."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from ordning_shared import events
from ordning_shared.testing import UNITS as U

from ordning_notify.deadline_db import deadlines
from ordning_notify.db import notices


def _body(event_type: str, tenant: str, service: str, subject: str, data: dict, sequence: int) -> bytes:
    event = events.DomainEvent(type=event_type, tenant=tenant, subject=subject, data=data, sequence=sequence)
    return events.serialize(events.to_cloudevent(event, service))


def case_event(tenant, case_id, what, version, status, *, unit="e1", kind="avvikelse", **data) -> bytes:
    """A se.ordning.deviation.<what>.v1 of one case."""
    payload = {"deviation_id": case_id, "kind": kind, "unit_id": U.get(unit, unit), "category_id": None,
               "status": status, "version": version, **data}
    return _body(f"se.ordning.deviation.{what}.v1", tenant, "deviations", case_id, payload, version)


def reported(tenant, *, receipt_due, investigation_due, ivo_due=None, unit="e1", kind="avvikelse",
             case_id=None) -> tuple[str, bytes]:
    """(case id, its se.ordning.deviation.reported.v1)."""
    case_id = case_id or str(uuid.uuid4())
    return case_id, case_event(tenant, case_id, "reported", 1, "reported", unit=unit, kind=kind, origin="staff",
                               anonymous=False, occurred_at=None, reported_at="2026-05-11T08:30:00+00:00",
                               receipt_due=receipt_due, investigation_due=investigation_due, ivo_due=ivo_due,
                               process_step_id=None)


def received(tenant, case_id, *, unit="e1", kind="avvikelse", version=2) -> bytes:
    return case_event(tenant, case_id, "received", version, "received", unit=unit, kind=kind,
                      received_at="2026-05-12T07:00:00+00:00")


def action_event(tenant, action_id, what, version, *, status="planned", due_date="2026-06-01", owner_id="anna",
                 unit="e1", origin_id=None) -> bytes:
    payload = {"action_id": action_id, "origin_type": "deviation", "origin_id": origin_id or str(uuid.uuid4()),
               "unit_id": U.get(unit, unit), "status": status, "due_date": due_date, "completed_at": None,
               "effect_followed_up": False, "owner_id": owner_id, "version": version}
    return _body(f"se.ordning.action.{what}.v1", tenant, "deviations", action_id, payload, version)


def document_established(tenant, document_id, *, revision=2, number=1, review_date="2027-01-29",
                         unit="e2") -> bytes:
    payload = {"document_id": document_id, "revision": revision, "kind": "rutin", "owner_unit_id": U.get(unit, unit),
               "unit_ids": [], "step_ids": [], "version": number, "established_on": "2026-01-29",
               "review_date": review_date, "superseded_version": number - 1 if number > 1 else None}
    return _body("se.ordning.document.version_established.v1", tenant, "processes", document_id, payload, revision)


def report_finished(tenant, year: int, *, kind="patient_safety_report", unit=None, report_id=None,
                    version=5) -> bytes:
    """A se.ordning.report.finished.v1 of the reporting service: a förvaltning's report with `unit`, else the
    municipality's."""
    report_id = report_id or str(uuid.uuid4())
    payload = {"report_id": report_id, "kind": kind, "scope_type": "administration" if unit else "municipality",
               "unit_id": U.get(unit, unit) if unit else None, "year": year,
               "finished_at": f"{year + 1}-02-03T09:00:00+00:00", "version": version}
    return _body("se.ordning.report.finished.v1", tenant, "reporting", report_id, payload, version)


def calendar_changed(tenant, version: int, *, extra_days_off=(), non_working_eves=("julafton", "midsommarafton",
                                                                                   "nyårsafton")) -> bytes:
    """A se.ordning.working_calendar.changed.v1 of the deviations service: the tenant's calendar, whole."""
    calendar = str(uuid.uuid5(uuid.NAMESPACE_URL, f"calendar/{tenant}"))
    payload = {"calendar_id": calendar, "non_working_eves": sorted(non_working_eves),
               "extra_days_off": sorted(extra_days_off), "changed_at": "2026-05-13T10:00:00+00:00",
               "version": version}
    return _body("se.ordning.working_calendar.changed.v1", tenant, "deviations", calendar, payload, version)


def notices_of(platform, tenant: str, kind: str | None = None) -> list[tuple[str, str, str, str]]:
    """(recipient, kind, subject id, event id) of the tenant's notices of deadlines (not those of the rules on
    events), sorted."""
    n = notices.c
    query = sa.select(n.recipient, n.kind, n.subject_id, n.event_id).where(
        n.tenant == tenant, n.event_source == f"/ordning/{tenant}/notify")
    if kind is not None:
        query = query.where(n.kind == kind)
    with platform.engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(query))


def deadline_states(platform, tenant: str) -> dict[tuple[str, str], tuple[str, int]]:
    """{(subject id, kind): (state, round)} of the tenant's deadlines."""
    d = deadlines.c
    with platform.engine.connect() as conn:
        return {(row.subject_id, row.kind): (row.state, row.round) for row in conn.execute(
            sa.select(d.subject_id, d.kind, d.state, d.round).where(d.tenant == tenant))}


def at(day: str, hour: int = 6) -> datetime:
    """A moment on a Swedish day (UTC, early in the morning there)."""
    from datetime import timezone

    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=timezone.utc)
