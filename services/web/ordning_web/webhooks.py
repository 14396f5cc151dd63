"""Webhooks: the municipality's webhook subscriptions in the notify service (/api/v1/webhook-subscriptions), for
administrators and kvalitetsutvecklare. The list, a new subscription (an https URL and event types), the signing
secret shown once after creation or rotation, pausing one by hand and resuming it, deleting one, and one subscription's delivery
log.

The secret is never kept by the web: it is in the answer to the POST that made it and nowhere else, so a reload
of the page does not show it again. The API's refusals (not https, a private address, an unknown event type) land
at the URL or the event types. The webhook_paused notice links to /webhooks/<id> (notify's subscription_link):
that path leads here.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from . import client
from .client import ApiProblem, ServiceUnavailable
from .labels import EVENTS, event_label, events_by_group
from .notices import RULE_ADMIN_ROLES
from .signin import roles_required

blueprint = Blueprint("webhooks", __name__)

SUBSCRIPTIONS = "/api/v1/webhook-subscriptions"
URL_MAX = 2048
STATES = {"active": "Aktiv", "paused": "Pausad"}
OUTCOMES = {"delivered": "levererad", "failed": "misslyckades", "refused": "stoppad: adressen är inte tillåten"}
URL_CODES = ("invalid_webhook_url", "webhook_url_not_https", "webhook_address_refused", "webhook_host_unresolvable")
# Said from here, not the template: the templates name no outside address (test_layout).
URL_HINT = "Måste börja med https:// och vara en adress på internet, till exempel https://system.kommun.se/ordning."
GONE = "Webhooken finns inte längre. Någon annan kan ha tagit bort den."
STALE_DELETE = ("Någon annan har ändrat webhooken under tiden. Sidan visar den som den är nu; vill du fortfarande "
                "ta bort den?")
STALE = "Någon annan har ändrat webhooken under tiden. Sidan visar den som den är nu; försök igen."

admin_required = roles_required(*RULE_ADMIN_ROLES)


def shown(subscription: dict) -> dict:
    return {**subscription, "state_label": STATES.get(subscription.get("state"), subscription.get("state")),
            "event_labels": [event_label(t) for t in subscription.get("event_types") or []]}


def _list_page(items=None, form=None, errors=None, status=200, unavailable=None, secret=None):
    return render_template("notices/webhooks.html", subscriptions=[shown(s) for s in items or []],
                           form=form or {"url": "", "event_types": [], "idempotency_key": client.new_idempotency_key()},
                           errors=errors or {}, event_groups=events_by_group(), url_hint=URL_HINT, unavailable=unavailable,
                           secret=secret), status


def _down(error: ServiceUnavailable, form=None):
    kept = " Det du har skrivit finns kvar; försök igen om en stund." if form else " Försök igen om en stund."
    return _list_page(form=form, status=503, unavailable=error.short + kept)


def _to_list(message: str | None = None):
    if message:
        flash(message)
    return redirect(url_for("webhooks.subscriptions"), 303)


@blueprint.get("/notiser/webhooks")
@admin_required
def subscriptions():
    try:
        items = client.notify().get(SUBSCRIPTIONS)["items"]
    except ServiceUnavailable as error:
        return _down(error)
    return _list_page(items)


@blueprint.post("/notiser/webhooks")
@admin_required
def create():
    key = request.form.get("idempotency_key", "")
    form = {"url": request.form.get("url", "").strip()[:URL_MAX + 1],
            "event_types": [t for t in request.form.getlist("event_types") if t in EVENTS],
            "idempotency_key": key if 8 <= len(key) <= 100 else client.new_idempotency_key()}
    errors = {}
    if not form["url"]:
        errors["url"] = "Skriv adressen som händelserna ska skickas till, som börjar med https://."
    elif len(form["url"]) > URL_MAX:
        errors["url"] = f"Adressen får vara högst {URL_MAX} tecken."
    if not form["event_types"]:
        errors["event_types"] = "Välj minst en händelse."
    api = client.notify()
    try:
        if errors:
            return _list_page(api.get(SUBSCRIPTIONS)["items"], form, errors, 422)
        created = api.post(SUBSCRIPTIONS, json={"url": form["url"], "event_types": form["event_types"]},
                           headers={"Idempotency-Key": form["idempotency_key"]})
        items = api.get(SUBSCRIPTIONS)["items"]
    except ServiceUnavailable as error:
        return _down(error, form)
    except ApiProblem as problem:
        if problem.status == 403:
            raise
        target = "event_types" if problem.code == "unknown_event_type" or "event_types" in problem.field_errors \
            else "url"
        errors[target] = problem.field_errors.get(target) or problem.message
        try:
            items = api.get(SUBSCRIPTIONS)["items"]
        except ServiceUnavailable as error:
            return _down(error, form)
        return _list_page(items, form, errors, problem.status)
    # The secret is in this answer only: shown now, never again.
    return _list_page(items, secret={"subscription": shown(created), "value": created["secret"], "rotated": False},
                      status=201)


def _detail(subscription_id: str, status: int = 200, secret: str | None = None, notice: str | None = None):
    api = client.notify()
    try:
        answer = api.response("GET", f"{SUBSCRIPTIONS}/{subscription_id}")
        cursor = request.args.get("fran") or None
        params = {"limit": "50", **({"cursor": cursor[:512]} if cursor else {})}
        try:
            attempts = api.get(f"{SUBSCRIPTIONS}/{subscription_id}/deliveries", params=params)
        except ApiProblem as problem:
            if problem.status not in (400, 422) or not cursor:
                raise
            attempts = api.get(f"{SUBSCRIPTIONS}/{subscription_id}/deliveries", params={"limit": "50"})
    except ServiceUnavailable as error:
        return _down(error)
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        return _to_list(GONE)
    subscription = shown(answer.json())
    for attempt in attempts.get("items") or []:
        attempt["event_label"] = event_label(attempt.get("event_type", ""))
        attempt["outcome_label"] = OUTCOMES.get(attempt.get("outcome"), attempt.get("outcome"))
    return render_template("notices/webhook.html", subscription=subscription, etag=answer.headers.get("ETag", ""),
                           attempts=attempts.get("items") or [], next_cursor=attempts.get("next_cursor"),
                           secret=secret, notice=notice), status


@blueprint.get("/notiser/webhooks/<uuid:subscription_id>")
@admin_required
def subscription(subscription_id):
    return _detail(str(subscription_id))


@blueprint.get("/webhooks/<uuid:subscription_id>")
@admin_required
def from_notice(subscription_id):
    """The webhook_paused notice's link (notify's subscription_link) leads to the subscription's page."""
    return redirect(url_for("webhooks.subscription", subscription_id=subscription_id), 303)


