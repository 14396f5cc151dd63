"""Serious deviations become risks: the deviation events make risk proposals (once, in order per facet, whatever
the broker does), and the proposals are listed in scope, accepted into an analysis as a risk, or dismissed."""
from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from ordning_shared import events
from ordning_shared.events import DomainEvent, UntrustedEvent

from ordning_risks import db

from .conftest import A as TENANT_A
from .conftest import B as TENANT_B
from .conftest import CHEF_E1, CHEF_E2, FCHEF_F, STAFF_E1, U

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"
P = "/api/v1/risk-proposals"
DEV = "se.ordning.deviation."


def case_event(what, deviation_id, version, unit="e1", kind="lex_sarah", tenant=TENANT_A, source="deviations",
               **data) -> bytes:
    """A deviation event as the deviations service publishes it (docs/deviation-events-for-subscribers.md)."""
    unit_id = U.get(unit, unit)
    payload = {"deviation_id": deviation_id, "kind": kind, "unit_id": unit_id}
    if what == "seriousness_decided":
        payload |= {"category_id": None, "status": "investigating", "serious": True, "revised": False,
                    "decided_at": "2026-05-18T08:00:00+00:00"}
    elif what == "ivo_reported":
        payload |= {"category_id": None, "status": "investigated", "ivo_reported_on": "2026-05-20"}
    elif what == "flagged_possible_elsewhere":
        payload |= {"flagged_at": "2026-05-18T08:00:00+00:00"}
    elif what == "cleared_possible_elsewhere":
        payload |= {"cleared_at": "2026-05-19T08:00:00+00:00"}
    payload |= data
    event = DomainEvent(type=f"{DEV}{what}.v1", tenant=tenant, subject=deviation_id,
                        data={**payload, "version": version}, sequence=version)
    return events.serialize(events.to_cloudevent(event, source))


def proposal_rows(env, **where):
    p = db.risk_proposals.c
    with env.platform.engine.connect() as conn:
        return conn.execute(sa.select(db.risk_proposals).where(*(p[k] == v for k, v in where.items()))
                            .order_by(p.unit_id)).all()


def new_case() -> str:
    return str(uuid.uuid4())


def open_proposal(env, case=None, who=CHEF_E1):
    case = case or new_case()
    assert env.feed(case_event("seriousness_decided", case, 5)) == "processed"
    listed = env.client.get(f"{P}?deviation_id={case}", headers=env.auth(*who)).get_json()
    assert listed["total"] == 1, listed
    return listed["items"][0]


def decide(env, proposal_id, body, who=CHEF_E1, etag=None):
    headers = env.auth(*who)
    if etag is None:
        etag = env.client.get(f"{P}/{proposal_id}", headers=headers).headers["ETag"]
    return env.client.post(f"{P}/{proposal_id}/decision", json=body, headers={**headers, "If-Match": etag})


# --------------------------------------------------------------------------
# The events
# --------------------------------------------------------------------------

def test_a_serious_lex_sarah_case_and_its_ivo_report_make_one_proposal_for_its_unit(env):
    case = new_case()
    assert env.feed(case_event("seriousness_decided", case, 5)) == "processed"
    assert env.feed(case_event("ivo_reported", case, 6)) == "processed"
    rows = proposal_rows(env, deviation_id=case)
    assert [(r.reason, r.unit_id, r.status, r.deviation_kind, str(r.ivo_reported_on)) for r in rows] == [
        ("serious_deviation", U["e1"], "open", "lex_sarah", "2026-05-20")]
    assert env.outbox_types().count("se.ordning.risk.proposal_created.v1") == 1
    # a repeat of the report corrects the date; nothing else
    assert env.feed(case_event("ivo_reported", case, 7, ivo_reported_on="2026-05-21")) == "processed"
    (row,) = proposal_rows(env, deviation_id=case)
    assert str(row.ivo_reported_on) == "2026-05-21" and row.status == "open" and row.id == rows[0].id


def test_the_ivo_report_alone_proposes_too_and_a_lex_maria_case_as_well(env):
    case = new_case()
    assert env.feed(case_event("ivo_reported", case, 6, kind="lex_maria", unit="e2")) == "processed"
    (row,) = proposal_rows(env, deviation_id=case)
    assert (row.reason, row.unit_id, row.deviation_kind) == ("serious_deviation", U["e2"], "lex_maria")


