"""Ärendeinställningar and Arbetskalender: how the municipality runs its cases, set by an administrator in the
deviations service (issue 14).

/installningar/arenden: the delegation for lex Sarah and for lex Maria (GET/PUT /api/v1/lex-policies/<kind>: the
deciding roles, the org level they are held at, the delegationsordning's reference, whether closing requires the
person concerned informed) and the settings for complaints and feedback (GET/PUT /api/v1/case-settings).
/installningar/arbetskalender: the eves the municipality takes off and its own extra days off beside the public
holidays (GET/PUT /api/v1/working-calendar), which the deadlines skip.
/installningar/tidsfrister: the deadlines of each kind of case (GET/PUT /api/v1/deadline-policies/<kind>): working
days from the report to receive and to investigate, calendar days from the seriousness decision to report to IVO (lex
Sarah, lex Maria) and working days from the report to answer the complainant (klagomål).

Each section is a form of its own, sent with the ETag it was read with (If-Match): when the settings changed
meanwhile (412) the page shows them as they are now and says so; the API's refusals (422) land at their fields.
Only an administrator may change them (the service's _require_admin); the others get the 403 page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from ordning_shared.workdays import EVES, public_holidays
from ordning_shared.workdays import today_in_sweden

from . import client
from .client import ApiProblem
from .organisation import KIND_LABELS
from .roles import ROLE_LABELS
from .signin import roles_required

blueprint = Blueprint("case_settings", __name__)

LEX_POLICIES = "/api/v1/lex-policies"
CASE_SETTINGS = "/api/v1/case-settings"
CALENDAR = "/api/v1/working-calendar"
ADMIN_ROLES = ("administrator",)  # who the deviations service lets change them
LEX_KINDS = {"lex_sarah": "lex Sarah", "lex_maria": "lex Maria"}
COMPLAINTS = "klagomal"
# The deviations service's DECIDER_ROLES, in the order of the guideline's tables.
DECIDER_ROLES = ("forvaltningschef", "verksamhetschef", "enhetschef", "mas", "mar")
ANY_LEVEL = ""  # the level select's value for null: the role held at the case's unit or any unit above it
LEVELS = {ANY_LEVEL: "Ärendets enhet eller var som helst ovanför den", **KIND_LABELS}
REFERENCE_MAX = 200
EVE_NAMES = sorted(EVES)
DEADLINES = "/api/v1/deadline-policies"
# The kinds in the order of the page, with the fields each kind's policy has (the domain's DeadlinePolicy).
DEADLINE_KINDS = {"avvikelse": "avvikelser", "lex_sarah": "lex Sarah", "lex_maria": "lex Maria",
                  "klagomal": "klagomål", "synpunkt": "synpunkter"}
# The label and how the days are counted (the hint).
DEADLINE_FIELDS = {
    "receipt_days": ("Mottagas inom (arbetsdagar)", "Räknas från dagen ärendet rapporterades."),
    "investigation_days": ("Utredas inom (arbetsdagar)", "Räknas från dagen ärendet rapporterades."),
    "ivo_report_days": ("Anmälas till IVO inom (kalenderdagar från beslutet)",
                        "Räknas från dagen det beslutades att ärendet är allvarligt; innan dess har ärendet ingen "
                        "sista dag för anmälan."),
    "answer_days": ("Svar till den som klagat inom (arbetsdagar)", "Räknas från dagen klagomålet kom in."),
}
DEADLINE_DAYS_MAX = 365  # the service's bound
STALE = ("Någon annan har ändrat inställningarna medan du hade sidan öppen. Så här är de sparade nu; gör din "
         "ändring igen om den fortfarande behövs.")

admin_required = roles_required(*ADMIN_ROLES)


@dataclass
class Section:
    """One form of a page: its values as the form shows them, the ETag they were read with, errors and a notice."""
    name: str
    values: dict
    etag: str = ""
    default: bool = False
    errors: dict = field(default_factory=dict)
    notice: str | None = None

    def take(self, problem: ApiProblem, fallback: str, fields: dict | None = None) -> None:
        """The API's refusal at its field (`fields`: the API's name to the form's, else the same), a rule's
        refusal (no field named) at `fallback`."""
        fields = fields or {name: name for name in self.values}
        self.errors.update({fields[name]: text for name, text in problem.field_errors.items() if name in fields})
        if not self.errors:
            self.errors[fallback] = problem.message


def _read(path: str) -> tuple[dict, str]:
    answer = client.deviations().response("GET", path)
    return answer.json(), answer.headers.get("ETag", "")


def _save(section: Section, path: str, body: dict, success: str, page, back: str, fallback: str,
          fields: dict | None = None):
    """PUT `body` with the section's ETag; on success to `back` with `success`, else `page` with the refusal at
    its field, or with the settings as they are now when someone else changed them."""
    try:
        client.deviations().request("PUT", path, json=body, headers={"If-Match": section.etag})
    except ApiProblem as problem:
        if problem.status in (412, 428):
            return page(stale=section, status=412)
        if problem.status == 403:
            raise
        section.take(problem, fallback, fields)
        return page(section, status=problem.status)
    flash(success)
    return redirect(back, 303)


# --------------------------------------------------------------------------
# Ärendeinställningar
# --------------------------------------------------------------------------

def _lex_section(kind: str) -> Section:
    policy, etag = _read(f"{LEX_POLICIES}/{kind}")
    return Section(kind, {"decider_roles": list(policy["decider_roles"]),
                          "decider_level": policy.get("decider_level") or ANY_LEVEL,
                          "delegation_reference": policy["delegation_reference"],
                          "informing_required": policy["informing_required"]}, etag, policy.get("default", False))


def _complaints_section() -> Section:
    settings, etag = _read(CASE_SETTINGS)
    days = settings.get("answer_promise_days")
    return Section(COMPLAINTS, {"answer_promised": settings["answer_promised"],
                                "answer_promise_days": "" if days is None else str(days),
                                "hide_reporter_names": settings["hide_reporter_names"]}, etag,
                   settings.get("default", False))


def _settings(posted: Section | None = None, stale: Section | None = None, status: int = 200):
    """The page: each section read now, but the one sent (`posted`) as the person filled it."""
    sections = {kind: _lex_section(kind) for kind in LEX_KINDS}
    sections[COMPLAINTS] = _complaints_section()
    if posted is not None:
        posted.default = sections[posted.name].default
        sections[posted.name] = posted
    if stale is not None:
        sections[stale.name].notice = STALE
    return render_template("settings/cases.html", sections=sections, lex_kinds=LEX_KINDS, complaints=COMPLAINTS,
                           decider_roles=[(role, ROLE_LABELS[role]) for role in DECIDER_ROLES], levels=LEVELS,
                           reference_max=REFERENCE_MAX), status


@blueprint.get("/installningar/arenden")
@admin_required
def settings():
    return _settings()


@blueprint.post("/installningar/arenden/delegation/<kind>")
@admin_required
def save_delegation(kind):
    if kind not in LEX_KINDS:
        abort(404)
    form = request.form
    section = Section(kind, {"decider_roles": form.getlist("decider_roles")[:len(DECIDER_ROLES) + 1],
                             "decider_level": form.get("decider_level", ANY_LEVEL),
                             "delegation_reference": form.get("delegation_reference", "").strip(),
                             "informing_required": form.get("informing_required") == "ja"}, form.get("etag", ""))
    values = section.values
    if not values["decider_roles"]:
        section.errors["decider_roles"] = "Välj minst en roll som beslutar."
    if not values["delegation_reference"]:
        section.errors["delegation_reference"] = "Skriv vilken punkt i delegationsordningen beslutet fattas enligt."
    elif len(values["delegation_reference"]) > REFERENCE_MAX:
        section.errors["delegation_reference"] = f"Hänvisningen får vara högst {REFERENCE_MAX} tecken."
    if section.errors:
        return _settings(section, status=422)
    # The level is sent as chosen: the select offers the service's levels, and the service refuses any other.
    body = {**values, "decider_level": values["decider_level"] or None}
    return _save(section, f"{LEX_POLICIES}/{kind}", body, f"Delegationen för {LEX_KINDS[kind]} är sparad.",
                 _settings, url_for(".settings", _anchor=kind), "decider_roles")


@blueprint.post("/installningar/arenden/klagomal")
@admin_required
def save_complaints():
    form = request.form
    section = Section(COMPLAINTS, {"answer_promised": form.get("answer_promised") == "ja",
                                   "answer_promise_days": form.get("answer_promise_days", "").strip()[:10],
                                   "hide_reporter_names": form.get("hide_reporter_names") == "ja"},
                      form.get("etag", ""))
    values = section.values
    days = values["answer_promise_days"]
    if values["answer_promised"] and not days.isdigit():
        section.errors["answer_promise_days"] = "Skriv inom hur många arbetsdagar svaret utlovas, med siffror."
    if section.errors:
        return _settings(section, status=422)
    body = {**values, "answer_promise_days": int(days) if values["answer_promised"] else None}
    return _save(section, CASE_SETTINGS, body, "Inställningarna för klagomål och återkoppling är sparade.",
                 _settings, url_for(".settings", _anchor=COMPLAINTS), "answer_promise_days")


# --------------------------------------------------------------------------
# Arbetskalender
# --------------------------------------------------------------------------

def _calendar_section() -> Section:
    calendar, etag = _read(CALENDAR)
    return Section("kalender", {"non_working_eves": list(calendar["non_working_eves"]),
                                "extra_days_off": sorted(calendar["extra_days_off"]), "day": ""}, etag,
                   calendar.get("default", False))


def _calendar(posted: Section | None = None, stale: Section | None = None, status: int = 200):
    """The page: the calendar read now, with what the person sent (`posted`, or `stale`) kept in its form."""
    section = _calendar_section()
    kept = posted or stale
    if kept is not None:
        section.values["day"] = kept.values.get("day", "")
        if kept.name == "aftnar":
            section.values["non_working_eves"] = kept.values["non_working_eves"]
        section.name = kept.name
    if posted is not None:
        section.errors = posted.errors
    if stale is not None:
        section.notice = STALE
    year = today_in_sweden().year
    holidays = [(day, name) for y in (year, year + 1) for day, name in sorted(public_holidays(y).items())]
    return render_template("settings/calendar.html", section=section, eves=EVE_NAMES, holidays=holidays,
                           year=year), status


@blueprint.get("/installningar/arbetskalender")
@admin_required
def calendar():
    return _calendar()


def _put_calendar(name: str, eves: list[str], days: list[str], success: str, day: str = ""):
    """The calendar with `eves` and `days`, sent with the ETag of the form (`name`: aftnar or dag)."""
    section = Section(name, {"non_working_eves": eves, "day": day}, request.form.get("etag", ""))
    anchor = "aftnar" if name == "aftnar" else "lediga-dagar"
    return _save(section, CALENDAR, {"non_working_eves": eves, "extra_days_off": sorted(days)}, success, _calendar,
                 url_for(".calendar", _anchor=anchor), "non_working_eves" if name == "aftnar" else "day",
                 {"non_working_eves": "non_working_eves", "extra_days_off": "day"})


@blueprint.post("/installningar/arbetskalender/aftnar")
@admin_required
def save_eves():
    current = _calendar_section().values
    eves = [eve for eve in request.form.getlist("non_working_eves") if eve in EVES]
    return _put_calendar("aftnar", eves, current["extra_days_off"], "Aftnarna är sparade.")


@blueprint.post("/installningar/arbetskalender/dagar")
@admin_required
def add_day():
    current = _calendar_section().values
    text = request.form.get("day", "").strip()[:10]
    section = Section("dag", {"day": text})
    try:
        day = date.fromisoformat(text).isoformat()
    except ValueError:
        section.errors["day"] = "Skriv dagen som år-månad-dag, till exempel 2026-05-15."
    else:
        if day in current["extra_days_off"]:
            section.errors["day"] = "Dagen finns redan bland de lediga dagarna."
    if section.errors:
        return _calendar(section, status=422)
    return _put_calendar("dag", current["non_working_eves"], current["extra_days_off"] + [day],
                         f"{day} är en ledig dag.", day=text)


@blueprint.post("/installningar/arbetskalender/dagar/<day>/ta-bort")
@admin_required
def remove_day(day):
    current = _calendar_section().values
    if day not in current["extra_days_off"]:  # removed by someone else meanwhile (or never there)
        return _calendar(stale=Section("dag", {}), status=412)
    return _put_calendar("dag", current["non_working_eves"], [d for d in current["extra_days_off"] if d != day],
                         f"{day} är inte längre en ledig dag.")


# --------------------------------------------------------------------------
# Tidsfrister
# --------------------------------------------------------------------------

def _deadline_fields(kind: str) -> list[str]:
    """The fields `kind`'s policy has: IVO days for the lex kinds, answer days for complaints."""
    return [name for name in DEADLINE_FIELDS
            if (name != "ivo_report_days" or kind in LEX_KINDS) and (name != "answer_days" or kind == COMPLAINTS)]


