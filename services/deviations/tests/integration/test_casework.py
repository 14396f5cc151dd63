"""The daily work of issue 14 item 8 over PostgreSQL: the assigned investigator (utredare), duplicates closed into
their master, the involved unit, and occurred-at kept with its time of day.

Every refusal is a problem+json that leaves the case as it was; the events carry ids and codes, never text.
"""
from __future__ import annotations

import json

import pytest
from ordning_shared.testing import outbox_bodies

from .conftest import CHEF_E1, CHEF_E2, KVAL_N, MAS_F, STAFF_E1, U

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"
ASSIGNED = "se.ordning.deviation.investigator_assigned.v1"
INVOLVED = "se.ordning.deviation.involved_unit_changed.v1"
REJECTED = "se.ordning.deviation.rejected.v1"
REPORTED = "se.ordning.deviation.reported.v1"
BERIT = ("berit", ["medarbetare"], ["e2"])  # a medarbetare of another unit: no handler, no reader of e1's cases
CHEF_E3 = ("elsa", ["enhetschef"], ["e3"])
CHEF_B = ("bo", ["enhetschef"], ["eb"])


def _read(env, did, who=CHEF_E1):
    r = env.client.get(f"/api/v1/deviations/{did}", headers=env.auth(*who))
    return r


def _case(env, did, who=CHEF_E1):
    r = _read(env, did, who)
    assert r.status_code == 200, r.get_json()
    return r.get_json(), r.headers["ETag"]


def _events(env, event_type) -> list[dict]:
    return [json.loads(body)["data"] for body in outbox_bodies(env.platform, event_type)]


def _assign(env, did, investigator, who=CHEF_E1, etag=None):
    headers = env.auth(*who)
    etag = etag or env.client.get(f"/api/v1/deviations/{did}", headers=headers).headers.get("ETag", '"x.1"')
    return env.client.put(f"/api/v1/deviations/{did}/investigator", json={"investigator_id": investigator},
                          headers={**headers, "If-Match": etag})


def _refused(env, did, response, status, code):
    assert response.status_code == status, response.get_json()
    assert response.headers["Content-Type"] == PROBLEM
    assert code is None or response.get_json()["code"] == code


# --------------------------------------------------------------------------
# The assigned investigator
# --------------------------------------------------------------------------

def test_an_investigator_who_is_a_medarbetare_investigates_but_cannot_close(env):
    chef, berit = env.auth(*CHEF_E1), env.auth(*BERIT)
    did = env.report("avvikelse")["id"]
    assert env.act(did, "receive", chef).status_code == 200
    assert _read(env, did, BERIT).status_code == 404  # not yet theirs: its existence is not told

    r = _assign(env, did, "berit")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["investigator_id"] == "berit"

    # Berit reads it, sees it in Mina utredningar, and may start, write and complete the investigation only
    case, etag = _case(env, did, BERIT)
    assert case["allowed_commands"] == ["start_investigation"]
    mine = env.client.get("/api/v1/deviations?investigator=me", headers=berit).get_json()
    assert [item["id"] for item in mine["items"]] == [did] and mine["total"] == 1
    assert env.client.get("/api/v1/deviations?investigator=me", headers=chef).get_json()["total"] == 0
    assert env.client.get("/api/v1/deviations?investigator=berit", headers=chef).get_json()["items"][0]["id"] == did
    assert env.act(did, "start_investigation", berit, etag=etag).status_code == 200
    r = env.put(f"/api/v1/deviations/{did}/investigation",
                {"what_happened": "Golvet var vått", "why": "Ingen skylt", "what_must_change": "Skylt"}, berit)
    assert r.status_code == 200, r.get_json()
    case, _etag = _case(env, did, BERIT)
    assert "complete_investigation" in case["allowed_commands"]
    assert not {"reject", "close", "flag_possible_elsewhere"} & set(case["allowed_commands"])
    assert case["close_as_duplicate"] == {"allowed": False, "blocked": None}
    r = env.act(did, "complete_investigation", berit)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "investigated" and r.get_json()["allowed_commands"] == []

    # ... but closes nothing, and neither reassigns nor flags
    row = env.row(did)
    _refused(env, did, env.act(did, "close", berit), 403, "forbidden")
    _refused(env, did, env.act(did, "flag_possible_elsewhere", berit), 403, "forbidden")
    _refused(env, did, _assign(env, did, "berit2", who=BERIT), 403, "forbidden")
    _refused(env, did, _close_as_duplicate(env, did, "2026-000001", who=BERIT), 403, "forbidden")
    assert env.row(did) == row
    assert env.act(did, "close", chef).status_code == 200

    # the audit names the command; the event carries the user ids only, as actions' events carry their owner
    trail = env.client.get(f"/api/v1/deviations/{did}/audit", headers=env.auth(*KVAL_N)).get_json()
    assigned = next(entry for entry in trail if entry["action"] == "assign_investigator")
    assert assigned["actor"] == "erik" and "investigator_id" in assigned["changed_fields"]
    assert "investigator_id" not in (assigned["changed_values"] or {})  # a person: named, not valued
    [event] = _events(env, ASSIGNED)
    assert event == {"deviation_id": did, "kind": "avvikelse", "unit_id": U["e1"], "category_id": None,
                     "status": "received", "investigator_id": "berit", "previous_investigator_id": None,
                     "version": event["version"]}


