"""Risks in an analysis over HTTP: described with causes, scored on the analysis's matrix version (computed,
never typed; every scoring kept), refused outside the matrix and once the analysis is completed; a matrix change
keeps old scores; actions with the shared model; escalation up the org tree."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from ordning_shared.testing import catalogue_errors

from .conftest import ADMIN, CHEF_E1, CHEF_E2, FCHEF_F, KVAL_N, STAFF_E1, U
from .test_matrix import five_by_three

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"
A = "/api/v1/risk-analyses"


def started(env, **extra):
    analysis = env.analysis(**extra)
    assert env.act(analysis["id"], "start").status_code == 200
    return analysis["id"]


def test_a_risk_is_described_and_scored(env):
    analysis = started(env)
    risk = env.risk(analysis, causes=["Vikarier utan introduktion", "Otydlig överlämning"])
    assert risk["causes"] == ["Vikarier utan introduktion", "Otydlig överlämning"]
    assert risk["initial"] is None and risk["in_plan"] is False and risk["scorings"] == []
    assert risk["holder_unit_id"] == U["e1"] and risk["matrix_version"] == 1
    r = env.score(analysis, risk["id"], 2, 3)
    assert r.status_code == 201, r.get_json()
    scored = r.get_json()
    assert scored["initial"]["score"] == 6 and scored["initial"]["level"] == "hog"  # consequence 3: at the threshold
    assert scored["initial"]["level_label"] == "Hög" and scored["initial"]["scored_by"] == "erik"
    assert scored["in_plan"] is True and scored["version"] == 2
    assert r.headers["ETag"] == f'"{risk["id"]}.2"'
    # re-scored before actions, then residual after: every scoring kept
    env.score(analysis, risk["id"], 1, 2)
    scored = env.score(analysis, risk["id"], 1, 1, kind="residual").get_json()
    assert [(s["kind"], s["score"], s["level"]) for s in scored["scorings"]] == [
        ("initial", 6, "hog"), ("initial", 2, "lag"), ("residual", 1, "lag")]
    assert scored["initial"]["score"] == 2 and scored["residual"]["score"] == 1 and scored["in_plan"] is False
    listed = env.client.get(f"{A}/{analysis}/risks", headers=env.auth(*STAFF_E1)).get_json()
    assert [each["id"] for each in listed] == [risk["id"]] and len(listed[0]["scorings"]) == 3
    counts = env.client.get(f"{A}/{analysis}", headers=env.auth(*CHEF_E1)).get_json()["risks"]
    assert counts == {"total": 1, "unscored": 0, "in_plan": 0}


def test_the_events_carry_ids_codes_scores_and_dates_only(env):
    analysis = started(env)
    risk = env.risk(analysis, description="Hemlig beskrivning", causes=["Hemlig orsak"])
    env.score(analysis, risk["id"], 4, 4)
    outbox = env.platform.tables.outbox
    with env.platform.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox.c.type, outbox.c.body).order_by(outbox.c.id)).all()
    assert [row.type for row in rows] == ["se.ordning.risk.matrix_changed.v1",  # the tenant's first: the default
                                          "se.ordning.risk.analysis_started.v1", "se.ordning.risk.risk_identified.v1",
                                          "se.ordning.risk.risk_scored.v1"]
    for row in rows:
        assert "Hemlig" not in row.body and "Sommarbemanning" not in row.body and "erik" not in row.body
        assert catalogue_errors(json.loads(row.body)) == []
    scored = json.loads(rows[-1].body)
    assert scored["subject"] == risk["id"] and scored["sequence"] == "0000000002"
    assert {k: scored["data"][k] for k in ("probability", "consequence", "score", "level", "in_plan", "kind")} == {
        "probability": 4, "consequence": 4, "score": 16, "level": "mycket_hog", "in_plan": True, "kind": "initial"}


def test_a_score_outside_the_matrix_is_422_and_changes_nothing(env):
    analysis = started(env)
    risk = env.risk(analysis)
    before = env.counts()
    for probability, consequence in ((5, 1), (1, 5), (0, 1)):
        r = env.score(analysis, risk["id"], probability, consequence)
        assert r.status_code == 422 and r.headers["Content-Type"] == PROBLEM, r.get_json()
    assert env.score(analysis, risk["id"], 5, 1).get_json()["code"] == "score_outside_matrix"
    for body in ({"probability": 2, "consequence": 2}, {"probability": "två", "consequence": 2, "kind": "initial"},
                 {"probability": 2, "consequence": 2, "kind": "final"}, {"probability": 2.5, "consequence": 2,
                                                                        "kind": "initial"},
                 {"probability": 2, "consequence": 2, "kind": "initial", "score": 4}):
        r = env.client.post(f"{A}/{analysis}/risks/{risk['id']}/scorings", json=body, headers=env.auth(*CHEF_E1))
        assert r.status_code == 422, body
    r = env.score(analysis, risk["id"], 2, 2, kind="residual")
    assert r.status_code == 409 and r.get_json()["code"] == "initial_scoring_required"
    assert env.counts() == before


def test_a_completed_analysis_takes_no_new_risks_or_scores(env):
    analysis = started(env)
    risk = env.risk(analysis)
    env.score(analysis, risk["id"], 2, 2)
    assert env.act(analysis, "complete").status_code == 200
    before = env.counts()
    r = env.score(analysis, risk["id"], 3, 3)
    assert r.status_code == 409 and r.get_json()["code"] == "analysis_closed"
    r = env.client.post(f"{A}/{analysis}/risks", json={"description": "x"}, headers=env.auth(*CHEF_E1))
    assert r.status_code == 409 and r.get_json()["code"] == "analysis_closed"
    path = f"{A}/{analysis}/risks/{risk['id']}"
    r = env.client.patch(path, json={"causes": []}, headers={**env.auth(*CHEF_E1),
                                                             "If-Match": env.etag(path, env.auth(*CHEF_E1))})
    assert r.status_code == 409
    assert env.counts() == before
    assert env.act(analysis, "reopen").status_code == 200
    assert env.score(analysis, risk["id"], 1, 1, kind="residual").status_code == 201


def test_a_matrix_change_keeps_old_scores(env):
    old = started(env)
    risk = env.risk(old)
    before = env.score(old, risk["id"], 2, 2).get_json()
    assert before["initial"]["level"] == "medel" and before["in_plan"] is False
    admin = env.auth(*ADMIN)
    etag = env.client.get("/api/v1/risk-matrix", headers=admin).headers["ETag"]
    assert env.client.put("/api/v1/risk-matrix", json=five_by_three(),
                          headers={**admin, "If-Match": etag}).status_code == 200
    # the old analysis stays on version 1: its score and level are as they were, and it is scored on 4×4 still
    after = env.client.get(f"{A}/{old}/risks/{risk['id']}", headers=env.auth(*CHEF_E1)).get_json()
    assert after["initial"] == before["initial"] and after["matrix_version"] == 1
    again = env.score(old, risk["id"], 4, 4).get_json()
    assert again["initial"]["level"] == "mycket_hog" and again["initial"]["matrix_version"] == 1
    # a new analysis is on version 2: 5×3, where consequence 4 does not exist and 2×2 is medium, in the plan
    new = started(env)
    assert env.client.get(f"{A}/{new}", headers=env.auth(*CHEF_E1)).get_json()["matrix_version"] == 2
    risk2 = env.risk(new)
    assert env.score(new, risk2["id"], 4, 4).status_code == 422
    scored = env.score(new, risk2["id"], 2, 2).get_json()
    assert scored["initial"]["level"] == "medel" and scored["in_plan"] is True
    assert scored["initial"]["matrix_version"] == 2


def test_a_draft_takes_the_matrix_current_when_it_starts(env):
    draft = env.analysis()["id"]
    risk = env.risk(draft)
    admin = env.auth(*ADMIN)
    etag = env.client.get("/api/v1/risk-matrix", headers=admin).headers["ETag"]
    env.client.put("/api/v1/risk-matrix", json=five_by_three(), headers={**admin, "If-Match": etag})
    assert env.act(draft, "start").get_json()["matrix_version"] == 2
    assert env.client.get(f"{A}/{draft}/risks/{risk['id']}", headers=admin).get_json()["matrix_version"] == 2


def test_update_a_risk_with_if_match(env):
    analysis = started(env)
    risk = env.risk(analysis)
    chef = env.auth(*CHEF_E1)
    path = f"{A}/{analysis}/risks/{risk['id']}"
    etag = env.etag(path, chef)
    r = env.client.patch(path, json={"description": "Ny beskrivning", "causes": ["A", "B"]},
                         headers={**chef, "If-Match": etag})
    assert r.status_code == 200 and r.get_json()["causes"] == ["A", "B"] and r.get_json()["version"] == 2
    assert env.client.patch(path, json={"causes": []}, headers={**chef, "If-Match": etag}).status_code == 412
    assert env.client.patch(path, json={}, headers={**chef, "If-Match": env.etag(path, chef)}).status_code == 422
    assert env.client.patch(path, json={"causes": []}, headers={**env.auth(*STAFF_E1),
                                                                "If-Match": env.etag(path, chef)}).status_code == 403
    assert env.client.get(f"{A}/{analysis}/risks/00000000-0000-4000-8000-000000000000",
                          headers=chef).status_code == 404


def test_actions_on_a_risk_use_the_shared_model(env):
    analysis = started(env)
    risk = env.risk(analysis)
    env.score(analysis, risk["id"], 3, 3)
    chef = env.auth(*CHEF_E1)
    base = f"{A}/{analysis}/risks/{risk['id']}/actions"
    r = env.client.post(base, headers=chef, json={"title": "Introduktion för vikarier", "owner": "erik",
                                                  "due_date": "2026-06-15"})
    assert r.status_code == 201, r.get_json()
    action = r.get_json()
    assert action["origin_type"] == "risk" and action["origin_id"] == risk["id"] and action["unit_id"] == U["e1"]
    assert env.client.get(f"{A}/{analysis}/risks/{risk['id']}", headers=chef).get_json()["actions"]["open"] == 1
    assert env.act(analysis, "complete").status_code == 200
    blocked = env.client.get(f"{A}/{analysis}", headers=chef).get_json()
    assert blocked["blocked_commands"][0]["code"] == "open_actions_remain"
    assert env.act(analysis, "follow_up").status_code == 409
    path = f"{base}/{action['id']}"
    r = env.client.post(f"{path}/transitions", json={"command": "complete", "effect_followup": "Stickprov i augusti"},
                        headers={**chef, "If-Match": env.etag(path, chef)})
    assert r.status_code == 200 and r.get_json()["status"] == "done"
    assert env.act(analysis, "follow_up").status_code == 200
    r = env.client.patch(path, json={"title": "x"}, headers={**chef, "If-Match": env.etag(path, chef)})
    assert r.status_code == 409
    types = env.outbox_types()
    assert "se.ordning.action.created.v1" in types and "se.ordning.action.completed.v1" in types
    outbox = env.platform.tables.outbox
    with env.platform.engine.connect() as conn:
        body = conn.execute(sa.select(outbox.c.body).where(outbox.c.type == "se.ordning.action.created.v1")).scalar()
    assert json.loads(body)["data"]["origin_type"] == "risk" and "Introduktion" not in body


def test_an_owner_lists_their_risk_actions_across_analyses_by_due_date(env):
    chef = env.auth(*CHEF_E1)
    later, sooner = started(env), started(env, title="Ny läkemedelsrutin")
    for analysis, title, due in ((later, "Introduktion för vikarier", "2026-09-01"),
                                 (sooner, "Dubbelsignering", "2026-06-01"),
                                 (later, "Checklista", "2026-07-01")):
        risk = env.risk(analysis)
        r = env.client.post(f"{A}/{analysis}/risks/{risk['id']}/actions", headers=chef,
                            json={"title": title, "owner": "erik", "due_date": due})
        assert r.status_code == 201, r.get_json()
    r = env.client.post(f"{A}/{later}/risks/{env.risk(later)['id']}/actions", headers=chef,
                        json={"title": "Annans", "owner": "eva", "due_date": "2026-05-20"})
    assert r.status_code == 201

    page = env.client.get("/api/v1/risk-actions?owner=me&limit=2", headers=chef).get_json()
    assert [a["title"] for a in page["items"]] == ["Dubbelsignering", "Checklista"] and page["total"] == 3
    assert page["items"][0]["analysis_id"] == sooner and page["items"][0]["analysis_title"] == "Ny läkemedelsrutin"
    assert page["items"][0]["origin_type"] == "risk" and page["items"][0]["unit_name"] == "enhet e1"
    rest = env.client.get(f"/api/v1/risk-actions?limit=2&cursor={page['next_cursor']}", headers=chef).get_json()
    assert [a["title"] for a in rest["items"]] == ["Introduktion för vikarier"] and rest["next_cursor"] is None
    assert env.client.get("/api/v1/risk-actions?status=done", headers=chef).get_json()["total"] == 0
    # Only analyses the caller may read: the chef of another unit or tenant sees none of erik's.
    for who, tenant in ((CHEF_E2, "0138"), (CHEF_E1, "1407")):
        other = env.auth(*who, tenant=tenant) if tenant == "0138" else env.auth("erik", ["enhetschef"], ["eb"],
                                                                                 tenant="1407")
        assert env.client.get("/api/v1/risk-actions?owner=erik", headers=other).get_json()["total"] == 0
    r = env.client.get("/api/v1/risk-actions?owner=me&colour=red", headers=chef)
    assert r.status_code == 422


def test_escalation_up_the_tree(env):
    analysis = started(env)
    risk = env.risk(analysis)
    env.score(analysis, risk["id"], 3, 4)
    chef = env.auth(*CHEF_E1)
    base = f"{A}/{analysis}/risks/{risk['id']}"
    before = env.counts()
    for target in ("e2", "e1", "f2", "e3"):  # a sibling, itself, another förvaltning, a unit elsewhere: not above
        r = env.client.post(f"{base}/escalations", headers=chef, json={"to_unit_id": U[target], "reason": "x"})
        assert r.status_code == 422 and r.get_json()["code"] == "invalid_escalation", target
    assert env.client.post(f"{base}/escalations", headers=chef, json={"to_unit_id": U["f"]}).status_code == 422
    assert env.counts() == before
    r = env.client.post(f"{base}/escalations", headers=chef,
                        json={"to_unit_id": U["f"], "reason": "Bemanningen beslutas av förvaltningen."})
    assert r.status_code == 201, r.get_json()
    escalation = r.get_json()["escalations"][0]
    assert r.get_json()["escalation_status"] == "pending" and escalation["from_unit_id"] == U["e1"]
    r = env.client.post(f"{base}/escalations", headers=chef, json={"to_unit_id": U["n"], "reason": "igen"})
    assert r.status_code == 409 and r.get_json()["code"] == "escalation_pending"
    decision = f"/api/v1/risk-escalations/{escalation['id']}"
    # the enhetschef cannot decide for the förvaltning
    r = env.client.post(f"{decision}/decision", json={"decision": "accept"},
                        headers={**chef, "If-Match": env.etag(decision, chef)})
    assert r.status_code == 403
    frida = env.auth(*FCHEF_F)
    inbox = env.client.get(f"/api/v1/risk-escalations?to_unit_id={U['f']}&status=pending", headers=frida).get_json()
    assert [item["id"] for item in inbox["items"]] == [escalation["id"]] and inbox["total"] == 1
    assert inbox["items"][0]["risk_id"] == risk["id"] and inbox["items"][0]["analysis_id"] == analysis
    assert env.client.get(f"/api/v1/risk-escalations?to_unit_id={U['f']}",
                          headers=env.auth(*CHEF_E2)).get_json()["total"] == 0
    etag = env.etag(decision, frida)
    assert etag == f'"{escalation["id"]}.1"'
    r = env.client.post(f"{decision}/decision", json={"decision": "return"}, headers={**frida, "If-Match": etag})
    assert r.status_code == 422  # returning needs a reason
    r = env.client.post(f"{decision}/decision", json={"decision": "return", "reason": "Hanteras på enheten."},
                        headers={**frida, "If-Match": etag})
    assert r.status_code == 200 and r.get_json()["status"] == "returned" and r.headers["ETag"].endswith('.2"')
    held = env.client.get(base, headers=chef).get_json()
    assert held["escalation_status"] == "returned" and held["holder_unit_id"] == U["e1"]
    r = env.client.post(f"{decision}/decision", json={"decision": "accept"}, headers={**frida, "If-Match": etag})
    assert r.status_code == 412
    r = env.client.post(f"{decision}/decision", json={"decision": "accept"},
                        headers={**frida, "If-Match": env.etag(decision, frida)})
    assert r.status_code == 409 and r.get_json()["code"] == "escalation_not_pending"
    second = env.client.post(f"{base}/escalations", headers=chef,
                             json={"to_unit_id": U["f"], "reason": "Igen, med mer underlag."}).get_json()
    decision = f"/api/v1/risk-escalations/{second['escalations'][1]['id']}"
    r = env.client.post(f"{decision}/decision", json={"decision": "accept"},
                        headers={**frida, "If-Match": env.etag(decision, frida)})
    assert r.status_code == 200 and r.get_json()["status"] == "accepted"
    assert env.client.get(base, headers=frida).get_json()["holder_unit_id"] == U["f"]
    # now the förvaltning holds it: the enhetschef may not send it further, the förvaltningschef may, to the nämnd
    r = env.client.post(f"{base}/escalations", headers=chef, json={"to_unit_id": U["n"], "reason": "x"})
    assert r.status_code == 403
    r = env.client.post(f"{base}/escalations", headers=frida, json={"to_unit_id": U["e1"], "reason": "x"})
    assert r.status_code == 422
    r = env.client.post(f"{base}/escalations", headers=frida, json={"to_unit_id": U["n"], "reason": "Nämnden"})
    assert r.status_code == 201 and r.get_json()["escalations"][2]["from_unit_id"] == U["f"]
    assert [t for t in env.outbox_types() if "escalat" in t] == [
        "se.ordning.risk.risk_escalated.v1", "se.ordning.risk.escalation_returned.v1",
        "se.ordning.risk.risk_escalated.v1", "se.ordning.risk.escalation_accepted.v1",
        "se.ordning.risk.risk_escalated.v1"]


def test_audit_trail(env):
    analysis = started(env)
    risk = env.risk(analysis)
    env.score(analysis, risk["id"], 2, 2)
    r = env.client.get(f"{A}/{analysis}/audit", headers=env.auth(*KVAL_N))
    assert r.status_code == 200
    entries = r.get_json()
    assert [e["action"] for e in entries] == ["create", "start", "create", "score"]
    assert entries[-1]["changed_values"]["initial_score"] == [None, 4]
    assert "description" not in json.dumps([e["changed_values"] for e in entries])
    assert env.client.get(f"{A}/{analysis}/audit", headers=env.auth(*STAFF_E1)).status_code == 403
    assert env.client.get(f"{A}/{analysis}/audit", headers=env.auth(*CHEF_E2)).status_code == 404


def test_no_escalation_to_a_closed_unit(env):
    from .conftest import A as TENANT_A, org_event_body

    analysis = started(env)
    risk = env.risk(analysis)
    assert env.feed(org_event_body(TENANT_A, U["n"], "board", None, revision=2,
                                   closed_at="2026-05-01T00:00:00+00:00")) == "processed"
    r = env.client.post(f"{A}/{analysis}/risks/{risk['id']}/escalations", headers=env.auth(*CHEF_E1),
                        json={"to_unit_id": U["n"], "reason": "Nämnden"})
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_escalation"
