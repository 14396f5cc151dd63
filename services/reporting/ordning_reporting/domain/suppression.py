"""Small counts suppressed: no one can be picked out of figures shown together, whatever is subtracted from what.

Wherever figures of several tenants, or of small units, are shown together, every count under the threshold, zero
included, is shown as "< 5" (primary suppression; `small`). That alone is not enough: a total minus the other counts of its
parts gives the hidden one back. So the figures come with the equations that hold between them (`Equation`: a
total is the sum of its parts; a complement nobody is shown, such as the cases not yet decided, is a hidden cell
of its equation), and `suppress` hides further counts (secondary suppression; `PROTECTED`, shown as "..") until
what a reader can work out from every equation together pins no small count down:

- what a reader knows of each cell is an interval: a shown count exactly; "< 5" from 0 to 4; ".." at least the
  threshold (every shown count is, and the rule is public); a hidden cell from 0 up;
- the equations are combined as a reader would (one minus the other, eliminating a cell they share: two levels
  deep), and the intervals narrowed through all of them until nothing changes (interval propagation);
- a small count (1 to threshold - 1) that is not shown must keep an interval of at least two values, and the
  unknown cells of an equation that sum to a known number must together be 0 or at least the threshold (else
  they are a small count together: "3 lex Sarah and lex Maria cases between them");
- while one of these fails, one more shown count near the failure (in its equations, else in those of the
  unknown cells it shares one with) is hidden: the one that leaves the fewest failures, a part before a total,
  the smallest; and the check runs again.

Zero is suppressed too, as the rule says "every count under the threshold": were zeros shown, "< 5" would mean 1
to 4, and two of them under a "< 5" total would pin each other down (1 + 1 = 2, nothing else fits). Interval propagation is sound (what it
finds is truly derivable) but not complete: a reader solving the equations as one linear program can sometimes
narrow further. The views keep their equations few and one-level (a total and its parts), where propagation
finds what there is to find, and the random tables of the tests hold no small count a reader can pin down.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Hashable, Iterable

DEFAULT_THRESHOLD = 5
MIN_THRESHOLD, MAX_THRESHOLD = 2, 100
PROTECTED = ".."


def small(threshold: int) -> str:
    """How a suppressed small count is shown."""
    return f"< {threshold}"


@dataclass(frozen=True)
class Equation:
    """`total` is the sum of `parts` (cell keys)."""
    total: Hashable
    parts: tuple

    @property
    def cells(self) -> tuple:
        return (self.total, *self.parts)

    def form(self) -> dict:
        """As a linear form that is zero: total - parts."""
        form = {self.total: 1}
        for part in self.parts:
            form[part] = form.get(part, 0) - 1
        return {key: coef for key, coef in form.items() if coef}


def is_small(value: int, threshold: int) -> bool:
    """A count that would pick someone out: 1 to threshold - 1 (a zero worked out exactly picks out no one)."""
    return 0 < value < threshold


def suppress(cells: dict, equations: Iterable[Equation], threshold: int = DEFAULT_THRESHOLD,
             hidden: Iterable = ()) -> dict:
    """The cells as they may be shown: the count, `small(threshold)` or `PROTECTED`. Hidden cells (complements
    nobody is shown, but which the equations need) are left out of the answer. Pure: the same cells give the
    same answer."""
    if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        raise ValueError(f"threshold {threshold} outside {MIN_THRESHOLD}..{MAX_THRESHOLD}")
    equations = [eq for eq in equations if all(key in cells for key in eq.cells)]
    totals = {eq.total for eq in equations}
    forms = combined([eq.form() for eq in equations])
    hidden = frozenset(hidden)
    primary = {key for key, value in cells.items() if key not in hidden and value < threshold}
    secondary: set = set()
    by_cell: dict = {}
    for index, form in enumerate(forms):
        for key in form:
            by_cell.setdefault(key, []).append(index)
    while True:
        failures = _failures(cells, forms, threshold, hidden, primary, secondary)
        if not failures:
            break
        candidates = _nearest_shown(failures[0], forms, by_cell, hidden | primary | secondary)
        if not candidates:  # nothing shown is left near it: everything it is derived from is hidden already
            break

        def outcome(candidate):  # fewest failures left, then a part before a total, then the smallest count
            left = len(_failures(cells, forms, threshold, hidden, primary, secondary | {candidate}))
            return left, candidate in totals, cells[candidate], repr(candidate)

        secondary.add(min(candidates, key=outcome))
    shown = {}
    for key, value in cells.items():
        if key in hidden:
            continue
        shown[key] = small(threshold) if key in primary else PROTECTED if key in secondary else value
    return shown


def combined(forms: list[dict], levels: int = 2, limit: int = 3000) -> list[dict]:
    """The forms, and those a reader gets by subtracting or adding two of them to eliminate a cell they share,
    `levels` deep, keeping the ones whose every coefficient is 1 or -1 (sums and differences of counts)."""
    seen = {frozenset(form.items()) for form in forms}
    result = list(forms)
    layer = list(forms)
    for _ in range(levels):
        new = []
        for first in layer:
            for second in result:
                if first is second:
                    continue
                for key in first.keys() & second.keys():
                    factor = -first[key] * second[key]  # first + factor * second eliminates key (coefs are +-1)
                    form = dict(first)
                    for other, coef in second.items():
                        form[other] = form.get(other, 0) + factor * coef
                    form = {k: c for k, c in form.items() if c}
                    if not form or any(abs(c) != 1 for c in form.values()):
                        continue
                    if form[min(form, key=repr)] < 0:  # one sign for a form and its negation
                        form = {k: -c for k, c in form.items()}
                    frozen = frozenset(form.items())
                    if frozen not in seen:
                        seen.add(frozen)
                        new.append(form)
                    if len(result) + len(new) >= limit:
                        return result + new
        result += new
        layer = new
        if not new:
            break
    return result


def _initial(value, key, threshold, hidden, primary, secondary) -> tuple[float, float]:
    if key in hidden:
        return 0, math.inf
    if key in primary:
        return 0, threshold - 1
    if key in secondary:
        return threshold, math.inf
    return value, value


def _term(coef: int, bounds: tuple) -> tuple[float, float]:
    low, high = coef * bounds[0], coef * bounds[1]
    return (low, high) if coef > 0 else (high, low)


def _propagate(cells, forms, threshold, hidden, primary, secondary) -> dict:
    """What a reader can know of each cell: the tightest intervals the forms give, to a fixed point."""
    bounds = {key: _initial(value, key, threshold, hidden, primary, secondary) for key, value in cells.items()}
    for _ in range(50):  # integer intervals only narrow; a few rounds reach the fixed point in practice
        changed = False
        for form in forms:
            terms = {key: _term(coef, bounds[key]) for key, coef in form.items()}
            # sums of the terms' lows and highs, the infinite ones counted apart (lows are never +inf, highs
            # never -inf, since every count is at least 0)
            low_finite = sum(lo for lo, _ in terms.values() if lo != -math.inf)
            low_inf = sum(1 for lo, _ in terms.values() if lo == -math.inf)
            high_finite = sum(hi for _, hi in terms.values() if hi != math.inf)
            high_inf = sum(1 for _, hi in terms.values() if hi == math.inf)
            for key, coef in form.items():
                lo, hi = terms[key]
                others_low = -math.inf if low_inf - (lo == -math.inf) else low_finite - (lo if lo != -math.inf else 0)
                others_high = math.inf if high_inf - (hi == math.inf) else high_finite - (hi if hi != math.inf else 0)
                # coef * x = -(the others): between -others_high and -others_low
                a, b = -others_high / coef, -others_low / coef
                new_lo, new_hi = (a, b) if coef > 0 else (b, a)
                old = bounds[key]
                new = (max(old[0], _ceil(new_lo)), min(old[1], _floor(new_hi)))
                if new != old:
                    bounds[key], changed = new, True
                    terms[key] = _term(coef, new)
        if not changed:
            break
    return bounds


def _ceil(value: float) -> float:
    return value if math.isinf(value) else math.ceil(value - 1e-9)


def _floor(value: float) -> float:
    return value if math.isinf(value) else math.floor(value + 1e-9)


def _failures(cells, forms, threshold, hidden, primary, secondary) -> list:
    """The cells whose small count can be worked out, and the first unknown cell of each form whose unknown cells
    sum to a small count; empty when the figures are safe to show."""
    unknown = hidden | primary | secondary
    live = [form for form in forms if not unknown.isdisjoint(form)]  # a form of known cells tells nothing new
    bounds = _propagate(cells, live, threshold, hidden, primary, secondary)
    failures = [key for key in sorted(unknown, key=repr)
                if is_small(cells[key], threshold) and bounds[key][0] >= bounds[key][1]]
    for form in live:
        hidden_terms = [(key, coef) for key, coef in form.items() if key in unknown]
        if len({coef for _, coef in hidden_terms}) == 1:
            if is_small(sum(cells[key] for key, _ in hidden_terms), threshold):
                failures.append(min((key for key, _ in hidden_terms), key=repr))
    return failures


def _nearest_shown(start, forms, by_cell, unknown) -> list:
    """The shown cells in the forms of `start`, else in those of the unknown cells that share a form with it,
    breadth first: where hiding one more count can help."""
    seen_cells, seen_forms = {start}, set()
    frontier = deque([start])
    while frontier:
        layer, candidates = list(frontier), []
        frontier.clear()
        for key in layer:
            for index in by_cell.get(key, ()):
                if index in seen_forms:
                    continue
                seen_forms.add(index)
                for other in forms[index]:
                    if other in seen_cells:
                        continue
                    seen_cells.add(other)
                    (frontier if other in unknown else candidates).append(other)
        if candidates:
            return candidates
    return []


def suppress_rows(rows: list[dict], parts: tuple[str, ...], total: str | None = None,
                  threshold: int = DEFAULT_THRESHOLD, column_totals: dict[str, int] | None = None) -> list[dict]:
    """A table of small groups (one row per unit, say) as it may be shown where it leaves its tenant or reaches
    the public (a nämnd's report): the count columns `parts` of each row, its `total` column (their sum), and
    the column totals shown beside the table (`column_totals`, by column, the grand total under `total`), all by
    the rule of `suppress`. Other columns pass unchanged."""
    cells, equations = {}, []
    for index, row in enumerate(rows):
        for column in parts:
            cells[(index, column)] = int(row.get(column) or 0)
        if total is not None:
            cells[(index, total)] = int(row.get(total) or 0)
            equations.append(Equation((index, total), tuple((index, column) for column in parts)))
    for column, value in (column_totals or {}).items():
        cells[("all", column)] = int(value)
        if column == total:
            equations.append(Equation(("all", column), tuple((index, total) for index in range(len(rows)))))
        else:
            equations.append(Equation(("all", column), tuple((index, column) for index in range(len(rows)))))
    if total is not None and column_totals and total in column_totals:
        equations.append(Equation(("all", total), tuple(("all", column) for column in parts if column in column_totals)))
    shown = suppress(cells, equations, threshold)
    return [{**row, **{column: shown[(index, column)] for column in (*parts, *([total] if total else []))}}
            for index, row in enumerate(rows)]
