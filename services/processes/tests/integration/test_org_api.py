"""The organisation tree over HTTP, against real PostgreSQL and RabbitMQ."""
from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from kombu import Connection, Exchange, Queue

from ordning_shared.testing import BackgroundWorker, wait_until

from ordning_processes import db
from ordning_processes.handlers import HANDLERS
from ordning_processes.schemas import OrgUnitEventDataSchema

from .conftest import BASE, TENANT_A, TENANT_B

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


def assert_problem(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body


# --- create and read -------------------------------------------------------

def test_create_board_administration_unit_and_read_them(org, client, admin):
    board, administration, unit = org.tree()
    assert board["parent_id"] is None and board["kind_label_sv"] == "Nämnd"
    assert administration["parent_id"] == board["id"] and administration["kind_label_sv"] == "Förvaltning"
    assert unit == {"id": unit["id"], "kind": "unit", "kind_label_sv": "Enhet", "name": "Hemtjänst Norr",
                    "parent_id": administration["id"], "closed_at": None, "revision": 1,
                    "external_provider": False}

    response = client.post(BASE, json={"kind": "division", "name": "  Äldreomsorg  ",
                                       "parent_id": administration["id"]}, headers=admin)
    assert response.status_code == 201
    division = response.get_json()
    assert division["name"] == "Äldreomsorg"  # surrounding blanks are removed
    assert response.headers["Location"] == f"{BASE}/{division['id']}"
    assert response.headers["ETag"] == f'"{division["id"]}.1"'

    read, etag = org.get(unit["id"])
    assert read == unit and etag == f'"{unit["id"]}.1"'

    listed = client.get(BASE, headers=admin).get_json()
    assert listed["count"] == 4 and {u["id"] for u in listed["items"]} == {
        board["id"], administration["id"], unit["id"], division["id"]}
    under = client.get(f"{BASE}?under={administration['id']}", headers=admin).get_json()
    assert {u["id"] for u in under["items"]} == {administration["id"], unit["id"], division["id"]}
    only_units = client.get(f"{BASE}?kind=unit", headers=admin).get_json()
    assert [u["id"] for u in only_units["items"]] == [unit["id"]]


def test_imported_id_is_kept_and_cannot_be_used_twice_in_its_tenant(org, client, admin, counts):
    imported = str(uuid.uuid4())
    board = org.create("board", "Barn- och utbildningsnämnden", id=imported)
    assert board["id"] == imported
    before = counts()
    response = client.post(BASE, json={"kind": "board", "name": "Igen", "id": imported}, headers=admin)
    assert_problem(response, 409, "id_taken")
    assert counts() == before


def test_another_tenants_id_is_neither_refused_nor_revealed(org, client, admin, admin_b):
    """Ids are the tenant's own: tenant B creating a unit with tenant A's id learns nothing and changes nothing."""
    imported = str(uuid.uuid4())
    theirs = org.create("board", "Socialnämnden", id=imported)
    response = client.post(BASE, json={"kind": "board", "name": "Kommunstyrelsen", "id": imported}, headers=admin_b)
    assert response.status_code == 201, response.get_json()
    ours = response.get_json()
    assert ours["id"] == imported and ours["name"] == "Kommunstyrelsen"
    # each tenant reads, renames and lists its own unit under the shared id
    assert client.get(f"{BASE}/{imported}", headers=admin).get_json() == theirs
    assert client.get(f"{BASE}/{imported}", headers=admin_b).get_json()["name"] == "Kommunstyrelsen"
    renamed = client.patch(f"{BASE}/{imported}", json={"name": "Öckerö kommunstyrelse"},
                           headers={**admin_b, "If-Match": response.headers["ETag"]})
    assert renamed.status_code == 200
    assert client.get(f"{BASE}/{imported}", headers=admin).get_json() == theirs
    assert [row["name"] for row in client.get(f"{BASE}/{imported}/history", headers=admin).get_json()["items"]] == [
        "Socialnämnden"]
    assert [u["name"] for u in client.get(BASE, headers=admin).get_json()["items"]] == ["Socialnämnden"]
    # a child under the id lands in the creator's own tree
    child = client.post(BASE, json={"kind": "administration", "name": "Kommunledningsförvaltningen",
                                    "parent_id": imported}, headers=admin_b)
    assert child.status_code == 201
    assert [u["id"] for u in client.get(f"{BASE}?under={imported}", headers=admin).get_json()["items"]] == [imported]


def test_unknown_parent_and_wrong_parent_kind_are_422(org, client, admin, counts):
    board = org.create("board", "Socialnämnden")
    before = counts()
    response = client.post(BASE, json={"kind": "unit", "name": "Enhet", "parent_id": str(uuid.uuid4())},
                           headers=admin)
    assert_problem(response, 422, "parent_not_found")
    response = client.post(BASE, json={"kind": "unit", "name": "Enhet", "parent_id": board["id"]}, headers=admin)
    assert_problem(response, 422, "invalid_parent")
    response = client.post(BASE, json={"kind": "administration", "name": "Förvaltning utan nämnd"}, headers=admin)
    assert_problem(response, 422, "invalid_parent")
    assert counts() == before


def test_unknown_unit_is_404(client, admin):
    missing = uuid.uuid4()
    assert_problem(client.get(f"{BASE}/{missing}", headers=admin), 404, "not_found")
    assert_problem(client.get(f"{BASE}/{missing}/history", headers=admin), 404, "not_found")
    assert_problem(client.patch(f"{BASE}/{missing}", json={"name": "x"}, headers={**admin, "If-Match": "*"}),
                   404, "not_found")
    assert_problem(client.get(f"{BASE}/not-a-uuid", headers=admin), 404)


# --- rename, move, close ---------------------------------------------------

def test_rename_needs_if_match(org, client, admin):
    _, _, unit = org.tree()
    url = f"{BASE}/{unit['id']}"
    assert_problem(client.patch(url, json={"name": "Hemtjänst Nord"}, headers=admin), 428, "if_match_required")

    _, etag = org.get(unit["id"])
    response = client.patch(url, json={"name": "Hemtjänst Nord"}, headers={**admin, "If-Match": etag})
    assert response.status_code == 200
    assert response.get_json()["name"] == "Hemtjänst Nord" and response.get_json()["revision"] == 2
    assert response.headers["ETag"] == f'"{unit["id"]}.2"'

    # the other editor still holds the old ETag
    assert_problem(client.patch(url, json={"name": "Hemtjänst Syd"}, headers={**admin, "If-Match": etag}),
                   412, "stale_etag")
    assert org.get(unit["id"])[0]["name"] == "Hemtjänst Nord"

    # renaming to the same name is a no-op: no new revision
    same = client.patch(url, json={"name": "Hemtjänst Nord"}, headers=org.if_match(unit["id"]))
    assert same.status_code == 200 and same.get_json()["revision"] == 2


def test_move_between_parents(org, client, admin):
    board, administration, unit = org.tree()
    division = org.create("division", "Äldreomsorg", administration["id"])
    moved = org.move(unit["id"], division["id"])
    assert moved["parent_id"] == division["id"] and moved["revision"] == 2
    under = client.get(f"{BASE}?under={division['id']}", headers=admin).get_json()
    assert {u["id"] for u in under["items"]} == {division["id"], unit["id"]}

    # a provider may sit under the board, and a board is always a root
    provider = org.create("external_provider", "Omsorg AB", administration["id"])
    assert org.move(provider["id"], board["id"])["parent_id"] == board["id"]
    other_board = org.create("board", "Kultur- och fritidsnämnden")
    response = client.post(f"{BASE}/{other_board['id']}/move", json={"parent_id": division["id"]},
                           headers=org.if_match(other_board["id"]))
    assert_problem(response, 422, "invalid_parent")
    # moving under one's own descendant is a cycle, whatever the kinds
    response = client.post(f"{BASE}/{board['id']}/move", json={"parent_id": division["id"]},
                           headers=org.if_match(board["id"]))
    assert_problem(response, 409, "cycle")
    # move needs If-Match too
    response = client.post(f"{BASE}/{unit['id']}/move", json={"parent_id": administration["id"]}, headers=admin)
    assert_problem(response, 428, "if_match_required")


def test_cycle_is_409_and_leaves_the_tree_unchanged(org, client, counts):
    _, administration, _ = org.tree()
    upper = org.create("division", "Vård och omsorg", administration["id"])
    lower = org.create("division", "Äldreomsorg", upper["id"])
    lowest = org.create("division", "Hemtjänst", lower["id"])
    before = counts()
    for target in (lowest["id"], lower["id"], upper["id"]):
        response = client.post(f"{BASE}/{upper['id']}/move", json={"parent_id": target},
                               headers=org.if_match(upper["id"]))
        assert_problem(response, 409, "cycle")
    assert counts() == before
    assert org.get(upper["id"])[0] == upper
    assert org.get(lower["id"])[0] == lower
    assert org.get(lowest["id"])[0] == lowest


def test_parent_in_another_tenant_is_not_found_and_nothing_is_written(org, org_b, client, admin, counts):
    foreign_board, foreign_administration, _ = org_b.tree()
    board, administration, unit = org.tree()
    before = counts()

    foreign = client.post(BASE, json={"kind": "administration", "name": "Kapad förvaltning",
                                      "parent_id": foreign_board["id"]}, headers=admin)
    body = assert_problem(foreign, 422, "parent_not_found")
    missing_id = str(uuid.uuid4())
    missing = client.post(BASE, json={"kind": "administration", "name": "Kapad förvaltning",
                                      "parent_id": missing_id}, headers=admin)
    other = assert_problem(missing, 422, "parent_not_found")
    assert body["detail"].replace(foreign_board["id"], "X") == other["detail"].replace(missing_id, "X")
    assert body["title"] == other["title"] and body["type"] == other["type"]

    moved = client.post(f"{BASE}/{unit['id']}/move", json={"parent_id": foreign_administration["id"]},
                        headers=org.if_match(unit["id"]))
    assert_problem(moved, 422, "parent_not_found")
    assert counts() == before
    assert org.get(unit["id"])[0]["parent_id"] == administration["id"]
    assert org_b.get(foreign_board["id"])[0]["revision"] == 1


def test_close_refuses_open_children_then_closes_the_leaf_and_keeps_history(org, client, admin, counts):
    board, administration, unit = org.tree()
    division = org.create("division", "Äldreomsorg", administration["id"])
    before = counts()
    body = assert_problem(client.post(f"{BASE}/{administration['id']}/close", json={},
                                      headers=org.if_match(administration["id"])), 409, "has_open_children")
    assert "2" in body["detail"]
    assert counts() == before
    assert_problem(client.post(f"{BASE}/{unit['id']}/close", json={}, headers=admin), 428, "if_match_required")

    renamed = client.patch(f"{BASE}/{unit['id']}", json={"name": "Hemtjänst Nord"},
                           headers=org.if_match(unit["id"]))
    assert renamed.status_code == 200
    org.move(unit["id"], division["id"])
    closed = org.close(unit["id"])
    assert closed["closed_at"] is not None and closed["revision"] == 4

    history = client.get(f"{BASE}/{unit['id']}/history", headers=admin).get_json()
    assert [(h["revision"], h["change"], h["name"], h["parent_id"]) for h in history["items"]] == [
        (1, "created", "Hemtjänst Norr", administration["id"]),
        (2, "renamed", "Hemtjänst Nord", administration["id"]),
        (3, "moved", "Hemtjänst Nord", division["id"]),
        (4, "closed", "Hemtjänst Nord", division["id"]),
    ]
    assert {h["actor"] for h in history["items"]} == {"admin-1"}

    # a closed unit is kept but cannot change or take children
    assert org.get(unit["id"])[0]["closed_at"] == closed["closed_at"]
    assert_problem(client.patch(f"{BASE}/{unit['id']}", json={"name": "Ny"}, headers=org.if_match(unit["id"])),
                   409, "unit_closed")
    assert_problem(client.post(f"{BASE}/{unit['id']}/close", json={}, headers=org.if_match(unit["id"])),
                   409, "unit_closed")
    org.close(division["id"])
    assert_problem(client.post(BASE, json={"kind": "unit", "name": "Ny enhet", "parent_id": division["id"]},
                               headers=admin), 409, "unit_closed")

    # lists and the public list leave closed units out unless asked
    open_ids = {u["id"] for u in client.get(BASE, headers=admin).get_json()["items"]}
    assert open_ids == {board["id"], administration["id"]}
    all_ids = {u["id"] for u in client.get(f"{BASE}?include_closed=true", headers=admin).get_json()["items"]}
    assert all_ids == {board["id"], administration["id"], division["id"], unit["id"]}
    public = client.get(f"/api/v1/public/{TENANT_A}/org-units")
    assert public.status_code == 200
    assert {u["id"] for u in public.get_json()["items"]} == open_ids
    assert set(public.get_json()["items"][0]) == {"id", "kind", "name", "parent_id"}


def test_audit_trail_records_the_changed_fields_and_is_append_only(org, platform):
    _, _, unit = org.tree()
    division = org.create("division", "Äldreomsorg", unit["parent_id"])["id"]
    org.move(unit["id"], division)
    audit = db.tables.audit_log
    with platform.engine.connect() as connection:
        rows = connection.execute(sa.select(audit).where(audit.c.entity_id == unit["id"])
                                  .order_by(audit.c.id)).all()
    assert [r.action for r in rows] == ["org_unit.created", "org_unit.moved"]
    # a unit's name is public organisational data, so its value is kept (docs/decisions.md)
    assert rows[0].changed_values["name"] == [None, "Hemtjänst Norr"]
    assert rows[1].changed_fields == ["parent_id", "revision"]
    assert rows[1].changed_values == {"parent_id": [unit["parent_id"], division], "revision": [1, 2]}
    assert {r.actor for r in rows} == {"admin-1"} and {r.tenant for r in rows} == {TENANT_A}
    for statement in (audit.update().values(actor="someone-else"), audit.delete()):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with platform.engine.begin() as connection:
                connection.execute(statement)


def test_concurrent_crossing_moves_cannot_make_a_cycle(org, app):
    """Two editors at once: A under B and B under A. The tenant's tree lock lets only one win."""
    import threading

    _, administration, _ = org.tree()
    first = org.create("division", "Vård och omsorg", administration["id"])
    second = org.create("division", "Individ- och familjeomsorg", administration["id"])
    plans = [(first, second), (second, first)]
    headers = [org.if_match(unit["id"]) for unit, _ in plans]
    barrier, results = threading.Barrier(2), [None, None]

    def move(index):
        unit, parent = plans[index]
        client = app.test_client()
        barrier.wait()
        results[index] = client.post(f"{BASE}/{unit['id']}/move", json={"parent_id": parent["id"]},
                                     headers=headers[index]).status_code

    threads = [threading.Thread(target=move, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [200, 409]
    parents = {org.get(u["id"])[0]["parent_id"] for u in (first, second)}
    assert administration["id"] in parents  # one of them still hangs under the administration


# --- idempotency -----------------------------------------------------------

def test_idempotency_key_replays_and_refuses_another_body(client, admin, counts):
    headers = {**admin, "Idempotency-Key": "import-2025-03-01-board"}
    body = {"kind": "board", "name": "Socialnämnden"}
    first = client.post(BASE, json=body, headers=headers)
    assert first.status_code == 201
    before = counts()
    again = client.post(BASE, json=body, headers=headers)
    assert again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert counts() == before and before["org_units"] == 1

    other = client.post(BASE, json={"kind": "board", "name": "Kultur- och fritidsnämnden"}, headers=headers)
    assert_problem(other, 422, "idempotency_key_reused")
    assert counts() == before


# --- access ----------------------------------------------------------------

def test_writes_need_administrator_but_anyone_in_the_tenant_reads(org, client, token, counts):
    _, administration, unit = org.tree()
    staff = token("anna", TENANT_A, ["medarbetare", "enhetschef"])
    before = counts()
    assert_problem(client.post(BASE, json={"kind": "board", "name": "Ny nämnd"}, headers=staff), 403, "forbidden")
    etag = org.get(unit["id"])[1]
    staff_matching = {**staff, "If-Match": etag}
    assert_problem(client.patch(f"{BASE}/{unit['id']}", json={"name": "Ny"}, headers=staff_matching), 403)
    assert_problem(client.post(f"{BASE}/{unit['id']}/move", json={"parent_id": None}, headers=staff_matching), 403)
    assert_problem(client.post(f"{BASE}/{unit['id']}/close", json={}, headers=staff_matching), 403)
    assert counts() == before

    assert client.get(f"{BASE}/{unit['id']}", headers=staff).status_code == 200
    assert client.get(f"{BASE}/{unit['id']}/history", headers=staff).status_code == 200
    assert client.get(BASE, headers=staff).get_json()["count"] == 3


def test_missing_or_bad_token_is_401_problem(client):
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic YWRtaW46YWRtaW4="}):
        response = client.get(BASE, headers=headers)
        assert_problem(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_problem(client.post(BASE, json={"kind": "board", "name": "x"}), 401, "unauthorized")


def test_tenant_b_cannot_read_or_change_tenant_a(org, client, admin_b, counts):
    board, _, unit = org.tree()
    before = counts()
    for unit_id in (board["id"], unit["id"]):
        assert_problem(client.get(f"{BASE}/{unit_id}", headers=admin_b), 404, "not_found")
        assert_problem(client.get(f"{BASE}/{unit_id}/history", headers=admin_b), 404, "not_found")
        any_match = {**admin_b, "If-Match": "*"}
        assert_problem(client.patch(f"{BASE}/{unit_id}", json={"name": "Kapad"}, headers=any_match), 404)
        assert_problem(client.post(f"{BASE}/{unit_id}/move", json={"parent_id": None}, headers=any_match), 404)
        assert_problem(client.post(f"{BASE}/{unit_id}/close", json={}, headers=any_match), 404)
    assert client.get(BASE, headers=admin_b).get_json() == {"items": [], "count": 0}
    assert client.get(f"{BASE}?under={board['id']}", headers=admin_b).get_json()["count"] == 0
    assert client.get(f"/api/v1/public/{TENANT_B}/org-units").get_json() == {"items": []}
    assert counts() == before


def test_public_list_rejects_a_malformed_tenant(client):
    assert_problem(client.get("/api/v1/public/0138%00x/org-units"), 404)
    assert_problem(client.get(f"/api/v1/public/{'9' * 40}/org-units"), 404)


# --- bad requests ----------------------------------------------------------

BAD_BODIES = {
    "unknown field": ({"kind": "board", "name": "Socialnämnden", "color": "red"}, None),
    "wrong type": ({"kind": "board", "name": 42}, None),
    "parent not a uuid": ({"kind": "unit", "name": "Enhet", "parent_id": "1; DROP TABLE org_units"}, None),
    "unknown kind": ({"kind": "department", "name": "Avdelning"}, None),
    "missing name": ({"kind": "board"}, None),
    "blank name": ({"kind": "board", "name": "   "}, None),
    "name too long": ({"kind": "board", "name": "x" * 201}, None),
    "control character": ({"kind": "board", "name": "Social\x00nämnden"}, None),
    "not an object": ([{"kind": "board", "name": "Socialnämnden"}], None),
    "broken json": (None, b'{"kind": "board", "name": '),
    "1 MB name": (None, json.dumps({"kind": "board", "name": "x" * 1_000_000}).encode()),
    "not json": (None, b"kind=board&name=x"),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bad_requests_are_4xx_problems_and_write_nothing(client, admin, counts, case):
    body, raw = BAD_BODIES[case]
    before = counts()
    if raw is None:
        response = client.post(BASE, json=body, headers=admin)
    else:
        content_type = "application/x-www-form-urlencoded" if case == "not json" else "application/json"
        response = client.post(BASE, data=raw, content_type=content_type, headers=admin)
    assert 400 <= response.status_code < 500, (case, response.status_code, response.get_data(as_text=True)[:300])
    assert response.content_type == PROBLEM
    assert response.get_json()["status"] == response.status_code
    assert counts() == before


def test_bad_rename_and_move_bodies_are_problems(org, client):
    _, _, unit = org.tree()
    headers = org.if_match(unit["id"])
    assert_problem(client.patch(f"{BASE}/{unit['id']}", json={"name": ""}, headers=headers), 422)
    assert_problem(client.patch(f"{BASE}/{unit['id']}", json={"name": "x", "kind": "board"}, headers=headers), 422)
    assert_problem(client.post(f"{BASE}/{unit['id']}/move", json={}, headers=headers), 422)
    assert_problem(client.post(f"{BASE}/{unit['id']}/close", json={"at": "2025-01-01"}, headers=headers), 422)
    assert_problem(client.get(f"{BASE}?kind=department", headers=org.headers), 422)
    assert org.get(unit["id"])[0] == unit


# --- events ----------------------------------------------------------------

def test_created_moved_closed_events_reach_the_bus(org, platform, broker_url, bus_namespace):
    exchange = Exchange(f"{bus_namespace}.events", "topic", durable=True)
    probe = Queue(f"{bus_namespace}.probe", exchange=exchange, routing_key="se.ordning.org_unit.#")
    with Connection(broker_url) as connection:
        queue = probe(connection.default_channel)
        queue.declare()

        board, administration, unit = org.tree()
        division = org.create("division", "Äldreomsorg", administration["id"])
        org.move(unit["id"], division["id"])
        org.close(unit["id"])

        messages = []

        def drained():
            while (message := queue.get(no_ack=True, accept=["application/cloudevents+json"])) is not None:
                messages.append(message)
            return len(messages) >= 6

        with BackgroundWorker(platform, HANDLERS):
            wait_until(drained, timeout=20, message="six org_unit events on the probe queue")

    fmt = JSONFormat()
    events = [(fmt.read(CloudEvent, m.body), m.headers) for m in messages]
    by_type = {}
    for event, headers in events:
        by_type.setdefault(event.get_type(), []).append(event)
        assert event.get_source() == f"/ordning/{TENANT_A}/processes"
        assert event.get_attributes()["tenant"] == TENANT_A
        assert event.get_subject() == event.get_data()["unit_id"]
        assert headers["cloudEvents_type"] == event.get_type()
        assert headers["cloudEvents_source"] == event.get_source()
        assert headers["cloudEvents_id"] == event.get_id()
        OrgUnitEventDataSchema().load(event.get_data())  # raises on a missing or unknown field
    created = {e.get_subject() for e in by_type["se.ordning.org_unit.created.v1"]}
    assert created == {board["id"], administration["id"], unit["id"], division["id"]}
    (moved,) = by_type["se.ordning.org_unit.moved.v1"]
    assert moved.get_subject() == unit["id"]
    assert moved.get_data()["parent_id"] == division["id"]
    assert moved.get_data()["previous_parent_id"] == administration["id"]
    assert moved.get_data()["revision"] == 2
    (closed,) = by_type["se.ordning.org_unit.closed.v1"]
    assert closed.get_subject() == unit["id"] and closed.get_data()["closed_at"] and closed.get_data()["revision"] == 3
    # every event was relayed: the outbox is empty
    with platform.engine.connect() as connection:
        outbox = db.tables.outbox
        assert connection.execute(sa.select(sa.func.count()).select_from(outbox)
                                  .where(outbox.c.published_at.is_(None))).scalar_one() == 0


def test_every_public_route_is_rate_limited_by_the_platform(settings):
    """The limit sits in the platform's app factory, so this service's public list has it as the form has."""
    from dataclasses import replace

    from ordning_processes.app import create_app

    app = create_app(replace(settings, public_rate_limit_per_client=(2, 3600)))
    client = app.test_client()
    statuses = [client.get(f"/api/v1/public/{TENANT_A}/org-units").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.get(f"/api/v1/public/{TENANT_A}/org-units")
    assert_problem(refused, 429, "rate_limited") and int(refused.headers["Retry-After"]) >= 1
    app.extensions["ordning"].dispose()


# --- external providers (utförare i privat regi) ----------------------------

def test_a_unit_is_created_and_marked_as_an_external_provider(org, client, admin, platform, counts):
    board, administration, unit = org.tree()
    provider = org.create("unit", "Omsorg AB Norr", administration["id"], external_provider=True)
    assert provider["external_provider"] is True and provider["revision"] == 1

    path = f"{BASE}/{unit['id']}/external-provider"
    before = counts()
    assert_problem(client.put(path, json={"external_provider": True}, headers=admin), 428)
    assert_problem(client.put(path, json={"external_provider": True},
                              headers={**admin, "If-Match": f'"{unit["id"]}.9"'}), 412)
    assert_problem(client.put(path, json={"external_provider": "ja"}, headers=org.if_match(unit["id"])), 422)
    assert counts() == before  # nothing stored

    response = client.put(path, json={"external_provider": True}, headers=org.if_match(unit["id"]))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["external_provider"] is True and response.get_json()["revision"] == 2
    assert response.headers["ETag"] == f'"{unit["id"]}.2"'
    assert org.get(unit["id"])[0]["external_provider"] is True
    history = client.get(f"{BASE}/{unit['id']}/history", headers=admin).get_json()["items"]
    assert [entry["change"] for entry in history] == ["created", "external_provider"]

    outbox = db.tables.outbox
    with platform.engine.connect() as connection:
        bodies = connection.execute(sa.select(outbox.c.body).where(
            outbox.c.type == "se.ordning.org_unit.external_provider_changed.v1")).scalars().all()
    [body] = bodies
    data = json.loads(body)["data"]
    assert data["unit_id"] == unit["id"] and data["external_provider"] is True and data["revision"] == 2
    assert OrgUnitEventDataSchema().load(data)["external_provider"] is True


def test_only_an_administrator_marks_an_external_provider_and_only_in_their_tenant(org, client, admin, token):
    _board, _administration, unit = org.tree()
    path = f"{BASE}/{unit['id']}/external-provider"
    etag = org.get(unit["id"])[1]
    chef = token("erik", TENANT_A, ["enhetschef"], [unit["id"]])
    assert_problem(client.put(path, json={"external_provider": True}, headers={**chef, "If-Match": etag}), 403)
    other = token("bo", TENANT_B)
    assert_problem(client.put(path, json={"external_provider": True}, headers={**other, "If-Match": etag}), 404)
    assert org.get(unit["id"])[0]["external_provider"] is False
