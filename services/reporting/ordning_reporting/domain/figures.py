"""The figures and their sections, as the kvalitetsberättelse and the patientsäkerhetsberättelse use them.

A section (`Section`) is a list of figures; a figure (`Figure`) is either a value (a count, a number of days) or
a table (columns and rows). Each section is built by a function of a `Context` (the cube reader of one scope and
period, the names of the units, today); `SECTIONS` holds them in the order they are shown. Sections whose events
reporting does not receive yet are defined with their figures empty (`None`) and the status `pending`; the read
model that fills them replaces their builder (`SECTIONS[key] = ...`) and keeps their keys, which the reports and
the web rely on. The sections of risks, documents, goals and processes are added by their read models
(registry.py: risk_figures.py, process_figures.py).

The cohort of every deviation figure is the cases *reported* in the period (their unit, kind, category and
händelsetyp as they are now): of the lex Sarah cases reported in 2026, how many were judged serious and how many reported to IVO,
and how many days it took from report to IVO. Actions are those *created* in the period, with their status now;
an open action is overdue when its due date is before today.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Protocol

from .cubes import (ACTIONS, DEVIATION_CATEGORIES, DEVIATION_DAYS, DEVIATION_EVENT_TYPES, DEVIATION_PROCESSES,
                    DEVIATIONS)

KINDS = ("avvikelse", "lex_sarah", "lex_maria", "klagomal", "synpunkt")
KIND_LABELS_SV = {"avvikelse": "Avvikelse", "lex_sarah": "Lex Sarah", "lex_maria": "Lex Maria",
                  "klagomal": "Klagomål", "synpunkt": "Synpunkt"}
ORIGIN_LABELS_SV = {"staff": "Personal", "citizen": "Medborgare"}
OPEN_ACTION_STATUSES = ("planned", "in_progress")
ACTION_ORIGIN_LABELS_SV = {"deviation": "Avvikelse", "risk": "Risk", "self_inspection": "Egenkontroll",
                           "audit": "Granskning", "quality_council": "Kvalitetsråd"}
FILLED, PENDING = "filled", "pending"


class Reader(Protocol):
    """Sums of a cube's measures over the scope and period, grouped by some of its dimensions."""

    def sum(self, cube: str, by: tuple[str, ...] = (), where: dict | None = None) -> dict[tuple, dict[str, int]]:
        ...

    def over(self, period) -> "Reader":
        """The same scope over another period."""
        ...


@dataclass(frozen=True)
class Column:
    key: str
    title_sv: str


@dataclass
class Figure:
    key: str
    title_sv: str
    value: int | float | None = None
    columns: list[Column] | None = None  # a table when set
    rows: list[dict] | None = None
    note: str | None = None

    def to_dict(self) -> dict:
        document = {"key": self.key, "title_sv": self.title_sv, "type": "table" if self.columns is not None else "value"}
        if self.columns is None:
            document["value"] = self.value
        else:
            document["columns"] = [{"key": c.key, "title_sv": c.title_sv} for c in self.columns]
            document["rows"] = list(self.rows or [])
        document["note"] = self.note
        return document


@dataclass
class Section:
    key: str
    title_sv: str
    figures: list[Figure]
    status: str = FILLED
    note: str | None = None

    def to_dict(self) -> dict:
        return {"key": self.key, "title_sv": self.title_sv, "status": self.status, "note": self.note,
                "figures": [figure.to_dict() for figure in self.figures]}

    def figure(self, key: str) -> Figure:
        return next(figure for figure in self.figures if figure.key == key)


@dataclass
class Context:
    reader: Reader
    months: list[date]
    today: date
    units: dict[str, dict] = field(default_factory=dict)  # id -> {"name", "kind"} of the tenant's org tree
    # The tenant's risk matrices, {version: matrix} (risk_facts.matrices_with_default): the heat map's grids.
    matrices: dict[int, dict] = field(default_factory=dict)


