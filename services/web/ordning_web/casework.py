"""The daily work on a case (issue 14, item 8): its assigned investigator (utredare), the unit the event involved
besides the case's own, and closing a duplicate report into the case that handles the event (its master); and
Mina utredningar, the cases a person is the investigator of.

The forms post as the case page's do (CSRF token, the ETag seen as If-Match, POST/redirect/GET); a refusal the API
ties to a code (an unknown master, a unit that is no other open unit) is shown at the form's field.
"""
from __future__ import annotations

import re

from flask import render_template, request

from . import client
from .case import (REFERENCE_PATTERN, UUID_PATTERN, _if_match, _post, _require_uuid, blueprint,
                   investigator_only, render_case, swedish)
from .client import ApiError, ApiProblem, ServiceUnavailable
from .inbox import GROUPS_BY_KEY, load
from .pages import blueprint as pages
from .signin import current_person, signin_required

# A user id as the identity provider issues it (the deviations service's USER_ID_PATTERN).
USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:|-]{0,199}$")
OPEN = ("reported", "received", "investigating", "investigated")


def _with_codes(send, codes: dict[str, str]):
    """`send`, with the API's refusals by `codes` (problem code -> the form's field) put at that field."""
    def attempt():
        try:
            send()
        except ApiProblem as error:
            if error.code in codes and not error.field_errors:
                error.field_errors = {codes[error.code]: error.message}
            raise
    return attempt


def _org_units() -> list[dict] | None:
    """The tenant's org units from the processes service; None if they cannot be read."""
    try:
        return client.processes().get("/api/v1/org-units")["items"]
    except (ApiError, KeyError, TypeError):
        return None


def involved_units(case: dict, units: list[dict] | None = None) -> list[dict] | None:
    """The units the involved unit may be: the tenant's open units but the case's own; None if they cannot be read."""
    units = _org_units() if units is None else units
    if units is None:
        return None
    return [unit for unit in units if unit.get("id") != case.get("unit_id") and not unit.get("closed_at")]


def _units_up(unit_id: str | None, units: list[dict]) -> list[str]:
    """The unit and the units above it, nearest first (a loop in the tree ends the walk)."""
    parents = {unit.get("id"): unit.get("parent_id") for unit in units}
    path: list[str] = []
    while unit_id and unit_id not in path:
        path.append(unit_id)
        unit_id = parents.get(unit_id)
    return path


