"""Small counts suppressed (domain/suppression.py): primary, the subtract-from-the-total attack, complements, and
an attacker who propagates every equation: no small count is ever pinned down."""
from __future__ import annotations

import itertools
import math
import random

import pytest
from ordning_reporting.domain.suppression import PROTECTED, Equation, small, suppress

KINDS = ("a", "b", "c", "d")
BY_KIND = Equation("total", KINDS)


def attacker_bounds(shown: dict, equations, threshold: int, hidden=(), known=None) -> dict:
    """What a reader can work out: every equation, over and over, from what is shown and what the view's shape
    tells (`known`: an interval by cell), an independent re-implementation of interval narrowing."""
    bounds = {}
    for key in set(shown) | set(hidden):
        value = shown.get(key)
        if key in hidden:
            bounds[key] = [0, math.inf]
        elif value == small(threshold):
            bounds[key] = [0, threshold - 1]
        elif value == PROTECTED:
            bounds[key] = [threshold, math.inf]
        else:
            bounds[key] = [value, value]
        low, high = (known or {}).get(key, (0, math.inf))
        bounds[key] = [max(bounds[key][0], low), min(bounds[key][1], high)]
    for _ in range(50):
        changed = False
        for eq in equations:
            total, parts = bounds[eq.total], [bounds[c] for c in eq.parts]
            parts_low = sum(lo for lo, _ in parts)
            parts_high = sum(hi for _, hi in parts if hi != math.inf)
            unbounded = sum(1 for _, hi in parts if hi == math.inf)
            narrowed = {eq.total: (parts_low, math.inf if unbounded else parts_high)}
            for c, (lo, hi) in zip(eq.parts, parts):
                others_high = math.inf if unbounded - (hi == math.inf) else parts_high - (0 if hi == math.inf else hi)
                narrowed[c] = (total[0] - others_high, total[1] - (parts_low - lo))
            for c, (lo, hi) in narrowed.items():
                new = [max(bounds[c][0], lo), min(bounds[c][1], hi)]
                if new != bounds[c]:
                    bounds[c], changed = new, True
        if not changed:
            break
    return bounds


def test_every_count_under_the_threshold_is_shown_as_less_than_it_zero_too():
    shown = suppress({"total": 40, "a": 20, "b": 14, "c": 6, "d": 0}, [BY_KIND])
    assert shown == {"total": 40, "a": 20, "b": 14, "c": 6, "d": "< 5"}
    shown = suppress({"x": 4, "y": 5, "z": 1, "w": 0}, [], threshold=5)
    assert shown == {"x": "< 5", "y": 5, "z": "< 5", "w": "< 5"}
    assert suppress({"x": 9}, [], threshold=10) == {"x": "< 10"}


def test_subtracting_the_others_from_the_total_gives_nothing_back():
    """The attack: total 40, kinds 23, 14, 3 and 0: the small ones together are 40 - 23 - 14 = 3, a small count
    (and were 0 shown, c itself), so another kind is hidden with them."""
    cells = {"total": 40, "a": 23, "b": 14, "c": 3, "d": 0}
    shown = suppress(cells, [BY_KIND])
    assert shown["c"] == "< 5"
    assert shown["b"] == PROTECTED and shown["a"] == 23 and shown["total"] == 40 and shown["d"] == "< 5"
    worked_out = attacker_bounds(shown, [BY_KIND], 5)
    assert worked_out["c"][0] < worked_out["c"][1]  # c is 1..4 still, not 3
    # the naive view, without secondary suppression, would have given c = 40 - 23 - 14 - 0 = 3
    naive = {k: ("< 5" if 0 < v < 5 else v) for k, v in cells.items()}  # small ones hidden, zero shown
    assert attacker_bounds(naive, [BY_KIND], 5)["c"] == [3, 3]


