"""The audit trail holds who, when, which command and which fields, never a case's text; reading it needs the
right to read the case; reads of lex Sarah / lex Maria cases go to a read log the dataskyddsombud asks."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from ordning_deviations import domain as d

from .conftest import ADMIN, B, CHEF_E1, FCHEF_F, KVAL_N, MAS_F, STAFF_E1, U

pytestmark = pytest.mark.integration

PERSONNUMMER, EMAIL = "19121212-1212", "tolvan.tolvansson@example.org"
MARKER = f"Tolvan {PERSONNUMMER} {EMAIL}"
DPO = ("dora", ["dataskyddsombud"], [])


def _raw_audit_rows(env) -> list[str]:
    """Every audit_log row as the database holds it, as text."""
    with env.platform.engine.connect() as conn:
        return [str(tuple(row)) for row in conn.execute(sa.text("SELECT * FROM audit_log")).all()]


def test_no_text_of_a_case_reaches_the_audit_trail(env):
    c = env.client
    chef, mas, admin = env.auth(*CHEF_E1), env.auth(*MAS_F), env.auth(*ADMIN)
    # a category named with the marker, then renamed with it again
    r = c.post("/api/v1/categories", headers=admin, json={"name": f"Kategori {MARKER}", "kinds": []})
    assert r.status_code == 201, r.get_json()
    category = r.get_json()
    r = c.patch(f"/api/v1/categories/{category['id']}", json={"name": f"Ny {MARKER}"},
                headers={**admin, "If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.get_json()
    # a lex Maria case with the marker in every free-text field, its investigation, IVO report and actions
    did = env.report("lex_maria", description=MARKER, immediate_action=MARKER, category_id=category["id"])["id"]
    for command in ("receive", "start_investigation"):
        assert env.act(did, command, chef).status_code == 200
    assert env.put(f"/api/v1/deviations/{did}/investigation",
                   {"what_happened": MARKER, "why": MARKER, "what_must_change": MARKER}, chef).status_code == 200
    assert env.put(f"/api/v1/deviations/{did}/seriousness", {"serious": True}, mas).status_code == 200
    assert env.put(f"/api/v1/deviations/{did}/ivo-report", {"reported_on": d.local_date(datetime.now(timezone.utc)).isoformat(), "reference": MARKER[:100]},
                   mas).status_code == 200
    r = c.post(f"/api/v1/deviations/{did}/actions", headers=chef,
               json={"title": MARKER, "description": MARKER, "owner": MARKER, "due_date": "2030-01-31"})
    assert r.status_code == 201, r.get_json()
    path = f"/api/v1/deviations/{did}/actions/{r.get_json()['id']}"
    r = c.patch(path, headers={**chef, "If-Match": r.headers["ETag"]}, json={"description": f"Ändrad {MARKER}"})
    assert r.status_code == 200, r.get_json()
    r = c.post(path + "/transitions", headers={**chef, "If-Match": r.headers["ETag"]},
               json={"command": "complete", "effect_followup": MARKER})
    assert r.status_code == 200, r.get_json()
    # a citizen's complaint with the marker as description and contact details
    r = c.post("/api/v1/public/0138/feedback", json={
        "kind": "klagomal", "unit_id": U["e1"], "description": MARKER, "anonymous": False,
        "contact": {"name": MARKER[:200], "email": EMAIL, "phone": "070-1212121"}})
    assert r.status_code == 201, r.get_json()

    rows = _raw_audit_rows(env)
    assert len(rows) >= 12  # every command above was audited
    leaking = [row for row in rows if PERSONNUMMER in row or EMAIL in row or "Tolvan" in row or "070-12" in row]
    assert leaking == []

    # what the trail says instead: the fields that changed, and the values of the safe ones
    trail = c.get(f"/api/v1/deviations/{did}/audit", headers=env.auth(*KVAL_N)).get_json()
    by_action = {entry["action"]: entry for entry in trail}
    report = by_action["report"]
    assert {"description", "immediate_action", "reported_by", "kind", "unit_id"} <= set(report["changed_fields"])
    assert report["changed_values"]["kind"] == [None, "lex_maria"]
    assert not {"description", "immediate_action", "reported_by"} & set(report["changed_values"])
    investigation = by_action["update_investigation"]
    assert investigation["changed_fields"] == ["investigation_what_happened", "investigation_what_must_change",
                                               "investigation_why", "version"]
    assert investigation["changed_values"] == {"version": [3, 4]}
    assert by_action["decide_seriousness"]["changed_values"]["seriousness_serious"] == [None, True]
    assert "ivo_reference" not in by_action["record_ivo_report"]["changed_values"]
    assert by_action["complete"]["changed_values"]["status"] == ["planned", "done"]
    assert "effect_followup" in by_action["complete"]["changed_fields"]


def test_the_audit_trail_needs_the_right_to_read_the_case(env):
    c = env.client
    sarah = env.report("lex_sarah")["id"]
    admin = env.auth(*ADMIN)
    # an administrator may not read a lex Sarah case, so neither its audit trail: 404 for both
    for path in (f"/api/v1/deviations/{sarah}", f"/api/v1/deviations/{sarah}/audit"):
        r = c.get(path, headers=admin)
        assert r.status_code == 404 and r.get_json()["code"] == "not_found", path
    # MAS reads lex Maria, not lex Sarah
    assert c.get(f"/api/v1/deviations/{sarah}/audit", headers=env.auth(*MAS_F)).status_code == 404
    # who may read the case and holds an audit-reader role reads its trail
    for who in (KVAL_N, FCHEF_F):
        r = c.get(f"/api/v1/deviations/{sarah}/audit", headers=env.auth(*who))
        assert r.status_code == 200 and [e["action"] for e in r.get_json()] == ["report"]
    # who may read the case without an audit-reader role: forbidden
    chef = env.auth(*CHEF_E1)
    assert c.get(f"/api/v1/deviations/{sarah}", headers=chef).status_code == 200
    assert c.get(f"/api/v1/deviations/{sarah}/audit", headers=chef).status_code == 403
    # the reporter, a medarbetare, reads only the feedback view of what they reported (issue 14): the case and its
    # trail are 404, as for anyone who may not read the case
    assert c.get(f"/api/v1/deviations/{sarah}/audit", headers=env.auth(*STAFF_E1)).status_code == 404


def test_reads_of_lex_cases_go_to_a_read_log_the_dpo_asks(env):
    c = env.client
    chef, kval, dpo = env.auth(*CHEF_E1), env.auth(*KVAL_N), env.auth(*DPO)
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    sarah, maria, plain = env.report("lex_sarah")["id"], env.report("lex_maria")["id"], env.report()["id"]
    assert c.get(f"/api/v1/deviations/{sarah}", headers=chef).status_code == 200
    assert c.get(f"/api/v1/deviations/{plain}", headers=chef).status_code == 200
    listed = c.get("/api/v1/deviations", headers=chef).get_json()["items"]
    assert {sarah, maria, plain} <= {item["id"] for item in listed}
    assert c.get(f"/api/v1/deviations/{sarah}/audit", headers=kval).status_code == 200

    def log(**args):
        r = c.get("/api/v1/read-log/deviations", query_string=args, headers=dpo)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    entries = log(entity_id=sarah)["items"]
    assert sorted((e["how"], e["actor"]) for e in entries) == [("audit", "karl"), ("list", "erik"), ("read", "erik")]
    assert {e["entity_type"] for e in entries} == {"deviation"}
    # an avvikelse read is not a protected read
    assert log(entity_id=plain)["total"] == 0
    by_erik = log(actor="erik")
    assert by_erik["total"] == 3 and {e["entity_id"] for e in by_erik["items"]} == {sarah, maria}
    assert log(how="list")["total"] == 2
    # by period, and paged (newest first)
    assert log(**{"from": start.isoformat()})["total"] == 4
    assert log(**{"from": (start + timedelta(hours=1)).isoformat()})["total"] == 0
    assert log(to=start.isoformat())["total"] == 0
    first, second = log(limit=1), log(limit=1, offset=1)
    assert first["total"] == 4 and len(first["items"]) == 1 and first["items"][0]["how"] == "audit"
    assert second["items"][0] != first["items"][0]
    # reads are not changes: the audit trail holds none of them
    with env.platform.engine.connect() as conn:
        actions = set(conn.execute(sa.text("SELECT DISTINCT action FROM audit_log")).scalars())
    assert actions == {"report"}
    # only the dataskyddsombud asks it, and only for their own tenant
    for who in (KVAL_N, ADMIN, CHEF_E1):
        r = c.get("/api/v1/read-log/deviations", headers=env.auth(*who))
        assert r.status_code == 403 and r.headers["Content-Type"] == "application/problem+json"
    other = c.get("/api/v1/read-log/deviations", headers=env.auth(*DPO, tenant=B))
    assert other.status_code == 200 and other.get_json()["total"] == 0
    # bad questions are problems
    assert c.get("/api/v1/read-log/deviations?unknown=1", headers=dpo).status_code == 422
    assert c.get("/api/v1/read-log/deviations?how=peeked", headers=dpo).status_code == 422
    r = c.get("/api/v1/read-log/deviations", headers=dpo,
              query_string={"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"})
    assert r.status_code == 422
