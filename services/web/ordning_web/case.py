"""Ärendet: one case, whole, with the forms its handlers use (investigation, actions, seriousness, IVO, transitions).

Every change posts a form with the CSRF token and the ETag the person saw (a hidden field), which goes to the
API as If-Match: a 412 means someone else changed the case since, and the page shows the fresh case with the
person's input kept in the form they sent. Success redirects (POST/redirect/GET) with a message.
The buttons are the API's allowed_commands only; its blocked_commands are shown as text with their reason.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from ordning_shared.workdays import today_in_sweden

from . import classification, client
from .client import ApiProblem
from .signin import current_person, signin_required

blueprint = Blueprint("case", __name__)

UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
REFERENCE_PATTERN = re.compile(r"^[0-9]{4}-[0-9]{6}$")
STOCKHOLM = ZoneInfo("Europe/Stockholm")

# The button of each transition, and its name in a sentence about a blocked one ("Avsluta: ...").
COMMAND_LABELS = {
    "receive": "Ta emot ärendet",
    "start_investigation": "Starta utredningen",
    "complete_investigation": "Slutför utredningen",
    "close": "Avsluta ärendet",
    "reopen": "Öppna ärendet igen",
    "reopen_investigation": "Öppna utredningen igen",
    "reject": "Avvisa ärendet",
    "flag_possible_elsewhere": "Markera: kan inträffa på andra enheter",
    "clear_possible_elsewhere": "Ta bort markeringen: kan inträffa på andra enheter",
}
COMMAND_SHORT = {
    "receive": "Ta emot", "start_investigation": "Starta utredningen", "complete_investigation": "Slutför utredningen",
    "close": "Avsluta", "reopen": "Öppna igen", "reopen_investigation": "Öppna utredningen igen", "reject": "Avvisa",
    "flag_possible_elsewhere": "Markera att det kan inträffa på andra enheter",
    "clear_possible_elsewhere": "Ta bort markeringen att det kan inträffa på andra enheter",
    "decide_seriousness": "Besluta om allvarlighetsgraden",
}
ACTION_STATUS_LABELS = {"planned": "planerad", "in_progress": "påbörjad", "done": "klar", "cancelled": "avbruten"}
OVERDUE_LABELS = {"receipt": "Ärendet skulle ha tagits emot", "investigation": "Utredningen skulle ha varit klar",
                  "ivo_report": "Anmälan till IVO skulle ha gjorts"}
DUE_OF = {"receipt": "receipt_due", "investigation": "investigation_due", "ivo_report": "ivo_due"}
REJECTION_REASONS = [("spam", "Skräppost"), ("duplicate", "Dubblett av ett annat ärende"), ("other", "Annat skäl")]
AUDIT_ACTIONS = {
    "report": "anmälde ärendet", "receive": "tog emot ärendet", "start_investigation": "startade utredningen",
    "complete_investigation": "slutförde utredningen", "close": "avslutade ärendet", "reopen": "öppnade ärendet igen",
    "reopen_investigation": "öppnade utredningen igen", "reject": "avvisade ärendet",
    "update_investigation": "skrev i utredningen", "decide_seriousness": "beslutade om allvarlighetsgraden",
    "record_ivo_report": "registrerade anmälan till IVO", "change_category": "ändrade kategori",
    "reassign_unit": "flyttade ärendet till en annan enhet", "pseudonymise": "gallrade ärendet",
    "flag_possible_elsewhere": "markerade att det kan inträffa på andra enheter",
    "clear_possible_elsewhere": "tog bort markeringen att det kan inträffa på andra enheter",
    "classify": "ändrade klassificeringen",
    "request_ivo_supplement": "registrerade en komplettering som IVO begär",
    "answer_ivo_supplement": "registrerade svaret på en komplettering",
    "record_ivo_decision": "registrerade IVO:s beslut", "record_event_analysis": "skrev i händelseanalysen",
    "record_provider_report": "registrerade utförarens anmälan till IVO",
    "follow_up_provider_report": "följde upp utförarens anmälan",
    "assign_investigator": "utsåg utredare", "close_as_duplicate": "avslutade ärendet som dubblett",
    "change": "ändrade ärendet",
    "reclassify": "klassade om ärendet", "record_informing": "antecknade informationen till den enskilde",
    "name_involved_staff": "namngav inblandad personal",
}
AUDIT_ACTION_ACTIONS = {
    "create": "lade till en åtgärd", "update": "ändrade en åtgärd", "start": "påbörjade en åtgärd",
    "complete": "slutförde en åtgärd", "cancel": "avbröt en åtgärd", "reopen": "öppnade en åtgärd igen",
    "pseudonymise": "gallrade en åtgärd",
}


def audit_label(entry: dict) -> str:
    table = AUDIT_ACTION_ACTIONS if entry.get("entity_type") == "improvement_action" else AUDIT_ACTIONS
    return table.get(entry.get("action", ""), entry.get("action", ""))


# Who decides whether a lex case is serious, mirrored from the deviations domain (_SERIOUSNESS_DECIDERS): the API
# tells the transitions a person may run, not this; the form is shown to them only, and a 403 still reads well.
SERIOUSNESS_DECIDERS = {"lex_sarah": {"enhetschef", "verksamhetschef", "forvaltningschef"},
                        "lex_maria": {"mas", "mar"}}
STALE_MESSAGE = ("Någon annan har ändrat ärendet medan du arbetade. Här är ärendet som det ser ut nu. "
                 "Det du skrev finns kvar i formuläret: kontrollera det och spara igen.")
NOT_FOUND_MESSAGE = "Ärendet finns inte eller så får du inte se det."


def swedish(detail: str | None) -> str:
    """The Swedish part of an API message ("Svensk mening. English sentence."): its sentences up to the English."""
    return client.swedish_part(detail) or (detail or "")


INVESTIGATION_FIELDS = {"what_happened": "vad hände", "what_must_change": "vad måste ändras", "why": "varför"}


def blocked_reason(blocked: dict) -> str:
    """Why a command is blocked, in Swedish; the investigation's fields by the names the form gives them."""
    reason = swedish(blocked.get("reason"))
    if blocked.get("code") == "investigation_incomplete":
        for name, label in INVESTIGATION_FIELDS.items():
            reason = re.sub(rf"\b{name}\b", label, reason)
    return reason


