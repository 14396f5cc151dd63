"""The IVO steps of a lex case over PostgreSQL (issue 14 items 4 and 5): the report's dates, kompletteringar, IVO's
decision, the "snarast" deadline in calendar days from the seriousness decision, a lex Maria händelseanalys with
root causes linked to the case's actions, and an external provider's own report followed up by the municipality."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from ordning_shared import events

from ordning_deviations import domain as d

from .conftest import ADMIN, CHEF_E1, FCHEF_F, KVAL_N, MAS_F, STAFF_E1, U, A, B

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"
PROVIDER_UNIT = "a0000000-0000-0000-0000-0000000000e7"  # an enhet run by a private provider, under V


def h(env, who):
    return env.auth(*who)


def today() -> date:
    return d.local_date(datetime.now(timezone.utc))


def provider_event(external_provider=True, revision=1, kind="unit"):
    """The processes service's event for an enhet marked as an external provider (utförare i privat regi)."""
    event_type = ("se.ordning.org_unit.created.v1" if revision == 1
                  else "se.ordning.org_unit.external_provider_changed.v1")
    event = events.DomainEvent(type=event_type, tenant=A, subject=PROVIDER_UNIT, data={
        "unit_id": PROVIDER_UNIT, "kind": kind, "name": "Omsorg AB", "parent_id": U["v"], "closed_at": None,
        "revision": revision, "external_provider": external_provider})
    return events.serialize(events.to_cloudevent(event, "processes"))


def serious_lex(env, kind="lex_maria", unit="e1", decider=MAS_F, handler=CHEF_E1, **report):
    """A lex case reported by anna, received (by `handler`), investigating and decided serious; its id."""
    chef = h(env, handler)
    did = env.report(kind, unit=unit, **report)["id"]
    assert env.act(did, "receive", chef).status_code == 200
    assert env.act(did, "start_investigation", chef).status_code == 200
    r = env.put(f"/api/v1/deviations/{did}/seriousness", {"serious": True}, h(env, decider))
    assert r.status_code == 200, r.get_json()
    return did


def complete(env, did, handler=CHEF_E1):
    chef = h(env, handler)
    env.put(f"/api/v1/deviations/{did}/investigation", {"what_happened": "a", "why": "b", "what_must_change": "c"},
            chef)
    assert env.act(did, "complete_investigation", chef).status_code == 200


def report_to_ivo(env, did, on=None, who=MAS_F):
    return env.put(f"/api/v1/deviations/{did}/ivo-report",
                   {"reported_on": (on or today()).isoformat(), "reference": "IVO 3.5.1-1234/2026"}, h(env, who))


def outbox_data(env, event_type):
    outbox = env.platform.tables.outbox
    with env.platform.engine.connect() as conn:
        bodies = conn.execute(sa.select(outbox.c.body).where(outbox.c.type == event_type)
                              .order_by(outbox.c.id)).scalars().all()
    return [json.loads(body)["data"] for body in bodies]


# --------------------------------------------------------------------------
# Item 5: an external provider's lex Maria, followed up without a municipal IVO report
# --------------------------------------------------------------------------

def test_external_providers_lex_maria_is_followed_up_without_a_municipal_ivo_report(env):
    assert env.feed(provider_event()) == "processed"
    mas = h(env, MAS_F)
    did = serious_lex(env, unit=PROVIDER_UNIT, handler=KVAL_N, who=("anna", ["medarbetare"], [PROVIDER_UNIT]))
    case = env.client.get(f"/api/v1/deviations/{did}", headers=mas).get_json()
    assert case["external_provider"] is True and case["ivo_due"] is not None

    r = report_to_ivo(env, did)  # the provider reports itself: the municipality's report is refused
    assert r.status_code == 422 and r.get_json()["code"] == "ivo_report_by_provider"
    assert r.headers["Content-Type"] == PROBLEM
    complete(env, did, KVAL_N)
    r = env.act(did, "close", h(env, KVAL_N))
    assert r.status_code == 409 and r.get_json()["code"] == "provider_follow_up_required"

    path = f"/api/v1/deviations/{did}"
    r = env.put(f"{path}/provider-follow-up", {"followed_up_on": today().isoformat(), "assessment": "Bra",
                                              "outcome": "sufficient"}, mas)
    assert r.status_code == 422 and r.get_json()["code"] == "ivo_step_not_allowed"  # no provider report yet
    r = env.put(f"{path}/provider-report", {"reported_on": today().isoformat(), "reference": "IVO 9.9-1/2026"}, mas)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["provider_report"] == {"reported_on": today().isoformat(), "reference": "IVO 9.9-1/2026"}
    assert r.get_json()["overdue"] == []
    r = env.put(f"{path}/provider-follow-up", {"followed_up_on": today().isoformat(),
                                              "assessment": "Utförarens utredning räcker.",
                                              "outcome": "sufficient"}, mas)
    assert r.status_code == 200, r.get_json()
    follow_up = r.get_json()["provider_follow_up"]
    assert follow_up["by"] == "maria" and follow_up["outcome"] == "sufficient"
    assert follow_up["assessment"] == "Utförarens utredning räcker."

    r = env.put(f"{path}/informing", {"informed_on": today().isoformat(), "method": "phone",
                                      "recipient": "narstaende"}, mas)  # closing a lex case needs it (lex policy)
    assert r.status_code == 200, r.get_json()
    r = env.act(did, "close", h(env, KVAL_N))
    assert r.status_code == 200 and r.get_json()["status"] == "closed"
    assert r.get_json()["ivo_report"] is None  # closed with no municipal report
    assert outbox_data(env, d.PROVIDER_IVO_REPORTED)[0]["provider_reported_on"] == today().isoformat()
    followed = outbox_data(env, d.PROVIDER_FOLLOWED_UP)[0]
    assert followed["outcome"] == "sufficient" and "assessment" not in followed and "by" not in followed


