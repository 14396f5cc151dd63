"""Issue 10, "Done when": a serious deviation becomes a risk, over real PostgreSQL and RabbitMQ with the services
as processes (gunicorn API + worker each, tests/conftest.py's stack).

A lex Sarah case decided serious in the deviations service becomes a proposal in the risks service, is accepted into
an analysis, scored, given an action, escalated and accepted by the förvaltning; a redelivered event changes
nothing; a newer-version-first pair leaves the right state; a risks worker killed with SIGKILL mid-batch loses and
duplicates nothing.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import requests
import sqlalchemy as sa
from kombu import Connection

from ordning_shared.db import make_engine
from ordning_shared.events import DomainEvent, serialize, to_cloudevent
from ordning_shared.migrations import upgrade
from ordning_shared.testing import bearer, make_settings, publish_on_bus, wait_until
from ordning_shared.workdays import today_in_sweden

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
TENANT = "0138"
SERIOUSNESS = "se.ordning.deviation.seriousness_decided.v1"




def org_tree(stack, suffix):
    """nämnd > förvaltning > verksamhetsområde > two enheter, created in the processes service."""
    admin = stack.token("admin-risk-e2e", TENANT, ["administrator"])
    board = stack.create_unit(admin, "board", f"Omsorgsnämnden {suffix}")
    administration = stack.create_unit(admin, "administration", f"Omsorgsförvaltningen {suffix}", board)
    division = stack.create_unit(admin, "division", f"Äldreomsorg {suffix}", administration)
    unit = stack.create_unit(admin, "unit", f"Hemtjänst Norr {suffix}", division)
    sibling = stack.create_unit(admin, "unit", f"Hemtjänst Syd {suffix}", division)
    return board, administration, unit, sibling


def wait_for(fetch, timeout=30, message="the risks service to catch up"):
    """Poll `fetch` until it returns something truthy (the worker applies events asynchronously)."""
    return wait_until(fetch, timeout=timeout, interval=0.2, message=message)


def proposals_of(stack, token, deviation_id, status="open"):
    response = requests.get(f"{stack.urls['risks']}/api/v1/risk-proposals",
                            params={"deviation_id": deviation_id, "status": status}, headers=bearer(token), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def risks_db(stack):
    return make_engine(stack.env["ORDNING_RISKS_DATABASE_URL"])


def publish(broker_url, namespace, cloudevent_body: bytes):
    """Put an event on the stack's bus as a publisher would (a redelivery is the same body again)."""
    publish_on_bus(broker_url, namespace, cloudevent_body)


def seriousness_event(deviation_id, unit_id, version, serious=True, tenant=TENANT) -> bytes:
    event = DomainEvent(type=SERIOUSNESS, tenant=tenant, subject=deviation_id, sequence=version, data={
        "deviation_id": deviation_id, "kind": "lex_sarah", "unit_id": unit_id, "category_id": None,
        "status": "investigating", "version": version, "serious": serious, "revised": version > 5,
        "decided_at": "2026-05-18T08:00:00+00:00"})
    return serialize(to_cloudevent(event, "deviations"))


def flag_event(what, deviation_id, unit_id, version) -> bytes:
    moment = "flagged_at" if what == "flagged" else "cleared_at"
    event = DomainEvent(type=f"se.ordning.deviation.{what}_possible_elsewhere.v1", tenant=TENANT,
                        subject=deviation_id, sequence=version, data={
                            "deviation_id": deviation_id, "kind": "avvikelse", "unit_id": unit_id,
                            "version": version, moment: "2026-05-18T08:00:00+00:00"})
    return serialize(to_cloudevent(event, "deviations"))


