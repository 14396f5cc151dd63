"""Mina åtgärder: the improvement actions the signed-in person owns, across cases and risk analyses, what is due
first at the top."""
from __future__ import annotations

from flask import abort, render_template, request

from . import client
from .client import ApiError, ServiceUnavailable, SignInRequired
from .pages import blueprint
from .signin import signin_required

PAGE_SIZE = 50
OPEN_STATUSES = ("planned", "in_progress")
STATUS_LABELS = {"planned": "Planerad", "in_progress": "Påbörjad", "done": "Klar", "cancelled": "Avbruten"}


def row(action: dict) -> dict:
    return {
        "case_id": action["origin_id"],
        "reference": action.get("reference"),
        "unit_name": action.get("unit_name") or "Okänd enhet",
        "title": action.get("title"),
        "due": action.get("due_date"),
        "overdue": bool(action.get("overdue")),
        "status": STATUS_LABELS.get(action.get("status"), action.get("status")),
        "completed": (action.get("completed_at") or "")[:10],
    }


def load(statuses, cursor: str | None = None) -> dict:
    params = [("owner", "me"), *(("status", status) for status in statuses), ("limit", str(PAGE_SIZE))]
    if cursor:
        params.append(("cursor", cursor))
    page = client.deviations().get("/api/v1/actions", params=params)
    return {"rows": [row(action) for action in page["items"]], "total": page["total"],
            "next_cursor": page.get("next_cursor")}


def risk_row(action: dict) -> dict:
    return {
        "analysis_id": action.get("analysis_id"),
        "risk_id": action["origin_id"],
        "analysis_title": action.get("analysis_title") or "Riskanalys",
        "unit_name": action.get("unit_name") or "Okänd enhet",
        "title": action.get("title"),
        "due": action.get("due_date"),
        "overdue": bool(action.get("overdue")),
        "status": STATUS_LABELS.get(action.get("status"), action.get("status")),
    }


def load_risk_actions(statuses) -> tuple[dict | None, str | None]:
    """The person's actions of risks (the risks service), or None and why: a section of the page, so that the
    actions of cases are shown even when the risks service is not there."""
    params = [("owner", "me"), *(("status", status) for status in statuses), ("limit", "100")]
    try:
        page = client.risks().get("/api/v1/risk-actions", params=params)
    except ServiceUnavailable as error:
        return None, error.short + " Dina åtgärder för risker kan inte visas."
    except (ApiError, SignInRequired):
        return None, "Dina åtgärder för risker kan inte visas just nu."
    return {"rows": [risk_row(action) for action in page["items"]], "total": page["total"]}, None


@blueprint.get("/mina-atgarder")
@signin_required
def my_actions():
    # Open ones always; the done ones behind "Visa klara" (klara=1), since they are history.
    show_done = request.args.get("klara") == "1"
    cursor = request.args.get("efter")
    if cursor is not None and len(cursor) > 1000:
        abort(400)
    try:
        open_ = load(OPEN_STATUSES, None if show_done else cursor)
        done = load(("done",), cursor) if show_done else None
    except ServiceUnavailable as error:
        return render_template("my_actions.html", open=None, done=None, show_done=show_done,
                               notices=[error.message], risks=None, risk_notice=None), 503
    risks, risk_notice = load_risk_actions(OPEN_STATUSES + (("done",) if show_done else ()))
    return render_template("my_actions.html", open=open_, done=done, show_done=show_done, notices=[], risks=risks,
                           risk_notice=risk_notice)
