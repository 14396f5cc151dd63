"""Kodlistor: the tenant's code lists of the deviations service (GET /api/v1/code-lists) for the case page's forms,
and the administrator's or kvalitetsutvecklare's pages to edit them (/installningar/kodlistor).

The lists are the deviations service's tenant data (issue 14): defaults for every tenant, relabelled, retired and
added to by the tenant. A form offers a list's active entries; a record shows its code's label, a retired one's
too. The lists are read once per page (flask.g) and never copied here.
"""
from __future__ import annotations

import re

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from . import client
from .client import ApiError, ApiProblem, ServiceUnavailable
from .signin import roles_required

blueprint = Blueprint("codelists", __name__)

LISTS = "/api/v1/code-lists"
EDITOR_ROLES = ("administrator", "kvalitetsutvecklare")
CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
LABEL_MAX = 100
STALE = ("Någon annan har ändrat listan under tiden. Sidan visar nu hur den ser ut; kontrollera och spara "
         "igen.")


def _sentence(label: str) -> str:
    """A list's label as a form offers it: its first letter upper case ("per telefon" -> "Per telefon")."""
    return label[:1].upper() + label[1:]


def lists() -> dict[str, dict]:
    """The tenant's code lists by name, read once per request; {} if the service could not answer."""
    if "code_lists" not in g:
        try:
            g.code_lists = {item["name"]: item for item in client.deviations().get(LISTS)}
        except ApiError:
            g.code_lists = {}
    return g.code_lists


def choices(name: str, current: str | None = None) -> list[tuple[str, str]]:
    """(code, label) of the list's active entries in its order, and the record's `current` code though retired."""
    entries = lists().get(name, {}).get("entries", [])
    return [(e["code"], _sentence(e["label_sv"])) for e in entries if e["active"] or e["code"] == current]


def offers(name: str, code: str, current: str | None = None) -> bool:
    """Does the list offer `code` to a form (active, or the record's own)?"""
    return any(found == code for found, _label in choices(name, current))


def known(name: str, code: str) -> bool:
    """Is `code` an entry of the list, active or retired (the API decides whether a retired one is the record's)?
    With the lists unreadable, any code passes here: the API refuses what is not its list's."""
    found = lists()
    return name not in found or any(e["code"] == code for e in found[name]["entries"])


def needs_note(name: str, code: str) -> bool:
    entry = next((e for e in lists().get(name, {}).get("entries", []) if e["code"] == code), None)
    return bool(entry and entry.get("needs_note"))


# --------------------------------------------------------------------------
# The settings pages (administrator, kvalitetsutvecklare)
# --------------------------------------------------------------------------

def _editor_list(name: str):
    """The list and its ETag, or None when there is no such list (404)."""
    answer = client.deviations().response("GET", f"{LISTS}/{name}")
    return answer.json(), answer.headers.get("ETag", "")


@blueprint.get("/installningar/kodlistor")
@roles_required(*EDITOR_ROLES)
def overview():
    notices, found = [], []
    try:
        found = client.deviations().get(LISTS)
    except ApiError as error:
        notices.append((error.short if isinstance(error, ServiceUnavailable) else error.message)
                       + " Kodlistorna kan inte visas just nu.")
    return render_template("code_lists/overview.html", lists=found, notices=notices)


def _rows_from_form(count: int) -> list[dict]:
    rows = []
    for index in range(count):
        rows.append({"code": request.form.get(f"code_{index}", "").strip(),
                     "label_sv": request.form.get(f"label_{index}", ""),
                     "active": request.form.get(f"active_{index}") == "ja",
                     "needs_note": request.form.get(f"needs_note_{index}") == "ja",
                     "serious": request.form.get(f"serious_{index}") == "ja"})
    return rows


def _page(name: str, rows: list[dict] | None = None, errors: dict | None = None, etag: str | None = None,
          status: int = 200, message: str | None = None, new: dict | None = None):
    try:
        found, read_etag = _editor_list(name)
    except ApiProblem as problem:
        if problem.status == 404:
            return render_template("code_lists/overview.html", lists=[], notices=["Kodlistan finns inte."]), 404
        raise
    if rows is None:
        rows = [dict(e) for e in found["entries"]]
    return render_template("code_lists/edit.html", code_list=found, rows=rows, errors=errors or {},
                           etag=etag or read_etag, message=message, new=new or {}), status


