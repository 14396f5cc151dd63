"""Riskanalyser: the list, a new analysis, the analysis with its risks, one risk (scoring, actions, escalation),
the escalated risks a level above receives, and the tenant's risk matrix (its editing for administrators).

The pattern is Ärendet's (case.py): every change posts a form with the CSRF token and the ETag the person saw
(If-Match); a refusal shows the page again with what the person wrote kept and the API's errors at their fields;
success redirects with a message. The analysis's buttons are its allowed_commands, its blocked_commands are shown
with their reason; a risk's forms are shown to who runs the analysis while its status allows them, and otherwise
a sentence says why not. Scores and levels are the API's, never typed here.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for

from . import client
from .case import UUID_PATTERN, swedish
from .client import ApiError, ApiProblem, ServiceUnavailable
from .signin import current_person, signin_required

blueprint = Blueprint("risks", __name__)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ANALYSES = "/api/v1/risk-analyses"
MATRIX = "/api/v1/risk-matrix"
ESCALATIONS = "/api/v1/risk-escalations"
# Who runs risk analyses (the risks service's ANALYSTS); the API decides, this only chooses what to offer.
ANALYST_ROLES = ("enhetschef", "verksamhetschef", "forvaltningschef", "processagare")
STAFF_ROLES = ("medarbetare", "enhetschef", "verksamhetschef", "forvaltningschef", "processagare", "processledare",
               "kvalitetsutvecklare", "mas", "mar", "administrator")
OPEN_STATUSES = ("draft", "in_progress")

STATUS_LABELS = {"draft": "Utkast", "in_progress": "Pågår", "completed": "Slutförd", "followed_up": "Uppföljd"}
COMMAND_LABELS = {"start": "Starta analysen", "complete": "Slutför analysen", "reopen": "Öppna analysen igen",
                  "follow_up": "Markera som uppföljd"}
COMMAND_SHORT = {"start": "Starta", "complete": "Slutför", "reopen": "Öppna igen", "follow_up": "Följ upp"}
SCOPE_LABELS = {"unit": "Enhet", "administration": "Förvaltning", "process": "Process", "subprocess": "Delprocess"}
KIND_LABELS = {"board": "Nämnd", "administration": "Förvaltning", "division": "Verksamhetsområde", "unit": "Enhet",
               "external_provider": "Utförare i privat regi"}
# The org units an analysis may be of, and as what (the risks service's ORG_SCOPE_KINDS).
SCOPE_OF_KIND = {"unit": "unit", "external_provider": "unit", "administration": "administration"}

# Why an analysis is made, each with one plain sentence (Klarspråk).
TRIGGERS = [
    ("yearly", "Årlig riskanalys", "Den riskanalys som görs varje år för verksamheten."),
    ("new_process", "Ny process", "Ett nytt arbetssätt eller en ny process ska börja användas."),
    ("larger_change", "Större förändring", "Något stort ändras i verksamheten. Välj vilken sorts förändring nedan."),
    ("deviations_elsewhere", "Avvikelser som kan hända på andra enheter",
     "En avvikelse på en enhet visar en risk som kan finnas även här."),
    ("other", "Annat", "Något annat. Förklara varför i fältet nedan."),
]
CHANGES = [
    ("new_method", "Ny metod", "Ett nytt sätt att arbeta, till exempel en ny rutin för läkemedel."),
    ("reorganisation", "Omorganisation", "Enheter slås ihop, delas eller får nya chefer."),
    ("summer_staffing", "Sommarbemanning", "Många vikarier och mindre erfaren personal under semestrarna."),
    ("new_it_system", "Nytt IT-system", "Ett nytt verksamhetssystem eller ett nytt digitalt hjälpmedel."),
]
TRIGGER_LABELS = {value: label for value, label, _ in TRIGGERS}
CHANGE_LABELS = {value: label for value, label, _ in CHANGES}
SCORING_KINDS = {"initial": "Före åtgärder", "residual": "Efter åtgärder (kvarvarande risk)"}
ACTION_STATUS = {"planned": "planerad", "in_progress": "påbörjad", "done": "klar", "cancelled": "avbruten"}
ESCALATION_STATUS = {"pending": "väntar på svar", "accepted": "mottagen", "returned": "skickad tillbaka"}

NOT_FOUND = "Riskanalysen finns inte eller så får du inte se den."
STALE = ("Någon annan har ändrat samma sak medan du arbetade. Sidan visar hur det ser ut nu. "
         "Det du skrev finns kvar i formuläret: kontrollera det och skicka igen.")
TEXT_MAX = 4000


class NotFound(Exception):
    pass


@blueprint.errorhandler(NotFound)
def _not_found(_error):
    return render_template("risks/not_found.html", message=NOT_FOUND), 404


def risks_api() -> client.Api:
    return client.risks()


def _require_uuid(*values: str) -> None:
    if not all(UUID_PATTERN.match(value or "") for value in values):
        raise NotFound()


def _is_date(text: str) -> bool:
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", text or ""):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def etag_of(item: dict) -> str:
    return f'"{item["id"]}.{item["version"]}"'


def _today() -> str:
    return datetime.now(STOCKHOLM).date().isoformat()


def _get(path: str, **kwargs):
    """A GET of one of the risks service's resources; its 403/404 is the page's "not found"."""
    try:
        return risks_api().get(path, **kwargs)
    except ApiProblem as error:
        if error.status in (400, 403, 404, 422):
            raise NotFound() from error
        raise


def _org_units() -> tuple[list[dict] | None, str | None]:
    """The municipality's units from the processes service, or None and why not."""
    try:
        return client.processes().get("/api/v1/org-units")["items"], None
    except ApiError as error:
        short = error.short if isinstance(error, ServiceUnavailable) else error.message
        return None, short + " Enheternas namn kan inte visas."