def _deadline_section(kind: str) -> Section:
    policy, etag = _read(f"{DEADLINES}/{kind}")
    return Section(kind, {name: "" if policy.get(name) is None else str(policy[name])
                          for name in _deadline_fields(kind)}, etag, policy.get("default", False))


def _deadlines(posted: Section | None = None, stale: Section | None = None, status: int = 200):
    """The page: each kind's deadlines read now, but the one sent (`posted`) as the person filled it."""
    sections = {kind: _deadline_section(kind) for kind in DEADLINE_KINDS}
    if posted is not None:
        posted.default = sections[posted.name].default
        sections[posted.name] = posted
    if stale is not None:
        sections[stale.name].notice = STALE
    summaries = {kind: {"_id": kind, **{name: DEADLINE_FIELDS[name][0] for name in _deadline_fields(kind)}}
                 for kind in DEADLINE_KINDS}  # the error summary's names of the fields
    return render_template("settings/deadlines.html", sections=sections, kinds=DEADLINE_KINDS,
                           labels=DEADLINE_FIELDS, summaries=summaries, days_max=DEADLINE_DAYS_MAX), status


@blueprint.get("/installningar/tidsfrister")
@admin_required
def deadlines():
    return _deadlines()


@blueprint.post("/installningar/tidsfrister/<kind>")
@admin_required
def save_deadlines(kind):
    if kind not in DEADLINE_KINDS:
        abort(404)
    form = request.form
    section = Section(kind, {name: form.get(name, "").strip()[:10] for name in _deadline_fields(kind)},
                      form.get("etag", ""))
    for name, text in section.values.items():
        if not text.isdigit():
            section.errors[name] = "Skriv antalet dagar med siffror, till exempel 10."
    if section.errors:
        return _deadlines(section, status=422)
    body = {name: int(text) for name, text in section.values.items()}  # the service judges the range
    return _save(section, f"{DEADLINES}/{kind}", body, f"Tidsfristerna för {DEADLINE_KINDS[kind]} är sparade.",
                 _deadlines, url_for(".deadlines", _anchor=kind), _deadline_fields(kind)[0])
