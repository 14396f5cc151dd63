"""Fixtures: a fresh PostgreSQL database migrated to head, the app, an org tree fed through org events."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from ordning_shared import consumer, events
from ordning_shared.events import DomainEvent
from ordning_shared.testing import issue_token, watch_documented_answers, watch_problem_messages

from ordning_deviations import db
from ordning_deviations.app import create_app
from ordning_deviations.handlers import HANDLERS

A, B = "0138", "1407"

# tenant A: nämnd N > förvaltning F > verksamhetsområde V > enheter E1, E2;  N > förvaltning F2 > enhet E3
# tenant B: förvaltning FB > enhet EB
TREE = [
    (A, "a0000000-0000-0000-0000-00000000000c", "namnd", None),
    (A, "a0000000-0000-0000-0000-00000000000f", "forvaltning", "a0000000-0000-0000-0000-00000000000c"),
    (A, "a0000000-0000-0000-0000-00000000000d", "verksamhetsomrade", "a0000000-0000-0000-0000-00000000000f"),
    (A, "a0000000-0000-0000-0000-0000000000e1", "enhet", "a0000000-0000-0000-0000-00000000000d"),
    (A, "a0000000-0000-0000-0000-0000000000e2", "enhet", "a0000000-0000-0000-0000-00000000000d"),
    (A, "a0000000-0000-0000-0000-0000000000f2", "forvaltning", "a0000000-0000-0000-0000-00000000000c"),
    (A, "a0000000-0000-0000-0000-0000000000e3", "enhet", "a0000000-0000-0000-0000-0000000000f2"),
    (B, "b0000000-0000-0000-0000-0000000000fb", "forvaltning", None),
    (B, "b0000000-0000-0000-0000-0000000000eb", "enhet", "b0000000-0000-0000-0000-0000000000fb"),
]
# U["e1"], U["f"], U["fb"], ...: the last two hex digits name the unit (0c is N, 0d is V).
U = {{"c": "n", "d": "v"}.get(key, key): uid for key, uid in ((uid[-2:].lstrip("0"), uid) for _t, uid, _k, _p in TREE)}


def org_event_body(tenant, unit_id, kind, parent_id, revision=1, closed_at=None) -> bytes:
    event = DomainEvent(type="se.ordning.org_unit.created.v1", tenant=tenant, subject=unit_id,
                        data={"unit_id": unit_id, "kind": kind, "name": f"{kind} {unit_id[-2:]}",
                              "parent_id": parent_id, "closed_at": closed_at, "revision": revision})
    return events.serialize(events.to_cloudevent(event, "processes"))


@dataclass
class Env:
    app: object
    client: object
    platform: object
    settings: object

    def token(self, subject, roles, units=(), tenant=A, name=""):
        return issue_token(self.settings, subject, tenant, list(roles), [U.get(u, u) for u in units], name)

    def auth(self, subject, roles, units=(), tenant=A, name="", **headers):
        """The Authorization header of a token for them; `name` is its display-name claim."""
        return {"Authorization": "Bearer " + self.token(subject, roles, units, tenant, name), **headers}

    def count(self, table) -> int:
        with self.platform.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()

    def row(self, deviation_id):
        with self.platform.engine.connect() as conn:
            return conn.execute(sa.select(db.deviations).where(db.deviations.c.id == deviation_id)).first()

    def feed(self, body) -> str:
        return consumer.handle_event(self.platform, HANDLERS, body)

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
    app = create_app(settings)
    undocumented = watch_documented_answers(app)
    badly_worded = watch_problem_messages(app)
    platform = app.extensions["ordning"]
    environment = Env(app=app, client=app.test_client(), platform=platform, settings=settings)
    for tenant, unit_id, kind, parent in TREE:
        assert environment.feed(org_event_body(tenant, unit_id, kind, parent)) == "processed"
    yield environment
    platform.dispose()
    assert not undocumented, "answers missing from /openapi.json"
    assert not badly_worded, "problems not worded as a Swedish sentence, then an English one"


# the people of tenant A
STAFF_E1 = ("anna", ["medarbetare"], ["e1"])
CHEF_E1 = ("erik", ["enhetschef"], ["e1"])
CHEF_E2 = ("eva", ["enhetschef"], ["e2"])
FCHEF_F = ("frida", ["forvaltningschef"], ["f"])
MAS_F = ("maria", ["mas"], ["f"])
KVAL_N = ("karl", ["kvalitetsutvecklare"], ["n"])
ADMIN = ("adam", ["administrator"], ["n"])
