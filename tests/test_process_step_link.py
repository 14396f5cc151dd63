"""Done when (issue 11): a deviation's process link survives a new version of the process, over real
PostgreSQL: the processes service and the deviations service, each on its own database."""
from __future__ import annotations

import pytest
from ordning_shared import consumer, events
from ordning_shared.events import DomainEvent
from ordning_shared.testing import issue_token, outbox_bodies

pytestmark = pytest.mark.integration
TENANT = "0138"
P = "/api/v1/processes"


def _ok(response, status=(200, 201)):
    assert response.status_code in status, response.get_data(as_text=True)
    return response


def test_a_deviations_process_step_survives_a_new_version_of_the_process(migrated_settings):
    from ordning_deviations.app import create_app as deviations_app
    from ordning_deviations.handlers import HANDLERS
    from ordning_processes.app import create_app as processes_app

    processes_settings, deviations_settings = migrated_settings("processes"), migrated_settings("deviations")
    processes, deviations = processes_app(processes_settings), deviations_app(deviations_settings)
    try:
        admin = {"Authorization": "Bearer " + issue_token(processes_settings, "admin-1", TENANT, ["administrator"], [])}
        p = processes.test_client()
        board = _ok(p.post("/api/v1/org-units", json={"kind": "board", "name": "Socialnämnden"}, headers=admin))
        unit = _ok(p.post("/api/v1/org-units", headers=admin, json={
            "kind": "administration", "name": "Socialförvaltningen", "parent_id": board.get_json()["id"]}))
        unit_id = unit.get_json()["id"]
        copied = _ok(p.post("/api/v1/process-templates/socialtjanst_ni_2021_2/copy", json={"unit_id": unit_id},
                            headers=admin)).get_json()
        pid = copied["id"]

        def if_match():
            return {**admin, "If-Match": p.get(f"{P}/{pid}", headers=admin).headers["ETag"]}

        established = _ok(p.post(f"{P}/{pid}/establish", json={"decision_reference": "SN § 12/2026"},
                                 headers=if_match())).get_json()["established"]
        utreda = next(step["id"] for step in established["steps"] if step["name"] == "Utreda")

        def feed_process_events():
            """The processes service's process events not fed yet, handed to the deviations service's handlers."""
            outcomes = [consumer.handle_event(deviations.extensions["ordning"], HANDLERS, body)
                        for body in outbox_bodies(processes.extensions["ordning"], "se.ordning.process.")]
            return [outcome for outcome in outcomes if outcome != "duplicate"]

        # the deviations service knows the unit from the org tree's event, as in production
        for unit_event in (board, unit):
            data = unit_event.get_json()
            event = DomainEvent(type="se.ordning.org_unit.created.v1", tenant=TENANT, subject=data["id"], data={
                "unit_id": data["id"], "kind": data["kind"], "name": data["name"], "parent_id": data["parent_id"],
                "closed_at": None, "revision": 1})
            assert consumer.handle_event(deviations.extensions["ordning"], HANDLERS, events.serialize(
                events.to_cloudevent(event, "processes"))) == "processed"
        staff = {"Authorization": "Bearer " + issue_token(deviations_settings, "staff-1", TENANT,
                                                          ["medarbetare", "enhetschef"], [unit_id])}
        d = deviations.test_client()
        report = {"kind": "avvikelse", "unit_id": unit_id, "description": "Utredningen drog ut på tiden",
                  "process_step_id": utreda}
        # until the process's established event reaches it, the deviations service knows no such step
        refused = d.post("/api/v1/deviations", json=report, headers=staff)
        assert refused.status_code == 422 and refused.get_json()["code"] == "unknown_process_step"
        assert feed_process_events() == ["processed"]
        case = _ok(d.post("/api/v1/deviations", json=report, headers=staff)).get_json()
        assert case["process_step_id"] == utreda

        # a new version of the process: a step added before Utreda, Utreda renamed; its id stays
        revised = _ok(p.post(f"{P}/{pid}/revisions", json={}, headers=if_match())).get_json()["draft"]
        steps = [{"id": s["id"], "name": "Utreda behov" if s["id"] == utreda else s["name"], "roles": s["roles"]}
                 for s in revised["steps"]]
        steps.insert(1, {"name": "Förhandsbedöma", "roles": ["enhetschef"]})
        _ok(p.patch(f"{P}/{pid}/draft", json={"steps": steps}, headers=if_match()))
        now = _ok(p.post(f"{P}/{pid}/establish", json={}, headers=if_match())).get_json()
        assert now["established"]["number"] == 2
        step = next(s for s in now["established"]["steps"] if s["id"] == utreda)
        assert step["name"] == "Utreda behov" and step["position"] == 3
        assert feed_process_events() == ["processed"]  # the revised event: its new step can be named now
        added = next(s["id"] for s in now["established"]["steps"] if s["name"] == "Förhandsbedöma")
        assert _ok(d.post("/api/v1/deviations", json={**report, "process_step_id": added},
                          headers=staff)).get_json()["process_step_id"] == added

        kept = _ok(d.get(f"/api/v1/deviations/{case['id']}", headers=staff)).get_json()
        assert kept["process_step_id"] == utreda
        # and the superseded version still names the same step
        v1 = _ok(p.get(f"{P}/{pid}/versions/1", headers=admin)).get_json()
        assert utreda in [s["id"] for s in v1["steps"]] and v1["status"] == "superseded"

        # the case's link can be changed and cleared with If-Match
        etag = d.get(f"/api/v1/deviations/{case['id']}", headers=staff).headers["ETag"]
        cleared = _ok(d.patch(f"/api/v1/deviations/{case['id']}", json={"process_step_id": None},
                              headers={**staff, "If-Match": etag})).get_json()
        assert cleared["process_step_id"] is None
    finally:
        processes.extensions["ordning"].dispose()
        deviations.extensions["ordning"].dispose()
