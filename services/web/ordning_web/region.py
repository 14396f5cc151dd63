"""The region view and a municipality's part in it, through the reporting service (rep-region's region API).

- Regionen (/region), for the region host role of a region (a tenant whose id is a länskod): the figures of each
  municipality of the län that agreed to be shown, side by side for a year; aggregated only, and every small
  count as the service gives it ("< 5", ".." where a small count could be worked out), with its legend.
- Delning med regionen (/region/samtycke), for a municipality's administratör: whether it is shown to its
  region, agreeing and withdrawing (If-Match), and the municipality's threshold for small counts; the roles that
  read figures see it too.
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for

from .client import ApiProblem, ServiceUnavailable
from .follow_up import FIGURE_ROLES, csv_attachment, month_label, reporting_api, sv_date
from .signin import current_person, signin_required

blueprint = Blueprint("region", __name__)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
REGION_ROLE = "region_host"
YEARS_BACK = 5
REGION_CODE = re.compile(r"^\d{2}$")
STALE = "Någon annan har ändrat inställningen under tiden. Sidan visar nu hur den ser ut; försök igen."


@blueprint.app_context_processor
def _navigation():
    return {"region_role": REGION_ROLE}


def _years() -> list[int]:
    this_year = datetime.now(STOCKHOLM).year
    return list(range(this_year, this_year - YEARS_BACK - 1, -1))


def _name(code: str) -> str:
    return current_app.extensions["ordning_web"].municipality(code) or f"Kommun {code}"


def _cell(value) -> dict:
    """A value as the region view shows it: a count, the service's "< 5" or "..", or nothing yet."""
    if value is None:
        return {"text": "", "empty": True}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"text": f"{value:,}".replace(",", "\u00a0").replace(".", ",")}
    return {"text": str(value)}


def view_of(document: dict) -> dict:
    tenants = [m["tenant"] for m in document.get("municipalities") or ()]
    sections = []
    for section in document.get("sections") or ():
        values, tables = [], []
        for figure in section.get("figures") or ():
            if figure.get("type") == "value":
                values.append({"title": figure["title_sv"],
                               "cells": [_cell((figure.get("by_municipality") or {}).get(t)) for t in tenants]})
            else:
                key = figure.get("row_key")
                rows = [{"label": row.get("label_sv") or (month_label(row.get(key)) if key == "month" else
                                                          str(row.get(key) or "")),
                         "cells": [_cell(row.get(t)) for t in tenants]} for row in figure.get("rows") or ()]
                tables.append({"key": figure["key"], "title": figure["title_sv"], "rows": rows})
        sections.append({"key": section["key"], "title": section["title_sv"], "status": section.get("status"),
                         "note": section.get("note"), "values": values, "tables": tables})
    return {"tenants": [(t, _name(t)) for t in tenants], "sections": sections}


@blueprint.get("/region")
@signin_required
def overview():
    person = current_person()
    if not person.has_any(REGION_ROLE):
        abort(403)
    year = request.args.get("ar", "").strip()
    error, trouble, document, status = None, [], None, 200
    if year and not (year.isdigit() and int(year) in _years()):
        error, status = "Välj ett år i listan.", 422
    else:
        try:
            document = reporting_api().get("/api/v1/region/figures", params={"year": year or _years()[0]})
        except ServiceUnavailable as down:
            trouble.append(down.message)
            status = 503
        except ApiProblem as problem:
            if problem.status not in (403, 422):
                raise
            trouble.append(problem.message)
            status = problem.status
    view = view_of(document) if document else None
    if request.args.get("format") in ("csv", "json") and document and not error:
        return _download(year or str(_years()[0]), request.args["format"], document)
    return render_template("region/overview.html", year=int(year) if year and not error else _years()[0],
                           years=_years(), error=error, trouble=trouble, document=document, view=view,
                           today=document and document.get("today")), status


def _download(year: str, form: str, document: dict):
    name = f"region-{document.get('region', '')}-{year}.{form}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if form == "json":
        answer = jsonify(document)
        answer.headers.update(headers)
        return answer
    text = reporting_api().response("GET", "/api/v1/region/figures", params={"year": year, "format": "csv"})
    return csv_attachment(text.content.decode("utf-8"), name)


# --------------------------------------------------------------------------
# A municipality's consent and threshold
# --------------------------------------------------------------------------

def _when(text) -> str:
    try:
        moment = datetime.fromisoformat(text).astimezone(STOCKHOLM)
    except (TypeError, ValueError):
        return ""
    return f"{sv_date(moment.date())} kl. {moment:%H.%M}"


@blueprint.get("/region/samtycke")
@signin_required
def consent():
    person = current_person()
    if not person.has_any("administrator", *FIGURE_ROLES) or REGION_CODE.match(person.tenant or ""):
        abort(403)
    return _consent_page()


def _consent_page(status: int = 200, threshold_error: str | None = None, threshold_value: str | None = None):
    person = current_person()
    api = reporting_api()
    answer = api.response("GET", "/api/v1/region/consent")
    consent = answer.json()
    setting = api.response("GET", "/api/v1/suppression")
    threshold = setting.json()
    return render_template("region/consent.html", consent=consent, consent_etag=answer.headers.get("ETag", ""),
                           threshold=threshold, threshold_etag=setting.headers.get("ETag", ""),
                           agreed_at=_when(consent.get("agreed_at")), withdrawn_at=_when(consent.get("withdrawn_at")),
                           municipality=_name(person.tenant), may_change=person.has_any("administrator"),
                           threshold_error=threshold_error,
                           threshold_value=threshold_value if threshold_value is not None else
                           str(threshold.get("threshold", ""))), status


def _admin_only():
    person = current_person()
    if not person.has_any("administrator") or REGION_CODE.match(person.tenant or ""):
        abort(403)
    return person


@blueprint.post("/region/samtycke")
@signin_required
def change_consent():
    person = _admin_only()
    agree = request.form.get("handling") == "ja"
    headers = {"If-Match": request.form.get("etag", "")}
    try:
        if agree:
            reporting_api().request("PUT", "/api/v1/region/consent", json={"region": person.tenant[:2]},
                                    headers=headers)
        else:
            reporting_api().request("DELETE", "/api/v1/region/consent", headers=headers)
    except ApiProblem as problem:
        flash(STALE if problem.status == 412 else problem.message)
        return redirect(url_for("region.consent"))
    flash("Kommunens siffror visas nu för regionen, sammanräknade och med små tal dolda." if agree else
          "Kommunens siffror visas inte längre för regionen.")
    return redirect(url_for("region.consent"))


@blueprint.post("/region/troskel")
@signin_required
def change_threshold():
    _admin_only()
    value = request.form.get("threshold", "").strip()
    if not (value.isdigit() and 2 <= int(value) <= 100):
        return _consent_page(422, "Skriv ett heltal mellan 2 och 100.", value[:10])
    try:
        reporting_api().request("PUT", "/api/v1/suppression", json={"threshold": int(value)},
                                headers={"If-Match": request.form.get("etag", "")})
    except ApiProblem as problem:
        if problem.status == 412:
            flash(STALE)
            return redirect(url_for("region.consent"))
        return _consent_page(422, problem.field_errors.get("threshold") or problem.message, value)
    flash(f"Gränsen för små tal är nu {value}.")
    return redirect(url_for("region.consent"))

