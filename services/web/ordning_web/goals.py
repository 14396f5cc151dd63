"""Kvalitetsmål: the quality goals of the person's units (and those below them) with their attainment per period,
read from the processes service's /api/v1/quality-goals; a measurement entered by hand, or a CSV file uploaded,
with the bad rows listed beside the upload form when the service refuses the file (nothing is then stored).

The file's text is sent to the API as JSON (its `csv` field): the web reads it as UTF-8, or as Windows-1252 (what
Excel in Swedish writes) when it is not UTF-8.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from . import client
from .client import ApiError, ApiProblem, ServiceUnavailable
from .signin import current_person, signin_required

blueprint = Blueprint("goals", __name__)

GOALS = "/api/v1/quality-goals"
# The processes service lets these roles record measurements (its GOAL_WRITER_ROLES); everyone reads.
WRITER_ROLES = ("administrator", "kvalitetsutvecklare", "forvaltningschef", "verksamhetschef", "enhetschef")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CSV_MAX_BYTES = 32_000
PERIOD_HINTS = {"monthly": "Skriv månaden som ÅÅÅÅ-MM, till exempel 2026-03.",
                "quarterly": "Skriv kvartalet som ÅÅÅÅ-Qn, till exempel 2026-Q1.",
                "yearly": "Skriv året som ÅÅÅÅ, till exempel 2026."}
COLUMN_LABELS = {"period": "Period", "value": "Värde", "note": "Kommentar", "": "Hela raden"}


@dataclass
class MeasurementForm:
    indicator_id: str = ""
    period: str = ""
    value: str = ""
    note: str = ""
    errors: dict = field(default_factory=dict)


@dataclass
class UploadResult:
    indicator_id: str = ""
    message: str = ""
    rows: list = field(default_factory=list)


def _check_ids(*ids: str) -> None:
    if not all(UUID.match(i) for i in ids):
        abort(404)


def _own_goals() -> tuple[list[dict], list[str]]:
    """The goals of the person's units and the units below them, each once; and what could not be read."""
    person, trouble, seen, goals = current_person(), [], set(), []
    for unit_id in person.org_units:
        if not UUID.match(unit_id):
            continue
        try:
            answer = client.processes().get(GOALS, params={"under": unit_id})
        except ServiceUnavailable as error:
            return [], [error.message]
        for goal in answer["items"]:
            if goal["id"] not in seen:
                seen.add(goal["id"])
                goals.append(goal)
    return goals, trouble


@blueprint.get("/kvalitetsmal")
@signin_required
def overview():
    goals, trouble = _own_goals()
    units = {}
    try:
        units = {u["id"]: u["name"] for u in client.processes().get("/api/v1/org-units")["items"]}
    except ApiError:
        pass  # the goals still show; their unit is then unnamed
    return render_template("goals/overview.html", goals=goals, units=units, trouble=trouble), \
        503 if trouble else 200


def _goal_page(goal_id: str, *, form: MeasurementForm | None = None, upload: UploadResult | None = None,
               status: int = 200):
    try:
        goal = client.processes().get(f"{GOALS}/{goal_id}")
        attainment = client.processes().get(f"{GOALS}/{goal_id}/attainment")
    except ApiProblem as problem:
        if problem.status == 404:
            abort(404)
        raise
    unit_name = ""
    try:
        unit_name = client.processes().get(f"/api/v1/org-units/{goal['unit_id']}")["name"]
    except ApiError:
        pass
    writer = current_person().has_any(*WRITER_ROLES) and not goal.get("closed_at")
    return render_template("goals/goal.html", goal=goal, attainment=attainment["indicators"], unit_name=unit_name,
                           writer=writer, form=form or MeasurementForm(), upload=upload or UploadResult(),
                           hints=PERIOD_HINTS, columns=COLUMN_LABELS), status


@blueprint.get("/kvalitetsmal/<goal_id>")
@signin_required
def goal(goal_id):
    _check_ids(goal_id)
    return _goal_page(goal_id)


def _require_writer() -> None:
    if not current_person().has_any(*WRITER_ROLES):
        abort(403)


