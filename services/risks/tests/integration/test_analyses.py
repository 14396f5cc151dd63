"""Risk analyses over HTTP: creating for a unit or förvaltning, the workflow with allowed and blocked commands,
scoping by the org tree, lists, tenant isolation, bad input."""
from __future__ import annotations

import pytest

from ordning_shared.testing import TENANT_A, TENANT_B, process_event_body

from .conftest import ADMIN, CHEF_E1, CHEF_E2, FCHEF_F, KVAL_N, PAGARE_F, STAFF_E1, U

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"
A = "/api/v1/risk-analyses"
PROCESS = "11111111-2222-4333-8444-555555555555"
STEP, OTHER_STEP = "5a5a5a5a-0000-4000-8000-000000000001", "5a5a5a5a-0000-4000-8000-000000000002"
B_STEP = "5b5b5b5b-0000-4000-8000-000000000001"


def ids(response):
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def test_an_enhetschef_creates_an_analysis_of_their_unit(env):
    analysis = env.analysis()
    assert analysis["status"] == "draft" and analysis["status_label_sv"] == "utkast"
    assert analysis["scope_type"] == "unit" and analysis["scope_id"] == analysis["unit_id"] == U["e1"]
    assert analysis["unit_name"] == "enhet e1" and analysis["matrix_version"] == 1
    assert analysis["trigger"] == "larger_change" and analysis["trigger_change"] == "summer_staffing"
    assert analysis["participants"] == ["Erik Eriksson, enhetschef", "Anna Andersson"]
    assert analysis["allowed_commands"] == ["start"] and analysis["blocked_commands"] == []
    assert analysis["risks"] == {"total": 0, "unscored": 0, "in_plan": 0}
    r = env.client.get(f"{A}/{analysis['id']}", headers=env.auth(*CHEF_E1))
    assert r.status_code == 200 and r.headers["ETag"] == f'"{analysis["id"]}.1"'
    # a draft is the analysts' own until it starts; the tenant's first matrix (the default, written as the draft
    # names it) is announced
    assert env.outbox_types() == ["se.ordning.risk.matrix_changed.v1"]


def test_a_forvaltning_analysis_and_a_process_analysis(env):
    f = env.analysis(unit="f", who=FCHEF_F, scope_type="administration", trigger="yearly", trigger_change=None)
    assert f["unit_id"] == U["f"] and f["scope_type"] == "administration"
    assert env.feed(process_event_body(TENANT_A, PROCESS, U["f"], [STEP])) == "processed"
    p = env.client.post(A, headers=env.auth(*PAGARE_F), json={
        "title": "Läkemedelsprocessen", "scope_type": "process", "scope_id": PROCESS, "unit_id": U["f"],
        "trigger": "new_process", "analysis_date": "2026-06-01"})
    assert p.status_code == 201, p.get_json()
    assert p.get_json()["scope_id"] == PROCESS and p.get_json()["unit_id"] == U["f"]
    # a unit scope must name a unit, an administration scope a förvaltning
    for scope_type, unit in (("unit", "f"), ("administration", "e1"), ("unit", "v")):
        r = env.client.post(A, headers=env.auth(*FCHEF_F), json={
            "title": "x", "scope_type": scope_type, "scope_id": U[unit], "trigger": "yearly",
            "analysis_date": "2026-06-01"})
        assert r.status_code == 422 and r.get_json()["code"] == "unknown_unit", (scope_type, unit)
    r = env.client.post(A, headers=env.auth(*PAGARE_F), json={
        "title": "x", "scope_type": "subprocess", "scope_id": PROCESS, "trigger": "yearly",
        "analysis_date": "2026-06-01"})
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_risk_analysis"


