"""Quality goals' rules without a database: periods, numbers, attainment, the CSV parser."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ordning_processes.domain import goals as g


def indicator(direction="higher_is_better", target=90, **kw):
    return g.Indicator.create(tenant="0138", goal_id="x", name="Andel", unit_of_measure="percent",
                              direction=direction, target=target, frequency=kw.pop("frequency", "monthly"), **kw)


@pytest.mark.parametrize("text, frequency, canonical, start, end", [
    ("2026-02", "monthly", "2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2026-12", "monthly", "2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ("2026-q4", "quarterly", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
    (" 2026 ", "yearly", "2026", date(2026, 1, 1), date(2026, 12, 31)),
])
def test_periods(text, frequency, canonical, start, end):
    period = g.parse_period(text, frequency)
    assert (period.text, period.start, period.end) == (canonical, start, end)


@pytest.mark.parametrize("text, frequency", [("2026-13", "monthly"), ("2026-1", "monthly"), ("2026-Q1", "monthly"),
                                             ("2026-Q5", "quarterly"), ("1899", "yearly"), ("2026-03", "yearly"),
                                             ("", "monthly"), ("2026-03-01", "monthly")])
def test_bad_periods(text, frequency):
    with pytest.raises(ValueError) as raised:
        g.parse_period(text, frequency)
    sv, en = raised.value.args
    assert sv.endswith(".") and en.endswith(".")


@pytest.mark.parametrize("text, value", [("92,5", "92.5"), ("92.5", "92.5"), ("1 250", "1250"), (-3, "-3"),
                                         ("0,0001", "0.0001"), (12.25, "12.25")])
def test_values(text, value):
    assert g.parse_value(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "nittio", "1e5", "NaN", "Infinity", "1,2,3", "92,55555", "12345678901", True,
                                  "1.000,5"])
def test_bad_values(text):
    with pytest.raises(ValueError):
        g.parse_value(text)


def test_attainment_by_direction():
    higher = indicator(threshold=80)
    assert [higher.attainment(Decimal(v)) for v in (90, 85, 79)] == ["met", "partly", "not_met"]
    lower = indicator("lower_is_better", 14, threshold=21)
    assert [lower.attainment(Decimal(v)) for v in (14, 20, 22)] == ["met", "partly", "not_met"]
    ranged = indicator("target_range", 85, target_max=95)
    assert [ranged.attainment(Decimal(v)) for v in (85, 95, 96, 84)] == ["met", "met", "not_met", "not_met"]
    assert indicator().attainment(Decimal("89.9")) == "not_met"


@pytest.mark.parametrize("kw", [{"direction": "target_range"}, {"direction": "target_range", "target_max": 1},
                                {"threshold": 95}, {"direction": "lower_is_better", "threshold": 80},
                                {"target_max": 100}, {"source": "kolada key"}])
def test_bad_targets(kw):
    with pytest.raises(g.InvalidTarget):
        indicator(**kw)


def test_csv_with_swedish_header_comma_and_blank_lines():
    rows = g.parse_measurements_csv("\ufeffMånad;Värde;Kommentar\r\n2026-01;92,5;\r\n\r\n2026-02;\"88,0\";ok\r\n",
                                    g.Frequency.MONTHLY)
    assert [(r.row, r.period.text, r.value, r.note) for r in rows] == [
        (2, "2026-01", Decimal("92.5"), None), (4, "2026-02", Decimal("88.0"), "ok")]
    rows = g.parse_measurements_csv("period,value\n2026-Q1,3\n", g.Frequency.QUARTERLY)
    assert rows[0].period.text == "2026-Q1"


def test_csv_lists_every_bad_row():
    with pytest.raises(g.CsvRejected) as raised:
        g.parse_measurements_csv("period;value\n2026-01;1\n2026-01;2\nx;y\n2026-03;3\n", "monthly",
                                 stored_periods={"2026-03"})
    assert [(r["row"], r["column"], r["code"]) for r in raised.value.extra["rows"]] == [
        (3, "period", "duplicate_period"), (4, "period", "invalid_period"), (4, "value", "invalid_value"),
        (5, "period", "already_stored")]


@pytest.mark.parametrize("text, code", [("", "missing_header"), ("value\n1\n", "missing_column"),
                                        ("period;value;extra\n", "bad_header"), ("period;value\n", "no_rows")])
def test_csv_header_problems(text, code):
    with pytest.raises(g.CsvRejected) as raised:
        g.parse_measurements_csv(text, "monthly")
    assert raised.value.extra["rows"][0]["code"] == code


def test_csv_size_limits():
    with pytest.raises(g.CsvRejected):
        g.parse_measurements_csv("period;value\n" + "2026-01;1\n" * (g.CSV_MAX_ROWS + 1), "monthly")
    with pytest.raises(g.CsvRejected):
        g.parse_measurements_csv("x" * (g.CSV_MAX_CHARS + 1), "monthly")


def test_a_closed_goal_takes_no_measurement_and_the_event_has_no_note():
    goal = g.QualityGoal.create(tenant="0138", unit_id="u", title="Mål", description="", period_start=date(2026, 1, 1),
                                period_end=date(2026, 12, 31))
    share = indicator()
    goal.record(share, g.parse_period("2026-01", "monthly"), Decimal("92.50"), "Anna var sjuk", version=1)
    [event] = goal.pull_events()
    assert event.data["value"] == "92.5" and event.sequence == 1 and "Anna" not in str(event.data)
    goal.close(at=date(2026, 6, 1))
    with pytest.raises(g.GoalClosed):
        goal.record(share, g.parse_period("2026-02", "monthly"), Decimal(1), version=2)
    with pytest.raises(g.InvalidGoalPeriod):
        g.QualityGoal.create(tenant="0138", unit_id="u", title="Mål", description="", period_start=date(2026, 2, 1),
                             period_end=date(2026, 1, 1))
