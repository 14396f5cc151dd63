"""The sections "documents" (styrdokument), "goals" (kvalitetsmål) and "processes" (the process work) from the
cubes of process_facts.py.

Documents: the versions established in the period (new documents and revisions) by their decision day; the
documents in force and those overdue for review are counted as of today, whatever the period (a document decided
years ago is overdue now). Goals: the measurements of the periods that start within the period, and each goal's
attainment from the latest measurement of each of its indicators (the events carry the attainment the processes
service computed from the indicator's target, not the target itself). Processes: the versions established in the
period, first versions and revisions.
"""
from __future__ import annotations

from .figures import Column, Context, Figure, Section, _unit_cells, _unit_columns
from .period import FIRST_DAY, LAST_DAY, Period
from .process_facts import DOCUMENT_VERSIONS, DOCUMENTS_IN_FORCE, GOAL_MEASUREMENTS, PROCESS_VERSIONS

DOCUMENT_KIND_LABELS_SV = {"rutin": "Rutin", "checklista": "Checklista", "riktlinje": "Riktlinje",
                           "instruktion": "Instruktion", "policy": "Policy", "plan": "Plan",
                           "annat": "Annat styrdokument"}
ATTAINMENTS = ("met", "partly", "not_met")
ATTAINMENT_LABELS_SV = {"met": "Uppfyllt", "partly": "Delvis uppfyllt", "not_met": "Ej uppfyllt"}
PROCESS_KIND_LABELS_SV = {"huvudprocess": "Huvudprocess", "ledningsprocess": "Ledningsprocess",
                          "stodprocess": "Stödprocess"}
EVERYTHING = Period(FIRST_DAY, LAST_DAY)


def documents_section(context: Context) -> Section:
    versions = context.reader.sum(DOCUMENT_VERSIONS.name, ("unit_id", "kind", "change"))
    in_force = context.reader.over(EVERYTHING).sum(DOCUMENTS_IN_FORCE.name, ("unit_id", "kind", "day"))
    empty = {"established": 0, "new": 0, "revised": 0, "in_force": 0, "overdue_for_review": 0}
    kinds: dict[str, dict] = {}
    units: dict[str, dict] = {}
    totals = dict(empty)

    def add(unit_id: str, kind: str, counts: dict) -> None:
        for target in (totals, kinds.setdefault(kind, {"kind": kind or None,
                                                       "label_sv": DOCUMENT_KIND_LABELS_SV.get(kind), **empty}),
                       units.setdefault(unit_id, {**_unit_cells(context, unit_id), **empty})):
            for name, value in counts.items():
                target[name] += value

    for (unit_id, kind, change), measures in versions.items():
        n = measures.get("n", 0)
        if n:
            add(unit_id, kind, {"established": n, change: n} if change in ("new", "revised") else {"established": n})
    for (unit_id, kind, review_date), measures in in_force.items():
        n = measures.get("n", 0)
        if n:
            add(unit_id, kind, {"in_force": n, "overdue_for_review": n if review_date < context.today else 0})
    columns = [Column("established", "Fastställda versioner"), Column("new", "Nya dokument"),
               Column("revised", "Reviderade"), Column("in_force", "Gällande i dag"),
               Column("overdue_for_review", "Passerad revisionsdag i dag")]
    return Section("documents", "Styrdokument och rutiner", [
        Figure("established", "Fastställda dokument (versioner)", totals["established"]),
        Figure("new_documents", "Nya dokument (första versionen)", totals["new"]),
        Figure("revised", "Reviderade dokument (ny version)", totals["revised"]),
        Figure("in_force", "Gällande dokument i dag", totals["in_force"],
               note="I dag, oavsett period."),
        Figure("overdue_for_review", "Dokument med passerad revisionsdag", totals["overdue_for_review"],
               note="Gällande dokument vars revisionsdag är före dagens datum, oavsett period."),
        Figure("by_kind", "Per slag av dokument", columns=[Column("kind", "Slag"), Column("label_sv", "Slag (text)"),
                                                          *columns],
               rows=sorted(kinds.values(), key=lambda row: row["kind"] or "")),
        Figure("by_unit", "Per ägande enhet", columns=[*_unit_columns(), *columns],
               rows=sorted(units.values(), key=lambda row: (-row["established"], row["unit_name"] or ""))),
    ], note="Fastställda versioner räknas på beslutsdagen inom perioden; gällande dokument och passerad "
            "revisionsdag gäller i dag. Dokumentens namn finns i processtjänsten.")


def goal_attainment(latest: list[str]) -> str:
    """A goal's attainment from the latest measurement of each of its indicators: met when every one is met,
    not met when none is met or partly met, partly otherwise."""
    if latest and all(a == "met" for a in latest):
        return "met"
    if all(a == "not_met" for a in latest):
        return "not_met"
    return "partly"


