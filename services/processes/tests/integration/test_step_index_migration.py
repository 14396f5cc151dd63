"""Migration 0007 fills the step index from the process versions already stored (real PostgreSQL)."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from ordning_shared.db import make_engine
from ordning_shared.migrations import upgrade
from ordning_shared.testing import make_settings

pytestmark = pytest.mark.integration
A, B = "0138", "1407"
UNIT, PROCESS = "a0000000-0000-4000-8000-0000000000e1", "b0000000-0000-4000-8000-000000000001"
S1, S2, S3 = ("c0000000-0000-4000-8000-00000000000" + n for n in "123")


def test_0007_indexes_the_steps_of_every_stored_version_of_each_tenant(create_database, broker_url, tmp_path):
    settings = make_settings("processes", database_url=create_database("processes"), broker_url=broker_url,
                             data_dir=tmp_path)
    upgrade("processes", settings, "0006")
    engine = make_engine(settings.database_url)
    try:
        with engine.begin() as connection:
            for tenant, steps_of_versions in ((A, [[S1, S2], [S2, S3]]), (B, [[S1]])):
                connection.execute(sa.text(
                    "INSERT INTO org_units (tenant, id, kind, name, revision, created_at, updated_at) "
                    "VALUES (:tenant, :unit, 'administration', 'Förvaltningen', 1, now(), now())"),
                    {"tenant": tenant, "unit": UNIT})
                connection.execute(sa.text(
                    "INSERT INTO processes (tenant, id, unit_id, kind, revision, created_at, updated_at) "
                    "VALUES (:tenant, :process, :unit, 'huvudprocess', 1, now(), now())"),
                    {"tenant": tenant, "process": PROCESS, "unit": UNIT})
                for number, step_ids in enumerate(steps_of_versions, start=1):
                    status = "established" if number == len(steps_of_versions) else "superseded"
                    connection.execute(sa.text(
                        "INSERT INTO process_versions (tenant, process_id, number, status, name, owner_role, steps, "
                        "created_at, created_by) VALUES (:tenant, :process, :number, :status, 'P', 'processagare', "
                        "CAST(:steps AS json), now(), 'admin')"),
                        {"tenant": tenant, "process": PROCESS, "number": number, "status": status,
                         "steps": json.dumps([{"id": step_id, "name": "Steg"} for step_id in step_ids])})
        upgrade("processes", settings)
        with engine.connect() as connection:
            indexed = set(connection.execute(sa.text("SELECT tenant, step_id, process_id FROM process_steps")).all())
    finally:
        engine.dispose()
    assert indexed == {(A, S1, PROCESS), (A, S2, PROCESS), (A, S3, PROCESS), (B, S1, PROCESS)}
