"""Klassificering: a case's händelsetyp, consequence score and place, on the report form and the case page, and the
administrator's page for the tenant's händelsetyper and the places of its units (/klassificering).

The lists are the deviations service's tenant data: händelsetyper (Socialstyrelsen's and SKR's common terms by
default), places per unit, and the consequence scale of the tenant's risk matrix (the risks service's, copied).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import Blueprint, flash, redirect, render_template, request, url_for

from . import client
from .client import ApiError, ApiProblem, ServiceUnavailable
from .signin import roles_required, signin_required

blueprint = Blueprint("classification", __name__)

TYPES = "/api/v1/event-types"
PLACES = "/api/v1/places"
SCALE = "/api/v1/consequence-scale"
ADMIN_ROLES = ("administrator",)
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
LABEL_MAX = 100
STALE = "Någon annan har ändrat det under tiden. Sidan visar nu hur det ser ut; kontrollera och skicka igen."


def _short(error: ApiError) -> str:
    return error.short if isinstance(error, ServiceUnavailable) else error.message


# --------------------------------------------------------------------------
# The report form (Rapportera)
# --------------------------------------------------------------------------

def _places(unit_id: str) -> list[dict]:
    return client.deviations().get(PLACES, params={"unit_id": unit_id}) if UUID.match(unit_id or "") else []


def report_choices(unit_id: str) -> dict:
    """The händelsetyper and the chosen unit's places for the report form; what could not be read is said."""
    event_types, places, trouble = [], None, None
    try:
        event_types = client.deviations().get(TYPES)
        places = _places(unit_id) if unit_id else None
    except ApiError as error:
        trouble = _short(error) + " Listorna med händelsetyper och platser kan inte visas."
    return {"event_types": event_types, "places": places, "classification_trouble": trouble}


def report_body(event_type: str, place_id: str) -> dict:
    body = {}
    if event_type:
        body["event_type"] = event_type
    if place_id:
        body["place_id"] = place_id
    return body


@blueprint.get("/rapportera/platser")
@signin_required
def report_place_field():
    """The place field of the report form for a unit (htmx swaps it in when the unit changes)."""
    unit_id = request.args.get("unit_id", "")
    try:
        places = _places(unit_id) if unit_id else None
    except ApiError:
        places = None
    return render_template("classification/_place_field.html", places=places, unit_chosen=bool(unit_id),
                           place_error=None, chosen_place="")


# --------------------------------------------------------------------------
# The case page
# --------------------------------------------------------------------------

def case_model(case: dict, handler: bool, is_open: bool) -> dict:
    """What the case page's classification section needs: for a handler of an open case, the lists to choose from."""
    if not (handler and is_open):
        return {"can_classify": False}
    try:
        return {"can_classify": True, "event_types": client.deviations().get(TYPES),
                "case_places": _places(case["unit_id"]), "scale": client.deviations().get(SCALE)}
    except ApiError as error:
        return {"can_classify": False, "classification_trouble": _short(error)}


# --------------------------------------------------------------------------
# The administrator's page: händelsetyper and places
# --------------------------------------------------------------------------

@dataclass
class AdminForm:
    """One form of the page: `which` names it (new_type, type:<code>, new_place, place:<id>)."""
    which: str = ""
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)


def _units() -> list[dict]:
    units = client.processes().get("/api/v1/org-units")["items"]
    return sorted((u for u in units if not u.get("closed_at")), key=lambda u: u["name"])


def _admin_page(form: AdminForm | None = None, status: int = 200, message: str | None = None):
    form = form or AdminForm()
    unit_id = request.values.get("unit_id", "") if UUID.match(request.values.get("unit_id", "")) else ""
    notices = [message] if message else []
    event_types, units, places = [], [], []
    try:
        event_types = client.deviations().get(TYPES, params={"include_retired": "true"})
        units = _units()
        if unit_id:
            places = client.deviations().get(PLACES, params={"unit_id": unit_id, "include_retired": "true"})
    except ApiError as error:
        notices.append(_short(error) + " Allt kan inte visas just nu.")
    unit_name = next((u["name"] for u in units if u["id"] == unit_id), "")
    return render_template("classification/admin.html", form=form, event_types=event_types, units=units,
                           unit_id=unit_id, unit_name=unit_name, places=places, notices=notices,
                           new_key=client.new_idempotency_key), status


@blueprint.get("/klassificering")
@roles_required(*ADMIN_ROLES)
def admin():
    return _admin_page()


def _label(values: dict, name: str, errors: dict, what: str) -> str:
    text = values.get(name, "").strip()
    if not text:
        errors[name] = f"Skriv {what}."
    elif len(text) > LABEL_MAX:
        errors[name] = f"Högst {LABEL_MAX} tecken."
    return text


def _send(form: AdminForm, call, success: str, anchor: str, unit_id: str = ""):
    """Run one API call for `form`; on success back to the page with `success`, else the page with the refusal."""
    try:
        call()
    except ServiceUnavailable as error:
        return _admin_page(form, 503, error.message)
    except ApiProblem as problem:
        if problem.status == 412:
            return _admin_page(form, 412, STALE)
        form.errors.update({name: message for name, message in problem.field_errors.items()
                            if name in form.values} or {"_form": problem.message})
        return _admin_page(form, problem.status if problem.status in (403, 404, 409, 422, 428) else 422)
    flash(success, "success")
    return redirect(url_for("classification.admin", unit_id=unit_id or None, _anchor=anchor))