def test_a_process_scope_names_an_established_process_and_a_subprocess_scope_a_step_or_delprocess_of_one(env):
    """The risks service knows the tenant's established processes and their steps from the processes service's
    events (its copy, ordning_shared.processmap): a scope it does not know there is 422, and nothing is stored."""
    top, delprocess = PROCESS, "22222222-3333-4444-8555-666666666666"
    draft_only = "33333333-4444-4555-8666-777777777777"
    other_tenants = "44444444-5555-4666-8777-888888888888"
    for body in (process_event_body(TENANT_A, top, U["f"], [STEP, OTHER_STEP]),
                 process_event_body(TENANT_A, delprocess, U["f"], [], parent_id=top, kind="stodprocess"),
                 process_event_body(TENANT_B, other_tenants, U["fb"], [B_STEP])):
        assert env.feed(body) == "processed"

    def create(scope_type, scope_id):
        return env.client.post(A, headers=env.auth(*PAGARE_F), json={
            "title": "Läkemedelsprocessen", "scope_type": scope_type, "scope_id": scope_id, "unit_id": U["f"],
            "trigger": "new_process", "analysis_date": "2026-06-01"})

    before = env.counts()
    for scope_type, scope_id, code in (
            ("process", draft_only, "unknown_process"),          # never established: the copy has no event of it
            ("process", other_tenants, "unknown_process"),       # another tenant's, answered as none
            ("process", STEP, "unknown_process"),                # a step is no process
            ("subprocess", draft_only, "unknown_process_step"),
            ("subprocess", top, "unknown_process_step"),         # a process of its own is no delprocess
            ("subprocess", B_STEP, "unknown_process_step")):     # tenant B's step is unknown to tenant A
        r = create(scope_type, scope_id)
        assert r.status_code == 422 and r.get_json()["code"] == code, (scope_type, scope_id, r.get_json())
        assert r.content_type == PROBLEM
    assert env.counts() == before

    for scope_type, scope_id in (("process", top), ("process", delprocess), ("subprocess", STEP),
                                 ("subprocess", delprocess), ("subprocess", OTHER_STEP.upper())):
        r = create(scope_type, scope_id)
        assert r.status_code == 201, (scope_type, scope_id, r.get_json())
        assert r.get_json()["scope_id"] == scope_id.lower()  # as the process map spells it


def test_the_process_copy_converges_when_versions_arrive_late_or_twice(env):
    """A newer version first, then the older one, then the newer again: every step either version named is known
    (a step keeps its id across versions), and the process is at the newer version."""
    newer = process_event_body(TENANT_A, PROCESS, U["f"], [OTHER_STEP], version=2, established_on="2026-09-01")
    assert env.feed(newer) == "processed"
    assert env.feed(process_event_body(TENANT_A, PROCESS, U["f"], [STEP, OTHER_STEP])) == "processed"
    assert env.feed(newer) == "duplicate"
    from ordning_risks import db

    with env.platform.engine.connect() as connection:
        process = db.established_process(connection, TENANT_A, PROCESS)
        steps = db.step_process_ids(connection, TENANT_A, [STEP, OTHER_STEP])
    assert (process.version, process.established_on.isoformat()) == (2, "2026-09-01")
    assert steps == {STEP: PROCESS, OTHER_STEP: PROCESS}


def test_who_may_create(env):
    body = {"title": "x", "scope_type": "unit", "scope_id": U["e1"], "trigger": "yearly",
            "analysis_date": "2026-06-01"}
    for who, status in ((STAFF_E1, 403), (KVAL_N, 403), (ADMIN, 403), (CHEF_E2, 403), (("n", ["namnd"], ["n"]), 403),
                        (FCHEF_F, 201), (("v", ["verksamhetschef"], ["v"]), 201), (PAGARE_F, 201)):
        r = env.client.post(A, headers=env.auth(*who), json=body)
        assert r.status_code == status, (who, r.get_json())


def test_the_workflow(env):
    analysis = env.analysis()
    assert env.act(analysis["id"], "complete").status_code == 409  # not started
    r = env.act(analysis["id"], "start")
    assert r.status_code == 200 and r.get_json()["status"] == "in_progress"
    assert r.get_json()["allowed_commands"] == ["complete"] and r.get_json()["started_at"]
    risk = env.risk(analysis["id"])
    blocked = env.client.get(f"{A}/{analysis['id']}", headers=env.auth(*CHEF_E1)).get_json()
    assert blocked["allowed_commands"] == [] and blocked["blocked_commands"][0]["code"] == "risks_unscored"
    r = env.act(analysis["id"], "complete")
    assert r.status_code == 409 and r.get_json()["code"] == "risks_unscored"
    assert env.score(analysis["id"], risk["id"], 3, 3).status_code == 201
    r = env.act(analysis["id"], "complete")
    assert r.status_code == 200 and r.get_json()["status"] == "completed"
    assert r.get_json()["allowed_commands"] == ["reopen", "follow_up"]
    assert env.act(analysis["id"], "reopen").get_json()["status"] == "in_progress"
    assert env.act(analysis["id"], "complete").status_code == 200
    r = env.act(analysis["id"], "follow_up")
    assert r.status_code == 200 and r.get_json()["status"] == "followed_up" and r.get_json()["allowed_commands"] == []
    assert env.outbox_types() == [
        "se.ordning.risk.matrix_changed.v1", "se.ordning.risk.analysis_started.v1", "se.ordning.risk.risk_identified.v1", "se.ordning.risk.risk_scored.v1",
        "se.ordning.risk.analysis_completed.v1", "se.ordning.risk.analysis_reopened.v1",
        "se.ordning.risk.analysis_completed.v1", "se.ordning.risk.analysis_followed_up.v1"]


