"""The life of a case through the API, on PostgreSQL: lifecycle, lex Maria, illegal transitions, preconditions."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from ordning_deviations import db
from ordning_deviations.domain import (POSSIBLE_ELSEWHERE_COMMANDS, POSSIBLE_ELSEWHERE_STATUSES, TRANSITIONS,
                                       TRANSITION_KINDS, Command, Status, local_date)

from ordning_shared.testing import process_event_body

from .conftest import CHEF_E1, KVAL_N, MAS_F, STAFF_E1, U, org_event_body

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"
PROCESS = "e0000000-0000-4000-8000-000000000001"


def h(env, who, **extra):
    return env.auth(*who, **extra)


def test_duplicate_org_event_changes_nothing(env):
    body = org_event_body("0138", "a0000000-0000-0000-0000-0000000000e9", "enhet", U["v"])
    assert env.feed(body) == "processed"
    assert env.feed(body) == "duplicate"
    table = env.platform.tables.org_units
    with env.platform.engine.connect() as conn:
        rows = conn.execute(sa.select(table).where(table.c.id == "a0000000-0000-0000-0000-0000000000e9")).all()
    assert len(rows) == 1


def test_another_tenants_unit_with_the_same_id_is_a_unit_of_its_own(env):
    """The org copy is keyed by (tenant, id): tenant B's unit under tenant A's id changes nothing of A's."""
    assert env.feed(org_event_body("1407", U["e1"], "enhet", U["fb"])) == "processed"
    table = env.platform.tables.org_units
    with env.platform.engine.connect() as conn:
        copies = {row.tenant: row for row in conn.execute(sa.select(table).where(table.c.id == U["e1"]))}
    assert set(copies) == {"0138", "1407"} and copies["0138"].parent_id == U["v"]
    assert copies["1407"].parent_id == U["fb"]
    case = env.report(unit="e1")  # tenant A's staff still report in their unit, seen by their chef only
    chef_a = env.auth("erik", ["enhetschef"], ["e1"])
    chef_b = env.auth("bo", ["enhetschef"], [U["e1"]], tenant="1407")
    assert env.client.get(f"/api/v1/deviations/{case['id']}", headers=chef_a).status_code == 200
    assert env.client.get(f"/api/v1/deviations/{case['id']}", headers=chef_b).status_code == 404
    assert env.client.get("/api/v1/deviations", headers=chef_b).get_json()["total"] == 0


