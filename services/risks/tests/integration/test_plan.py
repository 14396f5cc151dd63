"""The risk treatment plan and the heat map over HTTP and real PostgreSQL: the subtree, the threshold of each
risk's own matrix version, escalated risks at the receiving level once accepted (and once), actions, the year and
the period, tenant isolation, and bad input refused as problems."""
from __future__ import annotations

import pytest

from .conftest import ADMIN, B, CHEF_E1, CHEF_E2, FCHEF_F, KVAL_N, STAFF_E1, U
from .test_matrix import five_by_three

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"
A = "/api/v1/risk-analyses"
PLAN = "/api/v1/risk-treatment-plan"
HEAT = "/api/v1/risk-heat-map"
CHEF_E3 = ("emil", ["enhetschef"], ["e3"])
CHEF_EB = ("bo", ["enhetschef"], ["b0000000-0000-0000-0000-0000000000eb"])


def scored_risk(env, analysis, probability, consequence, who=CHEF_E1, residual=None, description="Fall"):
    risk = env.risk(analysis, who=who, description=description)
    assert env.score(analysis, risk["id"], probability, consequence, who=who).status_code == 201
    if residual:
        assert env.score(analysis, risk["id"], *residual, kind="residual", who=who).status_code == 201
    return risk["id"]


def started(env, unit="e1", who=CHEF_E1, **extra):
    analysis = env.analysis(unit=unit, who=who, **extra)["id"]
    assert env.act(analysis, "start", who=who).status_code == 200
    return analysis


def plan(env, unit, who, year=2026):
    r = env.client.get(PLAN, query_string={"unit_id": U.get(unit, unit), "year": year}, headers=env.auth(*who))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def ids(items) -> list[str]:
    return [item["risk_id"] for item in items]


def escalate(env, analysis, risk, to, who=CHEF_E1):
    r = env.client.post(f"{A}/{analysis}/risks/{risk}/escalations", headers=env.auth(*who),
                        json={"to_unit_id": U[to], "reason": "Bemanningen beslutas av förvaltningen."})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["escalations"][-1]["id"]


def decide(env, escalation, decision, who=FCHEF_F):
    path = f"/api/v1/risk-escalations/{escalation}"
    headers = env.auth(*who)
    r = env.client.post(f"{path}/decision", json={"decision": decision, "reason": "Så blir det."},
                        headers={**headers, "If-Match": env.etag(path, headers)})
    assert r.status_code == 200, r.get_json()


def test_the_plan_holds_the_subtrees_risks_at_or_above_the_threshold_highest_first(env):
    e1 = started(env, "e1", CHEF_E1)
    e2 = started(env, "e2", CHEF_E2)
    e3 = started(env, "e3", CHEF_E3)
    high = scored_risk(env, e1, 2, 3)          # 6, hög (consequence 3)
    very_high = scored_risk(env, e2, 4, 4, who=CHEF_E2)    # 16, mycket hög
    very_high_less = scored_risk(env, e1, 3, 4)            # 12, mycket hög
    low = scored_risk(env, e1, 1, 2)            # 2, låg: not in the plan
    treated = scored_risk(env, e1, 4, 3, residual=(1, 1))  # 12 before actions, 1 after: out of the plan
    other = scored_risk(env, e3, 4, 4, who=CHEF_E3)        # another förvaltning
    unscored = env.risk(e1)["id"]

    f = plan(env, "f", FCHEF_F)
    assert ids(f["risks"]) == [very_high, very_high_less, high] and f["awaiting_decision"] == []
    assert f["unit_name"] == "förvaltning 0f" and f["year"] == 2026
    first = f["risks"][0]
    assert first["initial"] == {"probability": 4, "consequence": 4, "score": 16, "level": "mycket_hog",
                                "level_label": "Mycket hög", "level_colour": "#c62828"}
    assert first["residual"] is None and first["current_score"] == 16 and first["current_level"] == "mycket_hog"
    assert first["analysis"]["id"] == e2 and first["analysis"]["unit_id"] == U["e2"]
    assert first["analysis"]["status_label_sv"] == "pågår" and first["unit_name"] == "enhet e2"
    assert ids(plan(env, "e1", CHEF_E1)["risks"]) == [very_high_less, high]
    assert ids(plan(env, "v", FCHEF_F)["risks"]) == [very_high, very_high_less, high]
    assert set(ids(plan(env, "n", KVAL_N)["risks"])) == {very_high, very_high_less, high, other}
    assert not {low, treated, unscored} & set(ids(plan(env, "n", KVAL_N)["risks"]))