def test_a_lex_investigator_does_not_decide_seriousness(env):
    did = env.report("lex_sarah")["id"]
    chef = env.auth(*CHEF_E1)
    assert env.act(did, "receive", chef).status_code == 200
    assert env.act(did, "start_investigation", chef).status_code == 200
    assert _assign(env, did, "berit").status_code == 200
    case, etag = _case(env, did, BERIT)
    assert case["allowed_commands"] == []  # complete waits for the text; nothing else is theirs
    r = env.client.put(f"/api/v1/deviations/{did}/seriousness", json={"serious": True},
                       headers={**env.auth(*BERIT), "If-Match": etag})
    _refused(env, did, r, 403, "not_delegated")  # the tenant's delegation names who decides


def test_the_investigator_is_changed_and_cleared_with_if_match(env):
    did = env.report("avvikelse")["id"]
    case, etag = _case(env, did)
    before = env.row(did)
    _refused(env, did, env.client.put(f"/api/v1/deviations/{did}/investigator", json={"investigator_id": "x"},
                                      headers=env.auth(*CHEF_E1)), 428, "if_match_required")
    _refused(env, did, _assign(env, did, "berit", etag=f'"{did}.0"'), 412, "stale_etag")
    for bad in ("två ord", "", "a" * 201, "<script>", 7):
        _refused(env, did, _assign(env, did, bad, etag=etag), 422, None)
    _refused(env, did, _assign(env, did, "berit", who=CHEF_E2), 404, "not_found")  # another unit's chef
    _refused(env, did, _assign(env, did, "berit", who=STAFF_E1), 404, "not_found")  # the reporter: the feedback view only
    _refused(env, did, _assign(env, "00000000-0000-0000-0000-000000000000", "berit"), 404, "not_found")
    assert env.row(did) == before

    assert _assign(env, did, "berit", etag=etag).status_code == 200
    assert _assign(env, did, "carl").get_json()["investigator_id"] == "carl"
    assert _read(env, did, BERIT).status_code == 404  # no longer theirs
    r = _assign(env, did, None)
    assert r.status_code == 200 and r.get_json()["investigator_id"] is None
    assert [(e["investigator_id"], e["previous_investigator_id"]) for e in _events(env, ASSIGNED)] == [
        ("berit", None), ("carl", "berit"), (None, "carl")]
    # ended: no more assigning
    assert env.act(did, "reject", env.auth(*CHEF_E1)).status_code == 200
    _refused(env, did, _assign(env, did, "berit"), 409, "case_closed")


# --------------------------------------------------------------------------
# Duplicates
# --------------------------------------------------------------------------

