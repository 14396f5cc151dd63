"""Styrdokument: the governing documents for the person's units, a document's page (its text rendered safely,
its version, who established it and when, its review date, its versions), and for those allowed: drafting,
editing, putting up for approval, establishing and sending back, through the processes service's documents API.

The services decide who may do what; the pages offer what the API says the person may (may_edit, may_decide,
may_draft). Every change sends the ETag the page was built from; when someone else changed the version
meanwhile (412) the page is shown again, fresh, with a notice.
"""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, get_flashed_messages, redirect, render_template, request, url_for
from ordning_shared import http
from ordning_shared.markdown import render as render_markdown

from . import client
from .client import ApiProblem
from .signin import current_person, signin_required

blueprint = Blueprint("documents", __name__)

DOCUMENTS = "/api/v1/documents"
KIND_LABELS = {"rutin": "Rutin", "checklista": "Checklista", "riktlinje": "Riktlinje", "instruktion": "Instruktion",
               "policy": "Policy", "plan": "Plan", "annat": "Annat styrdokument"}
STALE = "Någon annan har ändrat versionen under tiden. Sidan visar nu hur den ser ut; kontrollera och försök igen."
DRAFTER_ROLES = ("administrator", "kvalitetsutvecklare", "enhetschef", "verksamhetschef", "forvaltningschef",
                 "processagare", "processledare", "mas", "mar")


def _uuid_or_404(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        abort(404)


def _api_or_flash(call, success: str) -> None:
    try:
        call()
        flash(success)
    except ApiProblem as problem:
        flash(STALE if problem.status == 412 else problem.message)


@blueprint.get("/styrdokument")
@signin_required
def index():
    params = {"limit": "50"}
    kind = request.args.get("typ", "")
    q = request.args.get("sok", "").strip()[:200]
    if kind in KIND_LABELS:
        params["kind"] = kind
    if q:
        params["q"] = q
    cursor = request.args.get("efter")
    if cursor:
        params["cursor"] = cursor[:512]
    try:
        page = client.processes().get(DOCUMENTS, params=params)
    except ApiProblem:
        abort(400)
    units = {u["id"]: u["name"] for u in client.processes().get("/api/v1/org-units")["items"]}
    may_draft = current_person().has_any(*DRAFTER_ROLES)
    return render_template("documents/index.html", documents=page["items"], next_cursor=page.get("next_cursor"),
                           kinds=KIND_LABELS, kind=kind, q=q, units=units, may_draft=may_draft,
                           notices=get_flashed_messages())


def _version_page(document_id: str, number: int | None = None):
    api = client.processes()
    document = api.get(f"{DOCUMENTS}/{document_id}")
    version = document["version"] if number is None else api.get(f"{DOCUMENTS}/{document_id}/versions/{number}")
    versions = api.get(f"{DOCUMENTS}/{document_id}/versions")["items"]
    units = {u["id"]: u["name"] for u in api.get("/api/v1/org-units", params={"include_closed": "true"})["items"]}
    return render_template(
        "documents/document.html", document=document, version=version, versions=versions, units=units,
        kinds=KIND_LABELS, body_html=render_markdown(version["body"]),
        etag=http.etag(f"{document['id']}.{version['number']}", version["revision"]),
        notices=get_flashed_messages())


@blueprint.get("/styrdokument/<document_id>")
@signin_required
def document(document_id: str):
    return _version_page(_uuid_or_404(document_id))


@blueprint.get("/styrdokument/<document_id>/versioner/<int:number>")
@signin_required
def version(document_id: str, number: int):
    return _version_page(_uuid_or_404(document_id), number)


def _back(document_id: str, number: int):
    return redirect(url_for("documents.version", document_id=document_id, number=number))


def _command(document_id: str, number: int, command: str, body: dict, success: str):
    document_id = _uuid_or_404(document_id)
    _api_or_flash(lambda: client.processes().post(
        f"{DOCUMENTS}/{document_id}/versions/{number}/{command}", json=body,
        headers={"If-Match": request.form.get("etag", "")}), success)
    return _back(document_id, number)


@blueprint.post("/styrdokument/<document_id>/versioner/<int:number>/andra")
@signin_required
def edit(document_id: str, number: int):
    document_id = _uuid_or_404(document_id)
    body = {"title": request.form.get("title", "").strip(), "body": request.form.get("body", "")}
    _api_or_flash(lambda: client.processes().request(
        "PATCH", f"{DOCUMENTS}/{document_id}/versions/{number}", json=body,
        headers={"If-Match": request.form.get("etag", "")}), "Utkastet är sparat.")
    return _back(document_id, number)


@blueprint.post("/styrdokument/<document_id>/versioner/<int:number>/lamna")
@signin_required
def submit(document_id: str, number: int):
    return _command(document_id, number, "submit", {}, "Versionen är lämnad för beslut.")


@blueprint.post("/styrdokument/<document_id>/versioner/<int:number>/faststall")
@signin_required
def establish(document_id: str, number: int):
    body = {"decision_reference": request.form.get("decision_reference", "").strip(),
            "review_date": request.form.get("review_date", "").strip()}
    return _command(document_id, number, "establish", body, "Versionen är fastställd.")


@blueprint.post("/styrdokument/<document_id>/versioner/<int:number>/avvisa")
@signin_required
def reject(document_id: str, number: int):
    body = {"reason": request.form.get("reason", "").strip()}
    return _command(document_id, number, "reject", body, "Versionen är skickad tillbaka till utkast.")


@blueprint.post("/styrdokument/<document_id>/ny-version")
@signin_required
def new_version(document_id: str):
    document_id = _uuid_or_404(document_id)
    try:
        created = client.processes().post(f"{DOCUMENTS}/{document_id}/versions", json={})
    except ApiProblem as problem:
        flash(problem.message)
        return redirect(url_for("documents.document", document_id=document_id))
    flash("En ny version är skapad som utkast.")
    return _back(document_id, created["number"])


@blueprint.route("/styrdokument/nytt", methods=["GET", "POST"])
@signin_required
def create():
    api = client.processes()
    units = sorted(api.get("/api/v1/org-units")["items"], key=lambda u: u["name"].casefold())
    form = {"kind": "rutin", "owner_unit_id": "", "title": "", "body": "",
            "key": request.form.get("idempotency_key") or client.new_idempotency_key()}
    error = None
    if request.method == "POST":
        form.update({name: request.form.get(name, "").strip() for name in ("kind", "owner_unit_id", "title")})
        form["body"] = request.form.get("body", "")
        try:
            created = api.post(DOCUMENTS, json={k: form[k] for k in ("kind", "owner_unit_id", "title", "body")},
                               headers={"Idempotency-Key": form["key"]})
            flash("Utkastet är skapat.")
            return _back(created["id"], created["version"]["number"])
        except ApiProblem as problem:
            error = problem.message
    return render_template("documents/new.html", form=form, units=units, kinds=KIND_LABELS, error=error), \
        (422 if error else 200)