def test_two_small_parts_that_pin_each_other_down_take_a_third():
    # 4 + 4 = 8 with each at most 4: both are 4; 1 + 1 = 2 with each at least 1: both are 1
    for a, b in ((4, 4), (1, 1)):
        cells = {"total": 30 + a + b, "a": 30, "b": 0, "c": a, "d": b}
        shown = suppress(cells, [BY_KIND])
        bounds = attacker_bounds(shown, [BY_KIND], 5)
        assert shown["c"] == shown["d"] == "< 5"
        assert bounds["c"][0] < bounds["c"][1] and bounds["d"][0] < bounds["d"][1], shown


def test_unknown_parts_that_are_a_small_count_together_are_protected():
    # 2 + 2 = 4: each is 1..3, but "4 between c and d" is itself a small count
    cells = {"total": 34, "a": 30, "b": 0, "c": 2, "d": 2}
    shown = suppress(cells, [BY_KIND])
    assert shown["a"] == PROTECTED or shown["total"] == PROTECTED


def test_a_hidden_complement_is_protected_like_a_shown_count():
    # decided = serious + not_serious is shown; reported - decided (the undecided) is nobody's figure, yet
    # reported 12 and decided 10 would give 2 undecided cases
    cells = {"reported": 12, "decided": 10, "undecided": 2}
    shown = suppress(cells, [Equation("reported", ("decided", "undecided"))], hidden={"undecided"})
    assert "undecided" not in shown
    assert PROTECTED in (shown["reported"], shown["decided"])


def test_a_small_total_needs_no_more_than_itself():
    cells = {"total": 3, "a": 3, "b": 0, "c": 0, "d": 0}
    assert suppress(cells, [BY_KIND]) == {"total": "< 5", "a": "< 5", "b": "< 5", "c": "< 5", "d": "< 5"}


def test_equations_chained_through_a_shared_cell_are_followed():
    """lex_maria.reported is the same count as by_kind.lex_maria (an equation with one part); hiding one and not
    the other would give it back."""
    eqs = [BY_KIND, Equation("c_reported", ("c",)), Equation("c_reported", ("c_decided", "c_undecided"))]
    cells = {"total": 40, "a": 23, "b": 14, "c": 3, "d": 0, "c_reported": 3, "c_decided": 3, "c_undecided": 0}
    shown = suppress(cells, eqs, hidden={"c_undecided"})
    bounds = attacker_bounds(shown, eqs, 5, hidden={"c_undecided"})
    assert shown["c_reported"] == "< 5" and bounds["c"][0] < bounds["c"][1]


@pytest.mark.parametrize("seed", range(60))
def test_no_small_count_is_ever_pinned_down(seed):
    """Random tables of kinds by month with every margin shown: whatever the attacker subtracts, each small count
    keeps at least two possible values, and the answer is the same every time (a pure function)."""
    rng = random.Random(seed)
    threshold = rng.choice([3, 5, 10])
    rows, cols = rng.randint(1, 4), rng.randint(2, 4)
    cells, equations = {}, []
    for r, c in itertools.product(range(rows), range(cols)):
        cells[(r, c)] = rng.choice([0, 0, 1, 2, 3, 4, 5, 7, 12, 30])
    for r in range(rows):
        cells[("row", r)] = sum(cells[(r, c)] for c in range(cols))
        equations.append(Equation(("row", r), tuple((r, c) for c in range(cols))))
    for c in range(cols):
        cells[("col", c)] = sum(cells[(r, c)] for r in range(rows))
        equations.append(Equation(("col", c), tuple((r, c) for r in range(rows))))
    cells["all"] = sum(cells[("row", r)] for r in range(rows))
    equations.append(Equation("all", tuple(("row", r) for r in range(rows))))
    equations.append(Equation("all", tuple(("col", c) for c in range(cols))))
    shown = suppress(cells, equations, threshold)
    assert shown == suppress(dict(cells), list(equations), threshold)
    bounds = attacker_bounds(shown, equations, threshold)
    for key, value in cells.items():
        if value < threshold:
            assert shown[key] == small(threshold)
        if 0 < value < threshold:
            assert bounds[key][0] < bounds[key][1], (key, value, shown)
        if value >= threshold:
            assert shown[key] in (value, PROTECTED)