def test_a_case_decided_not_serious_proposes_nothing_and_an_avvikelse_is_not_decided_serious(env):
    case = new_case()
    assert env.feed(case_event("seriousness_decided", case, 5, serious=False)) == "processed"
    assert env.feed(case_event("seriousness_decided", new_case(), 5, kind="avvikelse")) == "processed"
    assert env.count(db.risk_proposals) == 0


def test_a_redelivered_or_duplicated_event_changes_nothing(env):
    case = new_case()
    body = case_event("seriousness_decided", case, 5)
    assert env.feed(body) == "processed"
    before, outbox = env.counts(), env.outbox_types()
    assert env.feed(body) == "duplicate"  # the same event again (same source and id): the inbox drops it
    assert env.counts() == before
    # the same change under another id (a publisher that sent it twice): applied, but its version is not newer
    assert env.feed(case_event("seriousness_decided", case, 5)) == "processed"
    after = env.counts()
    assert after.pop("inbox") == before.pop("inbox") + 1 and after == before
    assert env.outbox_types() == outbox


def test_a_revised_decision_not_serious_withdraws_the_open_proposal_and_serious_again_reopens_it(env):
    case = new_case()
    env.feed(case_event("seriousness_decided", case, 5))
    assert env.feed(case_event("seriousness_decided", case, 7, serious=False, revised=True)) == "processed"
    (row,) = proposal_rows(env, deviation_id=case)
    assert row.status == "withdrawn" and row.withdrawn_at is not None and row.version == 2
    assert env.feed(case_event("seriousness_decided", case, 9, revised=True)) == "processed"
    (again,) = proposal_rows(env, deviation_id=case)
    assert again.id == row.id and again.status == "open" and again.withdrawn_at is None and again.version == 3
    assert [t.rsplit(".", 2)[1] for t in env.outbox_types()] == ["proposal_created", "proposal_withdrawn",
                                                                  "proposal_reopened"]


def test_newer_version_first_leaves_the_right_state(env):
    # not serious (v7) arrives before serious (v5): the older decision is acknowledged and ignored
    case = new_case()
    assert env.feed(case_event("seriousness_decided", case, 7, serious=False, revised=True)) == "processed"
    assert env.feed(case_event("seriousness_decided", case, 5)) == "processed"
    assert proposal_rows(env, deviation_id=case) == []
    # the flag cleared (v8) before it was set (v7): the case is unflagged, nothing proposed
    flagged = new_case()
    assert env.feed(case_event("cleared_possible_elsewhere", flagged, 8, kind="avvikelse")) == "processed"
    assert env.feed(case_event("flagged_possible_elsewhere", flagged, 7, kind="avvikelse")) == "processed"
    assert proposal_rows(env, deviation_id=flagged) == []
    # each facet in its own order: a flag at v5 after a seriousness decision at v6 still counts
    both = new_case()
    env.feed(case_event("seriousness_decided", both, 6))
    env.feed(case_event("flagged_possible_elsewhere", both, 5))
    assert sorted((r.reason, r.unit_id) for r in proposal_rows(env, deviation_id=both)) == [
        ("possible_elsewhere", U["e2"]), ("serious_deviation", U["e1"])]


def test_a_flag_proposes_analyses_at_the_sibling_units_and_clearing_it_withdraws_the_open_ones(env):
    case = new_case()
    assert env.feed(case_event("flagged_possible_elsewhere", case, 4, kind="avvikelse")) == "processed"
    (row,) = proposal_rows(env, deviation_id=case)  # e1's one sibling; not e1 itself, nor e3 of another förvaltning
    assert (row.reason, row.unit_id, row.source_unit_id, row.status) == ("possible_elsewhere", U["e2"], U["e1"],
                                                                         "open")
    listed = env.client.get(P, headers=env.auth(*CHEF_E2)).get_json()
    assert [item["id"] for item in listed["items"]] == [row.id]
    assert listed["items"][0]["suggested_trigger"] == "deviations_elsewhere"
    assert env.feed(case_event("cleared_possible_elsewhere", case, 6, kind="avvikelse")) == "processed"
    (row,) = proposal_rows(env, deviation_id=case)
    assert row.status == "withdrawn"
    assert env.feed(case_event("flagged_possible_elsewhere", case, 8, kind="avvikelse")) == "processed"
    assert [r.status for r in proposal_rows(env, deviation_id=case)] == ["open"]