def test_staff_read_but_do_not_run(env):
    analysis = env.analysis()
    staff = env.auth(*STAFF_E1)
    r = env.client.get(f"{A}/{analysis['id']}", headers=staff)
    assert r.status_code == 200 and r.get_json()["allowed_commands"] == []
    r = env.client.post(f"{A}/{analysis['id']}/transitions", json={"command": "start"},
                        headers={**staff, "If-Match": r.headers["ETag"]})
    assert r.status_code == 403 and r.headers["Content-Type"] == PROBLEM
    assert env.client.post(f"{A}/{analysis['id']}/risks", headers=staff, json={"description": "x"}).status_code == 403


def test_scope_follows_the_org_tree(env):
    e1 = env.analysis()["id"]
    e3 = env.analysis(unit="e3", who=("olle", ["enhetschef"], ["e3"]))["id"]
    f = env.analysis(unit="f", who=FCHEF_F, scope_type="administration")["id"]
    assert ids(env.client.get(A, headers=env.auth(*FCHEF_F))) == {e1, f}
    assert ids(env.client.get(A, headers=env.auth(*KVAL_N))) == {e1, e3, f}
    assert ids(env.client.get(A, headers=env.auth(*STAFF_E1))) == {e1}
    assert ids(env.client.get(A, headers=env.auth(*CHEF_E2))) == set()
    r = env.client.get(f"{A}/{e1}", headers=env.auth(*CHEF_E2))
    assert r.status_code == 404 and r.headers["Content-Type"] == PROBLEM
    assert env.client.get(f"{A}/{f}", headers=env.auth(*CHEF_E1)).status_code == 404  # the level above is not theirs
    assert ids(env.client.get(A, headers=env.auth("p", ["namnd"], ["n"]))) == set()


def test_list_filters_and_pages(env):
    kval = env.auth(*KVAL_N)
    a = env.analysis(analysis_date="2026-01-10", trigger="yearly", trigger_change=None)["id"]
    b = env.analysis(analysis_date="2026-03-10")["id"]
    c = env.analysis(unit="f", who=FCHEF_F, scope_type="administration", analysis_date="2026-02-10")["id"]
    env.act(b, "start")
    assert ids(env.client.get(f"{A}?status=in_progress", headers=kval)) == {b}
    assert ids(env.client.get(f"{A}?status=draft&status=in_progress", headers=kval)) == {a, b, c}
    assert ids(env.client.get(f"{A}?scope_type=administration", headers=kval)) == {c}
    assert ids(env.client.get(f"{A}?trigger=yearly", headers=kval)) == {a}
    assert ids(env.client.get(f"{A}?unit_id={U['v']}", headers=kval)) == {a, b}
    assert ids(env.client.get(f"{A}?date_from=2026-02-01&date_to=2026-02-28", headers=kval)) == {c}
    first = env.client.get(f"{A}?limit=2", headers=kval).get_json()
    assert [i["id"] for i in first["items"]] == [b, c] and first["total"] == 3
    second = env.client.get(f"{A}?limit=2&cursor={first['next_cursor']}", headers=kval).get_json()
    assert [i["id"] for i in second["items"]] == [a] and second["next_cursor"] is None
    assert [i["id"] for i in env.client.get(f"{A}?sort=analysis_date", headers=kval).get_json()["items"]] == [a, c, b]
    r = env.client.get(f"{A}?sort=title&cursor={first['next_cursor']}", headers=kval)
    assert r.status_code == 400 and r.get_json()["code"] == "invalid_cursor"
    assert env.client.get(f"{A}?colour=red", headers=kval).status_code == 422


def test_patch_with_if_match(env):
    analysis = env.analysis()
    chef = env.auth(*CHEF_E1)
    path = f"{A}/{analysis['id']}"
    etag = env.etag(path, chef)
    r = env.client.patch(path, json={"title": "Sommar 2026", "participants": ["Erik"], "trigger": "yearly",
                                     "trigger_change": None}, headers={**chef, "If-Match": etag})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["title"] == "Sommar 2026" and r.get_json()["trigger_change"] is None
    assert r.get_json()["version"] == 2
    assert env.client.patch(path, json={"title": "x"}, headers={**chef, "If-Match": etag}).status_code == 412
    assert env.client.patch(path, json={"title": "x"}, headers=chef).status_code == 428
    etag = env.etag(path, chef)
    r = env.client.patch(path, json={"trigger": "larger_change"}, headers={**chef, "If-Match": etag})
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_risk_analysis"
    r = env.client.patch(path, json={"trigger": "other"}, headers={**chef, "If-Match": etag})
    assert r.status_code == 422  # other needs a note
    assert env.client.patch(path, json={"trigger": "other", "trigger_note": "Ny lag"},
                            headers={**chef, "If-Match": etag}).status_code == 200