def etag_of(item: dict) -> str:
    return f'"{item["id"]}.{item["version"]}"'


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

def _load_case(deviation_id: str) -> dict:
    if not UUID_PATTERN.match(deviation_id):
        raise CaseNotFound()
    try:
        return client.deviations().get(f"/api/v1/deviations/{deviation_id}")
    except ApiProblem as error:
        if error.status in (403, 404):
            raise CaseNotFound() from error
        raise


def _load_actions(deviation_id: str) -> list[dict]:
    return client.deviations().get(f"/api/v1/deviations/{deviation_id}/actions")


def _load_audit(deviation_id: str) -> list[dict] | None:
    """The history, or None for a person who may not read it (403): the section is then left out, no error."""
    try:
        return client.deviations().get(f"/api/v1/deviations/{deviation_id}/audit")
    except ApiProblem as error:
        if error.status == 403:
            return None
        raise


class CaseNotFound(Exception):
    pass


@blueprint.errorhandler(CaseNotFound)
def _not_found(_error):
    return render_template("case/not_found.html", message=NOT_FOUND_MESSAGE), 404


def _view_model(case: dict, actions: list[dict], audit: list[dict] | None) -> dict:
    user = current_person()
    roles = set(user.roles) if user else set()
    handler = bool(case["allowed_commands"] or case["blocked_commands"])  # the API answers none to others
    is_open = case["status"] not in ("closed", "rejected") and not case.get("pseudonymised_at")
    is_lex = case["kind"] in SERIOUSNESS_DECIDERS
    lex = lex_model(case, roles, handler, is_open)  # issue 14 (case_lex)
    blocked = [{"command": b["command"], "label": COMMAND_SHORT.get(b["command"], b["command"]),
                "reason": blocked_reason(b)} for b in case["blocked_commands"]]
    overdue = [{"key": key, "label": OVERDUE_LABELS.get(key, key), "due": case.get(DUE_OF.get(key, ""))}
               for key in case["overdue"]]
    return {
        "case": case, "actions": actions, "audit": audit, "handler": handler, "is_open": is_open,
        "can_edit_investigation": handler and case["status"] == "investigating",
        "can_manage_actions": handler and is_open and not investigator_only(case, user),
        "show_seriousness": is_lex,
        "can_decide": is_lex and is_open and case["status"] in ("investigating", "investigated")
        and bool(roles & _deciders(case)) and not lex["disqualified_reason"],
        "can_record_ivo": is_lex and is_open and bool((case.get("seriousness") or {}).get("serious"))
        and bool(roles & SERIOUSNESS_DECIDERS.get(case["kind"], set())),
        **_lex_blocks(case, is_lex and is_open and bool(roles & _deciders(case)),
                      is_lex and is_open and bool(roles & SERIOUSNESS_DECIDERS.get(case["kind"], set()))),
        **lex,
        "allowed": [{"command": c, "label": COMMAND_LABELS.get(c, c)} for c in case["allowed_commands"]],
        "blocked": blocked, "overdue": overdue, "overdue_keys": set(case["overdue"]),
        "action_labels": ACTION_STATUS_LABELS, "rejection_reasons": REJECTION_REASONS,
        "audit_label": audit_label, "etag": etag_of(case), "today": today_in_sweden().isoformat(),
        "me": user.subject if user else "",
    }


