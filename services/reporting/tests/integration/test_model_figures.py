"""Risks, analyses, proposals, documents, goals and processes: counted per scope and period from their events, and
a shuffled, duplicated stream gives the figures of the ordered one."""
from __future__ import annotations

import random
from datetime import date

import pytest

from .conftest import make_env, value
from .model_streams import Analysis, Document, Indicator, Process, Proposal, Risk, random_model_history
from .streams import A, U, org_bodies

CHEF_E1 = ("erik", ["enhetschef"], ["e1"])


def feed_all(env, *aggregates):
    for aggregate in aggregates:
        for event in aggregate.bodies:
            assert env.feed(event) == "processed"


def section(document, key):
    return next(s for s in document["sections"] if s["key"] == key)


def test_risks_are_counted_per_scope_with_the_plan_the_heat_map_and_escalations(env):
    e1 = Analysis(A, U["e1"], date(2026, 3, 10)).start()
    high = Risk(e1, date(2026, 3, 10)).identify().score("initial", 3, 4)        # 12: in the plan
    lowered = Risk(e1, date(2026, 3, 11)).identify().score("initial", 4, 4).score("residual", 2, 2)  # 4 after
    low = Risk(e1, date(2026, 3, 11)).identify().score("initial", 1, 2)         # 2: not in the plan
    taken = Risk(e1, date(2026, 3, 12)).identify().score("initial", 1, 3)       # 3, taken over by F
    taken.decide(taken.escalate(U["f"]), U["f"], accept=True)
    returned = Risk(e1, date(2026, 3, 12)).identify()                           # unscored, escalation returned
    returned.decide(returned.escalate(U["f"]), U["f"], accept=False)
    e1.complete(5).follow_up()
    e3 = Analysis(A, U["e3"], date(2026, 5, 2), trigger="serious_deviation").start()
    other = Risk(e3, date(2026, 5, 2)).identify().score("initial", 4, 3)
    old = Analysis(A, U["e1"], date(2025, 11, 1)).start()                      # another year
    proposal = Proposal(A, U["e1"], date(2026, 4, 1)).create().dismiss()
    feed_all(env, e1, high, lowered, low, taken, returned, e3, other, old, proposal)

    whole = env.figures()
    assert [value(whole, "risks", name) for name in (
        "analyses_started", "analyses_in_progress", "analyses_completed", "analyses_followed_up")] == [2, 1, 1, 1]
    triggers = {row["trigger"]: (row["total"], row["done"]) for row in value(whole, "risks", "analyses_by_trigger")}
    assert triggers == {"yearly": (1, 1), "serious_deviation": (1, 0)}
    assert [value(whole, "risks", name) for name in (
        "risks_identified", "risks_scored", "risks_unscored", "risks_residual_scored", "risks_in_plan",
        "risks_taken_over")] == [6, 5, 1, 1, 3, 1]  # in the plan: high, taken (over), other
    heat = {(row["probability"], row["consequence"]): (row["initial"], row["residual"])
            for row in value(whole, "risks", "heat_map") if row["initial"] or row["residual"]}
    assert heat == {(3, 4): (1, 1), (4, 4): (1, 0), (2, 2): (0, 1), (1, 2): (1, 1), (1, 3): (1, 1),
                    (4, 3): (1, 1)}
    # on the whole grid of the default matrix (no matrix event: version 1 is the default), every cell once
    assert sorted((row["matrix_version"], row["probability"], row["consequence"])
                  for row in value(whole, "risks", "heat_map")) == [(1, p, c) for p in range(1, 5) for c in range(1, 5)]
    assert [value(whole, "risks", name) for name in (
        "escalations", "escalations_pending", "escalations_accepted", "escalations_returned")] == [2, 0, 1, 1]
    assert value(whole, "risks", "proposals") == 1 and value(whole, "risks", "proposals_open") == 0

    # E1 alone: its analysis, and the risks it still holds (the one F took over counts at F).
    unit = env.figures(who=CHEF_E1, unit_id=U["e1"])
    assert value(unit, "risks", "analyses_started") == 1
    assert value(unit, "risks", "risks_identified") == 4 and value(unit, "risks", "risks_in_plan") == 1
    assert value(unit, "risks", "escalations") == 2  # escalations count where they came from
    # The förvaltning F holds E1's risks and the one it took over; F2 only E3's.
    f = env.figures(unit_id=U["f"])
    assert value(f, "risks", "risks_identified") == 5 and value(f, "risks", "risks_in_plan") == 2
    f2 = env.figures(unit_id=U["f2"])
    assert value(f2, "risks", "risks_identified") == 1 and value(f2, "risks", "analyses_started") == 1
    assert value(f2, "risks", "escalations") == 0 and value(f2, "risks", "proposals") == 0
    # Another period: the analysis of 2025, nothing of 2026.
    earlier = env.figures(**{"from": "2025-01-01", "to": "2025-12-31"})
    assert value(earlier, "risks", "analyses_started") == 1 and value(earlier, "risks", "risks_identified") == 0
    # A partial month: 11 to 12 March holds four of E1's risks.
    days = env.figures(**{"from": "2026-03-11", "to": "2026-03-12"})
    assert value(days, "risks", "risks_identified") == 4


