"""The figures API over events fed through the platform's consumer: counts, scope, access, CSV."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from ordning_reporting import db
from ordning_shared.events import UntrustedEvent

from .conftest import CHEF_E1, FCHEF_F, KVAL_N, MAS_N, STAFF_E1, value
from .streams import A, B, U, Action, Case, body, org_bodies

D = date(2026, 3, 10)


def feed_all(env, *aggregates):
    for aggregate in aggregates:
        for event in aggregate.bodies:
            assert env.feed(event) == "processed"


def test_cases_are_counted_by_kind_unit_month_and_category(env):
    feed_all(env,
             Case(A, "avvikelse", U["e1"], D, "c1").report().receive(1).close(10),
             Case(A, "avvikelse", U["e2"], date(2026, 4, 2)).report(),
             Case(A, "lex_sarah", U["e1"], D).report().receive().investigate().decide(True, 2).ivo(7),
             Case(A, "lex_sarah", U["e3"], D).report().receive().investigate().decide(False, 3),
             Case(A, "lex_maria", U["x"], D).report().receive().investigate().decide(True).ivo(3),
             Case(A, "klagomal", U["e1"], D, origin="citizen").report().receive(2).close(5),
             Case(A, "synpunkt", U["e2"], D).report().close(20),
             Case(A, "avvikelse", U["e1"], date(2025, 12, 31)).report())  # another year
    whole = env.figures()
    assert value(whole, "deviations", "total") == 7
    by_kind = {row["kind"]: row["reported"] for row in value(whole, "deviations", "by_kind")}
    assert by_kind == {"avvikelse": 2, "lex_sarah": 2, "lex_maria": 1, "klagomal": 1, "synpunkt": 1}
    months = {row["month"]: row["total"] for row in value(whole, "deviations", "by_month")}
    assert months["2026-03"] == 6 and months["2026-04"] == 1 and len(months) == 12
    assert {row["category_id"]: row["reported"] for row in value(whole, "deviations", "by_category")} == \
        {"c1": 1, None: 6}
    units = {row["unit_id"]: row for row in value(whole, "deviations", "by_unit")}
    assert units[U["x"]]["unit_kind"] == "external_provider" and units[U["x"]]["lex_maria"] == 1
    assert value(whole, "lex_sarah", "reported") == 2
    assert value(whole, "lex_sarah", "judged_serious") == 1
    assert value(whole, "lex_sarah", "not_serious") == 1
    assert value(whole, "lex_sarah", "reported_to_ivo") == 1
    assert value(whole, "lex_sarah", "days_to_ivo_max") == 7
    assert value(whole, "lex_maria", "days_to_ivo_median") == 3
    assert value(whole, "complaints_and_feedback", "received") == 2
    assert value(whole, "complaints_and_feedback", "from_citizens") == 1
    assert value(whole, "complaints_and_feedback", "answered") == 2
    assert value(whole, "complaints_and_feedback", "answered_in_time") == 1  # 20 days is past the 14 given
    assert value(whole, "complaints_and_feedback", "days_to_answer_mean") == 12.5
    assert value(whole, "complaints_and_feedback", "days_to_answer_max") == 20

    # F: V (E1, E2) and the external provider; not F2's E3
    f = env.figures(FCHEF_F, unit_id=U["f"])
    assert f["scope"]["units"] == 5
    assert value(f, "deviations", "total") == 6
    assert value(f, "lex_sarah", "reported") == 1
    assert value(env.figures(unit_id=U["f2"]), "lex_sarah", "not_serious") == 1
    assert value(env.figures(CHEF_E1, unit_id=U["e1"]), "deviations", "total") == 3


def test_a_period_inside_months_counts_the_days_from_the_facts(env):
    feed_all(env, Case(A, "avvikelse", U["e1"], date(2026, 3, 1)).report(),
             Case(A, "avvikelse", U["e1"], date(2026, 3, 20)).report(),
             Case(A, "avvikelse", U["e2"], date(2026, 4, 5)).report(),
             Case(A, "avvikelse", U["e3"], date(2026, 5, 31)).report())
    assert value(env.figures(**{"from": "2026-03-10", "to": "2026-05-30"}), "deviations", "total") == 2
    assert value(env.figures(**{"from": "2026-03-01", "to": "2026-05-31"}), "deviations", "total") == 4
    assert value(env.figures(**{"from": "2026-03-20", "to": "2026-03-20"}), "deviations", "total") == 1
    assert value(env.figures(unit_id=U["v"], **{"from": "2026-03-02", "to": "2026-04-30"}),
                 "deviations", "total") == 2


def test_a_moved_recategorised_or_rejected_case_counts_where_it_is_now(env):
    moved = Case(A, "avvikelse", U["e1"], D, "c1").report().move(U["e3"]).categorise("c2")
    rejected = Case(A, "klagomal", U["e1"], D).report().reject()
    feed_all(env, moved, rejected)
    whole = env.figures()
    assert value(whole, "deviations", "total") == 1
    assert value(whole, "deviations", "rejected") == 1
    assert value(whole, "deviations", "by_category") == [{"category_id": "c2", "reported": 1}]
    assert value(env.figures(unit_id=U["e1"]), "deviations", "total") == 0
    assert value(env.figures(unit_id=U["e3"]), "deviations", "total") == 1


def test_cases_are_counted_by_their_handelsetyp_as_it_is_now(env):
    """The händelsetyp's code as reported, set later, changed, cleared; a reclassified case keeps its type under
    its new kind; a redelivered or late change of type counts once and in version order."""
    changed = Case(A, "avvikelse", U["e1"], D, event_type="fall").report().change_event_type("lakemedel")
    late = Case(A, "lex_sarah", U["e2"], D, event_type="fall").report().receive().change_event_type("hot_och_vald")
    feed_all(env,
             Case(A, "avvikelse", U["e1"], D, event_type="fall").report(),  # as reported
             Case(A, "avvikelse", U["e3"], D).report().change_event_type("fall"),  # set later
             changed,
             Case(A, "avvikelse", U["e1"], D, event_type="lakemedel").report().change_event_type(None),  # cleared
             Case(A, "lex_sarah", U["e1"], D, event_type="fall").report().reclassify("avvikelse"),
             Case(A, "avvikelse", U["e1"], D, event_type="fall").report().reject())  # rejected: no type counted
    for event in (late.bodies[2], late.bodies[0], late.bodies[1]):  # the change before the report and the receipt
        assert env.feed(event) == "processed"
    assert env.feed(changed.bodies[1]) == "duplicate"  # redelivered: counted once
    assert env.feed(late.bodies[2]) == "duplicate"
    whole = env.figures()
    assert value(whole, "deviations", "by_event_type") == [
        {"event_type": "fall", "reported": 3}, {"event_type": None, "reported": 1},
        {"event_type": "hot_och_vald", "reported": 1}, {"event_type": "lakemedel", "reported": 1}]
    assert sum(row["reported"] for row in value(whole, "deviations", "by_event_type")) == \
        value(whole, "deviations", "total")
    # the scope and the month as every figure: E1 alone, and a month without cases
    assert value(env.figures(unit_id=U["e1"]), "deviations", "by_event_type") == [
        {"event_type": "fall", "reported": 2}, {"event_type": None, "reported": 1},
        {"event_type": "lakemedel", "reported": 1}]
    assert value(env.figures(**{"from": "2026-04-01", "to": "2026-04-30"}), "deviations", "by_event_type") == []
    # a later change of type moves the count from one type to the other
    assert env.feed(late.change_event_type("fall").bodies[-1]) == "processed"
    assert {row["event_type"]: row["reported"] for row in value(env.figures(), "deviations", "by_event_type")} == \
        {"fall": 4, "lakemedel": 1, None: 1}
    # and the CSV of the table
    r = env.client.get("/api/v1/figures", query_string={"from": "2026-01-01", "to": "2026-12-31", "format": "csv",
                                                       "table": "deviations.by_event_type"},
                       headers=env.auth(*KVAL_N, tenant=A))
    assert r.status_code == 200 and r.data.decode().splitlines()[:2] == ["event_type,reported", "fall,4"]


def test_actions_open_overdue_done_and_with_effect_followed_up(env):
    created = datetime(2026, 2, 3, 10, tzinfo=timezone.utc)
    feed_all(env,
             Action(A, U["e1"], date(2026, 2, 10), created).create(),  # open, overdue
             Action(A, U["e1"], date(2099, 1, 1), created).create().start(),  # open
             Action(A, U["e2"], date(2026, 2, 10), created, origin_type="risk").create().complete(True),  # done
             Action(A, U["e2"], date(2026, 2, 10), created).create().complete(False),  # done, no follow-up
             Action(A, U["e1"], date(2099, 1, 1), created).create().complete(True).reopen(),  # the follow-up stays
             Action(A, U["e3"], date(2026, 2, 10), datetime(2025, 5, 1, tzinfo=timezone.utc)).create()
             .complete(True))  # 2025
    whole = env.figures()
    assert [value(whole, "actions", name) for name in ("created", "open", "overdue", "done", "cancelled")] == \
        [5, 3, 1, 2, 0]
    assert value(whole, "actions", "effect_followed_up") == 2
    origins = {row["origin_type"]: (row["created"], row["effect_followed_up"])
               for row in value(whole, "actions", "by_origin")}
    assert origins == {"deviation": (4, 1), "risk": (1, 1)}
    units = {row["unit_id"]: row["effect_followed_up"] for row in value(whole, "actions", "by_unit")}
    assert units == {U["e1"]: 1, U["e2"]: 1}
    assert value(env.figures(unit_id=U["e2"]), "actions", "effect_followed_up") == 1
    assert value(env.figures(**{"from": "2025-01-01", "to": "2025-12-31"}), "actions", "effect_followed_up") == 1


def test_cases_are_counted_by_their_process_step_as_linked_now(env):
    step1, step2 = "d0000000-0000-0000-0000-000000000001", "d0000000-0000-0000-0000-000000000002"
    feed_all(env,
             Case(A, "avvikelse", U["e1"], D, process_step_id=step1).report(),  # named at report
             Case(A, "lex_sarah", U["e2"], D, process_step_id=step1).report().receive(),
             Case(A, "avvikelse", U["e1"], D).report().link_step(step2),  # linked later
             Case(A, "avvikelse", U["e3"], D, process_step_id=step2).report().link_step(step1),  # changed
             Case(A, "avvikelse", U["e1"], D, process_step_id=step2).report().link_step(None),  # cleared
             Case(A, "avvikelse", U["e1"], D).report())
    whole = env.figures()
    assert value(whole, "deviations", "by_process") == [
        {"process_step_id": step1, "reported": 3}, {"process_step_id": None, "reported": 2},
        {"process_step_id": step2, "reported": 1}]
    assert value(env.figures(unit_id=U["e1"]), "deviations", "by_process") == [
        {"process_step_id": None, "reported": 2}, {"process_step_id": step1, "reported": 1},
        {"process_step_id": step2, "reported": 1}]


def test_every_section_is_defined_and_counts_nothing_without_events(env):
    document = env.figures()
    assert [s["key"] for s in document["sections"]] == [
        "deviations", "lex_sarah", "lex_maria", "complaints_and_feedback", "actions", "risks", "documents", "goals",
        "processes"]
    for key in ("risks", "documents", "goals", "processes"):
        section = next(s for s in document["sections"] if s["key"] == key)
        assert section["status"] == "filled" and section["note"]
        assert all(f.get("value") == 0 for f in section["figures"] if f["type"] == "value")
    only = env.figures(section=["lex_maria", "goals"])
    assert [s["key"] for s in only["sections"]] == ["lex_maria", "goals"]


def test_csv_of_a_table_and_of_the_values(env):
    feed_all(env, Case(A, "lex_maria", U["e1"], D).report())
    r = env.client.get("/api/v1/figures", query_string={"format": "csv", "table": "deviations.by_kind",
                                                          "from": "2026-01-01", "to": "2026-12-31"},
                       headers=env.auth(*KVAL_N))
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0] == ["kind", "label_sv", "reported"]
    assert ["lex_maria", "Lex Maria", "1"] in rows
    r = env.client.get("/api/v1/figures?format=csv&from=2026-01-01&to=2026-12-31", headers=env.auth(*KVAL_N))
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0] == ["section", "figure", "title_sv", "value"]
    assert ["lex_maria", "reported", "Anmälda", "1"] in rows
    assert ["goals", "goals", "Kvalitetsmål med mätningar under perioden", "0"] in rows
    r = env.client.get("/api/v1/figures?format=csv&table=deviations.nothing", headers=env.auth(*KVAL_N))
    assert r.status_code == 404 and r.get_json()["code"] == "unknown_table"
    r = env.client.get("/api/v1/figures?table=deviations.by_kind", headers=env.auth(*KVAL_N))
    assert r.status_code == 400


def test_roles_and_scope(env):
    feed_all(env, Case(A, "avvikelse", U["e1"], D).report())
    get = env.client.get
    assert get("/api/v1/figures").status_code == 401
    r = get("/api/v1/figures", headers=env.auth(*STAFF_E1))  # medarbetare: no figures
    assert r.status_code == 403 and r.get_json()["code"] == "no_figure_role"
    r = get("/api/v1/figures", headers=env.auth(*FCHEF_F))  # the municipality needs its top level
    assert r.status_code == 403 and r.get_json()["code"] == "municipality_not_in_scope"
    r = get(f"/api/v1/figures?unit_id={U['f2']}", headers=env.auth(*FCHEF_F))  # beside F: not found
    assert r.status_code == 404 and r.get_json()["code"] == "unknown_scope"
    r = get(f"/api/v1/figures?unit_id={U['f']}", headers=env.auth(*CHEF_E1))  # above E1: not found
    assert r.status_code == 404
    r = get(f"/api/v1/figures?unit_id={U['e1']}", headers=env.auth("x", ["processagare"], ["n"]))
    assert r.status_code == 403
    for who in (KVAL_N, MAS_N, ("n", ["namnd"], ["n"]), ("a", ["administrator"], ["n"])):
        assert value(env.figures(who), "deviations", "total") == 1
    assert value(env.figures(("v", ["verksamhetschef"], ["v"]), unit_id=U["e1"]), "deviations", "total") == 1


def test_tenant_b_sees_nothing_of_tenant_a(env):
    feed_all(env, Case(A, "avvikelse", U["e1"], D).report(), Case(B, "lex_sarah", U["eb"], D).report())
    b = env.figures(("bo", ["kvalitetsutvecklare"], ["fb"]), tenant=B)
    assert value(b, "deviations", "total") == 1 and value(b, "lex_sarah", "reported") == 1
    assert value(env.figures(), "deviations", "total") == 1 and value(env.figures(), "lex_sarah", "reported") == 0
    # A's unit named with B's token: not found; A's person naming B's unit: not found
    r = env.client.get(f"/api/v1/figures?unit_id={U['e1']}", headers=env.auth("bo", ["kvalitetsutvecklare"],
                                                                             ["fb"], tenant=B))
    assert r.status_code == 404
    r = env.client.get(f"/api/v1/figures?unit_id={U['eb']}", headers=env.auth(*KVAL_N))
    assert r.status_code == 404


def test_bad_periods_are_refused(env):
    for query, status in (("from=2026-05-01&to=2026-04-30", 422), ("from=2010-01-01&to=2026-01-01", 422),
                          ("from=1999-12-31&to=2000-01-31", 422), ("from=2026-02-30", 422),
                          ("from=yesterday", 422), ("unit_id=nope", 422), ("format=xml", 422),
                          ("section=everything", 422), ("color=red", 422)):
        r = env.client.get(f"/api/v1/figures?{query}", headers=env.auth(*KVAL_N))
        assert r.status_code == status, (query, r.get_json())
        assert r.mimetype == "application/problem+json"


def test_org_events_and_unknown_types_are_stored(env):
    assert env.feed(body("se.ordning.goal.measurement_recorded.v1", A, "g1", {"goal_id": "g1"}, 1,
                         "processes")) == "processed"
    with env.platform.engine.connect() as conn:
        types = list(conn.execute(sa.select(db.event_store.c.type)).scalars())
    assert types.count("se.ordning.org_unit.created.v1") == len(org_bodies())
    assert "se.ordning.goal.measurement_recorded.v1" in types


def test_an_aggregates_events_from_another_service_are_refused_and_not_stored(env):
    forged = body("se.ordning.deviation.reported.v1", A, "d1", {"deviation_id": "d1", "kind": "lex_sarah",
                                                                 "unit_id": U["e1"], "version": 1}, 1, "risks")
    with pytest.raises(UntrustedEvent):
        env.feed(forged)
    with env.platform.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.event_store)
                            .where(db.event_store.c.subject == "d1")).scalar_one() == 0


def test_a_malformed_day_counts_nowhere_and_fails_nothing(env):
    case = Case(A, "klagomal", U["e1"], D)
    case.bodies.append(body("se.ordning.deviation.reported.v1", A, case.id, {
        "deviation_id": case.id, "kind": "klagomal", "unit_id": U["e1"], "category_id": None, "status": "reported",
        "origin": "citizen", "reported_at": "2026-03-10T08:00:00+00:00", "investigation_due": "soon",
        "version": 1}, 1, "deviations"))
    case.version = 1
    case.close(3)
    feed_all(env, case)
    whole = env.figures()
    assert value(whole, "complaints_and_feedback", "answered") == 1
    assert value(whole, "complaints_and_feedback", "answered_in_time") == 0
