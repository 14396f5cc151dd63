"""Role assignments and duties over HTTP, against real PostgreSQL."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from ordning_processes import db

from .conftest import TENANT_B
from .test_org_api import assert_problem
from .test_process_map_api import create as create_process

pytestmark = pytest.mark.integration
RA = "/api/v1/role-assignments"
PROCESS = "0e5c8d1a-7b3f-4a2e-8c9d-6f1a2b3c4d5e"  # no process of anyone's: enough where the domain refuses first


@pytest.fixture
def role_counts(platform):
    def _counts() -> dict:
        tables = [db.role_assignments, db.role_duties, db.tables.audit_log, db.tables.outbox,
                  db.tables.idempotency_keys]
        with platform.engine.connect() as connection:
            return {t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                    for t in tables}
    return _counts


def body(unit_id=None, **kw):
    return {"role": "enhetschef", "unit_id": unit_id, "user_id": "demo-erik", "display_name": "Erik Enhetschef",
            "valid_from": "2026-01-01", **kw}


def assign(client, headers, expect=201, **kw):
    response = client.post(RA, json=body(**kw), headers=headers)
    assert response.status_code == expect, response.get_json()
    return response


def test_assign_read_list_and_end(org, client, admin, platform):
    _, administration, unit = org.tree()
    process = create_process(client, admin, administration["id"])["id"]  # a draft process takes its owner too
    created = assign(client, admin, unit_id=unit["id"])
    assignment = created.get_json()
    assert created.headers["Location"] == f"{RA}/{assignment['id']}"
    assert assignment["role_label_sv"] == "Enhetschef" and assignment["current"] is True
    assert assignment["display_name"] == "Erik Enhetschef" and assignment["valid_to"] is None
    mas = assign(client, admin, role="mas", unit_id=administration["id"], user_id="demo-maria",
                 display_name="Maria MAS").get_json()
    owner = assign(client, admin, role="processagare", process_id=process, user_id="demo-karl",
                   display_name="Karl").get_json()
    assert owner["process_id"] == process and owner["unit_id"] is None

    listed = client.get(f"{RA}?unit_id={unit['id']}&role=enhetschef&current=true", headers=admin).get_json()
    assert [i["id"] for i in listed["items"]] == [assignment["id"]]
    assert {i["id"] for i in client.get(f"{RA}?user=demo-maria", headers=admin).get_json()["items"]} == {mas["id"]}
    assert client.get(f"{RA}?process_id={process}", headers=admin).get_json()["count"] == 1

    url = f"{RA}/{assignment['id']}"
    read = client.get(url, headers=admin)
    assert read.headers["ETag"] == f'"{assignment["id"]}.1"'
    assert_problem(client.post(f"{url}/end", json={}, headers=admin), 428)
    ended = client.post(f"{url}/end", json={}, headers={**admin, "If-Match": read.headers["ETag"]})
    assert ended.status_code == 200, ended.get_json()
    assert ended.get_json()["ended_at"] and ended.get_json()["current"] is False
    assert_problem(client.post(f"{url}/end", json={}, headers={**admin, "If-Match": read.headers["ETag"]}), 412)
    assert_problem(client.post(f"{url}/end", json={}, headers={**admin, "If-Match": ended.headers["ETag"]}), 409,
                   "assignment_ended")
    assert client.get(f"{RA}?unit_id={unit['id']}&current=true", headers=admin).get_json()["count"] == 0
    assert client.get(f"{RA}?unit_id={unit['id']}&current=false", headers=admin).get_json()["count"] == 1
    assert client.get(url, headers=admin).get_json()["ended_at"]  # kept, never deleted

    with platform.engine.connect() as connection:
        outbox = connection.execute(sa.select(db.tables.outbox.c.type, db.tables.outbox.c.body)
                                    .order_by(db.tables.outbox.c.id)).all()
        audit = connection.execute(sa.select(db.tables.audit_log).where(
            db.tables.audit_log.c.entity_type == "role_assignment")).all()
    role_events = [row for row in outbox if row.type.startswith("se.ordning.role.")]
    assert [row.type for row in role_events] == ["se.ordning.role.assigned.v1"] * 3 + ["se.ordning.role.ended.v1"]
    assert not any("Erik" in row.body or "Maria" in row.body for row in role_events)  # names never in events
    assert not any("Erik" in str(row.changed_values) for row in audit)
    assert {row.action for row in audit} == {"role_assignment.assigned", "role_assignment.ended"}


@pytest.mark.parametrize("change, status, code", [
    ({"role": "kung"}, 422, None),
    ({"role": "processagare"}, 422, "wrong_place_for_role"),            # a process role at a unit
    ({"process_id": PROCESS}, 422, "wrong_place_for_role"),             # a unit role at a process too
    ({"unit_id": None, "process_id": PROCESS}, 422, "wrong_place_for_role"),
    ({"unit_id": str(uuid.uuid4())}, 422, "unknown_unit"),
    ({"valid_to": "2025-01-01"}, 422, "invalid_period"),
    ({"user_id": "erik@example.se"}, 422, None),
    ({"display_name": ""}, 422, None),
    ({"secret": "x"}, 422, None),
])
def test_bad_assignments_are_problems_and_change_nothing(org, client, admin, role_counts, change, status, code):
    _, _, unit = org.tree()
    before = role_counts()
    assert_problem(client.post(RA, json={**body(unit_id=unit["id"]), **change}, headers=admin), status, code)
    assert role_counts() == before


def test_a_unit_of_another_tenant_is_unknown(org, org_b, client, admin, admin_b, role_counts):
    _, _, theirs = org_b.tree()
    org.tree()
    before = role_counts()
    assert_problem(client.post(RA, json=body(unit_id=theirs["id"]), headers=admin), 422, "unknown_unit")
    assert role_counts() == before
    mine = assign(client, admin_b, unit_id=theirs["id"]).get_json()
    assert_problem(client.get(f"{RA}/{mine['id']}", headers=admin), 404)
    assert client.get(RA, headers=admin).get_json()["count"] == 0


def test_a_process_role_needs_a_process_of_the_tenant(org, org_b, client, admin, admin_b, role_counts):
    """A process role is held at a process of the caller's tenant's map: an id of no process, or of another
    tenant's, is 422 unknown_process (the same answer for both), and nothing is stored."""
    _, administration, _ = org.tree()
    _, theirs, _ = org_b.tree()
    ours = create_process(client, admin, administration["id"])["id"]
    other_tenants = create_process(client, admin_b, theirs["id"])["id"]
    before = role_counts()
    for process_id in (PROCESS, other_tenants):
        assert_problem(client.post(RA, json=body(role="processagare", process_id=process_id), headers=admin), 422,
                       "unknown_process")
    assert role_counts() == before
    # the id in any case is the same process
    held = assign(client, admin, role="processagare", process_id=ours.upper()).get_json()
    assert held["process_id"] == ours


