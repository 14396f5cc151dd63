"""The section "risks" (riskanalyser och risker) from the risk cubes (risk_facts.py): the analyses done, by trigger
and status; the risks and those in the risk treatment plan; the heat map before and after actions; escalations;
and proposals from deviations. The cohorts: analyses by their analysis day, risks by the day they were identified,
proposals by the day they were made, each with its state now.
"""
from __future__ import annotations

from .figures import Column, Context, Figure, Section, _unit_cells, _unit_columns
from .risk_facts import (AFTER, DONE_ANALYSIS_STATUSES, INITIAL, RISK_ANALYSES, RISK_CELLS, RISK_ESCALATIONS,
                         RISK_PROPOSALS, RISKS, matrices_with_default)

TRIGGER_LABELS_SV = {"yearly": "Årlig riskanalys", "new_process": "Ny process", "larger_change": "Större förändring",
                     "deviations_elsewhere": "Avvikelser som kan inträffa på andra enheter",
                     "serious_deviation": "Allvarlig avvikelse", "other": "Annan anledning"}
ANALYSIS_STATUS_LABELS_SV = {"in_progress": "Pågår", "completed": "Slutförd", "followed_up": "Uppföljd"}
ESCALATION_STATUS_LABELS_SV = {"pending": "Väntar på svar", "accepted": "Övertagen", "returned": "Återskickad"}
PROPOSAL_STATUS_LABELS_SV = {"open": "Öppet", "accepted": "Accepterat", "dismissed": "Avfärdat",
                             "withdrawn": "Återkallat"}
PROPOSAL_REASON_LABELS_SV = {"serious_deviation": "Allvarlig avvikelse",
                             "possible_elsewhere": "Kan inträffa på andra enheter"}
ANALYSIS_STATUSES = ("in_progress", "completed", "followed_up")


HEAT_MAP_COLUMNS = [
    Column("matrix_version", "Matrisversion"), Column("current", "Gällande matris"),
    Column("probability", "Sannolikhet"), Column("probability_label", "Sannolikhet (text)"),
    Column("consequence", "Konsekvens"), Column("consequence_label", "Konsekvens (text)"),
    Column("score", "Riskvärde"), Column("level", "Nivå (kod)"), Column("level_label", "Nivå"),
    Column("level_colour", "Nivåns färg"), Column("level_rank", "Nivåns ordning (0 lägst)"),
    Column("initial", "Före åtgärder"), Column("residual", "Efter åtgärder")]


def _level_cells(matrix: dict | None, level: str | None) -> dict:
    """A level's name, colour and rank (0 the lowest) in its matrix version; None where the version or the level
    is not known (a version whose event has not arrived, an unscored risk)."""
    for rank, found in enumerate((matrix or {}).get("levels") or ()):
        if found["code"] == level:
            return {"level_label": found["label"], "level_colour": found["colour"], "level_rank": rank}
    return {"level_label": None, "level_colour": None, "level_rank": None}


def _by_level(risks: dict, matrices: dict[int, dict]) -> list[dict]:
    """Risks per matrix version and level, newest version first, its highest level first, unscored last."""
    rows = []
    for (version, level), m in risks.items():
        if m.get("identified"):
            named = _level_cells(matrices.get(version), level)
            rank = named.pop("level_rank")
            rows.append(((-version, -(rank if rank is not None else -1), level or ""),
                         {"matrix_version": version, "level": level or None, **named,
                          "identified": m.get("identified", 0), "in_plan": m.get("in_plan", 0)}))
    return [row for _key, row in sorted(rows, key=lambda item: item[0])]


def heat_map_rows(matrices: dict[int, dict], cells: dict) -> list[dict]:
    """The heat map as rows, one per cell of each grid shown: the current matrix version's whole grid (also
    without risks, so the tenant's grid is always there), then every older version that holds risks in the
    scope and period, newest first; the highest probability first within a grid, as a matrix is drawn. A risk
    stays on the grid of the version it was scored on: a 5×5 cell has no place on a 3×3, and a level belongs to
    its version. A version reporting has no matrix event of lists only its counted cells, without names."""
    counts: dict[tuple, dict] = {}
    for (version, stage, p, c, level), measures in cells.items():
        column = "initial" if stage == INITIAL else "residual" if stage == AFTER else None
        if column and measures.get("n"):
            found = counts.setdefault((version, p, c), {"initial": 0, "residual": 0, "level": level or None})
            found[column] += measures["n"]
    current = max(matrices)
    versions = [current, *sorted({key[0] for key in counts} - {current}, reverse=True)]
    rows = []
    for version in versions:
        matrix = matrices.get(version)
        if matrix is None:
            rows += [{"matrix_version": version, "current": False, "probability": p, "probability_label": None,
                      "consequence": c, "consequence_label": None, "score": p * c, "level": found["level"],
                      **_level_cells(None, None), "initial": found["initial"], "residual": found["residual"]}
                     for (v, p, c), found in sorted(counts.items(), key=lambda item: (-item[0][1], item[0][2]))
                     if v == version]
            continue
        for p in range(len(matrix["probability_steps"]), 0, -1):
            for c in range(1, len(matrix["consequence_steps"]) + 1):
                level = matrix["cells"][f"{p},{c}"]
                found = counts.get((version, p, c), {})
                rows.append({"matrix_version": version, "current": version == current, "probability": p,
                             "probability_label": matrix["probability_steps"][p - 1]["label"], "consequence": c,
                             "consequence_label": matrix["consequence_steps"][c - 1]["label"], "score": p * c,
                             "level": level, **_level_cells(matrix, level), "initial": found.get("initial", 0),
                             "residual": found.get("residual", 0)})
    return rows