def _close_as_duplicate(env, did, master, who=CHEF_E1, etag=None, body=None):
    headers = env.auth(*who)
    etag = etag or env.client.get(f"/api/v1/deviations/{did}", headers=headers).headers.get("ETag", '"x.1"')
    return env.client.put(f"/api/v1/deviations/{did}/duplicate-of", json={"master": master} if body is None else body,
                          headers={**headers, "If-Match": etag})


def test_a_duplicate_is_closed_into_its_master_and_listed_on_it(env):
    chef = env.auth(*CHEF_E1)
    master = env.report("avvikelse")
    duplicate = env.report("avvikelse")
    late = env.report("avvikelse")
    for did in (duplicate["id"], late["id"]):
        assert env.act(did, "receive", chef).status_code == 200
    assert env.act(late["id"], "start_investigation", chef).status_code == 200  # under investigation, still a dup

    case, _etag = _case(env, duplicate["id"])
    assert case["close_as_duplicate"] == {"allowed": True, "blocked": None}
    assert "close_as_duplicate" not in case["allowed_commands"]  # not a transition: it needs its master
    r = _close_as_duplicate(env, duplicate["id"], master["reference"])
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "rejected" and body["duplicate_of_id"] == master["id"]
    assert body["duplicate_of_reference"] == master["reference"]
    assert body["rejection"]["reason"] == "duplicate" and body["rejection"]["duplicate_of"] == master["reference"]
    assert body["allowed_commands"] == [] and body["overdue"] == []
    assert body["close_as_duplicate"] == {"allowed": False, "blocked": None}
    r = _close_as_duplicate(env, late["id"], master["id"])  # by id as well
    assert r.status_code == 200, r.get_json()

    listed, _etag = _case(env, master["id"])
    assert [(d["id"], d["reference"], d["status"]) for d in listed["duplicates"]] == [
        (duplicate["id"], duplicate["reference"], "rejected"), (late["id"], late["reference"], "rejected")]
    assert listed["status"] == "reported" and listed["close_as_duplicate"]["allowed"] is False
    assert listed["close_as_duplicate"]["blocked"]["code"] == "master_of_duplicates"  # a master is no duplicate
    events = [e for e in _events(env, REJECTED)]
    assert [(e["deviation_id"], e["reason"], e["master_id"], e["rejected_from"]) for e in events] == [
        (duplicate["id"], "duplicate", master["id"], "received"), (late["id"], "duplicate", master["id"],
                                                                    "investigating")]
    assert all(set(e) <= {"deviation_id", "kind", "unit_id", "category_id", "status", "version", "rejected_at",
                          "rejected_from", "reason", "master_id"} for e in events)


def test_intake_reject_as_duplicate_still_works_and_links_the_master(env):
    chef = env.auth(*CHEF_E1)
    master, duplicate = env.report("avvikelse"), env.report("avvikelse")
    etag = env.client.get(f"/api/v1/deviations/{duplicate['id']}", headers=chef).headers["ETag"]
    r = env.client.post(f"/api/v1/deviations/{duplicate['id']}/transitions", headers={**chef, "If-Match": etag},
                        json={"command": "reject", "rejection": {"reason": "duplicate",
                                                                 "duplicate_of": master["reference"]}})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["duplicate_of_id"] == master["id"]
    assert [d["id"] for d in _case(env, master["id"])[0]["duplicates"]] == [duplicate["id"]]
    # a spam rejection names no master
    spam = env.report("avvikelse")["id"]
    assert env.act(spam, "reject", chef).status_code == 200
    assert _case(env, spam)[0]["duplicate_of_id"] is None
    assert "master_id" not in _events(env, REJECTED)[-1]


