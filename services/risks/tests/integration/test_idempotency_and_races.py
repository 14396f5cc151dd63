"""Retries with an Idempotency-Key create nothing twice; concurrent writers of one matrix or one risk take turns
and the loser is told, nothing half-written."""
from __future__ import annotations

import threading

import pytest

from .conftest import ADMIN, CHEF_E1, U
from .test_matrix import five_by_three

pytestmark = pytest.mark.integration
A = "/api/v1/risk-analyses"


def test_a_retried_post_creates_nothing_twice(env):
    chef = env.auth(*CHEF_E1)
    body = {"title": "Sommar", "scope_type": "unit", "scope_id": U["e1"], "trigger": "yearly",
            "analysis_date": "2026-05-12"}
    first = env.client.post(A, json=body, headers={**chef, "Idempotency-Key": "k-analysis"})
    again = env.client.post(A, json=body, headers={**chef, "Idempotency-Key": "k-analysis"})
    assert first.status_code == again.status_code == 201 and first.get_json()["id"] == again.get_json()["id"]
    reused = env.client.post(A, json={**body, "title": "Vinter"}, headers={**chef, "Idempotency-Key": "k-analysis"})
    assert reused.status_code == 422 and reused.get_json()["code"] == "idempotency_key_reused"
    analysis = first.get_json()["id"]
    env.act(analysis, "start")
    risk = [env.client.post(f"{A}/{analysis}/risks", json={"description": "Fel dos"},
                            headers={**chef, "Idempotency-Key": "k-risk"}) for _ in range(2)]
    assert risk[0].get_json()["id"] == risk[1].get_json()["id"]
    rid = risk[0].get_json()["id"]
    scored = [env.client.post(f"{A}/{analysis}/risks/{rid}/scorings", headers={**chef, "Idempotency-Key": "k-score"},
                              json={"probability": 2, "consequence": 3, "kind": "initial"}) for _ in range(2)]
    assert [s.status_code for s in scored] == [201, 201]
    assert len(scored[1].get_json()["scorings"]) == 1
    escalated = [env.client.post(f"{A}/{analysis}/risks/{rid}/escalations", json={"to_unit_id": U["f"], "reason": "x"},
                                 headers={**chef, "Idempotency-Key": "k-escalate"}) for _ in range(2)]
    assert [e.status_code for e in escalated] == [201, 201] and len(escalated[1].get_json()["escalations"]) == 1
    assert env.outbox_types().count("se.ordning.risk.risk_scored.v1") == 1


def test_two_matrix_changes_from_one_read_one_wins(env):
    admin = env.auth(*ADMIN)
    etag = env.client.get("/api/v1/risk-matrix", headers=admin).headers["ETag"]
    answers = []

    def put():
        with env.app.test_client() as client:
            answers.append(client.put("/api/v1/risk-matrix", json=five_by_three(),
                                      headers={**admin, "If-Match": etag}).status_code)

    threads = [threading.Thread(target=put) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 412, 412, 412]
    assert env.client.get("/api/v1/risk-matrix", headers=admin).get_json()["version"] == 2


def test_concurrent_scorings_of_one_risk_are_all_kept_in_turn(env):
    analysis = env.analysis()["id"]
    env.act(analysis, "start")
    rid = env.risk(analysis)["id"]
    chef = env.auth(*CHEF_E1)
    answers = []

    def score(p):
        with env.app.test_client() as client:
            answers.append(client.post(f"{A}/{analysis}/risks/{rid}/scorings", headers=chef,
                                       json={"probability": p, "consequence": 2, "kind": "initial"}).status_code)

    threads = [threading.Thread(target=score, args=(p,)) for p in (1, 2, 3, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [201] * 4
    risk = env.client.get(f"{A}/{analysis}/risks/{rid}", headers=chef).get_json()
    assert len(risk["scorings"]) == 4 and risk["version"] == 5
    assert risk["initial"]["id"] == risk["scorings"][-1]["id"]