def _deciders(case: dict) -> set[str]:
    """Who decides a lex case: the roles of the tenant's delegation as the API answers it (issue 14)."""
    return set((case.get("delegation") or {}).get("decider_roles") or SERIOUSNESS_DECIDERS.get(case["kind"], set()))


def _lex_blocks(case: dict, decider: bool, recorder: bool | None = None) -> dict:
    """Why the person who decides on a lex case cannot yet decide its seriousness, or who records the IVO report
    (`recorder`, default: the decider) cannot yet record it: said where the form will be, as a blocked command's
    reason is (the API's rules, in its words)."""
    recorder = decider if recorder is None else recorder
    too_early = case["status"] not in ("investigating", "investigated")
    serious = bool((case.get("seriousness") or {}).get("serious"))
    return {"seriousness_blocked": "Allvarlighetsgraden kan beslutas först när utredningen har startat."
            if decider and too_early else None,
            "ivo_blocked": None if serious or not recorder else "Bara ett ärende som bedömts som allvarligt anmäls "
                                                                "till IVO. Besluta om allvarlighetsgraden först."}


def render_case(case_id: str, *, status: int = 200, form: str | None = None, values: dict | None = None,
                errors: dict | None = None, message: str | None = None, action_id: str | None = None):
    """The case page; `form` names the form whose `values` and `errors` are shown (after a refused post)."""
    case = _load_case(case_id)
    model = _view_model(case, _load_actions(case_id), _load_audit(case_id))
    from .complaint import complaint_model  # issue 14's parts of the page (that module imports this one)
    model.update(complaint_model(case, model["handler"]))
    model.update(form=form, values=values or {}, errors=errors or {}, message=message, form_action_id=action_id)
    model.update(classification.case_model(case, model["handler"], model["is_open"]))
    return render_template("case/case.html", **model), status


@blueprint.get("/arenden/<deviation_id>")
@signin_required
def show(deviation_id):
    return render_case(deviation_id)


@blueprint.get("/arenden/nummer/<reference>")
@signin_required
def by_reference(reference):
    if not REFERENCE_PATTERN.match(reference):
        raise CaseNotFound()
    try:
        case = client.deviations().get(f"/api/v1/deviations/by-reference/{reference}")
    except ApiProblem as error:
        if error.status in (400, 403, 404, 422):
            raise CaseNotFound() from error
        raise
    return redirect(url_for("case.show", deviation_id=case["id"]))


# --------------------------------------------------------------------------
# Changing
# --------------------------------------------------------------------------

def _field_errors(error: ApiProblem, fields: dict[str, str]) -> dict:
    """The API's refusal at the form's fields: `fields` maps the API's field names to the form's."""
    errors = {}
    detail = error.field_errors  # {api field: Swedish message}
    for api_field, message in detail.items():
        errors[fields.get(api_field, "_form")] = message
    if not errors:
        errors["_form"] = error.message
    return errors


def _post(case_id: str, form: str, send, values: dict, fields: dict[str, str], success: str,
          action_id: str | None = None):
    """Run `send()` (one API call); on success redirect with `success`, else the page with the refusal."""
    try:
        send()
    except ApiProblem as error:
        if error.status == 412:
            return render_case(case_id, status=412, form=form, values=values, message=STALE_MESSAGE,
                               action_id=action_id)
        if error.status == 404:
            raise CaseNotFound() from error
        if error.status in (400, 403, 409, 422, 428):
            return render_case(case_id, status=error.status if error.status != 428 else 412, form=form,
                               values=values, errors=_field_errors(error, fields), action_id=action_id)
        raise
    flash(success, "success")
    anchor = {"investigation": "utredning", "transition": "hantera", "seriousness": "allvarlighet", "ivo": "ivo",
              "add_action": "atgarder", "assign": "atgarder", "complete": "atgarder",
              "classification": "klassificering"}.get(form, "")
    return redirect(url_for("case.show", deviation_id=case_id, _anchor=anchor or None))