def _role_text(label: str) -> str:
    """A role's label as it reads after a name: "Enhetschef" -> "enhetschef"; "MAS" stays."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def investigator_choices(case: dict, units: list[dict] | None = None) -> list[dict] | None:
    """Who may be picked as the case's investigator by name: the people who hold a role today at the case's unit or
    a unit above it (the processes service's role assignments), one option per person, "Erik Eriksson,
    enhetschef", by name; None if the services do not answer (the page then offers the user id field alone)."""
    units = _org_units() if units is None else units
    if units is None:
        return None
    try:
        assignments = client.processes().get("/api/v1/role-assignments", params={"current": "true"})["items"]
    except (ApiError, KeyError, TypeError):
        return None
    path = _units_up(case.get("unit_id"), units)
    people: dict[str, dict] = {}
    for assignment in sorted(assignments, key=lambda a: path.index(a["unit_id"]) if a.get("unit_id") in path else 0):
        if assignment.get("unit_id") not in path or not assignment.get("user_id"):
            continue
        person = people.setdefault(assignment["user_id"], {"user_id": assignment["user_id"], "roles": [],
                                                           "name": assignment.get("display_name")
                                                           or assignment["user_id"]})
        role = _role_text(assignment.get("role_label_sv") or assignment.get("role") or "")
        if role and role not in person["roles"]:
            person["roles"].append(role)
    return [{"user_id": p["user_id"], "label": ", ".join([p["name"], *p["roles"]])}
            for p in sorted(people.values(), key=lambda p: (p["name"].casefold(), p["user_id"]))]


def casework_view(case: dict, handler: bool) -> dict:
    """What the case page's casework section offers the signed-in person."""
    user = current_person()
    is_open = case["status"] in OPEN and not case.get("pseudonymised_at")
    manages = handler and is_open and not investigator_only(case, user)
    units = _org_units() if manages else None
    return {
        "can_assign": manages,
        "can_change_involved": manages,
        "can_close_as_duplicate": bool((case.get("close_as_duplicate") or {}).get("allowed")),
        "duplicate_blocked": _blocked_reason((case.get("close_as_duplicate") or {}).get("blocked")),
        "units": involved_units(case, units) if units is not None else None,
        "investigators": investigator_choices(case, units) if units is not None else None,
    }


def _blocked_reason(blocked: dict | None) -> str | None:
    return swedish(blocked.get("reason")) if blocked else None


@blueprint.app_context_processor
def _casework_helpers():
    return {"casework_view": casework_view}


@blueprint.post("/arenden/<deviation_id>/utredare")
@signin_required
def assign_investigator(deviation_id):
    _require_uuid(deviation_id)
    # The person picked in the list (a role holder, the current investigator, or "" for none), or the user id typed
    # in "Annan användare", which wins when given.
    values = {"investigator_id": request.form.get("investigator_id", "").strip(),
              "other_investigator_id": request.form.get("other_investigator_id", "").strip()}
    field = "other_investigator_id" if values["other_investigator_id"] else "investigator_id"
    chosen = values[field]
    if chosen and not USER_ID.match(chosen):
        message = ("Skriv användarens id, till exempel demo-anna, utan mellanslag." if field == "other_investigator_id"
                   else "Välj en person i listan.")
        return render_case(deviation_id, status=422, form="investigator", values=values, errors={field: message})
    success = "Utredaren är utsedd." if chosen else "Ärendet har ingen utredare längre."
    send = _with_codes(lambda: client.deviations().request(
        "PUT", f"/api/v1/deviations/{deviation_id}/investigator",
        json={"investigator_id": chosen or None}, headers=_if_match()),
        {"invalid_investigator": "investigator_id"})  # the API's field, at the form's field used
    return _post(deviation_id, "investigator", send, values, {"investigator_id": field}, success)


@blueprint.post("/arenden/<deviation_id>/dubblett")
@signin_required
def close_as_duplicate(deviation_id):
    _require_uuid(deviation_id)
    values = {"master": request.form.get("master", "").strip()}
    if not (REFERENCE_PATTERN.match(values["master"]) or UUID_PATTERN.match(values["master"])):
        return render_case(deviation_id, status=422, form="duplicate", values=values,
                           errors={"master": "Skriv ärendenumret för ärendet som utreder händelsen, till exempel "
                                             "2026-000123."})
    send = _with_codes(lambda: client.deviations().request(
        "PUT", f"/api/v1/deviations/{deviation_id}/duplicate-of", json={"master": values["master"]},
        headers=_if_match()),
        {"unknown_case": "master", "invalid_duplicate": "master", "open_actions_remain": "master",
         "master_of_duplicates": "master"})
    return _post(deviation_id, "duplicate", send, values, {"master": "master"},
                 f"Ärendet är avslutat som dubblett av {values['master']}.")


@blueprint.post("/arenden/<deviation_id>/berord-enhet")
@signin_required
def involved_unit(deviation_id):
    _require_uuid(deviation_id)
    values = {"involved_unit_id": request.form.get("involved_unit_id", "").strip()}
    if values["involved_unit_id"] and not UUID_PATTERN.match(values["involved_unit_id"]):
        return render_case(deviation_id, status=422, form="involved", values=values,
                           errors={"involved_unit_id": "Välj en enhet i listan."})
    send = _with_codes(lambda: client.deviations().request(
        "PATCH", f"/api/v1/deviations/{deviation_id}",
        json={"involved_unit_id": values["involved_unit_id"] or None}, headers=_if_match()),
        {"unknown_unit": "involved_unit_id", "invalid_involved_unit": "involved_unit_id"})
    success = "Den berörda enheten är sparad." if values["involved_unit_id"] else "Ärendet har ingen berörd enhet längre."
    return _post(deviation_id, "involved", send, values, {"involved_unit_id": "involved_unit_id"}, success)


# --------------------------------------------------------------------------
# Mina utredningar
# --------------------------------------------------------------------------

@pages.get("/mina-utredningar")
@signin_required
def my_investigations():
    """The open cases the signed-in person is the investigator of, what is due first at the top."""
    cursor = request.args.get("efter")
    if cursor is not None and len(cursor) > 1000:
        cursor = None
    group = GROUPS_BY_KEY["utredningar"]
    try:
        section = load(group, cursor)
    except ServiceUnavailable as error:
        return render_template("my_investigations.html", section=None, notices=[error.message]), 503
    return render_template("my_investigations.html", section=section, notices=[], later_page=bool(cursor))
