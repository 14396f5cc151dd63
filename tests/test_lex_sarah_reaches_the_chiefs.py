"""Issue 13's "done when", through the services: units and roles made in the processes service, a lex Sarah case
reported in the deviations service, and the notify service's inbox, with each worker relaying its outbox and
consuming over real RabbitMQ and PostgreSQL: the enhetschef, verksamhetschef and förvaltningschef of the unit
each have one notice, a medarbetare and the chief of another unit none, and a redelivery changes nothing."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from ordning_shared.bus import Publisher, connect, declare_topology, retry_queues, service_queues
from ordning_shared.testing import BackgroundWorker, issue_token, wait_until

pytestmark = pytest.mark.integration
A = "0138"


@pytest.fixture
def apps(migrated_settings):
    from ordning_deviations.app import create_app as deviations_app
    from ordning_deviations.handlers import HANDLERS as DEVIATION_HANDLERS
    from ordning_notify.app import create_app as notify_app
    from ordning_notify.handlers import HANDLERS as NOTIFY_HANDLERS
    from ordning_processes.app import create_app as processes_app

    built = {"processes": (processes_app(migrated_settings("processes")), {}),
             "deviations": (deviations_app(migrated_settings("deviations")), DEVIATION_HANDLERS),
             "notify": (notify_app(migrated_settings("notify")), NOTIFY_HANDLERS)}
    for app, handlers in built.values():  # every queue exists before anything is published
        settings = app.extensions["ordning"].settings
        if handlers:
            work, dead = service_queues(settings, sorted(handlers))
            with connect(settings) as connection:
                declare_topology(settings, connection, [dead, *retry_queues(settings), work])
    yield built
    for app, _handlers in built.values():
        app.extensions["ordning"].dispose()


def test_a_lex_sarah_report_reaches_the_three_chiefs_of_its_unit_once_each(apps):
    processes, deviations, notify = (apps[name][0] for name in ("processes", "deviations", "notify"))
    settings = processes.extensions["ordning"].settings

    def token(subject, roles, units=()):
        return {"Authorization": "Bearer " + issue_token(settings, subject, A, roles, list(units))}

    admin = token("admin-1", ["administrator"])
    org = processes.test_client()

    def create(kind, name, parent=None):
        answer = org.post("/api/v1/org-units", json={"kind": kind, "name": name, "parent_id": parent}, headers=admin)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["id"]

    def assign(role, unit, user):
        answer = org.post("/api/v1/role-assignments", headers=admin, json={
            "role": role, "unit_id": unit, "user_id": user, "display_name": "Namn Namnsson",
            "valid_from": "2020-01-01"})
        assert answer.status_code == 201, answer.get_json()

    board = create("board", "Socialnämnden")
    administration = create("administration", "Socialförvaltningen", board)
    division = create("division", "Äldreomsorg", administration)
    norr, soder = create("unit", "Hemtjänst Norr", division), create("unit", "Hemtjänst Söder", division)
    for role, unit, user in (("enhetschef", norr, "demo-erik"), ("enhetschef", soder, "demo-eva"),
                             ("verksamhetschef", division, "demo-vera"),
                             ("forvaltningschef", administration, "demo-frida"), ("mas", administration, "demo-maja")):
        assign(role, unit, user)

    notify_platform = notify.extensions["ordning"]
    notices = notify_platform.metadata.tables["notices"]

    def given():
        with notify_platform.engine.connect() as conn:
            return sorted(conn.execute(sa.select(notices.c.recipient, notices.c.kind, notices.c.link)).all())

    workers = [BackgroundWorker(app.extensions["ordning"], handlers) for app, handlers in apps.values()]
    for worker in workers:
        worker.__enter__()
    try:
        # Notify knows the roles (its copy, from the processes service's events) before the case is reported.
        holders = notify_platform.tables.role_holders

        def with_roles():
            with notify_platform.engine.connect() as conn:
                return conn.execute(sa.select(sa.func.count()).select_from(holders)).scalar() == 5
        wait_until(with_roles, timeout=30, message="the role copy in notify")
        anna = token("demo-anna", ["medarbetare"], [norr])
        cases = deviations.test_client()

        def report():
            answer = cases.post("/api/v1/deviations", headers=anna, json={
                "kind": "lex_sarah", "unit_id": norr, "description": "Brukaren lämnades ensam för länge."})
            return answer if answer.status_code == 201 else None
        case = wait_until(report, timeout=30, interval=0.3, message="deviations knows the unit").get_json()

        wait_until(lambda: len(given()) >= 3, timeout=30, message="three notices")
        link = f"/arenden/{case['id']}"
        assert given() == [("demo-erik", "lex_sarah_reported", link), ("demo-frida", "lex_sarah_reported", link),
                           ("demo-vera", "lex_sarah_reported", link)]

        # Redelivery: the deviations service's events published again change nothing in notify.
        dev_platform = deviations.extensions["ordning"]
        outbox = dev_platform.tables.outbox
        with dev_platform.engine.connect() as conn:
            rows = conn.execute(sa.select(outbox.c.body, outbox.c.type)).all()
        publisher = Publisher(dev_platform.settings)
        for body, _type in rows:
            publisher.publish(body, json.loads(body))
        publisher.close()
        probe = cases.post("/api/v1/deviations", headers=token("demo-sven", ["medarbetare"], [soder]), json={
            "kind": "avvikelse", "unit_id": soder, "description": "Nyckeln saknades."})
        assert probe.status_code == 201
        # the probe reaches eva after the redelivered events were consumed (one queue, in order)
        wait_until(lambda: any(r == "demo-eva" for r, _k, _l in given()), timeout=30, message="the probe")
        assert [row for row in given() if row[0] != "demo-eva"] == [
            ("demo-erik", "lex_sarah_reported", link), ("demo-frida", "lex_sarah_reported", link),
            ("demo-vera", "lex_sarah_reported", link)]

        inbox = notify.test_client()
        for who in ("demo-erik", "demo-vera", "demo-frida"):
            items = inbox.get("/api/v1/notices", headers=token(who, ["enhetschef"])).get_json()["items"]
            assert [(n["kind_label"], n["unit_name"], n["link"]) for n in items] == [
                ("Ny lex Sarah-rapport", "Hemtjänst Norr", link)]
        assert inbox.get("/api/v1/notices", headers=anna).get_json()["items"] == []
        assert inbox.get("/api/v1/notices/count", headers=token("demo-maja", ["mas"])).get_json()["total"] == 0
    finally:
        for worker in workers:
            worker.stop()
