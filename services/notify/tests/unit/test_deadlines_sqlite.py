"""Deadlines in the embedded default, SQLite, where the code differs from PostgreSQL (no row locks: one worker):
a late case's reminder and escalation, once each, and the read API's cursor pages on SQLite's SQL."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from ordning_shared import consumer, events
from ordning_shared.events import DomainEvent
from ordning_shared.testing import TENANT_A, UNITS, issue_token

from ordning_notify import deadline_service
from ordning_notify.db import notices
from ordning_notify.handlers import HANDLERS


def _body(event_type, service, subject, data) -> bytes:
    event = DomainEvent(type=event_type, tenant=TENANT_A, subject=subject, data=data, sequence=data.get("version", 1))
    return events.serialize(events.to_cloudevent(event, service))


def feed(app, body) -> str:
    return consumer.handle_event(app.extensions["ordning"], HANDLERS, body)


def report(app, receipt_due: str) -> str:
    case = str(uuid.uuid4())
    assert feed(app, _body("se.ordning.deviation.reported.v1", "deviations", case, {
        "deviation_id": case, "kind": "avvikelse", "unit_id": UNITS["e1"], "category_id": None, "status": "reported",
        "origin": "staff", "anonymous": False, "occurred_at": None, "reported_at": "2026-05-11T08:30:00+00:00",
        "receipt_due": receipt_due, "investigation_due": "2026-06-09", "ivo_due": None, "process_step_id": None,
        "version": 1})) == "processed"
    return case


def fire(app, day: str) -> int:
    return deadline_service.fire_due_deadlines(app.extensions["ordning"],
                                               now=datetime.fromisoformat(f"{day}T06:00:00").replace(
                                                   tzinfo=timezone.utc))


def deadline_notices(app) -> list[tuple[str, str]]:
    n = notices.c
    with app.extensions["ordning"].engine.connect() as conn:
        return sorted(conn.execute(sa.select(n.recipient, n.kind).where(n.event_id.startswith("deadline:"))).all())


def test_a_late_case_is_reminded_and_escalated_once_each_on_sqlite(app):
    report(app, "2026-05-12")
    assert fire(app, "2026-05-13") == 1 and fire(app, "2026-05-13") == 0
    assert fire(app, "2026-05-18") == 0 and fire(app, "2026-05-19") == 1 and fire(app, "2026-05-19") == 0
    assert deadline_notices(app) == [("erik", "receipt_overdue"), ("vera", "deadline_escalated")]


def test_the_deadline_list_pages_on_sqlite(app):
    cases = [report(app, due) for due in ("2026-05-12", "2026-05-14", "2026-05-20")]
    admin = {"Authorization": "Bearer " + issue_token(app.settings, "adam", TENANT_A, ["administrator"])}
    client, seen, cursor = app.test_client(), [], None
    while True:
        page = client.get("/api/v1/deadlines", query_string={"kind": "receipt", "limit": 2, **(
            {"cursor": cursor} if cursor else {})}, headers=admin).get_json()
        seen += [item["subject_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == cases
