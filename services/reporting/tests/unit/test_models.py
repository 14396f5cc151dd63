"""Folds and contributions of the risks' and processes' read models, the sections' arithmetic and the pattern rule."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ordning_reporting.domain import patterns as p
from ordning_reporting.domain import process_facts as pf
from ordning_reporting.domain import risk_facts as rf
from ordning_reporting.domain.cubes import difference
from ordning_reporting.domain.events import StoredEvent
from ordning_reporting.domain.process_figures import goal_attainment
from ordning_reporting.projection import fold_all
from ordning_reporting.domain.registry import READ_MODELS

E1, F = "e1", "f"


def event(event_type: str, subject: str, sequence: int, **data) -> StoredEvent:
    return StoredEvent("0138", "/ordning/0138/x", f"{subject}-{sequence}-{event_type}", event_type, subject, sequence,
                       None, data, position=sequence)


def analysis(what: str, version: int, status: str, **extra) -> StoredEvent:
    return event(f"se.ordning.risk.analysis_{what}.v1", "a1", version, analysis_id="a1", unit_id=E1,
                 scope_type="unit", scope_id=E1, trigger="yearly", trigger_change=None, matrix_version=1,
                 analysis_date="2026-03-10", status=status, **extra)


def test_an_analysis_counts_on_its_analysis_day_with_its_status_now():
    fact = None
    for e in (analysis("started", 2, "in_progress", started_at="2026-03-10T08:00:00+00:00"),
              analysis("completed", 3, "completed", completed_at="2026-03-20T08:00:00+00:00", risk_count=4),
              analysis("reopened", 4, "in_progress", reopened_at="2026-03-21T08:00:00+00:00")):
        fact = rf.fold_analysis(fact, e)
    assert fact["status"] == "in_progress" and fact["completed_on"] is None and fact["reopened"] == 1
    assert fact["period_on"] == "2026-03-10"
    [row] = rf.analysis_contributions(fact)
    assert row.key == (E1, date(2026, 3, 1), "yearly", "", "unit", "in_progress") and row.measures == \
        {"n": 1, "risks": 0}  # the risk count is counted only for a completed analysis
    fact = rf.fold_analysis(fact, analysis("completed", 5, "completed", completed_at="2026-03-22T08:00:00+00:00",
                                           risk_count=5))
    assert rf.analysis_contributions(fact)[0].measures == {"n": 1, "risks": 5}


def risk(what: str, version: int, **extra) -> StoredEvent:
    return event(f"se.ordning.risk.{what}.v1", "r1", version, risk_id="r1", analysis_id="a1", unit_id=E1,
                 matrix_version=1, **extra)


def scored(version, kind, p_, c, in_plan):
    return risk("risk_scored", version, scoring_id=f"s{version}", kind=kind, probability=p_, consequence=c,
                score=p_ * c, level="hog" if in_plan else "lag", in_plan=in_plan,
                scored_at="2026-03-11T08:00:00+00:00")


def test_a_risk_is_judged_by_its_latest_scoring_and_held_by_who_accepted_it():
    fact = None
    for e in (risk("risk_identified", 1, identified_at="2026-03-10T23:30:00+00:00"),  # 11 March in Sweden
              scored(2, "initial", 3, 4, True), scored(3, "residual", 1, 2, False),
              risk("risk_escalated", 4, escalation_id="x1", from_unit_id=E1, to_unit_id=F,
                   escalated_at="2026-03-12T08:00:00+00:00")):
        fact = rf.fold_risk(fact, e)
    assert fact["identified_on"] == "2026-03-11" and fact["unit_id"] == E1
    assert not rf.in_treatment_plan(fact)  # the residual scoring is under the threshold, and E1 still holds it
    rows = rf.risk_contributions(fact)
    cells = {c.key[3]: (c.key[4], c.key[5]) for c in rows if c.cube == rf.RISK_CELLS.name}
    assert cells == {"initial": (3, 4), "after": (1, 2)}
    assert [c.key[2:] for c in rows if c.cube == rf.RISK_ESCALATIONS.name] == [(F, "pending")]
    accepted = rf.fold_risk(fact, risk("escalation_accepted", 5, escalation_id="x1", from_unit_id=E1, to_unit_id=F,
                                       decided_at="2026-03-13T08:00:00+00:00"))
    assert accepted["unit_id"] == F and rf.taken_over(accepted) and rf.in_treatment_plan(accepted)
    # The cubes move by the difference: the risk leaves E1 and counts at F, its escalation is accepted.
    moved = difference(rf.risk_contributions(fact), rf.risk_contributions(accepted))
    units = {(c.cube, c.key[0]): c.measures for c in moved}
    assert units[(rf.RISKS.name, E1)]["identified"] == -1 and units[(rf.RISKS.name, F)]["identified"] == 1
    assert all(c.key[3] == "accepted" for c in moved if c.cube == rf.RISK_ESCALATIONS.name and c.measures["n"] > 0)


def test_an_unscored_risk_is_counted_but_not_on_the_heat_map():
    fact = rf.fold_risk(None, risk("risk_identified", 1, identified_at="2026-03-10T08:00:00+00:00"))
    rows = rf.risk_contributions(fact)
    assert [c.cube for c in rows] == [rf.RISKS.name] and rows[0].measures["scored"] == 0


def matrix_event(version: int, size: int, **change) -> StoredEvent:
    data = {"matrix_id": "m1", "probability_steps": [{"value": i, "label": f"P{i}"} for i in range(1, size + 1)],
            "consequence_steps": [{"value": i, "label": f"K{i}"} for i in range(1, size + 1)],
            "levels": [{"code": "lag", "label": "Låg", "colour": "#00AA00"},
                       {"code": "hog", "label": "Hög", "colour": "#cc0000"}],
            "cells": [{"probability": p_, "consequence": c, "level": "hog" if p_ * c > size else "lag"}
                      for p_ in range(1, size + 1) for c in range(1, size + 1)],
            "plan_threshold": "hog", "changed_at": "2026-01-02T08:00:00+00:00", "version": version, **change}
    return event("se.ordning.risk.matrix_changed.v1", "m1", version, **data)


def test_a_tenants_matrices_are_kept_by_version_in_any_order_and_the_default_is_version_1():
    model = READ_MODELS["risk_matrices"]
    events = [matrix_event(2, 3), matrix_event(3, 5)]
    forward, _ = fold_all(model, events)
    state = None
    for each in (events[1], events[0], events[1]):  # late, and repeated
        state = model.fold(state, each)
    assert state == forward and sorted(forward["versions"]) == ["2", "3"]
    three = forward["versions"]["2"]
    assert three["cells"]["3,3"] == "hog" and three["cells"]["1,1"] == "lag" and len(three["cells"]) == 9
    assert three["levels"][0] == {"code": "lag", "label": "Låg", "colour": "#00aa00"}
    assert [step["label"] for step in three["probability_steps"]] == ["P1", "P2", "P3"]
    assert model.contribute(forward) == []
    matrices = rf.matrices_with_default([forward])
    assert sorted(matrices) == [1, 2, 3] and matrices[1] == rf.DEFAULT_MATRIX_VERSION
    assert len(matrices[1]["cells"]) == 16 and matrices[1]["levels"][-1]["label"] == "Mycket hög"
    # The tenant's own version 1, once announced, is the one kept.
    own, _ = fold_all(model, [matrix_event(1, 3)])
    assert len(rf.matrices_with_default([own])[1]["cells"]) == 9
    assert rf.matrices_with_default([]) == {1: rf.DEFAULT_MATRIX_VERSION}


@pytest.mark.parametrize("change", [
    {"cells": []}, {"probability_steps": [{"value": 1, "label": "P1"}] * 2},
    {"levels": [{"code": "lag", "label": "Låg", "colour": "grön"}]},
    {"levels": [{"code": "lag", "label": "L", "colour": "#000000"}, {"code": "lag", "label": "L", "colour": "#ffffff"}]},
], ids=["no cells", "two steps", "no colour", "one code twice"])
def test_a_matrix_version_that_is_not_a_whole_grid_is_not_kept(change):
    fact = rf.fold_matrix(None, matrix_event(2, 3, **change))
    assert fact["versions"] == {}


def test_the_heat_map_is_the_current_grid_whole_then_older_versions_holding_risks():
    from ordning_reporting.domain.risk_figures import heat_map_rows

    three, _ = fold_all(READ_MODELS["risk_matrices"], [matrix_event(2, 3)])
    matrices = rf.matrices_with_default([three])
    cells = {(1, "initial", 4, 4, "mycket_hog"): {"n": 2}, (1, "after", 1, 1, "lag"): {"n": 2},
             (2, "initial", 3, 3, "hog"): {"n": 1}, (2, "after", 3, 3, "hog"): {"n": 1},
             (7, "initial", 2, 2, "x"): {"n": 1}}
    rows = heat_map_rows(matrices, cells)
    assert [row["matrix_version"] for row in rows] == [2] * 9 + [7] + [1] * 16
    assert [(row["probability"], row["consequence"]) for row in rows[:3]] == [(3, 1), (3, 2), (3, 3)]
    assert (rows[2]["initial"], rows[2]["residual"], rows[2]["level_label"], rows[2]["current"]) == (1, 1, "Hög", True)
    assert rows[9] == {"matrix_version": 7, "current": False, "probability": 2, "probability_label": None,
                       "consequence": 2, "consequence_label": None, "score": 4, "level": "x", "level_label": None,
                       "level_colour": None, "level_rank": None, "initial": 1, "residual": 0}
    old = {(row["probability"], row["consequence"]): row for row in rows[10:]}
    assert (old[(4, 4)]["initial"], old[(1, 1)]["residual"], old[(4, 4)]["current"]) == (2, 2, False)
    # Nothing counted at all: the current grid alone, empty.
    assert [row["matrix_version"] for row in heat_map_rows(matrices, {})] == [2] * 9


def test_a_proposals_status_is_its_events_name():
    base = {"proposal_id": "p1", "reason": "possible_elsewhere", "deviation_id": "d1", "deviation_kind": "avvikelse",
            "source_unit_id": E1, "unit_id": "e2"}
    fact = rf.fold_proposal(None, event("se.ordning.risk.proposal_created.v1", "p1", 1, **base,
                                        created_at="2026-04-01T08:00:00+00:00"))
    fact = rf.fold_proposal(fact, event("se.ordning.risk.proposal_withdrawn.v1", "p1", 2, **base))
    assert fact["status"] == "withdrawn"
    fact = rf.fold_proposal(fact, event("se.ordning.risk.proposal_reopened.v1", "p1", 3, **base))
    [row] = rf.proposal_contributions(fact)
    assert row.key == ("e2", date(2026, 4, 1), "possible_elsewhere", "avvikelse", "open")


def document(what: str, revision: int, **data) -> StoredEvent:
    return event(f"se.ordning.document.{what}.v1", "d1", revision, document_id="d1", revision=revision, kind="rutin",
                 owner_unit_id=E1, **data)


def test_a_document_counts_each_version_on_its_day_and_the_one_in_force_on_its_review_date():
    events = [document("version_established", 2, unit_ids=[E1], step_ids=[], version=1, established_on="2026-01-10",
                       review_date="2026-06-01", superseded_version=None),
              document("version_superseded", 3, version=1, superseded_on="2026-05-02", superseded_by_version=2),
              document("version_established", 4, unit_ids=[E1], step_ids=[], version=2, established_on="2026-05-02",
                       review_date="2027-05-01", superseded_version=1)]
    fact, version = fold_all(READ_MODELS["documents"], list(reversed(events)))
    assert version == 4 and fact["in_force"] == 2 and fact["review_date"] == "2027-05-01"
    rows = pf.document_contributions(fact)
    assert sorted((c.cube, c.key[2], c.key[-1]) for c in rows) == [
        (pf.DOCUMENT_VERSIONS.name, date(2026, 1, 10), "new"), (pf.DOCUMENT_VERSIONS.name, date(2026, 5, 2), "revised"),
        (pf.DOCUMENTS_IN_FORCE.name, date(2027, 5, 1), "rutin")]
    assert all(c.key[1] == c.key[2].replace(day=1) for c in rows)  # a dated row's month is its day's


def test_an_indicator_counts_each_measurement_in_its_period():
    fact = None
    for version, (period, start, attainment) in enumerate(
            (("2026-Q1", "2026-01-01", "partly"), ("2026-Q2", "2026-04-01", "met")), start=1):
        fact = pf.fold_indicator(fact, event("se.ordning.goal.measurement_recorded.v1", "i1", version, goal_id="g1",
                                             indicator_id="i1", unit_id=E1, measurement_id=f"m{version}",
                                             period=period, period_start=start, value="91.5", attainment=attainment))
    rows = pf.indicator_contributions(fact)
    assert sorted(c.key[2:] for c in rows) == [(date(2026, 1, 1), "g1", "i1", "2026-Q1", "91.5", "partly"),
                                               (date(2026, 4, 1), "g1", "i1", "2026-Q2", "91.5", "met")]


def test_a_process_counts_its_first_version_as_established_and_later_ones_as_revised():
    data = {"process_id": "p1", "unit_id": E1, "parent_id": "p0", "kind": "stodprocess"}
    fact = pf.fold_process(None, event("se.ordning.process.revised.v1", "p1", 2, **data, version=2,
                                       established_on="2026-09-01", previous_version=1))
    fact = pf.fold_process(fact, event("se.ordning.process.established.v1", "p1", 1, **data, version=1,
                                       established_on="2026-02-01"))
    assert sorted(c.key[2:] for c in pf.process_contributions(fact)) == [
        (date(2026, 2, 1), "stodprocess", "subprocess", "established"),
        (date(2026, 9, 1), "stodprocess", "subprocess", "revised")]


def test_goal_attainment_from_the_latest_measurements():
    assert goal_attainment(["met", "met"]) == "met"
    assert goal_attainment(["met", "not_met"]) == "partly"
    assert goal_attainment(["partly"]) == "partly"
    assert goal_attainment(["not_met", "not_met"]) == "not_met"


def test_the_flag_rule():
    steady = [2] * 12
    assert p.standing(steady, 9).flagged
    assert not p.standing(steady, 4).flagged            # above the threshold, under the minimum of 5
    assert not p.standing([6] * 12, 6).flagged          # as always
    noisy = [0, 10] * 6                                 # mean 5, sd 5: the threshold is 15
    assert not p.standing(noisy, 15).flagged and p.standing(noisy, 16).flagged
    assert p.standing([], 5).flagged                    # no history: five cases stand out
    s = p.standing([3, 4] * 6, 10)
    assert (s.mean, s.sd, s.threshold) == (3.5, 0.5, 4.5)
    assert "minst 5" in p.RULE_SV and "12 månaderna" in p.RULE_SV


def test_changes_rates_and_regi():
    assert p.change(6, 5) == {"previous": 5, "change": 1, "change_pct": 20.0}
    assert p.change(3, 0)["change_pct"] is None and p.change(3, None)["previous"] is None
    assert p.rate(8, Decimal(4000)) == 2.0 and p.rate(8, None) is None and p.rate(8, Decimal(0)) is None
    assert p.regi("external_provider") == p.EXTERNAL and p.regi("unit") == p.IN_HOUSE and p.regi("board") is None
    assert p.months_back(date(2026, 1, 1), 1) == date(2025, 12, 1) and p.months_back(date(2026, 3, 1), 12) == \
        date(2025, 3, 1)


@pytest.mark.parametrize("measure,year,value", [("Vårddygn", 2026, 1), ("varddygn", 1999, 1), ("varddygn", 2026, 0),
                                                ("varddygn", 2026, "1.001"), ("x" * 41, 2026, 1),
                                                ("varddygn", 2026, "1e13")])
def test_a_volume_outside_its_bounds_is_refused(measure, year, value):
    with pytest.raises(p.InvalidVolume):
        p.check_volume(measure, year, value)
    assert p.check_volume("varddygn", 2026, "36500.5") == Decimal("36500.5")
