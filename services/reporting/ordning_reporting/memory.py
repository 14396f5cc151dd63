"""Figures from case facts held in memory, without a database: for the tests and the benchmarks of what is done
with the figures afterwards (the yearly reports' suppression). The facts are the deviations read model's
(domain/facts.py), their contributions the cubes' own (domain/cubes.py), so the sections come out as the
figures API builds them from PostgreSQL."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from .domain.cubes import CUBES, action_contributions, deviation_contributions
from .domain.figures import Context, build_sections


class FactsReader:
    """The figures' Reader over the contributions of facts in memory: cases (`facts`) and improvement actions,
    every unit and month they give (a subclass narrows `contributions` to a scope or a period)."""

    def __init__(self, facts: list[dict], actions: list[dict] = ()):
        self.contributions = [c for fact in facts for c in deviation_contributions(fact)] + [
            c for action in actions for c in action_contributions(action)]

    def sum(self, cube: str, by: tuple[str, ...] = (), where: dict | None = None) -> dict[tuple, dict[str, int]]:
        spec = CUBES[cube]
        totals: dict = defaultdict(lambda: dict.fromkeys(spec.measures, 0))
        for contribution in self.contributions:
            if contribution.cube != cube:
                continue
            key = dict(zip(spec.dim_names, contribution.key))
            if any(key[name] != value for name, value in (where or {}).items()):
                continue
            counts = totals[tuple(key[name] for name in by)]
            for measure, value in contribution.measures.items():
                counts[measure] += value
        return dict(totals)

    def over(self, period) -> "FactsReader":
        return self


CASE_SECTIONS = ("deviations", "lex_sarah", "lex_maria", "complaints_and_feedback", "actions")


def figures_document(facts: list[dict], units: dict[str, dict], year: int, today: date,
                     sections=CASE_SECTIONS) -> dict:
    """The figures API's document (as JSON would give it: dates as text) of the cases in `facts`, for a year."""
    months = [date(year, month, 1) for month in range(1, 13)]
    built = build_sections(Context(FactsReader(facts), months, today, units), list(sections))
    return {"tenant": "0000", "scope": {"unit_id": None, "unit_name": None, "unit_kind": None, "units": len(units)},
            "period": {"from": f"{year}-01-01", "to": f"{year}-12-31"}, "today": today.isoformat(),
            "sections": [_text_dates(section.to_dict()) for section in built]}


def _text_dates(value):
    if isinstance(value, dict):
        return {key: _text_dates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_text_dates(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