def _short(error: ApiError) -> str:
    return error.short if isinstance(error, ServiceUnavailable) else error.message


def _errors_of(error: ApiProblem, fields: dict[str, str]) -> dict:
    """The API's refusal at the form's fields (`fields`: API field -> form field); the rest for the whole form."""
    errors = {}
    for name, message in error.field_errors.items():
        if name in fields:
            errors[fields[name]] = message
        else:
            errors["_form"] = error.message
    return errors or {"_form": error.message}


def _is_analyst() -> bool:
    person = current_person()
    return bool(person and person.has_any(*ANALYST_ROLES))


# --------------------------------------------------------------------------
# Riskanalyser: the list
# --------------------------------------------------------------------------

@blueprint.get("/riskanalyser")
@signin_required
def analyses():
    notices = []
    try:
        page = risks_api().get(ANALYSES, params={"limit": "100"})
    except ServiceUnavailable as error:
        page, notices = None, [error.message]
    status = 200 if page is not None else 503
    return render_template("risks/list.html", page=page, notices=notices, status_labels=STATUS_LABELS,
                           scope_labels=SCOPE_LABELS, trigger_labels=TRIGGER_LABELS,
                           may_create=_is_analyst()), status


# --------------------------------------------------------------------------
# Ny riskanalys
# --------------------------------------------------------------------------

NEW_FIELDS = ("title", "scope_id", "trigger", "trigger_change", "trigger_note", "participants", "analysis_date")


def _scope_groups(units: list[dict], own: tuple) -> list[tuple[str, list[dict]]]:
    """The units an analysis may be of: the person's own (and those under them) first, then the others."""
    from .report import unit_groups

    eligible = [dict(u, label=f"{u['name']} ({KIND_LABELS.get(u['kind'], u['kind'])})") for u in units]
    groups = unit_groups(eligible, own)
    return [(label, [u for u in items if u["kind"] in SCOPE_OF_KIND]) for label, items in groups]


def _render_new(values: dict, errors: dict | None = None, status: int = 200, notices: list | None = None):
    units, trouble = _org_units()
    person = current_person()
    groups = _scope_groups(units, person.org_units) if units is not None else []
    notices = list(notices or []) + ([trouble] if trouble else [])
    return render_template("risks/new.html", values=values, errors=errors or {}, groups=groups,
                           units_known=units is not None, triggers=TRIGGERS, changes=CHANGES,
                           notices=notices), status


