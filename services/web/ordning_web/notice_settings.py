"""Inställningar för notiser: the signed-in person's own choice of notices by e-mail, in the notify service
(GET/PUT /api/v1/notification-preferences). Per kind of notice: Direkt, I daglig sammanfattning or Av; the hour of
the daily summary; the address (the sign-in address the service offers, or one of the person's own).

A save carries the ETag the form was built from (If-Match, in a hidden field): when the preferences changed
meanwhile (another tab, 412), the form is shown again with what the person chose, beside the saved ones now, and the
fresh ETag. The API's refusals (422) land at their fields.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, flash, redirect, render_template, request, url_for
from ordning_shared.notice_kinds import NOTICE_KINDS, label

from . import client
from .client import ApiProblem, ServiceUnavailable
from .signin import signin_required

blueprint = Blueprint("notice_settings", __name__)

PREFERENCES = "/api/v1/notification-preferences"
MODES = {"immediate": "Direkt", "digest": "I daglig sammanfattning", "off": "Av"}
SIGN_IN = "sign_in"  # the address choice: the one the sign-in gives
OWN = "own"
ADDRESS_MAX = 254
STALE = ("Dina inställningar har ändrats någon annanstans medan du hade sidan öppen. Så här är de sparade nu. Det du "
         "valde finns kvar i formuläret: kontrollera och spara igen.")


@dataclass
class PreferencesForm:
    address_choice: str = SIGN_IN
    address: str = ""
    kinds: dict = field(default_factory=dict)
    digest_hour: str = "7"
    etag: str = ""
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_preferences(cls, preferences: dict, etag: str) -> "PreferencesForm":
        given = preferences.get("address_source") == "given"
        return cls(address_choice=OWN if given else SIGN_IN, address=(preferences.get("address") or "") if given else "",
                   kinds={kind: (preferences.get("kinds") or {}).get(kind, "immediate") for kind in NOTICE_KINDS},
                   digest_hour=str(preferences.get("digest_hour", 7)), etag=etag)

    @classmethod
    def from_request(cls) -> "PreferencesForm":
        form = request.form
        return cls(address_choice=OWN if form.get("address_choice") == OWN else SIGN_IN,
                   address=form.get("address", "").strip()[:ADDRESS_MAX + 1],
                   kinds={kind: form.get(f"kind_{kind}", "") for kind in NOTICE_KINDS},
                   digest_hour=form.get("digest_hour", "").strip(), etag=form.get("etag", ""))

    def check(self) -> None:
        if self.address_choice == OWN and not self.address:
            self.errors["address"] = "Skriv din e-postadress, eller välj adressen från din inloggning."
        elif len(self.address) > ADDRESS_MAX:
            self.errors["address"] = f"Adressen får vara högst {ADDRESS_MAX} tecken."
        for kind, mode in self.kinds.items():
            if mode not in MODES:
                self.errors[f"kind_{kind}"] = "Välj Direkt, I daglig sammanfattning eller Av."
        if not (self.digest_hour.isdigit() and 0 <= int(self.digest_hour) <= 23):
            self.errors["digest_hour"] = "Välj en timme mellan 0 och 23."

    def body(self) -> dict:
        return {"address": self.address if self.address_choice == OWN else None, "kinds": dict(self.kinds),
                "digest_hour": int(self.digest_hour)}

    def take(self, problem: ApiProblem) -> None:
        """The API's refusal at its field: the address, the hour, or a kind."""
        for name, message in problem.field_errors.items():
            if name in ("address", "digest_hour"):
                self.errors[name] = message
            elif name == "kinds":
                self.errors[f"kind_{next(iter(NOTICE_KINDS))}"] = message
        if not self.errors:
            self.errors["address"] = problem.message


def _read() -> tuple[dict, str]:
    answer = client.notify().response("GET", PREFERENCES)
    return answer.json(), answer.headers.get("ETag", "")


def _page(form: PreferencesForm, preferences: dict | None, status: int = 200, notice: str | None = None,
          saved: dict | None = None):
    return render_template("notices/settings.html", form=form, preferences=preferences or {}, notice=notice,
                           saved=saved, kinds=NOTICE_KINDS, modes=MODES, label=label, own=OWN,
                           sign_in=SIGN_IN), status


def _down(error: ServiceUnavailable, form: PreferencesForm | None = None):
    kept = " Det du har valt finns kvar; försök igen om en stund." if form is not None else " Försök igen om en stund."
    return _page(form or PreferencesForm(), None, 503, notice=error.short + kept)


@blueprint.get("/notiser/installningar")
@signin_required
def settings():
    try:
        preferences, etag = _read()
    except ServiceUnavailable as error:
        return _down(error)
    return _page(PreferencesForm.from_preferences(preferences, etag), preferences)


@blueprint.post("/notiser/installningar")
@signin_required
def save():
    form = PreferencesForm.from_request()
    form.check()
    sign_in_address = request.form.get("sign_in_address", "")
    if form.errors:
        return _page(form, {"sign_in_address": sign_in_address}, 422)
    try:
        client.notify().request("PUT", PREFERENCES, json=form.body(), headers={"If-Match": form.etag})
    except ServiceUnavailable as error:
        return _down(error, form)
    except ApiProblem as problem:
        if problem.status in (412, 428):
            # Saved elsewhere meanwhile: the person's choices, the fresh ETag, the saved ones shown beside.
            try:
                fresh, form.etag = _read()
            except ServiceUnavailable as error:
                return _down(error, form)
            return _page(form, fresh, 412, notice=STALE, saved=fresh)
        if problem.status == 403:
            raise
        form.take(problem)
        return _page(form, {"sign_in_address": sign_in_address}, problem.status)
    flash("Dina inställningar för notiser är sparade.")
    return redirect(url_for("notice_settings.settings"), 303)
