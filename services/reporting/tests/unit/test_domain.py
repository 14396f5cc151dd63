"""The folds, the contributions and their differences, the period and the histogram arithmetic: plain Python."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from ordning_reporting.domain import (READ_MODELS, Contribution, InvalidPeriod, Period, StoredEvent, difference,
                                      fold_action, fold_deviation, read_model_for)
from ordning_reporting.domain.cubes import (DEVIATION_DAYS, DEVIATIONS, MAX_DAYS, action_contributions,
                                            deviation_contributions)
from ordning_reporting.domain.events import parse_sequence
from ordning_reporting.domain.figures import histogram_stats

UNIT, OTHER = "u1", "u2"


def event(what, version, family="deviation", time=None, **data) -> StoredEvent:
    common = {"deviation_id": "d1", "kind": "lex_sarah", "unit_id": UNIT, "category_id": None,
              "status": "reported"} if family == "deviation" else {}
    return StoredEvent(tenant="0138", source="/ordning/0138/deviations", id=f"e{version}",
                       type=f"se.ordning.{family}.{what}.v1", subject="d1", sequence=version, time=time,
                       data={**common, **data, "version": version})


REPORTED = event("reported", 1, origin="staff", reported_at="2026-03-31T23:30:00+00:00",
                 investigation_due="2026-04-14")


def fold(*events):
    state = None
    for e in events:
        state = fold_deviation(state, e)
    return state


def test_a_case_is_reported_on_its_swedish_day_and_counted_in_that_month():
    fact = fold(REPORTED)
    assert fact["reported_on"] == "2026-04-01"  # 23:30 UTC is past midnight in Stockholm
    [main, category, event_type, process] = deviation_contributions(fact)
    assert main == Contribution(DEVIATIONS.name, (UNIT, date(2026, 4, 1), "lex_sarah", "staff"),
                                {"reported": 1, "received": 0, "answered": 0, "answered_in_time": 0, "decided": 0,
                                 "serious": 0, "ivo_reported": 0, "possible_elsewhere": 0})
    assert category.key[-1] == "" and event_type.key[-1] == "" and process.key[-1] == ""


def test_seriousness_ivo_and_answer_days():
    fact = fold(REPORTED, event("seriousness_decided", 2, serious=True, decided_at="2026-04-02T08:00:00+00:00"),
                event("ivo_reported", 3, ivo_reported_on="2026-04-09"),
                event("closed", 4, closed_at="2026-04-20T08:00:00+00:00", serious=True))
    assert (fact["serious"], fact["ivo_reported_on"], fact["answered_on"]) == (True, "2026-04-09", "2026-04-20")
    days = {c.key[3]: c.key[4] for c in deviation_contributions(fact) if c.cube == DEVIATION_DAYS.name}
    assert days == {"ivo": 8, "answer": 19}
    main = deviation_contributions(fact)[0].measures
    assert (main["serious"], main["ivo_reported"], main["answered"], main["answered_in_time"]) == (1, 1, 1, 0)


def test_a_revised_decision_replaces_the_first_and_a_second_closing_keeps_the_first_answer():
    fact = fold(REPORTED, event("seriousness_decided", 2, serious=True),
                event("seriousness_decided", 3, serious=False, revised=True),
                event("closed", 4, closed_at="2026-04-05T08:00:00+00:00"),
                event("reopened", 5), event("closed", 6, closed_at="2026-05-05T08:00:00+00:00"))
    assert fact["serious"] is False and fact["answered_on"] == "2026-04-05"


def test_a_fact_without_its_report_contributes_nothing_and_a_rejected_one_only_its_rejection():
    assert deviation_contributions(fold(event("closed", 3, closed_at="2026-04-05T08:00:00+00:00"))) == []
    [only] = deviation_contributions(fold(REPORTED, event("rejected", 2, reason="spam")))
    assert only.measures == {"rejected": 1}


def test_the_difference_moves_a_case_from_one_unit_to_another_and_drops_what_is_unchanged():
    before = fold(REPORTED)
    after = fold(REPORTED, event("unit_changed", 2, unit_id=OTHER, previous_unit_id=UNIT))
    changes = difference(deviation_contributions(before), deviation_contributions(after))
    main = [c for c in changes if c.cube == DEVIATIONS.name]
    assert {c.key[0]: c.measures for c in main} == {UNIT: {"reported": -1}, OTHER: {"reported": 1}}
    assert difference(deviation_contributions(after), deviation_contributions(after)) == []
    assert changes == sorted(changes, key=lambda c: (c.cube, tuple(map(str, c.key))))


def test_the_rollups_sum_over_the_units_and_a_move_within_a_month_changes_none():
    from ordning_reporting.domain.cubes import rolled_up

    before = fold(REPORTED)
    after = fold(REPORTED, event("unit_changed", 2, unit_id=OTHER, previous_unit_id=UNIT))
    assert rolled_up(difference(deviation_contributions(before), deviation_contributions(after))) == []
    first = rolled_up(difference([], deviation_contributions(before)))
    assert {c.cube for c in first} == {"cube_deviations_all", "cube_deviation_categories_all",
                                       "cube_deviation_event_types_all", "cube_deviation_processes_all"}
    assert next(c for c in first if c.cube == "cube_deviations_all").key == (date(2026, 4, 1), "lex_sarah", "staff")


def test_durations_are_bounded():
    fact = fold(REPORTED, event("ivo_reported", 2, ivo_reported_on="2046-01-01"))
    assert max(c.key[4] for c in deviation_contributions(fact) if c.cube == DEVIATION_DAYS.name) == MAX_DAYS
    early = fold(REPORTED, event("ivo_reported", 2, ivo_reported_on="2026-01-01"))
    assert [c.key[4] for c in deviation_contributions(early) if c.cube == DEVIATION_DAYS.name] == [0]


def test_an_action_counts_in_its_creation_month_with_its_status_now():
    created = StoredEvent("0138", "/ordning/0138/risks", "a1", "se.ordning.action.created.v1", "a1", 1,
                          datetime(2026, 2, 3, 9, tzinfo=timezone.utc),
                          {"action_id": "a1", "origin_type": "risk", "origin_id": "r1", "unit_id": UNIT,
                           "status": "planned", "due_date": "2026-03-01", "completed_at": None, "version": 1})
    done = StoredEvent("0138", "/ordning/0138/risks", "a2", "se.ordning.action.completed.v1", "a1", 2, None,
                       {**created.data, "status": "done", "completed_at": "2026-02-20T10:00:00+00:00", "version": 2})
    fact = fold_action(fold_action(None, created), done)
    assert (fact["created_on"], fact["status"], fact["completed_on"]) == ("2026-02-03", "done", "2026-02-20")
    assert [c.key for c in action_contributions(fact)] == [(UNIT, date(2026, 2, 1), "risk", "done", date(2026, 3, 1))]
    assert action_contributions(fold_action(None, done)) == []  # its creation not arrived yet


def test_an_action_counts_with_its_effect_followed_up_as_its_newest_event_says():
    data = {"action_id": "a1", "origin_type": "deviation", "origin_id": "d1", "unit_id": UNIT, "status": "planned",
            "due_date": "2026-03-01", "completed_at": None, "effect_followed_up": False, "version": 1}
    created = StoredEvent("0138", "/ordning/0138/deviations", "a1", "se.ordning.action.created.v1", "a1", 1,
                          datetime(2026, 2, 3, 9, tzinfo=timezone.utc), data)
    done = StoredEvent("0138", "/ordning/0138/deviations", "a2", "se.ordning.action.completed.v1", "a1", 2, None,
                       {**data, "status": "done", "completed_at": "2026-02-20T10:00:00+00:00",
                        "effect_followed_up": True, "version": 2})
    planned = fold_action(None, created)
    assert planned["effect_followed_up"] is False
    assert [c.measures for c in action_contributions(planned)] == [{"n": 1, "effect_followed_up": 0}]
    fact = fold_action(planned, done)
    assert fact["effect_followed_up"] is True
    assert [c.measures for c in action_contributions(fact)] == [{"n": 1, "effect_followed_up": 1}]
    # an event from before the flag was published says nothing of it: the fact keeps what it had
    older = StoredEvent("0138", "/ordning/0138/deviations", "a3", "se.ordning.action.started.v1", "a1", 3, None,
                        {k: v for k, v in {**data, "status": "in_progress", "version": 3}.items()
                         if k != "effect_followed_up"})
    assert fold_action(fact, older)["effect_followed_up"] is True
    # only a true boolean counts: a malformed flag is no follow-up
    assert fold_action(None, StoredEvent("0138", "/ordning/0138/deviations", "a4", "se.ordning.action.created.v1",
                                         "a1", 1, None, {**data, "effect_followed_up": "yes"}))["effect_followed_up"] is False


def test_a_case_counts_under_the_process_step_it_was_reported_with_and_then_linked_to():
    reported = event("reported", 1, origin="staff", reported_at="2026-03-10T09:00:00+00:00", process_step_id="s1")
    assert fold(reported)["process_step_id"] == "s1"
    processes = [c for c in deviation_contributions(fold(reported)) if c.cube == "cube_deviation_processes"]
    assert [c.key for c in processes] == [(UNIT, date(2026, 3, 1), "lex_sarah", "s1")]
    changed = event("process_step_changed", 2, process_step_id="s2", previous_process_step_id="s1")
    cleared = event("process_step_changed", 3, process_step_id=None, previous_process_step_id="s2")
    assert fold(reported, changed)["process_step_id"] == "s2"
    assert fold(reported, changed, cleared)["process_step_id"] is None
    received = event("received", 4, received_at="2026-03-11T08:00:00+00:00")  # carries no step: keeps it
    assert fold(reported, changed, received)["process_step_id"] == "s2"
    none = [c for c in deviation_contributions(fold(reported, changed, cleared)) if c.cube == "cube_deviation_processes"]
    assert [c.key[-1] for c in none] == [""]  # no step: the empty string, which the figure shows as null


def test_a_case_counts_under_its_handelsetyp_as_reported_changed_cleared_and_reclassified():
    reported = event("reported", 1, origin="staff", reported_at="2026-03-10T09:00:00+00:00", event_type="fall")

    def by_type(*events):
        return [c.key for c in deviation_contributions(fold(*events)) if c.cube == "cube_deviation_event_types"]

    assert by_type(reported) == [(UNIT, date(2026, 3, 1), "lex_sarah", "fall")]
    changed = event("event_type_changed", 2, event_type="lakemedel", previous_event_type="fall")
    received = event("received", 3, received_at="2026-03-11T08:00:00+00:00")  # carries no type: keeps it
    assert by_type(reported, changed, received) == [(UNIT, date(2026, 3, 1), "lex_sarah", "lakemedel")]
    # a change of the type moves the case: one out of fall, one into lakemedel
    moved = difference(deviation_contributions(fold(reported)), deviation_contributions(fold(reported, changed)))
    assert [(c.key[-1], c.measures) for c in moved if c.cube == "cube_deviation_event_types"] == [
        ("fall", {"reported": -1}), ("lakemedel", {"reported": 1})]
    cleared = event("event_type_changed", 4, event_type=None, previous_event_type="lakemedel")
    assert by_type(reported, changed, received, cleared) == [(UNIT, date(2026, 3, 1), "lex_sarah", "")]
    # a reclassification (the kind) keeps the type and moves the case to its new kind
    reclassified = event("reclassified", 3, kind="avvikelse", previous_kind="lex_sarah", reason="not_lex")
    assert by_type(reported, changed, reclassified) == [(UNIT, date(2026, 3, 1), "avvikelse", "lakemedel")]
    # a rejected case counts only as rejected, under no type
    assert by_type(reported, event("rejected", 2, reason="spam")) == []


def test_the_registry_finds_the_read_model_by_prefix():
    assert [m.name for m in read_model_for("se.ordning.deviation.closed.v1")] == ["deviations"]
    assert [m.name for m in read_model_for("se.ordning.action.created.v1")] == ["actions"]
    assert [m.name for m in read_model_for("se.ordning.goal.measurement_recorded.v1")] == ["goals"]
    assert [m.name for m in read_model_for("se.ordning.risk.escalation_accepted.v1")] == ["risks"]
    assert [m.name for m in read_model_for("se.ordning.risk.analysis_started.v1")] == ["risk_analyses"]
    assert [m.name for m in read_model_for("se.ordning.risk.matrix_changed.v1")] == ["risk_matrices"]
    assert read_model_for("se.ordning.self_inspection.done.v1") == []
    assert set(READ_MODELS) == {"deviations", "actions", "risk_analyses", "risks", "risk_proposals", "risk_matrices",
                                "documents", "goals", "processes"}


def test_sequence_and_order():
    assert parse_sequence("0000000007") == 7 and parse_sequence("x") is None and parse_sequence(None) is None
    org = StoredEvent("0138", "/ordning/0138/processes", "o", "se.ordning.org_unit.renamed.v1", "u", None, None,
                      {"revision": 4}, position=9)
    assert org.order == (4, 9)


@pytest.mark.parametrize("histogram, expected", [
    ({}, {"n": 0, "mean": None, "median": None, "max": None}),
    ({3: 1}, {"n": 1, "mean": 3.0, "median": 3, "max": 3}),
    ({1: 2, 10: 1}, {"n": 3, "mean": 4.0, "median": 1, "max": 10}),
    ({1: 1, 2: 1, 9: 1, 20: 1}, {"n": 4, "mean": 8.0, "median": 5.5, "max": 20}),
    ({4: 0, 5: 2}, {"n": 2, "mean": 5.0, "median": 5.0, "max": 5}),
])
def test_histogram_stats(histogram, expected):
    assert histogram_stats(histogram) == expected


def test_periods():
    today = date(2026, 11, 24)
    assert Period.of(None, None, today) == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert Period.of(date(2025, 3, 1), None, today).end == date(2025, 12, 31)
    period = Period.of(date(2026, 1, 15), date(2026, 4, 10), today)
    assert period.split() == ((date(2026, 2, 1), date(2026, 3, 1)),
                              [(date(2026, 1, 15), date(2026, 1, 31)), (date(2026, 4, 1), date(2026, 4, 10))])
    assert Period.of(date(2026, 2, 1), date(2026, 2, 28), today).split() == ((date(2026, 2, 1),) * 2, [])
    assert Period.of(date(2026, 2, 3), date(2026, 2, 4), today).split() == (None, [(date(2026, 2, 3),
                                                                                   date(2026, 2, 4))])
    assert len(Period.of(date(2017, 1, 1), date(2026, 12, 31), today).months) == 120
    for start, end in ((date(2026, 2, 1), date(2026, 1, 1)), (date(2016, 12, 31), date(2026, 12, 31)),
                       (date(1999, 1, 1), date(1999, 2, 1))):
        with pytest.raises(InvalidPeriod):
            Period.of(start, end, today)


# --------------------------------------------------------------------------
# Properties: any order of a case's events folds to one fact, and the cubes kept by differences are the sums of
# the facts' contributions, whatever the path of states between
# --------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CASE_EVENTS = [REPORTED,
               event("received", 2, received_at="2026-04-02T08:00:00+00:00"),
               event("seriousness_decided", 3, serious=True, decided_at="2026-04-03T08:00:00+00:00"),
               event("ivo_reported", 4, ivo_reported_on="2026-04-09"),
               event("unit_changed", 5, unit_id=OTHER, previous_unit_id=UNIT),
               event("process_step_changed", 6, process_step_id="s2", previous_process_step_id=None),
               event("seriousness_decided", 7, serious=False, revised=True),
               event("closed", 8, closed_at="2026-05-01T08:00:00+00:00")]


@settings(max_examples=200, deadline=None)
@given(st.permutations(CASE_EVENTS), st.lists(st.sampled_from(CASE_EVENTS), max_size=4))
def test_any_arrival_order_with_repeats_folds_to_the_fact_of_the_ordered_stream(arrival, repeats):
    from ordning_reporting.domain.registry import DEVIATIONS as MODEL
    from ordning_reporting.projection import fold_all

    ordered, _ = fold_all(MODEL, CASE_EVENTS)
    # as projection.apply does: fold on top of a newer version, else fold again everything received so far
    received, state, version, cubes = [], None, 0, {}
    for e in [*arrival, *repeats]:
        if e in received:  # the inbox drops a repeat
            continue
        received.append(e)
        if state is not None and e.version > version:
            new, version = fold_deviation(state, e), e.version
        else:
            new, version = fold_all(MODEL, received)
        for change in difference(deviation_contributions(state) if state else [], deviation_contributions(new)):
            row = cubes.setdefault((change.cube, change.key), {})
            for measure, value in change.measures.items():
                row[measure] = row.get(measure, 0) + value
        state = new
    assert state == ordered and version == 8
    assert ordered["process_step_id"] == "s2"
    expected = {(c.cube, c.key): {m: v for m, v in c.measures.items() if v} for c in deviation_contributions(ordered)}
    assert {key: {m: v for m, v in row.items() if v} for key, row in cubes.items() if any(row.values())} == expected