def the_forvaltnings_treatment_plan_and_heat_map_show_the_risk(stack, token, administration, risk_id, year):
    """THE PLACE FOR THE TREATMENT PLAN AND HEAT MAP ASSERTIONS (issue 10, "Done when": "... visible in the
    förvaltning's treatment plan and heat map"): the risk accepted by the förvaltning is in its treatment plan for
    `year` once, with its action and owner, and counted in its heat map's cell, before and after actions."""
    risks = stack.urls["risks"]
    plan = requests.get(f"{risks}/api/v1/risk-treatment-plan", params={"unit_id": administration, "year": year},
                        headers=bearer(token), timeout=10)
    assert plan.status_code == 200, plan.text
    held = [item for item in plan.json()["risks"] if item["risk_id"] == risk_id]
    assert len(held) == 1, plan.json()
    assert held[0]["holder_unit_id"] == administration and held[0]["current_score"] == 12
    assert [(a["owner"], a["status"]) for a in held[0]["actions"]] == [("chief-risk-e2e", "planned")]
    assert risk_id not in [item["risk_id"] for item in plan.json()["awaiting_decision"]]

    heat = requests.get(f"{risks}/api/v1/risk-heat-map", params={
        "unit_id": administration, "from": f"{year}-01-01", "to": f"{year}-12-31"}, headers=bearer(token), timeout=10)
    assert heat.status_code == 200, heat.text
    grid = next(g for g in heat.json()["grids"] if g["current"])
    counted = {(cell["probability"], cell["consequence"]): (cell["initial"], cell["residual"])
               for cell in grid["cells"] if cell["initial"] or cell["residual"]}
    # Not re-scored yet: after actions it stands where it was scored (probability 3, consequence 4).
    assert counted == {(3, 4): (1, 1)}, counted


# --------------------------------------------------------------------------
# 1. The whole way, through the deviations and risks services
# --------------------------------------------------------------------------

