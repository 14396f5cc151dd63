"""Mina rapporter: the cases the signed-in person reported, and each one's återkoppling (feedback view).

A reporter who does not handle a case reads it only this way (issue 14): its status, the sentence its handlers
wrote for them and the actions taken, never the investigation or the other people in it.
"""
from __future__ import annotations

from flask import abort, render_template, request

from . import client
from .case import UUID_PATTERN
from .client import ApiProblem, ServiceUnavailable
from .pages import blueprint
from .signin import signin_required

PAGE_SIZE = 50
ACTION_STATUS_LABELS = {"planned": "Planerad", "in_progress": "Påbörjad", "done": "Klar", "cancelled": "Avbruten"}


@blueprint.get("/mina-rapporter")
@signin_required
def my_reports():
    offset = request.args.get("fran", "0")
    if not offset.isdigit() or len(offset) > 7:
        abort(400)
    try:
        page = client.deviations().get("/api/v1/deviations/reported-by-me",
                                       params={"limit": str(PAGE_SIZE), "offset": offset})
    except ServiceUnavailable as error:
        return render_template("my_reports.html", page=None, notices=[error.message], next_offset=None), 503
    following = int(offset) + PAGE_SIZE
    return render_template("my_reports.html", page=page, notices=[],
                           next_offset=following if following < page["total"] else None)


@blueprint.get("/mina-rapporter/<deviation_id>")
@signin_required
def my_report(deviation_id: str):
    if not UUID_PATTERN.match(deviation_id):
        abort(404)
    try:
        view = client.deviations().get(f"/api/v1/deviations/{deviation_id}/feedback")
    except ApiProblem as error:
        if error.status in (403, 404):
            return render_template("case/not_found.html",
                                   message="Rapporten finns inte eller så får du inte se den."), 404
        raise
    return render_template("my_report.html", view=view, action_labels=ACTION_STATUS_LABELS)
