"""For citizens, without sign-in: leave a klagomål or synpunkt to a municipality, get a receipt, follow it.

The form is the deviations service's public feedback (POST /api/v1/public/{tenant}/feedback); the units are the
processes service's public list (GET /api/v1/public/{tenant}/org-units). The Idempotency-Key is made when the
form is shown and travels in it, so a double click or a reload of the receipt files one case, not two.
The receipt is rendered in the answer to the post, never put in a URL or the session: its secret is the
citizen's alone. Following a case sends the reference and the secret in a POST body, as the API wants.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, make_response, render_template, request

from . import client
from .client import ApiProblem, ServiceUnavailable

blueprint = Blueprint("citizen", __name__)


def _served(tenant: str) -> bool:
    """A code of the tenant configuration (ORDNING_WEB_TENANTS), when there is one: another is no page here."""
    settings = current_app.extensions["ordning_web"]
    return bool(TENANT_PATTERN.match(tenant)) and (not settings.tenants or settings.municipality(tenant) is not None)


@blueprint.context_processor
def _municipality() -> dict:
    """The municipality's name from the tenant configuration, for the pages to say whose form it is."""
    tenant = (request.view_args or {}).get("tenant") or ""
    return {"municipality": current_app.extensions["ordning_web"].municipality(tenant)}

TENANT_PATTERN = re.compile(r"^[0-9A-Za-z_-]{1,16}$")
REFERENCE_PATTERN = re.compile(r"^[0-9]{4}-[0-9]{6}$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,100}$")
KINDS = [("klagomal", "Klagomål", "Du är missnöjd med något och vill att kommunen rättar till det."),
         ("synpunkt", "Synpunkt", "Du har ett förslag eller en åsikt om hur något kan bli bättre.")]
UNIT_KINDS_FIRST = ("unit", "external_provider")  # where care is given: what most feedback is about
GROUPS = ("Verksamheter", "Nämnder och förvaltningar")
TOO_MANY = "Du har gjort för många försök. Vänta en stund och försök sedan igen."
NOT_FOUND = ("Vi hittade inget ärende med det numret och den koden. Kontrollera att du har skrivit av dem "
             "rätt från kvittot.")
LABELS = {"kind": "Vad vill du lämna", "unit_id": "Vilken verksamhet gäller det", "description": "Berätta",
          "anonymous": "Vill du vara anonym", "name": "Namn", "email": "E-post", "phone": "Telefon",
          "reference": "Ärendenummer", "secret": "Kod"}
TEXT_MAX = 10_000
DOWN = ("Vi kan inte ta emot det just nu, eftersom en av kommunens tjänster inte svarar. Det du skrev finns kvar: "
        "försök skicka igen om en stund.")


def _client_address() -> dict:
    """X-Forwarded-For for a public call, so that the service's rate limit per client counts the citizen, not the
    web. The web counts ORDNING_TRUSTED_PROXIES as the services do (ProxyFix, the entries its trusted proxies
    added) and passes on just those entries: a service counting the same proxies reads the citizen from them as
    if called through the ingress directly (the chart's public paths are). With no proxy in front of the web, the
    address the web saw, which a service behind the web alone trusts with ORDNING_TRUSTED_PROXIES=1."""
    trusted = current_app.extensions["ordning_web"].trusted_proxies
    if trusted:
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        if len(hops) >= trusted:
            return {"X-Forwarded-For": ", ".join(hops[-trusted:])}
    return {"X-Forwarded-For": request.remote_addr or ""}


def _units(tenant: str) -> list[dict]:
    """The municipality's open units, those where care is given first; [] for a municipality unknown."""
    items = client.processes().get(f"/api/v1/public/{tenant}/org-units", headers=_client_address())["items"]
    first = [u for u in items if u["kind"] in UNIT_KINDS_FIRST]
    rest = [u for u in items if u["kind"] not in UNIT_KINDS_FIRST]
    return first + rest


def _unit_groups(units: list[dict]) -> list[tuple[str, list[dict]]]:
    groups = [(GROUPS[0], [u for u in units if u["kind"] in UNIT_KINDS_FIRST]),
              (GROUPS[1], [u for u in units if u["kind"] not in UNIT_KINDS_FIRST])]
    return [(label, members) for label, members in groups if members]


def _tenant_or_404(tenant: str) -> list[dict]:
    if not _served(tenant):
        abort(404)
    try:
        units = _units(tenant)
    except ApiProblem as error:
        if error.status in (404, 400):
            abort(404)
        if error.status == 429:
            return []
        raise
    if not units:
        abort(404)  # no open unit: no municipality of Ordning by that code
    return units