def test_a_serious_lex_sarah_case_becomes_a_risk_accepted_by_the_forvaltning(stack):
    _board, administration, unit, _sibling = org_tree(stack, "A")
    deviations, risks = stack.urls["deviations"], stack.urls["risks"]

    # The case: reported at the unit, investigated by its enhetschef and decided serious by the förvaltningschef.
    staff = stack.token("staff-risk-e2e", TENANT, ["medarbetare"], [unit])
    deadline = time.monotonic() + 30
    while True:  # the deviations service learns of the new unit through the org events
        reported = requests.post(f"{deviations}/api/v1/deviations", json={
            "kind": "lex_sarah", "unit_id": unit, "description": "Brukaren fick inte sina insatser under helgen."},
            headers=bearer(staff, **{"Idempotency-Key": str(uuid.uuid4())}), timeout=10)
        if reported.status_code == 201 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert reported.status_code == 201, reported.text
    case = reported.json()["id"]
    chief = stack.token("chief-risk-e2e", TENANT, ["enhetschef"], [unit])
    url = f"{deviations}/api/v1/deviations/{case}"
    etag = requests.get(url, headers=bearer(chief), timeout=10).headers["ETag"]
    for command in ("receive", "start_investigation"):
        moved = requests.post(f"{url}/transitions", json={"command": command},
                              headers=bearer(chief, **{"If-Match": etag}), timeout=10)
        assert moved.status_code == 200, moved.text
        etag = moved.headers["ETag"]
    # the decision is the förvaltningschef's, the tenant's delegation for lex Sarah by default (issue 14)
    fchef = stack.token("fchef-risk-e2e", TENANT, ["forvaltningschef"], [administration])
    decided = requests.put(f"{url}/seriousness", json={"serious": True}, headers=bearer(fchef, **{"If-Match": etag}),
                           timeout=10)
    assert decided.status_code == 200, decided.text

    # ... becomes a proposal for its unit in the risks service, naming the case by id and kind only.
    proposal = wait_for(lambda: (proposals_of(stack, chief, case) or [None])[0], message="the proposal")
    assert (proposal["reason"], proposal["unit_id"], proposal["deviation_kind"]) == (
        "serious_deviation", unit, "lex_sarah")
    # the IVO report of the same case makes no second proposal: it dates the one there is
    ivo_day = today_in_sweden().isoformat()  # not before the event nor in the future, in Swedish days (issue 14)
    reported_to_ivo = requests.put(f"{url}/ivo-report", json={"reported_on": ivo_day, "reference": "3.5.1-1/2026"},
                                   headers=bearer(chief, **{"If-Match": decided.headers["ETag"]}), timeout=10)
    assert reported_to_ivo.status_code == 200, reported_to_ivo.text
    dated = wait_for(lambda: next((p for p in proposals_of(stack, chief, case) if p["ivo_reported_on"]), None),
                     message="the IVO report's date")
    assert dated["id"] == proposal["id"] and dated["ivo_reported_on"] == ivo_day
    assert len(proposals_of(stack, chief, case)) == 1

    # Accepted into a new analysis of the unit, where it is a risk.
    proposal_url = f"{risks}/api/v1/risk-proposals/{proposal['id']}"
    accepted = requests.post(f"{proposal_url}/decision", json={
        "decision": "accept", "new_analysis": {"title": "Insatser under helger", "analysis_date": "2026-05-25"},
        "description": "Brukare blir utan insatser när helgbemanningen inte räcker.", "causes": ["Få vikarier"]},
        headers=bearer(chief, **{"If-Match": requests.get(proposal_url, headers=bearer(chief), timeout=10)
                               .headers["ETag"]}), timeout=10)
    assert accepted.status_code == 200, accepted.text
    analysis_id, risk_id = accepted.json()["analysis_id"], accepted.json()["risk_id"]
    analysis_url = f"{risks}/api/v1/risk-analyses/{analysis_id}"
    analysis = requests.get(analysis_url, headers=bearer(chief), timeout=10)
    assert analysis.json()["trigger"] == "serious_deviation"
    started = requests.post(f"{analysis_url}/transitions", json={"command": "start"},
                            headers=bearer(chief, **{"If-Match": analysis.headers["ETag"]}), timeout=10)
    assert started.status_code == 200, started.text

    # Scored, given an action, escalated to the förvaltning ...
    risk_url = f"{analysis_url}/risks/{risk_id}"
    scored = requests.post(f"{risk_url}/scorings", json={"probability": 3, "consequence": 4, "kind": "initial"},
                           headers=bearer(chief), timeout=10)
    assert scored.status_code == 201 and scored.json()["in_plan"] is True, scored.text
    action = requests.post(f"{risk_url}/actions", json={
        "title": "Helgpool med vikarier", "owner": "chief-risk-e2e", "due_date": "2026-09-30"},
        headers=bearer(chief), timeout=10)
    assert action.status_code == 201, action.text
    escalated = requests.post(f"{risk_url}/escalations", json={
        "to_unit_id": administration, "reason": "Bemanningen beslutas av förvaltningen."}, headers=bearer(chief),
        timeout=10)
    assert escalated.status_code == 201, escalated.text

    # ... and accepted by the förvaltning.
    forvaltningschef = stack.token("fchef-risk-e2e", TENANT, ["forvaltningschef"], [administration])
    inbox = requests.get(f"{risks}/api/v1/risk-escalations", params={"to_unit_id": administration,
                                                                     "status": "pending"},
                         headers=bearer(forvaltningschef), timeout=10).json()["items"]
    assert [e["risk_id"] for e in inbox] == [risk_id]
    escalation_url = f"{risks}/api/v1/risk-escalations/{inbox[0]['id']}"
    answer = requests.post(f"{escalation_url}/decision", json={"decision": "accept"}, headers=bearer(
        forvaltningschef, **{"If-Match": requests.get(escalation_url, headers=bearer(forvaltningschef), timeout=10)
                             .headers["ETag"]}), timeout=10)
    assert answer.status_code == 200, answer.text
    risk = requests.get(risk_url, headers=bearer(forvaltningschef), timeout=10).json()
    assert (risk["holder_unit_id"], risk["escalation_status"]) == (administration, "accepted")
    assert risk["actions"]["total"] == 1 and risk["in_plan"] is True

    the_forvaltnings_treatment_plan_and_heat_map_show_the_risk(stack, forvaltningschef, administration, risk_id, 2026)

    # The proposal is decided once, and shows what it became.
    done = requests.get(proposal_url, headers=bearer(forvaltningschef), timeout=10).json()
    assert (done["status"], done["analysis_id"], done["risk_id"]) == ("accepted", analysis_id, risk_id)


# --------------------------------------------------------------------------
# 2. Redelivery and order, on the broker
# --------------------------------------------------------------------------

def count_rows(engine, table, **where):
    meta = sa.MetaData()
    t = sa.Table(table, meta, autoload_with=engine)
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t)
                            .where(*(t.c[k] == v for k, v in where.items()))).scalar_one()


