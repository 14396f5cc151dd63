"""Lex Sarah and lex Maria in full on the case page (issue 14): reclassify a case, record that the person concerned
was informed (or why not), name the staff involved; the decision's outcome lists. Routes of the case blueprint.

The API decides: who may (its delegation, jäv and handlers), what is valid (its code lists); the page offers the
forms to whom the API's answer says may use them and shows its refusals at the fields, as the rest of the case page.
"""
from __future__ import annotations

import re

from flask import request

from . import client, code_lists
from .case import _if_match, _is_date, _post, _require_uuid, blueprint, render_case
from .signin import signin_required

# The outcomes of the decision per lex kind: the tenant's code lists (GET /api/v1/code-lists), by name.
OUTCOME_LISTS = {"lex_sarah": "lex_sarah_outcomes", "lex_maria": "lex_maria_outcomes"}
KIND_LABELS = {"avvikelse": "Avvikelse", "lex_sarah": "Lex Sarah", "lex_maria": "Lex Maria", "klagomal": "Klagomål"}
# Which kind a case may become (domain.RECLASSIFICATIONS); a citizen's case never becomes an avvikelse.
RECLASSIFY_TO = {"avvikelse": ["lex_sarah", "lex_maria"], "klagomal": ["lex_sarah", "lex_maria"],
                 "lex_sarah": ["avvikelse", "klagomal", "lex_maria"],
                 "lex_maria": ["avvikelse", "klagomal", "lex_sarah"]}
DECIDER_ROLE_LABELS = {"forvaltningschef": "förvaltningschef", "verksamhetschef": "verksamhetschef",
                       "enhetschef": "enhetschef", "mas": "MAS", "mar": "MAR"}
USER_ID = re.compile(r"^[^\s,]{1,200}$")


def lex_model(case: dict, roles: set[str], handler: bool, is_open: bool) -> dict:
    """What the case page needs for issue 14's forms and facts."""
    kind = case["kind"]
    is_lex = kind in OUTCOME_LISTS
    informing = case.get("informing") or {}
    decided = (case.get("seriousness") or {}).get("outcome")
    targets = [t for t in RECLASSIFY_TO.get(kind, []) if not (case.get("origin") == "citizen" and t == "avvikelse")]
    delegation = case.get("delegation") or {}
    disqualified = next((b for b in case.get("blocked_commands", []) if b["command"] == "decide_seriousness"), None)
    return {
        "outcomes": code_lists.choices(OUTCOME_LISTS[kind], decided) if is_lex else [],
        "can_reclassify": handler and is_open and bool(targets) and not case.get("ivo_report"),
        "reclassify_targets": [(t, KIND_LABELS[t]) for t in targets],
        "reclassify_reasons": code_lists.choices("reclassification_reasons"),
        "can_inform": handler and is_open and is_lex,
        "informing_methods": code_lists.choices("informing_methods", informing.get("method")),
        "informing_recipients": code_lists.choices("informing_recipients", informing.get("recipient")),
        "not_informed_reasons": code_lists.choices("not_informed_reasons", informing.get("not_informed_reason")),
        "can_name_involved": handler and is_open and case.get("involved_staff") is not None,
        "decider_roles_text": " eller ".join(DECIDER_ROLE_LABELS.get(role, role)
                                             for role in delegation.get("decider_roles", [])),
        "disqualified_reason": client.swedish_part(disqualified["reason"]) if disqualified else None,
        "lex_decider": is_lex and bool(roles & set(delegation.get("decider_roles", []))),
    }


@blueprint.post("/arenden/<deviation_id>/klassa-om")
@signin_required
def reclassify(deviation_id):
    _require_uuid(deviation_id)
    values = {name: request.form.get(name, "") for name in ("kind", "reason_code", "note")}
    errors = {}
    if values["kind"] not in KIND_LABELS:
        errors["kind"] = "Välj vilken typ ärendet ska bli."
    if not values["reason_code"] or not code_lists.known("reclassification_reasons", values["reason_code"]):
        errors["reason_code"] = "Välj varför ärendet klassas om."
    elif code_lists.needs_note("reclassification_reasons", values["reason_code"]) and not values["note"].strip():
        errors["note"] = "Skriv varför ärendet klassas om."
    if errors:
        return render_case(deviation_id, status=422, form="reclassify", values=values, errors=errors)
    body = {"kind": values["kind"], "reason_code": values["reason_code"]}
    if values["note"].strip():
        body["note"] = values["note"].strip()
    return _post(deviation_id, "reclassify",
                 lambda: client.deviations().post(f"/api/v1/deviations/{deviation_id}/reclassify", json=body,
                                                  headers=_if_match()),
                 values, {"kind": "kind", "reason_code": "reason_code", "note": "note"},
                 f"Ärendet är klassat om till {KIND_LABELS.get(values['kind'], values['kind'])}. "
                 "Tidsfristerna räknas från i dag.")


@blueprint.post("/arenden/<deviation_id>/information")
@signin_required
def informing(deviation_id):
    _require_uuid(deviation_id)
    names = ("informed", "informed_on", "method", "recipient", "view", "not_informed_reason", "note")
    values = {name: request.form.get(name, "") for name in names}
    errors = {}
    if values["informed"] == "ja":
        if not _is_date(values["informed_on"].strip()):
            errors["informed_on"] = "Skriv dagen som år-månad-dag, till exempel 2026-03-09."
        if not values["method"] or not code_lists.known("informing_methods", values["method"]):
            errors["method"] = "Välj hur den enskilde informerades."
        if not values["recipient"] or not code_lists.known("informing_recipients", values["recipient"]):
            errors["recipient"] = "Välj vem som informerades."
        body = {"informed_on": values["informed_on"].strip(), "method": values["method"],
                "recipient": values["recipient"]}
        if values["view"].strip():
            body["view"] = values["view"].strip()
    elif values["informed"] == "nej":
        reason = values["not_informed_reason"]
        if not reason or not code_lists.known("not_informed_reasons", reason):
            errors["not_informed_reason"] = "Välj varför den enskilde inte informerades."
        elif code_lists.needs_note("not_informed_reasons", reason) and not values["note"].strip():
            errors["note"] = "Skriv varför den enskilde inte informerades."
        body = {"not_informed_reason": values["not_informed_reason"]}
        if values["note"].strip():
            body["note"] = values["note"].strip()
    else:
        errors["informed"] = "Välj om den enskilde har informerats."
    if errors:
        return render_case(deviation_id, status=422, form="informing", values=values, errors=errors)
    return _post(deviation_id, "informing",
                 lambda: client.deviations().request("PUT", f"/api/v1/deviations/{deviation_id}/informing",
                                                     json=body, headers=_if_match()),
                 values, {name: name for name in names}, "Informationen till den enskilde är antecknad.")


@blueprint.post("/arenden/<deviation_id>/inblandade")
@signin_required
def involved(deviation_id):
    _require_uuid(deviation_id)
    values = {"user_ids": request.form.get("user_ids", "")}
    user_ids = [part.strip() for part in re.split(r"[,\n]", values["user_ids"]) if part.strip()]
    if any(not USER_ID.match(user_id) for user_id in user_ids):
        return render_case(deviation_id, status=422, form="involved", values=values,
                           errors={"user_ids": "Skriv användar-id utan mellanslag, åtskilda med kommatecken."})
    return _post(deviation_id, "involved",
                 lambda: client.deviations().request("PUT", f"/api/v1/deviations/{deviation_id}/involved-staff",
                                                     json={"user_ids": user_ids}, headers=_if_match()),
                 values, {"user_ids": "user_ids"}, "Den inblandade personalen är sparad.")