def test_avvikelse_lifecycle_with_action(env):
    c = env.client
    reporter, chef = h(env, STAFF_E1), h(env, CHEF_E1)
    r = c.post("/api/v1/deviations", headers=reporter,
               json={"kind": "avvikelse", "unit_id": U["e1"], "description": "Fel läkemedel gavs"})
    assert r.status_code == 201
    case = r.get_json()
    assert r.headers["Location"].endswith(f"/api/v1/deviations/{case['id']}")
    assert r.headers["ETag"] == f'"{case["id"]}.1"'
    assert case["status"] == "reported" and case["reported_by"] == "anna" and case["origin"] == "staff"
    # the reporter may not handle the case, so nothing is offered to them; the unit's chef may receive or reject it
    assert case["reference"].startswith("20") and case["allowed_commands"] == []
    assert case["kind_label_sv"] == "avvikelse" and case["status_label_sv"] == "anmält"
    did = case["id"]
    assert c.get(f"/api/v1/deviations/{did}", headers=chef).get_json()["allowed_commands"] == ["receive", "reject"]

    # the reporter follows what they reported in its feedback view only (issue 14): the case is 404 to them, so is
    # handling it
    assert c.get(f"/api/v1/deviations/{did}", headers=reporter).status_code == 404
    assert c.get(f"/api/v1/deviations/{did}/feedback", headers=reporter).get_json()["status"] == "reported"
    chef_etag = c.get(f"/api/v1/deviations/{did}", headers=chef).headers["ETag"]
    assert env.act(did, "receive", reporter, etag=chef_etag).status_code == 404

    for command, status in (("receive", "received"), ("start_investigation", "investigating")):
        r = env.act(did, command, chef)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["status"] == status

    r = env.act(did, "complete_investigation", chef)
    assert r.status_code == 422 and r.get_json()["code"] == "investigation_incomplete"
    assert set(r.get_json()["missing"]) == {"what_happened", "why", "what_must_change"}  # names, not values

    r = env.put(f"/api/v1/deviations/{did}/investigation",
                {"what_happened": "Fel dos", "why": "Otydlig ordination", "what_must_change": "Dubbelkontroll"},
                chef)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["investigation"]["why"] == "Otydlig ordination"

    r = c.post(f"/api/v1/deviations/{did}/actions", headers=chef,
               json={"title": "Inför dubbelkontroll", "owner": "erik", "due_date": "2030-01-31"})
    assert r.status_code == 201, r.get_json()
    action = r.get_json()
    assert action["origin_type"] == "deviation" and action["origin_id"] == did and action["unit_id"] == U["e1"]
    assert r.headers["ETag"] == f'"{action["id"]}.1"'

    assert env.act(did, "complete_investigation", chef).status_code == 200
    r = env.act(did, "close", chef)
    assert r.status_code == 409 and r.get_json()["code"] == "open_actions_remain"
    assert r.get_json()["open_action_count"] == 1
    assert r.headers["Content-Type"] == PROBLEM

    case = c.get(f"/api/v1/deviations/{did}", headers=chef).get_json()
    assert case["actions"] == {"total": 1, "open": 1, "overdue": 0}

    path = f"/api/v1/deviations/{did}/actions/{action['id']}"
    r = c.patch(path, headers={**chef, "If-Match": f'"{action["id"]}.1"'}, json={"owner": "frida"})
    assert r.status_code == 200 and r.get_json()["owner"] == "frida"
    r = c.post(path + "/transitions", headers={**chef, "If-Match": f'"{action["id"]}.1"'},
               json={"command": "complete"})
    assert r.status_code == 412
    r = c.post(path + "/transitions", headers={**chef, "If-Match": r.headers.get("ETag") or f'"{action["id"]}.2"'},
               json={"command": "complete", "effect_followup": "Följs upp i kvalitetsrådet"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "done"

    r = env.act(did, "close", chef)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "closed" and r.get_json()["closed_at"]
    assert r.get_json()["allowed_commands"] == ["reopen"]
    # the trail has every change
    trail = c.get(f"/api/v1/deviations/{did}/audit", headers=h(env, KVAL_N)).get_json()
    actions = [entry["action"] for entry in trail]
    assert actions[0] == "report" and "close" in actions and "complete" in actions and "create" in actions


def test_lex_maria_seriousness_and_ivo(env):
    c = env.client
    chef, mas = h(env, CHEF_E1), h(env, MAS_F)
    did = env.report("lex_maria")["id"]
    assert env.act(did, "receive", chef).status_code == 200
    r = env.put(f"/api/v1/deviations/{did}/seriousness", {"serious": True}, mas)
    assert r.status_code == 409 and r.get_json()["code"] == "seriousness_decision_too_early"
    assert env.act(did, "start_investigation", chef).status_code == 200

    r = env.put(f"/api/v1/deviations/{did}/seriousness", {"serious": True}, chef)
    assert r.status_code == 403 and r.headers["Content-Type"] == PROBLEM
    r = env.put(f"/api/v1/deviations/{did}/seriousness", {"serious": True}, mas)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["seriousness"]["serious"] is True and r.get_json()["seriousness"]["decided_by"] == "maria"

    env.put(f"/api/v1/deviations/{did}/investigation",
            {"what_happened": "a", "why": "b", "what_must_change": "c"}, chef)
    assert env.act(did, "complete_investigation", chef).status_code == 200
    r = env.act(did, "close", chef)
    assert r.status_code == 409 and r.get_json()["code"] == "ivo_report_required"

    r = env.put(f"/api/v1/deviations/{did}/ivo-report", {"reported_on": local_date(datetime.now(timezone.utc)).isoformat(),
                                                            "reference": "IVO 3.5.1-1234/2026"},
                chef)
    assert r.status_code == 403
    r = env.put(f"/api/v1/deviations/{did}/ivo-report", {"reported_on": local_date(datetime.now(timezone.utc)).isoformat(),
                                                            "reference": "IVO 3.5.1-1234/2026"},
                mas)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["ivo_report"]["reference"] == "IVO 3.5.1-1234/2026"
    r = env.act(did, "close", chef)  # issue 14: the person concerned must be informed (the tenant's default)
    assert r.status_code == 409 and r.get_json()["code"] == "informing_required"
    assert env.put(f"/api/v1/deviations/{did}/informing", {"not_informed_reason": "declined"}, chef).status_code == 200
    r = env.act(did, "close", chef)
    assert r.status_code == 200 and r.get_json()["status"] == "closed"


def test_seriousness_on_avvikelse_is_not_applicable(env):
    did = env.report("avvikelse")["id"]
    r = env.put(f"/api/v1/deviations/{did}/seriousness", {"serious": True}, h(env, MAS_F))
    assert r.status_code in (403, 422)  # nobody decides seriousness of an avvikelse


def _walk_to(env, did, status, chef):
    path = {
        "reported": [], "received": ["receive"], "investigating": ["receive", "start_investigation"],
        "investigated": ["receive", "start_investigation", "complete_investigation"],
        "closed": ["receive", "start_investigation", "complete_investigation", "close"],
        "rejected": ["reject"],
    }[status]
    for command in path:
        if command == "complete_investigation":
            env.put(f"/api/v1/deviations/{did}/investigation",
                    {"what_happened": "a", "why": "b", "what_must_change": "c"}, chef)
        assert env.act(did, command, chef).status_code == 200


@pytest.mark.parametrize("kind", ["avvikelse", "synpunkt"])
def test_every_illegal_transition_is_a_409_problem(env, kind):
    chef = h(env, CHEF_E1)
    for status in Status:
        did = env.report(kind)["id"]
        _walk_to(env, did, status.value, chef)
        before = env.row(did).version
        for command in Command:
            target = TRANSITIONS.get((status, command))
            legal = target is not None and any(
                k.value == kind for k in TRANSITION_KINDS.get((status, command), [k for k in __import__(
                    "ordning_deviations.domain", fromlist=["Kind"]).Kind]))
            if command in POSSIBLE_ELSEWHERE_COMMANDS:  # keeps the status; the case is not flagged
                legal = status in POSSIBLE_ELSEWHERE_STATUSES and command is Command.flag_possible_elsewhere
            if legal:
                continue
            r = env.act(did, command.value, chef)
            assert r.status_code == 409, (status, command, r.get_json())
            body = r.get_json()
            assert r.headers["Content-Type"] == PROBLEM
            assert body["code"] == "illegal_transition" and body["type"] == "urn:ordning:problem:illegal_transition"
            assert command.value.split("_")[0] in body["detail"] or "/" in body["detail"]
        assert env.row(did).version == before


def test_if_match_missing_428_and_stale_412(env):
    c, chef = env.client, h(env, CHEF_E1)
    did = env.report()["id"]
    r = c.post(f"/api/v1/deviations/{did}/transitions", json={"command": "receive"}, headers=chef)
    assert r.status_code == 428 and r.headers["Content-Type"] == PROBLEM
    etag = c.get(f"/api/v1/deviations/{did}", headers=chef).headers["ETag"]
    assert env.act(did, "receive", chef, etag=etag).status_code == 200
    r = env.act(did, "start_investigation", chef, etag=etag)  # the ETag read before the change
    assert r.status_code == 412 and r.get_json()["code"] == "stale_etag"
    assert env.row(did).status == "received"
    r = c.put(f"/api/v1/deviations/{did}/investigation", json={"why": "x"}, headers=chef)
    assert r.status_code == 428
    r = c.patch(f"/api/v1/deviations/{did}", json={"category_id": None}, headers={**chef, "If-Match": etag})
    assert r.status_code == 412


def test_idempotency_key_replay_creates_one_row(env):
    c = env.client
    headers = {**h(env, STAFF_E1), "Idempotency-Key": "retry-1"}
    body = {"kind": "avvikelse", "unit_id": U["e1"], "description": "Dörren olåst"}
    before = env.count(db.deviations)
    first = c.post("/api/v1/deviations", headers=headers, json=body)
    second = c.post("/api/v1/deviations", headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    assert env.count(db.deviations) == before + 1
    other = c.post("/api/v1/deviations", headers=headers, json={**body, "description": "annat"})
    assert other.status_code == 422 and other.get_json()["code"] == "idempotency_key_reused"
    assert env.count(db.deviations) == before + 1
    with env.platform.engine.connect() as conn:
        outbox = env.platform.tables.outbox
        n = conn.execute(sa.select(sa.func.count()).select_from(outbox).where(
            outbox.c.type == "se.ordning.deviation.reported.v1")).scalar_one()
    assert n == before + 1


def test_reassign_and_category(env):
    c, chef = env.client, h(env, ("vera", ["verksamhetschef"], ["v"]))
    admin = h(env, ("adam", ["administrator"], ["n"]))
    cat = c.post("/api/v1/categories", headers=admin, json={"name": "Fall", "kinds": ["avvikelse"]})
    assert cat.status_code == 201, cat.get_json()
    cat_id = cat.get_json()["id"]
    assert c.post("/api/v1/categories", headers=chef, json={"name": "X"}).status_code == 403
    assert c.post("/api/v1/categories", headers=admin, json={"name": "fall"}).status_code == 409
    did = env.report()["id"]
    etag = c.get(f"/api/v1/deviations/{did}", headers=chef).headers["ETag"]
    r = c.patch(f"/api/v1/deviations/{did}", headers={**chef, "If-Match": etag},
                json={"category_id": cat_id, "unit_id": U["e2"]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["category_id"] == cat_id and r.get_json()["unit_id"] == U["e2"]
    etag = r.headers["ETag"]
    r = c.post(f"/api/v1/deviations/{did}/actions", headers=chef,
               json={"title": "t", "owner": "vera", "due_date": "2030-01-01"})
    assert r.status_code == 201 and r.get_json()["unit_id"] == U["e2"]
    action_id = r.get_json()["id"]
    r = c.patch(f"/api/v1/deviations/{did}", headers={**chef, "If-Match": etag}, json={"unit_id": U["e1"]})
    assert r.status_code == 200
    etag = r.headers["ETag"]
    moved = c.get(f"/api/v1/deviations/{did}/actions/{action_id}", headers=chef).get_json()
    assert moved["unit_id"] == U["e1"] and moved["version"] == 2
    r = c.patch(f"/api/v1/deviations/{did}", headers={**chef, "If-Match": etag}, json={"unit_id": U["e3"]})
    assert r.status_code == 403  # outside the actor's scope
    r = c.patch(f"/api/v1/deviations/{did}", headers={**chef, "If-Match": etag},
                json={"unit_id": "a0000000-0000-0000-0000-0000000000ff"})
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_unit"
    # a category for another kind does not fit
    lex = env.report("lex_sarah")["id"]
    etag = c.get(f"/api/v1/deviations/{lex}", headers=chef).headers["ETag"]
    r = c.patch(f"/api/v1/deviations/{lex}", headers={**chef, "If-Match": etag}, json={"category_id": cat_id})
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_category"
    # report with a category in one request
    assert env.report(category_id=cat_id)["category_id"] == cat_id
    # deactivate: no longer listed
    cat_etag = c.get(f"/api/v1/categories/{cat_id}", headers=admin).headers["ETag"]
    r = c.patch(f"/api/v1/categories/{cat_id}", headers={**admin, "If-Match": cat_etag}, json={"active": False})
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert c.get("/api/v1/categories", headers=chef).get_json() == []


def test_deadline_policies(env):
    c, admin = env.client, h(env, ("adam", ["administrator"], ["n"]))
    r = c.get("/api/v1/deadline-policies/lex_sarah", headers=admin)
    assert r.status_code == 200 and r.get_json()["default"] is True and r.get_json()["ivo_report_days"] == 14
    default_etag = c.get("/api/v1/deadline-policies/avvikelse", headers=admin).headers["ETag"]
    r = c.put("/api/v1/deadline-policies/avvikelse", headers={**admin, "If-Match": default_etag},
              json={"receipt_days": 1, "investigation_days": 5})
    assert r.status_code == 200 and r.get_json()["default"] is False
    r = c.put("/api/v1/deadline-policies/avvikelse", headers=admin,
              json={"receipt_days": 1, "investigation_days": 5, "ivo_report_days": 3})
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_policy"
    r = c.put("/api/v1/deadline-policies/avvikelse", headers=h(env, CHEF_E1),
              json={"receipt_days": 1, "investigation_days": 5})
    assert r.status_code == 403
    assert c.get("/api/v1/deadline-policies/nope", headers=admin).status_code == 404
    assert c.put("/api/v1/deadline-policies/avvikelse", headers=admin,
                 json={"receipt_days": -1, "investigation_days": 5}).status_code == 422


def test_every_outbox_event_keeps_to_its_payload_allow_list(env):
    """After a full lex case with an action, every event in the outbox carries only allowed fields."""
    import json

    from ordning_shared.actions import ACTION_EVENT_FIELDS

    from ordning_deviations.domain import EVENT_PAYLOAD_FIELDS

    test_lex_maria_seriousness_and_ivo(env)
    test_avvikelse_lifecycle_with_action(env)
    outbox = env.platform.tables.outbox
    with env.platform.engine.connect() as conn:
        bodies = [json.loads(b) for b in conn.execute(sa.select(outbox.c.body)).scalars()]
    types = set()
    for body in bodies:
        allowed = EVENT_PAYLOAD_FIELDS.get(body["type"]) or (
            ACTION_EVENT_FIELDS if body["type"].startswith("se.ordning.action.") else None)
        assert allowed is not None, body["type"]
        assert set(body["data"]) <= allowed, body["type"]
        assert body["source"] == "/ordning/0138/deviations" and body["tenant"] == "0138"
        types.add(body["type"])
    assert {"se.ordning.deviation.reported.v1", "se.ordning.deviation.closed.v1",
            "se.ordning.deviation.seriousness_decided.v1", "se.ordning.deviation.ivo_reported.v1",
            "se.ordning.action.created.v1", "se.ordning.action.completed.v1"} <= types
    # the action's effect follow-up travels as a flag (reporting counts it), its text never
    flags = [(b["type"], b["data"]["effect_followed_up"]) for b in bodies if b["type"].startswith("se.ordning.action.")]
    assert all(flag is False for kind, flag in flags if kind == "se.ordning.action.created.v1")
    assert ("se.ordning.action.completed.v1", True) in flags
    assert "kvalitetsrådet" not in json.dumps(bodies)


def test_openapi_and_health(env):
    c = env.client
    spec = c.get("/openapi.json").get_json()
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/deviations"])
    assert "post" in paths["/api/v1/public/{tenant}/feedback"]
    assert c.get("/healthz").status_code == 200
    ready = c.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json()["checks"] == {"database": "ok"}
    assert ready.get_json()["information"] == {"broker": "ok"}


def test_a_handler_rejects_spam_and_duplicates_with_a_reason(env):
    c, chef, reporter = env.client, h(env, CHEF_E1), h(env, STAFF_E1)
    original = env.report()
    citizen = c.post("/api/v1/public/0138/feedback", json={"kind": "klagomal", "unit_id": U["e1"],
                                                            "description": "Samma sak igen", "anonymous": True})
    assert citizen.status_code == 201
    duplicate = c.get(f"/api/v1/deviations?kind=klagomal", headers=chef).get_json()["items"][0]
    spam = env.report()
    did = duplicate["id"]
    assert duplicate["allowed_commands"] == ["receive", "reject"]

    def reject(case, rejection, who=chef):
        etag = c.get(f"/api/v1/deviations/{case}", headers=chef).headers["ETag"]
        return c.post(f"/api/v1/deviations/{case}/transitions", headers={**who, "If-Match": etag},
                      json={"command": "reject", **({"rejection": rejection} if rejection is not None else {})})

    # bad requests change nothing: no reason, an unknown one, a duplicate of nothing or of itself, a reporter
    assert reject(did, None).status_code == 422
    assert reject(did, {"reason": "boring"}).status_code == 422
    assert reject(did, {"reason": "duplicate"}).get_json()["code"] == "invalid_rejection"
    assert reject(did, {"reason": "duplicate", "duplicate_of": "1999-000001"}).get_json()["code"] == "invalid_rejection"
    assert reject(did, {"reason": "duplicate", "duplicate_of": citizen.get_json()["reference"]}
                  ).get_json()["code"] == "invalid_rejection"
    assert reject(did, {"reason": "other"}).get_json()["code"] == "invalid_rejection"
    assert reject(spam["id"], {"reason": "spam"}, who=reporter).status_code == 404  # not theirs to read (issue 14)
    r = c.post(f"/api/v1/deviations/{did}/transitions", headers={**chef, "If-Match": "*"},
               json={"command": "receive", "rejection": {"reason": "spam"}})
    assert r.status_code == 422  # a rejection belongs to reject only
    assert c.get(f"/api/v1/deviations/{did}", headers=chef).get_json()["status"] == "reported"

    r = reject(did, {"reason": "duplicate", "duplicate_of": original["reference"]})
    assert r.status_code == 200, r.get_json()
    case = r.get_json()
    assert (case["status"], case["status_label_sv"], case["allowed_commands"], case["overdue"]) == (
        "rejected", "avvisat", [], [])
    assert case["rejection"]["reason"] == "duplicate" and case["rejection"]["reason_label_sv"] == "dubblett"
    assert case["rejection"]["duplicate_of"] == original["reference"]
    assert env.act(did, "receive", chef).status_code == 409  # an end state
    assert env.act(spam["id"], "receive", chef).status_code == 200
    r = reject(spam["id"], {"reason": "other", "note": "Testärende"})
    assert r.status_code == 200 and r.get_json()["rejection"]["note"] == "Testärende"

    # lists filter on it; a rejected case is never overdue
    rejected = c.get("/api/v1/deviations?status=rejected", headers=chef).get_json()["items"]
    assert {item["id"] for item in rejected} == {did, spam["id"]}
    with env.platform.engine.connect() as conn:
        conn.execute(db.deviations.update().where(db.deviations.c.id == did).values(
            receipt_due="2000-01-03", investigation_due="2000-01-04"))
        conn.commit()
    assert did not in {item["id"] for item in c.get("/api/v1/deviations?overdue=true", headers=chef
                                                    ).get_json()["items"]}
    # its event carries the reason's code only
    outbox = env.platform.tables.outbox
    with env.platform.engine.connect() as conn:
        bodies = conn.execute(sa.select(outbox.c.body).where(outbox.c.type == "se.ordning.deviation.rejected.v1")
                              ).scalars().all()
    assert len(bodies) == 2 and not any("Testärende" in body or original["reference"] in body for body in bodies)


def test_the_process_step_is_published_when_named_linked_changed_and_cleared(env):
    """The step's id (never text) rides on reported.v1 and on process_step_changed.v1, each with the case's
    version as its sequence, in the outbox of the same transaction as the change."""
    import json

    c, chef = env.client, h(env, CHEF_E1)
    step1, step2 = "d0000000-0000-0000-0000-000000000001", "d0000000-0000-0000-0000-000000000002"
    assert env.feed(process_event_body("0138", PROCESS, U["f"], [step1, step2])) == "processed"
    did = env.report(process_step_id=step1)["id"]
    etag = c.get(f"/api/v1/deviations/{did}", headers=chef).headers["ETag"]
    for step in (step2, step2, None):  # the second changes nothing: no version, no event
        r = c.patch(f"/api/v1/deviations/{did}", headers={**chef, "If-Match": etag}, json={"process_step_id": step})
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["process_step_id"] == step
        etag = r.headers["ETag"]
    outbox = env.platform.tables.outbox
    with env.platform.engine.connect() as conn:
        bodies = [json.loads(b) for b in conn.execute(sa.select(outbox.c.body)).scalars()]
    mine = sorted((b for b in bodies if b["subject"] == did), key=lambda b: int(b["sequence"]))
    assert [(b["type"].split(".")[3], int(b["sequence"]), b["data"]["version"]) for b in mine] == [
        ("reported", 1, 1), ("process_step_changed", 2, 2), ("process_step_changed", 3, 3)]
    assert mine[0]["data"]["process_step_id"] == step1
    assert [(b["data"]["process_step_id"], b["data"]["previous_process_step_id"]) for b in mine[1:]] == [
        (step2, step1), (None, step2)]
    assert all(b["data"]["unit_id"] == U["e1"] and b["data"]["kind"] == "avvikelse" for b in mine)
    assert "Fallolycka" not in json.dumps(mine)


def test_a_process_step_must_be_a_step_of_an_established_process_of_the_tenant(env):
    """Report and PATCH name a step the service's copy of the process map knows (from the processes service's
    events): else 422 unknown_process_step and nothing stored. A step keeps its id across versions, so a case
    keeps its link when a later version drops the step, and naming the case's own step again passes."""
    kept, dropped, new = (f"d0000000-0000-4000-8000-00000000000{n}" for n in "123")
    tenant_bs, nowhere = "d0000000-0000-4000-8000-0000000000b1", "d0000000-0000-4000-8000-0000000000ff"
    assert env.feed(process_event_body("0138", PROCESS, U["f"], [kept, dropped])) == "processed"
    assert env.feed(process_event_body("1407", PROCESS, U["fb"], [tenant_bs])) == "processed"
    c, staff, chef = env.client, h(env, STAFF_E1), h(env, CHEF_E1)
    before = env.counts()
    for step in (nowhere, tenant_bs):
        r = c.post("/api/v1/deviations", headers=staff, json={
            "kind": "avvikelse", "unit_id": U["e1"], "description": "Fallolycka", "process_step_id": step})
        assert r.status_code == 422 and r.content_type == PROBLEM, r.get_json()
        assert r.get_json()["code"] == "unknown_process_step"
    assert env.counts() == before

    case = env.report(process_step_id=dropped.upper())  # an id is an id in any case; kept as the map spells it
    assert case["process_step_id"] == dropped
    path = f"/api/v1/deviations/{case['id']}"
    etag = c.get(path, headers=chef).headers["ETag"]
    before = env.counts()
    for step in (nowhere, tenant_bs):
        r = c.patch(path, headers={**chef, "If-Match": etag}, json={"process_step_id": step})
        assert r.status_code == 422 and r.get_json()["code"] == "unknown_process_step", r.get_json()
    assert env.counts() == before and c.get(path, headers=chef).headers["ETag"] == etag

    # version 2 of the process drops the step and adds another: the case keeps its link, the new step is known
    assert env.feed(process_event_body("0138", PROCESS, U["f"], [kept, new], version=2)) == "processed"
    assert c.get(path, headers=chef).get_json()["process_step_id"] == dropped
    r = c.patch(path, headers={**chef, "If-Match": etag}, json={"process_step_id": dropped, "category_id": None})
    assert r.status_code == 200 and r.get_json()["process_step_id"] == dropped, r.get_json()
    r = c.patch(path, headers={**chef, "If-Match": r.headers["ETag"]}, json={"process_step_id": new})
    assert r.status_code == 200 and r.get_json()["process_step_id"] == new, r.get_json()
