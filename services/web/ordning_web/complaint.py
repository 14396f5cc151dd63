"""The case page's parts of issue 14: a klagomål's complainant (for its handlers only) and the answer to them,
and the återkoppling the handlers write for the staff member who reported the case.

A handler who takes a complaint on the phone reports it on Rapportera (kind klagomål) and lands on the case, where
the complainant's form is the first thing under the facts: the contact details go to their own resource of the
API (GET/PUT .../complainant), never into the case's text.
"""
from __future__ import annotations

import re

from flask import request

from . import case as case_page
from . import client, code_lists, inbox
from .case import _if_match, _is_date, _post, _require_uuid, blueprint, render_case
from .client import ApiProblem
from .signin import signin_required

COMPLAINANT_FIELDS = ("relation", "channel", "name", "phone", "email", "address")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FEEDBACK_MAX = 10_000

# What the case page, the inbox and the history say of the new overdue deadline and commands (added to their
# tables here, so that their modules stay as they were).
case_page.OVERDUE_LABELS["answer"] = "Svaret till den klagande skulle ha lämnats"
case_page.DUE_OF["answer"] = "answer_due"
inbox.OVERDUE_LABELS["answer"] = "svar till den klagande"
case_page.AUDIT_ACTIONS.update({"record_complainant": "registrerade den klagande",
                                "record_answer": "registrerade svaret till den klagande",
                                "write_reporter_feedback": "skrev återkoppling till den som rapporterade"})


def complaint_model(case: dict, handler: bool) -> dict:
    """The variables of case/_complaint.html: the complainant read for a handler of a klagomål (else None)."""
    complainant = None
    if handler and case["kind"] == "klagomal":
        try:
            complainant = client.deviations().get(f"/api/v1/deviations/{case['id']}/complainant")
        except ApiProblem as error:
            if error.status not in (403, 404):
                raise
    is_open = case["status"] not in ("closed", "rejected") and not case.get("pseudonymised_at")
    return {"complainant": complainant,
            "relations": code_lists.choices("complainant_relations", case.get("complainant_relation")),
            "channels": code_lists.choices("contact_channels", case.get("complaint_channel")),
            "can_record_complaint": handler and is_open and case["kind"] == "klagomal",
            "can_write_feedback": handler and case.get("origin") == "staff" and not case.get("pseudonymised_at")}


@blueprint.post("/arenden/<deviation_id>/klagande")
@signin_required
def complainant(deviation_id):
    _require_uuid(deviation_id)
    values = {name: request.form.get(name, "").strip() for name in COMPLAINANT_FIELDS}
    errors = {}
    if not values["relation"] or not code_lists.known("complainant_relations", values["relation"]):
        errors["relation"] = "Välj vem som klagar."
    if not values["channel"] or not code_lists.known("contact_channels", values["channel"]):
        errors["channel"] = "Välj hur klagomålet kom in."
    if values["email"] and not EMAIL.match(values["email"]):
        errors["email"] = "Skriv e-postadressen som namn@exempel.se."
    if errors:
        return render_case(deviation_id, status=422, form="complainant", values=values, errors=errors)
    body = {name: value for name, value in values.items() if value}
    return _post(deviation_id, "complainant",
                 lambda: client.deviations().request("PUT", f"/api/v1/deviations/{deviation_id}/complainant",
                                                     json=body, headers=_if_match()),
                 values, {name: name for name in COMPLAINANT_FIELDS}, "Den klagande är registrerad.")


@blueprint.post("/arenden/<deviation_id>/svar")
@signin_required
def answer(deviation_id):
    _require_uuid(deviation_id)
    values = {"answered_on": request.form.get("answered_on", "").strip(),
              "answer_channel": request.form.get("answer_channel", "").strip()}
    errors = {}
    if not _is_date(values["answered_on"]):
        errors["answered_on"] = "Skriv dagen för svaret som år-månad-dag, till exempel 2026-03-12."
    if not values["answer_channel"] or not code_lists.known("contact_channels", values["answer_channel"]):
        errors["answer_channel"] = "Välj hur svaret lämnades."
    if errors:
        return render_case(deviation_id, status=422, form="answer", values=values, errors=errors)
    return _post(deviation_id, "answer",
                 lambda: client.deviations().request(
                     "PUT", f"/api/v1/deviations/{deviation_id}/answer",
                     json={"answered_on": values["answered_on"], "channel": values["answer_channel"]},
                     headers=_if_match()),
                 values, {"answered_on": "answered_on", "channel": "answer_channel"}, "Svaret är registrerat.")


@blueprint.post("/arenden/<deviation_id>/aterkoppling")
@signin_required
def reporter_feedback(deviation_id):
    _require_uuid(deviation_id)
    values = {"feedback": request.form.get("feedback", "")}
    text = values["feedback"].strip()
    if not text:
        errors = {"feedback": "Skriv återkopplingen till den som rapporterade."}
    elif len(text) > FEEDBACK_MAX:
        errors = {"feedback": f"Texten får vara högst {FEEDBACK_MAX} tecken."}
    else:
        errors = {}
    if errors:
        return render_case(deviation_id, status=422, form="feedback", values=values, errors=errors)
    return _post(deviation_id, "feedback",
                 lambda: client.deviations().request("PUT", f"/api/v1/deviations/{deviation_id}/reporter-feedback",
                                                     json={"text": text}, headers=_if_match()),
                 values, {"text": "feedback"}, "Återkopplingen är sparad.")
