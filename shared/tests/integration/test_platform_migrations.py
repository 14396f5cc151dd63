"""The platform's tables are migrated once, by the platform's own Alembic branches, for every service."""
from __future__ import annotations

import importlib
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ordning_shared import platform_migrations
from ordning_shared.db import make_engine
from ordning_shared.migrations import alembic_config, database_only, upgrade
from ordning_shared.testing import make_settings

pytestmark = pytest.mark.integration

SERVICES = ("processes", "deviations", "risks", "reporting", "notify")
PLATFORM_TABLES = ("outbox", "inbox", "audit_log", "read_log", "idempotency_keys", "org_unit_replica",
                   "role_holder_replica", "process_replica", "process_step_replica")


def _service_metadata(service: str) -> sa.MetaData:
    return importlib.import_module(f"ordning_{service}.db").metadata


@pytest.mark.parametrize("service", SERVICES)
def test_a_migrated_database_matches_the_service_tables_and_the_platform_tables(service, migrated_settings):
    settings = migrated_settings(service)
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            metadata = _service_metadata(service)  # less what it keeps in the database only, as the env does
            diff = compare_metadata(MigrationContext.configure(connection, opts={
                "compare_type": True, "include_object": database_only(metadata)}), metadata)
            heads = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    assert diff == []
    script = ScriptDirectory.from_config(alembic_config(service, settings))
    # A platform head reached through the service's depends_on is applied without a row of its own.
    applied = {revision.revision for revision in script.iterate_revisions(tuple(heads), "base")}
    assert set(script.get_heads()) <= applied
    wanted = importlib.import_module(f"ordning_{service}.migrations").PLATFORM_BRANCHES
    assert {label for head in script.get_heads() for label in script.get_revision(head).branch_labels} \
        == {service, *wanted}


@pytest.mark.parametrize("service", SERVICES)
def test_the_audit_trail_and_read_log_of_every_service_are_append_only(service, migrated_settings):
    engine = make_engine(migrated_settings(service).database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO audit_log (tenant, at, actor, action, entity_type, entity_id) "
                "VALUES ('0138', now(), 'adam', 'create', 'thing', 'x')"))
            connection.execute(sa.text(
                "INSERT INTO read_log (tenant, at, actor, entity_type, entity_id, how) "
                "VALUES ('0138', now(), 'adam', 'thing', 'x', 'read')"))
        for table in ("audit_log", "read_log"):
            for statement in (f"UPDATE {table} SET actor = 'eve'", f"DELETE FROM {table}", f"TRUNCATE {table}"):
                with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                    with engine.begin() as connection:
                        connection.execute(sa.text(statement))
    finally:
        engine.dispose()


def test_no_service_migration_declares_a_platform_table():
    """A platform table is declared in ordning_shared.platform_migrations only, never again by a service."""
    root = Path(__file__).resolve().parents[3] / "services"
    offenders = []
    for path in root.glob("*/migrations/versions/*.py"):
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(root)}: {table}" for table in PLATFORM_TABLES
                      if f"create_table('{table}'" in text or f'create_table("{table}"' in text]
    assert offenders == []
    declared = {table for branch in platform_migrations.BRANCHES
                for path in Path(platform_migrations.location(branch)).glob("*.py")
                for table in PLATFORM_TABLES if f'create_table(\n        "{table}"' in path.read_text(encoding="utf-8")}
    assert declared == set(PLATFORM_TABLES)


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_platform_0002_keeps_the_names_of_changed_fields_and_moves_reads_to_the_read_log(
        database, create_database, tmp_path):
    """An audit trail written before platform_0002 loses its text, keeps what changed, and its reads move."""
    url = create_database("p2") if database == "postgresql" else f"sqlite:///{tmp_path / 'processes.db'}"
    settings = make_settings("processes", database_url=url, broker_url="filesystem://", data_dir=tmp_path)
    upgrade("processes", settings, "0001")  # the service's first revision needs platform_0001 only
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            insert = sa.text("INSERT INTO audit_log (tenant, at, actor, action, entity_type, entity_id, before, after) "
                             "VALUES ('0138', :at, :actor, :action, 'deviation', 'd1', :before, :after)")
            at = datetime(2026, 1, 1, tzinfo=timezone.utc)
            connection.execute(insert, {"at": at, "actor": "adam", "action": "update",
                                        "before": json.dumps({"status": "received", "description": "19121212-1212"}),
                                        "after": json.dumps({"status": "received", "description": "tolvan@example.org"})})
            connection.execute(insert, {"at": at, "actor": "erik", "action": "read", "before": None,
                                        "after": json.dumps({"via": "list"})})
        upgrade("processes", settings)
        with engine.connect() as connection:
            audit = connection.execute(sa.text("SELECT * FROM audit_log")).mappings().all()
            reads = connection.execute(sa.text("SELECT actor, entity_id, how FROM read_log")).all()
    finally:
        engine.dispose()
    assert [(row["action"], row["changed_fields"], row["changed_values"]) for row in audit] in (
        [("update", ["description"], None)], [("update", '["description"]', None)])  # SQLite: JSON as text
    assert "before" not in audit[0] and "after" not in audit[0]
    assert [tuple(row) for row in reads] == [("erik", "d1", "list")]


PROBE_REVISION = '''
revision = "platform_9999"
down_revision = "platform_0001"
branch_labels = None
depends_on = None
import sqlalchemy as sa
from alembic import op
def upgrade():
    op.add_column("outbox", sa.Column("probe", sa.Integer))
def downgrade():
    op.drop_column("outbox", "probe")
'''


def test_one_platform_revision_reaches_every_service_already_migrated(migrated_settings, tmp_path, monkeypatch):
    """A platform change is one migration: every service's `upgrade` applies it over its existing history."""
    settings = {service: migrated_settings(service) for service in SERVICES}
    original = platform_migrations.location
    copies = {}
    for branch in platform_migrations.BRANCHES:
        folder = copies[branch] = tmp_path / branch
        folder.mkdir()
        for path in Path(original(branch)).glob("*.py"):
            (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (copies["platform"] / "platform_9999_probe.py").write_text(PROBE_REVISION, encoding="utf-8")
    monkeypatch.setattr(platform_migrations, "location", lambda branch: str(copies[branch]))
    from ordning_shared.migrations import upgrade

    for service in SERVICES:
        upgrade(service, settings[service])
        engine = make_engine(settings[service].database_url)
        try:
            columns = {column["name"] for column in sa.inspect(engine).get_columns("outbox")}
        finally:
            engine.dispose()
        assert "probe" in columns, service
