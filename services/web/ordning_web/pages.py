"""The staff's pages: Rapportera and Inkorgen."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, url_for

from .signin import current_person

blueprint = Blueprint("pages", __name__)

# The roles that handle the cases of their units: they have an inbox.
CHEF_ROLES = ("enhetschef", "verksamhetschef", "forvaltningschef", "mas", "mar")


@blueprint.app_context_processor
def _navigation():
    # A link only to pages that exist in this build.
    return {"chef_roles": CHEF_ROLES, "view_endpoints": frozenset(current_app.view_functions)}


@blueprint.get("/")
def start():
    person = current_person()
    if person is None:
        return redirect(url_for("signin.login"))
    return redirect(url_for("pages.inbox" if person.has_any(*CHEF_ROLES) else "pages.report"))

