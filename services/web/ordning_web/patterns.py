"""Mönster: what the reporting service's patterns API (/api/v1/patterns) finds in a scope's figures: the trend
month by month (against the month before and the same month a year before), the units and categories that stand
out against their own history (and the rule that says so), and the units in egen regi beside the external
providers (privat regi), per 1,000 of a volume where the municipality records one.

The same choice as Uppföljning (follow_up.Choice): the trend covers the period's months; what stands out is asked
for the chosen month, or the last whole month; egen and privat regi for the year the period starts in.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, jsonify, render_template, request, url_for

from .client import ApiError, ApiProblem
from .follow_up import (SCOPE_REFUSALS, _categories, _require_reader, choice_from_request, csv_attachment,
                        month_label, read_figures, reporting_api, sv_figure)
from .signin import signin_required

blueprint = Blueprint("patterns", __name__)

MEASURE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
KIND_SERIES = ("deviations.avvikelse", "deviations.lex_sarah", "deviations.lex_maria", "deviations.klagomal",
               "deviations.synpunkt")


def change(amount, percent) -> str:
    """+3 (+33 %), −2 (−20 %), 0, or "" when there is nothing to compare with."""
    if amount is None:
        return ""
    text = ("+" if amount > 0 else "") + sv_figure(amount)
    if percent is not None and amount:
        text += f" ({'+' if percent > 0 else ''}{sv_figure(round(float(percent)))} %)"
    return text


def trend_rows(document: dict) -> tuple[list, list]:
    """(columns, rows): a month per row; all cases with their changes, then each kind, then the actions."""
    series = {item["key"]: item for item in document.get("series") or ()}
    every = series.get("deviations.all")
    if every is None:
        return [], []
    shown = [key for key in (*KIND_SERIES, "actions.created", "actions.done") if key in series]
    columns = ["Alla ärenden", "Mot månaden före", "Mot samma månad året före",
               *(series[key]["title_sv"] for key in shown)]
    rows = []
    for index, month in enumerate(every["months"]):
        rows.append({"month": month_label(month["month"]), "cells": [
            sv_figure(month["count"]), change(month.get("change_month"), month.get("change_month_pct")),
            change(month.get("change_year"), month.get("change_year_pct")),
            *(sv_figure(series[key]["months"][index]["count"]) for key in shown)]})
    return columns, rows


MEASURES_SV = {"brukare": "brukare", "varddygn": "vårddygn", "hemtjanstimmar": "hemtjänsttimmar",
               "hemtjansttimmar": "hemtjänsttimmar", "platser": "platser", "besok": "besök"}


@blueprint.app_template_filter("month_sv")
def _month_sv(value) -> str:
    return month_label(str(value or ""))


@blueprint.app_template_filter("measure_sv")
def _measure_sv(value) -> str:
    return MEASURES_SV.get(value, str(value).replace("_", " "))


@blueprint.app_template_filter("sv_rate")
def sv_rate(value) -> str:
    """A rate per 1,000 with two decimals (0.33 as "0,33"): they are often below one."""
    return f"{float(value):.2f}".replace(".", ",") if value is not None else ""


def _flags_params(choice) -> dict:
    return {"month": choice.month} if choice.period == "manad" else {}


def _measures(year: int) -> list[str]:
    """The volume measures recorded for the year in the person's units (for the rates per 1,000); the API's
    unit_id filter is one unit, not a subtree, so none is given."""
    try:
        items = reporting_api().get("/api/v1/volumes", params={"year": year})["items"]
    except ApiError:
        return []
    return sorted({item["measure"] for item in items if isinstance(item, dict) and item.get("measure")})


# Each part's reporting API; its CSV (format=csv) is the service's own, passed through.
PARTS = {"utveckling": "/api/v1/patterns/trends", "sticker-ut": "/api/v1/patterns/flags",
         "regi": "/api/v1/patterns/providers"}


@blueprint.app_template_global()
def patterns_download(params: dict, part: str, form: str, measure: str = "") -> str:
    return url_for("patterns.download", **params, **{"del": part, "format": form},
                   **({"matt": measure} if measure else {}))


def _part_params(part: str, choice, measure: str) -> dict:
    if part == "utveckling":
        return {"from": choice.start.isoformat(), "to": choice.end.isoformat()}
    if part == "sticker-ut":
        return {"from": None, "to": None, **_flags_params(choice)}
    return {"from": None, "to": None, "year": choice.start.year, **({"measure": measure} if measure else {})}


@blueprint.get("/uppfoljning/monster/ladda-ner")
@signin_required
def download():
    """One part of the page (`del`: utveckling, sticker-ut, regi) as JSON or CSV, each the API's own answer."""
    _require_reader()
    part, form, measure = request.args.get("del", ""), request.args.get("format", ""), request.args.get("matt", "")
    if part not in PARTS or form not in ("csv", "json") or (measure and not MEASURE.match(measure)):
        abort(404)
    choice = choice_from_request()
    path = PARTS[part]
    name = f"monster-{part}-{choice.start}-{choice.end}.{form}"
    if form == "csv":
        if choice.errors or not choice.scope or choice.start is None:
            abort(404)
        try:
            answer = reporting_api().response("GET", path, params={
                **choice.api_params, **_part_params(part, choice, measure), "format": "csv"})
        except ApiProblem as problem:
            if problem.status in (403, 404, 422) or problem.code in SCOPE_REFUSALS:
                abort(404)
            raise
        return csv_attachment(answer.content.decode("utf-8"), name)
    document, status = read_figures(choice, path, _part_params(part, choice, measure))
    if document is None:
        abort(404 if status in (403, 404, 422) else status)
    answer = jsonify(document)
    answer.headers.update({"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
    return answer


@blueprint.get("/uppfoljning/monster")
@signin_required
def overview():
    _require_reader()
    choice = choice_from_request()
    trends, status = read_figures(choice, "/api/v1/patterns/trends",
                                  _part_params("utveckling", choice, "") if choice.start else {})
    flags = providers = None
    measures, measure = [], request.args.get("matt", "").strip()
    if trends is not None:
        flags, status = read_figures(choice, "/api/v1/patterns/flags", _part_params("sticker-ut", choice, ""))
    if flags is not None:
        year = choice.start.year
        measures = _measures(year)
        if measure and (not MEASURE.match(measure) or measure not in measures):
            measure = ""
        providers, status = read_figures(choice, "/api/v1/patterns/providers",
                                         _part_params("regi", choice, measure))
    categories = _categories() if flags and flags.get("categories") else {}
    columns, rows = trend_rows(trends) if trends else ([], [])
    return render_template("follow_up/patterns.html", choice=choice, trends=trends, trend_columns=columns,
                           trend_rows=rows, flags=flags, providers=providers, measures=measures, measure=measure,
                           categories=categories, refusals=SCOPE_REFUSALS), status
