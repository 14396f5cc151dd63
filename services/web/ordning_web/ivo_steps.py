"""Ärendet's IVO steps (issue 14): kompletteringar IVO asks for, IVO's decision, a lex Maria case's händelseanalys,
and an external provider's own report to IVO with the municipality's follow-up. The forms are on the case page
(case/_ivo_steps.html); each posts with the ETag the person saw, as the case's other forms do (case._post)."""
from __future__ import annotations

from flask import request

from . import client, code_lists
from .case import _if_match, _is_date, _post, _require_uuid, blueprint, render_case
from .signin import signin_required

ROOT_CAUSE_ROWS = 3  # the form's rows for root causes; an empty row is left out
DATE_ERROR = "Skriv dagen som år-månad-dag, till exempel 2026-03-09."


def _api(deviation_id: str, step: str) -> str:
    return f"/api/v1/deviations/{deviation_id}/{step}"


def _date_errors(values: dict, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    errors = {name: DATE_ERROR for name in required if not _is_date(values[name])}
    errors.update({name: DATE_ERROR for name in optional if values[name] and not _is_date(values[name])})
    return errors


@blueprint.post("/arenden/<deviation_id>/ivo/komplettering")
@signin_required
def ivo_supplement(deviation_id):
    _require_uuid(deviation_id)
    values = {name: request.form.get(name, "").strip() for name in ("requested_on", "request", "due_on")}
    errors = _date_errors(values, ("requested_on",), ("due_on",))
    if not values["request"]:
        errors["request"] = "Skriv vad IVO begär."
    if errors:
        return render_case(deviation_id, status=422, form="supplement", values=values, errors=errors)
    body = {"requested_on": values["requested_on"], "request": values["request"], "due_on": values["due_on"] or None}
    return _post(deviation_id, "supplement",
                 lambda: client.deviations().post(_api(deviation_id, "ivo-supplements"), json=body,
                                                  headers=_if_match()),
                 values, {"requested_on": "requested_on", "request": "request", "due_on": "due_on"},
                 "Kompletteringen är registrerad.")


@blueprint.post("/arenden/<deviation_id>/ivo/komplettering/<supplement_id>")
@signin_required
def ivo_supplement_answer(deviation_id, supplement_id):
    _require_uuid(deviation_id, supplement_id)
    values = {"answered_on": request.form.get("answered_on", "").strip(), "supplement_id": supplement_id}
    errors = _date_errors(values, ("answered_on",))
    if errors:
        return render_case(deviation_id, status=422, form="answer", values=values, errors=errors)
    return _post(deviation_id, "answer",
                 lambda: client.deviations().request("PUT", _api(deviation_id, f"ivo-supplements/{supplement_id}"),
                                                     json={"answered_on": values["answered_on"]},
                                                     headers=_if_match()),
                 values, {"answered_on": "answered_on"}, "Svaret på kompletteringen är registrerat.")


@blueprint.post("/arenden/<deviation_id>/ivo/beslut")
@signin_required
def ivo_decision(deviation_id):
    _require_uuid(deviation_id)
    values = {name: request.form.get(name, "").strip() for name in ("decided_on", "outcome", "decision_reference")}
    errors = _date_errors(values, ("decided_on",))
    if not values["outcome"] or not code_lists.known("ivo_decision_outcomes", values["outcome"]):
        errors["outcome"] = "Välj vad IVO beslutade."
    if errors:
        return render_case(deviation_id, status=422, form="decision", values=values, errors=errors)
    body = {"decided_on": values["decided_on"], "outcome": values["outcome"],
            "reference": values["decision_reference"] or None}
    return _post(deviation_id, "decision",
                 lambda: client.deviations().request("PUT", _api(deviation_id, "ivo-decision"), json=body,
                                                     headers=_if_match()),
                 values, {"decided_on": "decided_on", "outcome": "outcome", "reference": "decision_reference"},
                 "IVO:s beslut är registrerat.")


def _participants(text: str) -> tuple[list[dict], bool]:
    """One participant a line, "roll: namn"; (participants, every line well formed)."""
    people, ok = [], True
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        role, _, name = line.partition(":")
        if not role.strip() or not name.strip():
            ok = False
            continue
        people.append({"role": role.strip(), "name": name.strip()})
    return people, ok


@blueprint.post("/arenden/<deviation_id>/handelseanalys")
@signin_required
def event_analysis(deviation_id):
    _require_uuid(deviation_id)
    values = {name: request.form.get(name, "").strip() for name in ("method", "participants", "completed_on")}
    causes = []
    for row in range(ROOT_CAUSE_ROWS):
        cause = {"category": request.form.get(f"cause_{row}_category", ""),
                 "text": request.form.get(f"cause_{row}_text", "").strip(),
                 "action_ids": request.form.getlist(f"cause_{row}_actions")}
        values[f"cause_{row}_category"], values[f"cause_{row}_text"] = cause["category"], cause["text"]
        values[f"cause_{row}_actions"] = cause["action_ids"]
        causes.append(cause)
    errors = _date_errors(values, (), ("completed_on",))
    if not values["method"] or not code_lists.known("analysis_methods", values["method"]):
        errors["method"] = "Välj metod."
    people, ok = _participants(values["participants"])
    if not ok:
        errors["participants"] = "Skriv en deltagare per rad som roll: namn, till exempel sjuksköterska: Sara Lind."
    for row, cause in enumerate(causes):
        if cause["text"] and (not cause["category"]
                              or not code_lists.known("root_cause_categories", cause["category"])):
            errors[f"cause_{row}_category"] = "Välj vilken sorts orsak det är."
        if not cause["text"] and (cause["action_ids"] or cause["category"]):
            errors[f"cause_{row}_text"] = "Beskriv orsaken, eller töm raden."
    if errors:
        return render_case(deviation_id, status=422, form="analysis", values=values, errors=errors)
    body = {"method": values["method"], "participants": people, "completed_on": values["completed_on"] or None,
            "root_causes": [{"category": c["category"], "text": c["text"], "action_ids": c["action_ids"]}
                            for c in causes if c["text"]]}
    return _post(deviation_id, "analysis",
                 lambda: client.deviations().request("PUT", _api(deviation_id, "event-analysis"), json=body,
                                                     headers=_if_match()),
                 values, {"method": "method", "participants": "participants", "completed_on": "completed_on",
                          "root_causes": "cause_0_text"},
                 "Händelseanalysen är sparad.")


@blueprint.post("/arenden/<deviation_id>/utforare/anmalan")
@signin_required
def provider_report(deviation_id):
    _require_uuid(deviation_id)
    values = {name: request.form.get(name, "").strip() for name in ("provider_reported_on", "provider_reference")}
    errors = _date_errors(values, ("provider_reported_on",))
    if errors:
        return render_case(deviation_id, status=422, form="provider_report", values=values, errors=errors)
    body = {"reported_on": values["provider_reported_on"], "reference": values["provider_reference"] or None}
    return _post(deviation_id, "provider_report",
                 lambda: client.deviations().request("PUT", _api(deviation_id, "provider-report"), json=body,
                                                     headers=_if_match()),
                 values, {"reported_on": "provider_reported_on", "reference": "provider_reference"},
                 "Utförarens anmälan till IVO är registrerad.")


@blueprint.post("/arenden/<deviation_id>/utforare/uppfoljning")
@signin_required
def provider_follow_up(deviation_id):
    _require_uuid(deviation_id)
    values = {name: request.form.get(name, "").strip() for name in ("followed_up_on", "assessment",
                                                                      "follow_up_outcome")}
    errors = _date_errors(values, ("followed_up_on",))
    if not values["assessment"]:
        errors["assessment"] = "Skriv kommunens bedömning."
    if not values["follow_up_outcome"] or not code_lists.known("follow_up_outcomes", values["follow_up_outcome"]):
        errors["follow_up_outcome"] = "Välj vad uppföljningen ledde till."
    if errors:
        return render_case(deviation_id, status=422, form="follow_up", values=values, errors=errors)
    body = {"followed_up_on": values["followed_up_on"], "assessment": values["assessment"],
            "outcome": values["follow_up_outcome"]}
    return _post(deviation_id, "follow_up",
                 lambda: client.deviations().request("PUT", _api(deviation_id, "provider-follow-up"), json=body,
                                                     headers=_if_match()),
                 values, {"followed_up_on": "followed_up_on", "assessment": "assessment",
                          "outcome": "follow_up_outcome"},
                 "Uppföljningen av utförarens anmälan är sparad.")


@blueprint.context_processor
def _ivo_lists() -> dict:
    """The tenant's code lists the case page's IVO forms choose from (active entries; read once per page)."""
    return {"ivo_lists": IvoLists()}


class IvoLists:
    """The lists, read from the API only when a template asks for one (not every page of the blueprint does)."""
    cause_rows = range(ROOT_CAUSE_ROWS)

    @property
    def outcomes(self):
        return code_lists.choices("ivo_decision_outcomes")

    @property
    def methods(self):
        return code_lists.choices("analysis_methods")

    @property
    def categories(self):
        return code_lists.choices("root_cause_categories")

    @property
    def follow_ups(self):
        return code_lists.choices("follow_up_outcomes")
