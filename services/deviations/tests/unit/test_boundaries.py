"""The deviations domain at the edges of its rules: equal times, zero days, exactly one, the last allowed day."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from ordning_deviations import domain as d
from ordning_deviations.domain import DeadlinePolicy, Deviation, Kind

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # Monday


def report(**kwargs) -> Deviation:
    args = dict(tenant="0138", kind=Kind.avvikelse, unit_id="unit-1", description="Fallet", reported_at=T0,
                reported_by="user-42")
    args.update(kwargs)
    return Deviation.report(**args)


def test_an_event_may_have_occurred_the_moment_it_is_reported():
    assert report(occurred_at=T0).occurred_at == T0
    with pytest.raises(d.InvalidReport):
        report(occurred_at=T0 + timedelta(microseconds=1))


@pytest.mark.parametrize("kind,days", [(Kind.lex_sarah, dict(receipt_days=0, investigation_days=0,
                                                             ivo_report_days=0)),
                                       (Kind.avvikelse, dict(receipt_days=0, investigation_days=0))])
def test_zero_working_days_means_the_day_of_the_report(kind, days):
    dev = report(kind=kind, policy=DeadlinePolicy(kind, **days))
    assert dev.receipt_due == dev.investigation_due == date(2026, 3, 2)
    assert dev.ivo_due is None  # a lex case's IVO deadline runs from its seriousness decision
    if kind is Kind.lex_sarah:
        dev.receive("chef", T0)
        dev.start_investigation("chef", T0)
        dev.decide_seriousness(True, "chef", T0, policy=DeadlinePolicy(kind, **days))
        assert dev.ivo_due == date(2026, 3, 2)  # 0 days: the day of the decision


@pytest.mark.parametrize("days", [dict(receipt_days=-1, investigation_days=0, ivo_report_days=0),
                                  dict(receipt_days=0, investigation_days=-1, ivo_report_days=0),
                                  dict(receipt_days=0, investigation_days=0, ivo_report_days=-1),
                                  dict(receipt_days=0, investigation_days=0, ivo_report_days=None),
                                  dict(receipt_days=1.5, investigation_days=0, ivo_report_days=0),
                                  dict(receipt_days=0, investigation_days="10", ivo_report_days=0),
                                  dict(receipt_days=0, investigation_days=0, ivo_report_days=2.0)])
def test_a_deadline_is_a_whole_non_negative_number_of_days(days):
    with pytest.raises(ValueError):
        DeadlinePolicy(Kind.lex_maria, **days)


def test_the_default_deadlines():
    assert {kind: (p.kind, p.receipt_days, p.investigation_days, p.ivo_report_days)
            for kind, p in d.DEFAULT_DEADLINES.items()} == {
        Kind.avvikelse: (Kind.avvikelse, 2, 20, None), Kind.lex_sarah: (Kind.lex_sarah, 1, 10, 14),
        Kind.lex_maria: (Kind.lex_maria, 1, 10, 14), Kind.klagomal: (Kind.klagomal, 2, 10, None),
        Kind.synpunkt: (Kind.synpunkt, 2, 10, None)}


def test_a_tenant_policy_applies_to_its_kind_only():
    own = DeadlinePolicy(Kind.klagomal, receipt_days=5, investigation_days=30)
    assert d.policy_for(Kind.klagomal, {Kind.klagomal: own}) is own
    assert d.policy_for("avvikelse", {Kind.klagomal: own}) is d.DEFAULT_DEADLINES[Kind.avvikelse]
    assert d.policy_for(Kind.klagomal, None) is d.DEFAULT_DEADLINES[Kind.klagomal]
    assert d.policy_for(Kind.klagomal, {}) is d.DEFAULT_DEADLINES[Kind.klagomal]


def test_exactly_one_open_action_keeps_the_case_open():
    dev = report(kind=Kind.synpunkt)
    dev.receive("h", T0)
    with pytest.raises(d.OpenActionsRemain) as err:
        dev.close("h", T0, open_action_count=1)
    assert err.value.open_action_count == 1 and dev.status is d.Status.received
    with pytest.raises(d.InvalidInput):
        dev.close("h", T0, open_action_count=-1)
    dev.close("h", T0, open_action_count=0)
    assert dev.status is d.Status.closed


@pytest.mark.parametrize("status,is_open", [("open", True), ("in_progress", True), ("done", False),
                                            ("cancelled", False)])
def test_an_action_is_open_until_done_or_cancelled(status, is_open):
    assert d.ActionSummary(id="a1", status=status).is_open is is_open
    assert d.count_open_actions([d.ActionSummary("a1", status), d.ActionSummary("a2", "done"),
                                 d.ActionSummary("a3", "open")]) == 1 + is_open
