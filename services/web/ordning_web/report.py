"""Rapportera: the staff's form to report a case, and its receipt."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, redirect, render_template, request, url_for

from . import classification, client
from .client import ApiError, ApiProblem, ServiceUnavailable
from .labels import KINDS
from .pages import blueprint
from .signin import current_person, signin_required

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends
DESCRIPTION_MAX = 10_000

# Each kind, with one plain sentence on when to choose it (Klarspråk: say what it is for).
KIND_CHOICES = [
    ("avvikelse", "Avvikelse", "Något blev inte som det skulle, till exempel en insats som uteblev eller ett fel."),
    ("lex_sarah", "Lex Sarah",
     "Ett missförhållande, eller en risk för det, i socialtjänsten eller LSS, som drabbar den som får stöd."),
    ("lex_maria", "Lex Maria",
     "En vårdskada, eller en risk för en allvarlig vårdskada, i hälso- och sjukvården."),
    ("klagomal", "Klagomål", "Någon är missnöjd med stödet eller vården och vill att det blir bättre."),
    ("synpunkt", "Synpunkt", "Ett förslag eller en åsikt om hur verksamheten kan bli bättre."),
]
assert {kind for kind, _, _ in KIND_CHOICES} == set(KINDS)

# Where the API's field errors without a field belong on this form.
CODE_FIELDS = {"unknown_unit": "unit_id", "unknown_category": "category_id", "unknown_event_type": "event_type",
               "unknown_place": "place_id"}
FIELD_ORDER = ("description", "unit_id", "occurred_at", "kind", "category_id", "immediate_action", "event_type",
               "place_id")
# The unit the event involved besides the one reported to (issue 14, item 8): after the others on the form.
FIELD_ORDER += ("involved_unit_id",)
CODE_FIELDS["invalid_involved_unit"] = "involved_unit_id"
EARLIEST_YEAR = 1900  # the API's earliest year (ordning_shared.fields.MIN_YEAR)


@dataclass
class ReportForm:
    description: str = ""
    unit_id: str = ""
    occurred_at: str = ""
    kind: str = "avvikelse"
    category_id: str = ""
    immediate_action: str = ""
    idempotency_key: str = ""
    event_type: str = ""  # a code of the tenant's händelsetyper (classification.py)
    place_id: str = ""  # a place of the chosen unit
    errors: dict = field(default_factory=dict)
    involved_unit_id: str = ""

    @classmethod
    def blank(cls, now: datetime | None = None) -> "ReportForm":
        now = (now or datetime.now(STOCKHOLM)).astimezone(STOCKHOLM)
        return cls(occurred_at=now.strftime(LOCAL_MINUTE), idempotency_key=client.new_idempotency_key())

    @classmethod
    def from_request(cls) -> "ReportForm":
        values = {name: request.form.get(name, "").strip() for name in FIELD_ORDER}
        values["description"] = request.form.get("description", "").strip()
        key = request.form.get("idempotency_key", "")
        return cls(**values, idempotency_key=key if 8 <= len(key) <= 100 else client.new_idempotency_key())

    def validate(self, unit_ids: set[str] | None, now: datetime | None = None) -> None:
        """The checks a person can fix at once, in Swedish; the API checks everything again."""
        if not self.description:
            self.errors["description"] = "Skriv vad som hände."
        elif len(self.description) > DESCRIPTION_MAX:
            self.errors["description"] = f"Texten får vara högst {DESCRIPTION_MAX} tecken."
        if not self.unit_id:
            self.errors["unit_id"] = "Välj var det hände."
        elif unit_ids is not None and self.unit_id not in unit_ids:
            self.errors["unit_id"] = "Välj en enhet i listan."
        if self.kind not in KINDS:
            self.errors["kind"] = "Välj vad det gäller."
        if self.occurred_at:
            try:
                moment = datetime.strptime(self.occurred_at, LOCAL_MINUTE).replace(tzinfo=STOCKHOLM)
            except ValueError:
                self.errors["occurred_at"] = "Skriv datum och tid som 2026-03-02 14:30."
            else:
                if moment > (now or datetime.now(STOCKHOLM)) + timedelta(minutes=5):
                    self.errors["occurred_at"] = "Tiden kan inte vara senare än nu."
                elif moment.year < EARLIEST_YEAR:
                    self.errors["occurred_at"] = f"Årtalet kan inte vara före {EARLIEST_YEAR}."
        if self.involved_unit_id and self.involved_unit_id == self.unit_id:
            self.errors["involved_unit_id"] = "Välj en annan enhet än den där det hände, eller ingen."
        if len(self.immediate_action) > DESCRIPTION_MAX:
            self.errors["immediate_action"] = f"Texten får vara högst {DESCRIPTION_MAX} tecken."

    def body(self) -> dict:
        body = {"kind": self.kind, "unit_id": self.unit_id, "description": self.description}
        if self.occurred_at:
            body["occurred_at"] = self.occurred_at  # no offset: the API reads it as Swedish time
        if self.category_id:
            body["category_id"] = self.category_id
        if self.immediate_action:
            body["immediate_action"] = self.immediate_action
        body.update(classification.report_body(self.event_type, self.place_id))
        if self.involved_unit_id:
            body["involved_unit_id"] = self.involved_unit_id
        return body

    def ordered_errors(self) -> list[tuple[str, str]]:
        return [(name, self.errors[name]) for name in FIELD_ORDER if name in self.errors] + [
            (name, message) for name, message in self.errors.items() if name not in FIELD_ORDER]


def unit_groups(units: list[dict], own: tuple) -> list[tuple[str, list[dict]]]:
    """The person's own units (and the units under them) first, then the others of the municipality."""
    children: dict[str, list[dict]] = {}
    for unit in units:
        children.setdefault(unit.get("parent_id"), []).append(unit)
    mine: list[dict] = []
    seen: set[str] = set()
    stack = [unit for unit in units if unit["id"] in own]
    while stack:
        unit = stack.pop(0)
        if unit["id"] in seen:
            continue
        seen.add(unit["id"])
        mine.append(unit)
        stack.extend(children.get(unit["id"], []))
    others = [unit for unit in units if unit["id"] not in seen]
    groups = [("Dina enheter", mine), ("Övriga enheter", others)]
    return [(label, items) for label, items in groups if items]