def _form_page(tenant, units, values=None, errors=None, status=200, message=None):
    values = values or {}
    values.setdefault("idempotency_key", client.new_idempotency_key())
    return render_template("citizen/feedback.html", tenant=tenant, unit_groups=_unit_groups(units), kinds=KINDS,
                           values=values, errors=errors or {}, labels=LABELS, message=message), status


@blueprint.get("/kommun/<tenant>/lamna-synpunkt")
def feedback_form(tenant):
    return _form_page(tenant, _tenant_or_404(tenant))


@blueprint.post("/kommun/<tenant>/lamna-synpunkt")
def feedback_send(tenant):
    units = _tenant_or_404(tenant)
    form = request.form
    values = {name: form.get(name, "").strip() for name in ("kind", "unit_id", "anonymous", "name", "email", "phone")}
    values["description"] = form.get("description", "")
    values["idempotency_key"] = form.get("idempotency_key", "")
    values["website"] = form.get("website", "")
    errors = {}
    if values["kind"] not in dict((k, label) for k, label, _ in KINDS):
        errors["kind"] = "Välj om det är ett klagomål eller en synpunkt."
    if values["unit_id"] not in {u["id"] for u in units}:
        errors["unit_id"] = "Välj vilken verksamhet det gäller."
    if not values["description"].strip():
        errors["description"] = "Skriv vad du vill berätta."
    elif len(values["description"]) > TEXT_MAX:
        errors["description"] = f"Texten får vara högst {TEXT_MAX} tecken lång."
    if values["anonymous"] not in ("ja", "nej"):
        errors["anonymous"] = "Välj om du vill vara anonym eller lämna kontaktuppgifter."
    named = values["anonymous"] == "nej"
    if named and not (values["email"] or values["phone"]):
        errors["email"] = "Skriv en e-postadress eller ett telefonnummer, så att vi kan svara dig."
    if values["email"] and named and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", values["email"]):
        errors["email"] = "Skriv e-postadressen som namn@exempel.se."
    if not KEY_PATTERN.match(values["idempotency_key"]):
        values["idempotency_key"] = client.new_idempotency_key()
    if errors:
        return _form_page(tenant, units, values, errors, status=422)
    body = {"kind": values["kind"], "unit_id": values["unit_id"], "description": values["description"].strip(),
            "anonymous": not named, "website": values["website"]}
    if named:
        body["contact"] = {key: values[key] for key in ("name", "email", "phone") if values[key]}
    try:
        receipt = client.deviations().post(f"/api/v1/public/{tenant}/feedback", json=body,
                                           headers={"Idempotency-Key": values["idempotency_key"], **_client_address()})
    except ServiceUnavailable:
        return _form_page(tenant, units, values, {"_form": DOWN}, status=503)
    except ApiProblem as error:
        if error.status == 429:
            return _form_page(tenant, units, values, {"_form": TOO_MANY}, status=429)
        if error.status in (400, 409, 422):
            fields = {"kind": "kind", "unit_id": "unit_id", "description": "description", "contact": "email",
                      "anonymous": "anonymous"}
            errors = {fields.get(name, "_form"): message for name, message in error.field_errors.items()}
            return _form_page(tenant, units, values, errors or {"_form": error.message}, status=error.status)
        if error.status == 404:
            abort(404)
        raise
    unit_name = next((u["name"] for u in units if u["id"] == values["unit_id"]), "")
    response = make_response(render_template("citizen/receipt.html", tenant=tenant, receipt=receipt,
                                             kind=dict((k, label) for k, label, _ in KINDS)[values["kind"]],
                                             unit_name=unit_name), 201)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/kommun/<tenant>/folj-arende", methods=["GET", "POST"])
def follow(tenant):
    if not _served(tenant):
        abort(404)
    if request.method == "GET":
        return render_template("citizen/follow.html", tenant=tenant, values={}, errors={}, labels=LABELS,
                               status=None, message=None)
    values = {"reference": request.form.get("reference", "").strip(),
              "secret": request.form.get("secret", "").strip()}
    errors = {}
    if not REFERENCE_PATTERN.match(values["reference"]):
        errors["reference"] = "Skriv ärendenumret som det står på kvittot, till exempel 2026-000123."
    if not SECRET_PATTERN.match(values["secret"]):
        errors["secret"] = "Skriv koden som den står på kvittot."
    status, message, code = None, None, 200
    if not errors:
        try:
            status = client.deviations().post(f"/api/v1/public/{tenant}/feedback/status", json=values,
                                              headers=_client_address())
        except ApiProblem as error:
            if error.status == 429:
                message, code = TOO_MANY, 429
            elif error.status in (400, 404, 422):
                message, code = NOT_FOUND, 404
            else:
                raise
    else:
        code = 422
    response = make_response(render_template("citizen/follow.html", tenant=tenant, values=values, errors=errors,
                                             labels=LABELS, status=status, message=message), code)
    response.headers["Cache-Control"] = "no-store"
    return response
