"""Concurrent writers of one case: closing it and adding or reopening an action take turns."""
from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa
from ordning_shared.auth import Principal
from ordning_shared.problems import Problem

from ordning_deviations import db, service
from ordning_shared.workdays import today_in_sweden

from .conftest import U

TRIES = 25
CHEF = Principal(subject="erik", tenant="0138", roles=frozenset({"enhetschef"}), org_units=(U["e1"],))
ACTION = {"title": "Se över rutinen", "owner": "erik", "due_date": today_in_sweden() + timedelta(days=30)}


def investigated_case(env) -> str:
    case = service.report_deviation(env.platform, CHEF, {"kind": "avvikelse", "unit_id": U["e1"],
                                                         "description": "Fallolycka"})["id"]
    service.transition(env.platform, CHEF, case, "receive")
    service.transition(env.platform, CHEF, case, "start_investigation")
    service.update_investigation(env.platform, CHEF, case, {"what_happened": "föll", "why": "halt golv",
                                                            "what_must_change": "mattor"})
    service.transition(env.platform, CHEF, case, "complete_investigation")
    return case


def at_once(*calls) -> list:
    """Run the calls in threads released together; each one's outcome is its result or its Problem."""
    barrier, outcomes = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            outcomes[index] = call()
        except Problem as problem:
            outcomes[index] = problem

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def closed_with_open_actions(env, case: str) -> bool:
    a = db.actions.c
    with env.platform.engine.connect() as conn:
        status = db.get_row(conn, "0138", case).status
        open_actions = conn.execute(sa.select(sa.func.count()).where(
            a.origin_id == case, a.status.in_(["planned", "in_progress"]))).scalar_one()
    return status == "closed" and open_actions > 0


def test_closing_a_case_and_adding_an_action_at_once_never_leaves_a_closed_case_with_an_open_action(env):
    broken = []
    for _ in range(TRIES):
        case = investigated_case(env)
        at_once(lambda: service.transition(env.platform, CHEF, case, "close"),
                lambda: service.add_action(env.platform, CHEF, case, ACTION))
        if closed_with_open_actions(env, case):
            broken.append(case)
    assert broken == []


def test_closing_a_case_and_reopening_its_action_at_once_never_leaves_a_closed_case_with_an_open_action(env):
    broken = []
    for _ in range(TRIES):
        case = investigated_case(env)
        action = service.add_action(env.platform, CHEF, case, ACTION)
        service.transition_action(env.platform, CHEF, case, action, "complete")
        at_once(lambda: service.transition(env.platform, CHEF, case, "close"),
                lambda: service.transition_action(env.platform, CHEF, case, action, "reopen"))
        if closed_with_open_actions(env, case):
            broken.append(case)
    assert broken == []