def test_a_municipal_unit_records_no_provider_report(env):
    did = serious_lex(env)
    r = env.put(f"/api/v1/deviations/{did}/provider-report", {"reported_on": today().isoformat()}, h(env, MAS_F))
    assert r.status_code == 422 and r.get_json()["code"] == "ivo_step_not_allowed"


def test_a_unit_no_longer_an_external_provider_reports_itself_again(env):
    assert env.feed(provider_event()) == "processed"
    assert env.feed(provider_event(False, revision=2)) == "processed"
    did = serious_lex(env, unit=PROVIDER_UNIT, handler=KVAL_N, who=("anna", ["medarbetare"], [PROVIDER_UNIT]))
    assert report_to_ivo(env, did).status_code == 200


# --------------------------------------------------------------------------
# Item 4: the report's date, kompletteringar, IVO's decision
# --------------------------------------------------------------------------

def test_ivo_report_date_is_refused_before_the_event_and_in_the_future(env):
    occurred = datetime.now(timezone.utc) - timedelta(days=3)
    did = serious_lex(env, occurred_at=occurred.isoformat())
    event_day = d.local_date(occurred)
    for day in (event_day - timedelta(days=1), today() + timedelta(days=1)):
        r = report_to_ivo(env, did, on=day)
        assert r.status_code == 422 and r.get_json()["code"] == "invalid_ivo_step", day
        assert r.headers["Content-Type"] == PROBLEM
        assert list(r.get_json()["errors"]["json"]) == ["reported_on"]  # the refused field, for a form
    assert env.client.get(f"/api/v1/deviations/{did}", headers=h(env, MAS_F)).get_json()["ivo_report"] is None
    r = report_to_ivo(env, did, on=event_day)
    assert r.status_code == 200 and r.get_json()["ivo_report"]["reported_on"] == event_day.isoformat()


def test_komplettering_and_ivo_decision_are_recorded(env):
    mas = h(env, MAS_F)
    did = serious_lex(env)
    path = f"/api/v1/deviations/{did}"
    body = {"requested_on": today().isoformat(), "request": "Komplettera med åtgärderna.",
            "due_on": (today() + timedelta(days=14)).isoformat()}
    r = env.client.post(f"{path}/ivo-supplements", json=body, headers={**mas, "If-Match": env.etag(path, mas)})
    assert r.status_code == 422 and r.get_json()["code"] == "ivo_step_not_allowed"  # not yet reported
    assert report_to_ivo(env, did).status_code == 200

    r = env.client.post(f"{path}/ivo-supplements", json=body, headers={**mas, "If-Match": env.etag(path, mas)})
    assert r.status_code == 200, r.get_json()
    [supplement] = r.get_json()["ivo_supplements"]
    assert supplement["request"] == "Komplettera med åtgärderna." and supplement["answered_on"] is None
    r = env.put(f"{path}/ivo-supplements/{supplement['id']}", {"answered_on": today().isoformat()}, mas)
    assert r.status_code == 200 and r.get_json()["ivo_supplements"][0]["answered_on"] == today().isoformat()

    r = env.put(f"{path}/ivo-decision", {"decided_on": today().isoformat(), "outcome": "closed_no_criticism",
                                         "reference": "IVO 3.5.1-1234/2026-4"}, mas)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["ivo_decision"] == {"decided_on": today().isoformat(), "outcome": "closed_no_criticism",
                                            "outcome_label_sv": "avslutat utan kritik",
                                            "reference": "IVO 3.5.1-1234/2026-4"}
    requested = outbox_data(env, d.IVO_SUPPLEMENT_REQUESTED)[0]
    assert requested["supplement_id"] == supplement["id"] and "request" not in requested
    assert outbox_data(env, d.IVO_SUPPLEMENT_ANSWERED)[0]["answered_on"] == today().isoformat()
    decided = outbox_data(env, d.IVO_DECISION_RECORDED)[0]
    assert decided["outcome"] == "closed_no_criticism" and "reference" not in decided