def test_the_threshold_is_bounded():
    with pytest.raises(ValueError):
        suppress({"x": 1}, [], threshold=1)


def test_a_table_of_units_hides_what_its_totals_would_give_back():
    from ordning_reporting.domain.suppression import suppress_rows

    rows = [{"unit_name": "Hemtjänst Norr", "avvikelse": 30, "lex_sarah": 2, "total": 32},
            {"unit_name": "Solbacken", "avvikelse": 12, "lex_sarah": 0, "total": 12},
            {"unit_name": "Daglig verksamhet", "avvikelse": 3, "lex_sarah": 0, "total": 3}]
    shown = suppress_rows(rows, ("avvikelse", "lex_sarah"), "total",
                          column_totals={"avvikelse": 45, "lex_sarah": 2, "total": 47})
    assert [row["unit_name"] for row in shown] == ["Hemtjänst Norr", "Solbacken", "Daglig verksamhet"]
    assert shown[0]["lex_sarah"] == "< 5" and shown[2]["total"] == "< 5" and shown[2]["avvikelse"] == "< 5"
    # Hemtjänst Norr's 32 - 30 would give its 2 lex Sarah back: one of them is hidden
    assert PROTECTED in (shown[0]["avvikelse"], shown[0]["total"])
    # and the smallest unit's 3 cannot be worked out from the column of avvikelser (45 - 30 - 12)
    assert PROTECTED in (shown[0]["avvikelse"], shown[1]["avvikelse"])


def test_what_a_reader_knows_from_the_views_shape_counts_too():
    """Six units listed because each had a case, "< 5" each, under a total of 6: each had exactly one, unless the
    total is hidden too."""
    units = [f"u{i}" for i in range(6)]
    cells = {"total": 6, **dict.fromkeys(units, 1)}
    equation = Equation("total", tuple(units))
    known = dict.fromkeys(units, (1, math.inf))
    shown = suppress(cells, [equation], known=known)
    assert shown["total"] == PROTECTED and all(shown[unit] == "< 5" for unit in units)
    assert suppress(cells, [equation])["total"] == 6  # without the shape: 0 to 4 each, nothing pinned
    with pytest.raises(ValueError):
        suppress(cells, [equation], known={"u0": (2, 4)})  # a "knowledge" the figures contradict


def test_an_equation_that_does_not_hold_on_the_figures_is_left_out():
    shown = suppress({"total": 40, "a": 20, "b": 14, "c": 3, "d": 0}, [BY_KIND])  # 20 + 14 + 3 is not 40
    assert shown == {"total": 40, "a": 20, "b": 14, "c": "< 5", "d": "< 5"}


@pytest.mark.parametrize("seed", range(3))
def test_a_table_of_many_units_is_searched_nearby_and_pins_nothing(seed):
    """60 units × 5 kinds with row and column totals: past LARGE cells, remedies are weighed in their
    neighbourhood, several a round; whatever the attacker subtracts, no small count is pinned down."""
    rng = random.Random(seed)
    kinds = ("a", "b", "c", "d", "e")
    cells, equations = {}, []
    for unit in range(60):
        for kind in kinds:
            cells[(unit, kind)] = rng.choice([0, 0, 0, 1, 2, 3, 6, 9, 25])
        cells[(unit, "total")] = sum(cells[(unit, kind)] for kind in kinds)
        equations.append(Equation((unit, "total"), tuple((unit, kind) for kind in kinds)))
    for kind in (*kinds, "total"):
        cells[("all", kind)] = sum(cells[(unit, kind)] for unit in range(60))
        equations.append(Equation(("all", kind), tuple((unit, kind) for unit in range(60))))
    shown = suppress(cells, equations)
    bounds = attacker_bounds(shown, equations, 5)
    assert len(cells) > 150  # the large view's search
    for key, value in cells.items():
        assert shown[key] == small(5) if value < 5 else shown[key] in (value, PROTECTED)
        if 0 < value < 5:
            assert bounds[key][0] < bounds[key][1], (key, value)
