"""A process established in the processes service becomes a scope of a risk analysis in the risks service through
events alone (real PostgreSQL and RabbitMQ): before it is established the risks service refuses it, after it
accepts the process, its steps and its delprocess; a revision's new step follows; another tenant's process stays
unknown; a redelivered event changes nothing."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ordning_shared import consumer
from ordning_shared.testing import BackgroundWorker, bearer, issue_token, outbox_bodies, wait_until

pytestmark = pytest.mark.integration
A, B = "0138", "1407"
P = "/api/v1/processes"


@pytest.fixture
def apps(processes_and):
    return processes_and("risks")


def _ok(response, status=(200, 201)):
    assert response.status_code in status, response.get_data(as_text=True)
    return response.get_json()


def test_an_established_process_becomes_a_risk_scope_through_events(apps):
    processes, risks, handlers = apps
    proc_platform, risk_platform = processes.extensions["ordning"], risks.extensions["ordning"]
    p, r = processes.test_client(), risks.test_client()
    admin = bearer(issue_token(proc_platform.settings, "admin-1", A, ["administrator"]))
    admin_b = bearer(issue_token(proc_platform.settings, "admin-b", B, ["administrator"]))

    def unit(kind, name, parent=None, headers=admin):
        return _ok(p.post("/api/v1/org-units", json={"kind": kind, "name": name, "parent_id": parent},
                          headers=headers))["id"]

    def if_match(pid, headers=admin):
        return {**headers, "If-Match": p.get(f"{P}/{pid}", headers=headers).headers["ETag"]}

    board = unit("board", "Socialnämnden")
    administration = unit("administration", "Socialförvaltningen", board)
    process = _ok(p.post("/api/v1/process-templates/socialtjanst_ni_2021_2/copy", json={"unit_id": administration},
                         headers=admin))
    pid, steps = process["id"], {step["name"]: step["id"] for step in process["draft"]["steps"]}
    delprocess = _ok(p.post(P, headers=admin, json={"unit_id": administration, "kind": "huvudprocess",
                                                    "parent_id": pid, "name": "Utreda barn och unga",
                                                    "steps": [{"name": "Förhandsbedöma"}]}))["id"]
    theirs = _ok(p.post("/api/v1/process-templates/socialtjanst_ni_2021_2/copy",
                        json={"unit_id": unit("administration", "Socialförvaltningen",
                                              unit("board", "Socialnämnden", headers=admin_b), headers=admin_b)},
                        headers=admin_b))
    _ok(p.post(f"{P}/{theirs['id']}/establish", json={}, headers=if_match(theirs["id"], admin_b)))

    owner = bearer(issue_token(risk_platform.settings, "pelle", A, ["processagare"], [administration]))

    def analyse(scope_type, scope_id):
        return r.post("/api/v1/risk-analyses", headers=owner, json={
            "title": "Handläggningen", "scope_type": scope_type, "scope_id": scope_id, "unit_id": administration,
            "trigger": "new_process", "analysis_date": "2026-06-01"})

    def known_units():
        units = risk_platform.tables.org_units
        with risk_platform.engine.connect() as connection:
            return set(connection.execute(sa.select(units.c.id).where(units.c.tenant == A)).scalars())

    def analyses():
        with risk_platform.engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM risk_analyses")).scalar_one()

    with BackgroundWorker(proc_platform, {}), BackgroundWorker(risk_platform, handlers):
        wait_until(lambda: {board, administration} <= known_units(), timeout=30, message="the org tree in risks")
        # drafted, not established: no process of the map yet as far as the risks service knows
        for scope_type, scope_id, code in (("process", pid, "unknown_process"),
                                           ("subprocess", steps["Utreda"], "unknown_process_step"),
                                           ("process", theirs["id"], "unknown_process")):
            refused = analyse(scope_type, scope_id)
            assert refused.status_code == 422 and refused.get_json()["code"] == code, refused.get_json()
        assert analyses() == 0

        _ok(p.post(f"{P}/{pid}/establish", json={"decision_reference": "SN § 12/2026"}, headers=if_match(pid)))
        _ok(p.post(f"{P}/{delprocess}/establish", json={}, headers=if_match(delprocess)))
        wait_until(lambda: analyse("process", pid).status_code == 201, timeout=30,
                   message="the established process accepted as a risk scope")
        assert _ok(analyse("subprocess", steps["Utreda"]))["scope_id"] == steps["Utreda"]
        assert _ok(analyse("subprocess", delprocess))["scope_type"] == "subprocess"
        refused = analyse("process", theirs["id"])  # tenant B's established process is none of tenant A's
        assert refused.status_code == 422 and refused.get_json()["code"] == "unknown_process"

        # a revision adds a step: it becomes a scope once the revised event arrives; the old steps stay
        revised = _ok(p.post(f"{P}/{pid}/revisions", json={}, headers=if_match(pid)))["draft"]
        _ok(p.patch(f"{P}/{pid}/draft", headers=if_match(pid), json={"steps": [
            *({"id": s["id"], "name": s["name"]} for s in revised["steps"]), {"name": "Avsluta"}]}))
        added = _ok(p.post(f"{P}/{pid}/establish", json={}, headers=if_match(pid)))["established"]["steps"][-1]["id"]
        wait_until(lambda: analyse("subprocess", added).status_code == 201, timeout=30,
                   message="the revised version's new step accepted as a risk scope")
        assert analyse("subprocess", steps["Aktualisera"]).status_code == 201

        # Redelivery: every process event again changes nothing (the inbox drops it; the versions would too).
        bodies = outbox_bodies(proc_platform, "se.ordning.process.")
        copied = risk_platform.tables.processes
        with risk_platform.engine.connect() as connection:
            before = connection.execute(sa.select(copied).order_by(copied.c.tenant, copied.c.process_id)).all()
        assert [consumer.handle_event(risk_platform, handlers, body) for body in bodies] == ["duplicate"] * 4
        with risk_platform.engine.connect() as connection:
            assert connection.execute(sa.select(copied).order_by(copied.c.tenant, copied.c.process_id)).all() \
                == before
    assert [(row.tenant, row.version) for row in before if row.process_id == pid] == [(A, 2)]