def test_ivo_steps_refuse_bad_dates_unknown_codes_stale_versions_and_other_tenants(env):
    mas = h(env, MAS_F)
    did = serious_lex(env)
    path = f"/api/v1/deviations/{did}"
    assert report_to_ivo(env, did).status_code == 200
    etag = env.etag(path, mas)
    yesterday, tomorrow = today() - timedelta(days=1), today() + timedelta(days=1)
    refusals = [
        ("PUT", "ivo-decision", {"decided_on": today().isoformat(), "outcome": "maybe"}, 422, None),
        ("PUT", "ivo-decision", {"decided_on": "2026-02-30", "outcome": "criticism"}, 422, None),
        ("PUT", "ivo-decision", {"decided_on": yesterday.isoformat(), "outcome": "criticism"}, 422, "invalid_ivo_step"),
        ("PUT", "ivo-decision", {"decided_on": tomorrow.isoformat(), "outcome": "criticism"}, 422, "invalid_ivo_step"),
        ("POST", "ivo-supplements", {"requested_on": today().isoformat(), "request": "x",
                                     "due_on": yesterday.isoformat()}, 422, "invalid_ivo_step"),
        ("POST", "ivo-supplements", {"requested_on": tomorrow.isoformat(), "request": "x"}, 422, "invalid_ivo_step"),
        ("PUT", "event-analysis", {"method": "gissning"}, 422, None),
        ("PUT", "event-analysis", {"method": "handelseanalys",
                                   "root_causes": [{"category": "otur", "text": "x"}]}, 422, None),
    ]
    for method, step, body, status, code in refusals:
        r = env.client.open(f"{path}/{step}", method=method, json=body, headers={**mas, "If-Match": etag})
        assert r.status_code == status, (step, body, r.get_json())
        assert r.headers["Content-Type"] == PROBLEM
        if code:
            assert r.get_json()["code"] == code, (step, body)
    assert env.etag(path, mas) == etag  # nothing stored

    stale = env.client.put(f"{path}/ivo-decision", json={"decided_on": today().isoformat(), "outcome": "criticism"},
                           headers={**mas, "If-Match": f'"{did}.1"'})
    assert stale.status_code == 412
    missing = env.client.put(f"{path}/ivo-decision", json={"decided_on": today().isoformat(), "outcome": "criticism"},
                             headers=mas)
    assert missing.status_code == 428
    other = env.auth("bo", ["mas"], ["fb"], tenant=B)
    r = env.client.put(f"{path}/ivo-decision", json={"decided_on": today().isoformat(), "outcome": "criticism"},
                       headers={**other, "If-Match": etag})
    assert r.status_code == 404
    r = env.client.put(f"{path}/ivo-decision", json={"decided_on": today().isoformat(), "outcome": "criticism"},
                       headers={**h(env, STAFF_E1), "If-Match": etag})
    assert r.status_code == 404  # the reporter sees only the feedback view, and records no IVO step
    assert env.etag(path, mas) == etag


# --------------------------------------------------------------------------
# Item 4: the "snarast" deadline, calendar days from the seriousness decision
# --------------------------------------------------------------------------