def test_duplicate_refusals_change_nothing(env):
    chef = env.auth(*CHEF_E1)
    master = env.report("avvikelse")
    did = env.report("avvikelse")["id"]
    other = env.client.post("/api/v1/deviations", headers=env.auth(*CHEF_B, tenant="1407"),
                            json={"kind": "avvikelse", "unit_id": U["eb"], "description": "Annan kommun"}).get_json()
    spam = env.report("avvikelse")["id"]
    assert env.act(spam, "reject", chef).status_code == 200
    first_dup = env.report("avvikelse")["id"]
    assert _close_as_duplicate(env, first_dup, master["id"]).status_code == 200
    e3_case = env.report("avvikelse", unit="e3", who=("ebba", ["medarbetare"], ["e3"]))
    sarah = env.report("lex_sarah")
    maria = env.report("lex_maria")
    case, etag = _case(env, did)
    before = env.row(did)

    def refused(response, status, code, case_id=did, row=None):
        _refused(env, case_id, response, status, code)
        assert env.row(case_id) == (row or before), "a refused command changed the case"

    refused(_close_as_duplicate(env, did, case["reference"]), 422, "invalid_duplicate")  # itself
    refused(_close_as_duplicate(env, did, did), 422, "invalid_duplicate")
    # another tenant's case by its id (a reference is read in the caller's own tenant: 2026-000001 is A's own)
    refused(_close_as_duplicate(env, did, other["id"]), 422, "unknown_case")
    refused(_close_as_duplicate(env, did, "2099-999999"), 422, "unknown_case")
    refused(_close_as_duplicate(env, did, "00000000-0000-0000-0000-000000000000"), 422, "unknown_case")
    refused(_close_as_duplicate(env, did, first_dup), 422, "invalid_duplicate")  # a duplicate as master
    refused(_close_as_duplicate(env, did, spam), 422, "invalid_duplicate")  # a rejected case as master
    refused(_close_as_duplicate(env, did, e3_case["reference"]), 422, "unknown_case")  # not readable to erik
    refused(_close_as_duplicate(env, did, "not a case"), 422, None)
    refused(_close_as_duplicate(env, did, master["reference"], etag=f'"{did}.9"'), 412, "stale_etag")
    refused(_close_as_duplicate(env, did, None, body={}), 422, None)  # no master
    refused(_close_as_duplicate(env, did, None, body={"master": master["id"], "command": "reject"}), 422, None)
    refused(_close_as_duplicate(env, did, None, body={"master": 7}), 422, None)
    refused(env.client.put(f"/api/v1/deviations/{did}/duplicate-of", json={"master": master["id"]}, headers=chef),
            428, "if_match_required")
    refused(env.client.post(f"/api/v1/deviations/{did}/transitions", headers={**chef, "If-Match": etag},
                            json={"command": "close_as_duplicate", "master": master["id"]}), 422, None)
    refused(_close_as_duplicate(env, did, master["id"], who=STAFF_E1), 404, "not_found")  # the reporter: the feedback view only
    # a kvalitetsutvecklare of the whole tenant handles both; the chef of e3 reads neither
    refused(_close_as_duplicate(env, did, master["id"], who=CHEF_E3), 404, "not_found")
    # a lex case only into a case of its own kind (its seriousness decision and IVO report are the event's)
    sarah_row = env.row(sarah["id"])
    refused(_close_as_duplicate(env, sarah["id"], maria["id"]), 422, "invalid_duplicate", sarah["id"], sarah_row)
    refused(_close_as_duplicate(env, sarah["id"], master["id"]), 422, "invalid_duplicate", sarah["id"], sarah_row)
    # an ended case is no duplicate any more
    refused(_close_as_duplicate(env, spam, master["id"]), 409, "illegal_transition", spam, env.row(spam))
    # the handler of one case only: MAS reads the master (an avvikelse) but handles no avvikelse
    refused(_close_as_duplicate(env, did, master["id"], who=MAS_F), 403, "forbidden")
    assert _close_as_duplicate(env, did, master["id"], who=KVAL_N).status_code == 200