def _choices():
    """The units and categories for the form; what could not be read is named in `trouble`."""
    units, categories, trouble = None, [], []
    try:
        units = client.processes().get("/api/v1/org-units")["items"]
    except ApiError as error:
        trouble.append(_short(error) + " Listan med enheter kan inte visas.")
    try:
        categories = [c for c in client.deviations().get("/api/v1/categories") if c.get("active", True)]
    except ApiError as error:
        trouble.append(_short(error) + " Listan med kategorier kan inte visas.")
    return units, categories, trouble


def _short(error: ApiError) -> str:
    return error.short if isinstance(error, ServiceUnavailable) else error.message


def _render(form: ReportForm, status: int = 200, message: str | None = None):
    units, categories, trouble = _choices()
    classified = classification.report_choices(form.unit_id)
    said = classified.pop("classification_trouble")
    if said and not any(text.split(".")[0] == said.split(".")[0] for text in trouble):  # one notice a service
        trouble.append(said)
    person = current_person()
    groups = unit_groups(units, person.org_units) if units is not None else []
    # One notice a service: the form's message names the one that did not answer already.
    notices = ([message] if message else []) + [text for text in trouble if not message
                                                 or not message.startswith(text.split(".")[0])]
    return render_template("report.html", form=form, unit_groups=groups, units_known=units is not None,
                           categories=categories, kinds=KIND_CHOICES, notices=notices,
                           **classified), status


@blueprint.get("/rapportera")
@signin_required
def report():
    return _render(ReportForm.blank())


@blueprint.post("/rapportera")
@signin_required
def report_send():
    form = ReportForm.from_request()
    form.validate(None)
    if form.errors:
        return _render(form, 422)
    try:
        case = client.deviations().post("/api/v1/deviations", json=form.body(),
                                        headers={"Idempotency-Key": form.idempotency_key})
    except ServiceUnavailable as error:
        return _render(form, 503, error.message)
    except ApiProblem as problem:
        form.errors.update({name: message for name, message in problem.field_errors.items()
                            if name in FIELD_ORDER})
        field_name = CODE_FIELDS.get(problem.code)
        if field_name:
            form.errors[field_name] = problem.message
        summary = None if form.errors else problem.message
        return _render(form, 422 if problem.status == 422 else problem.status, summary)
    return redirect(url_for("pages.receipt", case_id=case["id"]), 303)


@blueprint.get("/rapportera/kvitto/<case_id>")
@signin_required
def receipt(case_id: str):
    if len(case_id) > 100:
        abort(404)
    # The feedback view (issue 14): a reporter who does not handle the case may no longer read it whole.
    case = client.deviations().get(f"/api/v1/deviations/{case_id}/feedback")
    # A handler who took a complaint on the phone goes on to the case to record the complainant and the answer.
    handler = current_person().has_any("enhetschef", "verksamhetschef", "forvaltningschef", "kvalitetsutvecklare")
    return render_template("receipt.html", case=case, complaint_handler=handler and case["kind"] == "klagomal")


@blueprint.post("/rapportera/platser")
@signin_required
def report_places():
    """Without JavaScript: the form again, as the person filled it, with the places of the unit they chose."""
    return _render(ReportForm.from_request())