def _act(subscription_id: str, call, then, stale=None):
    """`call` the notify service and answer with `then`; a changed subscription (412) shows it as it is now (the
    subscription's page, or `stale()`)."""
    try:
        answer = call(client.notify())
    except ServiceUnavailable as error:
        return _down(error)
    except ApiProblem as problem:
        if problem.status == 404:
            return _to_list(GONE)
        if problem.status in (412, 428):
            return stale() if stale else _detail(subscription_id, 412, notice=STALE)
        raise
    return then(answer)


@blueprint.post("/notiser/webhooks/<uuid:subscription_id>/nytt-hemligt")
@admin_required
def rotate(subscription_id):
    subscription_id = str(subscription_id)
    return _act(subscription_id, lambda api: api.post(f"{SUBSCRIPTIONS}/{subscription_id}/rotate-secret",
                                                      headers={"If-Match": request.form.get("etag", "")}),
                lambda answer: _detail(subscription_id, secret=answer["secret"]))


@blueprint.post("/notiser/webhooks/<uuid:subscription_id>/aterstart")
@admin_required
def resume(subscription_id):
    subscription_id = str(subscription_id)

    def resumed(_answer):
        flash("Webhooken är aktiv igen. Händelser från tiden då den var pausad skickas inte.")
        return redirect(url_for("webhooks.subscription", subscription_id=subscription_id), 303)
    return _act(subscription_id, lambda api: api.post(f"{SUBSCRIPTIONS}/{subscription_id}/resume"), resumed)


@blueprint.post("/notiser/webhooks/<uuid:subscription_id>/pausa")
@admin_required
def pause(subscription_id):
    subscription_id = str(subscription_id)

    def paused(_answer):
        flash("Webhooken är pausad. Inga händelser skickas till den förrän den startas igen.")
        return redirect(url_for("webhooks.subscription", subscription_id=subscription_id), 303)
    return _act(subscription_id, lambda api: api.post(f"{SUBSCRIPTIONS}/{subscription_id}/pause"), paused)


def _confirm_delete(subscription_id: str, status: int = 200, notice: str | None = None):
    return _act(subscription_id, lambda api: api.response("GET", f"{SUBSCRIPTIONS}/{subscription_id}"),
                lambda answer: (render_template("notices/webhook_delete.html", subscription=shown(answer.json()),
                                                etag=answer.headers.get("ETag", ""), notice=notice), status))


@blueprint.get("/notiser/webhooks/<uuid:subscription_id>/ta-bort")
@admin_required
def delete_confirm(subscription_id):
    return _confirm_delete(str(subscription_id))


@blueprint.post("/notiser/webhooks/<uuid:subscription_id>/ta-bort")
@admin_required
def delete(subscription_id):
    subscription_id = str(subscription_id)
    return _act(subscription_id, lambda api: api.request("DELETE", f"{SUBSCRIPTIONS}/{subscription_id}",
                                                         headers={"If-Match": request.form.get("etag", "")}),
                lambda _answer: _to_list("Webhooken är borttagen."),
                stale=lambda: _confirm_delete(subscription_id, 412, STALE_DELETE))
