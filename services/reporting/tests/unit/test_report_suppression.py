"""The yearly reports' case counts by the small-count rule (domain/report_suppression.py): primary ("< 5") in every
per-unit table, secondary ("..") so that no hidden count comes back from a shown total and the other cells (the
section's totals, the complements nobody is shown, the sums over the utförare i privat regi), and an attacker who
propagates every equation of the report and what its tables' shape tells, over random förvaltningar."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from ordning_reporting.domain.report_suppression import OTHER_UNITS, case_view, suppressed_figures
from ordning_reporting.domain.suppression import PROTECTED, small
from ordning_reporting.memory import figures_document

from .test_suppression import attacker_bounds

YEAR, TODAY = 2026, date(2027, 1, 10)
UNITS = {"u-norr": {"name": "Hemtjänst Norr", "kind": "unit"}, "u-sol": {"name": "Solbacken", "kind": "unit"},
         "u-dag": {"name": "Daglig verksamhet", "kind": "unit"},
         "u-omsorg": {"name": "Omsorg AB", "kind": "external_provider"},
         "u-gard": {"name": "Gården", "kind": "unit"}}


def case(unit: str, kind: str = "avvikelse", day: int = 0, **extra) -> dict:
    reported = date(YEAR, 1, 1) + timedelta(days=day % 365)
    return {"unit_id": unit, "kind": kind, "reported_on": reported.isoformat(), "origin": "staff", **extra}


def cases(unit: str, n: int, kind: str = "avvikelse", **extra) -> list[dict]:
    return [case(unit, kind, day=i * 7, **extra) for i in range(n)]


def document(facts: list[dict], units=UNITS) -> dict:
    return figures_document(facts, units, YEAR, TODAY)


def section(doc: dict, key: str) -> dict:
    return next(s for s in doc["sections"] if s["key"] == key)


def figure(doc: dict, section_key: str, key: str) -> dict:
    return next(f for f in section(doc, section_key)["figures"] if f["key"] == key)


def rows_by_unit(doc: dict, section_key: str = "deviations") -> dict:
    return {row["unit_name"]: row for row in figure(doc, section_key, "by_unit")["rows"]}


def worked_out(raw: dict, threshold: int = 5) -> tuple[dict, dict, dict]:
    """(the cells of the report's case sections, how they are shown, what a reader can work out of each from what
    is shown): every equation of the view and what its tables' shape tells, propagated by the test's attacker."""
    view = case_view(raw["sections"], threshold)
    shown = view.shown()
    holds = [eq for eq in view.equations if all(key in view.cells for key in eq.cells)
             and view.cells[eq.total] == sum(view.cells[part] for part in eq.parts)]
    return view.cells, shown, attacker_bounds(shown, holds, threshold, hidden=view.hidden, known=view.known)


def assert_nothing_small_is_pinned(raw: dict, threshold: int = 5) -> None:
    cells, _shown, bounds = worked_out(raw, threshold)
    pinned = {key: value for key, value in cells.items() if 0 < value < threshold and bounds[key][0] >= bounds[key][1]}
    assert not pinned


def test_a_small_units_counts_are_less_than_the_threshold_in_the_table_of_units():
    raw = document(cases("u-norr", 40) + cases("u-norr", 2, "lex_sarah") + cases("u-sol", 12)
                   + cases("u-dag", 3) + cases("u-dag", 1, "klagomal"))
    shown = rows_by_unit(suppressed_figures(raw, 5))
    assert shown["Daglig verksamhet"]["total"] == "< 5" and shown["Daglig verksamhet"]["avvikelse"] == "< 5"
    assert shown["Daglig verksamhet"]["klagomal"] == "< 5"
    assert shown["Hemtjänst Norr"]["lex_sarah"] == "< 5"
    assert shown["Hemtjänst Norr"]["lex_maria"] == "< 5"  # zero too: "< 5" is 0 to 4
    assert shown["Solbacken"]["avvikelse"] in (12, PROTECTED)  # 12 shown, or hidden for another's sake
    # the raw document is left as it was
    assert rows_by_unit(raw)["Daglig verksamhet"]["total"] == 4


def test_a_units_total_minus_its_other_kinds_gives_no_small_count_back():
    """42 at Hemtjänst Norr, 40 of them avvikelser: without more hidden, 42 - 40 would give its 2 lex Sarah."""
    raw = document(cases("u-norr", 40) + cases("u-norr", 2, "lex_sarah") + cases("u-sol", 12) + cases("u-gard", 9))
    norr = rows_by_unit(suppressed_figures(raw, 5))["Hemtjänst Norr"]
    assert norr["lex_sarah"] == "< 5"
    assert PROTECTED in (norr["total"], norr["avvikelse"])
    assert_nothing_small_is_pinned(raw)


def test_a_column_total_minus_the_other_units_gives_no_small_count_back():
    """The section's 61 avvikelser, shown beside the table: 61 - 40 - 12 - 6 would give Daglig verksamhet's 3."""
    raw = document(cases("u-norr", 40) + cases("u-sol", 12) + cases("u-gard", 6) + cases("u-dag", 3))
    doc = suppressed_figures(raw, 5)
    shown = rows_by_unit(doc)
    assert shown["Daglig verksamhet"]["avvikelse"] == "< 5"
    hidden = [name for name, row in shown.items() if row["avvikelse"] == PROTECTED]
    total = figure(doc, "deviations", "total")["value"]
    assert hidden or total == PROTECTED
    assert_nothing_small_is_pinned(raw)


def test_not_yet_decided_is_protected_though_nobody_is_shown_it():
    """12 lex Sarah reported, 10 decided: the 2 undecided are nobody's figure, yet 12 - 10 would give them."""
    decided = [case("u-norr", "lex_sarah", day=i, serious=i % 2 == 0) for i in range(10)]
    raw = document(decided + cases("u-norr", 2, "lex_sarah") + cases("u-norr", 30) + cases("u-sol", 20))
    lex = {f["key"]: f["value"] for f in section(suppressed_figures(raw, 5), "lex_sarah")["figures"]
           if f["type"] == "value"}
    assert PROTECTED in (lex["reported"], lex["decided"])
    assert_nothing_small_is_pinned(raw)