def _with_form_errors(form: AdminForm):
    return _admin_page(form, 422)


@blueprint.post("/klassificering/handelsetyper")
@roles_required(*ADMIN_ROLES)
def add_type():
    form = AdminForm("new_type", {"label": request.form.get("label", ""),
                                  "idempotency_key": request.form.get("idempotency_key", "")})
    label = _label(form.values, "label", form.errors, "händelsetypens namn")
    if form.errors:
        return _with_form_errors(form)
    key = form.values["idempotency_key"]
    headers = {"Idempotency-Key": key} if 8 <= len(key) <= 100 else {}
    return _send(form, lambda: client.deviations().post(TYPES, json={"label": label}, headers=headers),
                 f"Händelsetypen {label} är tillagd.", "handelsetyper")


@blueprint.post("/klassificering/handelsetyper/<code>")
@roles_required(*ADMIN_ROLES)
def change_type(code):
    if not CODE.match(code):
        return _admin_page(AdminForm(), 404, "Händelsetypen finns inte.")
    return _change(f"type:{code}", "label", f"{TYPES}/{code}", "Händelsetypen", f"typ-{code}")


def _change(which: str, name_field: str, path: str, what: str, anchor: str, unit_id: str = ""):
    """Rename (the form's `name_field`), retire or restore a händelsetyp or a place, with the ETag the page showed."""
    action = request.form.get("action", "rename")
    form = AdminForm(which, {name_field: request.form.get(name_field, "")})
    if action == "rename":
        body = {name_field: _label(form.values, name_field, form.errors, "ett namn")}
        success = f"{what} har bytt namn."
    else:
        body = {"retired": action == "retire"}
        success = f"{what} används inte längre för nya ärenden." if action == "retire" else f"{what} kan användas igen."
    if form.errors:
        return _with_form_errors(form)
    return _send(form, lambda: client.deviations().request(
        "PATCH", path, json=body, headers={"If-Match": request.form.get("etag", "")}), success, anchor, unit_id)


@blueprint.post("/klassificering/platser")
@roles_required(*ADMIN_ROLES)
def add_place():
    unit_id = request.form.get("unit_id", "")
    form = AdminForm("new_place", {"name": request.form.get("name", ""), "unit_id": unit_id,
                                   "idempotency_key": request.form.get("idempotency_key", "")})
    name = _label(form.values, "name", form.errors, "platsens namn")
    if not UUID.match(unit_id):
        form.errors["unit_id"] = "Välj en enhet."
    if form.errors:
        return _with_form_errors(form)
    key = form.values["idempotency_key"]
    headers = {"Idempotency-Key": key} if 8 <= len(key) <= 100 else {}
    return _send(form, lambda: client.deviations().post(PLACES, json={"unit_id": unit_id, "name": name},
                                                        headers=headers),
                 f"Platsen {name} är tillagd.", "platser", unit_id)


@blueprint.post("/klassificering/platser/<place_id>")
@roles_required(*ADMIN_ROLES)
def change_place(place_id):
    if not UUID.match(place_id):
        return _admin_page(AdminForm(), 404, "Platsen finns inte.")
    return _change(f"place:{place_id}", "name", f"{PLACES}/{place_id}", "Platsen", f"plats-{place_id[:8]}",
                   request.form.get("unit_id", ""))


@blueprint.post("/arenden/<deviation_id>/klassificering")
@signin_required
def classify_case(deviation_id):
    """A handler sets the case's händelsetyp, consequence (a step of the matrix version shown) and place at once."""
    from . import case as page  # the case page's reading and posting

    page._require_uuid(deviation_id)
    values = {name: request.form.get(name, "").strip()
              for name in ("event_type", "consequence_score", "matrix_version", "place_id")}
    errors = {}
    if values["event_type"] and not CODE.match(values["event_type"]):
        errors["event_type"] = "Välj en händelsetyp i listan."
    if values["consequence_score"] and not values["consequence_score"].isdigit():
        errors["consequence_score"] = "Välj en konsekvens i listan."
    if values["place_id"] and not UUID.match(values["place_id"]):
        errors["place_id"] = "Välj en plats i listan."
    if errors:
        return page.render_case(deviation_id, status=422, form="classification", values=values, errors=errors)
    body = {"event_type": values["event_type"] or None, "place_id": values["place_id"] or None,
            "consequence_score": int(values["consequence_score"]) if values["consequence_score"] else None}
    if values["consequence_score"] and values["matrix_version"].isdigit():
        body["matrix_version"] = int(values["matrix_version"])
    return page._post(deviation_id, "classification",
                      lambda: client.deviations().request(
                          "PATCH", f"/api/v1/deviations/{deviation_id}/classification", json=body,
                          headers=page._if_match()),
                      values, {"event_type": "event_type", "consequence_score": "consequence_score",
                               "place_id": "place_id", "matrix_version": "consequence_score"},
                      "Klassificeringen är sparad.")
