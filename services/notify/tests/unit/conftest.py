"""notify on SQLite, the embedded default, for the unit tests that run its code where it differs from PostgreSQL."""
from __future__ import annotations

import uuid

import pytest
from ordning_shared import consumer, events, migrations
from ordning_shared.testing import ORG_TREE, TENANT_A, UNITS, make_settings, org_event_body

from ordning_notify.app import create_app
from ordning_notify.handlers import HANDLERS


@pytest.fixture
def app(tmp_path):
    """The notify app on a fresh SQLite database and the filesystem bus, its copies holding the org tree and two
    chiefs: Erik, enhetschef of e1, and Vera, verksamhetschef of v (tenant A)."""
    settings = make_settings("notify", database_url=f"sqlite:///{tmp_path / 'notify.db'}",
                             broker_url="filesystem://", data_dir=tmp_path)
    migrations.upgrade("notify", settings)
    app = create_app(settings)
    app.settings = settings
    platform = app.extensions["ordning"]
    for tenant, unit_id, kind, parent in ORG_TREE:
        assert consumer.handle_event(platform, HANDLERS, org_event_body(tenant, unit_id, kind, parent)) == "processed"
    for user_id, role, unit in (("erik", "enhetschef", "e1"), ("vera", "verksamhetschef", "v")):
        assignment = str(uuid.uuid4())
        event = events.DomainEvent(type="se.ordning.role.assigned.v1", tenant=TENANT_A, subject=assignment, data={
            "assignment_id": assignment, "role": role, "unit_id": UNITS[unit], "process_id": None,
            "user_id": user_id, "valid_from": "2020-01-01", "valid_to": None, "version": 1}, sequence=1)
        body = events.serialize(events.to_cloudevent(event, "processes"))
        assert consumer.handle_event(platform, HANDLERS, body) == "processed"
    yield app
    platform.dispose()
