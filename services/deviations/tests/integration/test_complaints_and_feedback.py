"""Issue 14, items 6 and 7 over PostgreSQL: a klagomål's complainant (read by its handlers only, in no event or
audit record), its answer and the overdue flag after the tenant's deadline, the receipt's promise following the
tenant's setting, the reporter's feedback view (and 404 on the rest of the case), reporters' names hidden."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from ordning_shared.auth import Principal
from ordning_shared.retention import PSEUDONYMISED_TEXT

from ordning_deviations import db, service
from ordning_deviations.domain import local_date
from ordning_shared.workdays import today_in_sweden

from .conftest import A, ADMIN, B, CHEF_E1, CHEF_E2, KVAL_N, MAS_F, STAFF_E1, U

pytestmark = pytest.mark.integration

PROBLEM = "application/problem+json"
CONTACT = {"name": "Greta Lind", "phone": "070-765 43 21", "email": "greta.lind@example.se",
           "address": "Björkvägen 7, 135 40 Tyresö"}


def etag(env, headers, deviation_id):
    return env.client.get(f"/api/v1/deviations/{deviation_id}", headers=headers).headers["ETag"]


def put(env, path, body, headers, deviation_id, if_match=None):
    return env.client.put(path, json=body, headers={
        **headers, "If-Match": if_match or etag(env, headers, deviation_id)})


def complaint(env, who=CHEF_E1):
    return env.report("klagomal", who=who)["id"]


def record_complainant(env, did, body=None, headers=None):
    headers = headers or env.auth(*CHEF_E1)
    return put(env, f"/api/v1/deviations/{did}/complainant",
               body or {"relation": "narstaende", "channel": "phone", **CONTACT}, headers, did)


def audit_and_outbox_text(env) -> str:
    with env.platform.engine.connect() as conn:
        audit = conn.execute(sa.select(env.platform.tables.audit_log)).all()
        outbox = conn.execute(sa.select(env.platform.tables.outbox.c.body)).scalars().all()
    return json.dumps([dict(row._mapping) for row in audit], default=str) + json.dumps(outbox, default=str)


# ---- 6. complaints answered ---------------------------------------------------------------------------------

def test_the_complainant_is_read_by_the_handlers_only_and_is_in_no_event_or_audit_record(env):
    c, chef = env.client, env.auth(*CHEF_E1)
    did = complaint(env, who=STAFF_E1)  # a medarbetare took the phone call
    r = record_complainant(env, did)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["relation"] == "narstaende" and r.get_json()["name"] == CONTACT["name"]
    got = c.get(f"/api/v1/deviations/{did}/complainant", headers=chef)
    assert got.status_code == 200 and {k: got.get_json()[k] for k in CONTACT} == CONTACT
    assert got.get_json()["channel_label_sv"] == "telefon"
    # the case names the codes only; the details are in their own table
    case = c.get(f"/api/v1/deviations/{did}", headers=chef).get_json()
    assert case["complainant_relation"] == "narstaende" and case["complaint_channel"] == "phone"
    assert CONTACT["name"] not in json.dumps(case) and CONTACT["phone"] not in json.dumps(case)
    with env.platform.engine.connect() as conn:
        assert conn.execute(sa.select(db.complainant_contacts.c.email)).scalar_one() == CONTACT["email"]
    # not the reporter, not a chef of another unit, not another tenant
    for headers in (env.auth(*STAFF_E1), env.auth(*CHEF_E2), env.auth("bertil", ["enhetschef"], ["fb"], tenant=B)):
        r = c.get(f"/api/v1/deviations/{did}/complainant", headers=headers)
        assert r.status_code == 404 and r.headers["Content-Type"] == PROBLEM
    # a reader of the case who does not handle it (kvalitetsutvecklare handles klagomål; MAS reads no klagomål)
    assert c.get(f"/api/v1/deviations/{did}/complainant", headers=env.auth(*MAS_F)).status_code == 404
    # events: the codes, never the person
    text = audit_and_outbox_text(env)
    for value in CONTACT.values():
        assert value not in text
    types = env.outbox_types()
    assert "se.ordning.deviation.complainant_recorded.v1" in types
    with env.platform.engine.connect() as conn:
        body = conn.execute(sa.select(env.platform.tables.outbox.c.body).where(
            env.platform.tables.outbox.c.type == "se.ordning.deviation.complainant_recorded.v1")).scalar_one()
    data = (json.loads(body) if isinstance(body, str) else body)["data"]
    assert data["relation"] == "narstaende" and data["channel"] == "phone"


def test_complainant_bad_input_is_refused_and_nothing_is_stored(env):
    c, chef = env.client, env.auth(*CHEF_E1)
    did = complaint(env)
    before = env.counts()
    path = f"/api/v1/deviations/{did}/complainant"
    for body in ({"relation": "granne", "channel": "phone"}, {"relation": "other", "channel": "brevduva"},
                 {"relation": "other"}, {"relation": "other", "channel": "phone", "email": "inte en adress"}):
        r = put(env, path, body, chef, did)
        assert r.status_code == 422 and r.headers["Content-Type"] == PROBLEM, body
    stale = put(env, path, {"relation": "other", "channel": "visit"}, chef, did, if_match=f'"{did}.99"')
    assert stale.status_code == 412
    assert c.put(path, json={"relation": "other", "channel": "visit"}, headers=chef).status_code == 428
    other_tenant = env.auth("bertil", ["enhetschef"], ["fb"], tenant=B)
    assert put(env, path, {"relation": "other", "channel": "visit"}, other_tenant, did,
               if_match=f'"{did}.1"').status_code == 404
    assert env.counts() == before
    # another kind has no complainant
    avvikelse = env.report(who=CHEF_E1)["id"]
    r = put(env, f"/api/v1/deviations/{avvikelse}/complainant", {"relation": "other", "channel": "visit"}, chef,
            avvikelse)
    assert r.status_code == 422 and r.get_json()["code"] == "complaint_only"


def test_the_answer_is_recorded_and_the_case_is_overdue_past_the_tenants_deadline(env):
    c, chef, admin, kval = env.client, env.auth(*CHEF_E1), env.auth(*ADMIN), env.auth(*KVAL_N)
    policy = c.get("/api/v1/deadline-policies/klagomal", headers=admin)
    assert policy.get_json()["answer_days"] == 10  # the default
    r = c.put("/api/v1/deadline-policies/klagomal", json={"receipt_days": 2, "investigation_days": 30,
                                                          "answer_days": 3},
              headers={**admin, "If-Match": policy.headers["ETag"]})
    assert r.status_code == 200 and r.get_json()["answer_days"] == 3
    anna = Principal(subject="anna", tenant=A, roles=frozenset({"medarbetare"}), org_units=(U["e1"],))
    long_ago = datetime.now(timezone.utc) - timedelta(days=14)
    late = service.report_deviation(env.platform, anna, {"kind": "klagomal", "unit_id": U["e1"],
                                                         "description": "Ingen ringde tillbaka"}, now=long_ago)
    calendar = service.db.tenant_calendar
    with env.platform.engine.connect() as conn:
        expected_due = calendar(conn, A).add_working_days(local_date(long_ago), 3)
    assert late["answer_due"] == expected_due
    late_id = late["id"]
    env.act(late_id, "receive", chef)
    case = c.get(f"/api/v1/deviations/{late_id}", headers=chef).get_json()
    assert case["overdue"] == ["answer"]
    listed = c.get("/api/v1/deviations?overdue=true&view=summary", headers=kval).get_json()["items"]
    assert [(row["id"], row["overdue"], row["answer_due"]) for row in listed] == [
        (late_id, ["answer"], expected_due.isoformat())]
    # the answer: not in the future, not before the report; then recorded
    path = f"/api/v1/deviations/{late_id}/answer"
    before = env.counts()
    tomorrow = (today_in_sweden() + timedelta(days=2)).isoformat()
    for body in ({"answered_on": tomorrow, "channel": "letter"},
                 {"answered_on": (local_date(long_ago) - timedelta(days=1)).isoformat(), "channel": "letter"},
                 {"answered_on": "2026-02-30", "channel": "letter"},
                 {"answered_on": today_in_sweden().isoformat(), "channel": "brevduva"}):
        r = put(env, path, body, chef, late_id)
        assert r.status_code == 422 and r.headers["Content-Type"] == PROBLEM, body
    assert put(env, path, {"answered_on": today_in_sweden().isoformat(), "channel": "letter"}, chef, late_id,
               if_match=f'"{late_id}.1"').status_code == 412
    assert put(env, path, {"answered_on": today_in_sweden().isoformat(), "channel": "letter"}, env.auth(*STAFF_E1),
               late_id, if_match=f'"{late_id}.2"').status_code == 404  # the reporter: not their case to read
    assert env.counts() == before
    answered_on = local_date(datetime.now(timezone.utc))
    r = put(env, path, {"answered_on": answered_on.isoformat(), "channel": "letter"}, chef, late_id)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["answer"]["answered_on"] == answered_on.isoformat() and body["answer"]["channel"] == "letter"
    assert body["answer"]["answered_by"] == "erik" and body["overdue"] == []
    assert late_id not in {row["id"] for row in c.get("/api/v1/deviations?overdue=true", headers=kval)
                           .get_json()["items"]}
    with env.platform.engine.connect() as conn:
        raw = conn.execute(sa.select(env.platform.tables.outbox.c.body).where(
            env.platform.tables.outbox.c.type == "se.ordning.deviation.complaint_answered.v1")).scalar_one()
    data = (json.loads(raw) if isinstance(raw, str) else raw)["data"]
    assert data["answered_on"] == answered_on.isoformat() and data["answer_due"] == expected_due.isoformat()
    assert data["answered_in_time"] is False and "erik" not in json.dumps(data)


def test_the_receipt_promises_only_what_the_tenants_setting_says(env):
    c, admin = env.client, env.auth(*ADMIN)
    body = {"kind": "klagomal", "unit_id": U["e1"], "description": "Maten var kall", "anonymous": True}
    settings = c.get("/api/v1/case-settings", headers=admin)
    assert settings.get_json() == {"answer_promised": False, "answer_promise_days": None,
                                   "hide_reporter_names": False, "default": True, "version": 0}
    first = c.post("/api/v1/public/0138/feedback", json=body).get_json()
    assert first["answer_promised"] is False and first["answer_due"] is None
    assert "besvarar" not in first["message_sv"]
    # bad settings: a promise without days, days without a promise, a stale ETag, no administrator
    for bad in ({"answer_promised": True, "hide_reporter_names": False},
                {"answer_promised": False, "answer_promise_days": 5, "hide_reporter_names": False},
                {"answer_promised": "ja", "answer_promise_days": 5, "hide_reporter_names": False}):
        r = c.put("/api/v1/case-settings", json=bad, headers={**admin, "If-Match": settings.headers["ETag"]})
        assert r.status_code == 422 and r.headers["Content-Type"] == PROBLEM, bad
    good = {"answer_promised": True, "answer_promise_days": 15, "hide_reporter_names": False}
    assert c.put("/api/v1/case-settings", json=good, headers={**admin, "If-Match": '"case-settings.3"'}
                 ).status_code == 412
    assert c.put("/api/v1/case-settings", json=good, headers={**env.auth(*CHEF_E1),
                                                             "If-Match": settings.headers["ETag"]}).status_code == 403
    r = c.put("/api/v1/case-settings", json=good, headers={**admin, "If-Match": settings.headers["ETag"]})
    assert r.status_code == 200 and r.get_json()["version"] == 1
    promised = c.post("/api/v1/public/0138/feedback", json=body).get_json()
    with env.platform.engine.connect() as conn:
        due = db.tenant_calendar(conn, A).add_working_days(local_date(datetime.now(timezone.utc)), 15)
    assert promised["answer_promised"] is True and promised["answer_due"] == due.isoformat()
    assert f"besvarar det senast {due.isoformat()}" in promised["message_sv"]
    # the receipt's status tells the promised date, and none for the case reported without a promise
    status = c.post("/api/v1/public/0138/feedback/status",
                    json={"reference": promised["reference"], "secret": promised["secret"]}).get_json()
    assert status["answer_due"] == due.isoformat()
    status = c.post("/api/v1/public/0138/feedback/status",
                    json={"reference": first["reference"], "secret": first["secret"]}).get_json()
    assert status["answer_due"] is None
    # the other tenant keeps the default
    other = c.get("/api/v1/case-settings", headers=env.auth("bertil", ["administrator"], ["fb"], tenant=B))
    assert other.get_json()["default"] is True


# ---- 7. the reporter --------------------------------------------------------------------------------------------

def test_the_reporter_reads_the_feedback_view_and_gets_404_on_the_rest_of_the_case(env):
    c, chef, anna = env.client, env.auth(*CHEF_E1), env.auth(*STAFF_E1)
    case = env.report("lex_sarah", who=STAFF_E1)
    did = case["id"]
    assert case["description"]  # the 201 answer is what they wrote
    env.act(did, "receive", chef)
    env.act(did, "start_investigation", chef)
    assert env.put(f"/api/v1/deviations/{did}/investigation", {"what_happened": "Natten saknade tillsyn"},
                   chef).status_code == 200
    r = c.post(f"/api/v1/deviations/{did}/actions", json={"title": "Ny rutin för tillsyn", "owner": "erik",
                                                          "due_date": "2031-01-31"}, headers=chef)
    assert r.status_code == 201
    # feedback: handlers only, bad input refused
    path = f"/api/v1/deviations/{did}/reporter-feedback"
    assert put(env, path, {"text": "x"}, anna, did, if_match=f'"{did}.1"').status_code == 404
    assert put(env, path, {"text": ""}, chef, did).status_code == 422
    assert put(env, path, {"text": "x"}, chef, did, if_match=f'"{did}.1"').status_code == 412
    sentence = "Vi har infört en rutin för tillsyn nattetid. Tack för din rapport!"
    r = put(env, path, {"text": sentence}, chef, did)
    assert r.status_code == 200 and r.get_json()["reporter_feedback"] == sentence
    # the reporter's view
    view = c.get(f"/api/v1/deviations/{did}/feedback", headers=anna)
    assert view.status_code == 200
    body = view.get_json()
    assert body["feedback"] == sentence and body["status"] == "investigating"
    assert body["actions"] == [{"title": "Ny rutin för tillsyn", "status": "planned"}]
    assert not {"investigation", "ivo_report", "description", "seriousness", "reported_by", "complainant_relation"} \
        & set(body)
    assert "Natten saknade tillsyn" not in json.dumps(body)
    # 404 on the case and everything under it
    for sub in ("", "/audit", "/actions", "/complainant"):
        r = c.get(f"/api/v1/deviations/{did}{sub}", headers=anna)
        assert r.status_code == 404 and r.headers["Content-Type"] == PROBLEM, sub
    r = c.put(f"/api/v1/deviations/{did}/investigation", json={"why": "x"}, headers={**anna, "If-Match": f'"{did}.5"'})
    assert r.status_code == 404
    assert c.get(f"/api/v1/deviations/by-reference/{case['reference']}", headers=anna).status_code == 404
    # nobody else's view: another medarbetare, another tenant
    assert c.get(f"/api/v1/deviations/{did}/feedback", headers=env.auth("bo", ["medarbetare"], ["e1"])
                 ).status_code == 404
    assert c.get(f"/api/v1/deviations/{did}/feedback", headers=env.auth("anna", ["medarbetare"], ["fb"], tenant=B)
                 ).status_code == 404
    # my reports: with the feedback's status
    mine = c.get("/api/v1/deviations/reported-by-me", headers=anna).get_json()
    assert mine["total"] == 1 and mine["items"][0]["id"] == did and mine["items"][0]["has_feedback"] is True
    assert c.get("/api/v1/deviations/reported-by-me?limit=0", headers=anna).status_code == 422
    # the events say when, never what
    assert sentence not in audit_and_outbox_text(env)
    assert "se.ordning.deviation.reporter_feedback_written.v1" in env.outbox_types()


def test_reporters_names_are_hidden_from_all_but_the_handlers_when_the_tenant_says_so(env):
    c, admin = env.client, env.auth(*ADMIN)
    did = env.report(who=("anna", ["medarbetare"], ["e1"]))["id"]
    mas, chef = env.auth(*MAS_F), env.auth(*CHEF_E1)
    # MAS reads an avvikelse without handling it: the name is shown by default
    assert c.get(f"/api/v1/deviations/{did}", headers=mas).get_json()["reported_by"] == "anna"
    settings = c.get("/api/v1/case-settings", headers=admin)
    r = c.put("/api/v1/case-settings", json={"answer_promised": False, "hide_reporter_names": True},
              headers={**admin, "If-Match": settings.headers["ETag"]})
    assert r.status_code == 200 and r.get_json()["hide_reporter_names"] is True
    hidden = c.get(f"/api/v1/deviations/{did}", headers=mas).get_json()
    assert hidden["reported_by"] is None and hidden["reporter_name"] is None and hidden["reporter_hidden"] is True
    assert hidden["anonymous"] is False  # not anonymity: the case keeps its reporter
    listed = c.get("/api/v1/deviations", headers=mas).get_json()["items"]
    assert [(row["reported_by"], row["reporter_hidden"]) for row in listed if row["id"] == did] == [(None, True)]
    shown = c.get(f"/api/v1/deviations/{did}", headers=chef).get_json()
    assert shown["reported_by"] == "anna" and shown["reporter_hidden"] is False
    with env.platform.engine.connect() as conn:  # kept, only not shown
        assert conn.execute(sa.select(db.deviations.c.reported_by).where(db.deviations.c.id == did)).scalar_one() \
            == "anna"


def test_gallring_replaces_the_complainants_details_the_feedback_and_who_answered(env):
    p = env.platform
    erik = Principal(subject="erik", tenant=A, roles=frozenset({"enhetschef"}), org_units=(U["e1"],))
    at = datetime(2020, 3, 2, 10, tzinfo=timezone.utc)
    did = service.report_deviation(p, erik, {"kind": "klagomal", "unit_id": U["e1"],
                                             "description": "Greta ringde om maten"}, now=at)["id"]
    service.record_complainant(p, erik, did, {"relation": "person_concerned", "channel": "visit", **CONTACT},
                               now=at)
    service.record_answer(p, erik, did, {"answered_on": date(2020, 3, 4), "channel": "phone"},
                          now=at + timedelta(days=3))
    service.write_reporter_feedback(p, erik, did, "Greta fick ett nytt schema.", now=at + timedelta(days=3))
    service.transition(p, erik, did, "receive", now=at + timedelta(days=3))
    service.transition(p, erik, did, "start_investigation", now=at + timedelta(days=3))
    service.update_investigation(p, erik, did, {"what_happened": "a", "why": "b", "what_must_change": "c"})
    service.transition(p, erik, did, "complete_investigation", now=at + timedelta(days=4))
    service.transition(p, erik, did, "close", now=at + timedelta(days=5))
    with p.engine.connect() as conn:
        assert db.complainant_contact(conn, A, did) == CONTACT  # kept until the retention ends
    assert service.pseudonymise_expired(p, datetime(2030, 1, 1, tzinfo=timezone.utc)) == 1
    with p.engine.connect() as conn:
        contact = db.complainant_contact(conn, A, did)
        row = conn.execute(sa.select(db.deviations).where(db.deviations.c.id == did)).one()
    assert set(contact.values()) == {PSEUDONYMISED_TEXT}
    assert row.reporter_feedback == PSEUDONYMISED_TEXT and row.answered_by is None
    assert row.answered_on == date(2020, 3, 4) and row.complainant_relation == "person_concerned"
    text = audit_and_outbox_text(env)
    assert "Greta fick ett nytt schema." not in text and CONTACT["address"] not in text