@blueprint.get("/riskanalyser/ny")
@signin_required
def new():
    return _render_new({"analysis_date": _today(), "trigger": "yearly",
                        "idempotency_key": client.new_idempotency_key()})


@blueprint.post("/riskanalyser/ny")
@signin_required
def create():
    values = {name: request.form.get(name, "").strip() for name in NEW_FIELDS}
    key = request.form.get("idempotency_key", "")
    values["idempotency_key"] = key if 8 <= len(key) <= 100 else client.new_idempotency_key()
    errors = {}
    if not values["title"]:
        errors["title"] = "Skriv vad analysen gäller."
    if not values["scope_id"]:
        errors["scope_id"] = "Välj vilken enhet eller förvaltning som analyseras."
    if values["trigger"] not in TRIGGER_LABELS:
        errors["trigger"] = "Välj varför analysen görs."
    if values["trigger"] == "larger_change" and values["trigger_change"] not in CHANGE_LABELS:
        errors["trigger_change"] = "Välj vilken sorts förändring det är."
    if values["trigger"] == "other" and not values["trigger_note"]:
        errors["trigger_note"] = "Förklara varför analysen görs."
    if not _is_date(values["analysis_date"]):
        errors["analysis_date"] = "Skriv dagen som år-månad-dag, till exempel 2026-05-12."
    participants = [line.strip() for line in values["participants"].splitlines() if line.strip()]
    if errors:
        return _render_new(values, errors, 422)
    units, _trouble = _org_units()
    kind = next((u["kind"] for u in units or [] if u["id"] == values["scope_id"]), "unit")
    body = {"title": values["title"], "scope_type": SCOPE_OF_KIND.get(kind, "unit"), "scope_id": values["scope_id"],
            "trigger": values["trigger"], "participants": participants, "analysis_date": values["analysis_date"]}
    if values["trigger"] == "larger_change":
        body["trigger_change"] = values["trigger_change"]
    if values["trigger_note"]:
        body["trigger_note"] = values["trigger_note"]
    try:
        analysis = risks_api().post(ANALYSES, json=body, headers={"Idempotency-Key": values["idempotency_key"]})
    except ServiceUnavailable as error:
        return _render_new(values, {}, 503, [error.message])
    except ApiProblem as error:
        fields = {name: name for name in NEW_FIELDS}
        fields["scope_type"] = "scope_id"
        errors = _errors_of(error, fields)
        if error.code == "unknown_unit" or error.status == 403:
            errors = {"scope_id": error.message}
        return _render_new(values, errors, error.status if error.status in (403, 409, 422) else 422)
    flash("Riskanalysen är skapad. Lägg till riskerna och starta analysen.", "success")
    return redirect(url_for("risks.analysis", analysis_id=analysis["id"]), 303)


# --------------------------------------------------------------------------
# Riskanalysen
# --------------------------------------------------------------------------

def _load_analysis(analysis_id: str) -> dict:
    _require_uuid(analysis_id)
    return _get(f"{ANALYSES}/{analysis_id}")


def _matrix_of(version: int) -> dict:
    return risks_api().get(f"{MATRIX}/versions/{int(version)}")


def _blocked(analysis: dict) -> list[dict]:
    return [{"command": b["command"], "label": COMMAND_SHORT.get(b["command"], b["command"]),
             "reason": swedish(b.get("reason"))} for b in analysis.get("blocked_commands", [])]


def _may_run(analysis: dict) -> bool:
    """Whether the person runs this analysis: the API offers them its commands (allowed or blocked) only then;
    in the follow-up status there are none, and the person's role decides what is shown."""
    if analysis.get("allowed_commands") or analysis.get("blocked_commands"):
        return True
    person = current_person()
    return bool(person and person.has_any(*ANALYST_ROLES) and analysis["unit_id"] in person.org_units)