def test_the_sum_over_the_providers_gives_no_single_providers_count_back():
    raw = document(cases("u-omsorg", 3) + cases("u-norr", 40) + cases("u-sol", 12))
    doc = suppressed_figures(raw, 5)
    providers = doc["compilations"]["providers"]
    assert providers["cases_at_providers"] == "< 5" and providers["providers_with_cases"] == 1
    assert rows_by_unit(doc)["Omsorg AB"]["total"] == "< 5"
    # own units' 52 beside the total's 55 would give the provider's 3 back
    assert PROTECTED in (providers["cases_in_own_units"], figure(doc, "deviations", "total")["value"])
    assert_nothing_small_is_pinned(raw)


def test_a_lex_table_lists_the_units_with_many_cases_and_the_others_together():
    raw = document(cases("u-norr", 30) + cases("u-norr", 6, "lex_maria") + cases("u-sol", 8)
                   + cases("u-sol", 1, "lex_maria") + cases("u-dag", 10) + cases("u-dag", 2, "lex_maria"))
    doc = suppressed_figures(raw, 5)
    lex = figure(doc, "lex_maria", "by_unit")
    assert [row["unit_name"] for row in lex["rows"]] == ["Hemtjänst Norr", OTHER_UNITS]
    assert lex["rows"][-1]["reported"] == "< 5" and "färre än 5" in lex["note"]
    assert "Solbacken" not in str(lex)
    # each small unit's lex Maria is still in the table of units, as "< 5"
    assert rows_by_unit(doc)["Solbacken"]["lex_maria"] == "< 5"
    assert_nothing_small_is_pinned(raw)


def test_three_units_with_one_lex_case_each_are_not_pinned_by_being_listed():
    """Listed one by one under a lex total of "< 5", three units would each have had exactly one."""
    raw = document(cases("u-norr", 20) + cases("u-sol", 20) + cases("u-dag", 20) + cases("u-gard", 20)
                   + [case(unit, "lex_sarah") for unit in ("u-norr", "u-sol", "u-dag", "u-gard")])
    assert_nothing_small_is_pinned(raw)


def test_the_handelsetyper_are_counted_by_the_small_count_rule_like_the_categories():
    """One fall among 30 cases of other types: "< 5", and not worked out as the total minus the other types."""
    raw = document(cases("u-norr", 30, event_type="lakemedel") + cases("u-sol", 1, event_type="fall")
                   + cases("u-gard", 6))
    assert {row["event_type"]: row["reported"] for row in figure(raw, "deviations", "by_event_type")["rows"]} == \
        {"lakemedel": 30, None: 6, "fall": 1}
    shown = figure(suppressed_figures(raw, 5), "deviations", "by_event_type")["rows"]
    by_type = {row["event_type"]: row["reported"] for row in shown}
    assert by_type["fall"] == "< 5"
    assert PROTECTED in (by_type["lakemedel"], by_type[None])  # else 37 - 30 - 6 gives the one fall back
    assert [row["event_type"] for row in shown][-1] == "fall"  # ordered by what is shown: "< 5" last
    assert_nothing_small_is_pinned(raw)


def test_rows_are_ordered_by_what_they_show_not_by_the_hidden_counts():
    """Sorted by the true counts, "< 5" rows out of alphabetical order would tell which is larger."""
    raw = document(cases("u-norr", 30) + cases("u-gard", 4) + cases("u-sol", 1) + cases("u-dag", 2))
    names = [row["unit_name"] for row in figure(suppressed_figures(raw, 5), "deviations", "by_unit")["rows"]]
    assert names == ["Hemtjänst Norr", "Daglig verksamhet", "Gården", "Solbacken"]