def _analysis_counts(rows: dict, key_index: int) -> dict[str, dict]:
    """{group: {total, in_progress, completed, followed_up, done, risks}} from (…, status) rows."""
    groups: dict[str, dict] = {}
    for key, measures in rows.items():
        n = measures.get("n", 0)
        if not n:
            continue
        group, status = key[key_index], key[-1]
        counts = groups.setdefault(group, {"total": 0, **dict.fromkeys(ANALYSIS_STATUSES, 0), "done": 0, "risks": 0})
        counts["total"] += n
        if status in counts:
            counts[status] += n
        if status in DONE_ANALYSIS_STATUSES:
            counts["done"] += n
        counts["risks"] += measures.get("risks", 0)
    return groups


def risks_section(context: Context) -> Section:
    reader = context.reader
    analyses = reader.sum(RISK_ANALYSES.name, ("trigger", "status"))
    analysis_units = reader.sum(RISK_ANALYSES.name, ("unit_id", "status"))
    risks = reader.sum(RISKS.name, ("matrix_version", "level"))
    risk_units = reader.sum(RISKS.name, ("unit_id",))
    cells = reader.sum(RISK_CELLS.name, ("matrix_version", "stage", "probability", "consequence", "level"))
    escalations = reader.sum(RISK_ESCALATIONS.name, ("to_unit_id", "status"))
    proposals = reader.sum(RISK_PROPOSALS.name, ("reason", "status"))

    by_trigger = _analysis_counts(analyses, 0)
    totals = {"total": 0, **dict.fromkeys(ANALYSIS_STATUSES, 0), "done": 0, "risks": 0}
    for counts in by_trigger.values():
        for name in totals:
            totals[name] += counts[name]
    by_unit = _analysis_counts(analysis_units, 0)

    def risk_total(measure: str) -> int:
        return sum(m.get(measure, 0) for m in risks.values())

    matrices = context.matrices or matrices_with_default([])
    heat_rows = heat_map_rows(matrices, cells)
    escalation_counts = {status: 0 for status in ESCALATION_STATUS_LABELS_SV}
    escalation_rows: dict[str, dict] = {}
    for (to_unit, status), measures in escalations.items():
        if measures.get("n"):
            escalation_counts[status] = escalation_counts.get(status, 0) + measures["n"]
            row = escalation_rows.setdefault(to_unit, {**_unit_cells(context, to_unit), "escalated": 0,
                                                       **dict.fromkeys(ESCALATION_STATUS_LABELS_SV, 0)})
            row["escalated"] += measures["n"]
            row[status] = row.get(status, 0) + measures["n"]
    proposal_counts = {status: 0 for status in PROPOSAL_STATUS_LABELS_SV}
    proposal_rows: dict[str, dict] = {}
    for (reason, status), measures in proposals.items():
        if measures.get("n"):
            proposal_counts[status] = proposal_counts.get(status, 0) + measures["n"]
            row = proposal_rows.setdefault(reason, {"reason": reason or None,
                                                    "label_sv": PROPOSAL_REASON_LABELS_SV.get(reason), "created": 0,
                                                    **dict.fromkeys(PROPOSAL_STATUS_LABELS_SV, 0)})
            row["created"] += measures["n"]
            row[status] = row.get(status, 0) + measures["n"]

    analysis_columns = [Column("total", "Påbörjade"), Column("in_progress", "Pågår"),
                        Column("completed", "Slutförda"), Column("followed_up", "Uppföljda"),
                        Column("done", "Genomförda (slutförda eller uppföljda)"),
                        Column("risks", "Risker i de genomförda")]
    status_columns = [Column(status, label) for status, label in ESCALATION_STATUS_LABELS_SV.items()]
    return Section("risks", "Riskanalyser och risker", [
        Figure("analyses_started", "Påbörjade riskanalyser", totals["total"]),
        Figure("analyses_in_progress", "Pågående riskanalyser", totals["in_progress"]),
        Figure("analyses_completed", "Genomförda riskanalyser (slutförda eller uppföljda)", totals["done"]),
        Figure("analyses_followed_up", "Uppföljda riskanalyser", totals["followed_up"]),
        Figure("analyses_by_trigger", "Riskanalyser per anledning", columns=[
            Column("trigger", "Anledning"), Column("label_sv", "Anledning (text)"), *analysis_columns],
            rows=[{"trigger": trigger or None, "label_sv": TRIGGER_LABELS_SV.get(trigger), **counts}
                  for trigger, counts in sorted(by_trigger.items())]),
        Figure("analyses_by_status", "Riskanalyser per status", columns=[
            Column("status", "Status"), Column("label_sv", "Status (text)"), Column("analyses", "Riskanalyser")],
            rows=[{"status": status, "label_sv": ANALYSIS_STATUS_LABELS_SV[status], "analyses": totals[status]}
                  for status in ANALYSIS_STATUSES]),
        Figure("analyses_by_unit", "Riskanalyser per enhet", columns=[*_unit_columns(), *analysis_columns],
               rows=sorted(({**_unit_cells(context, unit_id), **counts} for unit_id, counts in by_unit.items()),
                           key=lambda row: (-row["total"], row["unit_name"] or ""))),
        Figure("risks_identified", "Identifierade risker", risk_total("identified")),
        Figure("risks_scored", "Bedömda risker (sannolikhet och konsekvens)", risk_total("scored")),
        Figure("risks_unscored", "Ännu inte bedömda risker", risk_total("identified") - risk_total("scored")),
        Figure("risks_residual_scored", "Risker med bedömd kvarvarande risk (efter åtgärder)",
               risk_total("residual_scored")),
        Figure("risks_in_plan", "Risker i riskhanteringsplanen", risk_total("in_plan"),
               note="Risknivån i dag (kvarvarande risk, annars den första bedömningen) på eller över planens gräns "
                    "i den matrisversion risken bedömdes på, eller övertagen av en högre nivå efter eskalering."),
        Figure("risks_taken_over", "Risker övertagna av en högre nivå", risk_total("taken_over")),
        Figure("risks_by_level", "Risker per nivå", columns=[
            Column("matrix_version", "Matrisversion"), Column("level", "Nivå (kod)"), Column("level_label", "Nivå"),
            Column("level_colour", "Nivåns färg"), Column("identified", "Risker"),
            Column("in_plan", "I riskhanteringsplanen")],
            rows=_by_level(risks, matrices),
            note="Nivåns namn och färg i den matrisversion risken bedömdes på, högsta nivån först; tom nivå: ännu "
                 "inte bedömd."),
        Figure("risks_by_unit", "Risker per enhet (den som äger risken i dag)", columns=[
            *_unit_columns(), Column("identified", "Risker"), Column("in_plan", "I riskhanteringsplanen"),
            Column("escalated", "Eskalerade")],
            rows=sorted(({**_unit_cells(context, unit_id), "identified": m.get("identified", 0),
                          "in_plan": m.get("in_plan", 0), "escalated": m.get("escalated", 0)}
                         for (unit_id,), m in risk_units.items() if m.get("identified")),
                        key=lambda row: (-row["identified"], row["unit_name"] or ""))),
        Figure("heat_map", "Riskkarta (risker per ruta)", columns=HEAT_MAP_COLUMNS, rows=heat_rows,
               note="Varje ruta i kommunens riskmatris, med de bedömda riskerna före och efter åtgärder. En risk "
                    "räknas i rutnätet för den matrisversion den bedömdes på: den gällande matrisen först (också "
                    "utan risker), sedan äldre versioner som har risker. Efter åtgärder är den kvarvarande risken, "
                    "eller den första bedömningen där risken inte bedömts om."),
        Figure("escalations", "Eskalerade risker", sum(escalation_counts.values())),
        Figure("escalations_pending", "Eskaleringar som väntar på svar", escalation_counts["pending"]),
        Figure("escalations_accepted", "Eskaleringar som tagits över", escalation_counts["accepted"]),
        Figure("escalations_returned", "Eskaleringar som skickats tillbaka", escalation_counts["returned"]),
        Figure("escalations_by_level", "Eskaleringar per mottagande nivå", columns=[
            *_unit_columns(), Column("escalated", "Eskalerade"), *status_columns],
            rows=sorted(escalation_rows.values(), key=lambda row: (-row["escalated"], row["unit_name"] or ""))),
        Figure("proposals", "Riskförslag från avvikelser", sum(proposal_counts.values())),
        Figure("proposals_open", "Öppna riskförslag", proposal_counts["open"]),
        Figure("proposals_by_reason", "Riskförslag per anledning", columns=[
            Column("reason", "Anledning"), Column("label_sv", "Anledning (text)"), Column("created", "Förslag"),
            *(Column(status, label) for status, label in PROPOSAL_STATUS_LABELS_SV.items())],
            rows=sorted(proposal_rows.values(), key=lambda row: row["reason"] or "")),
    ], note="Riskanalyser räknas på sin analysdag, risker den dag de identifierades och riskförslag den dag de "
            "lämnades, med sin status i dag. En risk räknas på den enhet som äger den i dag.")
