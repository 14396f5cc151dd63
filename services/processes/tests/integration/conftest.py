"""Fixtures for the processes service against real PostgreSQL and RabbitMQ."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ordning_shared.testing import issue_token, watch_documented_answers, watch_problem_messages

from ordning_processes import db
from ordning_processes.app import create_app

TENANT_A = "0138"  # Tyresö
TENANT_B = "1407"  # Öckerö
BASE = "/api/v1/org-units"


@pytest.fixture
def settings(migrated_settings):
    return migrated_settings("processes")


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    undocumented = watch_documented_answers(app)
    badly_worded = watch_problem_messages(app)
    yield app
    app.extensions["ordning"].dispose()
    assert not undocumented, "answers missing from /openapi.json"
    assert not badly_worded, "problems not worded as a Swedish sentence, then an English one"


@pytest.fixture
def platform(app):
    return app.extensions["ordning"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def token(settings):
    def _token(subject: str = "admin-1", tenant: str = TENANT_A, roles=("administrator",), org_units=()):
        return {"Authorization": "Bearer " + issue_token(settings, subject, tenant, list(roles), list(org_units))}
    return _token


@pytest.fixture
def admin(token):
    return token()


@pytest.fixture
def admin_b(token):
    return token("admin-b", TENANT_B)


class OrgClient:
    """Small helpers over the test client; each asserts the status it expects."""

    def __init__(self, client, headers):
        self.client, self.headers = client, headers

    def create(self, kind, name, parent_id=None, headers=None, expect=201, **extra):
        body = {"kind": kind, "name": name, **extra}
        if parent_id is not None:
            body["parent_id"] = parent_id
        response = self.client.post(BASE, json=body, headers=headers or self.headers)
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def get(self, unit_id, headers=None):
        response = self.client.get(f"{BASE}/{unit_id}", headers=headers or self.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json(), response.headers["ETag"]

    def if_match(self, unit_id) -> dict:
        return {**self.headers, "If-Match": self.get(unit_id)[1]}

    def move(self, unit_id, parent_id, expect=200):
        response = self.client.post(f"{BASE}/{unit_id}/move", json={"parent_id": parent_id},
                                    headers=self.if_match(unit_id))
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def close(self, unit_id, expect=200):
        response = self.client.post(f"{BASE}/{unit_id}/close", json={}, headers=self.if_match(unit_id))
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def tree(self):
        """board > administration > unit, in tenant of the headers."""
        board = self.create("board", "Socialnämnden")
        administration = self.create("administration", "Socialförvaltningen", board["id"])
        unit = self.create("unit", "Hemtjänst Norr", administration["id"])
        return board, administration, unit


@pytest.fixture
def org(client, admin):
    return OrgClient(client, admin)


@pytest.fixture
def org_b(client, admin_b):
    return OrgClient(client, admin_b)


@pytest.fixture
def counts(platform):
    """Row counts of every table the service writes, to prove a refused request wrote nothing."""
    def _counts() -> dict:
        tables = [db.org_units, db.org_unit_history, db.tables.audit_log, db.tables.outbox,
                  db.tables.idempotency_keys]
        with platform.engine.connect() as connection:
            return {t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                    for t in tables}
    return _counts