@blueprint.get("/installningar/kodlistor/<name>")
@roles_required(*EDITOR_ROLES)
def edit(name):
    if not NAME.match(name):
        return render_template("code_lists/overview.html", lists=[], notices=["Kodlistan finns inte."]), 404
    return _page(name)


def _check(rows: list[dict], new: dict, errors: dict) -> None:
    for index, row in enumerate(rows):
        label = row["label_sv"].strip()
        if not label:
            errors[f"label_{index}"] = "Skriv en benämning."
        elif len(label) > LABEL_MAX:
            errors[f"label_{index}"] = f"Högst {LABEL_MAX} tecken."
    if new["code"] or new["label_sv"].strip():
        if not CODE.match(new["code"]):
            errors["new_code"] = ("Skriv en kod med små bokstäver utan prickar och ringar, siffror eller understreck, "
                                  "först en bokstav (högst 40 tecken).")
        elif any(row["code"] == new["code"] for row in rows):
            errors["new_code"] = "Koden finns redan i listan."
        if not new["label_sv"].strip():
            errors["new_label"] = "Skriv en benämning."
        elif len(new["label_sv"].strip()) > LABEL_MAX:
            errors["new_label"] = f"Högst {LABEL_MAX} tecken."


# The API's field errors ("entries.<i>.<field>") as the form's field names.
API_FIELDS = {"code": "code", "label_sv": "label", "needs_note": "needs_note", "serious": "serious",
              "active": "active"}


def _form_errors(problem: ApiProblem, count: int) -> dict:
    errors = {}
    for where, message in problem.field_errors.items():
        parts = where.split(".")
        if len(parts) == 3 and parts[0] == "entries" and parts[1].isdigit() and parts[2] in API_FIELDS:
            index = int(parts[1])
            field = API_FIELDS[parts[2]]
            errors[f"{field}_{index}" if index < count else f"new_{field}"] = message
        else:
            errors["_form"] = message
    return errors or {"_form": problem.message}


@blueprint.post("/installningar/kodlistor/<name>")
@roles_required(*EDITOR_ROLES)
def save(name):
    if not NAME.match(name):
        return render_template("code_lists/overview.html", lists=[], notices=["Kodlistan finns inte."]), 404
    try:
        count = min(int(request.form.get("count", "0")), 200)
    except ValueError:
        count = 0
    rows = _rows_from_form(count)
    new = {"code": request.form.get("new_code", "").strip(), "label_sv": request.form.get("new_label", ""),
           "needs_note": request.form.get("new_needs_note") == "ja",
           "serious": request.form.get("new_serious") == "ja"}
    errors: dict = {}
    _check(rows, new, errors)
    etag = request.form.get("etag", "")
    if errors:
        return _page(name, rows, errors, etag, 422, new=new)
    try:
        found, _ = _editor_list(name)
    except ApiProblem:
        return _page(name)
    has_note, has_serious = found["has_note"], found["has_serious"]
    entries = [{"code": row["code"], "label_sv": row["label_sv"].strip(), "active": row["active"],
                "needs_note": row["needs_note"] if has_note else None,
                "serious": row["serious"] if has_serious else None} for row in rows]
    if new["code"]:
        entries.append({"code": new["code"], "label_sv": new["label_sv"].strip(), "active": True,
                        "needs_note": new["needs_note"] if has_note else None,
                        "serious": new["serious"] if has_serious else None})
    try:
        client.deviations().request("PUT", f"{LISTS}/{name}", json={"entries": entries}, headers={"If-Match": etag})
    except ServiceUnavailable as error:
        return _page(name, rows, {"_form": error.message}, etag, 503, new=new)
    except ApiProblem as problem:
        if problem.status == 412:
            return _page(name, None, {"_form": STALE}, None, 412)
        return _page(name, rows, _form_errors(problem, count), etag,
                     problem.status if problem.status in (403, 404, 422, 428) else 422, new=new)
    flash("Kodlistan är sparad.", "success")
    return redirect(url_for("codelists.edit", name=name))