def render_analysis(analysis_id: str, *, status: int = 200, form: str | None = None, values: dict | None = None,
                    errors: dict | None = None, message: str | None = None):
    analysis = _load_analysis(analysis_id)
    risks = risks_api().get(f"{ANALYSES}/{analysis_id}/risks")
    runs = _may_run(analysis)
    is_open = analysis["status"] in OPEN_STATUSES
    return render_template(
        "risks/analysis.html", analysis=analysis, risks=risks, runs=runs, is_open=is_open,
        allowed=[{"command": c, "label": COMMAND_LABELS.get(c, c)} for c in analysis["allowed_commands"]],
        blocked=_blocked(analysis), status_labels=STATUS_LABELS, scope_labels=SCOPE_LABELS,
        trigger_labels=TRIGGER_LABELS, change_labels=CHANGE_LABELS, form=form, values=values or {},
        errors=errors or {}, message=message, etag=etag_of(analysis)), status


@blueprint.get("/riskanalyser/<analysis_id>")
@signin_required
def analysis(analysis_id):
    return render_analysis(analysis_id)


def _post(send, *, fallback, on_success, form: str, values: dict, fields: dict[str, str], success: str):
    """Run `send()`; on success flash `success` and redirect to `on_success()`, on refusal `fallback(...)`."""
    try:
        send()
    except ServiceUnavailable as error:
        return fallback(status=503, form=form, values=values, message=error.message)
    except ApiProblem as error:
        if error.status == 404:
            raise NotFound() from error
        if error.status in (412, 428):
            return fallback(status=412, form=form, values=values, message=STALE)
        if error.status in (400, 403, 409, 422):
            return fallback(status=error.status, form=form, values=values, errors=_errors_of(error, fields))
        raise
    flash(success, "success")
    return redirect(on_success(), 303)


def _if_match() -> dict:
    return {"If-Match": request.form.get("etag", "")}


def _key() -> str:
    key = request.form.get("idempotency_key", "")
    return key if 8 <= len(key) <= 100 else client.new_idempotency_key()


@blueprint.post("/riskanalyser/<analysis_id>/overgang")
@signin_required
def transition(analysis_id):
    _require_uuid(analysis_id)
    command = request.form.get("command", "")
    label = COMMAND_SHORT.get(command, command)
    return _post(lambda: risks_api().post(f"{ANALYSES}/{analysis_id}/transitions", json={"command": command},
                                          headers=_if_match()),
                 fallback=lambda **kw: render_analysis(analysis_id, **kw),
                 on_success=lambda: url_for("risks.analysis", analysis_id=analysis_id, _anchor="hantera"),
                 form="transition", values={"command": command}, fields={}, success=f"Klart: {label.lower()}.")


@blueprint.post("/riskanalyser/<analysis_id>/risker")
@signin_required
def add_risk(analysis_id):
    _require_uuid(analysis_id)
    values = {"description": request.form.get("description", "").strip(),
              "causes": request.form.get("causes", ""), "idempotency_key": _key()}
    causes = [line.strip() for line in values["causes"].splitlines() if line.strip()]
    errors = {}
    if not values["description"]:
        errors["description"] = "Skriv vad som kan hända."
    elif len(values["description"]) > TEXT_MAX:
        errors["description"] = f"Texten får vara högst {TEXT_MAX} tecken."
    if errors:
        return render_analysis(analysis_id, status=422, form="add_risk", values=values, errors=errors)
    created = {}

    def send():
        created.update(risks_api().post(f"{ANALYSES}/{analysis_id}/risks",
                                        json={"description": values["description"], "causes": causes},
                                        headers={"Idempotency-Key": values["idempotency_key"]}))

    return _post(send, fallback=lambda **kw: render_analysis(analysis_id, **kw),
                 on_success=lambda: url_for("risks.risk", analysis_id=analysis_id, risk_id=created["id"]),
                 form="add_risk", values=values, fields={"description": "description", "causes": "causes"},
                 success="Risken är tillagd. Bedöm nu sannolikhet och konsekvens.")


# --------------------------------------------------------------------------
# Risken: scoring, actions, escalation
# --------------------------------------------------------------------------