# --------------------------------------------------------------------------
# Arithmetic over histograms
# --------------------------------------------------------------------------

def histogram_stats(histogram: dict[int, int]) -> dict:
    """n, mean, median and max of durations given as {days: count}; None where there is nothing."""
    n = sum(count for count in histogram.values() if count > 0)
    if n == 0:
        return {"n": 0, "mean": None, "median": None, "max": None}
    days = sorted(day for day, count in histogram.items() if count > 0)
    total = sum(day * histogram[day] for day in days)

    def nth(index: int) -> int:  # the index-th duration (0-based) in ascending order
        seen = 0
        for day in days:
            seen += histogram[day]
            if index < seen:
                return day
        return days[-1]

    median = nth(n // 2) if n % 2 else (nth(n // 2 - 1) + nth(n // 2)) / 2
    return {"n": n, "mean": round(total / n, 1), "median": median, "max": days[-1]}


def _days(context: Context, measure: str, kinds: tuple[str, ...], by: tuple[str, ...] = ()) -> dict:
    """{group: histogram} of one duration measure over the given kinds."""
    rows = context.reader.sum(DEVIATION_DAYS.name, ("kind", *by, "days"), {"measure": measure})
    groups: dict[tuple, dict[int, int]] = {}
    for key, measures in rows.items():
        kind, *group, days = key
        if kind in kinds:
            histogram = groups.setdefault(tuple(group), {})
            histogram[days] = histogram.get(days, 0) + measures["n"]
    return groups


CASE_DIMS = ("month", "kind", "origin")


def _cases(context: Context, *by: str) -> dict[tuple, dict[str, int]]:
    """The cases' counts grouped by some of month, kind and origin: one query for every section, summed here."""
    rows = context.reader.sum(DEVIATIONS.name, CASE_DIMS)
    positions = [CASE_DIMS.index(name) for name in by]
    grouped: dict[tuple, dict[str, int]] = {}
    for key, measures in rows.items():
        counts = grouped.setdefault(tuple(key[i] for i in positions), {})
        for measure, value in measures.items():
            counts[measure] = counts.get(measure, 0) + value
    return grouped


def _unit_columns() -> list[Column]:
    return [Column("unit_id", "Enhet (id)"), Column("unit_name", "Enhet"), Column("unit_kind", "Slag av enhet")]


def _unit_cells(context: Context, unit_id: str) -> dict:
    unit = context.units.get(unit_id) or {}
    return {"unit_id": unit_id, "unit_name": unit.get("name"), "unit_kind": unit.get("kind")}


def _month_key(month: date) -> str:
    return month.strftime("%Y-%m")


# --------------------------------------------------------------------------
# The sections
# --------------------------------------------------------------------------

def deviations_section(context: Context) -> Section:
    reader = context.reader
    by_kind = _cases(context, "kind")
    reported = {kind: by_kind.get((kind,), {}).get("reported", 0) for kind in KINDS}
    total = sum(reported.values())
    categories = reader.sum(DEVIATION_CATEGORIES.name, ("category_id",))
    event_types = reader.sum(DEVIATION_EVENT_TYPES.name, ("event_type",))
    processes = reader.sum(DEVIATION_PROCESSES.name, ("process_step_id",))
    units = reader.sum(DEVIATIONS.name, ("unit_id", "kind"))
    months = _cases(context, "month", "kind")
    origins = _cases(context, "origin")

    unit_rows: dict[str, dict] = {}
    for (unit_id, kind), measures in units.items():
        if measures.get("reported"):
            row = unit_rows.setdefault(unit_id, {**_unit_cells(context, unit_id), "total": 0,
                                                 **{k: 0 for k in KINDS}})
            row[kind] += measures["reported"]
            row["total"] += measures["reported"]
    month_rows = []
    for month in context.months:
        row = {"month": _month_key(month), **{k: months.get((month, k), {}).get("reported", 0) for k in KINDS}}
        row["total"] = sum(row[k] for k in KINDS)
        month_rows.append(row)
    kind_columns = [Column(kind, KIND_LABELS_SV[kind]) for kind in KINDS]
    return Section("deviations", "Avvikelser, lex Sarah, lex Maria, klagomål och synpunkter", [
        Figure("total", "Anmälda ärenden", total),
        Figure("rejected", "Avvisade ärenden (skräp, dubbletter)",
               sum(m.get("rejected", 0) for m in by_kind.values())),
        Figure("possible_elsewhere", "Ärenden som kan inträffa på andra enheter",
               sum(m.get("possible_elsewhere", 0) for m in by_kind.values())),
        Figure("by_kind", "Per slag", columns=[Column("kind", "Slag"), Column("label_sv", "Slag (text)"),
                                               Column("reported", "Anmälda")],
               rows=[{"kind": kind, "label_sv": KIND_LABELS_SV[kind], "reported": reported[kind]} for kind in KINDS]),
        Figure("by_origin", "Per ursprung", columns=[Column("origin", "Ursprung"), Column("label_sv", "Ursprung (text)"),
                                                     Column("reported", "Anmälda")],
               rows=[{"origin": origin, "label_sv": ORIGIN_LABELS_SV.get(origin), "reported": m.get("reported", 0)}
                     for (origin,), m in sorted(origins.items()) if m.get("reported")]),
        Figure("by_category", "Per kategori", columns=[Column("category_id", "Kategori (id)"),
                                                      Column("reported", "Anmälda")],
               rows=sorted(({"category_id": category or None, "reported": m["reported"]}
                            for (category,), m in categories.items() if m.get("reported")),
                           key=lambda row: (-row["reported"], row["category_id"] or "")),
               note="Kategorins namn finns i avvikelsetjänsten (kategorier); utan kategori: category_id null."),
        Figure("by_event_type", "Per händelsetyp", columns=[Column("event_type", "Händelsetyp (kod)"),
                                                           Column("reported", "Anmälda")],
               rows=sorted(({"event_type": code or None, "reported": m["reported"]}
                            for (code,), m in event_types.items() if m.get("reported")),
                           key=lambda row: (-row["reported"], row["event_type"] or "")),
               note="Händelsetypens namn finns i avvikelsetjänsten (händelsetyper, kommunens lista); utan "
                    "händelsetyp: event_type null."),
        Figure("by_unit", "Per enhet", columns=[*_unit_columns(), Column("total", "Anmälda"), *kind_columns],
               rows=sorted(unit_rows.values(), key=lambda row: (-row["total"], row["unit_name"] or ""))),
        Figure("by_process", "Per processteg", columns=[Column("process_step_id", "Processteg (id)"),
                                                       Column("reported", "Anmälda")],
               rows=sorted(({"process_step_id": step or None, "reported": m["reported"]}
                            for (step,), m in processes.items() if m.get("reported")),
                           key=lambda row: (-row["reported"], row["process_step_id"] or "")),
               note="Processtegets namn finns i processtjänsten (processkartan); ärenden som inte är kopplade "
                    "till något processteg: process_step_id null."),
        Figure("by_month", "Per månad", columns=[Column("month", "Månad"), Column("total", "Anmälda"), *kind_columns],
               rows=month_rows),
    ])


def lex_section(kind: str) -> Callable[[Context], Section]:
    title = {"lex_sarah": "Lex Sarah (missförhållanden)", "lex_maria": "Lex Maria (vårdskador)"}[kind]

    def build(context: Context) -> Section:
        reader = context.reader
        totals = _cases(context, "kind").get((kind,), {})
        ivo = _days(context, "ivo", (kind,)).get((), {})
        stats = histogram_stats(ivo)
        units = reader.sum(DEVIATIONS.name, ("unit_id", "kind"))
        months = _cases(context, "month", "kind")
        measure_columns = [Column("reported", "Anmälda"), Column("serious", "Bedömda som allvarliga"),
                           Column("ivo_reported", "Anmälda till IVO")]

        def cells(measures: dict) -> dict:
            return {name: measures.get(name, 0) for name in ("reported", "serious", "ivo_reported")}

        return Section(kind, title, [
            Figure("reported", "Anmälda", totals.get("reported", 0)),
            Figure("decided", "Bedömda (allvarligt eller inte)", totals.get("decided", 0)),
            Figure("judged_serious", "Bedömda som allvarliga", totals.get("serious", 0)),
            Figure("not_serious", "Bedömda som inte allvarliga", totals.get("decided", 0) - totals.get("serious", 0)),
            Figure("reported_to_ivo", "Anmälda till IVO", totals.get("ivo_reported", 0)),
            Figure("days_to_ivo_mean", "Dagar från anmälan till IVO-anmälan, medel", stats["mean"]),
            Figure("days_to_ivo_median", "Dagar från anmälan till IVO-anmälan, median", stats["median"]),
            Figure("days_to_ivo_max", "Dagar från anmälan till IVO-anmälan, längst", stats["max"]),
            Figure("by_unit", "Per enhet", columns=[*_unit_columns(), *measure_columns],
                   rows=sorted(({**_unit_cells(context, unit_id), **cells(m)}
                                for (unit_id, k), m in units.items() if k == kind and m.get("reported")),
                               key=lambda row: (-row["reported"], row["unit_name"] or ""))),
            Figure("by_month", "Per månad", columns=[Column("month", "Månad"), *measure_columns],
                   rows=[{"month": _month_key(month), **cells(months.get((month, kind), {}))}
                         for month in context.months]),
        ])

    return build


def complaints_section(context: Context) -> Section:
    kinds = ("klagomal", "synpunkt")
    by_kind = _cases(context, "kind")
    by_origin = _cases(context, "kind", "origin")
    answer = _days(context, "answer", kinds, ("kind",))
    receipt = _days(context, "receipt", kinds, ("kind",))

    def merged(groups: dict) -> dict[int, int]:
        histogram: dict[int, int] = {}
        for part in groups.values():
            for day, count in part.items():
                histogram[day] = histogram.get(day, 0) + count
        return histogram

    answer_stats, receipt_stats = histogram_stats(merged(answer)), histogram_stats(merged(receipt))

    def total(measure: str) -> int:
        return sum(by_kind.get((kind,), {}).get(measure, 0) for kind in kinds)

    rows = []
    for kind in kinds:
        measures, stats = by_kind.get((kind,), {}), histogram_stats(answer.get((kind,), {}))
        rows.append({"kind": kind, "label_sv": KIND_LABELS_SV[kind], "received": measures.get("reported", 0),
                     "from_citizens": by_origin.get((kind, "citizen"), {}).get("reported", 0),
                     "answered": measures.get("answered", 0), "answered_in_time": measures.get("answered_in_time", 0),
                     "days_to_answer_mean": stats["mean"], "days_to_answer_median": stats["median"],
                     "days_to_answer_max": stats["max"]})
    return Section("complaints_and_feedback", "Klagomål och synpunkter", [
        Figure("received", "Inkomna", total("reported")),
        Figure("from_citizens", "Från medborgare", sum(row["from_citizens"] for row in rows)),
        Figure("answered", "Besvarade (avslutade)", total("answered")),
        Figure("answered_in_time", "Besvarade i tid", total("answered_in_time")),
        Figure("not_answered", "Ännu inte besvarade", total("reported") - total("answered")),
        Figure("days_to_answer_mean", "Dagar till svar, medel", answer_stats["mean"]),
        Figure("days_to_answer_median", "Dagar till svar, median", answer_stats["median"]),
        Figure("days_to_answer_max", "Dagar till svar, längst", answer_stats["max"]),
        Figure("days_to_receipt_mean", "Dagar till mottagande, medel", receipt_stats["mean"]),
        Figure("days_to_receipt_median", "Dagar till mottagande, median", receipt_stats["median"]),
        Figure("by_kind", "Per slag", columns=[
            Column("kind", "Slag"), Column("label_sv", "Slag (text)"), Column("received", "Inkomna"),
            Column("from_citizens", "Från medborgare"), Column("answered", "Besvarade"),
            Column("answered_in_time", "Besvarade i tid"), Column("days_to_answer_mean", "Dagar till svar, medel"),
            Column("days_to_answer_median", "Dagar till svar, median"),
            Column("days_to_answer_max", "Dagar till svar, längst")], rows=rows),
    ], note="Svaret är ärendets första avslut; i tid betyder senast på svarsdagen som gällde när det kom in.")


def actions_section(context: Context) -> Section:
    rows = context.reader.sum(ACTIONS.name, ("origin_type", "unit_id", "status", "due_date"))
    today = context.today
    origins: dict[str, dict] = {}
    units: dict[str, dict] = {}
    totals = {"created": 0, "open": 0, "overdue": 0, "done": 0, "cancelled": 0, "effect_followed_up": 0}
    for (origin, unit_id, status, due), measures in rows.items():
        n = measures.get("n", 0)
        if not n:
            continue
        counts = {"created": n, "open": n if status in OPEN_ACTION_STATUSES else 0,
                  "overdue": n if status in OPEN_ACTION_STATUSES and due < today else 0,
                  "done": n if status == "done" else 0, "cancelled": n if status == "cancelled" else 0,
                  "effect_followed_up": measures.get("effect_followed_up", 0)}
        targets = (totals,
                   origins.setdefault(origin, {"origin_type": origin or None,
                                               "label_sv": ACTION_ORIGIN_LABELS_SV.get(origin), **dict.fromkeys(totals, 0)}),
                   units.setdefault(unit_id, {**_unit_cells(context, unit_id), **dict.fromkeys(totals, 0)}))
        for target in targets:
            for name, value in counts.items():
                target[name] += value
    count_columns = [Column("created", "Skapade"), Column("open", "Öppna"), Column("overdue", "Försenade"),
                     Column("done", "Klara"), Column("cancelled", "Avbrutna"),
                     Column("effect_followed_up", "Med uppföljd effekt")]
    return Section("actions", "Förbättringsåtgärder", [
        Figure("created", "Skapade", totals["created"]),
        Figure("open", "Öppna", totals["open"]),
        Figure("overdue", "Försenade (öppna efter sitt slutdatum)", totals["overdue"]),
        Figure("done", "Klara", totals["done"]),
        Figure("cancelled", "Avbrutna", totals["cancelled"]),
        Figure("effect_followed_up", "Med uppföljd effekt", totals["effect_followed_up"],
               note="Åtgärder där det står hur effekten följs upp (skrivs när åtgärden blir klar)."),
        Figure("by_origin", "Per ursprung", columns=[Column("origin_type", "Ursprung"),
                                                     Column("label_sv", "Ursprung (text)"), *count_columns],
               rows=sorted(origins.values(), key=lambda row: row["origin_type"] or "")),
        Figure("by_unit", "Per enhet", columns=[*_unit_columns(), *count_columns],
               rows=sorted(units.values(), key=lambda row: (-row["created"], row["unit_name"] or ""))),
    ], note="Åtgärder skapade under perioden, med sin status i dag; försenad räknas mot dagens datum.")


PENDING_NOTE = "Fylls när rapporttjänsten tar emot händelserna om {what}; till dess är värdena tomma (null)."


# The sections in the order they are shown; the keys are stable (reports and the web name them).
SECTIONS: dict[str, Callable[[Context], Section]] = {
    "deviations": deviations_section,
    "lex_sarah": lex_section("lex_sarah"),
    "lex_maria": lex_section("lex_maria"),
    "complaints_and_feedback": complaints_section,
    "actions": actions_section,
    # then risks, documents, goals and processes: their read models add them (registry.py)
}


def build_sections(context: Context, keys=None) -> list[Section]:
    return [SECTIONS[key](context) for key in (keys or SECTIONS)]
