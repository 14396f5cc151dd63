"""The region view's domain: which municipalities are a region's, the equations between a municipality's figures,
and that no small count of them can be worked out from what is shown."""
from __future__ import annotations

import random

import pytest
from ordning_reporting.domain.region import equations_of, is_municipality, is_region, region_of, suppressed_cells
from ordning_reporting.domain.suppression import PROTECTED, small

from .test_suppression import attacker_bounds

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
KINDS = ("avvikelse", "lex_sarah", "lex_maria", "klagomal", "synpunkt")


def test_a_kommunkod_lies_in_the_lan_of_its_first_two_digits():
    assert is_municipality("2281") and not is_municipality("22") and not is_municipality("228x")
    assert is_region("22") and not is_region("2281")
    assert region_of("2281") == "22" and region_of("0138") == "01"


def municipality(rng: random.Random) -> dict:
    """A municipality's cells as the figures give them: consistent, small counts here and there."""
    kinds = {kind: rng.choice([0, 1, 2, 3, 4, 6, 9, 25, 140]) for kind in KINDS}
    total = sum(kinds.values())
    cells = {f"deviations.by_kind.{kind}": n for kind, n in kinds.items()}
    cells["deviations.total"] = total
    months = [0] * 12
    for _ in range(total):
        months[rng.randrange(12)] += 1
    cells.update({f"deviations.by_month.{m}": n for m, n in zip(MONTHS, months)})
    citizen = rng.randint(0, kinds["klagomal"] + kinds["synpunkt"])
    cells.update({"deviations.by_origin.staff": total - citizen, "deviations.by_origin.citizen": citizen,
                  "deviations.by_origin.none": 0, "deviations.rejected": rng.randint(0, 6),
                  "deviations.possible_elsewhere": rng.randint(0, total)})
    for lex in ("lex_sarah", "lex_maria"):
        reported = kinds[lex]
        decided = rng.randint(0, reported)
        serious = rng.randint(0, decided)
        cells.update({f"{lex}.reported": reported, f"{lex}.decided": decided, f"{lex}.judged_serious": serious,
                      f"{lex}.not_serious": decided - serious, f"{lex}.reported_to_ivo": rng.randint(0, serious)})
    received = kinds["klagomal"] + kinds["synpunkt"]
    answered = rng.randint(0, received)
    cells.update({"complaints_and_feedback.received": received, "complaints_and_feedback.from_citizens": citizen,
                  "complaints_and_feedback.answered": answered,
                  "complaints_and_feedback.answered_in_time": rng.randint(0, answered),
                  "complaints_and_feedback.not_answered": received - answered})
    open_, done, cancelled = rng.randint(0, 30), rng.randint(0, 30), rng.randint(0, 3)
    cells.update({"actions.created": open_ + done + cancelled, "actions.open": open_,
                  "actions.overdue": rng.randint(0, open_), "actions.done": done, "actions.cancelled": cancelled})
    return cells


@pytest.mark.parametrize("seed", range(25))
def test_no_small_count_of_a_municipality_can_be_worked_out(seed):
    cells = municipality(random.Random(seed))
    equations, hidden = equations_of(cells, MONTHS)
    assert len(equations) >= 15  # every equation holds on consistent figures
    shown = suppressed_cells(cells, MONTHS, 5)
    assert set(shown) == set(cells)
    bounds = attacker_bounds(shown, equations, 5, hidden=set(hidden))
    for key, value in {**cells, **hidden}.items():
        if key in shown:
            assert shown[key] in (value, PROTECTED) if value >= 5 else shown[key] == small(5)
        if 0 < value < 5:
            assert bounds[key][0] < bounds[key][1], (key, value)