def test_documents_goals_and_processes_are_counted_per_scope(env):
    routine = Document(A, U["e1"]).establish(date(2026, 2, 10), date(2026, 8, 1))       # overdue today
    routine.establish(date(2026, 3, 20), date(2099, 1, 1))                               # revised: not overdue
    overdue = Document(A, U["e1"], "riktlinje").establish(date(2024, 1, 10), date(2025, 1, 10))  # old, overdue
    guideline = Document(A, U["e3"], "riktlinje").establish(date(2026, 4, 1), date(2099, 4, 1))
    goal = Indicator(A, U["e1"]).measure(date(2026, 1, 1), "90", "not_met").measure(date(2026, 2, 1), "95", "met")
    half = Indicator(A, U["e1"], goal_id=goal.goal_id).measure(date(2026, 2, 1), "3", "partly")
    other = Indicator(A, U["e3"]).measure(date(2026, 3, 1), "10", "met")
    process = Process(A, U["e1"]).establish(date(2026, 1, 15)).establish(date(2026, 9, 1))
    sub = Process(A, U["e3"], "stodprocess", parent_id=process.id).establish(date(2026, 6, 1))
    feed_all(env, routine, overdue, guideline, goal, half, other, process, sub)

    whole = env.figures()
    assert [value(whole, "documents", name) for name in (
        "established", "new_documents", "revised", "in_force", "overdue_for_review")] == [3, 2, 1, 3, 1]
    assert [value(whole, "goals", name) for name in (
        "goals", "attained", "partly_attained", "not_attained", "indicators", "measurements")] == [2, 1, 1, 0, 3, 4]
    latest = {row["indicator_id"]: (row["latest_period"], row["latest_value"], row["latest_attainment"])
              for row in value(whole, "goals", "by_indicator")}
    assert latest[goal.id] == ("2026-02", "95", "met")
    assert [value(whole, "processes", name) for name in ("versions", "established", "revised")] == [3, 2, 1]
    kinds = {row["kind"]: row["subprocesses"] for row in value(whole, "processes", "by_kind")}
    assert kinds == {"huvudprocess": 0, "stodprocess": 1}

    f2 = env.figures(unit_id=U["f2"])
    assert value(f2, "documents", "established") == 1 and value(f2, "documents", "overdue_for_review") == 0
    assert value(f2, "goals", "goals") == 1 and value(f2, "goals", "attained") == 1
    assert value(f2, "processes", "versions") == 1
    e1 = env.figures(who=CHEF_E1, unit_id=U["e1"])
    assert value(e1, "documents", "in_force") == 2 and value(e1, "documents", "overdue_for_review") == 1
    # Overdue is as of today, whatever the period; established is within it, partial months read by day.
    march = env.figures(**{"from": "2026-03-15", "to": "2026-04-10"})
    assert value(march, "documents", "established") == 2 and value(march, "documents", "overdue_for_review") == 1
    late_march = env.figures(**{"from": "2026-03-21", "to": "2026-03-31"})
    assert value(late_march, "documents", "established") == 0
    assert value(late_march, "goals", "measurements") == 0
    assert value(env.figures(**{"from": "2026-02-01", "to": "2026-02-01"}), "goals", "measurements") == 2


def test_a_review_due_event_and_a_superseded_version_keep_the_document_in_force_right(env):
    document = Document(A, U["e2"]).establish(date(2026, 1, 10), date(2026, 6, 1)).review_due(date(2026, 6, 1))
    feed_all(env, document)
    assert value(env.figures(), "documents", "overdue_for_review") == 1
    document.establish(date(2026, 7, 1), date(2099, 1, 1))
    for event in document.bodies[-2:]:  # v1 superseded, v2 established
        assert env.feed(event) == "processed"
    whole = env.figures()
    assert value(whole, "documents", "in_force") == 1 and value(whole, "documents", "overdue_for_review") == 0


SEEDS = [11, 12, 13]


@pytest.fixture
def two_envs(migrated_settings):
    envs = [make_env(migrated_settings("reporting")) for _ in range(2)]
    yield envs
    for env in envs:
        env.platform.dispose()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_shuffled_duplicated_stream_of_risks_documents_and_goals_gives_the_ordered_figures(two_envs, seed):
    ordered_env, shuffled_env = two_envs
    history = random_model_history(seed)
    for event in org_bodies() + history:
        assert ordered_env.feed(event) == "processed"
    rng = random.Random(seed)
    stream = org_bodies() + history + rng.sample(history, len(history) // 3)
    rng.shuffle(stream)
    for event in stream:
        assert shuffled_env.feed(event) in ("processed", "duplicate")
    assert shuffled_env.facts() == ordered_env.facts()
    assert shuffled_env.cubes() == ordered_env.cubes()
    cubes = ordered_env.cubes()
    for name in ("cube_risk_analyses", "cube_risks", "cube_document_versions", "cube_goal_measurements",
                 "cube_process_versions"):
        assert cubes[name], f"the history counted nothing in {name}"
    for query in ({}, {"unit_id": U["f"]}, {"from": "2026-02-14", "to": "2026-10-03"}):
        assert [section(shuffled_env.figures(**query), key) for key in ("risks", "documents", "goals", "processes")] \
            == [section(ordered_env.figures(**query), key) for key in ("risks", "documents", "goals", "processes")]


def test_a_rebuild_of_the_new_read_models_gives_the_figures_of_the_incremental_path(env):
    from ordning_reporting.rebuild import rebuild

    history = random_model_history(21)
    stream = history + random.Random(21).sample(history, 15)
    random.Random(22).shuffle(stream)
    for event in stream:
        env.feed(event)
    before, cubes = env.facts(), env.cubes()
    figures = env.figures(**{"from": "2026-03-10", "to": "2026-11-20"})
    rebuild(env.platform.engine, ["risk_analyses", "risks", "risk_proposals", "risk_matrices", "documents", "goals",
                                  "processes"])
    assert env.facts() == before and env.cubes() == cubes
    assert env.figures(**{"from": "2026-03-10", "to": "2026-11-20"})["sections"] == figures["sections"]
    assert value(figures, "risks", "analyses_started") > 0
    assert value(figures, "risks", "heat_map")[0]["matrix_version"] == 2  # the tenant's own grid, current
