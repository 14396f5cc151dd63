"""Processkarta: a förvaltning's processes by kind (huvud-, lednings-, stödprocesser), each with its delprocesser
and its steps in order, roles, in and out, and samverkan; a process's page with its versions; editing a draft,
establishing it and starting a revision (for a processägare or an administrator); copying a template.

Everything goes through the processes service's API (/api/v1/processes, /api/v1/process-templates); each change
carries the ETag the page was built from (If-Match), and a 412 shows the page again from the fresh process.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from ordning_shared import http

from . import client
from .client import ApiProblem, ServiceUnavailable
from .signin import current_person, signin_required

blueprint = Blueprint("process_map", __name__)

# The processes service lets these roles change processes (its PROCESS_WRITER_ROLES).
WRITER_ROLES = ("administrator", "processagare")
PROCESSES, TEMPLATES, UNITS = "/api/v1/processes", "/api/v1/process-templates", "/api/v1/org-units"
KINDS = {"huvudprocess": "Huvudprocesser", "ledningsprocess": "Ledningsprocesser", "stodprocess": "Stödprocesser"}
KIND_ONE = {"huvudprocess": "Huvudprocess", "ledningsprocess": "Ledningsprocess", "stodprocess": "Stödprocess"}
STATUS = {"draft": "Utkast", "established": "Fastställd", "superseded": "Ersatt"}
ROLES = {"namnd": "Nämnd", "forvaltningschef": "Förvaltningschef", "verksamhetschef": "Verksamhetschef",
         "enhetschef": "Enhetschef", "mas": "MAS", "mar": "MAR", "kvalitetsutvecklare": "Kvalitetsutvecklare",
         "processagare": "Processägare", "processledare": "Processledare", "styrgrupp": "Styrgrupp",
         "processutvecklingsgrupp": "Processutvecklingsgrupp", "processgrupp": "Processgrupp",
         "resursagare": "Resursägare"}
STALE = "Någon annan har ändrat processen under tiden. Sidan visar nu hur den ser ut; kontrollera och skicka igen."
LINES_MAX = 30


def _writer() -> bool:
    return current_person().has_any(*WRITER_ROLES)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()][:LINES_MAX]


def _shown(process: dict) -> dict | None:
    return process.get("established") or process.get("draft")


def _map(processes: list[dict]) -> dict[str, list[dict]]:
    """kind -> [{"process", "children"}]: the processes of their own, each with its delprocesser nested."""
    ids = {p["id"] for p in processes}
    children: dict = {}
    for process in processes:
        parent = process.get("parent_id") if process.get("parent_id") in ids else None
        children.setdefault(parent, []).append(process)

    def nodes(parent):
        return [{"process": p, "version": _shown(p), "children": nodes(p["id"])}
                for p in sorted(children.get(parent, []), key=lambda p: (_shown(p) or {}).get("name", "").casefold())]
    grouped: dict[str, list] = {kind: [] for kind in KINDS}
    for node in nodes(None):
        grouped.setdefault(node["process"]["kind"], []).append(node)
    return grouped


@blueprint.get("/processkarta")
@signin_required
def overview():
    api = client.processes()
    administrations = api.get(UNITS, params={"kind": "administration"})["items"]
    chosen = request.args.get("forvaltning") or (administrations[0]["id"] if administrations else None)
    if chosen is not None and chosen not in {u["id"] for u in administrations}:
        abort(404)
    processes = api.get(PROCESSES, params={"unit_id": chosen})["items"] if chosen else []
    templates = api.get(TEMPLATES)["items"] if _writer() else []
    return render_template("processes/map.html", administrations=administrations, chosen=chosen,
                           grouped=_map(processes), kinds=KINDS, roles=ROLES, templates=templates,
                           writer=_writer(), idempotency_key=client.new_idempotency_key())


@blueprint.post("/processkarta/mall")
@signin_required
def copy_template():
    if not _writer():
        abort(403)
    code, unit_id = request.form.get("code", ""), request.form.get("unit_id", "")
    key = request.form.get("idempotency_key", "")
    try:
        copied = client.processes().post(f"{TEMPLATES}/{code}/copy", json={"unit_id": unit_id},
                                         headers={"Idempotency-Key": key if 8 <= len(key) <= 100
                                                  else client.new_idempotency_key()})
    except (ApiProblem, ServiceUnavailable) as problem:
        flash(problem.message)
        return redirect(url_for("process_map.overview"), 303)
    flash(f"Mallen är kopierad till ett utkast: {copied['draft']['name']}.")
    return redirect(url_for("process_map.process", process_id=copied["id"]), 303)


def _process_page(process_id: str, status: int = 200, error: str | None = None, form: dict | None = None):
    api = client.processes()
    try:
        process = api.get(f"{PROCESSES}/{process_id}")
    except ApiProblem as problem:
        abort(problem.status if problem.status in (403, 404) else 502)
    number = request.args.get("version", type=int)
    shown = None
    if number is not None:
        if number not in {v["number"] for v in process["versions"]}:
            abort(404)
        shown = api.get(f"{PROCESSES}/{process_id}/versions/{number}")
    return render_template("processes/process.html", process=process, shown=shown or _shown(process),
                           kind=KIND_ONE.get(process["kind"], process["kind"]), roles=ROLES, status=STATUS,
                           writer=_writer(), etag=http.etag(process["id"], process["revision"]), error=error,
                           form=form or {}), status


@blueprint.get("/processer/<uuid:process_id>")
@signin_required
def process(process_id):
    return _process_page(str(process_id))


def _change(process_id: str, method: str, path: str, body: dict, done: str, form: dict | None = None):
    if not _writer():
        abort(403)
    try:
        client.processes().request(method, path, json=body, headers={"If-Match": request.form.get("etag", "")})
    except ServiceUnavailable as error:
        return _process_page(process_id, 503, error.message, form)
    except ApiProblem as problem:
        return _process_page(process_id, problem.status, STALE if problem.status == 412 else problem.message, form)
    flash(done)
    return redirect(url_for("process_map.process", process_id=process_id), 303)


@blueprint.post("/processer/<uuid:process_id>/utkast")
@signin_required
def edit_draft(process_id):
    process_id = str(process_id)
    if not _writer():
        abort(403)
    draft = client.processes().get(f"{PROCESSES}/{process_id}").get("draft")
    if draft is None:
        return _process_page(process_id, 409, "Processen har inget utkast att ändra.")
    steps = []
    for step in draft["steps"]:
        prefix = f"steg-{step['id']}-"
        if request.form.get(prefix + "ta-bort"):
            continue
        steps.append({"id": step["id"], "name": request.form.get(prefix + "namn", "").strip() or step["name"],
                      "description": request.form.get(prefix + "beskrivning", "").strip() or None,
                      "roles": [r for r in request.form.getlist(prefix + "roller") if r in ROLES],
                      "inputs": _lines(request.form.get(prefix + "in", "")),
                      "outputs": _lines(request.form.get(prefix + "ut", "")),
                      "samverkan": [{"actor": s["actor"], "note": s["note"]} for s in step["samverkan"]]})
    new_step = request.form.get("nytt-steg", "").strip()
    if new_step:
        steps.append({"name": new_step})
    name = request.form.get("namn", "").strip()
    if not name:
        return _process_page(process_id, 422, "Skriv processens namn.", dict(request.form))
    body = {"name": name, "purpose": request.form.get("syfte", "").strip() or None, "steps": steps}
    return _change(process_id, "PATCH", f"{PROCESSES}/{process_id}/draft", body, "Utkastet är sparat.",
                   dict(request.form))


@blueprint.post("/processer/<uuid:process_id>/faststall")
@signin_required
def establish(process_id):
    process_id = str(process_id)
    body = {"decision_reference": request.form.get("beslut", "").strip() or None}
    if request.form.get("beslutsdatum", "").strip():
        body["established_on"] = request.form["beslutsdatum"].strip()
    return _change(process_id, "POST", f"{PROCESSES}/{process_id}/establish", body, "Processen är fastställd.",
                   dict(request.form))


@blueprint.post("/processer/<uuid:process_id>/revidera")
@signin_required
def revise(process_id):
    process_id = str(process_id)
    return _change(process_id, "POST", f"{PROCESSES}/{process_id}/revisions", {},
                   "Ett nytt utkast är påbörjat; den fastställda versionen gäller tills utkastet fastställs.")
