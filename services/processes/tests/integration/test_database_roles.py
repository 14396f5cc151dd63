"""The organisation tree's service runs as its runtime role: it changes units, and only adds to the audit trail."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from ordning_shared.db import make_engine
from ordning_shared.testing import issue_token

from ordning_processes.app import create_app

from .conftest import BASE, TENANT_A

pytestmark = pytest.mark.integration


def test_the_runtime_role_changes_units_and_only_adds_to_the_audit_trail(runtime_role_settings):
    settings = runtime_role_settings("processes")
    app = create_app(settings)
    engine = make_engine(settings.database_url)
    try:
        admin = {"Authorization": "Bearer " + issue_token(settings, "admin-1", TENANT_A, ["administrator"])}
        client = app.test_client()
        r = client.post(BASE, json={"kind": "board", "name": "Socialnämnden"}, headers=admin)
        assert r.status_code == 201, r.get_json()
        r = client.patch(f"{BASE}/{r.get_json()['id']}", json={"name": "Vård- och omsorgsnämnden"},
                         headers={**admin, "If-Match": r.headers["ETag"]})
        assert r.status_code == 200, r.get_json()
        # the process map's tables too: a draft process established
        process = client.post("/api/v1/processes", headers=admin, json={
            "unit_id": r.get_json()["id"], "kind": "ledningsprocess", "name": "Styrning", "steps": [{"name": "Planera"}]})
        assert process.status_code == 201, process.get_json()
        established = client.post(f"/api/v1/processes/{process.get_json()['id']}/establish", json={},
                                  headers={**admin, "If-Match": process.headers["ETag"]})
        assert established.status_code == 200, established.get_json()
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