def test_tenant_isolation(env):
    analysis = env.analysis()
    risk = env.risk(analysis["id"])
    escalation = env.client.post(f"{A}/{analysis['id']}/risks/{risk['id']}/escalations", headers=env.auth(*CHEF_E1),
                                 json={"to_unit_id": U["f"], "reason": "Bemanning"}).get_json()["escalations"][0]
    before = env.counts()
    b = env.auth("x", ["forvaltningschef", "enhetschef", "administrator", "medarbetare"], ["fb"], tenant="1407")
    path = f"{A}/{analysis['id']}"
    etag = f'"{analysis["id"]}.1"'
    assert env.client.get(path, headers=b).status_code == 404
    assert env.client.get(A, headers=b).get_json()["total"] == 0
    assert env.client.get(f"{A}?unit_id={U['e1']}", headers=b).get_json()["total"] == 0
    assert env.client.patch(path, json={"title": "x"}, headers={**b, "If-Match": etag}).status_code == 404
    assert env.client.post(f"{path}/transitions", json={"command": "start"},
                           headers={**b, "If-Match": etag}).status_code == 404
    assert env.client.get(f"{path}/risks", headers=b).status_code == 404
    assert env.client.get(f"{path}/risks/{risk['id']}", headers=b).status_code == 404
    assert env.client.post(f"{path}/risks", json={"description": "x"}, headers=b).status_code == 404
    assert env.client.post(f"{path}/risks/{risk['id']}/scorings", json={"probability": 1, "consequence": 1,
                                                                        "kind": "initial"}, headers=b).status_code == 404
    assert env.client.post(f"{path}/risks/{risk['id']}/actions", headers=b,
                           json={"title": "t", "owner": "o", "due_date": "2030-01-01"}).status_code == 404
    assert env.client.get(f"{path}/audit", headers=b).status_code == 404
    assert env.client.get(f"/api/v1/risk-escalations/{escalation['id']}", headers=b).status_code == 404
    assert env.client.get("/api/v1/risk-escalations", headers=b).get_json()["total"] == 0
    assert env.client.post(f"/api/v1/risk-escalations/{escalation['id']}/decision", json={"decision": "accept"},
                           headers={**b, "If-Match": f'"{escalation["id"]}.1"'}).status_code == 404
    assert env.client.post(f"{path}/risks/{risk['id']}/escalations", json={"to_unit_id": U["fb"], "reason": "x"},
                           headers=b).status_code == 404
    r = env.client.post(A, headers=b, json={"title": "x", "scope_type": "unit", "scope_id": U["e1"],
                                            "trigger": "yearly", "analysis_date": "2026-06-01"})
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_unit"
    assert env.counts() == before


def test_bad_input_is_a_problem_and_changes_nothing(env):
    chef = env.auth(*CHEF_E1)
    analysis = env.analysis()
    before = env.counts()
    good = {"title": "x", "scope_type": "unit", "scope_id": U["e1"], "trigger": "yearly",
            "analysis_date": "2026-06-01"}
    for body, status in (({**good, "trigger": "whim"}, 422), ({**good, "scope_type": "galaxy"}, 422),
                         ({**good, "trigger": "larger_change"}, 422),
                         ({**good, "trigger_change": "new_method"}, 422),
                         ({**good, "trigger": "other"}, 422), ({**good, "title": ""}, 422),
                         ({**good, "analysis_date": "igår"}, 422), ({**good, "extra": 1}, 422),
                         ({**good, "participants": ["x"] * 51}, 422), ({**good, "scope_id": "not-a-uuid"}, 422),
                         ({**good, "unit_id": U["e2"]}, 422), ({**good, "scope_id": U["e3"]}, 403)):
        r = env.client.post(A, headers=chef, json=body)
        assert r.status_code == status, (body, r.get_json())
        assert r.headers["Content-Type"] == PROBLEM
    path = f"{A}/{analysis['id']}"
    etag = env.etag(path, chef)
    for body in ({"command": "explode"}, {}, {"command": "start", "x": 1}):
        assert env.client.post(f"{path}/transitions", json=body, headers={**chef, "If-Match": etag}).status_code == 422
    assert env.client.post(f"{path}/transitions", json={"command": "start"},
                           headers={**chef, "If-Match": '"stale.1"'}).status_code == 412
    assert env.client.get(f"{A}/not-a-uuid", headers=chef).status_code == 404
    assert env.counts() == before