def _ancestors(units: list[dict] | None, unit_id: str) -> list[dict]:
    """The units above `unit_id`, nearest first: where a risk can be escalated."""
    if not units:
        return []
    by_id = {u["id"]: u for u in units}
    found, current = [], by_id.get(unit_id)
    while current and current.get("parent_id") in by_id and len(found) < 20:
        current = by_id[current["parent_id"]]
        found.append(dict(current, label=f"{current['name']} ({KIND_LABELS.get(current['kind'], current['kind'])})"))
    return found


def render_risk(analysis_id: str, risk_id: str, *, status: int = 200, form: str | None = None,
                values: dict | None = None, errors: dict | None = None, message: str | None = None,
                action_id: str | None = None):
    _require_uuid(analysis_id, risk_id)
    analysis = _load_analysis(analysis_id)
    risk = _get(f"{ANALYSES}/{analysis_id}/risks/{risk_id}")
    matrix = _matrix_of(risk["matrix_version"])
    actions = risks_api().get(f"{ANALYSES}/{analysis_id}/risks/{risk_id}/actions")
    units, trouble = _org_units()
    names = {u["id"]: u["name"] for u in units or []}
    person = current_person()
    runs = _may_run(analysis)
    is_open = analysis["status"] in OPEN_STATUSES
    holder_is_mine = risk["holder_unit_id"] == analysis["unit_id"] and runs or (
        person.has_any(*ANALYST_ROLES) and risk["holder_unit_id"] in person.org_units)
    pending = risk.get("escalation_status") == "pending"
    levels = {level["code"]: level for level in matrix["levels"]}
    return render_template(
        "risks/risk.html", analysis=analysis, risk=risk, matrix=matrix, actions=actions, runs=runs,
        is_open=is_open, can_score=runs and is_open, can_manage_actions=runs and analysis["status"] != "followed_up",
        can_escalate=holder_is_mine and not pending, pending=pending,
        targets=_ancestors(units, risk["holder_unit_id"]), unit_names=names, trouble=trouble,
        scoring_kinds=SCORING_KINDS, action_status=ACTION_STATUS, escalation_status=ESCALATION_STATUS,
        status_labels=STATUS_LABELS, levels=levels, form=form, values=values or {}, errors=errors or {},
        message=message, form_action_id=action_id, me=person.subject if person else "",
        default_kind="residual" if risk.get("initial") else "initial"), status


@blueprint.get("/riskanalyser/<analysis_id>/risker/<risk_id>")
@signin_required
def risk(analysis_id, risk_id):
    return render_risk(analysis_id, risk_id)


def _risk_fallback(analysis_id, risk_id, action_id=None):
    return lambda **kw: render_risk(analysis_id, risk_id, action_id=action_id, **kw)


def _risk_url(analysis_id, risk_id, anchor=None):
    return lambda: url_for("risks.risk", analysis_id=analysis_id, risk_id=risk_id, _anchor=anchor)


