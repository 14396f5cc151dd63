"""Deadlines from the owning services' events, fired by the scheduler with a clock the test sets: the one
responsible is reminded the day after the due date, and the level above once the tenant's grace period has passed;
what was done in time gives nothing; each stage reaches each person once; the API lists them for administrators and
kvalitetsutvecklare, and the settings move what is still to come."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from ordning_shared.migrations import database_only

from ordning_notify import deadline_service
from ordning_notify.db import metadata

from .conftest import A, ADMIN, ADMIN_B, B, CHEF_E1, KVAL_N, ROLE_HOLDERS
from .deadline_events import (action_event, at, calendar_changed, case_event, deadline_states, document_established,
                              notices_of, received, report_finished, reported)

pytestmark = pytest.mark.integration
D = "/api/v1/deadlines"
S = "/api/v1/deadline-settings"
# Tuesday 12 May 2026 is the last day; Thursday 14 May is Kristi himmelsfärd: reminded Wednesday 13, the grace
# period Friday 15 and Monday 18, escalated Tuesday 19.
DUE, REMIND, LAST_OF_GRACE, ESCALATE = "2026-05-12", "2026-05-13", "2026-05-18", "2026-05-19"


def fire(env, day: str) -> int:
    return deadline_service.fire_due_deadlines(env.platform, now=at(day))


def test_the_migrated_tables_are_the_deadline_tables(env):
    with env.platform.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": database_only(metadata)}), metadata)
    assert diff == []


def test_a_case_not_received_in_time_reminds_the_enhetschef_then_escalates_to_the_verksamhetschef(env):
    env.feed_roles()
    case, body = reported(A, receipt_due=DUE, investigation_due="2026-06-09")
    assert env.feed(body) == "processed"
    assert fire(env, DUE) == 0  # its last day: not yet
    assert fire(env, REMIND) == 1
    assert fire(env, REMIND) == 0  # the job again the same day: nothing twice
    assert notices_of(env.platform, A) == [("erik", "receipt_overdue", case, f"deadline:{_id(env, case)}:reminder-1")]
    assert fire(env, LAST_OF_GRACE) == 0
    assert fire(env, ESCALATE) == 1
    assert fire(env, "2026-05-29") == 0
    assert [(who, kind) for who, kind, _s, _e in notices_of(env.platform, A)] == [
        ("erik", "receipt_overdue"), ("vera", "deadline_escalated")]
    assert deadline_states(env.platform, A)[(case, "receipt")] == ("escalated", 1)
    inbox = env.client.get("/api/v1/notices", headers=env.auth("vera", ["verksamhetschef"])).get_json()["items"]
    assert [(n["kind"], n["kind_label"], n["unit_name"], n["link"]) for n in inbox] == [
        ("deadline_escalated", "Försenat ärende eskalerat till dig", "enhet e1", f"/arenden/{case}")]


def test_the_tenants_working_calendar_from_the_deviations_service_moves_the_grace_period(env):
    from ordning_notify import deadline_db

    env.feed_roles()
    case, body = reported(A, receipt_due=DUE, investigation_due="2026-06-09")
    env.feed(body)
    assert fire(env, REMIND) == 1  # escalation due Tuesday 19 May in the default calendar
    # Tenant A closes Friday 15 May (version 2), then an older version (none) arrives late: the newest wins
    closed = calendar_changed(A, 2, extra_days_off=["2026-05-15"])
    assert env.feed(closed) == "processed"
    assert env.feed(closed) == "duplicate"
    assert env.feed(calendar_changed(A, 1)) == "processed"
    with env.platform.engine.connect() as conn:
        assert deadline_db.tenant_calendar(conn, A).extra_days_off == {date(2026, 5, 15)}
        assert deadline_db.tenant_calendar(conn, B) == deadline_db.DEFAULT_CALENDAR
    assert fire(env, ESCALATE) == 0  # the grace period is Monday 18 and Tuesday 19 now
    assert fire(env, "2026-05-20") == 1
    assert [(who, kind) for who, kind, *_ in notices_of(env.platform, A)] == [
        ("erik", "receipt_overdue"), ("vera", "deadline_escalated")]
    # a deadline armed after the change counts in the tenant's calendar as well
    late, body = reported(A, receipt_due="2026-05-14", investigation_due="2026-06-09")
    env.feed(body)
    env.feed(calendar_changed(A, 3, extra_days_off=["2026-05-15", "2026-05-18"]))
    assert fire(env, "2026-05-15") == 1  # reminded the day after its due date, a working day or not
    assert fire(env, "2026-05-20") == 0  # grace: Tuesday 19 and Wednesday 20 (Friday 15 and Monday 18 off)
    assert fire(env, "2026-05-21") == 1
    assert deadline_states(env.platform, A)[(late, "receipt")] == ("escalated", 1)


def _id(env, case):
    from ordning_notify.deadlines import deadline_id

    return deadline_id(A, "receipt", "deviation", case)


def test_a_case_received_in_time_gives_no_reminder_and_its_investigation_deadline_stays(env):
    env.feed_roles()
    case, body = reported(A, receipt_due=DUE, investigation_due="2026-06-09")
    env.feed(body)
    env.feed(received(A, case))
    for day in (REMIND, ESCALATE):
        assert fire(env, day) == 0
    assert notices_of(env.platform, A) == []
    states = deadline_states(env.platform, A)
    assert states[(case, "receipt")] == ("cleared", 1) and states[(case, "investigation")] == ("pending", 1)
    assert fire(env, "2026-06-10") == 1
    assert [(who, kind) for who, kind, *_ in notices_of(env.platform, A)] == [("erik", "investigation_overdue")]


def test_a_received_event_before_its_report_leaves_no_deadline_for_the_receipt(env):
    env.feed_roles()
    case = str(uuid.uuid4())
    env.feed(received(A, case))  # the broker's order is not the case's
    env.feed(reported(A, receipt_due=DUE, investigation_due="2026-06-09", case_id=case)[1])
    assert fire(env, ESCALATE) == 0
    assert deadline_states(env.platform, A) == {(case, "investigation"): ("pending", 1),
                                                **_patient_safety(env)}


def _patient_safety(env):
    return {key: value for key, value in deadline_states(env.platform, A).items()
            if key[1] == "patient_safety_report"}


def test_a_redelivered_report_and_a_second_scheduler_give_each_person_one_notice(env):
    env.feed_roles()
    case, body = reported(A, receipt_due=DUE, investigation_due="2026-06-09")
    env.feed(body)
    assert env.feed(body) == "duplicate"
    fire(env, REMIND)
    deadline = _id(env, case)
    # a second scheduler that found the deadline pending (it read before the first committed) gives no second one:
    # the notice's unique key holds
    from dataclasses import replace

    from ordning_notify import deadline_db as ddb

    with env.platform.uow() as uow:
        fired = ddb.deadline_from_row(uow.connection.execute(
            ddb.deadlines.select().where(ddb.deadlines.c.id == deadline)).one())
        stale = replace(fired, state="pending", reminded_on=None)
        assert deadline_service._fire(uow, stale, at(REMIND).date(), at(REMIND),
                                      ddb.tenant_settings(uow.connection, A), ddb.DEFAULT_CALENDAR) == 0
        uow.rollback()
    assert len(notices_of(env.platform, A, "receipt_overdue")) == 1


def test_a_unit_without_an_enhetschef_has_its_reminder_go_one_level_up(env):
    env.feed_roles([holder for holder in ROLE_HOLDERS if holder[1] != "eva"])
    _case, body = reported(A, receipt_due=DUE, investigation_due="2026-06-09", unit="e2")
    env.feed(body)
    fire(env, REMIND)
    assert [(who, kind) for who, kind, *_ in notices_of(env.platform, A)] == [("vera", "receipt_overdue")]


def test_a_serious_lex_maria_case_not_reported_to_ivo_reminds_the_mas_and_escalates_to_the_forvaltningschef(env):
    env.feed_roles()
    case, body = reported(A, receipt_due=DUE, investigation_due="2026-05-26", ivo_due="2026-05-26",
                          kind="lex_maria")
    env.feed(body)
    env.feed(received(A, case, kind="lex_maria"))
    env.feed(case_event(A, case, "investigation_started", 3, "investigating", kind="lex_maria",
                        started_at="2026-05-12T09:00:00+00:00"))
    env.feed(case_event(A, case, "investigation_completed", 4, "investigated", kind="lex_maria",
                        completed_at="2026-05-20T09:00:00+00:00"))
    env.feed(case_event(A, case, "seriousness_decided", 5, "investigated", kind="lex_maria", serious=True,
                        revised=False, decided_at="2026-05-21T09:00:00+00:00"))
    fire(env, "2026-05-27")
    fire(env, "2026-06-02")  # reminded Wed 27 May; Thu 28 and Fri 29 the grace; escalated Mon 1 June or after
    assert [(who, kind) for who, kind, *_ in notices_of(env.platform, A)] == [
        ("frida", "deadline_escalated"), ("maja", "ivo_report_overdue")]


def test_an_actions_owner_is_reminded_the_chief_of_its_unit_hears_and_a_new_date_starts_again(env):
    env.feed_roles()
    action = str(uuid.uuid4())
    env.feed(action_event(A, action, "created", 1, due_date="2026-06-01"))
    fire(env, "2026-06-02")
    fire(env, "2026-06-05")  # reminded Tue 2 June; Wed 3 and Thu 4 the grace
    assert [(who, kind) for who, kind, *_ in notices_of(env.platform, A)] == [
        ("anna", "action_overdue"), ("erik", "deadline_escalated")]
    env.feed(action_event(A, action, "rescheduled", 2, due_date="2026-06-30"))
    assert fire(env, "2026-06-30") == 0
    assert fire(env, "2026-07-01") == 1  # the new date's reminder: a new round
    env.feed(action_event(A, action, "completed", 3, status="done", due_date="2026-06-30"))
    assert fire(env, "2026-07-31") == 0
    assert deadline_states(env.platform, A)[(action, "action")] == ("cleared", 2)
    assert sorted(event.rsplit(":", 1)[1] for who, _k, _s, event in notices_of(env.platform, A) if who == "anna") \
        == ["reminder-1", "reminder-2"]


def test_a_document_past_its_review_date_reminds_the_chief_of_its_owning_unit(env):
    env.feed_roles()
    document = str(uuid.uuid4())
    env.feed(document_established(A, document, review_date="2027-01-29", unit="e2"))
    assert fire(env, "2027-01-29") == 0
    fire(env, "2027-01-30")
    assert [(who, kind, link) for who, kind, link in _with_links(env) if kind == "document_review_due"] == [
        ("eva", "document_review_due", f"/styrdokument/{document}")]
    env.feed(document_established(A, document, revision=4, number=2, review_date="2028-01-31", unit="e2"))
    assert fire(env, "2027-02-10") == 0  # reviewed: the new version's date is far off
    assert deadline_states(env.platform, A)[(document, "document_review")] == ("pending", 2)


def _with_links(env):
    from ordning_notify.db import notices

    with env.platform.engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(sa.select(notices.c.recipient, notices.c.kind, notices.c.link)
                                                         .where(notices.c.tenant == A)))  # rules' notices too


def test_the_mas_is_reminded_of_the_patient_safety_report_before_1_march_and_the_forvaltningschef_after_it(env):
    env.feed_roles()
    assert fire(env, "2027-02-12") == 0
    # ten working days before Monday 1 March 2027: A's MAS; B has none, and its förvaltningschef hears of it at once
    assert fire(env, "2027-02-15") == 2
    assert fire(env, "2027-03-01") == 0
    assert notices_of(env.platform, A) == [("maja", "patient_safety_report_due", "2027",
                                            f"deadline:{_psb_id()}:reminder-1")]
    assert [who for who, *_ in notices_of(env.platform, B)] == ["fia"]
    assert fire(env, "2027-03-02") == 0  # next year's is made, due 1 March 2028; 2027's stays open
    assert fire(env, "2027-03-03") == 0  # the grace period after 1 March: Tuesday 2 and Wednesday 3 March
    assert fire(env, "2027-03-04") == 2  # A's and B's förvaltningschef
    assert fire(env, "2027-03-05") == 0
    assert notices_of(env.platform, A, "deadline_escalated") == [
        ("frida", "deadline_escalated", "2027", f"deadline:{_psb_id()}:escalation-1")]
    states = _patient_safety(env)
    assert {key[0]: value[0] for key, value in states.items()} == {"2027": "escalated", "2028": "pending"}
    fire(env, "2028-03-02")  # 2028's 1 March has passed (its reminders given): 2027's leaves the open list
    assert _patient_safety(env)[("2027", "patient_safety_report")] == ("cleared", 1)


def test_a_finished_patient_safety_report_stops_the_reminder_of_its_year(env):
    env.feed_roles()
    assert fire(env, "2027-02-01") == 0  # 2027's deadline is made
    assert env.feed(report_finished(A, 2026, kind="quality_report")) == "processed"  # no deadline of notify's
    assert _patient_safety(env)[("2027", "patient_safety_report")] == ("pending", 1)
    finished = report_finished(A, 2026, unit="f")
    assert env.feed(finished) == "processed"
    assert env.feed(finished) == "duplicate"
    assert _patient_safety(env)[("2027", "patient_safety_report")] == ("cleared", 1)
    for day in ("2027-02-15", "2027-03-04", "2027-03-10"):
        fire(env, day)
    assert notices_of(env.platform, A) == []
    assert [kind for _who, kind, *_ in notices_of(env.platform, B)] == ["deadline_escalated",
                                                                         "patient_safety_report_due"]
    assert _patient_safety(env)[("2027", "patient_safety_report")] == ("cleared", 1)
    assert _patient_safety(env)[("2028", "patient_safety_report")] == ("pending", 1)
    assert deadline_states(env.platform, B)[("2027", "patient_safety_report")] == ("escalated", 1)  # B's is B's


def test_a_report_finished_after_the_reminder_stops_the_escalation(env):
    env.feed_roles()
    assert fire(env, "2027-02-15") == 2  # A's MAS, B's förvaltningschef
    env.feed(report_finished(A, 2026))
    assert fire(env, "2027-03-04") == 1  # B's, not finished
    assert [kind for _who, kind, *_ in notices_of(env.platform, A)] == ["patient_safety_report_due"]
    assert _patient_safety(env)[("2027", "patient_safety_report")] == ("cleared", 1)


def test_a_report_finished_before_its_deadline_is_made_gives_it_none(env):
    env.feed_roles()
    env.feed(report_finished(A, 2026))  # before the scheduler first ran for 2027
    fire(env, "2027-02-15")
    assert ("2027", "patient_safety_report") not in _patient_safety(env)
    assert notices_of(env.platform, A) == []
    fire(env, "2028-02-16")  # 2027's report not finished: 2028's deadline reminds
    assert notices_of(env.platform, A) == [("maja", "patient_safety_report_due", "2028",
                                            f"deadline:{_psb_id('2028')}:reminder-1")]


def _psb_id(year="2027"):
    from ordning_notify.deadlines import deadline_id

    return deadline_id(A, "patient_safety_report", "patient_safety_report", year)


# --------------------------------------------------------------------------
# The API
# --------------------------------------------------------------------------

def test_administrators_list_the_open_and_overdue_deadlines_a_page_at_a_time_of_their_tenant_only(env):
    env.feed_roles()
    cases = []
    for due in ("2026-05-12", "2026-05-20", "2026-05-28"):
        case, body = reported(A, receipt_due=due, investigation_due="2026-06-30")
        env.feed(body)
        cases.append(case)
    env.feed(reported(B, receipt_due="2026-05-12", investigation_due="2026-06-30", unit="eb")[1])
    fire(env, REMIND)
    admin = env.auth(*ADMIN)
    first = env.client.get(f"{D}?kind=receipt&limit=2", headers=admin)
    assert first.status_code == 200, first.get_json()
    page = first.get_json()
    assert [(d["subject_id"], d["due_on"], d["state"]) for d in page["items"]] == [
        (cases[0], "2026-05-12", "reminded"), (cases[1], "2026-05-20", "pending")]
    assert page["items"][0]["unit_name"] == "enhet e1" and page["items"][0]["kind_label"]
    rest = env.client.get(f"{D}?kind=receipt&limit=2&cursor={page['next_cursor']}", headers=admin).get_json()
    assert [d["subject_id"] for d in rest["items"]] == [cases[2]] and rest["next_cursor"] is None
    overdue = env.client.get(f"{D}?state=overdue", headers=env.auth(*KVAL_N)).get_json()["items"]
    assert {(d["subject_id"], d["kind"]) for d in overdue} <= {(case, kind) for case in cases
                                                               for kind in ("receipt", "investigation")}
    assert all(d["overdue"] for d in overdue)
    theirs = env.client.get(D, headers=env.auth(*ADMIN_B, tenant=B)).get_json()["items"]
    assert {d["subject_id"] for d in theirs} & set(cases) == set()
    assert env.client.get(D, headers=env.auth(*CHEF_E1)).status_code == 403
    bad = env.client.get(f"{D}?cursor=not-a-cursor", headers=admin)
    assert bad.status_code == 400 and bad.content_type == "application/problem+json"
    assert env.client.get(f"{D}?state=late", headers=admin).status_code == 422


def test_an_administrator_sets_the_grace_period_and_a_reminded_deadline_escalates_by_it(env):
    env.feed_roles()
    case, body = reported(A, receipt_due=DUE, investigation_due="2026-06-30")
    env.feed(body)
    fire(env, REMIND)
    admin = env.auth(*ADMIN)
    read = env.client.get(S, headers=admin)
    assert read.get_json() == {"grace_working_days": 2, "patient_safety_roles": ["mas", "mar"],
                               "patient_safety_lead_days": 10, "default": True, "version": 0}
    assert read.headers["ETag"] == '"deadline-settings.0"'
    wanted = {"grace_working_days": 5, "patient_safety_roles": ["mas"], "patient_safety_lead_days": 15}
    assert env.client.put(S, json=wanted, headers=admin).status_code == 428
    assert env.client.put(S, json=wanted, headers={**env.auth(*KVAL_N), "If-Match": read.headers["ETag"]}) \
        .status_code == 403
    put = env.client.put(S, json=wanted, headers={**admin, "If-Match": read.headers["ETag"]})
    assert put.status_code == 200 and put.get_json() == {**wanted, "default": False, "version": 1}
    assert put.headers["ETag"] == '"deadline-settings.1"'
    assert env.client.put(S, json=wanted, headers={**admin, "If-Match": read.headers["ETag"]}).status_code == 412
    audit = env.platform.tables.audit_log.c
    with env.platform.engine.connect() as conn:
        trail = conn.execute(sa.select(audit.actor, audit.changed_values).where(
            audit.entity_type == "deadline_settings")).all()
    assert trail == [("adam", {"grace_working_days": [2, 5], "patient_safety_lead_days": [10, 15],
                               "patient_safety_roles": [["mas", "mar"], ["mas"]], "version": [0, 1]})]
    # reminded Wed 13 May; five working days (15, 18, 19, 20, 21 May) of grace: escalated Friday 22 May
    assert fire(env, ESCALATE) == 0
    assert fire(env, "2026-05-22") == 1
    assert [(who, kind) for who, kind, *_ in notices_of(env.platform, A)] == [
        ("erik", "receipt_overdue"), ("vera", "deadline_escalated")]


@pytest.mark.parametrize("body", [
    {"grace_working_days": 31, "patient_safety_roles": ["mas"], "patient_safety_lead_days": 10},
    {"grace_working_days": -1, "patient_safety_roles": ["mas"], "patient_safety_lead_days": 10},
    {"grace_working_days": 2, "patient_safety_roles": [], "patient_safety_lead_days": 10},
    {"grace_working_days": 2, "patient_safety_roles": ["medarbetare"], "patient_safety_lead_days": 10},
    {"grace_working_days": 2, "patient_safety_roles": ["mas"], "patient_safety_lead_days": 61},
    {"grace_working_days": "2", "patient_safety_roles": ["mas"], "patient_safety_lead_days": 10},
    {"grace_working_days": 2, "patient_safety_roles": ["mas"], "patient_safety_lead_days": 10, "extra": 1},
    {"grace_working_days": 2, "patient_safety_roles": ["mas"]},
])
def test_bad_settings_are_refused_with_a_problem_and_nothing_is_stored(env, body):
    before = env.counts()
    answer = env.client.put(S, json=body, headers={**env.auth(*ADMIN), "If-Match": '"deadline-settings.0"'})
    assert answer.status_code == 422 and answer.content_type == "application/problem+json"
    assert env.counts() == before
