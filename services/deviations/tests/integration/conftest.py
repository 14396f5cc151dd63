"""Fixtures: a fresh PostgreSQL database migrated to head, the app, an org tree fed through org events."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from ordning_shared.testing import ORG_TREE as TREE
from ordning_shared.testing import TENANT_A as A
from ordning_shared.testing import TENANT_B as B
from ordning_shared.testing import UNITS as U
from ordning_shared.testing import ServiceEnv, org_event_body, service_env

from ordning_deviations import db
from ordning_deviations.app import create_app
from ordning_deviations.handlers import HANDLERS

__all__ = ["A", "B", "TREE", "U", "org_event_body"]  # the tests import the tree from here


@dataclass
class Env(ServiceEnv):
    handlers: dict = field(default_factory=lambda: HANDLERS)

    def row(self, deviation_id):
        with self.platform.engine.connect() as conn:
            return conn.execute(sa.select(db.deviations).where(db.deviations.c.id == deviation_id)).first()

    # shortcuts -------------------------------------------------------------
    def report(self, kind="avvikelse", unit="e1", who=("anna", ["medarbetare"], ["e1"]), **extra):
        subject, roles, units = who
        r = self.client.post("/api/v1/deviations", headers=self.auth(subject, roles, units),
                             json={"kind": kind, "unit_id": U.get(unit, unit), "description": "Fallolycka i korridoren",
                                   **extra})
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def act(self, deviation_id, command, headers, etag=None):
        etag = etag or self.client.get(f"/api/v1/deviations/{deviation_id}", headers=headers).headers["ETag"]
        body = {"command": command, **({"rejection": {"reason": "spam"}} if command == "reject" else {})}
        return self.client.post(f"/api/v1/deviations/{deviation_id}/transitions", json=body,
                                headers={**headers, "If-Match": etag})

    def put(self, path, body, headers):
        deviation_path = "/".join(path.split("/")[:5])
        etag = self.client.get(deviation_path, headers=headers).headers["ETag"]
        return self.client.put(path, json=body, headers={**headers, "If-Match": etag})


@pytest.fixture
def settings(migrated_settings):
    return migrated_settings("deviations")


@pytest.fixture
def env(settings):
    yield from service_env(Env, settings, create_app)


# the people of tenant A
STAFF_E1 = ("anna", ["medarbetare"], ["e1"])
CHEF_E1 = ("erik", ["enhetschef"], ["e1"])
CHEF_E2 = ("eva", ["enhetschef"], ["e2"])
FCHEF_F = ("frida", ["forvaltningschef"], ["f"])
MAS_F = ("maria", ["mas"], ["f"])
KVAL_N = ("karl", ["kvalitetsutvecklare"], ["n"])
ADMIN = ("adam", ["administrator"], ["n"])