@blueprint.post("/kvalitetsmal/<goal_id>/<indicator_id>/matvarde")
@signin_required
def record(goal_id, indicator_id):
    _check_ids(goal_id, indicator_id)
    _require_writer()
    form = MeasurementForm(indicator_id=indicator_id, period=request.form.get("period", "").strip(),
                           value=request.form.get("value", "").strip(), note=request.form.get("note", "").strip())
    if not form.period:
        form.errors["period"] = "Skriv perioden."
    if not form.value:
        form.errors["value"] = "Skriv värdet."
    if len(form.note) > 500:
        form.errors["note"] = "Kommentaren får vara högst 500 tecken."
    if not form.errors:
        try:
            client.processes().post(f"{GOALS}/{goal_id}/indicators/{indicator_id}/measurements",
                                    json={"period": form.period, "value": form.value, "note": form.note or None})
        except ApiProblem as problem:
            if problem.status == 404:
                abort(404)
            where = {"invalid_period": "period", "period_already_measured": "period", "invalid_value": "value"}
            form.errors.update({k: v for k, v in problem.field_errors.items() if k in ("period", "value", "note")})
            if not form.errors:
                form.errors[where.get(problem.code, "period")] = problem.message
        else:
            flash(f"Mätvärdet för {form.period} är sparat.")
            return redirect(url_for("goals.goal", goal_id=goal_id) + f"#indikator-{indicator_id}")
    return _goal_page(goal_id, form=form, status=422)


def _file_text(upload) -> str | None:
    data = upload.read(CSV_MAX_BYTES + 1) if upload else b""
    if not data or len(data) > CSV_MAX_BYTES:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None  # pragma: no cover - cp1252 decodes nearly every byte


@blueprint.post("/kvalitetsmal/<goal_id>/<indicator_id>/fil")
@signin_required
def upload(goal_id, indicator_id):
    _check_ids(goal_id, indicator_id)
    _require_writer()
    result = UploadResult(indicator_id=indicator_id)
    file = request.files.get("fil")
    text = _file_text(file)
    if text is None:
        result.message = (f"Välj en CSV-fil på högst {CSV_MAX_BYTES // 1000} kB." if file and file.filename
                          else "Välj en CSV-fil.")
        return _goal_page(goal_id, upload=result, status=422)
    try:
        answer = client.processes().post(f"{GOALS}/{goal_id}/indicators/{indicator_id}/measurements/import",
                                         json={"csv": text})
    except ApiProblem as problem:
        if problem.status == 404:
            abort(404)
        result.message = problem.message
        rows = problem.document.get("rows")
        result.rows = [r for r in rows if isinstance(r, dict)][:100] if isinstance(rows, list) else []
        return _goal_page(goal_id, upload=result, status=422)
    flash(f"{answer['stored']} mätvärden från filen är sparade.")
    return redirect(url_for("goals.goal", goal_id=goal_id) + f"#indikator-{indicator_id}")


@blueprint.app_template_filter("sv_number")
def sv_number(value) -> str:
    """92.5 as "92,5", 90.0 as "90": as a Swedish reader writes it."""
    if value is None:
        return ""
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return text.replace(".", ",").replace("-", "−")


@blueprint.app_template_filter("frequency_sv")
def frequency_sv(value: str) -> str:
    return {"monthly": "varje månad", "quarterly": "varje kvartal", "yearly": "varje år"}.get(value, value)


CHART_WIDTH, CHART_HEIGHT, CHART_TOP = 600, 160, 10


@blueprint.app_template_global()
def goal_chart(item: dict) -> dict | None:
    """A bar per measured period and a line at the target, as SVG coordinates: a picture of the table beside it
    (which says the same in text), drawn on the server, with no script and no inline style."""
    periods, indicator = item.get("periods") or [], item["indicator"]
    values = [float(p["value"]) for p in periods]
    targets = [float(t) for t in (indicator.get("target"), indicator.get("target_max")) if t is not None]
    if not values or min(values + targets) < 0:
        return None  # a negative figure has no bar from zero worth drawing; the table says it all
    top = max(values + targets) * 1.1 or 1.0
    step = CHART_WIDTH / len(values)

    def y(v: float) -> float:
        return round(CHART_TOP + CHART_HEIGHT * (1 - v / top), 1)

    bars = [{"x": round(i * step + step * 0.15, 1), "width": round(step * 0.7, 1), "y": y(v),
             "height": round(CHART_TOP + CHART_HEIGHT - y(v), 1), "attainment": p["attainment"],
             "label": f"{p['period']}: {sv_number(v)} {indicator['unit_of_measure_label_sv']}, "
                      f"{p['attainment_label_sv'].lower()}"}
            for i, (p, v) in enumerate(zip(periods, values))]
    return {"width": CHART_WIDTH, "height": CHART_HEIGHT + CHART_TOP, "bars": bars,
            "targets": [y(t) for t in targets]}
