"""Inkorgen: the cases of a chef's units that wait for them, what is due first at the top."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flask import abort, render_template, request

from . import client
from .client import ServiceUnavailable
from .labels import kind_label
from .pages import CHEF_ROLES, blueprint
from .signin import current_person, current_token, signin_required

PAGE_SIZE = 25
OPEN_STATUSES = ("received", "investigating", "investigated")
OVERDUE_LABELS = {"receipt": "mottagande", "investigation": "utredning", "ivo_report": "anmälan till IVO"}


@dataclass(frozen=True)
class Group:
    key: str
    heading: str
    empty: str
    params: tuple  # the list API's filters and its sort (what is due first)


# Försenade first: they are late already. A new case is due to be received, an open one to be investigated.
GROUPS = (
    Group("forsenade", "Försenade", "Inga ärenden är försenade.",
          (("overdue", "true"), ("sort", "investigation_due"))),
    Group("nya", "Nya", "Inga nya ärenden.", (("status", "reported"), ("sort", "receipt_due"))),
    Group("oppna", "Öppna", "Inga öppna ärenden.",
          tuple(("status", status) for status in OPEN_STATUSES) + (("sort", "investigation_due"),)),
    # The open cases the chef is the assigned investigator (utredare) of; /mina-utredningar shows them to anyone.
    Group("utredningar", "Mina utredningar", "Du är inte utredare för något öppet ärende.",
          (("investigator", "me"),) + tuple(("status", status) for status in ("reported",) + OPEN_STATUSES)
          + (("sort", "investigation_due"),)),
)
GROUPS_BY_KEY = {group.key: group for group in GROUPS}


def row(case: dict) -> dict:
    due = case.get("receipt_due") if case.get("status") == "reported" else case.get("investigation_due")
    return {
        "id": case["id"],
        "reference": case.get("reference"),
        "kind": kind_label(case.get("kind", "")),
        "unit_name": case.get("unit_name") or "Okänd enhet",
        "reported": (case.get("reported_at") or "")[:10],
        "due": due,
        "overdue": [OVERDUE_LABELS.get(name, name) for name in case.get("overdue") or ()],
        "status": case.get("status_label_sv") or case.get("status"),
    }


def load(group: Group, cursor: str | None = None, *, api: client.Api | None = None, token: str | None = None) -> dict:
    # The summary view: a row needs none of the case's text, actions or commands, which the service would
    # otherwise build for every case on the page (issue 9: most of the inbox's CPU).
    params = list(group.params) + [("limit", str(PAGE_SIZE)), ("view", "summary")]
    if cursor:
        params.append(("cursor", cursor))
    page = (api or client.deviations()).get("/api/v1/deviations", params=params, token=token)
    return {"group": group, "rows": [row(case) for case in page["items"]], "total": page["total"],
            "next_cursor": page.get("next_cursor")}


def load_all() -> list[dict]:
    """Every group, their calls at once: the page waits for the slowest, not for all in turn (issue 9: with
    10,000 cases the three calls one after another took 200 ms). The threads have no request context, so
    they get the service and the token from this one."""
    api, token = client.deviations(), current_token()
    with ThreadPoolExecutor(len(GROUPS)) as pool:
        return list(pool.map(lambda group: load(group, api=api, token=token), GROUPS))


@blueprint.get("/inkorg")
@signin_required
def inbox():
    if not current_person().has_any(*CHEF_ROLES):
        abort(403)
    only = GROUPS_BY_KEY.get(request.args.get("grupp", ""))
    cursor = request.args.get("efter") if only else None
    if cursor is not None and len(cursor) > 1000:
        abort(400)
    try:
        sections = [load(only, cursor)] if only else load_all()
    except ServiceUnavailable as error:
        return render_template("inbox.html", sections=[], only=only, notices=[error.message]), 503
    return render_template("inbox.html", sections=sections, only=only, notices=[], later_page=bool(cursor))
