"""Mina åtgärder: the improvement actions the signed-in person owns, across cases, what is due first at the top."""
from __future__ import annotations

from flask import abort, render_template, request

from . import client
from .client import ServiceUnavailable
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
                               notices=[error.message]), 503
    return render_template("my_actions.html", open=open_, done=done, show_done=show_done, notices=[])
