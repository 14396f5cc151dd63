"""Organisation: the administrator's view of the municipality's tree, and its changes (create, rename,
move, close) through the processes service's org-unit API.

Each change carries the ETag the person's page was built from (If-Match); when someone else changed the
unit meanwhile (412), the page is shown again from the fresh tree, with what the person wrote kept.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from ordning_shared import http

from . import client
from .client import ApiProblem, ServiceUnavailable
from .signin import roles_required

blueprint = Blueprint("organisation", __name__)

# The processes service lets this role change the tree (its WRITER_ROLES); others do not see the page.
ADMIN_ROLES = ("administrator",)
UNITS = "/api/v1/org-units"

KIND_LABELS = {
    "board": "Nämnd",
    "administration": "Förvaltning",
    "division": "Verksamhetsområde",
    "unit": "Enhet",
    "external_provider": "Utförare i privat regi",
}
STALE = "Någon annan har ändrat enheten under tiden. Sidan visar nu hur det ser ut; kontrollera och skicka igen."
# Where the API's rule problems belong on the forms.
CODE_FIELDS = {"invalid_parent": "parent_id", "parent_not_found": "parent_id", "cross_tenant": "parent_id",
               "cycle": "parent_id", "invalid_name": "name", "invalid_kind": "kind", "unit_closed": "name",
               "has_open_children": "close"}
NAME_MAX = 200


def etag(unit: dict) -> str:
    # The ETag the processes service gives a unit, made by the same function: its id and revision.
    return http.etag(unit["id"], unit["revision"])


@dataclass
class UnitForm:
    name: str = ""
    kind: str = ""
    parent_id: str = ""
    etag: str = ""
    idempotency_key: str = ""
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_request(cls) -> "UnitForm":
        key = request.form.get("idempotency_key", "")
        return cls(name=request.form.get("name", "").strip(), kind=request.form.get("kind", "").strip(),
                   parent_id=request.form.get("parent_id", "").strip(), etag=request.form.get("etag", ""),
                   idempotency_key=key if 8 <= len(key) <= 100 else client.new_idempotency_key())

    def check_name(self) -> None:
        if not self.name:
            self.errors["name"] = "Skriv ett namn."
        elif len(self.name) > NAME_MAX:
            self.errors["name"] = f"Namnet får vara högst {NAME_MAX} tecken."

    def take(self, problem: ApiProblem, fields: tuple[str, ...], fallback: str) -> None:
        """The API's refusal at its field: a field error, else the field its code belongs to, else `fallback`."""
        self.errors.update({name: text for name, text in problem.field_errors.items() if name in fields})
        target = CODE_FIELDS.get(problem.code)
        if not self.errors:
            self.errors[target if target in fields else fallback] = problem.message


admin_required = roles_required(*ADMIN_ROLES)


def _tree(units: list[dict]) -> list[dict]:
    """The units as nested nodes ({"unit", "children"}), roots first, each level by name."""
    children: dict = {}
    ids = {unit["id"] for unit in units}
    for unit in units:
        parent = unit.get("parent_id") if unit.get("parent_id") in ids else None
        children.setdefault(parent, []).append(unit)

    def nodes(parent):
        return [{"unit": unit, "children": nodes(unit["id"])}
                for unit in sorted(children.get(parent, []), key=lambda u: u["name"].casefold())]
    return nodes(None)


def _below(units: list[dict], unit_id: str) -> set[str]:
    """The unit and every unit under it: what it cannot be moved under."""
    found, stack = set(), [unit_id]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(u["id"] for u in units if u.get("parent_id") == current and u["id"] not in found)
    return found


def _units() -> list[dict]:
    return client.processes().get(UNITS)["items"]


def _find(units: list[dict], unit_id: str) -> dict:
    for unit in units:
        if unit["id"] == unit_id:
            return unit
    abort(404)


def _overview(form: UnitForm | None = None, status: int = 200, message: str | None = None):
    units = _units()
    form = form or UnitForm(idempotency_key=client.new_idempotency_key())
    return render_template("organisation/index.html", tree=_tree(units), units=units, form=form,
                           kinds=KIND_LABELS, notices=[message] if message else []), status


def _unit_page(unit_id: str, rename: UnitForm | None = None, move: UnitForm | None = None, status: int = 200,
               provider=None):
    units = _units()
    unit = _find(units, unit_id)
    rename = rename or UnitForm(name=unit["name"])
    move = move or UnitForm(parent_id=unit.get("parent_id") or "")
    rename.etag = move.etag = etag(unit)  # the fresh one: what the person now sees is what is sent next
    below = _below(units, unit_id)
    parents = sorted((u for u in units if u["id"] not in below), key=lambda u: u["name"].casefold())
    provider = provider or ProviderForm(chosen=bool(unit.get("external_provider")))
    return render_template("organisation/unit.html", unit=unit, tree=_tree(units), rename=rename, move=move,
                           parents=parents, kinds=KIND_LABELS, provider=provider, unit_etag=etag(unit)), status


