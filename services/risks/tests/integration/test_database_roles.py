"""The risks service runs as its runtime role: it changes analyses and risks, and only adds to the audit trail."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from ordning_shared.db import make_engine

from ordning_risks.app import create_app

from .conftest import CHEF_E1, TREE, Env, org_event_body

pytestmark = pytest.mark.integration


def test_the_runtime_role_works_and_only_adds_to_the_audit_trail(runtime_role_settings):
    settings = runtime_role_settings("risks")
    app = create_app(settings)
    engine = make_engine(settings.database_url)
    env = Env(app=app, client=app.test_client(), platform=app.extensions["ordning"], settings=settings)
    try:
        for tenant, unit_id, kind, parent in TREE:
            assert env.feed(org_event_body(tenant, unit_id, kind, parent)) == "processed"
        analysis = env.analysis()
        assert env.act(analysis["id"], "start").status_code == 200
        risk = env.risk(analysis["id"])
        assert env.score(analysis["id"], risk["id"], 2, 2, who=CHEF_E1).status_code == 201
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM audit_log")).scalar_one() == 4
        for statement in ("UPDATE audit_log SET actor = 'eve'", "DELETE FROM audit_log", "TRUNCATE audit_log",
                          "ALTER TABLE audit_log DISABLE TRIGGER ALL"):
            with pytest.raises(sa.exc.DBAPIError, match="permission denied|must be owner"):
                with engine.begin() as connection:
                    connection.execute(sa.text(statement))
    finally:
        engine.dispose()
        app.extensions["ordning"].dispose()
