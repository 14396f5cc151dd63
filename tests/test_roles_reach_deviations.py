"""Issue 11's "done when": a role assigned in the processes service reaches the deviations service's copy through
events alone (real PostgreSQL and RabbitMQ), and the deviations side answers "who is enhetschef of unit X" and
"who is MAS for this förvaltning"; a redelivered event changes nothing; an ended assignment stops answering."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ordning_shared import consumer
from ordning_shared.testing import BackgroundWorker, issue_token, outbox_bodies, wait_until

pytestmark = pytest.mark.integration
A, B = "0138", "1407"


@pytest.fixture
def apps(processes_and):
    return processes_and("deviations")


def test_a_role_assigned_in_processes_answers_who_in_deviations_from_events_alone(apps):
    from ordning_deviations import service as deviations_service

    processes, deviations, handlers = apps
    proc_platform, dev_platform = processes.extensions["ordning"], deviations.extensions["ordning"]
    client = processes.test_client()
    settings = proc_platform.settings
    admin = {"Authorization": "Bearer " + issue_token(settings, "admin-1", A, ["administrator"])}
    admin_b = {"Authorization": "Bearer " + issue_token(settings, "admin-b", B, ["administrator"])}

    def create(kind, name, parent=None, headers=admin):
        response = client.post("/api/v1/org-units", json={"kind": kind, "name": name, "parent_id": parent},
                               headers=headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def assign(role, unit, user, headers=admin):
        response = client.post("/api/v1/role-assignments", headers=headers, json={
            "role": role, "unit_id": unit, "user_id": user, "display_name": "Namn Namnsson",
            "valid_from": "2020-01-01"})
        assert response.status_code == 201, response.get_json()
        return response

    board = create("board", "Socialnämnden")
    administration = create("administration", "Socialförvaltningen", board)
    division = create("division", "Äldreomsorg", administration)
    unit, sibling = create("unit", "Hemtjänst Norr", division), create("unit", "Hemtjänst Söder", division)
    chief = assign("enhetschef", unit, "demo-erik").get_json()
    assign("mas", administration, "demo-maria")
    other_board = create("board", "Socialnämnden", headers=admin_b)
    assign("enhetschef", other_board, "b-chef", headers=admin_b)

    def who(role, unit_id, tenant=A):
        with dev_platform.engine.connect() as connection:
            return deviations_service.role_holders(connection, tenant, role, unit_id)

    with BackgroundWorker(proc_platform, {}), BackgroundWorker(dev_platform, handlers):
        wait_until(lambda: who("enhetschef", unit) == ["demo-erik"] and who("mas", sibling) == ["demo-maria"],
                   timeout=30, message="the roles in the deviations service's copy")
        assert who("mas", unit) == ["demo-maria"]           # the MAS of the unit's förvaltning, up the tree
        assert who("mas", administration) == ["demo-maria"]
        assert who("enhetschef", sibling) == []             # nobody, and nobody above holds it either
        assert who("enhetschef", other_board) == []         # tenant B's holder answers nothing for tenant A
        assert who("enhetschef", other_board, B) == ["b-chef"]

        # Redelivery: every role event again changes nothing (the inbox drops it; the version would too).
        bodies = outbox_bodies(proc_platform, "se.ordning.role.")
        holders = dev_platform.tables.role_holders
        with dev_platform.engine.connect() as connection:
            before = connection.execute(sa.select(holders).order_by(holders.c.assignment_id)).all()
        assert [consumer.handle_event(dev_platform, handlers, body) for body in bodies] == ["duplicate"] * 3
        with dev_platform.engine.connect() as connection:
            assert connection.execute(sa.select(holders).order_by(holders.c.assignment_id)).all() == before

        etag = client.get(f"/api/v1/role-assignments/{chief['id']}", headers=admin).headers["ETag"]
        ended = client.post(f"/api/v1/role-assignments/{chief['id']}/end", json={},
                            headers={**admin, "If-Match": etag})
        assert ended.status_code == 200, ended.get_json()
        wait_until(lambda: who("enhetschef", unit) == [], timeout=30, message="the ended assignment to stop answering")
    assert who("mas", unit) == ["demo-maria"]
    with dev_platform.engine.connect() as connection:
        assert connection.execute(sa.select(holders.c.ended_at).where(
            holders.c.assignment_id == chief["id"])).scalar_one() is not None  # kept, ended
