"""Riskförslag: what deviations propose to analyse as risks (a serious lex Sarah or lex Maria case for its unit, a
case that may happen elsewhere at the sibling units), and the decision on each: accept it into a risk analysis of
the unit (an open one, or a new one) or dismiss it with a reason.

A proposal names its case by id and kind only; the case itself is read on its own page, where access is checked.
Each decision posts the CSRF token and the ETag the person saw (If-Match): a proposal decided by someone else
meanwhile shows the fresh proposal and why.
"""
from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from ordning_shared.workdays import today_in_sweden

from . import client
from .client import ApiProblem, ServiceUnavailable
from .signin import signin_required

blueprint = Blueprint("risk_proposals", __name__)

UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PAGE_SIZE = 50
NEW_ANALYSIS = "ny"
STALE = "Någon annan har beslutat om förslaget eller ändrat det under tiden. Här är det som gäller nu."
# The API's field names -> the form's
ACCEPT_FIELDS = {"analysis_id": "analysis", "title": "title", "analysis_date": "analysis_date",
                 "new_analysis": "title", "description": "description"}


def _proposal(proposal_id: str) -> dict:
    if not UUID_PATTERN.match(proposal_id):
        abort(404)
    try:
        return client.risks().get(f"/api/v1/risk-proposals/{proposal_id}")
    except ApiProblem as error:
        if error.status in (403, 404):
            abort(404)
        raise


def _open_analyses(unit_id: str) -> list[dict]:
    """The open analyses of the proposal's unit and below, that a risk can be added to."""
    page = client.risks().get("/api/v1/risk-analyses", params=[
        ("unit_id", unit_id), ("status", "draft"), ("status", "in_progress"), ("limit", "50")])
    return [a for a in page["items"] if a["unit_id"] == unit_id]


@blueprint.get("/riskforslag")
@signin_required
def proposals():
    cursor = request.args.get("efter")
    if cursor is not None and len(cursor) > 1000:
        abort(400)
    params = [("limit", str(PAGE_SIZE))] + ([("cursor", cursor)] if cursor else [])
    try:
        page = client.risks().get("/api/v1/risk-proposals", params=params)
    except ServiceUnavailable as error:
        return render_template("risk_proposals/list.html", page=None, notices=[error.message]), 503
    return render_template("risk_proposals/list.html", page=page, notices=[])


def _render(proposal: dict, *, status: int = 200, form: str | None = None, values: dict | None = None,
            errors: dict | None = None, message: str | None = None):
    analyses = _open_analyses(proposal["unit_id"]) if proposal["allowed_decisions"] else []
    values = values or {}
    defaults = {"analysis": NEW_ANALYSIS, "analysis_date": today_in_sweden().isoformat(),
                "title": ("Riskanalys efter allvarlig avvikelse" if proposal["reason"] == "serious_deviation"
                          else "Riskanalys: kan inträffa även här")}
    return render_template("risk_proposals/proposal.html", proposal=proposal, analyses=analyses, form=form,
                           values={**defaults, **values} if form != "dismiss" else {**defaults},
                           dismiss_values=values if form == "dismiss" else {}, errors=errors or {},
                           message=message, etag=f'"{proposal["id"]}.{proposal["version"]}"',
                           new_analysis=NEW_ANALYSIS), status


@blueprint.get("/riskforslag/<proposal_id>")
@signin_required
def proposal(proposal_id):
    return _render(_proposal(proposal_id))


def _decide(proposal_id: str, form: str, body: dict, values: dict, fields: dict, success: str):
    try:
        client.risks().post(f"/api/v1/risk-proposals/{proposal_id}/decision", json=body,
                            headers={"If-Match": request.form.get("etag", "")})
    except ApiProblem as error:
        if error.status in (403, 404):
            abort(error.status)
        if error.status in (409, 412, 428):
            return _render(_proposal(proposal_id), status=409 if error.status == 409 else 412, message=STALE
                           if error.code != "analysis_closed" else error.message)
        if error.status in (400, 422):
            errors = {fields.get(name, "_form"): text for name, text in error.field_errors.items()} \
                or {"_form": error.message}
            return _render(_proposal(proposal_id), status=422, form=form, values=values, errors=errors)
        raise
    flash(success, "success")
    return redirect(url_for("risk_proposals.proposal", proposal_id=proposal_id))


@blueprint.post("/riskforslag/<proposal_id>/acceptera")
@signin_required
def accept(proposal_id):
    if not UUID_PATTERN.match(proposal_id):
        abort(404)
    values = {name: request.form.get(name, "").strip() for name in ("analysis", "title", "analysis_date",
                                                                    "description")}
    errors = {}
    body: dict = {"decision": "accept"}
    if values["analysis"] == NEW_ANALYSIS:
        if not values["title"]:
            errors["title"] = "Skriv vad analysen handlar om."
        if not _is_date(values["analysis_date"]):
            errors["analysis_date"] = "Skriv dagen som år-månad-dag, till exempel 2026-05-25."
        body["new_analysis"] = {"title": values["title"], "analysis_date": values["analysis_date"]}
    elif UUID_PATTERN.match(values["analysis"]):
        body["analysis_id"] = values["analysis"]
    else:
        errors["analysis"] = "Välj en riskanalys, eller en ny."
    if values["description"]:
        body["description"] = values["description"]
    if errors:
        return _render(_proposal(proposal_id), status=422, form="accept", values=values, errors=errors)
    return _decide(proposal_id, "accept", body, values, ACCEPT_FIELDS,
                   "Förslaget är accepterat: risken finns nu i riskanalysen.")


@blueprint.post("/riskforslag/<proposal_id>/avfarda")
@signin_required
def dismiss(proposal_id):
    if not UUID_PATTERN.match(proposal_id):
        abort(404)
    values = {"reason": request.form.get("reason", "").strip()}
    if not values["reason"]:
        return _render(_proposal(proposal_id), status=422, form="dismiss", values=values,
                       errors={"reason": "Skriv varför förslaget inte ska analyseras som risk."})
    return _decide(proposal_id, "dismiss", {"decision": "dismiss", "reason": values["reason"]}, values,
                   {"reason": "reason"}, "Förslaget är avfärdat.")


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10
