"""Issue 14's "done when" for lex Sarah and lex Maria in full, on PostgreSQL: a citizen's klagomål reclassified to
lex Sarah with the new kind's deadlines and its history kept; a lex Sarah decision refused for the reporter (jäv)
and accepted for the delegated förvaltningschef of the role copy; a lex case that cannot close before the person
concerned is informed; named involved staff who neither read nor decide; bad input refused with nothing stored;
events with codes and dates, never text."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from ordning_deviations import domain as d
from ordning_shared.workdays import today_in_sweden

from .conftest import ADMIN, CHEF_E1, FCHEF_F, KVAL_N, MAS_F, STAFF_E1, U

pytestmark = pytest.mark.integration
KVAL_B = ("kim", ["kvalitetsutvecklare"], ["fb"])
OTHER_FCHEF = ("fredrik", ["forvaltningschef"], ["f"])  # the förvaltningschef of the role copy (below)
OLLE = ("olle", ["kvalitetsutvecklare"], ["n"])  # a reader of every case of tenant A, until named involved
NOTE = "Anhörig ringde och berättade mer"
VIEW = "Dottern vill att kvällsrutinen ses över"
MOTIVERING = "Brukaren lämnades utan tillsyn i fyra timmar"


def etag(env, did, headers):
    return env.client.get(f"/api/v1/deviations/{did}", headers=headers).headers["ETag"]


def reclassify(env, did, body, headers, if_match=None):
    return env.client.post(f"/api/v1/deviations/{did}/reclassify", json=body,
                           headers={**headers, "If-Match": if_match or etag(env, did, headers)})


def outbox(env, event_type) -> list[dict]:
    table = env.platform.tables.outbox
    with env.platform.engine.connect() as conn:
        return [json.loads(body) for body in conn.execute(
            sa.select(table.c.body).where(table.c.type == event_type).order_by(table.c.id)).scalars()]


def assign(env, role, unit, user, tenant="0138"):
    """A role assignment in the deviations service's copy, as the processes service's role events leave it."""
    with env.platform.engine.begin() as conn:
        conn.execute(env.platform.tables.role_holders.insert().values(
            tenant=tenant, assignment_id=f"ra-{user}-{role}", role=role, unit_id=U[unit], process_id=None,
            user_id=user, valid_from=date(2020, 1, 1), valid_to=None, ended_at=None, version=1))


def stored(env) -> dict:
    """Every table's row count but the read log's (reading a lex case to get its ETag is logged)."""
    return {name: count for name, count in env.counts().items() if name != "read_log"}


def investigating(env, kind, reporter=STAFF_E1, handler=KVAL_N) -> str:
    did = env.report(kind, who=reporter)["id"]
    headers = env.auth(*handler)
    for command in ("receive", "start_investigation"):
        assert env.act(did, command, headers).status_code == 200
    return did


def investigated(env, did, handler=KVAL_N):
    headers = env.auth(*handler)
    assert env.put(f"/api/v1/deviations/{did}/investigation", {"what_happened": "Fall", "why": "Halt golv",
                                                                "what_must_change": "Halkskydd"},
                   headers).status_code == 200
    assert env.act(did, "complete_investigation", headers).status_code == 200


# --------------------------------------------------------------------------
# 1. Reclassification
# --------------------------------------------------------------------------

def test_a_citizens_klagomal_reclassified_to_lex_sarah_gets_new_deadlines_and_keeps_its_history(env):
    c, kval, admin = env.client, env.auth(*KVAL_N), env.auth(*ADMIN)
    # the tenant's own lex Sarah deadlines, so that the new due dates are the new kind's and no other
    put = c.put("/api/v1/deadline-policies/lex_sarah", json={"receipt_days": 3, "investigation_days": 25,
                                                              "ivo_report_days": 7},
                headers={**admin, "If-Match": '"lex_sarah.0"'})
    assert put.status_code == 200, put.get_json()
    receipt = c.post("/api/v1/public/0138/feedback", json={"kind": "klagomal", "unit_id": U["e1"],
                                                            "description": "Min mamma lämnades ensam",
                                                            "anonymous": True})
    assert receipt.status_code == 201
    reference = receipt.get_json()["reference"]
    case = c.get(f"/api/v1/deviations/by-reference/{reference}", headers=kval).get_json()
    did = case["id"]
    assert env.act(did, "receive", kval).status_code == 200
    assert env.act(did, "start_investigation", kval).status_code == 200

    r = reclassify(env, did, {"kind": "lex_sarah", "reason_code": "investigation_finding", "note": NOTE}, kval)
    assert r.status_code == 200, r.get_json()
    after = r.get_json()
    today = d.local_date(datetime.now(timezone.utc))
    receipt_due, investigation_due, _ = d.DeadlinePolicy(d.Kind.lex_sarah, 3, 25, 7).due_dates(today)
    assert (after["id"], after["reference"], after["origin"], after["status"]) == (did, reference, "citizen",
                                                                                   "investigating")
    assert after["kind"] == "lex_sarah" and after["kind_label_sv"] == "lex Sarah"
    # the IVO deadline ("snarast") comes with the seriousness decision, in calendar days from it (issue 14 item 4)
    assert (after["receipt_due"], after["investigation_due"], after["ivo_due"]) == (
        receipt_due.isoformat(), investigation_due.isoformat(), None)
    assert after["reclassification"]["previous_kind"] == "klagomal"
    assert after["reclassification"]["reason"] == "investigation_finding"
    assert after["reclassification"]["note"] == NOTE and after["version"] == case["version"] + 3
    assert r.headers["ETag"] == f'"{did}.{after["version"]}"'

    # the history: the report, the handling and the reclassification, the kind's change named in the trail
    trail = c.get(f"/api/v1/deviations/{did}/audit", headers=kval).get_json()
    assert [e["action"] for e in trail] == ["report", "receive", "start_investigation", "reclassify"]
    assert trail[-1]["changed_values"]["kind"] == ["klagomal", "lex_sarah"]
    assert NOTE not in json.dumps(trail)

    # the event: codes and the new dates, no text
    [event] = outbox(env, d.RECLASSIFIED)
    data = event["data"]
    assert (data["previous_kind"], data["kind"], data["reason"]) == ("klagomal", "lex_sarah", "investigation_finding")
    assert (data["receipt_due"], data["investigation_due"], data["ivo_due"]) == (
        receipt_due.isoformat(), investigation_due.isoformat(), None)
    assert NOTE not in json.dumps(event)

    # now lex Sarah: the citizen's receipt still finds it, and a reclassification back is allowed
    back = reclassify(env, did, {"kind": "klagomal", "reason_code": "new_facts"}, kval)
    assert back.status_code == 200 and back.get_json()["kind"] == "klagomal" and back.get_json()["ivo_due"] is None
    # a citizen's case does not become an avvikelse
    r = reclassify(env, did, {"kind": "avvikelse", "reason_code": "new_facts"}, kval)
    assert r.status_code == 422 and r.get_json()["code"] == "reclassification_not_allowed"


def test_leaving_lex_removes_the_seriousness_decision_and_the_informing_and_a_reported_case_stays(env):
    kval, mas = env.auth(*KVAL_N), env.auth(*MAS_F)
    did = investigating(env, "lex_maria")
    assert env.put(f"/api/v1/deviations/{did}/seriousness", {"outcome": "vardskada", "motivering": MOTIVERING},
                   mas).status_code == 200
    assert env.put(f"/api/v1/deviations/{did}/informing", {"not_informed_reason": "unreachable"},
                   kval).status_code == 200
    r = reclassify(env, did, {"kind": "avvikelse", "reason_code": "wrong_kind_reported"}, kval)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["seriousness"] is None and body["informing"] is None and body["ivo_due"] is None
    data = outbox(env, d.RECLASSIFIED)[-1]["data"]
    assert data["seriousness_cleared"] is True and data["informing_cleared"] is True

    # a case reported to IVO stays what it was reported as
    other = investigating(env, "lex_maria")
    assert env.put(f"/api/v1/deviations/{other}/seriousness", {"outcome": "allvarlig_vardskada",
                                                                "motivering": MOTIVERING}, mas).status_code == 200
    assert env.put(f"/api/v1/deviations/{other}/ivo-report", {"reported_on": today_in_sweden().isoformat(),
                                                              "reference": "IVO 3.5.1-1/2026"}, mas).status_code == 200
    r = reclassify(env, other, {"kind": "lex_sarah", "reason_code": "new_facts"}, kval)
    assert r.status_code == 409 and r.get_json()["code"] == "ivo_already_reported"


def test_patch_of_the_kind_names_the_command(env):
    kval = env.auth(*KVAL_N)
    did = env.report()["id"]
    r = env.client.patch(f"/api/v1/deviations/{did}", json={"kind": "lex_sarah"},
                         headers={**kval, "If-Match": etag(env, did, kval)})
    assert r.status_code == 422 and "/reclassify" in json.dumps(r.get_json())


def test_bad_reclassifications_are_refused_and_store_nothing(env):
    kval = env.auth(*KVAL_N)
    did = investigating(env, "avvikelse")
    synpunkt = env.report("synpunkt")["id"]
    current = etag(env, did, kval)
    before = stored(env)
    refusals = [
        (reclassify(env, did, {"kind": "lex_sarah", "reason_code": "because"}, kval), 422, None),
        (reclassify(env, did, {"kind": "lex_hans", "reason_code": "new_facts"}, kval), 422, None),
        (reclassify(env, did, {"kind": "lex_sarah", "reason_code": "other"}, kval), 422, "invalid_reclassification"),
        (reclassify(env, did, {"kind": "klagomal", "reason_code": "new_facts"}, kval), 422,
         "reclassification_not_allowed"),
        (reclassify(env, synpunkt, {"kind": "lex_sarah", "reason_code": "new_facts"}, kval), 422,
         "reclassification_not_allowed"),
        (reclassify(env, did, {"kind": "lex_sarah", "reason_code": "new_facts"}, kval,
                    if_match=f'"{did}.1"'), 412, None),
        # another tenant's handler: no such case
        (reclassify(env, did, {"kind": "lex_sarah", "reason_code": "new_facts"}, env.auth(*KVAL_B, tenant="1407"),
                    if_match=current), 404, None),
        # the reporter sees only the feedback view; MAS handles lex Maria, not avvikelser
        (reclassify(env, did, {"kind": "lex_sarah", "reason_code": "new_facts"}, env.auth(*STAFF_E1),
                    if_match=current), 404, None),
        (reclassify(env, did, {"kind": "lex_maria", "reason_code": "new_facts"}, env.auth(*MAS_F),
                    if_match=current), 403, None),
    ]
    for response, status, code in refusals:
        assert response.status_code == status, response.get_json()
        assert response.headers["Content-Type"] == "application/problem+json"
        if code:
            assert response.get_json()["code"] == code
    assert stored(env) == before and etag(env, did, kval) == current


# --------------------------------------------------------------------------
# 3. Delegation and jäv
# --------------------------------------------------------------------------

def test_a_lex_sarah_decision_is_refused_for_the_reporter_and_made_by_the_delegated_forvaltningschef(env):
    c = env.client
    # the role copy (from the processes service's events): two förvaltningschefer of förvaltning f
    assign(env, "forvaltningschef", "f", "frida")
    assign(env, "forvaltningschef", "f", "fredrik")
    assign(env, "enhetschef", "e1", "erik")
    did = investigating(env, "lex_sarah", reporter=FCHEF_F)  # reported by the förvaltningschef herself
    frida, fredrik = env.auth(*FCHEF_F), env.auth(*OTHER_FCHEF)
    decision = {"outcome": "missforhallande", "motivering": MOTIVERING}

    # jäv: she holds the delegation, but reported the case; the case says so before she tries
    case = c.get(f"/api/v1/deviations/{did}", headers=frida).get_json()
    assert {"command": "decide_seriousness", "code": "disqualified"} in [
        {k: b[k] for k in ("command", "code")} for b in case["blocked_commands"]]
    r = env.put(f"/api/v1/deviations/{did}/seriousness", decision, frida)
    assert r.status_code == 403 and r.get_json()["code"] == "disqualified"
    # not delegated: the enhetschef, and a token's förvaltningschef the role copy does not know
    r = env.put(f"/api/v1/deviations/{did}/seriousness", decision, env.auth(*CHEF_E1))
    assert r.status_code == 403 and r.get_json()["code"] == "not_delegated"
    r = env.put(f"/api/v1/deviations/{did}/seriousness", decision,
                env.auth("falk", ["forvaltningschef"], ["f"]))
    assert r.status_code == 403 and r.get_json()["code"] == "not_delegated"
    # the other list's outcome, and an outcome without its motivering
    assert env.put(f"/api/v1/deviations/{did}/seriousness", {"outcome": "vardskada", "motivering": "x"},
                   fredrik).get_json()["code"] == "invalid_outcome"
    assert env.put(f"/api/v1/deviations/{did}/seriousness", {"outcome": "missforhallande"},
                   fredrik).status_code == 422
    assert outbox(env, d.SERIOUSNESS_DECIDED) == []

    r = env.put(f"/api/v1/deviations/{did}/seriousness", decision, fredrik)
    assert r.status_code == 200, r.get_json()
    seriousness = r.get_json()["seriousness"]
    assert (seriousness["serious"], seriousness["outcome"], seriousness["decided_by"]) == (True, "missforhallande",
                                                                                           "fredrik")
    assert seriousness["motivering"] == MOTIVERING
    assert seriousness["delegation_reference"] == d.DEFAULT_LEX_POLICIES[d.Kind.lex_sarah].delegation_reference
    assert r.get_json()["outcome_label_sv"] == "allvarligt missförhållande"
    [event] = outbox(env, d.SERIOUSNESS_DECIDED)
    assert (event["data"]["serious"], event["data"]["outcome"]) == (True, "missforhallande")
    assert MOTIVERING not in json.dumps(event)


def test_the_tenants_delegation_names_the_role_and_level_and_its_reference_goes_with_the_decision(env):
    c, admin = env.client, env.auth(*ADMIN)
    read = c.get("/api/v1/lex-policies/lex_sarah", headers=admin)
    assert read.status_code == 200 and read.get_json()["default"] is True
    assert read.get_json()["decider_roles"] == ["forvaltningschef"] and read.headers["ETag"] == '"lex_sarah.0"'
    policy = {"decider_roles": ["verksamhetschef"], "decider_level": "division",
              "delegation_reference": "Delegationsordning 2026 p. 4.2", "informing_required": True}
    for bad in ({**policy, "decider_roles": ["medarbetare"]}, {**policy, "decider_level": "planet"},
                {**policy, "delegation_reference": ""}):
        r = c.put("/api/v1/lex-policies/lex_sarah", json=bad, headers={**admin, "If-Match": '"lex_sarah.0"'})
        assert r.status_code == 422, bad
    assert c.put("/api/v1/lex-policies/lex_sarah", json=policy,
                 headers={**env.auth(*KVAL_N), "If-Match": '"lex_sarah.0"'}).status_code == 403
    assert c.put("/api/v1/lex-policies/avvikelse", json=policy,
                 headers={**admin, "If-Match": '"avvikelse.0"'}).status_code == 404
    r = c.put("/api/v1/lex-policies/lex_sarah", json=policy, headers={**admin, "If-Match": '"lex_sarah.0"'})
    assert r.status_code == 200 and r.get_json()["version"] == 1 and r.headers["ETag"] == '"lex_sarah.1"'
    assert c.put("/api/v1/lex-policies/lex_sarah", json=policy,
                 headers={**admin, "If-Match": '"lex_sarah.0"'}).status_code == 412
    # the other tenant keeps the default
    assert c.get("/api/v1/lex-policies/lex_sarah",
                 headers=env.auth(*KVAL_B, tenant="1407")).get_json()["default"] is True

    assign(env, "verksamhetschef", "v", "vera")  # held at the division (verksamhetsområde) above e1
    assign(env, "verksamhetschef", "e1", "vilma")  # held at the unit: not the delegation's level
    did = investigating(env, "lex_sarah")
    decision = {"outcome": "inte_missforhallande", "motivering": MOTIVERING}
    r = env.put(f"/api/v1/deviations/{did}/seriousness", decision, env.auth("vilma", ["verksamhetschef"], ["e1"]))
    assert r.status_code == 403 and r.get_json()["code"] == "not_delegated"
    r = env.put(f"/api/v1/deviations/{did}/seriousness", decision, env.auth(*FCHEF_F))  # no longer the delegate
    assert r.status_code == 403
    r = env.put(f"/api/v1/deviations/{did}/seriousness", decision, env.auth("vera", ["verksamhetschef"], ["v"]))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["seriousness"]["delegation_reference"] == "Delegationsordning 2026 p. 4.2"
    assert r.get_json()["seriousness"]["serious"] is False


# --------------------------------------------------------------------------
# 2. Informing the person concerned
# --------------------------------------------------------------------------

def test_a_lex_case_cannot_close_before_the_person_concerned_is_informed(env):
    c, kval, mas = env.client, env.auth(*KVAL_N), env.auth(*MAS_F)
    did = investigating(env, "lex_maria")
    assert env.put(f"/api/v1/deviations/{did}/seriousness", {"outcome": "ingen_vardskada", "motivering": MOTIVERING},
                   mas).status_code == 200
    investigated(env, did)
    case = c.get(f"/api/v1/deviations/{did}", headers=kval).get_json()
    assert "close" not in case["allowed_commands"]
    assert [(b["command"], b["code"]) for b in case["blocked_commands"]] == [("close", "informing_required")]
    r = env.act(did, "close", kval)
    assert r.status_code == 409 and r.get_json()["code"] == "informing_required"

    # bad informing: unknown codes, both kinds of answer, a day in the future; nothing stored
    before = stored(env)
    for bad in ({"informed_on": today_in_sweden().isoformat(), "method": "pigeon", "recipient": "narstaende"},
                {"informed_on": today_in_sweden().isoformat(), "method": "phone", "recipient": "granne"},
                {"not_informed_reason": "forgot"}, {"not_informed_reason": "other"},
                {"informed_on": "2999-01-01", "method": "phone", "recipient": "narstaende"},
                {"informed_on": today_in_sweden().isoformat(), "method": "phone", "recipient": "narstaende",
                 "not_informed_reason": "declined"}):
        r = env.put(f"/api/v1/deviations/{did}/informing", bad, kval)
        assert r.status_code == 422, (bad, r.get_json())
    assert stored(env) == before

    r = env.put(f"/api/v1/deviations/{did}/informing", {
        "informed_on": today_in_sweden().isoformat(), "method": "phone", "recipient": "narstaende", "view": VIEW}, kval)
    assert r.status_code == 200, r.get_json()
    informing = r.get_json()["informing"]
    assert (informing["informed"], informing["method"], informing["recipient"], informing["view"]) == (
        True, "phone", "narstaende", VIEW)
    assert informing["recorded_by"] == "karl" and informing["method_label_sv"] == "per telefon"
    # their view is for the case's readers: the reporter follows their own report in the feedback view only
    assert c.get(f"/api/v1/deviations/{did}", headers=env.auth(*STAFF_E1)).status_code == 404
    mine = c.get(f"/api/v1/deviations/{did}/feedback", headers=env.auth(*STAFF_E1))
    assert mine.status_code == 200 and VIEW not in mine.get_data(as_text=True) and "informing" not in mine.get_json()
    [event] = outbox(env, d.INFORMING_RECORDED)
    assert (event["data"]["informed"], event["data"]["method"], event["data"]["recipient"]) == (
        True, "phone", "narstaende")
    assert VIEW not in json.dumps(event)
    r = env.act(did, "close", kval)
    assert r.status_code == 200 and r.get_json()["status"] == "closed"

    # informing is for lex cases only
    plain = investigating(env, "avvikelse")
    r = env.put(f"/api/v1/deviations/{plain}/informing", {"not_informed_reason": "declined"}, kval)
    assert r.status_code == 422 and r.get_json()["code"] == "informing_not_applicable"


def test_a_tenant_that_turns_the_requirement_off_closes_without_the_informing(env):
    c, admin, mas, kval = env.client, env.auth(*ADMIN), env.auth(*MAS_F), env.auth(*KVAL_N)
    current = c.get("/api/v1/lex-policies/lex_maria", headers=admin).get_json()
    r = c.put("/api/v1/lex-policies/lex_maria", json={
        "decider_roles": current["decider_roles"], "decider_level": current["decider_level"],
        "delegation_reference": current["delegation_reference"], "informing_required": False},
        headers={**admin, "If-Match": '"lex_maria.0"'})
    assert r.status_code == 200, r.get_json()
    did = investigating(env, "lex_maria")
    assert env.put(f"/api/v1/deviations/{did}/seriousness", {"outcome": "ingen_vardskada", "motivering": MOTIVERING},
                   mas).status_code == 200
    investigated(env, did)
    assert "close" in c.get(f"/api/v1/deviations/{did}", headers=kval).get_json()["allowed_commands"]
    assert env.act(did, "close", kval).status_code == 200


# --------------------------------------------------------------------------
# 7 (part). Named involved staff
# --------------------------------------------------------------------------

def test_named_involved_staff_neither_read_nor_decide_the_case(env):
    c, kval = env.client, env.auth(*KVAL_N)
    assign(env, "forvaltningschef", "f", "frida")
    did = investigating(env, "lex_sarah")
    olle = env.auth(*OLLE)
    assert c.get(f"/api/v1/deviations/{did}", headers=olle).status_code == 200  # a reader, for now
    r = c.put(f"/api/v1/deviations/{did}/involved-staff", json={"user_ids": ["olle", "frida"]},
              headers={**olle, "If-Match": etag(env, did, olle)})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["involved_staff"] == ["frida", "olle"]

    assert c.get(f"/api/v1/deviations/{did}", headers=olle).status_code == 404
    assert did not in [item["id"] for item in c.get("/api/v1/deviations", headers=olle).get_json()["items"]]
    assert did in [item["id"] for item in c.get("/api/v1/deviations", headers=kval).get_json()["items"]]
    assert env.act(did, "complete_investigation", olle, etag=etag(env, did, kval)).status_code == 404
    # the delegated förvaltningschef named as involved: jäv, as the case tells her
    frida = env.auth(*FCHEF_F)
    case = c.get(f"/api/v1/deviations/{did}", headers=frida)
    assert case.status_code == 404  # a party to the case does not see it, so does not decide it either
    r = c.put(f"/api/v1/deviations/{did}/seriousness", json={"outcome": "missforhallande", "motivering": MOTIVERING},
              headers={**frida, "If-Match": etag(env, did, kval)})
    assert r.status_code == 404
    # the audit trail counts them, never names them
    trail = c.get(f"/api/v1/deviations/{did}/audit", headers=kval).get_json()
    assert trail[-1]["action"] == "name_involved_staff" and "olle" not in json.dumps(trail[-1]["changed_values"])
    # cleared: they read it again
    r = c.put(f"/api/v1/deviations/{did}/involved-staff", json={"user_ids": []},
              headers={**kval, "If-Match": etag(env, did, kval)})
    assert r.status_code == 200 and r.get_json()["involved_staff"] == []
    assert c.get(f"/api/v1/deviations/{did}", headers=olle).status_code == 200
