"""Small counts suppressed: no one can be picked out of figures shown together, whatever is subtracted from what.

Wherever figures of several tenants, or of small units, are shown together, every count under the threshold, zero
included, is shown as "< 5" (primary suppression; `small`). That alone is not enough: a total minus the other counts of its
parts gives the hidden one back. So the figures come with the equations that hold between them (`Equation`: a
total is the sum of its parts; a complement nobody is shown, such as the cases not yet decided, is a hidden cell
of its equation), and `suppress` hides further counts (secondary suppression; `PROTECTED`, shown as "..") until
what a reader can work out from every equation together pins no small count down:

- what a reader knows of each cell is an interval: a shown count exactly; "< 5" from 0 to 4; ".." at least the
  threshold (every shown count is, and the rule is public); a hidden cell from 0 up; narrowed further by what the
  shape of a view tells (`known`: a unit listed in a table of units with cases has at least one);
- the equations are combined as a reader would (one minus the other, eliminating a cell they share: two levels
  deep; a long sum, such as a column over every unit, is used as it is), and the intervals narrowed through all
  of them until nothing changes (interval propagation);
- a small count (1 to threshold - 1) that is not shown must keep an interval of at least two values, and the
  cells of an equation that a reader cannot work out one by one, when they sum to a number the reader can (the
  others being shown or worked out), must together be 0 or at least the threshold (else they are a small count
  together: "3 lex Sarah and lex Maria cases between them");
- while one of these fails, one more shown count near the failure (in its equations, else in those of the
  unknown cells it shares one with) is hidden: the one that leaves the fewest failures, a part before a total,
  the smallest; and the check runs again.

The cost grows with the figures: a small view (the region's, a few dozen cells) weighs every remedy against the
whole view and hides one count at a time; a large one (a table of 300 units: thousands of cells) weighs a remedy
in its neighbourhood (the short equations of the failure and the remedy, and the long sums they are part of) and
mends several failures at a time, far from each other. Either way the loop ends only when the whole view passes
the check, so the neighbourhood only decides which counts are hidden, never whether the result is safe.

Zero is suppressed too, as the rule says "every count under the threshold": were zeros shown, "< 5" would mean 1
to 4, and two of them under a "< 5" total would pin each other down (1 + 1 = 2, nothing else fits). Interval
propagation is sound (what it finds is truly derivable) but not complete: a reader solving the equations as one
linear program can sometimes narrow further. The views keep their equations simple (a total and its parts),
where propagation finds what there is to find, and the random tables of the tests hold no small count a reader
can pin down.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Hashable, Iterable

DEFAULT_THRESHOLD = 5
MIN_THRESHOLD, MAX_THRESHOLD = 2, 100
PROTECTED = ".."
NARROW = 8  # cells: an equation this short is combined with others; a longer one (a column of units) is not
LARGE = 150  # cells, or forms once combined: above (a table of units), remedies are weighed nearby, several a round
COMBINED_TWICE = 100  # short forms: up to this many are combined two levels deep, more one level
WIDE_CANDIDATES = 3
PAIR_FIRSTS = 6  # when no one count mends a failure: the first counts tried with a second  # the smallest shown parts of a long sum that are tried as a remedy
INF = math.inf


def small(threshold: int) -> str:
    """How a suppressed small count is shown."""
    return f"< {threshold}"


def legend(threshold: int) -> dict:
    """What the two marks mean, for a reader of the figures."""
    return {"small": small(threshold), "protected": PROTECTED,
            "text_sv": f"'{small(threshold)}': färre än {threshold} ärenden (noll inräknat). '{PROTECTED}': dolt för "
                       f"att ett litet antal inte ska kunna räknas fram ur de andra siffrorna, eller en tid som "
                       f"bygger på färre än {threshold} ärenden."}


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


def check_threshold(threshold: int) -> None:
    if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        raise ValueError(f"threshold {threshold} outside {MIN_THRESHOLD}..{MAX_THRESHOLD}")


def suppress(cells: dict, equations: Iterable[Equation], threshold: int = DEFAULT_THRESHOLD,
             hidden: Iterable = (), known: dict | None = None) -> dict:
    """The cells as they may be shown: the count, `small(threshold)` or `PROTECTED`. Hidden cells (complements
    nobody is shown, but which the equations need) are left out of the answer. `known` gives, by cell, the
    interval (low, high) a reader knows a cell lies in whatever is shown (from the shape of the view). An equation
    that names a cell not given, or does not hold on the cells, is left out. Pure: the same cells give the same
    answer."""
    check_threshold(threshold)
    hidden = frozenset(hidden)
    known = dict(known or {})
    for key, (low, high) in known.items():
        if key in cells and not low <= cells[key] <= high:
            raise ValueError(f"cell {key!r} is {cells[key]}, outside what a reader is said to know: {low}..{high}")
    equations = [eq for eq in equations if all(key in cells for key in eq.cells)
                 and cells[eq.total] == sum(cells[part] for part in eq.parts)]
    system = _System(cells, equations, threshold, hidden, known)
    secondary = system.protect()
    shown = {}
    for i, key in enumerate(system.keys):
        if system.hidden[i]:
            continue
        shown[key] = small(threshold) if system.primary[i] else PROTECTED if i in secondary else system.values[i]
    return shown


def combined(forms: list[dict], levels: int = 2, limit: int | None = None) -> list[dict]:
    """The forms, and those a reader gets by subtracting or adding two of them to eliminate a cell they share,
    `levels` deep, keeping the ones whose every coefficient is 1 or -1 (sums and differences of counts). At most
    `limit` forms (by default 3,000 and 20 for each form given)."""
    limit = 3000 + 20 * len(forms) if limit is None else limit
    seen = {frozenset(form.items()) for form in forms}
    result = list(forms)
    by_cell: dict = {}
    for index, form in enumerate(result):
        for key in form:
            by_cell.setdefault(key, []).append(index)
    layer = list(range(len(result)))
    for _ in range(levels):
        new: list[dict] = []
        for first_index in layer:
            first = result[first_index]
            for key in first:
                for second_index in by_cell.get(key, ()):
                    if second_index == first_index:
                        continue
                    second = result[second_index]
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
        if not new:
            break
        start = len(result)
        result += new
        for index in range(start, len(result)):
            for key in result[index]:
                by_cell.setdefault(key, []).append(index)
        layer = list(range(start, len(result)))
    return result


def _ceil(value: float) -> float:
    return value if math.isinf(value) else math.ceil(value - 1e-9)


def _floor(value: float) -> float:
    return value if math.isinf(value) else math.floor(value + 1e-9)


def _term(coef: int, low: float, high: float) -> tuple[float, float]:
    """coef * x for x between low and high, as an interval."""
    return (coef * low, coef * high) if coef > 0 else (coef * high, coef * low)


def _narrow(low: list, high: list, forms: list, forms_of: list, start: Iterable[int], live) -> None:
    """Interval propagation (in place): the tightest intervals the forms give, to a fixed point. `forms` are
    tuples of (cell, coef); `forms_of` the forms of each cell; `start` the forms to begin with; `live(form)`
    whether a form may tell something (it has a cell not shown)."""
    queue = deque(start)
    queued = set(queue)
    budget = 50 * max(len(queued), 1) + 1000  # integer intervals only narrow; this bounds a slow creep
    while queue and budget:
        budget -= 1
        index = queue.popleft()
        queued.discard(index)
        form = forms[index]
        # the sums of the terms' lows and highs, the infinite ones counted apart
        low_finite = high_finite = low_inf = high_inf = 0
        for cell, coef in form:
            lo, hi = (coef * low[cell], coef * high[cell]) if coef > 0 else (coef * high[cell], coef * low[cell])
            if lo == -INF:
                low_inf += 1
            else:
                low_finite += lo
            if hi == INF:
                high_inf += 1
            else:
                high_finite += hi
        if low_inf > 1 and high_inf > 1:
            continue  # two cells unbounded each way: the form bounds none of them
        for cell, coef in form:
            lo, hi = (coef * low[cell], coef * high[cell]) if coef > 0 else (coef * high[cell], coef * low[cell])
            others_low = -INF if low_inf - (lo == -INF) else low_finite - (0 if lo == -INF else lo)
            others_high = INF if high_inf - (hi == INF) else high_finite - (0 if hi == INF else hi)
            # coef * x = -(the others): between -others_high and -others_low
            if coef == 1:
                new_lo, new_hi = -others_high, -others_low
            elif coef == -1:
                new_lo, new_hi = others_low, others_high
            else:
                a, b = -others_high / coef, -others_low / coef
                new_lo, new_hi = (a, b) if coef > 0 else (b, a)
                new_lo, new_hi = _ceil(new_lo), _floor(new_hi)
            if new_lo > low[cell] or new_hi < high[cell]:
                low[cell], high[cell] = max(low[cell], new_lo), min(high[cell], new_hi)
                for other in forms_of[cell]:
                    if other not in queued and live(other):
                        queued.add(other)
                        queue.append(other)


class _System:
    """The cells and forms of one call of `suppress`, by index, and the search for the counts to hide."""

    def __init__(self, cells: dict, equations: list[Equation], threshold: int, hidden: frozenset, known: dict):
        self.keys = list(cells)
        self.index = {key: i for i, key in enumerate(self.keys)}
        self.values = [int(cells[key]) for key in self.keys]
        self.threshold = threshold
        self.hidden = [key in hidden for key in self.keys]
        self.primary = [not self.hidden[i] and self.values[i] < threshold for i in range(len(self.keys))]
        self.known = [known.get(key, (0, INF)) for key in self.keys]
        self.rank = [0] * len(self.keys)  # the order of the keys' reprs: every tie is broken by it
        for position, i in enumerate(sorted(range(len(self.keys)), key=lambda i: repr(self.keys[i]))):
            self.rank[i] = position
        self.totals = {self.index[eq.total] for eq in equations}
        raw = [{self.index[key]: coef for key, coef in eq.form().items()} for eq in equations]
        short = [form for form in raw if len(form) <= NARROW]
        long = [form for form in raw if len(form) > NARROW]
        # two levels deep for a view of few equations (the region's); one for many, where the second level's
        # thousands of forms (a unit's row, its lex rows and their complements, chained) cost more than they find
        short = combined(short, levels=2 if len(short) <= COMBINED_TWICE else 1)
        self.forms = [tuple(sorted(form.items())) for form in short + long]
        self.wide = [False] * len(short) + [True] * len(long)  # a combination of short forms is short
        self.forms_of: list[list[int]] = [[] for _ in self.keys]
        for index, form in enumerate(self.forms):
            for cell, _ in form:
                self.forms_of[cell].append(index)
        self.large = len(self.keys) > LARGE or len(self.forms) > LARGE

    # ---------------------------------------------------------------- what a reader knows

    def _start(self, i: int, secondary) -> tuple[float, float]:
        k_lo, k_hi = self.known[i]
        if self.hidden[i]:
            lo, hi = 0, INF
        elif self.primary[i]:
            lo, hi = 0, self.threshold - 1
        elif i in secondary:
            lo, hi = self.threshold, INF
        else:
            return self.values[i], self.values[i]
        return max(lo, k_lo), min(hi, k_hi)

    def _unknown(self, i: int, secondary) -> bool:
        return self.hidden[i] or self.primary[i] or i in secondary

    def check(self, secondary: set) -> tuple[list, list, list]:
        """(failures, low, high): what a reader knows of every cell with `secondary` hidden too, and what of it
        fails the rule: ("cell", i) a small count pinned down, ("form", f) the unknown cells of form f that sum
        to a small count a reader can work out."""
        n = len(self.keys)
        unknown = [self._unknown(i, secondary) for i in range(n)]
        low, high = zip(*(self._start(i, secondary) for i in range(n))) if n else ((), ())
        low, high = list(low), list(high)
        live_forms = [any(unknown[cell] for cell, _ in form) for form in self.forms]
        _narrow(low, high, self.forms, self.forms_of, [f for f in range(len(self.forms)) if live_forms[f]],
                live_forms.__getitem__)
        failures = [("cell", i) for i in sorted((i for i in range(n) if unknown[i]), key=self.rank.__getitem__)
                    if is_small(self.values[i], self.threshold) and low[i] >= high[i]]
        for f, form in enumerate(self.forms):
            if live_forms[f] and self._group_is_small(form, unknown, low, high):
                failures.append(("form", f))
        return failures, low, high

    def _group_is_small(self, form, unknown, low, high) -> bool:
        """Whether the cells of the form a reader cannot work out one by one sum to a small count a reader can
        (they all stand on one side, and every other cell is shown or worked out)."""
        open_terms = [(cell, coef) for cell, coef in form if unknown[cell] and low[cell] < high[cell]]
        if len(open_terms) < 2 or len({coef for _, coef in open_terms}) != 1:
            return False
        return is_small(sum(self.values[cell] for cell, _ in open_terms), self.threshold)

    # ---------------------------------------------------------------- the search

    def protect(self) -> set:
        secondary: set = set()
        while True:
            failures, low, high = self.check(secondary)
            if not failures:
                return secondary
            if not self.large:
                pick = self._remedy_whole(failures[0], secondary)
                if pick is None:  # nothing shown is left near it: everything it is derived from is hidden already
                    return secondary
                secondary.add(pick)
                continue
            picked = False
            mended: set = set()  # cells near a remedy of this round: their failures wait for the next check
            sums = self._long_sums(secondary, low, high)
            for failure in failures:
                cells = self._failure_cells(failure, secondary, low, high)
                if mended.intersection(cells):
                    continue
                picks = self._remedy_near(failure, cells, secondary, low, high, sums)
                if not picks:
                    continue
                secondary.update(picks)
                picked = True
                mended |= self._short_neighbours([*cells, *picks])
            if not picked:
                return secondary

    def _open(self, cell, secondary, low, high) -> bool:
        return self._unknown(cell, secondary) and low[cell] < high[cell]

    def _failure_cells(self, failure, secondary, low, high) -> list[int]:
        """The cells a failure is about: the pinned cell; every cell of a short form; the open cells of a long
        sum (its shown and worked-out cells are many and far)."""
        kind, which = failure
        if kind == "cell":
            return [which]
        if self.wide[which]:
            return [cell for cell, _ in self.forms[which] if self._open(cell, secondary, low, high)]
        return [cell for cell, _ in self.forms[which]]

    def _short_neighbours(self, cells) -> set:
        near = set(cells)
        for cell in cells:
            for f in self.forms_of[cell]:
                if not self.wide[f]:
                    near.update(c for c, _ in self.forms[f])
        return near

    def _remedy_whole(self, failure, secondary):
        """Small views: of the shown counts nearest the failure, the one whose hiding leaves the fewest failures in
        the whole view, a part before a total, the smallest."""
        kind, which = failure
        start = which if kind == "cell" else min(
            (cell for cell, _ in self.forms[which] if self._unknown(cell, secondary)), key=self.rank.__getitem__)
        candidates = self._nearest_shown(start, secondary)
        if not candidates:
            return None

        def outcome(candidate):
            left = len(self.check(secondary | {candidate})[0])
            return left, candidate in self.totals, self.values[candidate], self.rank[candidate]

        return min(candidates, key=outcome)

    def _nearest_shown(self, start: int, secondary) -> list[int]:
        """The shown cells in the forms of `start`, else in those of the unknown cells that share a form with it,
        breadth first: where hiding one more count can help."""
        seen_cells, seen_forms = {start}, set()
        frontier = deque([start])
        while frontier:
            layer, candidates = list(frontier), []
            frontier.clear()
            for cell in layer:
                for f in self.forms_of[cell]:
                    if f in seen_forms:
                        continue
                    seen_forms.add(f)
                    for other, _ in self.forms[f]:
                        if other in seen_cells:
                            continue
                        seen_cells.add(other)
                        (frontier if self._unknown(other, secondary) else candidates).append(other)
            if candidates:
                return candidates
        return []

    def _preference(self, cell) -> tuple:
        """A part before a total, the smallest count, then the key's order."""
        return cell in self.totals, self.values[cell], self.rank[cell]

    def _remedy_near(self, failure, cells, secondary, low, high, sums):
        """Large views: the shown counts of the failure's equations (of a long sum, its few smallest), and of the
        equations that pin down the worked-out cells of its short ones, each weighed in its neighbourhood: the
        first (by preference) that mends the failure and leaves nothing failing nearby, else the one that mends it
        leaving the fewest; when none mends it alone, a pair that does (`_pair_near`); else a shown part of its own
        short equations, which the next round builds on. The counts to hide."""
        kind, which = failure
        forms = {which} if kind == "form" else set(self.forms_of[which])
        for f in [f for f in forms if not self.wide[f]]:
            for cell, _ in self.forms[f]:
                if self._unknown(cell, secondary) and low[cell] >= high[cell]:
                    forms.update(self.forms_of[cell])
        own, candidates = set(), set()
        for f in sorted(forms):
            shown = [cell for cell, _ in self.forms[f] if not self._unknown(cell, secondary)]
            if self.wide[f]:
                shown = sorted(shown, key=self._preference)[:WIDE_CANDIDATES]
            elif f == which if kind == "form" else which in (cell for cell, _ in self.forms[f]):
                own.update(shown)
            candidates.update(shown)
        if not candidates:
            return []
        order = sorted(candidates, key=self._preference)
        mending = []
        for candidate in order:
            mends, left = self._weigh_near(failure, cells, (candidate,), secondary, low, high, sums)
            if mends and left == 0:
                return [candidate]
            if mends:
                mending.append((left, self._preference(candidate), candidate))
        if mending:
            return [min(mending)[2]]
        pair = self._pair_near(failure, cells, order, secondary, low, high, sums)
        return pair or [next((c for c in order if c in own), order[0])]

    def _pair_near(self, failure, cells, order, secondary, low, high, sums) -> list:
        """Two counts that mend a failure no one count mends: a cell pinned by a column of cells shown exactly
        needs another of that column hidden, and with it one more of its row, or the row gives it back (the
        corners of a rectangle). The first candidates (by preference), each with the shown counts of its own
        equations; the pair that leaves the fewest failures nearby."""
        found = []
        for first in order[:PAIR_FIRSTS]:
            trial = secondary | {first}
            seconds = set()
            for f in self.forms_of[first]:
                shown = [cell for cell, _ in self.forms[f] if not self._unknown(cell, trial)]
                seconds.update(sorted(shown, key=self._preference)[:WIDE_CANDIDATES] if self.wide[f] else shown)
            for second in sorted(seconds, key=self._preference):
                mends, left = self._weigh_near(failure, cells, (first, second), secondary, low, high, sums)
                if mends:
                    found.append((left, self._preference(first), self._preference(second), first, second))
            if found and min(found)[0] == 0:
                break
        if not found:
            return []
        best = min(found)
        return [best[3], best[4]]

    def _long_sums(self, secondary, low, high) -> dict:
        """Of each long sum, what a reader knows now: the sums of its terms' lows and highs, and of its open
        cells (unknown, not worked out) the number by sign and the sum of their counts."""
        sums = {}
        for f, form in enumerate(self.forms):
            if not self.wide[f]:
                continue
            lo_sum = hi_sum = 0
            signs = {1: 0, -1: 0}
            open_sum = 0
            for cell, coef in form:
                lo, hi = _term(coef, low[cell], high[cell])
                lo_sum, hi_sum = lo_sum + lo, hi_sum + hi
                if self._open(cell, secondary, low, high):
                    signs[1 if coef > 0 else -1] += 1
                    open_sum += self.values[cell]
            sums[f] = (lo_sum, hi_sum, signs, open_sum)
        return sums

    def _weigh_near(self, failure, cells, candidates, secondary, low, high, sums) -> tuple[bool, int]:
        """(whether hiding the `candidates` mends the failure, the failures left) in the neighbourhood: the short
        forms of the failure's cells and the candidates, and the long sums through their cells, the rest of each
        long sum standing as one cell for what a reader knows of it now."""
        trial = secondary | set(candidates)
        seeds = {*cells, *candidates}
        short = {f for cell in seeds for f in self.forms_of[cell] if not self.wide[f]}
        if failure[0] == "form" and not self.wide[failure[1]]:
            short.add(failure[1])
        short = sorted(short)
        inside = set(seeds)
        for f in short:
            inside.update(cell for cell, _ in self.forms[f])
        long = sorted({f for cell in inside for f in self.forms_of[cell] if self.wide[f]})
        local = {cell: position for position, cell in enumerate(sorted(inside))}
        l_low, l_high = [], []
        for cell in local:
            lo, hi = self._start(cell, trial)
            l_low.append(lo)
            l_high.append(hi)
        l_forms = [tuple((local[cell], coef) for cell, coef in self.forms[f]) for f in short]
        for f in long:
            rest_lo, rest_hi = sums[f][0], sums[f][1]
            terms = []
            for cell, coef in self.forms[f]:
                if cell in local:
                    terms.append((local[cell], coef))
                    lo, hi = _term(coef, low[cell], high[cell])
                    rest_lo, rest_hi = rest_lo - lo, rest_hi - hi
            if math.isnan(rest_lo) or math.isnan(rest_hi):  # inf - inf: the rest is unbounded that way
                rest_lo, rest_hi = self._rest(f, local, low, high)
            l_low.append(rest_lo)
            l_high.append(rest_hi)
            terms.append((len(l_low) - 1, 1))
            l_forms.append(tuple(terms))
        forms_of: list[list[int]] = [[] for _ in l_low]
        for index, form in enumerate(l_forms):
            for cell, _ in form:
                forms_of[cell].append(index)
        _narrow(l_low, l_high, l_forms, forms_of, range(len(l_forms)), lambda _f: True)

        def is_open(cell) -> bool:
            if cell in local:
                position = local[cell]
                return self._unknown(cell, trial) and l_low[position] < l_high[position]
            return self._open(cell, secondary, low, high)

        left, mends = 0, True
        for cell, position in local.items():
            if self._unknown(cell, trial) and is_small(self.values[cell], self.threshold) \
                    and l_low[position] >= l_high[position]:
                left += 1
                mends = mends and failure != ("cell", cell)
        for f in short:
            open_terms = [(cell, coef) for cell, coef in self.forms[f] if is_open(cell)]
            if len(open_terms) >= 2 and len({coef for _, coef in open_terms}) == 1 \
                    and is_small(sum(self.values[cell] for cell, _ in open_terms), self.threshold):
                left += 1
                mends = mends and failure != ("form", f)
        for f in long:  # the long sum's open cells as they are now, those inside as they would be
            _lo, _hi, signs, open_sum = sums[f]
            signs = dict(signs)
            for cell, coef in self.forms[f]:
                if cell in local:
                    sign = 1 if coef > 0 else -1
                    if self._open(cell, secondary, low, high):
                        signs[sign] -= 1
                        open_sum -= self.values[cell]
                    if is_open(cell):
                        signs[sign] += 1
                        open_sum += self.values[cell]
            if signs[1] + signs[-1] >= 2 and 0 in (signs[1], signs[-1]) and is_small(open_sum, self.threshold):
                left += 1
                mends = mends and failure != ("form", f)
        return mends, left

    def _rest(self, f, local, low, high) -> tuple[float, float]:
        rest_lo = rest_hi = 0
        for cell, coef in self.forms[f]:
            if cell not in local:
                lo, hi = _term(coef, low[cell], high[cell])
                rest_lo, rest_hi = rest_lo + lo, rest_hi + hi
        return rest_lo, rest_hi


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