def test_a_time_over_fewer_cases_than_the_threshold_is_hidden():
    ivo = [case("u-norr", "lex_maria", day=i, serious=True, ivo_reported_on=f"{YEAR}-0{2 + i}-01") for i in range(2)]
    answered = [case("u-norr", "klagomal", day=i, answered_on=f"{YEAR}-11-0{1 + i}", answer_due=f"{YEAR}-12-01")
                for i in range(6)]
    doc = suppressed_figures(document(ivo + answered + cases("u-norr", 30)), 5)
    assert figure(doc, "lex_maria", "days_to_ivo_max")["value"] == PROTECTED
    assert figure(doc, "lex_sarah", "days_to_ivo_max")["value"] is None  # no case: nothing to hide
    assert isinstance(figure(doc, "complaints_and_feedback", "days_to_answer_max")["value"], int)
    rows = {row["kind"]: row for row in figure(doc, "complaints_and_feedback", "by_kind")["rows"]}
    assert isinstance(rows["klagomal"]["days_to_answer_max"], int) and rows["synpunkt"]["days_to_answer_max"] is None


def test_the_document_says_its_threshold_and_the_work_sections_are_as_they_were():
    raw = document(cases("u-norr", 9) + cases("u-sol", 7))
    doc = suppressed_figures(raw, 10)
    assert doc["suppression"]["threshold"] == 10 and doc["suppression"]["small"] == "< 10"
    assert "färre än 10" in doc["suppression"]["text_sv"]
    assert rows_by_unit(doc)["Hemtjänst Norr"]["total"] == "< 10"
    assert section(doc, "actions") == section(raw, "actions")


def test_the_year_before_is_suppressed_on_its_own():
    raw = document(cases("u-norr", 30) + cases("u-sol", 2))
    raw["previous_year"] = {"period": raw["period"], "sections": [section(document(cases("u-sol", 3)), "deviations")]}
    doc = suppressed_figures(raw, 5)
    before = doc["previous_year"]["sections"][0]
    assert next(f for f in before["figures"] if f["key"] == "total")["value"] == "< 5"


def test_a_section_the_report_does_not_show_is_no_cell_of_it():
    raw = document(cases("u-norr", 30) + cases("u-norr", 2, "lex_sarah"))
    raw["sections"] = [s for s in raw["sections"] if s["key"] != "lex_sarah"]
    doc = suppressed_figures(raw, 5)
    assert rows_by_unit(doc)["Hemtjänst Norr"]["lex_sarah"] == "< 5"
    assert_nothing_small_is_pinned(raw)


def random_förvaltning(rng: random.Random) -> dict:
    units = {f"u{i:03d}": {"name": f"Enhet {i:03d}", "kind": "external_provider" if i % 4 == 0 else "unit"}
             for i in range(rng.randint(2, 40))}
    facts = []
    for unit in units:
        size = rng.choice([0, 1, 2, 3, 5, 8, 20, 60])
        for _ in range(rng.randint(0, size)):
            kind = rng.choices(["avvikelse", "lex_sarah", "lex_maria", "klagomal", "synpunkt"], [70, 5, 4, 12, 9])[0]
            extra = {"origin": rng.choice(["staff", "citizen"]), "category_id": rng.choice(["k1", "k2", None]),
                     "event_type": rng.choice(["fall", "lakemedel", "hot_och_vald", None])}
            if kind.startswith("lex") and rng.random() < 0.8:
                extra["serious"] = rng.random() < 0.5
                if extra["serious"] and rng.random() < 0.7:
                    extra["ivo_reported_on"] = f"{YEAR}-12-20"
            if kind in ("klagomal", "synpunkt") and rng.random() < 0.8:
                extra.update(answered_on=f"{YEAR}-12-{rng.randint(10, 28)}", answer_due=f"{YEAR}-12-20")
            facts.append({**case(unit, kind, day=rng.randrange(365)), **extra})
    return figures_document(facts, units, YEAR, TODAY)


@pytest.mark.parametrize("seed", range(30))
def test_no_small_count_of_a_random_förvaltning_can_be_worked_out(seed):
    raw = random_förvaltning(random.Random(seed))
    threshold = random.Random(seed).choice([3, 5, 5, 10])
    cells, shown, bounds = worked_out(raw, threshold)
    for key, value in cells.items():
        if key in shown:
            assert shown[key] == small(threshold) if value < threshold else shown[key] in (value, PROTECTED), key
        if 0 < value < threshold:
            assert bounds[key][0] < bounds[key][1], (key, value)
    assert case_view(raw["sections"], threshold).shown() == shown  # pure: the same figures, the same answer
