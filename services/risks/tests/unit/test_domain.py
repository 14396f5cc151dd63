"""The risks domain without a database: the matrix and its default, scoring, the analysis's state machine,
risks, escalation, and the events' allow-lists."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from ordning_risks import domain as d

T0 = datetime(2026, 5, 12, 8, 0, tzinfo=timezone.utc)


def analysis(**extra) -> d.RiskAnalysis:
    args = dict(tenant="0138", title="Sommar", scope_type="unit", scope_id="u1", unit_id="u1", trigger="yearly",
                analysis_date=date(2026, 5, 12), matrix_version=1, at=T0, by="erik")
    args.update(extra)
    return d.RiskAnalysis.create(**args)


# ---- the matrix ---------------------------------------------------------------

@pytest.mark.parametrize("p", range(1, 5))
@pytest.mark.parametrize("c", range(1, 5))
def test_the_default_puts_score_8_or_consequence_3_at_or_above_the_threshold(p, c):
    scored = d.DEFAULT_MATRIX.score(p, c)
    assert scored.score == p * c
    assert scored.in_plan is (p * c >= 8 or c >= 3)


def test_editing_a_matrix_s_data_changes_no_matrix():
    data = d.DEFAULT_MATRIX.to_dict()
    data["levels"][0]["colour"] = "grön"
    data["probability_steps"][0]["label"] = "x"
    assert d.DEFAULT_LEVELS[0].colour == "#2e7d32" and d.DEFAULT_MATRIX.probability[0].label == "Mycket liten"
    assert d.DEFAULT_MATRIX.to_dict()["levels"][0]["colour"] == "#2e7d32"


def test_the_default_round_trips_through_its_data():
    assert d.RiskMatrix.from_dict(d.DEFAULT_MATRIX.to_dict()) == d.DEFAULT_MATRIX
    assert d.DEFAULT_MATRIX.score(4, 4).level == "mycket_hog" and d.DEFAULT_MATRIX.score(1, 1).level == "lag"


@pytest.mark.parametrize("p, c", [(0, 1), (1, 0), (5, 1), (1, 5), (True, 1)])
def test_a_score_outside_the_matrix_is_refused(p, c):
    with pytest.raises(d.ScoreOutsideMatrix) as refused:
        d.DEFAULT_MATRIX.score(p, c)
    assert refused.value.http_status == 422


def test_every_problem_of_a_matrix_is_named_at_once():
    data = d.DEFAULT_MATRIX.to_dict()
    data["cells"] = data["cells"][1:] + [{"probability": 4, "consequence": 4, "level": "hog"}]
    data["levels"][0]["colour"] = "grön"
    data["plan_threshold"] = "extrem"
    with pytest.raises(d.InvalidMatrix) as refused:
        d.RiskMatrix.from_dict(data)
    errors = refused.value.errors
    assert ("cells[15]", "overlapping_cell") in errors and ("levels[0].colour", "not_#rrggbb") in errors
    assert ("plan_threshold", "unknown_level") in errors
    assert refused.value.document()["errors"]["json"]["plan_threshold"] == ["unknown_level"]


def test_three_by_five_and_five_by_three_are_matrices():
    for p_steps, c_steps in ((3, 5), (5, 3), (3, 3), (5, 5)):
        data = {"probability_steps": [{"value": i, "label": f"P{i}"} for i in range(1, p_steps + 1)],
                "consequence_steps": [{"value": i, "label": f"K{i}"} for i in range(1, c_steps + 1)],
                "levels": [{"code": "lag", "label": "Låg", "colour": "#00ff00"},
                           {"code": "hog", "label": "Hög", "colour": "#ff0000"}],
                "cells": [{"probability": p, "consequence": c, "level": "hog" if p * c > 6 else "lag"}
                          for p in range(1, p_steps + 1) for c in range(1, c_steps + 1)],
                "plan_threshold": "hog"}
        matrix = d.RiskMatrix.from_dict(data)
        assert matrix.score(p_steps, c_steps).in_plan is (p_steps * c_steps > 6)


# ---- the analysis -------------------------------------------------------------

def test_the_state_machine():
    a = analysis()
    assert [c.value for c in d.allowed_commands(a.status)] == ["start"]
    with pytest.raises(d.IllegalTransition):
        a.complete(T0, unscored_risks=0, risk_count=0)
    a.start(T0, matrix_version=3)
    assert a.status is d.AnalysisStatus.in_progress and a.matrix_version == 3 and a.version == 2
    with pytest.raises(d.RisksUnscored):
        a.complete(T0, unscored_risks=1, risk_count=1)
    a.complete(T0, unscored_risks=0, risk_count=1)
    allowed, blocked = a.command_options(["enhetschef"], True, open_actions=2)
    assert [c.value for c in allowed] == ["reopen"] and blocked[0].code == "open_actions_remain"
    assert a.command_options(["medarbetare"], True) == ([], [])
    assert a.command_options(["enhetschef"], False) == ([], [])
    a.follow_up(T0, open_actions=0)
    assert [e.type for e in a.events] == ["se.ordning.risk.analysis_started.v1",
                                          "se.ordning.risk.analysis_completed.v1",
                                          "se.ordning.risk.analysis_followed_up.v1"]
    assert [e.sequence for e in a.events] == [2, 3, 4]


@pytest.mark.parametrize("trigger, change, note", [("larger_change", None, None), ("yearly", "new_method", None),
                                                   ("other", None, " "), ("whim", None, None)])
def test_a_trigger_names_what_it_needs(trigger, change, note):
    with pytest.raises(d.InvalidAnalysis):
        analysis(trigger=trigger, trigger_change=change, trigger_note=note)


def test_a_risk_is_scored_and_kept():
    a = analysis()
    a.start(T0)
    risk = d.Risk.identify(a, description="Fel dos", causes=["Vikarier", " "], at=T0, by="erik")
    assert risk.causes == ["Vikarier"]
    with pytest.raises(d.InitialScoringRequired):
        risk.score(a, d.DEFAULT_MATRIX, kind="residual", probability=1, consequence=1, at=T0, by="erik")
    risk.score(a, d.DEFAULT_MATRIX, kind="initial", probability=3, consequence=3, at=T0, by="erik")
    risk.score(a, d.DEFAULT_MATRIX, kind="residual", probability=1, consequence=3, at=T0, by="erik")
    assert risk.current(d.ScoringKind.initial).level == "hog" and risk.current(d.ScoringKind.residual).score == 3
    assert len(risk.scorings) == 2 and risk.version == 3
    a.complete(T0, unscored_risks=0, risk_count=1)
    with pytest.raises(d.AnalysisClosed):
        risk.score(a, d.DEFAULT_MATRIX, kind="initial", probability=1, consequence=1, at=T0, by="erik")
    with pytest.raises(d.AnalysisClosed):
        d.Risk.identify(a, description="Ny", at=T0, by="erik")


def test_escalation_goes_up_only_and_is_answered_once():
    a = analysis()
    risk = d.Risk.identify(a, description="Bemanning", at=T0, by="erik")
    with pytest.raises(d.InvalidEscalation):
        risk.escalate(to_unit_id="sibling", reason="x", units_above=["f", "n"], at=T0, by="erik")
    first = risk.escalate(to_unit_id="f", reason="Förvaltningen beslutar", units_above=["f", "n"], at=T0, by="erik")
    with pytest.raises(d.EscalationPending):
        risk.escalate(to_unit_id="n", reason="x", units_above=["f", "n"], at=T0, by="erik")
    with pytest.raises(d.InvalidEscalation):
        risk.decide_escalation(first.id, accept=False, reason=None, at=T0, by="frida")
    risk.decide_escalation(first.id, accept=True, reason=None, at=T0, by="frida")
    assert risk.holder_unit_id == "f"
    with pytest.raises(d.EscalationNotPending):
        risk.decide_escalation(first.id, accept=True, reason=None, at=T0, by="frida")
    second = risk.escalate(to_unit_id="n", reason="Nämnden", units_above=["n"], at=T0, by="frida")
    assert second.from_unit_id == "f"


def test_every_event_keeps_to_its_allow_list():
    a = analysis(trigger="larger_change", trigger_change="summer_staffing")
    a.start(T0)
    risk = d.Risk.identify(a, description="Hemligt", causes=["Hemligt"], at=T0, by="erik")
    risk.score(a, d.DEFAULT_MATRIX, kind="initial", probability=2, consequence=2, at=T0, by="erik")
    escalation = risk.escalate(to_unit_id="f", reason="Hemligt", units_above=["f"], at=T0, by="erik")
    risk.decide_escalation(escalation.id, accept=False, reason="Hemligt", at=T0, by="frida")
    for event in a.events + risk.events:
        assert set(event.data) <= d.EVENT_PAYLOAD_FIELDS[event.type] | {"version"}
        assert "Hemligt" not in str(event.data) and "erik" not in str(event.data)
    with pytest.raises(ValueError):
        d.events.make_event(d.events.RISK_SCORED, "0138", "x", 1, {"description": "Hemligt"})


# --------------------------------------------------------------------------
# The matrix's event
# --------------------------------------------------------------------------

def test_a_matrix_version_becomes_one_event_with_its_whole_grid_and_no_prose():
    at = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)
    event = d.events.matrix_changed("0138", 3, d.DEFAULT_MATRIX, at)
    assert event.type == "se.ordning.risk.matrix_changed.v1" and event.sequence == 3
    assert event.subject == event.data["matrix_id"] == d.events.matrix_id("0138") != d.events.matrix_id("1407")
    assert set(event.data) == d.EVENT_PAYLOAD_FIELDS[event.type]
    assert event.data["version"] == 3 and event.data["changed_at"] == "2026-03-01T08:00:00+00:00"
    assert [step["value"] for step in event.data["probability_steps"]] == [1, 2, 3, 4]
    assert all(set(step) == {"value", "label"} for step in event.data["consequence_steps"])
    assert len(event.data["cells"]) == 16 and event.data["plan_threshold"] == "hog"
    # the event's data is its own: editing it changes no matrix, the default least
    event.data["levels"][0]["colour"] = "#000000"
    assert d.DEFAULT_MATRIX.levels[0].colour == "#2e7d32"
