"""Roller och ansvar: each role's duties per PDCA phase, and who holds which role at the person's units (and the
units above them); an administrator assigns and ends roles. Through the processes service's role APIs."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from ordning_shared import http

from . import client
from .client import ApiProblem, ServiceUnavailable
from .signin import current_person, signin_required

blueprint = Blueprint("roles", __name__)

ADMIN_ROLES = ("administrator",)
ASSIGNMENTS = "/api/v1/role-assignments"
# The roles in the order of the guideline's tables; medarbetare has duties but is never assigned.
ROLE_LABELS = {
    "namnd": "Nämnd", "forvaltningschef": "Förvaltningschef", "verksamhetschef": "Verksamhetschef",
    "enhetschef": "Enhetschef", "mas": "Medicinskt ansvarig sjuksköterska (MAS)",
    "mar": "Medicinskt ansvarig för rehabilitering (MAR)", "kvalitetsutvecklare": "Kvalitetsutvecklare",
    "processagare": "Processägare", "processledare": "Processledare", "styrgrupp": "Styrgrupp",
    "processutvecklingsgrupp": "Processutvecklingsgrupp", "processgrupp": "Processgrupp",
    "resursagare": "Resursägare", "medarbetare": "Medarbetare",
}
UNIT_ROLES = ("namnd", "forvaltningschef", "verksamhetschef", "enhetschef", "mas", "mar", "kvalitetsutvecklare")
STALE = "Någon annan har ändrat uppdraget under tiden. Sidan visar nu hur det ser ut."


@dataclass
class AssignForm:
    role: str = ""
    unit_id: str = ""
    user_id: str = ""
    display_name: str = ""
    valid_from: str = ""
    idempotency_key: str = ""
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_request(cls) -> "AssignForm":
        key = request.form.get("idempotency_key", "")
        return cls(**{name: request.form.get(name, "").strip()
                      for name in ("role", "unit_id", "user_id", "display_name", "valid_from")},
                   idempotency_key=key if 8 <= len(key) <= 100 else client.new_idempotency_key())

    def check(self) -> None:
        if self.role not in UNIT_ROLES:
            self.errors["role"] = "Välj en roll."
        if not self.unit_id:
            self.errors["unit_id"] = "Välj en enhet."
        if not self.user_id:
            self.errors["user_id"] = "Skriv användar-id:t."
        if not self.display_name:
            self.errors["display_name"] = "Skriv namnet."
        if not self.valid_from:
            self.errors["valid_from"] = "Skriv första dagen, till exempel 2026-01-01."


def _chain(units: dict, start: str) -> list[str]:
    """The unit and the units above it, nearest first."""
    chain = []
    while start in units and start not in chain:
        chain.append(start)
        start = units[start].get("parent_id")
    return chain


def _page(form: AssignForm | None = None, status: int = 200):
    person = current_person()
    is_admin = person.has_any(*ADMIN_ROLES)
    chosen = request.args.get("roll") or next((r for r in ROLE_LABELS if r in person.roles), "medarbetare")
    if chosen not in ROLE_LABELS:
        chosen = "medarbetare"
    api = client.processes()
    duties = api.get("/api/v1/role-duties", params={"role": chosen})["items"]
    units = {unit["id"]: unit for unit in api.get("/api/v1/org-units")["items"]}
    assignments = api.get(ASSIGNMENTS, params={"current": "true"})["items"]
    mine = {unit_id for own in person.org_units for unit_id in _chain(units, own)}
    rows = [{**item, "role_label": ROLE_LABELS.get(item["role"], item["role"]),
             "unit_name": units.get(item["unit_id"], {}).get("name", "Okänd enhet") if item["unit_id"] else "Process",
             "etag": http.etag(item["id"], item["version"])}
            for item in assignments if is_admin or item["unit_id"] in mine]
    form = form or AssignForm(idempotency_key=client.new_idempotency_key())
    return render_template("roles/index.html", roles=ROLE_LABELS, chosen=chosen, duties=duties, rows=rows,
                           is_admin=is_admin, form=form, unit_roles=UNIT_ROLES,
                           units=sorted(units.values(), key=lambda unit: unit["name"])), status


@blueprint.get("/roller")
@signin_required
def overview():
    try:
        return _page()
    except ServiceUnavailable as error:
        return render_template("roles/index.html", unavailable=error.message, roles=ROLE_LABELS, chosen="",
                               duties=[], rows=[], is_admin=False, form=None, unit_roles=UNIT_ROLES, units=[]), 503


@blueprint.post("/roller")
@signin_required
def assign():
    if not current_person().has_any(*ADMIN_ROLES):
        abort(403)
    form = AssignForm.from_request()
    form.check()
    if form.errors:
        return _page(form, 422)
    try:
        answer = client.processes().post(ASSIGNMENTS, json={
            "role": form.role, "unit_id": form.unit_id, "user_id": form.user_id, "display_name": form.display_name,
            "valid_from": form.valid_from}, headers={"Idempotency-Key": form.idempotency_key})
    except ApiProblem as problem:
        fields = ("role", "unit_id", "user_id", "display_name", "valid_from")
        form.errors.update({name: text for name, text in problem.field_errors.items() if name in fields})
        if not form.errors:
            form.errors["role"] = problem.message
        return _page(form, 422)
    flash(f"{answer['display_name']} är {ROLE_LABELS[answer['role']].lower()} från {answer['valid_from']}.")
    return redirect(url_for("roles.overview") + "#innehavare", 303)


@blueprint.post("/roller/<uuid:assignment_id>/avsluta")
@signin_required
def end(assignment_id):
    if not current_person().has_any(*ADMIN_ROLES):
        abort(403)
    try:
        answer = client.processes().post(f"{ASSIGNMENTS}/{assignment_id}/end", json={},
                                         headers={"If-Match": request.form.get("etag", "")})
    except ApiProblem as problem:
        flash(STALE if problem.status in (409, 412, 428) else problem.message)
        return redirect(url_for("roles.overview") + "#innehavare", 303)
    flash(f"Uppdraget som {ROLE_LABELS[answer['role']].lower()} för {answer['display_name']} är avslutat.")
    return redirect(url_for("roles.overview") + "#innehavare", 303)