def test_a_master_of_duplicates_is_not_made_a_duplicate_itself(env):
    """Neither by close_as_duplicate nor by an intake rejection as a duplicate: 409, nothing stored, no event."""
    chef = env.auth(*CHEF_E1)
    master, duplicate, other = env.report("avvikelse"), env.report("avvikelse"), env.report("avvikelse")
    assert _close_as_duplicate(env, duplicate["id"], master["reference"]).status_code == 200
    case, etag = _case(env, master["id"])
    assert case["close_as_duplicate"]["allowed"] is False
    before, events = env.row(master["id"]), len(_events(env, REJECTED))
    r = _close_as_duplicate(env, master["id"], other["reference"])
    _refused(env, master["id"], r, 409, "master_of_duplicates")
    detail = r.get_json()["detail"]
    assert "huvudärende för 1 dubblett" in detail and "master of 1 duplicate" in detail
    r = env.client.post(f"/api/v1/deviations/{master['id']}/transitions", headers={**chef, "If-Match": etag},
                        json={"command": "reject", "rejection": {"reason": "duplicate",
                                                                 "duplicate_of": other["reference"]}})
    _refused(env, master["id"], r, 409, "master_of_duplicates")
    assert env.row(master["id"]) == before and len(_events(env, REJECTED)) == events
    # the other way round is the way: the other case closes into the master
    assert _close_as_duplicate(env, other["id"], master["id"]).status_code == 200
    assert [d_["id"] for d_ in _case(env, master["id"])[0]["duplicates"]] == [duplicate["id"], other["id"]]
    # and the master may still end as spam (no duplicate of anything)
    assert env.act(master["id"], "reject", chef).status_code == 200


def test_open_actions_keep_a_duplicate_open(env):
    chef = env.auth(*CHEF_E1)
    master, did = env.report("avvikelse"), env.report("avvikelse")["id"]
    r = env.client.post(f"/api/v1/deviations/{did}/actions", headers=chef,
                        json={"title": "Skylt", "owner": "erik", "due_date": "2030-06-30"})
    assert r.status_code == 201
    case, _etag = _case(env, did)
    assert case["close_as_duplicate"]["allowed"] is False
    assert case["close_as_duplicate"]["blocked"]["code"] == "open_actions_remain"
    assert "förbättringsåtgärd" in case["close_as_duplicate"]["blocked"]["reason"]
    row = env.row(did)
    _refused(env, did, _close_as_duplicate(env, did, master["id"]), 409, "open_actions_remain")
    assert env.row(did) == row


# --------------------------------------------------------------------------
# The involved unit
# --------------------------------------------------------------------------

def test_the_involved_unit_reads_and_filters(env):
    did = env.report("avvikelse", involved_unit_id=U["e3"])["id"]
    plain = env.report("avvikelse")["id"]
    case, _etag = _case(env, did, CHEF_E3)  # the involved unit's chef reads it ...
    assert case["involved_unit_id"] == U["e3"] and case["involved_unit_name"] == "enhet e3"
    assert case["allowed_commands"] == []  # ... and handles nothing on it
    assert _read(env, plain, CHEF_E3).status_code == 404
    r = _assign(env, did, "x", who=CHEF_E3)
    _refused(env, did, r, 403, "forbidden")
    listed = env.client.get("/api/v1/deviations", headers=env.auth(*CHEF_E3)).get_json()
    assert [item["id"] for item in listed["items"]] == [did]
    chef = env.auth(*CHEF_E1)
    by_involved = env.client.get(f"/api/v1/deviations?involved_unit_id={U['e3']}", headers=chef).get_json()
    assert [item["id"] for item in by_involved["items"]] == [did]
    by_branch = env.client.get(f"/api/v1/deviations?involved_unit_id={U['f2']}&unit_id={U['e1']}",
                               headers=env.auth(*KVAL_N)).get_json()
    assert [item["id"] for item in by_branch["items"]] == [did]
    [reported] = [e for e in _events(env, REPORTED) if e["deviation_id"] == did]
    assert reported["involved_unit_id"] == U["e3"]

    # changed and cleared by the case's handlers (PATCH, If-Match), each an event with the ids
    r = env.client.patch(f"/api/v1/deviations/{did}", json={"involved_unit_id": U["e2"]},
                         headers={**chef, "If-Match": env.etag(f"/api/v1/deviations/{did}", chef)})
    assert r.status_code == 200 and r.get_json()["involved_unit_id"] == U["e2"]
    assert _read(env, did, CHEF_E3).status_code == 404
    r = env.client.patch(f"/api/v1/deviations/{did}", json={"involved_unit_id": None},
                         headers={**chef, "If-Match": r.headers["ETag"]})
    assert r.status_code == 200 and r.get_json()["involved_unit_id"] is None
    assert [(e["involved_unit_id"], e["previous_involved_unit_id"]) for e in _events(env, INVOLVED)] == [
        (U["e2"], U["e3"]), (None, U["e2"])]