def test_a_dismissed_proposal_stays_dismissed_when_the_flag_is_cleared(env):
    case = new_case()
    env.feed(case_event("flagged_possible_elsewhere", case, 4, kind="avvikelse"))
    (row,) = proposal_rows(env, deviation_id=case)
    assert decide(env, row.id, {"decision": "dismiss", "reason": "Gäller inte oss"}, who=CHEF_E2).status_code == 200
    env.feed(case_event("cleared_possible_elsewhere", case, 5, kind="avvikelse"))
    (row,) = proposal_rows(env, deviation_id=case)
    assert row.status == "dismissed" and row.decision_reason == "Gäller inte oss"


def test_an_event_of_another_service_or_tenant_is_refused_and_changes_nothing(env):
    before = env.counts()
    with pytest.raises(UntrustedEvent):
        env.feed(case_event("seriousness_decided", new_case(), 5, source="risks"))
    assert env.counts() == before
    # another tenant's case proposes for that tenant only, and its people alone see it
    case = new_case()
    assert env.feed(case_event("seriousness_decided", case, 5, unit="eb", tenant=TENANT_B)) == "processed"
    assert env.client.get(P, headers=env.auth(*FCHEF_F)).get_json()["total"] == 0
    seen = env.client.get(P, headers=env.auth("bo", ["enhetschef"], ["eb"], tenant=TENANT_B)).get_json()
    assert seen["total"] == 1 and seen["items"][0]["deviation_id"] == case


def test_the_proposal_events_carry_ids_codes_and_dates_only(env):
    proposal = open_proposal(env)
    decide(env, proposal["id"], {"decision": "dismiss", "reason": "Hemlig motivering om Anna"})
    outbox = env.platform.tables.outbox
    with env.platform.engine.connect() as conn:
        rows = conn.execute(sa.select(outbox.c.type, outbox.c.body).order_by(outbox.c.id)).all()
    assert [r.type for r in rows] == ["se.ordning.risk.proposal_created.v1", "se.ordning.risk.proposal_dismissed.v1"]
    for row in rows:
        assert "Hemlig" not in row.body and "erik" not in row.body
    dismissed = json.loads(rows[-1].body)
    assert dismissed["subject"] == proposal["id"] and dismissed["sequence"] == "0000000002"
    assert set(dismissed["data"]) == {"proposal_id", "reason", "deviation_id", "deviation_kind", "source_unit_id",
                                      "unit_id", "version", "decided_at"}


# --------------------------------------------------------------------------
# The API
# --------------------------------------------------------------------------

def test_proposals_are_listed_in_scope_open_by_default_a_page_at_a_time(env):
    cases = [new_case() for _ in range(3)]
    for case in cases:
        env.feed(case_event("seriousness_decided", case, 5))
    env.feed(case_event("seriousness_decided", new_case(), 5, unit="e3"))
    assert env.client.get(P, headers=env.auth(*FCHEF_F)).get_json()["total"] == 3  # e3 is another förvaltning's
    assert env.client.get(P, headers=env.auth(*CHEF_E2)).get_json()["total"] == 0
    assert env.client.get(P, headers=env.auth(*STAFF_E1)).get_json()["total"] == 3  # staff read their unit's
    first = env.client.get(f"{P}?limit=2", headers=env.auth(*CHEF_E1)).get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = env.client.get(f"{P}?limit=2&cursor={first['next_cursor']}", headers=env.auth(*CHEF_E1)).get_json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert {i["deviation_id"] for i in first["items"] + second["items"]} == set(cases)
    decide(env, first["items"][0]["id"], {"decision": "dismiss", "reason": "Redan analyserad"})
    assert env.client.get(P, headers=env.auth(*CHEF_E1)).get_json()["total"] == 2
    dismissed = env.client.get(f"{P}?status=dismissed&status=accepted", headers=env.auth(*CHEF_E1)).get_json()
    assert [i["status"] for i in dismissed["items"]] == ["dismissed"]
    by_unit = env.client.get(f"{P}?unit_id={U['e2']}&reason=serious_deviation", headers=env.auth(*FCHEF_F))
    assert by_unit.get_json()["total"] == 0
    for query in ("status=decided", "limit=0", "cursor=nonsense", "sort=unit", "unknown=1", "unit_id=e1"):
        r = env.client.get(f"{P}?{query}", headers=env.auth(*CHEF_E1))
        assert 400 <= r.status_code < 500 and r.headers["Content-Type"] == PROBLEM, query


