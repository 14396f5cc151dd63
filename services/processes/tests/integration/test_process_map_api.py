"""The process map over HTTP, against real PostgreSQL: drafting, establishing, revising with stable step ids,
templates, bad input that changes nothing, and tenant isolation."""
from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from ordning_processes import db

from .conftest import TENANT_A

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"
P = "/api/v1/processes"


def problem(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    if code is not None:
        assert response.get_json()["code"] == code, response.get_json()
    return response.get_json()


@pytest.fixture
def counts(platform):
    def _counts() -> dict:
        tables = [db.processes, db.process_versions, db.process_steps, db.tables.audit_log, db.tables.outbox,
                  db.org_units]
        with platform.engine.connect() as connection:
            return {t.name: connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                    for t in tables}
    return _counts


@pytest.fixture
def units(org):
    _board, administration, unit = org.tree()
    return administration["id"], unit["id"]


def steps(*names, roles=("enhetschef",)):
    return [{"name": n, "roles": list(roles), "inputs": [f"In {n}"], "outputs": [f"Ut {n}"]} for n in names]


def create(client, headers, unit_id, expect=201, **extra):
    body = {"unit_id": unit_id, "kind": "huvudprocess", "name": "Myndighetsutövning",
            "steps": steps("Aktualisera", "Utreda"), **extra}
    response = client.post(P, json=body, headers=headers)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def if_match(client, headers, process_id) -> dict:
    return {**headers, "If-Match": client.get(f"{P}/{process_id}", headers=headers).headers["ETag"]}


def outbox_types(platform) -> list[str]:
    with platform.engine.connect() as connection:
        rows = connection.execute(sa.select(db.tables.outbox)).mappings().all()
    return [r["event_type"] if "event_type" in r else r["type"] for r in rows]


def test_draft_establish_revise_keeps_step_ids_and_the_established_version_readable(client, admin, units, platform):
    administration, unit = units
    process = create(client, admin, unit)
    pid = process["id"]
    assert process["established"] is None and process["draft"]["number"] == 1
    first_ids = [s["id"] for s in process["draft"]["steps"]]
    assert [s["position"] for s in process["draft"]["steps"]] == [1, 2]

    # edit the draft: a step with samverkan added, the others kept by id
    edited = steps("Aktualisera", "Utreda")
    edited[0]["id"], edited[1]["id"] = first_ids
    edited.append({"name": "Besluta", "roles": ["enhetschef", "namnd"],
                   "samverkan": [{"actor": "region", "note": "SIP"}]})
    response = client.patch(f"{P}/{pid}/draft", json={"steps": edited, "owner_user_id": "anna"},
                            headers=if_match(client, admin, pid))
    assert response.status_code == 200, response.get_json()
    draft = response.get_json()["draft"]
    assert [s["id"] for s in draft["steps"]][:2] == first_ids
    assert draft["steps"][2]["samverkan"] == [{"actor": "region", "actor_label_sv": "Regionen", "note": "SIP"}]
    ids = [s["id"] for s in draft["steps"]]

    stale = {**admin, "If-Match": f'"{pid}.1"'}
    problem(client.post(f"{P}/{pid}/establish", json={}, headers=stale), 412)
    response = client.post(f"{P}/{pid}/establish", json={"established_on": "2026-03-02",
                                                          "decision_reference": "SN § 45/2026"},
                           headers=if_match(client, admin, pid))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["draft"] is None and body["established"]["number"] == 1
    assert body["established"]["established_by"] == "admin-1"
    assert body["established"]["decision_reference"] == "SN § 45/2026"

    # an established version is never edited
    problem(client.patch(f"{P}/{pid}/draft", json={"name": "Nytt"}, headers=if_match(client, admin, pid)), 409,
            "no_draft")

    response = client.post(f"{P}/{pid}/revisions", json={}, headers=if_match(client, admin, pid))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["established"]["number"] == 1 and body["draft"]["number"] == 2
    assert [s["id"] for s in body["draft"]["steps"]] == ids
    problem(client.post(f"{P}/{pid}/revisions", json={}, headers=if_match(client, admin, pid)), 409, "draft_exists")

    response = client.put(f"{P}/{pid}/draft/step-order", json={"step_ids": list(reversed(ids))},
                          headers=if_match(client, admin, pid))
    assert response.status_code == 200, response.get_json()
    assert [s["id"] for s in response.get_json()["draft"]["steps"]] == list(reversed(ids))
    # the established version is still the one in force, unchanged
    assert [s["id"] for s in response.get_json()["established"]["steps"]] == ids

    response = client.post(f"{P}/{pid}/establish", json={}, headers=if_match(client, admin, pid))
    assert response.status_code == 200
    body = response.get_json()
    assert body["established"]["number"] == 2
    assert [(v["number"], v["status"]) for v in body["versions"]] == [(1, "superseded"), (2, "established")]
    v1 = client.get(f"{P}/{pid}/versions/1", headers=admin).get_json()
    assert v1["status"] == "superseded" and [s["id"] for s in v1["steps"]] == ids
    problem(client.get(f"{P}/{pid}/versions/9", headers=admin), 404)

    listed = client.get(f"{P}?unit_id={administration}", headers=admin).get_json()
    assert [p["id"] for p in listed["items"]] == [pid]
    assert client.get(f"{P}?kind=stodprocess", headers=admin).get_json()["count"] == 0

    with platform.engine.connect() as connection:
        rows = connection.execute(sa.select(db.tables.outbox)).mappings().all()
    kinds = [dict(r) for r in rows]
    text = repr(kinds)
    assert "se.ordning.process.established.v1" in text and "se.ordning.process.revised.v1" in text
    assert "anna" not in text and "SN § 45" not in text  # no names, no free text in events
    # each names its version's step ids, in the version's order, and nothing of the steps' text
    data = [json.loads(r["body"])["data"] for r in rows if r["type"].startswith("se.ordning.process.")]
    assert [(d["version"], d["step_ids"]) for d in data] == [(1, ids), (2, list(reversed(ids)))]
    assert "Utreda" not in text and "SIP" not in text


def test_the_step_index_holds_the_steps_of_every_version_and_a_step_dropped_from_a_draft_leaves_it(
        client, admin, units, platform):
    from ordning_processes import service

    _administration, unit = units
    process = create(client, admin, unit)
    pid, (first, second) = process["id"], [s["id"] for s in process["draft"]["steps"]]

    def indexed():
        with platform.engine.connect() as connection:
            return set(connection.execute(sa.select(db.process_steps.c.step_id).where(
                db.process_steps.c.tenant == TENANT_A, db.process_steps.c.process_id == pid)).scalars())

    assert indexed() == {first, second}
    kept = client.patch(f"{P}/{pid}/draft", json={"steps": [{"id": first, "name": "Aktualisera"}, {"name": "Ny"}]},
                        headers=if_match(client, admin, pid)).get_json()["draft"]["steps"]
    new = kept[1]["id"]
    assert indexed() == {first, new}  # the dropped step was in no version but the draft: no longer a step
    client.post(f"{P}/{pid}/establish", json={}, headers=if_match(client, admin, pid))
    client.post(f"{P}/{pid}/revisions", json={}, headers=if_match(client, admin, pid))
    client.patch(f"{P}/{pid}/draft", json={"steps": [{"id": new, "name": "Ny"}]}, headers=if_match(client, admin, pid))
    assert indexed() == {first, new}  # dropped from the new draft, still a step of the established version
    with platform.engine.connect() as connection:
        assert service.validate_step_ids(connection, TENANT_A, [first, new, second]) == {second}
        assert service.validate_step_ids(connection, "1407", [first]) == {first}


def test_delprocess_and_a_cycle_is_refused_and_changes_nothing(client, admin, units, counts):
    _administration, unit = units
    top = create(client, admin, unit)
    sub = create(client, admin, unit, parent_id=top["id"], kind="stodprocess", name="Delprocess")
    assert sub["parent_id"] == top["id"]
    before = counts()
    problem(client.patch(f"{P}/{top['id']}/draft", json={"parent_id": sub["id"]},
                         headers=if_match(client, admin, top["id"])), 422, "process_cycle")
    problem(client.patch(f"{P}/{top['id']}/draft", json={"parent_id": top["id"]},
                         headers=if_match(client, admin, top["id"])), 422, "process_cycle")
    assert counts() == before
    response = client.patch(f"{P}/{sub['id']}/draft", json={"parent_id": None},
                            headers=if_match(client, admin, sub["id"]))
    assert response.status_code == 200 and response.get_json()["parent_id"] is None


def test_bad_input_is_a_problem_and_changes_nothing(client, admin, admin_b, units, org_b, counts, token):
    _administration, unit = units
    b_unit = org_b.tree()[2]["id"]
    theirs = create(client, admin_b, b_unit)
    ours = create(client, admin, unit)
    before = counts()
    problem(client.post(P, json={
        "unit_id": b_unit, "kind": "huvudprocess", "name": "X"}, headers=admin), 422, "unknown_unit")
    problem(client.post(P, json={"unit_id": unit, "kind": "huvudprocess", "name": "X", "parent_id": theirs["id"]},
                        headers=admin), 422, "parent_process_not_found")
    problem(client.post(P, json={"unit_id": unit, "kind": "huvudprocess", "name": "X",
                                 "steps": steps("A", roles=("trollkarl",))}, headers=admin), 422)
    problem(client.post(P, json={"unit_id": unit, "kind": "huvudprocess", "name": "X",
                                 "owner_role": "enhetschef"}, headers=admin), 422)
    problem(client.post(P, json={"unit_id": unit, "kind": "vardprocess", "name": "X"}, headers=admin), 422)
    foreign_step = theirs["draft"]["steps"][0]["id"]
    problem(client.patch(f"{P}/{ours['id']}/draft", json={"steps": [{"id": foreign_step, "name": "Stulen"}]},
                         headers=if_match(client, admin, ours["id"])), 422, "unknown_step")
    problem(client.put(f"{P}/{ours['id']}/draft/step-order", json={"step_ids": [str(uuid.uuid4())]},
                       headers=if_match(client, admin, ours["id"])), 422, "unknown_step")
    problem(client.patch(f"{P}/{ours['id']}/draft", json={"name": "X"}), 401)
    staff = token("staff-1", TENANT_A, roles=("medarbetare",))
    problem(client.patch(f"{P}/{ours['id']}/draft", json={"name": "X"}, headers=if_match(client, staff, ours["id"])),
            403)
    problem(client.get(f"{P}?unit=x", headers=admin), 422)
    assert counts() == before


def test_tenant_isolation(client, admin, admin_b, units):
    _administration, unit = units
    ours = create(client, admin, unit)
    problem(client.get(f"{P}/{ours['id']}", headers=admin_b), 404)
    problem(client.get(f"{P}/{ours['id']}/versions/1", headers=admin_b), 404)
    problem(client.post(f"{P}/{ours['id']}/establish", json={}, headers={**admin_b, "If-Match": f'"{ours["id"]}.1"'}),
            404)
    assert client.get(P, headers=admin_b).get_json()["count"] == 0


def test_templates_are_listed_and_copied_into_an_editable_draft(client, admin, units, counts):
    administration, _unit = units
    templates = client.get("/api/v1/process-templates", headers=admin).get_json()["items"]
    codes = {t["code"]: t for t in templates}
    assert [s["name"] for s in codes["socialtjanst_ni_2021_2"]["steps"]] == [
        "Aktualisera", "Utreda", "Besluta", "Utforma uppdrag", "Genomföra uppdrag", "Följa upp"]
    assert [s["name"] for s in codes["systematiskt_kvalitetsarbete"]["steps"]] == [
        "Planera", "Genomföra", "Följa upp", "Förbättra"]
    response = client.post("/api/v1/process-templates/systematiskt_kvalitetsarbete/copy",
                           json={"unit_id": administration}, headers=admin)
    assert response.status_code == 201, response.get_json()
    copy = response.get_json()
    assert copy["kind"] == "stodprocess" and copy["template_code"] == "systematiskt_kvalitetsarbete"
    assert len(copy["draft"]["steps"]) == 4
    response = client.patch(f"{P}/{copy['id']}/draft", json={"name": "Vårt kvalitetsarbete"},
                            headers=if_match(client, admin, copy["id"]))
    assert response.status_code == 200
    before = counts()
    problem(client.post("/api/v1/process-templates/okand/copy", json={"unit_id": administration}, headers=admin), 404)
    assert counts() == before