def test_snarast_is_calendar_days_from_the_decision_and_cleared_when_not_serious(env):
    admin, mas = h(env, ADMIN), h(env, MAS_F)
    r = env.client.get("/api/v1/deadline-policies/lex_maria", headers=admin)
    assert r.get_json()["ivo_report_days"] == 14 and r.get_json()["default"] is True
    reported = env.report("lex_maria")
    assert reported["ivo_due"] is None  # no deadline before the decision
    r = env.client.put("/api/v1/deadline-policies/lex_maria", json={"receipt_days": 1, "investigation_days": 10,
                                                                     "ivo_report_days": 3},
                       headers={**admin, "If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.get_json()

    did = serious_lex(env)
    path = f"/api/v1/deviations/{did}"
    case = env.client.get(path, headers=mas).get_json()
    assert case["ivo_due"] == (today() + timedelta(days=3)).isoformat()  # calendar days, weekends counted
    decided = outbox_data(env, d.SERIOUSNESS_DECIDED)[-1]
    assert decided["ivo_due"] == case["ivo_due"]

    r = env.put(f"{path}/seriousness", {"serious": False}, mas)
    assert r.status_code == 200 and r.get_json()["ivo_due"] is None
    assert outbox_data(env, d.SERIOUSNESS_DECIDED)[-1]["ivo_due"] is None
    r = env.put(f"{path}/seriousness", {"serious": True}, mas)
    assert r.get_json()["ivo_due"] == (today() + timedelta(days=3)).isoformat()


def test_overdue_ivo_report_lists_by_the_new_date(env):
    mas = h(env, MAS_F)
    did = serious_lex(env)
    with env.platform.engine.begin() as conn:  # decided five days ago, due two days ago
        from ordning_deviations import db
        conn.execute(db.deviations.update().where(db.deviations.c.id == did).values(
            ivo_due=today() - timedelta(days=2)))
    r = env.client.get("/api/v1/deviations", query_string={"overdue": "true"}, headers=mas)
    assert r.status_code == 200, r.get_json()
    listed = {item["id"]: item for item in r.get_json()["items"]}
    assert did in listed and d.OVERDUE_IVO_REPORT in listed[did]["overdue"]
    assert report_to_ivo(env, did).status_code == 200
    r = env.client.get("/api/v1/deviations", query_string={"overdue": "true"}, headers=mas)
    assert did not in {item["id"] for item in r.get_json()["items"]}


# --------------------------------------------------------------------------
# Item 4: the händelseanalys of a lex Maria case
# --------------------------------------------------------------------------

def test_event_analysis_with_root_causes_linked_to_the_cases_actions(env):
    mas, chef = h(env, MAS_F), h(env, CHEF_E1)
    did = serious_lex(env)
    path = f"/api/v1/deviations/{did}"
    action = env.client.post(f"{path}/actions", json={"title": "Inför dubbelkontroll", "owner": "erik",
                                                      "due_date": (today() + timedelta(days=30)).isoformat()},
                             headers=chef)
    assert action.status_code == 201, action.get_json()
    action_id = action.get_json()["id"]
    other = env.report("lex_maria")["id"]
    foreign = env.client.post(f"/api/v1/deviations/{other}/actions", json={
        "title": "Annat", "owner": "erik", "due_date": (today() + timedelta(days=30)).isoformat()}, headers=chef)
    foreign_id = foreign.get_json()["id"]

    analysis = {"method": "handelseanalys", "participants": [{"role": "sjuksköterska", "name": "Sara Lind"}],
                "root_causes": [{"category": "routines", "text": "Ingen dubbelkontroll.", "action_ids": [action_id]},
                                {"category": "communication", "text": "Otydlig ordination.", "action_ids": []}],
                "completed_on": today().isoformat()}
    r = env.put(f"{path}/event-analysis", {**analysis, "root_causes": [
        {"category": "routines", "text": "x", "action_ids": [foreign_id]}]}, mas)
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_ivo_step"  # another case's action
    r = env.put(f"{path}/event-analysis", analysis, mas)
    assert r.status_code == 200, r.get_json()
    saved = r.get_json()["event_analysis"]
    assert saved["method"] == "handelseanalys" and saved["completed_on"] == today().isoformat()
    assert saved["participants"] == [{"role": "sjuksköterska", "name": "Sara Lind"}]
    assert [(c["category"], c["action_ids"]) for c in saved["root_causes"]] == [("routines", [action_id]),
                                                                                ("communication", [])]
    completed = outbox_data(env, d.EVENT_ANALYSIS_COMPLETED)
    assert len(completed) == 1
    assert completed[0]["root_cause_categories"] == ["communication", "routines"]
    assert completed[0]["linked_action_count"] == 1 and "participants" not in completed[0]

    # the reporter follows their own case in the feedback view: nothing of the analysis or who took part in it
    assert env.client.get(path, headers=h(env, STAFF_E1)).status_code == 404
    feedback = env.client.get(f"{path}/feedback", headers=h(env, STAFF_E1))
    assert feedback.status_code == 200 and "Sara Lind" not in feedback.get_data(as_text=True)
    assert "event_analysis" not in feedback.get_json()
    assert env.client.get(path, headers=h(env, KVAL_N)).get_json()["event_analysis"]["participants"]

    sarah = serious_lex(env, "lex_sarah", decider=FCHEF_F)
    r = env.put(f"/api/v1/deviations/{sarah}/event-analysis", {"method": "handelseanalys"}, chef)
    assert r.status_code in (403, 422)  # a händelseanalys is lex Maria's
