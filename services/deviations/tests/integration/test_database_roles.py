"""Least privilege: migrations run as the owner, the service as a runtime role that may add to the audit trail
and the read log but not change, remove or unguard them."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from ordning_shared.db import make_engine
from ordning_shared.migrations import upgrade
from ordning_shared.outbox import OutboxRelay

from ordning_deviations.app import create_app

from .conftest import TREE, Env, org_event_body

pytestmark = pytest.mark.integration


def test_the_runtime_role_adds_to_the_audit_trail_but_cannot_change_or_unguard_it(runtime_role_settings):
    settings = runtime_role_settings("deviations")
    runtime_url, owner_url = settings.database_url, settings.owner_database_url
    role = sa.engine.make_url(runtime_url).username

    app = create_app(settings)  # the service runs as the runtime role
    env = Env(app=app, client=app.test_client(), platform=app.extensions["ordning"], settings=settings)
    engine = make_engine(runtime_url)
    try:
        for tenant, unit_id, kind, parent in TREE:
            assert env.feed(org_event_body(tenant, unit_id, kind, parent)) == "processed"
        case = env.report("lex_sarah")["id"]
        chef = env.auth("erik", ["enhetschef"], ["e1"])
        assert env.act(case, "receive", chef).status_code == 200
        # the worker's relay, as the same role, publishes the events and marks them sent
        relay = OutboxRelay(env.platform)
        assert relay.publish_pending() == 2
        relay.publisher.close()
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT current_user")).scalar_one() == role
            assert connection.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one() == 2
            assert connection.execute(sa.text("SELECT count(*) FROM read_log")).scalar_one() == 1

        refused = {statement: "permission denied" for table in ("audit_log", "read_log") for statement in (
            f"UPDATE {table} SET actor = 'eve'", f"DELETE FROM {table}", f"TRUNCATE {table}")}
        refused.update({
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete": "must be owner",
            "ALTER TABLE audit_log DISABLE TRIGGER ALL": "must be owner",
            "DROP TRIGGER audit_log_no_truncate ON audit_log": "must be owner",
            "DROP TRIGGER read_log_no_update_delete ON read_log": "must be owner",
            "DROP TABLE audit_log": "must be owner",
            "DELETE FROM alembic_version": "permission denied",
        })
        for statement, message in refused.items():
            with pytest.raises(sa.exc.DBAPIError, match=message):
                with engine.begin() as connection:
                    connection.execute(sa.text(statement))
    finally:
        engine.dispose()
        env.platform.dispose()

    # a second migration run (an upgrade) grants the same again and nothing more
    upgrade("deviations", settings)
    owner = make_engine(owner_url)
    try:
        with owner.connect() as connection:
            granted = connection.execute(sa.text(
                "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type) "
                "FROM information_schema.role_table_grants WHERE grantee = :role GROUP BY table_name"),
                {"role": role}).all()
    finally:
        owner.dispose()
    granted = dict(granted)
    assert granted["audit_log"] == granted["read_log"] == "INSERT,SELECT"
    assert granted["deviations"] == granted["outbox"] == "DELETE,INSERT,SELECT,UPDATE"
    assert "alembic_version" not in granted
