"""GET /api/v1/actions: the actions a person owns across the cases the caller may read, by due date."""
from __future__ import annotations

import pytest

from .conftest import B, CHEF_E1, CHEF_E2, KVAL_N, U

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


def add_action(env, case_id, headers, owner, due, title="Inför dubbelkontroll"):
    r = env.client.post(f"/api/v1/deviations/{case_id}/actions", headers=headers,
                        json={"title": title, "owner": owner, "due_date": due})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def owned(env, headers, **query):
    r = env.client.get("/api/v1/actions", headers=headers, query_string=query)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_my_actions_by_due_date_with_their_case(env):
    chef = env.auth(*CHEF_E1)
    first, second = env.report(unit="e1"), env.report(unit="e1")
    late = add_action(env, second["id"], chef, "erik", "2020-01-15", "Se över rutinen")
    soon = add_action(env, first["id"], chef, "erik", "2030-01-31")
    later = add_action(env, second["id"], chef, "erik", "2031-06-30")
    add_action(env, first["id"], chef, "sara", "2025-01-01")  # someone else's
    page = owned(env, chef)
    assert [item["id"] for item in page["items"]] == [late["id"], soon["id"], later["id"]]
    assert page["total"] == 3 and page["next_cursor"] is None
    item = page["items"][0]
    assert item["origin_id"] == second["id"] and item["reference"] == second["reference"]
    case = env.client.get(f"/api/v1/deviations/{second['id']}", headers=chef).get_json()
    assert item["unit_name"] == case["unit_name"] and item["unit_id"] == U["e1"]
    assert item["overdue"] is True and page["items"][1]["overdue"] is False
    assert item["title"] == "Se över rutinen" and item["owner"] == "erik"

    # owner=<subject>: another person's actions, still only of readable cases
    assert [i["owner"] for i in owned(env, chef, owner="sara")["items"]] == ["sara"]

    # status: done ones apart
    path = f"/api/v1/deviations/{second['id']}/actions/{late['id']}"
    r = env.client.post(path + "/transitions", headers={**chef, "If-Match": f'"{late["id"]}.1"'},
                        json={"command": "complete"})
    assert r.status_code == 200, r.get_json()
    open_page = owned(env, chef, status=["planned", "in_progress"])
    assert [i["id"] for i in open_page["items"]] == [soon["id"], later["id"]]
    assert [i["id"] for i in owned(env, chef, status="done")["items"]] == [late["id"]]

    # pages: cursor and limit, total on every page
    one = owned(env, chef, limit=2)
    assert one["total"] == 3 and len(one["items"]) == 2 and one["next_cursor"]
    two = owned(env, chef, limit=2, cursor=one["next_cursor"])
    assert [i["id"] for i in one["items"] + two["items"]] == [late["id"], soon["id"], later["id"]]
    assert two["next_cursor"] is None and two["total"] == 3


def test_actions_of_cases_one_may_not_read_are_never_listed(env):
    chef = env.auth(*CHEF_E1)
    case = env.report(unit="e1")
    add_action(env, case["id"], chef, "eva", "2030-01-31")
    # eva, enhetschef of the sibling unit E2, owns the action but may not read the case
    assert owned(env, env.auth(*CHEF_E2))["items"] == []
    assert owned(env, env.auth(*CHEF_E2))["total"] == 0
    # the same subject in another tenant sees nothing of tenant A
    assert owned(env, env.auth("eva", ["enhetschef"], [U["eb"]], tenant=B))["total"] == 0
    # someone who may read it sees it when asking for eva's actions
    assert owned(env, env.auth(*KVAL_N), owner="eva")["total"] == 1


def test_bad_input_is_a_problem(env):
    chef = env.auth(*CHEF_E1)
    for query in ({"status": "nope"}, {"limit": "0"}, {"limit": "201"}, {"nope": "1"}):
        r = env.client.get("/api/v1/actions", headers=chef, query_string=query)
        assert r.status_code in (400, 422) and r.headers["Content-Type"] == PROBLEM, query
    r = env.client.get("/api/v1/actions?cursor=garbage", headers=chef)
    assert r.status_code == 400 and r.get_json()["code"] == "invalid_cursor"
    assert env.client.get("/api/v1/actions").status_code == 401