def _step(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 2 else None


@blueprint.post("/riskanalyser/<analysis_id>/risker/<risk_id>/bedomning")
@signin_required
def score(analysis_id, risk_id):
    _require_uuid(analysis_id, risk_id)
    values = {name: request.form.get(name, "") for name in ("probability", "consequence", "kind")}
    values["idempotency_key"] = _key()
    errors = {}
    if _step(values["probability"]) is None:
        errors["probability"] = "Välj hur sannolikt det är."
    if _step(values["consequence"]) is None:
        errors["consequence"] = "Välj hur allvarlig konsekvensen blir."
    if values["kind"] not in SCORING_KINDS:
        errors["kind"] = "Välj om bedömningen gäller före eller efter åtgärder."
    if errors:
        return render_risk(analysis_id, risk_id, status=422, form="score", values=values, errors=errors)
    scored = {}

    def send():
        scored.update(risks_api().post(
            f"{ANALYSES}/{analysis_id}/risks/{risk_id}/scorings",
            json={"probability": _step(values["probability"]), "consequence": _step(values["consequence"]),
                  "kind": values["kind"]}, headers={"Idempotency-Key": values["idempotency_key"]}))

    result = _post(send, fallback=_risk_fallback(analysis_id, risk_id), on_success=_risk_url(analysis_id, risk_id,
                                                                                              "bedomning"),
                   form="score", values=values,
                   fields={"probability": "probability", "consequence": "consequence", "kind": "kind"},
                   success="Bedömningen är sparad.")
    current = scored.get(values["kind"])
    if current:  # the computed score and level, said in words after the fact
        flash(f"Riskvärde {current['score']}: {current['level_label'].lower()} risk.", "success")
    return result


@blueprint.post("/riskanalyser/<analysis_id>/risker/<risk_id>/atgarder")
@signin_required
def add_action(analysis_id, risk_id):
    _require_uuid(analysis_id, risk_id)
    values = {name: request.form.get(name, "").strip() for name in ("title", "owner", "due_date", "description")}
    values["idempotency_key"] = _key()
    errors = {}
    if not values["title"]:
        errors["title"] = "Skriv vad som ska göras."
    if not values["owner"]:
        errors["owner"] = "Skriv vem som är ansvarig (användar-id)."
    if not _is_date(values["due_date"]):
        errors["due_date"] = "Skriv sista dag som år-månad-dag, till exempel 2026-09-30."
    if errors:
        return render_risk(analysis_id, risk_id, status=422, form="add_action", values=values, errors=errors)
    body = {"title": values["title"], "owner": values["owner"], "due_date": values["due_date"]}
    if values["description"]:
        body["description"] = values["description"]
    return _post(lambda: risks_api().post(f"{ANALYSES}/{analysis_id}/risks/{risk_id}/actions", json=body,
                                          headers={"Idempotency-Key": values["idempotency_key"]}),
                 fallback=_risk_fallback(analysis_id, risk_id), on_success=_risk_url(analysis_id, risk_id, "atgarder"),
                 form="add_action", values=values,
                 fields={name: name for name in ("title", "owner", "due_date", "description")},
                 success="Åtgärden är tillagd.")


@blueprint.post("/riskanalyser/<analysis_id>/risker/<risk_id>/atgarder/<action_id>/klar")
@signin_required
def complete_action(analysis_id, risk_id, action_id):
    _require_uuid(analysis_id, risk_id, action_id)
    values = {"effect_followup": request.form.get("effect_followup", "")}
    if not values["effect_followup"].strip():
        return render_risk(analysis_id, risk_id, status=422, form="complete", values=values, action_id=action_id,
                           errors={"effect_followup": "Skriv hur effekten av åtgärden följs upp."})
    return _post(lambda: risks_api().post(
        f"{ANALYSES}/{analysis_id}/risks/{risk_id}/actions/{action_id}/transitions",
        json={"command": "complete", "effect_followup": values["effect_followup"].strip()}, headers=_if_match()),
        fallback=_risk_fallback(analysis_id, risk_id, action_id),
        on_success=_risk_url(analysis_id, risk_id, "atgarder"),
        form="complete", values=values, fields={"effect_followup": "effect_followup"},
        success="Åtgärden är klar. Bedöm gärna risken igen efter åtgärden.")


@blueprint.post("/riskanalyser/<analysis_id>/risker/<risk_id>/eskalera")
@signin_required
def escalate(analysis_id, risk_id):
    _require_uuid(analysis_id, risk_id)
    values = {"to_unit_id": request.form.get("to_unit_id", "").strip(),
              "reason": request.form.get("reason", "").strip(), "idempotency_key": _key()}
    errors = {}
    if not UUID_PATTERN.match(values["to_unit_id"]):
        errors["to_unit_id"] = "Välj vilken nivå som ska ta emot risken."
    if not values["reason"]:
        errors["reason"] = "Skriv varför risken inte kan hanteras på enheten."
    if errors:
        return render_risk(analysis_id, risk_id, status=422, form="escalate", values=values, errors=errors)
    return _post(lambda: risks_api().post(f"{ANALYSES}/{analysis_id}/risks/{risk_id}/escalations",
                                          json={"to_unit_id": values["to_unit_id"], "reason": values["reason"]},
                                          headers={"Idempotency-Key": values["idempotency_key"]}),
                 fallback=_risk_fallback(analysis_id, risk_id),
                 on_success=_risk_url(analysis_id, risk_id, "eskalering"),
                 form="escalate", values=values, fields={"to_unit_id": "to_unit_id", "reason": "reason"},
                 success="Risken är eskalerad. Den väntar nu på svar från nivån du valde.")


# --------------------------------------------------------------------------
# Eskalerade risker: the receiving level's answers
# --------------------------------------------------------------------------

def _subtree(units: list[dict] | None, roots) -> set[str]:
    found = set(roots)
    if not units:
        return found
    changed = True
    while changed:
        changed = False
        for unit in units:
            if unit.get("parent_id") in found and unit["id"] not in found:
                found.add(unit["id"])
                changed = True
    return found


def render_escalations(*, status: int = 200, form: str | None = None, values: dict | None = None,
                       errors: dict | None = None, message: str | None = None, escalation_id: str | None = None):
    person = current_person()
    notices = []
    try:
        pending = risks_api().get(ESCALATIONS, params={"status": "pending", "limit": "100"})["items"]
        answered = risks_api().get(ESCALATIONS, params=[("status", "accepted"), ("status", "returned"),
                                                        ("limit", "20")])["items"]
    except ServiceUnavailable as error:
        return render_template("risks/escalations.html", pending=None, answered=None, notices=[error.message],
                               form=form, values=values or {}, errors=errors or {}, message=message,
                               unit_names={}, escalation_status=ESCALATION_STATUS,
                               form_escalation_id=escalation_id), 503
    units, trouble = _org_units()
    if trouble:
        notices.append(trouble)
    mine = _subtree(units, person.org_units)
    names = {u["id"]: u["name"] for u in units or []}

    def with_risk(item):
        try:
            risk = risks_api().get(f"{ANALYSES}/{item['analysis_id']}/risks/{item['risk_id']}")
        except ApiProblem:
            risk = None
        return dict(item, risk=risk)

    # The receiving level's: escalated to one of the person's units (or one below them).
    pending = [with_risk(item) for item in pending if item["to_unit_id"] in mine]
    answered = [item for item in answered if item["to_unit_id"] in mine]
    return render_template("risks/escalations.html", pending=pending, answered=answered, notices=notices,
                           form=form, values=values or {}, errors=errors or {}, message=message, unit_names=names,
                           escalation_status=ESCALATION_STATUS, may_decide=_is_analyst(),
                           form_escalation_id=escalation_id), status


@blueprint.get("/eskalerade-risker")
@signin_required
def escalations():
    return render_escalations()


@blueprint.post("/eskalerade-risker/<escalation_id>/svar")
@signin_required
def decide(escalation_id):
    _require_uuid(escalation_id)
    values = {"decision": request.form.get("decision", ""), "reason": request.form.get("reason", "").strip()}
    errors = {}
    if values["decision"] not in ("accept", "return"):
        errors["decision"] = "Välj om risken tas emot eller skickas tillbaka."
    elif values["decision"] == "return" and not values["reason"]:
        errors["reason"] = "Skriv varför risken skickas tillbaka."
    if errors:
        return render_escalations(status=422, form="decide", values=values, errors=errors,
                                  escalation_id=escalation_id)
    body = {"decision": values["decision"]}
    if values["reason"]:
        body["reason"] = values["reason"]
    return _post(lambda: risks_api().post(f"{ESCALATIONS}/{escalation_id}/decision", json=body,
                                          headers=_if_match()),
                 fallback=lambda **kw: render_escalations(escalation_id=escalation_id, **kw),
                 on_success=lambda: url_for("risks.escalations"), form="decide", values=values,
                 fields={"decision": "decision", "reason": "reason"},
                 success="Risken är mottagen." if values["decision"] == "accept"
                 else "Risken är skickad tillbaka med ditt skäl.")


@blueprint.app_template_filter("risk_step")
def risk_step(steps: list[dict], value) -> str:
    return next((s["label"] for s in steps if s["value"] == value), str(value))