def goals_section(context: Context) -> Section:
    rows = context.reader.sum(GOAL_MEASUREMENTS.name,
                              ("unit_id", "goal_id", "indicator_id", "day", "period", "value", "attainment"))
    indicators: dict[str, dict] = {}
    for (unit_id, goal_id, indicator_id, day, period, value, attainment), measures in rows.items():
        n = measures.get("n", 0)
        if not n:
            continue
        row = indicators.setdefault(indicator_id, {"goal_id": goal_id or None, "indicator_id": indicator_id or None,
                                                   **_unit_cells(context, unit_id), "measurements": 0,
                                                   **dict.fromkeys(ATTAINMENTS, 0), "latest_period": None,
                                                   "latest_value": None, "latest_attainment": None, "_day": None})
        row["measurements"] += n
        if attainment in ATTAINMENTS:
            row[attainment] += n
        if row["_day"] is None or day > row["_day"]:
            row.update(_day=day, latest_period=period or None, latest_value=value or None,
                       latest_attainment=attainment or None)
    goals: dict[str, dict] = {}
    for row in indicators.values():
        goal = goals.setdefault(row["goal_id"], {"goal_id": row["goal_id"], "unit_id": row["unit_id"],
                                                 "unit_name": row["unit_name"], "unit_kind": row["unit_kind"],
                                                 "indicators": 0, "_latest": []})
        goal["indicators"] += 1
        del row["_day"]
        goal["_latest"].append(row["latest_attainment"])
    for goal in goals.values():
        goal["attainment"] = goal_attainment(goal.pop("_latest"))
        goal["label_sv"] = ATTAINMENT_LABELS_SV[goal["attainment"]]
    by_goal = {a: sum(1 for g in goals.values() if g["attainment"] == a) for a in ATTAINMENTS}
    measurement_counts = {a: sum(row[a] for row in indicators.values()) for a in ATTAINMENTS}
    return Section("goals", "Kvalitetsmål", [
        Figure("goals", "Kvalitetsmål med mätningar under perioden", len(goals)),
        Figure("attained", "Uppnådda mål", by_goal["met"]),
        Figure("partly_attained", "Delvis uppnådda mål", by_goal["partly"]),
        Figure("not_attained", "Ej uppnådda mål", by_goal["not_met"]),
        Figure("indicators", "Mätta indikatorer", len(indicators)),
        Figure("measurements", "Registrerade mätningar", sum(row["measurements"] for row in indicators.values())),
        Figure("by_attainment", "Mätningar per måluppfyllelse", columns=[
            Column("attainment", "Måluppfyllelse"), Column("label_sv", "Måluppfyllelse (text)"),
            Column("measurements", "Mätningar")],
            rows=[{"attainment": a, "label_sv": ATTAINMENT_LABELS_SV[a], "measurements": measurement_counts[a]}
                  for a in ATTAINMENTS]),
        Figure("by_goal", "Per mål", columns=[
            Column("goal_id", "Mål (id)"), *_unit_columns(), Column("indicators", "Mätta indikatorer"),
            Column("attainment", "Måluppfyllelse"), Column("label_sv", "Måluppfyllelse (text)")],
            rows=sorted(goals.values(), key=lambda row: (row["unit_name"] or "", row["goal_id"] or ""))),
        Figure("by_indicator", "Per indikator: senaste mätvärde mot målet", columns=[
            Column("goal_id", "Mål (id)"), Column("indicator_id", "Indikator (id)"), *_unit_columns(),
            Column("measurements", "Mätningar"), Column("met", "Uppfyllt"), Column("partly", "Delvis uppfyllt"),
            Column("not_met", "Ej uppfyllt"), Column("latest_period", "Senaste mätperiod"),
            Column("latest_value", "Senaste värde"), Column("latest_attainment", "Senaste måluppfyllelse")],
            rows=sorted(indicators.values(), key=lambda row: (row["goal_id"] or "", row["indicator_id"] or ""))),
    ], note="Mätningar av perioder som börjar inom perioden. Ett mål är uppnått när varje mätt indikators senaste "
            "mätning uppfyller målet, ej uppnått när ingen gör det helt eller delvis, annars delvis. Målvärdena och "
            "namnen finns i processtjänsten; händelserna bär värdet och måluppfyllelsen.")


def processes_section(context: Context) -> Section:
    rows = context.reader.sum(PROCESS_VERSIONS.name, ("unit_id", "kind", "level", "change"))
    empty = {"versions": 0, "established": 0, "revised": 0, "subprocesses": 0}
    totals, kinds, units = dict(empty), {}, {}
    for (unit_id, kind, level, change), measures in rows.items():
        n = measures.get("n", 0)
        if not n:
            continue
        counts = {"versions": n, "established": n if change == "established" else 0,
                  "revised": n if change == "revised" else 0, "subprocesses": n if level == "subprocess" else 0}
        for target in (totals, kinds.setdefault(kind, {"kind": kind or None,
                                                       "label_sv": PROCESS_KIND_LABELS_SV.get(kind), **empty}),
                       units.setdefault(unit_id, {**_unit_cells(context, unit_id), **empty})):
            for name, value in counts.items():
                target[name] += value
    columns = [Column("versions", "Fastställda versioner"), Column("established", "Nya processer"),
               Column("revised", "Reviderade"), Column("subprocesses", "Varav delprocesser")]
    return Section("processes", "Processarbetet", [
        Figure("versions", "Fastställda processversioner", totals["versions"]),
        Figure("established", "Nya processer (första fastställda versionen)", totals["established"]),
        Figure("revised", "Reviderade processer (ny version)", totals["revised"]),
        Figure("by_kind", "Per slag av process", columns=[Column("kind", "Slag"), Column("label_sv", "Slag (text)"),
                                                         *columns],
               rows=sorted(kinds.values(), key=lambda row: row["kind"] or "")),
        Figure("by_unit", "Per enhet", columns=[*_unit_columns(), *columns],
               rows=sorted(units.values(), key=lambda row: (-row["versions"], row["unit_name"] or ""))),
    ], note="Processversioner räknas på beslutsdagen (fastställd) inom perioden.")
