"""se.ordning.risk.matrix_changed.v1 in the outbox: the default announced once as version 1 when a tenant first needs
a matrix (whatever first needs it), each edit as the next version, whole, nothing for a refused edit; every body
held against its message in docs/asyncapi.yaml. And migration 0003's announcement of versions stored before."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from ordning_shared.risk_matrix import DEFAULT_MATRIX_DEFINITION
from ordning_shared.testing import catalogue_errors, outbox_bodies

from ordning_risks import db
from ordning_risks import domain as d
from ordning_risks.service import announce_stored_matrices

from .conftest import ADMIN, CHEF_E1, STAFF_E1
from .test_matrix import M, five_by_three

pytestmark = pytest.mark.integration
CHANGED = d.events.MATRIX_CHANGED
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def announced(env) -> list[dict]:
    """The matrix events in the outbox, oldest first, each held against the catalogue."""
    bodies = [json.loads(body) for body in outbox_bodies(env.platform, CHANGED)]
    for body in bodies:
        assert catalogue_errors(body) == [], catalogue_errors(body)
    return bodies


def test_the_default_is_announced_once_as_version_1(env):
    assert announced(env) == []
    for who in (STAFF_E1, CHEF_E1, ADMIN):  # three reads: one first writing
        assert env.client.get(M, headers=env.auth(*who)).status_code == 200
    (body,) = announced(env)
    data = body["data"]
    assert body["tenant"] == "0138" and body["source"] == "/ordning/0138/risks"
    assert body["subject"] == data["matrix_id"] == d.events.matrix_id("0138")
    assert body["sequence"] == "0000000001" and data["version"] == 1
    assert [(s["value"], s["label"]) for s in data["probability_steps"]] == [
        (s["value"], s["label"]) for s in DEFAULT_MATRIX_DEFINITION["probability_steps"]]
    assert [(s["value"], s["label"]) for s in data["consequence_steps"]] == [
        (s["value"], s["label"]) for s in DEFAULT_MATRIX_DEFINITION["consequence_steps"]]
    assert data["levels"] == DEFAULT_MATRIX_DEFINITION["levels"] and data["plan_threshold"] == "hog"
    assert sorted((c["probability"], c["consequence"], c["level"]) for c in data["cells"]) == sorted(
        (c["probability"], c["consequence"], c["level"]) for c in DEFAULT_MATRIX_DEFINITION["cells"])
    assert all("description" not in step for step in data["probability_steps"] + data["consequence_steps"])


def test_starting_an_analysis_on_a_new_tenant_announces_the_default(env):
    analysis = env.analysis()
    assert analysis["matrix_version"] == 1
    assert [body["data"]["version"] for body in announced(env)] == [1]
    env.analysis()  # the matrix exists now: nothing more
    assert len(announced(env)) == 1


def test_each_edit_is_announced_whole_as_the_next_version(env):
    admin = env.auth(*ADMIN)
    etag = env.client.get(M, headers=admin).headers["ETag"]
    r = env.client.put(M, json=five_by_three(), headers={**admin, "If-Match": etag})
    assert r.status_code == 200, r.get_json()
    bodies = announced(env)
    assert [(b["data"]["version"], b["sequence"]) for b in bodies] == [(1, "0000000001"), (2, "0000000002")]
    data = bodies[1]["data"]
    assert len(data["probability_steps"]) == 5 and len(data["consequence_steps"]) == 3 and len(data["cells"]) == 15
    assert [(level["code"], level["colour"]) for level in data["levels"]] == [
        ("lag", "#00aa00"), ("medel", "#ffcc00"), ("hog", "#cc0000")]
    assert data["plan_threshold"] == "medel"
    assert {(c["probability"], c["consequence"]): c["level"] for c in data["cells"]}[(5, 3)] == "hog"
    assert bodies[0]["subject"] == bodies[1]["subject"]  # one matrix, its versions as the sequence
    assert datetime.fromisoformat(data["changed_at"]) == datetime.fromisoformat(r.get_json()["created_at"])


def test_a_refused_or_stale_edit_announces_nothing(env):
    admin = env.auth(*ADMIN)
    etag = env.client.get(M, headers=admin).headers["ETag"]
    assert env.client.put(M, json=five_by_three(), headers={**admin, "If-Match": etag}).status_code == 200
    before = len(announced(env))
    assert env.client.put(M, json=five_by_three(), headers={**admin, "If-Match": etag}).status_code == 412
    bad = {**five_by_three(), "plan_threshold": "extrem"}
    assert env.client.put(M, json=bad, headers={**admin, "If-Match": '"risk-matrix.2"'}).status_code == 422
    assert env.client.put(M, json=five_by_three(), headers=env.auth(*CHEF_E1, **{"If-Match": '"risk-matrix.2"'})
                          ).status_code == 403
    assert len(announced(env)) == before == 2


def test_each_tenant_announces_its_own_matrix(env):
    env.client.get(M, headers=env.auth(*ADMIN))
    env.client.get(M, headers=env.auth("olle", ["administrator"], ["fb"], tenant="1407"))
    bodies = announced(env)
    assert sorted((b["tenant"], b["subject"], b["data"]["version"]) for b in bodies) == sorted(
        [("0138", d.events.matrix_id("0138"), 1), ("1407", d.events.matrix_id("1407"), 1)])
    assert d.events.matrix_id("0138") != d.events.matrix_id("1407")


def test_versions_stored_before_the_event_are_announced_by_the_migration_step(env):
    """Migration 0003 runs announce_stored_matrices: versions written without an event (as before this release)
    get one each, in version order per tenant."""
    with env.platform.engine.begin() as conn:
        db.insert_matrix(conn, "0138", 1, d.DEFAULT_MATRIX, NOW, "system:default")
        db.insert_matrix(conn, "0138", 2, d.RiskMatrix.from_dict(five_by_three()), NOW, "adam")
        db.insert_matrix(conn, "1407", 1, d.DEFAULT_MATRIX, NOW, "system:default")
    assert announced(env) == []
    with env.platform.engine.begin() as conn:
        assert announce_stored_matrices(conn) == 3
    bodies = announced(env)
    assert [(b["tenant"], b["data"]["version"], len(b["data"]["cells"])) for b in bodies] == [
        ("0138", 1, 16), ("0138", 2, 15), ("1407", 1, 16)]