def test_the_plan_shows_each_risks_actions_and_its_residual_scoring(env):
    analysis = started(env)
    risk = scored_risk(env, analysis, 4, 4, residual=(3, 3))
    headers = env.auth(*CHEF_E1)
    for title, due in (("Rutin för överlämning", "2026-09-01"), ("Introduktion för vikarier", "2026-06-01")):
        r = env.client.post(f"{A}/{analysis}/risks/{risk}/actions", headers=headers,
                            json={"title": title, "owner": "erik", "due_date": due})
        assert r.status_code == 201
    [item] = plan(env, "e1", STAFF_E1)["risks"]  # a medarbetare reads their unit's plan
    assert item["residual"]["score"] == 9 and item["current_level"] == "hog" and item["in_plan"] is True
    assert [(a["title"], a["owner"], a["due_date"], a["status"]) for a in item["actions"]] == [
        ("Introduktion för vikarier", "erik", "2026-06-01", "planned"),
        ("Rutin för överlämning", "erik", "2026-09-01", "planned")]
    assert item["actions"][0]["effect_followup"] == ""


def test_the_threshold_is_each_risks_own_matrix_versions(env):
    """A later matrix (5×3, threshold medium) moves no old risk in or out; a new analysis is read on the new one."""
    old = started(env)
    old_in = scored_risk(env, old, 2, 3)    # v1: hög, in the plan (on v2 a 6 would be medium: still in)
    old_out = scored_risk(env, old, 2, 2)   # v1: medel, under the threshold hög (on v2 a 4 is medium: in)
    admin = env.auth(*ADMIN)
    etag = env.client.get("/api/v1/risk-matrix", headers=admin).headers["ETag"]
    assert env.client.put("/api/v1/risk-matrix", json=five_by_three(),
                          headers={**admin, "If-Match": etag}).status_code == 200
    new = started(env)
    new_in = scored_risk(env, new, 5, 1)    # v2: 5, medium = the threshold: in (on v1 p5 does not exist)
    new_out = scored_risk(env, new, 1, 3)   # v2: 3, low: out (on v1 consequence 3 would be hög)
    listed = plan(env, "e1", CHEF_E1)["risks"]
    assert set(ids(listed)) == {old_in, new_in}
    assert {i["risk_id"]: i["matrix_version"] for i in listed} == {old_in: 1, new_in: 2}
    assert old_out not in ids(listed) and new_out not in ids(listed)


def test_an_escalated_risk_is_at_the_receiving_level_once_accepted_and_once(env):
    analysis = started(env)
    risk = scored_risk(env, analysis, 3, 4)
    small = scored_risk(env, analysis, 1, 2)  # under the threshold, escalated all the same
    escalation = escalate(env, analysis, risk, "f")
    small_escalation = escalate(env, analysis, small, "f")

    f = plan(env, "f", FCHEF_F)
    assert ids(f["risks"]) == [] and set(ids(f["awaiting_decision"])) == {risk, small}
    assert f["awaiting_decision"][0]["escalation"]["status"] == "pending"
    assert ids(plan(env, "e1", CHEF_E1)["risks"]) == [risk]  # the unit holds it until it is answered
    assert ids(plan(env, "v", FCHEF_F)["risks"]) == [risk]   # the division is not asked: it still sees it below
    assert ids(plan(env, "n", KVAL_N)["risks"]) == [risk]

    decide(env, escalation, "accept")
    decide(env, small_escalation, "accept")
    f = plan(env, "f", FCHEF_F)
    assert ids(f["risks"]) == [risk, small] and f["awaiting_decision"] == []  # once each, the larger first
    assert f["risks"][0]["holder_unit_id"] == U["f"] and f["risks"][0]["escalation"]["status"] == "accepted"
    assert f["risks"][1]["in_plan"] is False  # taken over: in the plan whatever its level
    assert ids(plan(env, "e1", CHEF_E1)["risks"]) == []  # the förvaltning holds it now
    assert ids(plan(env, "n", KVAL_N)["risks"]) == [risk, small]

    # escalated again, to the nämnd, and returned: the förvaltning still holds it
    again = escalate(env, analysis, risk, "n", who=FCHEF_F)
    assert ids(plan(env, "n", KVAL_N)["awaiting_decision"]) == [risk]
    assert ids(plan(env, "n", KVAL_N)["risks"]) == [small]
    decide(env, again, "return", who=("nils", ["forvaltningschef"], ["n"]))
    assert ids(plan(env, "f", FCHEF_F)["risks"]) == [risk, small]
    assert plan(env, "n", KVAL_N)["awaiting_decision"] == []