def test_who_may_assign(org, client, admin, token, role_counts):
    _, administration, unit = org.tree()
    process = create_process(client, admin, administration["id"])["id"]
    other_administration = org.create("administration", "Kulturförvaltningen", org.tree()[0]["id"])
    chef = token("frida", roles=("forvaltningschef",), org_units=(administration["id"],))
    staff = token("anna", roles=("medarbetare",), org_units=(unit["id"],))
    before = role_counts()
    assert_problem(client.post(RA, json=body(unit_id=unit["id"]), headers=staff), 403)
    # a förvaltningschef: not their own role, not outside their förvaltning, not a process role
    assert_problem(client.post(RA, json=body(unit_id=unit["id"], role="forvaltningschef"), headers=chef), 403)
    assert_problem(client.post(RA, json=body(unit_id=other_administration["id"]), headers=chef), 403)
    assert_problem(client.post(RA, json=body(role="processledare", process_id=process), headers=chef), 403)
    assert role_counts() == before
    made = assign(client, chef, unit_id=unit["id"]).get_json()  # an enhetschef in their förvaltning
    assert client.get(RA, headers=staff).get_json()["count"] == 1  # everyone of the tenant reads
    etag = client.get(f"{RA}/{made['id']}", headers=staff).headers["ETag"]
    assert_problem(client.post(f"{RA}/{made['id']}/end", json={}, headers={**staff, "If-Match": etag}), 403)
    assert client.post(f"{RA}/{made['id']}/end", json={}, headers={**chef, "If-Match": etag}).status_code == 200


def test_idempotency_key_makes_a_retry_create_nothing(org, client, admin, role_counts):
    _, _, unit = org.tree()
    headers = {**admin, "Idempotency-Key": str(uuid.uuid4())}
    first = assign(client, headers, unit_id=unit["id"]).get_json()
    before = role_counts()
    again = client.post(RA, json=body(unit_id=unit["id"]), headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first["id"] and role_counts() == before


def test_duties_are_the_ockero_seed_until_an_administrator_rewords_them(client, admin, token, role_counts):
    everything = client.get("/api/v1/role-duties", headers=admin).get_json()["items"]
    assert len(everything) == 14 * 4 and all(item["source"] == "ockero" for item in everything)
    one = client.get("/api/v1/role-duties?role=enhetschef&phase=folja_upp", headers=admin).get_json()["items"]
    (duties,) = one
    assert duties["phase_label_sv"] == "Följa upp" and "Rapporterar analys och resultat till överordnad nivå." \
        in duties["duties"]
    url = "/api/v1/role-duties/enhetschef/folja_upp"
    read = client.get(url, headers=admin)
    assert read.headers["ETag"] == '"enhetschef.folja_upp.1"'
    new = ["Följer upp enhetens mål varje kvartal.", "Rapporterar till verksamhetschefen."]
    staff = token("anna", roles=("medarbetare",))
    before = role_counts()
    assert_problem(client.put(url, json={"duties": new}, headers={**staff, "If-Match": read.headers["ETag"]}), 403)
    assert_problem(client.put(url, json={"duties": new}, headers=admin), 428)
    assert_problem(client.put(url, json={"duties": ["a", "a"]}, headers={**admin, "If-Match": read.headers["ETag"]}),
                   422, "invalid_duties")
    assert_problem(client.put("/api/v1/role-duties/kung/planera", json={"duties": new},
                              headers={**admin, "If-Match": '"kung.planera.1"'}), 422, "unknown_role")
    assert_problem(client.put("/api/v1/role-duties/mas/agera", json={"duties": new},
                              headers={**admin, "If-Match": '"mas.agera.1"'}), 422, "unknown_phase")
    assert role_counts() == before
    changed = client.put(url, json={"duties": new}, headers={**admin, "If-Match": read.headers["ETag"]})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["source"] == "tenant" and changed.headers["ETag"] == '"enhetschef.folja_upp.2"'
    assert_problem(client.put(url, json={"duties": ["x."]}, headers={**admin, "If-Match": read.headers["ETag"]}), 412)
    assert client.get(url, headers=admin).get_json()["duties"] == new
    again = client.put(url, json={"duties": []}, headers={**admin, "If-Match": changed.headers["ETag"]})
    assert again.get_json()["duties"] == [] and again.get_json()["version"] == 3
    # another tenant still reads the seed
    other = token("admin-b", TENANT_B)
    assert client.get(url, headers=other).get_json()["source"] == "ockero"