def proposal_states(engine, deviation_id):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT reason, unit_id, status, version FROM risk_proposals WHERE deviation_id = :d ORDER BY unit_id"),
            {"d": deviation_id})]


def replicated(engine, *units):
    """Wait until the risks service's org-tree copy has these units (a flag names siblings from it; an event that
    comes before would wait in a retry queue, behind the marker)."""
    wait_for(lambda: all(count_rows(engine, "org_unit_replica", id=unit) for unit in units),
             message="the org tree in the risks service")


def settle(stack, broker_url, engine, unit):
    """Publish a marker case after what was published and wait for its proposal: one consumer takes its queue in
    order, so everything before the marker has been handled (applied or dropped) when the marker is."""
    marker = str(uuid.uuid4())
    publish(broker_url, stack.env["ORDNING_BUS_NAMESPACE"], seriousness_event(marker, unit, 5))
    wait_for(lambda: count_rows(engine, "risk_proposals", deviation_id=marker) == 1, message="the marker case")


def test_a_redelivered_event_changes_nothing(stack, broker_url):
    _board, _administration, unit, _sibling = org_tree(stack, "B")
    engine = risks_db(stack)
    try:
        replicated(engine, unit)
        namespace = stack.env["ORDNING_BUS_NAMESPACE"]
        case = str(uuid.uuid4())
        body = seriousness_event(case, unit, 5)
        publish(broker_url, namespace, body)
        wait_for(lambda: count_rows(engine, "risk_proposals", deviation_id=case) == 1, message="the proposal")
        before = (proposal_states(engine, case), count_rows(engine, "outbox"), count_rows(engine, "audit_log"))
        publish(broker_url, namespace, body)  # the same CloudEvent again: same source, same id
        settle(stack, broker_url, engine, unit)
        after_marker = 1  # the marker's own proposal_created
        assert proposal_states(engine, case) == before[0] == [("serious_deviation", unit, "open", 1)]
        assert count_rows(engine, "outbox") == before[1] + after_marker
        assert count_rows(engine, "audit_log") == before[2] + after_marker
        assert count_rows(engine, "inbox", event_id=json.loads(body)["id"]) == 1
    finally:
        engine.dispose()


def test_a_newer_version_first_leaves_the_right_state(stack, broker_url):
    _board, _administration, unit, sibling = org_tree(stack, "C")
    engine = risks_db(stack)
    try:
        replicated(engine, unit, sibling)
        namespace = stack.env["ORDNING_BUS_NAMESPACE"]
        decided = str(uuid.uuid4())  # revised to not serious (v7) arrives before serious (v5)
        publish(broker_url, namespace, seriousness_event(decided, unit, 7, serious=False))
        publish(broker_url, namespace, seriousness_event(decided, unit, 5))
        flagged = str(uuid.uuid4())  # the flag cleared (v8) arrives before it was set (v7)
        publish(broker_url, namespace, flag_event("cleared", flagged, unit, 8))
        publish(broker_url, namespace, flag_event("flagged", flagged, unit, 7))
        withdrawn = str(uuid.uuid4())  # in order: serious (v5), then not serious (v7)
        publish(broker_url, namespace, seriousness_event(withdrawn, unit, 5))
        publish(broker_url, namespace, seriousness_event(withdrawn, unit, 7, serious=False))
        elsewhere = str(uuid.uuid4())  # flagged (v4): proposed at the sibling only
        publish(broker_url, namespace, flag_event("flagged", elsewhere, unit, 4))
        settle(stack, broker_url, engine, unit)
        assert proposal_states(engine, decided) == []
        assert proposal_states(engine, flagged) == []
        assert proposal_states(engine, withdrawn) == [("serious_deviation", unit, "withdrawn", 2)]
        assert proposal_states(engine, elsewhere) == [("possible_elsewhere", sibling, "open", 1)]
    finally:
        engine.dispose()


# --------------------------------------------------------------------------
# 3. A risks worker killed with SIGKILL mid-batch
# --------------------------------------------------------------------------

WORKER = "from ordning_risks.app import worker; worker()"


def _start_worker(env):
    return subprocess.Popen([sys.executable, "-c", WORKER], env=env, start_new_session=True,
                            stderr=subprocess.DEVNULL)