def test_a_proposal_outside_your_units_is_not_found(env):
    proposal = open_proposal(env)
    assert env.client.get(f"{P}/{proposal['id']}", headers=env.auth(*CHEF_E2)).status_code == 404
    assert env.client.get(f"{P}/{uuid.uuid4()}", headers=env.auth(*CHEF_E1)).status_code == 404
    r = env.client.get(f"{P}/{proposal['id']}", headers=env.auth(*CHEF_E1))
    assert r.status_code == 200 and r.headers["ETag"] == f'"{proposal["id"]}.1"'
    assert r.get_json()["allowed_decisions"] == ["accept", "dismiss"]
    assert env.client.get(f"{P}/{proposal['id']}", headers=env.auth(*STAFF_E1)).get_json()["allowed_decisions"] == []


def test_accepting_into_an_analysis_adds_the_risk_with_the_case_as_its_source(env):
    analysis = env.analysis()
    proposal = open_proposal(env)
    r = decide(env, proposal["id"], {"decision": "accept", "analysis_id": analysis["id"],
                                     "description": "Brukare får fel läkemedel.", "causes": ["Ingen avstämning"]})
    assert r.status_code == 200, r.get_json()
    accepted = r.get_json()
    assert accepted["status"] == "accepted" and accepted["analysis_id"] == analysis["id"]
    assert accepted["decided_by"] == "erik" and accepted["allowed_decisions"] == []
    assert r.headers["ETag"] == f'"{proposal["id"]}.2"'
    risk = env.client.get(f"/api/v1/risk-analyses/{analysis['id']}/risks/{accepted['risk_id']}",
                          headers=env.auth(*CHEF_E1)).get_json()
    assert risk["description"] == "Brukare får fel läkemedel." and risk["causes"] == ["Ingen avstämning"]
    by_case = env.client.get(f"{P}?deviation_id={proposal['deviation_id']}&status=accepted",
                             headers=env.auth(*CHEF_E1)).get_json()
    assert [i["risk_id"] for i in by_case["items"]] == [risk["id"]]
    assert env.outbox_types()[-2:] == ["se.ordning.risk.risk_identified.v1", "se.ordning.risk.proposal_accepted.v1"]
    # decided once: again is a 409, and nothing changes
    before = env.counts()
    again = decide(env, proposal["id"], {"decision": "dismiss", "reason": "Ändrade mig"})
    assert again.status_code == 409 and again.get_json()["code"] == "proposal_not_open"
    assert env.counts() == before


def test_accepting_into_a_new_analysis_starts_one_for_the_unit_with_the_trigger(env):
    proposal = open_proposal(env)
    r = decide(env, proposal["id"], {"decision": "accept", "new_analysis": {
        "title": "Läkemedel efter lex Sarah", "analysis_date": "2026-05-25", "participants": ["Erik"]}})
    assert r.status_code == 200, r.get_json()
    analysis = env.client.get(f"/api/v1/risk-analyses/{r.get_json()['analysis_id']}",
                              headers=env.auth(*CHEF_E1)).get_json()
    assert (analysis["trigger"], analysis["unit_id"], analysis["status"]) == ("serious_deviation", U["e1"], "draft")
    assert analysis["risks"]["total"] == 1
    risks = env.client.get(f"/api/v1/risk-analyses/{analysis['id']}/risks", headers=env.auth(*CHEF_E1)).get_json()
    assert risks[0]["description"] == "Risk utifrån en allvarlig avvikelse (lex Sarah) på enheten."


