"""Notiser: the signed-in person's notices from the notify service (what happened that they should know of), unread
first, and the unread count in the menu of every page.

The count is one call per page (GET /api/v1/notices/count) with a short timeout. A notify service that does not
answer never fails a page: the count is left out, and for a while the pages do not ask again (QUIET_SECONDS), so
that a notify that hangs does not slow every page by its timeout. Notiser itself says in Swedish that the service
does not answer.

A notice links to the page of what it is about (a case, a risk, a document), in the web; the link goes through
/notiser/<id>, which marks the notice read on the way, so that following it is reading it.
"""
from __future__ import annotations

import logging
import re
import time

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from ordning_shared.notice_kinds import label

from . import client
from .client import ApiError, ApiProblem, ServiceUnavailable, SignInRequired
from .signin import current_person, signin_required

log = logging.getLogger(__name__)
blueprint = Blueprint("notices", __name__)

NOTICES = "/api/v1/notices"
PAGE_SIZE = 25
CURSOR_MAX = 512  # as the API's
COUNT_TIMEOUT = 2.0  # seconds: the menu's count is not worth a longer wait on every page
QUIET_SECONDS = 30.0
RULE_ADMIN_ROLES = ("administrator", "kvalitetsutvecklare")  # the notify service's, for its rules
# The notify service's pages in the menu beside Organisation: (endpoint, text, roles that see it, blueprint).
MENU = (("notice_settings.settings", "Inställningar för notiser", (), "notice_settings"),
        ("notice_rules.rules", "Regler för notiser", RULE_ADMIN_ROLES, "notice_rules"),
        ("webhooks.subscriptions", "Webhooks", RULE_ADMIN_ROLES, "webhooks"),)
# A notice's link is a path of this web (notify builds it: /arenden/<id>, /risker/<id>, ...); nothing else is
# followed, so a notice can never send a person to another site.
LINK = re.compile(r"^/[A-Za-z0-9][A-Za-z0-9/_-]{0,300}$")
STATES = (("unread", "olasta", "Olästa", "Du har inga olästa notiser."),
          ("read", "lasta", "Lästa", "Du har inga lästa notiser."))


def safe_link(link) -> str | None:
    return link if isinstance(link, str) and LINK.match(link) and "//" not in link else None


# --------------------------------------------------------------------------
# The unread count in the menu
# --------------------------------------------------------------------------

def _quiet() -> dict:
    return current_app.extensions.setdefault("ordning_web_notify_quiet", {"until": 0.0})


def unread_count() -> int | None:
    """The signed-in person's unread notices, asked once per request; None when unknown (notify down, slow or
    refusing), and then the menu shows no number."""
    if "unread_notices" not in g:
        g.unread_notices = _ask_count()
    return g.unread_notices


def _ask_count() -> int | None:
    if current_person() is None or time.monotonic() < _quiet()["until"]:
        return None
    try:
        answer = client.notify(COUNT_TIMEOUT).get(f"{NOTICES}/count")
    except ServiceUnavailable:
        _quiet()["until"] = time.monotonic() + QUIET_SECONDS
        return None
    except (ApiError, SignInRequired, ValueError) as error:
        # The page's own calls meet a refused token themselves; the menu only leaves the count out.
        log.info("the unread count was left out: %s", type(error).__qualname__)
        return None
    unread = answer.get("unread") if isinstance(answer, dict) else None
    return unread if isinstance(unread, int) and not isinstance(unread, bool) and unread >= 0 else None


def _answered() -> None:
    """notify answered a page's call: the menu asks again at once."""
    _quiet()["until"] = 0.0


@blueprint.app_context_processor
def _menu():
    return {"unread_notices": unread_count, "notify_menu": MENU}


# --------------------------------------------------------------------------
# Notiser
# --------------------------------------------------------------------------

def entry(notice: dict) -> dict:
    return {"id": notice.get("id"), "label": label(notice.get("kind") or ""), "unit_name": notice.get("unit_name"),
            "created_at": notice.get("created_at"), "read": bool(notice.get("read")),
            "link": safe_link(notice.get("link"))}


def _cursor(name: str) -> str | None:
    cursor = request.args.get(name) or None
    if cursor is not None and len(cursor) > CURSOR_MAX:
        cursor = None  # a mangled address: the first page
    return cursor


def _section(api: client.Api, state: str, param: str, heading: str, empty: str) -> dict:
    cursor = _cursor(param)
    params = {"state": state, "limit": str(PAGE_SIZE)}
    if cursor:
        params["cursor"] = cursor
    try:
        page = api.get(NOTICES, params=params)
    except ApiProblem as problem:
        if problem.status not in (400, 422) or not cursor:
            raise
        page = api.get(NOTICES, params={"state": state, "limit": str(PAGE_SIZE)})  # a cursor gone stale
        cursor = None
    return {"state": state, "param": param, "heading": heading, "empty": empty, "later_page": bool(cursor),
            "entries": [entry(item) for item in page.get("items") or []], "next_cursor": page.get("next_cursor")}


def _down(error: ServiceUnavailable, status: int = 503):
    return render_template("notices/index.html", sections=[], unavailable=f"{error.short} Försök igen om en stund."), status


@blueprint.get("/notiser")
@signin_required
def inbox():
    api = client.notify()
    try:
        sections = [_section(api, *state) for state in STATES]
    except ServiceUnavailable as error:
        return _down(error)
    _answered()
    return render_template("notices/index.html", sections=sections, unavailable=None)


def _back(anchor: str = "olasta"):
    return redirect(url_for("notices.inbox") + f"#{anchor}", 303)


@blueprint.post("/notiser/las-alla")
@signin_required
def read_all():
    try:
        answer = client.notify().post(f"{NOTICES}/read-all")
    except ServiceUnavailable as error:
        return _down(error)
    marked = (answer or {}).get("marked") or 0
    flash("Du hade inga olästa notiser." if not marked else
          "1 notis är markerad som läst." if marked == 1 else f"{marked} notiser är markerade som lästa.")
    return _back()


def _mark_read(notice_id, then):
    """Mark one of the person's notices read, then answer `then(notice)`; another person's notice, or one that is
    gone, is not found."""
    try:
        notice = client.notify().post(f"{NOTICES}/{notice_id}/read")
    except ServiceUnavailable as error:
        return _down(error)
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        flash("Notisen finns inte.")
        return _back()
    return then(entry(notice))


@blueprint.post("/notiser/<uuid:notice_id>/las")
@signin_required
def read_one(notice_id):
    def marked(notice):
        flash(f"Notisen ”{notice['label']}” är markerad som läst.")
        return _back()
    return _mark_read(notice_id, marked)


@blueprint.get("/notiser/<uuid:notice_id>")
@signin_required
def open_notice(notice_id):
    """Follow a notice's link: it is marked read (a notice followed is a notice read), then its page opens."""
    def follow(notice):
        if notice["link"] is None:
            flash(f"Notisen ”{notice['label']}” är markerad som läst. Den har ingen sida att öppna.")
            return _back()
        return redirect(notice["link"], 303)
    return _mark_read(notice_id, follow)