@blueprint.get("/organisation")
@admin_required
def overview():
    return _overview()


@blueprint.post("/organisation")
@admin_required
def create():
    form = UnitForm.from_request()
    form.check_name()
    if form.kind not in KIND_LABELS:
        form.errors["kind"] = "Välj vilken sorts enhet det är."
    if form.errors:
        return _overview(form, 422)
    body = {"kind": form.kind, "name": form.name, "parent_id": form.parent_id or None}
    try:
        unit = client.processes().post(UNITS, json=body, headers={"Idempotency-Key": form.idempotency_key})
    except ServiceUnavailable as error:
        return _overview(form, 503, error.message)
    except ApiProblem as problem:
        form.take(problem, ("name", "kind", "parent_id"), "name")
        return _overview(form, problem.status)
    flash(f"{KIND_LABELS.get(unit['kind'], 'Enheten')} {unit['name']} är skapad.")
    return redirect(url_for("organisation.overview") + f"#enhet-{unit['id']}", 303)


@blueprint.get("/organisation/<uuid:unit_id>")
@admin_required
def unit(unit_id):
    return _unit_page(str(unit_id))


def _change(unit_id: str, form: UnitForm, which: str, call):
    """Send a change with If-Match; a 412 shows the unit page again from the fresh tree, the input kept."""
    fields = ("name",) if which == "rename" else ("parent_id",)
    forms = {"rename": None, "move": None, which: form}
    if form.errors:
        return _unit_page(unit_id, forms["rename"], forms["move"], 422)
    try:
        changed = call()
    except ApiProblem as problem:
        if problem.status == 412:
            form.errors[fields[0]] = STALE
        else:
            form.take(problem, fields, fields[0])
        return _unit_page(unit_id, forms["rename"], forms["move"], problem.status)
    return changed


@blueprint.post("/organisation/<uuid:unit_id>/namn")
@admin_required
def rename(unit_id):
    unit_id = str(unit_id)
    form = UnitForm.from_request()
    form.check_name()
    answer = _change(unit_id, form, "rename", lambda: client.processes().request(
        "PATCH", f"{UNITS}/{unit_id}", json={"name": form.name}, headers={"If-Match": form.etag}))
    if isinstance(answer, tuple):
        return answer
    flash(f"Namnet är ändrat till {answer['name']}.")
    return redirect(url_for("organisation.overview") + f"#enhet-{unit_id}", 303)


@blueprint.post("/organisation/<uuid:unit_id>/flytta")
@admin_required
def move(unit_id):
    unit_id = str(unit_id)
    form = UnitForm.from_request()
    answer = _change(unit_id, form, "move", lambda: client.processes().post(
        f"{UNITS}/{unit_id}/move", json={"parent_id": form.parent_id or None}, headers={"If-Match": form.etag}))
    if isinstance(answer, tuple):
        return answer
    flash(f"{answer['name']} är flyttad.")
    return redirect(url_for("organisation.overview") + f"#enhet-{unit_id}", 303)


@blueprint.get("/organisation/<uuid:unit_id>/stang")
@admin_required
def close_confirm(unit_id):
    units = _units()
    unit = _find(units, str(unit_id))
    return render_template("organisation/close.html", unit=unit, etag=etag(unit), kinds=KIND_LABELS, error=None)


@blueprint.post("/organisation/<uuid:unit_id>/stang")
@admin_required
def close(unit_id):
    unit_id = str(unit_id)
    try:
        answer = client.processes().post(f"{UNITS}/{unit_id}/close", json={},
                                         headers={"If-Match": request.form.get("etag", "")})
    except ApiProblem as problem:
        unit = _find(_units(), unit_id)
        error = STALE if problem.status == 412 else problem.message
        return render_template("organisation/close.html", unit=unit, etag=etag(unit), kinds=KIND_LABELS,
                               error=error), problem.status
    flash(f"{answer['name']} är stängd.")
    return redirect(url_for("organisation.overview"), 303)


@blueprint.post("/organisation/<uuid:unit_id>/utforare")
@admin_required
def external_provider(unit_id):
    """Mark the unit as an external provider (utförare i privat regi), which reports to IVO itself, or not."""
    unit_id = str(unit_id)
    chosen = request.form.get("external_provider") == "ja"
    try:
        answer = client.processes().request("PUT", f"{UNITS}/{unit_id}/external-provider",
                                            json={"external_provider": chosen},
                                            headers={"If-Match": request.form.get("etag", "")})
    except ApiProblem as problem:
        provider = ProviderForm(chosen=chosen, error=STALE if problem.status == 412 else problem.message)
        return _unit_page(unit_id, status=problem.status, provider=provider)
    flash(f"{answer['name']} är {'markerad' if chosen else 'inte längre markerad'} som utförare i privat regi.")
    return redirect(url_for("organisation.unit", unit_id=unit_id), 303)


@dataclass
class ProviderForm:
    """The external-provider checkbox as the person sent it, and the refusal, if any (kept on a 412)."""
    chosen: bool = False
    error: str | None = None
