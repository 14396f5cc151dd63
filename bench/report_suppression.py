"""Benchmark: the small-count suppression of a yearly report's figures (issue 12), for förvaltningar of 30 to 1,000
units, printed, not asserted.

A report's case counts go by the small-count rule when its figures are taken (create, regenerate): every count
under the threshold "< 5", and more hidden ("..") until no equation between the figures gives a small one back
(services/reporting/ordning_reporting/domain/report_suppression.py). Its cost grows with the units: a table of
300 units is thousands of cells. The figures here are built from synthetic cases in memory, through the
figures API's own section builders (ordning_reporting.memory), with many small units, as a municipality has:
a unit's yearly cases are drawn from 0 to ~120, a lex case at about one unit in three, complaints here and there.

Prints, per size: the cells and equations, the time to suppress (median of BENCH_REPEAT runs), and how many
counts are "< 5" and "..". No database is needed; `bench/reporting.py` prints the same time for the 1,000,000
events' municipality (300 units) in its run.

Run: make bench BENCH=report_suppression; BENCH_SIZES=300 BENCH_REPEAT=3 for one size.
"""
from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "30,100,300,1000").split(",")]
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
SEED = int(os.environ.get("BENCH_SEED", "12"))
YEAR = 2026
KINDS = (("avvikelse", 0.72), ("lex_sarah", 0.04), ("lex_maria", 0.03), ("klagomal", 0.13), ("synpunkt", 0.08))


def facts(rng: random.Random, units: list[str]) -> list[dict]:
    """A year's cases at each unit: most units small (a group home, a day centre), a few large."""
    kinds, weights = zip(*KINDS)
    cases = []
    for unit in units:
        for _ in range(int(rng.paretovariate(1.3) * rng.choice([1, 2, 4, 8, 15])) if rng.random() > 0.05 else 0):
            kind = rng.choices(kinds, weights)[0]
            day = date(YEAR, 1, 1) + timedelta(days=rng.randrange(365))
            fact = {"unit_id": unit, "kind": kind, "reported_on": day.isoformat(),
                    "origin": "citizen" if kind in ("klagomal", "synpunkt") and rng.random() < 0.6 else "staff",
                    "category_id": rng.choice(["k1", "k2", "k3", "k4", None])}
            if kind in ("lex_sarah", "lex_maria") and rng.random() < 0.85:
                fact["serious"] = rng.random() < 0.4
                if fact["serious"] and rng.random() < 0.8:
                    fact["ivo_reported_on"] = (day + timedelta(days=rng.randrange(3, 40))).isoformat()
            if kind in ("klagomal", "synpunkt") and rng.random() < 0.9:
                fact["received_on"] = (day + timedelta(days=rng.randrange(0, 3))).isoformat()
                fact["answered_on"] = (day + timedelta(days=rng.randrange(1, 45))).isoformat()
                fact["answer_due"] = (day + timedelta(days=21)).isoformat()
            cases.append(fact)
    return cases


def main() -> None:
    sys.path.insert(0, str(ROOT / "services" / "reporting"))
    from ordning_reporting.domain.report_suppression import case_view, suppressed_figures
    from ordning_reporting.memory import figures_document

    print(f"suppression of a yearly report's case counts, threshold 5, median of {REPEAT} runs", flush=True)
    for size in SIZES:
        rng = random.Random(SEED + size)
        names = {f"u{i:04d}": {"name": f"Enhet {i:04d}", "kind": "external_provider" if i % 10 == 0 else "unit"}
                 for i in range(size)}
        document = figures_document(facts(rng, list(names)), names, YEAR, date(YEAR + 1, 1, 10))
        view = case_view(json.loads(json.dumps(document))["sections"], 5)
        times = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            shown = suppressed_figures(document, 5)
            times.append(time.perf_counter() - started)
        text = json.dumps(shown, ensure_ascii=False)
        cases = next(f["value"] for f in document["sections"][0]["figures"] if f["key"] == "total")
        print(f"{size:5d} units, {cases:6,d} cases: {len(view.cells):6,d} cells, {len(view.equations):5,d} "
              f"equations; suppressed in {statistics.median(times) * 1000:7.0f} ms; "
              f"{text.count(chr(34) + '< 5' + chr(34)):5,d} shown as \"< 5\", "
              f"{text.count(chr(34) + '..' + chr(34)):4,d} as \"..\"", flush=True)


if __name__ == "__main__":
    main()