def test_a_returned_escalation_leaves_the_risk_at_its_unit(env):
    analysis = started(env)
    risk = scored_risk(env, analysis, 3, 4)
    decide(env, escalate(env, analysis, risk, "f"), "return")
    assert ids(plan(env, "e1", CHEF_E1)["risks"]) == [risk]
    f = plan(env, "f", FCHEF_F)
    assert ids(f["risks"]) == [risk] and f["awaiting_decision"] == []
    assert f["risks"][0]["escalation"]["status"] == "returned"


def test_the_year_is_the_analysis_day(env):
    this_year = started(env)
    last_year = started(env, analysis_date="2025-11-30")
    now = scored_risk(env, this_year, 4, 4)
    then = scored_risk(env, last_year, 4, 4)
    assert ids(plan(env, "e1", CHEF_E1, 2026)["risks"]) == [now]
    assert ids(plan(env, "e1", CHEF_E1, 2025)["risks"]) == [then]
    assert plan(env, "e1", CHEF_E1, 2024)["risks"] == []


def test_access_is_the_callers_subtree_and_tenant(env):
    analysis = started(env)
    scored_risk(env, analysis, 4, 4)
    for who, unit in ((STAFF_E1, "f"), (CHEF_E2, "e1"), (CHEF_EB, U["e1"]), (("dora", ["namnd"], ["n"]), "n")):
        tenant = B if who is CHEF_EB else "0138"
        for path in (PLAN, HEAT):
            r = env.client.get(path, query_string={"unit_id": U.get(unit, unit)},
                               headers=env.auth(*who, tenant=tenant))
            assert r.status_code == 404 and r.headers["Content-Type"] == PROBLEM, (who, path)
            assert r.get_json()["code"] == "not_found"
    # tenant B's own plan and map hold none of A's risks
    b_unit = "b0000000-0000-0000-0000-0000000000eb"
    b_plan = env.client.get(PLAN, query_string={"unit_id": b_unit, "year": 2026},
                            headers=env.auth(*CHEF_EB, tenant=B)).get_json()
    assert b_plan["risks"] == [] and b_plan["awaiting_decision"] == []
    b_map = env.client.get(HEAT, query_string={"unit_id": b_unit}, headers=env.auth(*CHEF_EB, tenant=B)).get_json()
    assert b_map["total"] == 0 and b_map["unscored"] == 0


@pytest.mark.parametrize("path, query, status", [
    (PLAN, {"unit_id": "a0000000-0000-0000-0000-0000000000ee", "year": "2026"}, 404),  # no such unit
    (PLAN, {"unit_id": U["e1"], "year": "1999"}, 422),
    (PLAN, {"unit_id": U["e1"], "year": "2101"}, 422),
    (PLAN, {"unit_id": U["e1"], "year": "tjugo"}, 422),
    (PLAN, {"unit_id": U["e1"], "year": "2026", "sort": "score"}, 422),  # an unknown parameter
    (PLAN, {"year": "2026"}, 422),
    (PLAN, {"unit_id": "not-a-uuid"}, 422),
    (HEAT, {"unit_id": "a0000000-0000-0000-0000-0000000000ee"}, 404),
    (HEAT, {"unit_id": U["e1"], "from": "2026-12-31", "to": "2026-01-01"}, 422),
    (HEAT, {"unit_id": U["e1"], "from": "2026-02-30"}, 422),
    (HEAT, {"unit_id": U["e1"], "year": "2026"}, 422),
    (HEAT, {}, 422),
])
def test_bad_input_is_a_problem_and_changes_nothing(env, path, query, status):
    before = env.counts()
    r = env.client.get(path, query_string=query, headers=env.auth(*CHEF_E1))
    assert r.status_code == status and r.headers["Content-Type"] == PROBLEM, r.get_json()
    assert env.counts() == before