def _if_match() -> dict:
    return {"If-Match": request.form.get("etag", "")}


def _require_uuid(*values):
    if not all(UUID_PATTERN.match(v) for v in values):
        raise CaseNotFound()


@blueprint.post("/arenden/<deviation_id>/utredning")
@signin_required
def investigation(deviation_id):
    _require_uuid(deviation_id)
    values = {name: request.form.get(name, "") for name in ("what_happened", "why", "what_must_change")}
    body = {name: value.strip() for name, value in values.items()}
    return _post(deviation_id, "investigation",
                 lambda: client.deviations().request("PUT", f"/api/v1/deviations/{deviation_id}/investigation",
                                                     json=body, headers=_if_match()),
                 values, {name: name for name in values}, "Utredningen är sparad.")


@blueprint.post("/arenden/<deviation_id>/overgang")
@signin_required
def transition(deviation_id):
    _require_uuid(deviation_id)
    command = request.form.get("command", "")
    values = {"command": command, "reason": request.form.get("reason", ""),
              "duplicate_of": request.form.get("duplicate_of", "").strip(), "note": request.form.get("note", "")}
    body: dict = {"command": command}
    if command == "reject":
        errors = {}
        if values["reason"] not in dict(REJECTION_REASONS):
            errors["reason"] = "Välj varför ärendet avvisas."
        if values["reason"] == "duplicate" and not REFERENCE_PATTERN.match(values["duplicate_of"]):
            errors["duplicate_of"] = "Skriv ärendenumret som ärendet är en dubblett av, till exempel 2026-000123."
        if values["reason"] == "other" and not values["note"].strip():
            errors["note"] = "Skriv varför ärendet avvisas."
        if errors:
            return render_case(deviation_id, status=422, form="transition", values=values, errors=errors)
        rejection = {"reason": values["reason"]}
        if values["reason"] == "duplicate":
            rejection["duplicate_of"] = values["duplicate_of"]
        if values["note"].strip():
            rejection["note"] = values["note"].strip()
        body["rejection"] = rejection
    label = COMMAND_SHORT.get(command, command)
    return _post(deviation_id, "transition",
                 lambda: client.deviations().post(f"/api/v1/deviations/{deviation_id}/transitions", json=body,
                                     headers=_if_match()),
                 values, {"rejection": "reason", "command": "_form"}, f"Klart: {label.lower()}.")


@blueprint.post("/arenden/<deviation_id>/allvarlighet")
@signin_required
def seriousness(deviation_id):
    _require_uuid(deviation_id)
    # Issue 14: the outcome from the kind's list and a motivering (the API checks the list and the delegation).
    values = {"outcome": request.form.get("outcome", ""), "motivering": request.form.get("motivering", "")}
    errors = {}
    if not values["outcome"]:
        errors["outcome"] = "Välj beslutet."
    if not values["motivering"].strip():
        errors["motivering"] = "Skriv en motivering till beslutet."
    if errors:
        return render_case(deviation_id, status=422, form="seriousness", values=values, errors=errors)
    return _post(deviation_id, "seriousness",
                 lambda: client.deviations().request("PUT", f"/api/v1/deviations/{deviation_id}/seriousness",
                                    json={"outcome": values["outcome"], "motivering": values["motivering"].strip()},
                                    headers=_if_match()),
                 values, {"outcome": "outcome", "motivering": "motivering"},
                 "Beslutet om allvarlighetsgraden är sparat.")


@blueprint.post("/arenden/<deviation_id>/ivo")
@signin_required
def ivo_report(deviation_id):
    _require_uuid(deviation_id)
    values = {"reported_on": request.form.get("reported_on", "").strip(),
              "ivo_reference": request.form.get("ivo_reference", "").strip()}
    errors = {}
    if not _is_date(values["reported_on"]):
        errors["reported_on"] = "Skriv dagen för anmälan som år-månad-dag, till exempel 2026-03-09."
    if not values["ivo_reference"]:
        errors["ivo_reference"] = "Skriv IVO:s diarienummer."
    if errors:
        return render_case(deviation_id, status=422, form="ivo", values=values, errors=errors)
    return _post(deviation_id, "ivo",
                 lambda: client.deviations().request("PUT", f"/api/v1/deviations/{deviation_id}/ivo-report",
                                    json={"reported_on": values["reported_on"], "reference": values["ivo_reference"]},
                                    headers=_if_match()),
                 values, {"reported_on": "reported_on", "reference": "ivo_reference"},
                 "Anmälan till IVO är registrerad.")


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return bool(re.match(r"^\d{4}-\d{2}-\d{2}$", text))


