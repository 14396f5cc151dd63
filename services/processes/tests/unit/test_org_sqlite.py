"""The embedded default: migrations and the API on SQLite, no infrastructure needed."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ordning_shared import migrations
from ordning_shared.db import make_engine
from ordning_shared.testing import issue_token, make_settings

from ordning_processes.app import create_app
from ordning_processes.db import metadata


def _settings(tmp_path):
    return make_settings("processes", database_url=f"sqlite:///{tmp_path / 'processes.db'}",
                         broker_url="filesystem://", data_dir=tmp_path)


def test_migrations_match_the_tables(tmp_path):
    settings = _settings(tmp_path)
    migrations.upgrade("processes", settings)
    engine = make_engine(settings.database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert diff == []


def test_tree_on_sqlite(tmp_path):
    settings = _settings(tmp_path)
    migrations.upgrade("processes", settings)
    client = create_app(settings).test_client()
    admin = {"Authorization": "Bearer " + issue_token(settings, "admin-1", "0138", ["administrator"])}
    board = client.post("/api/v1/org-units", json={"kind": "board", "name": "Socialnämnden"}, headers=admin)
    assert board.status_code == 201
    adm = client.post("/api/v1/org-units", json={"kind": "administration", "name": "Socialförvaltningen",
                                                 "parent_id": board.json["id"]}, headers=admin).json
    cycle = client.post(f"/api/v1/org-units/{board.json['id']}/move", json={"parent_id": adm["id"]},
                        headers={**admin, "If-Match": board.headers["ETag"]})
    assert cycle.status_code == 409 and cycle.json["code"] == "cycle"
    closed = client.post(f"/api/v1/org-units/{adm['id']}/close", json={},
                         headers={**admin, "If-Match": f'"{adm["id"]}.1"'})
    assert closed.status_code == 200 and closed.json["revision"] == 2
    history = client.get(f"/api/v1/org-units/{adm['id']}/history", headers=admin).json["items"]
    assert [h["change"] for h in history] == ["created", "closed"]
    public = client.get("/api/v1/public/0138/org-units").json["items"]
    assert [u["id"] for u in public] == [board.json["id"]]