def test_involved_unit_refusals(env):
    chef = env.auth(*CHEF_E1)
    counts = env.counts()
    for unit, code in ((U["e1"], "invalid_involved_unit"), (U["eb"], "unknown_unit"),
                       ("00000000-0000-0000-0000-000000000000", "unknown_unit"), ("e3", None)):
        r = env.client.post("/api/v1/deviations", headers=env.auth(*STAFF_E1),
                            json={"kind": "avvikelse", "unit_id": U["e1"], "description": "x",
                                  "involved_unit_id": unit})
        _refused(env, None, r, 422, code)
    assert env.counts() == counts
    did = env.report("avvikelse")["id"]
    etag = env.etag(f"/api/v1/deviations/{did}", chef)
    row = env.row(did)
    for unit, status, code, who in ((U["e1"], 422, "invalid_involved_unit", CHEF_E1),
                                    (U["eb"], 422, "unknown_unit", CHEF_E1),
                                    (U["e3"], 404, "not_found", STAFF_E1)):
        r = env.client.patch(f"/api/v1/deviations/{did}", json={"involved_unit_id": unit},
                             headers={**env.auth(*who), "If-Match": etag})
        _refused(env, did, r, status, code)
    r = env.client.patch(f"/api/v1/deviations/{did}", json={"involved_unit_id": U["e3"]},
                         headers={**chef, "If-Match": f'"{did}.7"'})
    _refused(env, did, r, 412, "stale_etag")
    assert env.row(did) == row


# --------------------------------------------------------------------------
# Occurred-at with its time
# --------------------------------------------------------------------------

def test_occurred_at_keeps_its_time_of_day(env):
    # Swedish local time without an offset (as the web form sends it), in winter and in summer time
    for given, answered, utc in (("2026-01-15T07:45", "2026-01-15T07:45:00+01:00", "2026-01-15T06:45:00+00:00"),
                                 ("2026-07-01T23:10", "2026-07-01T23:10:00+02:00", "2026-07-01T21:10:00+00:00"),
                                 ("2026-03-02T18:30:00+01:00", "2026-03-02T18:30:00+01:00",
                                  "2026-03-02T17:30:00+00:00")):
        case = env.report("avvikelse", occurred_at=given)
        assert case["occurred_at"] == answered
        assert _case(env, case["id"])[0]["occurred_at"] == answered
        [event] = [e for e in _events(env, REPORTED) if e["deviation_id"] == case["id"]]
        assert event["occurred_at"] == utc


def test_occurred_at_edges_are_refused_clearly(env):
    counts = env.counts()
    for value, words in (("2999-01-01T10:00", "efter anmälan"), ("1899-12-31T23:00", "1900"),
                         ("2026-03-29T02:30", "svensk tid"), ("igår", None)):
        r = env.client.post("/api/v1/deviations", headers=env.auth(*STAFF_E1),
                            json={"kind": "avvikelse", "unit_id": U["e1"], "description": "x", "occurred_at": value})
        assert r.status_code == 422, (value, r.get_json())
        assert r.headers["Content-Type"] == PROBLEM
        if words:
            assert words in json.dumps(r.get_json(), ensure_ascii=False), (value, r.get_json())
    assert env.counts() == counts