@blueprint.post("/arenden/<deviation_id>/atgarder")
@signin_required
def add_action(deviation_id):
    _require_uuid(deviation_id)
    values = {name: request.form.get(name, "").strip() for name in ("title", "owner", "due_date", "description")}
    values["idempotency_key"] = request.form.get("idempotency_key", "")
    errors = {}
    if not values["title"]:
        errors["title"] = "Skriv vad som ska göras."
    if not values["owner"]:
        errors["owner"] = "Skriv vem som är ansvarig (användar-id)."
    if not _is_date(values["due_date"]):
        errors["due_date"] = "Skriv sista dag som år-månad-dag, till exempel 2026-04-30."
    if errors:
        return render_case(deviation_id, status=422, form="add_action", values=values, errors=errors)
    body = {"title": values["title"], "owner": values["owner"], "due_date": values["due_date"]}
    if values["description"]:
        body["description"] = values["description"]
    headers = {"Idempotency-Key": values["idempotency_key"]} if values["idempotency_key"] else {}
    return _post(deviation_id, "add_action",
                 lambda: client.deviations().post(f"/api/v1/deviations/{deviation_id}/actions", json=body,
                                     headers=headers),
                 values, {"title": "title", "owner": "owner", "due_date": "due_date", "description": "description"},
                 "Åtgärden är tillagd.")


@blueprint.post("/arenden/<deviation_id>/atgarder/<action_id>/ansvarig")
@signin_required
def assign_action(deviation_id, action_id):
    _require_uuid(deviation_id, action_id)
    values = {"owner": request.form.get("owner", "").strip()}
    if not values["owner"]:
        return render_case(deviation_id, status=422, form="assign", values=values, action_id=action_id,
                           errors={"owner": "Skriv vem som ska vara ansvarig (användar-id)."})
    return _post(deviation_id, "assign",
                 lambda: client.deviations().request(
                     "PATCH", f"/api/v1/deviations/{deviation_id}/actions/{action_id}",
                     json={"owner": values["owner"]}, headers=_if_match()),
                 values, {"owner": "owner"}, "Åtgärden har fått en ny ansvarig.", action_id=action_id)


@blueprint.post("/arenden/<deviation_id>/atgarder/<action_id>/klar")
@signin_required
def complete_action(deviation_id, action_id):
    _require_uuid(deviation_id, action_id)
    values = {"effect_followup": request.form.get("effect_followup", "")}
    if not values["effect_followup"].strip():
        return render_case(deviation_id, status=422, form="complete", values=values, action_id=action_id,
                           errors={"effect_followup": "Skriv hur effekten av åtgärden följs upp."})
    return _post(deviation_id, "complete",
                 lambda: client.deviations().post(
                                     f"/api/v1/deviations/{deviation_id}/actions/{action_id}/transitions",
                                     json={"command": "complete",
                                           "effect_followup": values["effect_followup"].strip()},
                                     headers=_if_match()),
                 values, {"effect_followup": "effect_followup"}, "Åtgärden är klar.", action_id=action_id)




@blueprint.app_template_filter("case_datetime")
def case_datetime(value: str | None) -> str:
    """An API time (ISO 8601 with its offset) as Swedes read it, in Swedish time: 2026-03-02 20:05."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(STOCKHOLM)
    return moment.strftime("%Y-%m-%d %H:%M")


@blueprint.app_template_filter("first_upper")
def first_upper(text: str | None) -> str:
    """"lex Sarah" as the start of a line: "Lex Sarah" (capitalize would write "Lex sarah")."""
    return (text[:1].upper() + text[1:]) if text else ""


# The commands a case's assigned investigator runs without a handler's role (domain.INVESTIGATOR_COMMANDS).
INVESTIGATOR_COMMANDS = frozenset({"start_investigation", "complete_investigation"})


def investigator_only(case: dict, user) -> bool:
    """Does `user` meet the case as its assigned investigator only (no handler's command besides investigating)?"""
    commands = {c for c in case.get("allowed_commands") or ()} | {
        b.get("command") for b in case.get("blocked_commands") or ()}
    return bool(user and case.get("investigator_id") == user.subject and not commands - INVESTIGATOR_COMMANDS)


@blueprint.app_context_processor
def _form_helpers():
    return {"new_key": client.new_idempotency_key}


from .case_lex import lex_model  # noqa: E402  (issue 14: its routes join this blueprint)
