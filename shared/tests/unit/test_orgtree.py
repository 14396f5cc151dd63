import json

import pytest
import sqlalchemy as sa

from ordning_shared.consumer import handle_event
from ordning_shared.events import DomainEvent, UntrustedEvent, serialize, to_cloudevent
from ordning_shared.orgtree import ancestor_ids, org_unit_handlers, subtree_ids, unit_row


def org_event(what, unit_id, revision, name, kind="enhet", parent_id=None, tenant="0180", closed_at=None,
              service="processes"):
    data = {"unit_id": unit_id, "revision": revision, "name": name, "kind": kind, "parent_id": parent_id}
    if closed_at:
        data["closed_at"] = closed_at
    return serialize(to_cloudevent(DomainEvent(f"se.ordning.org_unit.{what}.v1", tenant, unit_id, data),
                                   service))


def apply(platform, body):
    return handle_event(platform, org_unit_handlers(), body)


@pytest.fixture
def tree(platform):
    # nämnd n -> förvaltning f -> verksamhetsområde v1, v2 -> enheter e1, e2 (under v1), e3 (under v2)
    for unit_id, kind, parent in [("n", "namnd", None), ("f", "forvaltning", "n"),
                                  ("v1", "verksamhetsomrade", "f"), ("v2", "verksamhetsomrade", "f"),
                                  ("e1", "enhet", "v1"), ("e2", "enhet", "v1"), ("e3", "enhet", "v2")]:
        assert apply(platform, org_event("created", unit_id, 1, unit_id.upper(), kind, parent)) == "processed"
    # another tenant with the same shape must never leak in
    apply(platform, org_event("created", "x-root", 1, "X", "namnd", None, tenant="1480"))
    apply(platform, org_event("created", "x-child", 1, "X", "enhet", "f", tenant="1480"))
    return platform


def test_replica_is_built(tree):
    table = tree.tables.org_units
    with tree.engine.connect() as connection:
        row = unit_row(connection, table, "0180", "e1")
        assert (row.kind, row.name, row.parent_id, row.revision) == ("enhet", "E1", "v1", 1)
        assert unit_row(connection, table, "1480", "e1") is None
        assert connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 9


def test_stale_revision_is_ignored(tree):
    table = tree.tables.org_units
    assert apply(tree, org_event("renamed", "e1", 3, "Hemtjänst Norr", parent_id="v1")) == "processed"
    assert apply(tree, org_event("renamed", "e1", 2, "Gammalt namn", parent_id="v1")) == "processed"
    with tree.engine.connect() as connection:
        row = unit_row(connection, table, "0180", "e1")
    assert (row.name, row.revision) == ("Hemtjänst Norr", 3)


def test_move_and_close(tree):
    table = tree.tables.org_units
    apply(tree, org_event("moved", "e1", 2, "E1", parent_id="v2"))
    apply(tree, org_event("closed", "e2", 2, "E2", parent_id="v1", closed_at="2025-01-31T23:00:00+00:00"))
    with tree.engine.connect() as connection:
        assert subtree_ids(connection, table, "0180", ["v2"]) == {"v2", "e1", "e3"}
        closed = unit_row(connection, table, "0180", "e2").closed_at
    assert closed is not None and closed.utcoffset() is not None and closed.day == 31


def test_duplicate_event_is_ignored(tree):
    body = org_event("renamed", "e3", 2, "Nytt")
    assert apply(tree, body) == "processed"
    assert apply(tree, body) == "duplicate"


def test_subtree_ids(tree):
    table = tree.tables.org_units
    with tree.engine.connect() as connection:
        assert subtree_ids(connection, table, "0180", ["n"]) == {"n", "f", "v1", "v2", "e1", "e2", "e3"}
        assert subtree_ids(connection, table, "0180", ["v1"]) == {"v1", "e1", "e2"}
        assert subtree_ids(connection, table, "0180", ["v1", "e3"]) == {"v1", "e1", "e2", "e3"}
        assert subtree_ids(connection, table, "0180", ["e3"]) == {"e3"}
        assert subtree_ids(connection, table, "0180", []) == set()
        assert subtree_ids(connection, table, "0180", ["x-root"]) == set()
        assert subtree_ids(connection, table, "1480", ["x-root"]) == {"x-root"}
        assert "x-child" not in subtree_ids(connection, table, "0180", ["f"])


def test_ancestor_ids(tree):
    table = tree.tables.org_units
    with tree.engine.connect() as connection:
        assert ancestor_ids(connection, table, "0180", "e2") == ["e2", "v1", "f", "n"]
        assert ancestor_ids(connection, table, "0180", "f") == ["f", "n"]
        assert ancestor_ids(connection, table, "0180", "n") == ["n"]
        assert ancestor_ids(connection, table, "0180", "missing") == []
        assert ancestor_ids(connection, table, "1480", "x-child") == ["x-child"]


@pytest.mark.parametrize("source", ["/ordning/0180/deviations", "/ordning/1480/processes", "/elsewhere/0180/processes"])
def test_org_events_from_anyone_but_the_tenants_processes_service_are_refused(tree, source):
    forged = json.loads(org_event("renamed", "e1", 9, "Kapad", parent_id="v1"))
    forged["source"] = source
    with pytest.raises(UntrustedEvent):
        apply(tree, json.dumps(forged))
    with tree.engine.connect() as connection:
        row = unit_row(connection, tree.tables.org_units, "0180", "e1")
        received = connection.execute(sa.select(sa.func.count()).select_from(tree.tables.inbox)
                                      .where(tree.tables.inbox.c.event_id == forged["id"])).scalar_one()
    assert (row.name, row.revision, received) == ("E1", 1, 0)