def test_a_forvaltningschef_accepts_into_the_forvaltnings_analysis(env):
    analysis = env.analysis(unit="f", who=FCHEF_F, scope_type="administration")
    proposal = open_proposal(env, who=FCHEF_F)
    r = decide(env, proposal["id"], {"decision": "accept", "analysis_id": analysis["id"]}, who=FCHEF_F)
    assert r.status_code == 200, r.get_json()


def test_bad_decisions_are_4xx_and_change_nothing(env):
    proposal = open_proposal(env)
    elsewhere = env.analysis(unit="e2", who=CHEF_E2)
    completed = env.analysis()
    assert env.act(completed["id"], "start").status_code == 200
    risk = env.risk(completed["id"])
    assert env.score(completed["id"], risk["id"], 1, 1).status_code == 201
    assert env.act(completed["id"], "complete").status_code == 200
    before = env.counts()
    cases = [
        ({"decision": "accept"}, 422, None),
        ({"decision": "accept", "analysis_id": completed["id"], "new_analysis": {
            "title": "X", "analysis_date": "2026-05-25"}}, 422, None),
        ({"decision": "accept", "analysis_id": completed["id"], "reason": "Nej"}, 422, None),
        ({"decision": "dismiss"}, 422, None),
        ({"decision": "dismiss", "reason": "Nej", "analysis_id": completed["id"]}, 422, None),
        ({"decision": "maybe", "reason": "Nej"}, 422, None),
        ({"decision": "accept", "new_analysis": {"title": "X"}}, 422, None),
        ({"decision": "accept", "analysis_id": str(uuid.uuid4())}, 422, "invalid_proposal_decision"),
        ({"decision": "accept", "analysis_id": elsewhere["id"]}, 422, "invalid_proposal_decision"),
        ({"decision": "accept", "analysis_id": completed["id"]}, 409, "analysis_closed"),
    ]
    for body, status, code in cases:
        r = decide(env, proposal["id"], body)
        assert r.status_code == status and r.headers["Content-Type"] == PROBLEM, (body, r.get_json())
        if code:
            assert r.get_json()["code"] == code, body
    headers = env.auth(*CHEF_E1)
    url = f"{P}/{proposal['id']}/decision"
    assert env.client.post(url, json={"decision": "dismiss", "reason": "Nej"}, headers=headers).status_code == 428
    assert decide(env, proposal["id"], {"decision": "dismiss", "reason": "Nej"}, etag=f'"{proposal["id"]}.7"') \
        .status_code == 412
    assert decide(env, proposal["id"], {"decision": "dismiss", "reason": "Nej"}, who=STAFF_E1).status_code == 403
    assert decide(env, proposal["id"], {"decision": "dismiss", "reason": "Nej"}, who=CHEF_E2,
                  etag=f'"{proposal["id"]}.1"').status_code == 404
    assert env.counts() == before
    assert decide(env, proposal["id"], {"decision": "dismiss", "reason": "Nej"}).status_code == 200


def test_a_withdrawn_proposal_cannot_be_decided(env):
    case = new_case()
    proposal = open_proposal(env, case)
    env.feed(case_event("seriousness_decided", case, 7, serious=False, revised=True))
    r = decide(env, proposal["id"], {"decision": "dismiss", "reason": "Nej"})
    assert r.status_code == 409 and r.get_json()["code"] == "proposal_not_open"


def test_two_decisions_at_once_make_one_risk(env):
    import threading

    analysis = env.analysis()
    proposal = open_proposal(env)
    etag = f'"{proposal["id"]}.1"'
    answers, start = [], threading.Barrier(4)

    def accept():
        client = env.app.test_client()
        start.wait()
        answers.append(client.post(f"{P}/{proposal['id']}/decision", json={
            "decision": "accept", "analysis_id": analysis["id"]}, headers={**env.auth(*CHEF_E1), "If-Match": etag})
            .status_code)

    threads = [threading.Thread(target=accept) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers)[0] == 200 and answers.count(200) == 1, answers
    assert all(status in (409, 412) for status in answers if status != 200), answers
    risks = env.client.get(f"/api/v1/risk-analyses/{analysis['id']}/risks", headers=env.auth(*CHEF_E1)).get_json()
    assert len(risks) == 1