def test_a_risks_worker_killed_mid_batch_loses_and_duplicates_nothing(create_database, broker_url,
                                                                      service_broker_url, tmp_path):
    from .conftest import wait_consuming  # noqa: PLC0415 - the e2e helpers of this folder

    namespace = f"kill{uuid.uuid4().hex[:10]}"
    database_url = create_database("risks")
    settings = make_settings("risks", database_url=database_url, broker_url=broker_url, data_dir=tmp_path,
                             bus_namespace=namespace)
    upgrade("risks", settings)
    env = dict(os.environ, ORDNING_ENV="embedded", ORDNING_DATA_DIR=str(tmp_path), ORDNING_BUS_NAMESPACE=namespace,
               ORDNING_RISKS_DATABASE_URL=database_url, ORDNING_BROKER_URL=service_broker_url("risks"),
               ORDNING_LOG_LEVEL="ERROR")
    engine = make_engine(database_url)
    worker = _start_worker(env)
    try:
        wait_consuming(broker_url, f"{namespace}.risks", worker)
        # the org tree, from the processes service's events: a division with many units
        division = str(uuid.uuid4())
        units = [str(uuid.uuid4()) for _ in range(10)]
        for unit_id, kind, parent in [(division, "division", None), *((u, "unit", division) for u in units)]:
            publish(broker_url, namespace, serialize(to_cloudevent(DomainEvent(
                type="se.ordning.org_unit.created.v1", tenant=TENANT, subject=unit_id, data={
                    "unit_id": unit_id, "kind": kind, "name": f"Enhet {unit_id[:4]}", "parent_id": parent,
                    "closed_at": None, "revision": 1}), "processes")))
        wait_for(lambda: count_rows(engine, "org_unit_replica") == 11, message="the org tree")
        # a batch: 150 serious cases, and a flag of each of 30 more (9 siblings each), every tenth event twice
        cases = [str(uuid.uuid4()) for _ in range(150)]
        flagged = [str(uuid.uuid4()) for _ in range(30)]
        bodies = [seriousness_event(case, units[i % 10], 5) for i, case in enumerate(cases)]
        bodies += [flag_event("flagged", case, units[i % 10], 3) for i, case in enumerate(flagged)]
        bodies = [body for i, body in enumerate(bodies) for _ in range(2 if i % 10 == 0 else 1)]
        for body in bodies:
            publish(broker_url, namespace, body)
        # killed while it consumes: some of the batch applied, most of it not
        wait_until(lambda: count_rows(engine, "inbox") >= 25, timeout=60, interval=0.005,
                   message="the worker to apply part of the batch")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        applied_at_kill = count_rows(engine, "inbox") - 11
        assert applied_at_kill < len(cases) + len(flagged), "the kill should land before the batch is done"

        worker = _start_worker(env)
        expected = len(cases) + 9 * len(flagged)
        wait_for(lambda: count_rows(engine, "risk_proposals") >= expected, timeout=120, message="the whole batch")
        time.sleep(1)  # anything left would show now: a duplicate would be a second row or a second event
        assert count_rows(engine, "risk_proposals") == expected
        with engine.connect() as conn:
            per_case = dict(conn.execute(sa.text(
                "SELECT deviation_id, count(*) FROM risk_proposals GROUP BY deviation_id")).all())
            created = conn.execute(sa.text(
                "SELECT count(*) FROM outbox WHERE type = 'se.ordning.risk.proposal_created.v1'")).scalar_one()
        assert all(per_case[case] == 1 for case in cases)
        assert all(per_case[case] == 9 for case in flagged)
        assert created == expected
        assert count_rows(engine, "inbox") == 11 + len(cases) + len(flagged)  # each event once, its copy dropped
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        engine.dispose()
        with Connection(broker_url) as connection:
            channel = connection.channel()
            for queue in (f"{namespace}.risks", f"{namespace}.risks.dead-letter",
                          *(f"{namespace}.risks.retry.{int(d * 1000)}ms" for d in settings.retry_delays)):
                try:
                    channel.queue_delete(queue)
                except Exception:  # best effort: the namespace is this test's own
                    pass
