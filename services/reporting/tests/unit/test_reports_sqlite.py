"""The yearly reports in the embedded default (SQLite, no broker): the reports' migration matches the tables, and a
report is created from events, written, finished and served as HTML and PDF there too."""
from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta, timezone

import pypdf
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from ordning_shared import consumer, events, migrations
from ordning_shared.db import make_engine
from ordning_shared.events import DomainEvent
from ordning_shared.testing import issue_token, make_settings

from ordning_reporting import db
from ordning_reporting.app import create_app
from ordning_reporting.handlers import HANDLERS

TENANT = "0138"
BOARD, ADMINISTRATION, UNIT = ("a0000000-0000-0000-0000-00000000000c", "a0000000-0000-0000-0000-00000000000f",
                               "a0000000-0000-0000-0000-0000000000e1")
YEAR = datetime.now(timezone.utc).year


def feed(platform, event: DomainEvent, service: str) -> None:
    body = events.serialize(events.to_cloudevent(event, service))
    assert consumer.handle_event(platform, HANDLERS, body) == "processed"


@pytest.fixture
def app(tmp_path):
    settings = make_settings("reporting", database_url=f"sqlite:///{tmp_path / 'reporting.db'}",
                             broker_url="filesystem://", data_dir=tmp_path)
    migrations.upgrade("reporting", settings)
    app = create_app(settings)
    platform = app.extensions["ordning"]
    for unit_id, kind, parent, name in ((BOARD, "board", None, "Socialnämnden"),
                                        (ADMINISTRATION, "administration", BOARD, "Socialförvaltningen"),
                                        (UNIT, "unit", ADMINISTRATION, "Hemtjänst Norr")):
        feed(platform, DomainEvent(type="se.ordning.org_unit.created.v1", tenant=TENANT, subject=unit_id,
                                   data={"unit_id": unit_id, "kind": kind, "name": name, "parent_id": parent,
                                         "closed_at": None, "revision": 1}), "processes")
    app.settings = settings
    yield app
    platform.dispose()


def report_a_case(platform, day: date) -> None:
    case = str(uuid.uuid4())
    reported_at = datetime(day.year, day.month, day.day, 9, tzinfo=timezone.utc).isoformat()
    feed(platform, DomainEvent(
        type="se.ordning.deviation.reported.v1", tenant=TENANT, subject=case, sequence=1,
        data={"deviation_id": case, "kind": "avvikelse", "unit_id": UNIT, "category_id": None, "status": "reported",
              "origin": "staff", "anonymous": False, "occurred_at": None, "reported_at": reported_at,
              "receipt_due": (day + timedelta(days=2)).isoformat(),
              "investigation_due": (day + timedelta(days=14)).isoformat(), "ivo_due": None, "version": 1}),
         "deviations")


def test_the_migrations_make_the_tables_the_code_declares(tmp_path):
    settings = make_settings("reporting", database_url=f"sqlite:///{tmp_path / 'r.db'}", broker_url="filesystem://",
                             data_dir=tmp_path)
    migrations.upgrade("reporting", settings)
    engine = make_engine(settings.database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata)
    engine.dispose()
    assert [change for change in diff if "reports" in str(change)] == []


def test_a_report_from_events_to_a_finished_pdf_on_sqlite(app):
    platform = app.extensions["ordning"]
    for day in (date(YEAR, 1, 5), date(YEAR, 1, 6), date(YEAR, 1, 7)):
        report_a_case(platform, day)
    client = app.test_client()
    who = {"Authorization": "Bearer " + issue_token(app.settings, "frida", TENANT, ["forvaltningschef"],
                                                    [ADMINISTRATION], "Frida Förvaltningschef")}
    created = client.post("/api/v1/reports", headers=who, json={
        "kind": "quality_report", "scope_type": "administration", "unit_id": ADMINISTRATION, "year": YEAR})
    assert created.status_code == 201, created.get_json()
    report_id = created.get_json()["id"]
    written = client.put(f"/api/v1/reports/{report_id}/sections/sammanfattning", json={"text": "Tre avvikelser."},
                         headers={**who, "If-Match": created.headers["ETag"]})
    assert written.status_code == 200, written.get_json()
    finished = client.post(f"/api/v1/reports/{report_id}/finish", headers={**who, "If-Match": written.headers["ETag"]})
    assert finished.status_code == 200, finished.get_json()
    html = client.get(f"/api/v1/reports/{report_id}", query_string={"format": "html"}, headers=who)
    assert "Färdig" in html.get_data(as_text=True) and "Frida Förvaltningschef" in html.get_data(as_text=True)
    document = client.get(f"/api/v1/reports/{report_id}", headers={**who, "Accept": "application/pdf"})
    assert document.status_code == 200 and document.content_type == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(document.data)).pages).split())
    assert "Kvalitetsberättelse" in text and "Socialförvaltningen" in text and "Tre avvikelser." in text
    assert "Anmälda ärenden < 5" in text  # three cases: a small count in the nämnd's document
    assert "Små tal visas inte" in text and "färre än 5 ärenden" in text
