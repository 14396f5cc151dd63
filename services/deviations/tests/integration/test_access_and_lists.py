"""Lists, filters, scoping by the org tree, overdue, tenant isolation, bad input, the public form."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from ordning_shared.auth import Principal

from ordning_deviations import db, service
from ordning_deviations.schemas import SUMMARY_FIELDS

from .conftest import ADMIN, CHEF_E1, CHEF_E2, FCHEF_F, KVAL_N, MAS_F, STAFF_E1, U

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


def ids(response):
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def test_scope_follows_the_org_tree(env):
    c = env.client
    case = env.report(unit="e1")["id"]
    other = env.report(unit="e3", who=("olle", ["medarbetare"], ["e3"]))["id"]
    # förvaltningschef of F sees the case reported in an enhet below it, not the one in F2
    seen = ids(c.get("/api/v1/deviations", headers=env.auth(*FCHEF_F)))
    assert case in seen and other not in seen
    # an enhetschef of a sibling enhet sees nothing of it, not even by id
    assert case not in ids(c.get("/api/v1/deviations", headers=env.auth(*CHEF_E2)))
    r = c.get(f"/api/v1/deviations/{case}", headers=env.auth(*CHEF_E2))
    assert r.status_code == 404 and r.headers["Content-Type"] == PROBLEM
    # a medarbetare lists no whole cases, not even what they reported (issue 14): that is in "my reports"
    mine = env.report(unit="e1", who=("bo", ["medarbetare"], ["e1"]))["id"]
    assert ids(c.get("/api/v1/deviations", headers=env.auth("bo", ["medarbetare"], ["e1"]))) == set()
    assert ids(c.get("/api/v1/deviations/reported-by-me", headers=env.auth("bo", ["medarbetare"], ["e1"]))) == {mine}
    assert c.get(f"/api/v1/deviations/{case}", headers=env.auth("bo", ["medarbetare"], ["e1"])).status_code == 404
    # mine=true for a handler who reported one
    chef_case = env.report(who=CHEF_E1)["id"]
    assert ids(c.get("/api/v1/deviations?mine=true", headers=env.auth(*CHEF_E1))) == {chef_case}
    # kvalitetsutvecklare at the nämnd sees all of tenant A
    assert {case, other, mine, chef_case} <= ids(c.get("/api/v1/deviations", headers=env.auth(*KVAL_N)))
    # MAS reads avvikelse and lex Maria, not lex Sarah
    sarah = env.report("lex_sarah")["id"]
    assert sarah not in ids(c.get("/api/v1/deviations", headers=env.auth(*MAS_F)))
    assert c.get(f"/api/v1/deviations/{sarah}", headers=env.auth(*MAS_F)).status_code == 404


def test_list_filters(env):
    c, kval = env.client, env.auth(*KVAL_N)
    a1 = env.report("avvikelse", unit="e1")["id"]
    s1 = env.report("lex_sarah", unit="e1")["id"]
    k3 = env.report("klagomal", unit="e3", who=("olle", ["medarbetare"], ["e3"]))["id"]
    assert ids(c.get(f"/api/v1/deviations?unit_id={U['v']}", headers=kval)) == {a1, s1}  # below V
    assert ids(c.get(f"/api/v1/deviations?unit_id={U['e2']}", headers=kval)) == set()
    assert ids(c.get(f"/api/v1/deviations?unit_id={U['n']}", headers=kval)) == {a1, s1, k3}
    assert ids(c.get("/api/v1/deviations?kind=lex_sarah&kind=klagomal", headers=kval)) == {s1, k3}
    env.act(a1, "receive", env.auth(*CHEF_E1))
    assert ids(c.get("/api/v1/deviations?status=received", headers=kval)) == {a1}
    assert ids(c.get("/api/v1/deviations?status=received&status=reported", headers=kval)) == {a1, s1, k3}
    now = datetime.now(timezone.utc)
    past = (now - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    future = (now + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(c.get("/api/v1/deviations", query_string={"reported_from": past, "reported_to": future},
                     headers=kval)) == {a1, s1, k3}
    assert ids(c.get("/api/v1/deviations", query_string={"reported_to": past}, headers=kval)) == set()
    page = c.get("/api/v1/deviations?limit=2&offset=0", headers=kval).get_json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["items"][0]["id"] == k3  # newest first
    assert c.get("/api/v1/deviations?limit=201", headers=kval).status_code == 422
    assert c.get("/api/v1/deviations?kind=nope", headers=kval).status_code == 422


def test_summary_view_is_the_full_cases_list_fields(env):
    c, kval = env.client, env.auth(*KVAL_N)
    env.report("avvikelse", unit="e1")
    sarah = env.report("lex_sarah", unit="e1")["id"]
    env.act(sarah, "receive", env.auth(*CHEF_E1))
    full = c.get("/api/v1/deviations?sort=receipt_due", headers=kval).get_json()
    summary = c.get("/api/v1/deviations?sort=receipt_due&view=summary", headers=kval).get_json()
    assert [item["id"] for item in summary["items"]] == [item["id"] for item in full["items"]]
    assert {key: summary[key] for key in ("total", "limit", "offset", "next_cursor")} == {
        key: full[key] for key in ("total", "limit", "offset", "next_cursor")}
    for whole, row in zip(full["items"], summary["items"]):
        assert row == {name: whole[name] for name in SUMMARY_FIELDS}
    r = c.get("/api/v1/deviations?view=everything", headers=kval)
    assert r.status_code == 422 and r.headers["Content-Type"] == PROBLEM


def test_overdue_filter(env):
    c, kval, admin = env.client, env.auth(*KVAL_N), env.auth(*ADMIN)
    r = c.put("/api/v1/deadline-policies/avvikelse", json={"receipt_days": 0, "investigation_days": 30}, headers={
        **admin, "If-Match": c.get("/api/v1/deadline-policies/avvikelse", headers=admin).headers["ETag"]})
    assert r.status_code == 200
    principal = Principal(subject="anna", tenant="0138", roles=frozenset({"medarbetare"}), org_units=(U["e1"],))
    long_ago = datetime.now(timezone.utc) - timedelta(days=10)
    late = service.report_deviation(env.platform, principal,
                                    {"kind": "avvikelse", "unit_id": U["e1"], "description": "gammal"}, now=long_ago)["id"]
    fresh = env.report()["id"]
    overdue = c.get("/api/v1/deviations?overdue=true", headers=kval).get_json()["items"]
    assert [item["id"] for item in overdue] == [late] and overdue[0]["overdue"] == ["receipt"]
    assert ids(c.get("/api/v1/deviations?overdue=false", headers=kval)) == {fresh}
    # received: no longer overdue for receipt
    assert env.act(late, "receive", env.auth(*CHEF_E1)).status_code == 200
    assert ids(c.get("/api/v1/deviations?overdue=true", headers=kval)) == set()


def test_public_feedback(env):
    c = env.client
    before = env.count(db.deviations)
    r = c.post("/api/v1/public/0138/feedback", headers={"Idempotency-Key": "k1"},
               json={"kind": "klagomal", "unit_id": U["e1"], "description": "Maten var kall", "anonymous": True})
    assert r.status_code == 201, r.get_json()
    receipt = r.get_json()
    assert receipt["reference"] and receipt["receipt_due"] and "anonymt" in receipt["message_sv"]
    # the default case settings promise no answer date (issue 14): the receipt says none
    assert receipt["answer_due"] is None and receipt["answer_promised"] is False
    assert "besvarar" not in receipt["message_sv"]
    again = c.post("/api/v1/public/0138/feedback", headers={"Idempotency-Key": "k1"},
                   json={"kind": "klagomal", "unit_id": U["e1"], "description": "Maten var kall", "anonymous": True})
    assert again.status_code == 201 and again.get_json()["reference"] == receipt["reference"]
    assert env.count(db.deviations) == before + 1
    with env.platform.engine.connect() as conn:
        row = conn.execute(sa.select(db.deviations).where(db.deviations.c.reference == receipt["reference"])).one()
    assert row.reported_by is None and row.origin == "citizen" and row.contact_email is None
    # contact is forbidden when anonymous
    r = c.post("/api/v1/public/0138/feedback", json={"kind": "synpunkt", "unit_id": U["e1"], "description": "x",
                                                     "anonymous": True, "contact": {"email": "a@b.se"}})
    assert r.status_code == 422 and r.headers["Content-Type"] == PROBLEM
    # named: the contact is kept (in this table only)
    r = c.post("/api/v1/public/0138/feedback", json={"kind": "synpunkt", "unit_id": U["e1"], "description": "Bra!",
                                                     "anonymous": False,
                                                     "contact": {"name": "Sven", "email": "sven@example.se"}})
    assert r.status_code == 201
    with env.platform.engine.connect() as conn:
        row = conn.execute(sa.select(db.deviations).where(
            db.deviations.c.reference == r.get_json()["reference"])).one()
    assert row.contact_email == "sven@example.se"
    # a citizen cannot file lex Sarah; unknown tenant 404; unknown unit 422; a unit of another tenant 422
    assert c.post("/api/v1/public/0138/feedback", json={"kind": "lex_sarah", "unit_id": U["e1"], "description": "x",
                                                        "anonymous": True}).status_code == 422
    r = c.post("/api/v1/public/9999/feedback", json={"kind": "klagomal", "unit_id": U["e1"], "description": "x",
                                                     "anonymous": True})
    assert r.status_code == 404 and r.headers["Content-Type"] == PROBLEM
    r = c.post("/api/v1/public/0138/feedback", json={"kind": "klagomal", "unit_id": U["eb"], "description": "x",
                                                     "anonymous": True})
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_unit"
    assert env.count(db.deviations) == before + 2
    # the handler sees the citizen's case and can work it
    items = c.get("/api/v1/deviations?kind=klagomal", headers=env.auth(*CHEF_E1)).get_json()["items"]
    assert items and items[0]["origin"] == "citizen" and items[0]["anonymous"] is True


def test_tenant_isolation(env):
    c = env.client
    case = env.report()["id"]
    before = env.row(case)
    for who in (("x", ["forvaltningschef", "administrator", "kvalitetsutvecklare", "medarbetare"], ["fb"]),):
        b = env.auth(*who, tenant="1407")
        assert c.get(f"/api/v1/deviations/{case}", headers=b).status_code == 404
        assert c.get("/api/v1/deviations", headers=b).get_json() == {"items": [], "total": 0, "limit": 50, "offset": 0,
                                                                 "next_cursor": None}
        assert c.get(f"/api/v1/deviations?unit_id={U['e1']}", headers=b).get_json()["total"] == 0
        etag = f'"{case}.1"'
        assert c.post(f"/api/v1/deviations/{case}/transitions", json={"command": "receive"},
                      headers={**b, "If-Match": etag}).status_code == 404
        assert c.patch(f"/api/v1/deviations/{case}", json={"unit_id": U["eb"]},
                       headers={**b, "If-Match": etag}).status_code == 404
        assert c.put(f"/api/v1/deviations/{case}/investigation", json={"why": "x"},
                     headers={**b, "If-Match": etag}).status_code == 404
        assert c.get(f"/api/v1/deviations/{case}/audit", headers=b).status_code == 404
        assert c.get(f"/api/v1/deviations/{case}/actions", headers=b).status_code == 404
        assert c.post(f"/api/v1/deviations/{case}/actions", headers=b,
                      json={"title": "t", "owner": "o", "due_date": "2030-01-01"}).status_code == 404
        # reporting into tenant A's unit with a tenant B token: the unit is unknown there
        r = c.post("/api/v1/deviations", headers=b, json={"kind": "avvikelse", "unit_id": U["e1"], "description": "x"})
        assert r.status_code == 422 and r.get_json()["code"] == "unknown_unit"
    assert env.row(case) == before


def test_bad_input_is_a_problem_and_changes_nothing(env):
    c, staff = env.client, env.auth(*STAFF_E1)
    case = env.report()["id"]
    counts = (env.count(db.deviations), env.count(env.platform.tables.outbox), env.count(env.platform.tables.audit_log))
    good = {"kind": "avvikelse", "unit_id": U["e1"], "description": "x"}
    cases = [
        ({**good, "kind": 5}, 422),
        ({**good, "description": ["x"]}, 422),
        ({**good, "description": ""}, 422),
        ({**good, "occurred_at": "yesterday"}, 422),
        ({**good, "extra": 1}, 422),
        ({**good, "kind": "lex_kalle"}, 422),
        ({"kind": "avvikelse", "unit_id": U["e1"]}, 422),
        ({**good, "description": "x" * 1_000_000}, 413),
        ({**good, "description": "x" * 10_001}, 422),
        ({**good, "unit_id": U["e3"]}, 403),  # outside the reporter's units
        ({**good, "unit_id": "no-such-unit"}, 422),
        ({**good, "occurred_at": "2999-01-01T00:00:00Z"}, 422),
    ]
    for body, status in cases:
        r = c.post("/api/v1/deviations", headers=staff, json=body)
        assert r.status_code == status, (str(body)[:80], r.status_code, r.get_data()[:200])
        assert r.headers["Content-Type"] == PROBLEM
    r = c.post("/api/v1/deviations", headers={**staff, "Content-Type": "application/json"}, data="{broken")
    assert r.status_code == 400 and r.headers["Content-Type"] == PROBLEM
    r = c.post("/api/v1/deviations", headers={**staff, "Content-Type": "text/plain"}, data="hej")
    assert r.status_code == 415
    r = c.post("/api/v1/deviations", json=good)
    assert r.status_code == 401 and r.headers["Content-Type"] == PROBLEM
    r = c.post("/api/v1/deviations", json=good, headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    r = c.post("/api/v1/deviations", json=good, headers=env.auth("p", ["namnd"], ["n"]))
    assert r.status_code == 403  # politicians read aggregates, they do not report
    chef = env.auth(*CHEF_E1)
    etag = c.get(f"/api/v1/deviations/{case}", headers=chef).headers["ETag"]
    for body in ({"command": "explode"}, {"command": "receive", "x": 1}, {}, []):
        r = c.post(f"/api/v1/deviations/{case}/transitions", json=body, headers={**chef, "If-Match": etag})
        assert r.status_code == 422, body
    r = c.put(f"/api/v1/deviations/{case}/ivo-report", json={"reported_on": "igår", "reference": "x"},
              headers={**chef, "If-Match": etag})
    assert r.status_code == 422
    assert c.get("/api/v1/deviations/not-a-uuid", headers=chef).status_code == 404
    assert c.get("/api/v1/deviations?overdue=kanske", headers=chef).status_code == 422
    r = c.post("/api/v1/public/0138/feedback", json={"kind": "klagomal", "unit_id": U["e1"], "description": "x",
                                                     "anonymous": "ja tack", "contact": {"email": "not-an-email"}})
    assert r.status_code == 422
    assert (env.count(db.deviations), env.count(env.platform.tables.outbox),
            env.count(env.platform.tables.audit_log)) == counts


def test_audit_log_is_append_only_in_postgresql(env):
    env.report()
    with pytest.raises(sa.exc.DBAPIError):
        with env.platform.engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_log SET actor = 'mallory'"))
    with pytest.raises(sa.exc.DBAPIError):
        with env.platform.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM audit_log"))