def test_the_heat_map_counts_risks_per_cell_before_and_after_actions(env):
    e1 = started(env)
    e2 = started(env, "e2", CHEF_E2)
    scored_risk(env, e1, 4, 4, residual=(2, 2))
    scored_risk(env, e1, 4, 4)                      # not re-scored: after actions where it was
    scored_risk(env, e2, 1, 3, who=CHEF_E2, residual=(1, 1))
    env.risk(e1)                                     # unscored: on no grid
    e3 = started(env, "e3", CHEF_E3)
    scored_risk(env, e3, 3, 3, who=CHEF_E3)          # another förvaltning

    r = env.client.get(HEAT, query_string={"unit_id": U["f"], "from": "2026-01-01", "to": "2026-12-31"},
                       headers=env.auth(*FCHEF_F))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["total"] == 3 and body["unscored"] == 1 and body["from"] == "2026-01-01"
    [grid] = body["grids"]
    assert grid["current"] is True and grid["matrix_version"] == 1 and len(grid["cells"]) == 16
    assert [s["label"] for s in grid["matrix"]["probability_steps"]][0] == "Mycket liten"
    counts = {(c["probability"], c["consequence"]): (c["initial"], c["residual"]) for c in grid["cells"]
              if c["initial"] or c["residual"]}
    assert counts == {(4, 4): (2, 1), (2, 2): (0, 1), (1, 3): (1, 0), (1, 1): (0, 1)}
    top_right = grid["cells"][3]
    assert (top_right["probability"], top_right["consequence"], top_right["level_label"],
            top_right["level_colour"]) == (4, 4, "Mycket hög", "#c62828")
    assert grid["initial_total"] == grid["residual_total"] == 3
    # the period
    empty = env.client.get(HEAT, query_string={"unit_id": U["f"], "to": "2025-12-31"},
                           headers=env.auth(*FCHEF_F)).get_json()
    assert empty["total"] == 0 and empty["unscored"] == 0 and len(empty["grids"]) == 1
    assert env.client.get(HEAT, query_string={"unit_id": U["e2"]}, headers=env.auth(*CHEF_E2)).get_json()["total"] == 1


def test_the_heat_map_draws_each_matrix_version_on_its_own_grid(env):
    old = started(env)
    scored_risk(env, old, 4, 4)
    admin = env.auth(*ADMIN)
    etag = env.client.get("/api/v1/risk-matrix", headers=admin).headers["ETag"]
    assert env.client.put("/api/v1/risk-matrix", json=five_by_three(),
                          headers={**admin, "If-Match": etag}).status_code == 200
    new = started(env)
    scored_risk(env, new, 5, 3)
    body = env.client.get(HEAT, query_string={"unit_id": U["e1"]}, headers=env.auth(*CHEF_E1)).get_json()
    assert [(g["matrix_version"], g["current"], len(g["cells"]), g["initial_total"]) for g in body["grids"]] == [
        (2, True, 15, 1), (1, False, 16, 1)]
    corner = body["grids"][0]["cells"][2]  # the top row is probability 5; consequence 3 is its last cell
    assert (corner["probability"], corner["consequence"], corner["initial"], corner["level"]) == (5, 3, 1, "hog")


def test_an_accepted_escalation_moves_the_risk_on_the_heat_map_too(env):
    analysis = started(env)
    risk = scored_risk(env, analysis, 3, 4)
    decide(env, escalate(env, analysis, risk, "f"), "accept")
    assert env.client.get(HEAT, query_string={"unit_id": U["e1"]}, headers=env.auth(*CHEF_E1)).get_json()["total"] \
        == 0
    assert env.client.get(HEAT, query_string={"unit_id": U["f"]}, headers=env.auth(*FCHEF_F)).get_json()["total"] == 1
