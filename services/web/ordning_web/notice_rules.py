"""Regler för notiser: who hears of what, the municipality's notification rules in the notify service, for
administrators and kvalitetsutvecklare. The list, a new rule, a change, turning a rule off or on, deleting one.

A rule: the event it reacts to (a type of the event catalogue), conditions on the event's fields, the kind of
notice it gives, and its recipients (holders of a role at the event's unit or a level above it, or the person the
event names). The event types, notice kinds, roles and levels are offered with their Swedish names.

The API's refusals land at their fields: an event type the notify service does not know (unknown_event_type) at
the event type, a role it does not know (unknown_role) at the recipient that names it, a condition on a field the
event type lacks (invalid_rule) at that condition. A change and a deletion carry the ETag the page was built from
(If-Match): when someone else changed the rule meanwhile (412), the form is shown again with what the person wrote,
beside the rule as it is now, and with the fresh ETag.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import Blueprint, flash, redirect, render_template, request, url_for
from ordning_shared import http
from ordning_shared.notice_kinds import NOTICE_KINDS, label

from . import client
from .client import ApiProblem, ServiceUnavailable, swedish_part
from .labels import EVENTS, event_label, events_by_group, kind_label, role_label
from .notices import RULE_ADMIN_ROLES
from .roles import UNIT_ROLES
from .signin import roles_required

blueprint = Blueprint("notice_rules", __name__)

RULES = "/api/v1/notification-rules"
# As the notify service's bounds (its domain.py): a form shows no more rows than a rule may have.
CONDITIONS_MAX = 10
RECIPIENTS_MAX = 10
VALUES_MAX = 20
VALUE_MAX = 100
BLANK_ROWS = 1  # rows to fill in below a rule's own, at least MIN_ROWS in all
MIN_ROWS = 2
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
INTEGER = re.compile(r"^-?(0|[1-9][0-9]{0,14})$")  # "0138" stays a code, not the number 138
# A recipient that is not a role's holders: the person an event names (an action's owner, a role's holder).
PERSONS = {"owner_id": "Den som är ansvarig för åtgärden", "user_id": "Den som rollen gäller"}
PERSON = "person:"
LEVELS = {"unit": "Vid enheten, eller närmast ovanför", "verksamhetsomrade": "I verksamhetsområdet",
          "forvaltning": "I förvaltningen", "tenant": "I hela kommunen"}
LEVEL_PHRASES = {"unit": "vid enheten", "verksamhetsomrade": "i verksamhetsområdet", "forvaltning": "i förvaltningen",
                 "tenant": "i hela kommunen"}
# The event fields a condition is most often on, in Swedish; other fields are shown by their name.
FIELD_LABELS = {"kind": "Typ", "deviation_kind": "Ärendets typ", "serious": "Allvarlig", "status": "Status",
                "origin": "Rapporterat av", "level": "Risknivå", "trigger": "Anledning"}
STALE = ("Någon annan har ändrat regeln medan du hade den öppen. Så här ser den ut nu. Det du skrev finns kvar i "
         "formuläret: kontrollera och spara igen.")
STALE_LIST = "Någon annan har ändrat regeln under tiden. Listan visar nu hur den ser ut; försök igen."
GONE = "Regeln finns inte längre. Någon annan kan ha tagit bort den."
DELETE_STALE = "Någon annan har ändrat regeln under tiden. Så här ser den ut nu; vill du fortfarande ta bort den?"


admin_required = roles_required(*RULE_ADMIN_ROLES)


# --------------------------------------------------------------------------
# A rule as the pages show it
# --------------------------------------------------------------------------

def _value_text(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def condition_text(condition: dict) -> str:
    name = condition.get("field", "")
    values = [kind_label(v) if name in ("kind", "deviation_kind") and isinstance(v, str) else
              ("ja" if v else "nej") if isinstance(v, bool) else str(v) for v in condition.get("in") or []]
    return f"{FIELD_LABELS.get(name, name)}: {' eller '.join(values)}"


def recipient_text(recipient: dict) -> str:
    if recipient.get("payload"):
        return PERSONS.get(recipient["payload"], recipient["payload"])
    at = recipient.get("at") or "unit"
    return f"{role_label(recipient.get('role') or '')} {LEVEL_PHRASES.get(at, at)}"


def shown(rule: dict) -> dict:
    return {**rule, "event_label": event_label(rule.get("event_type", "")),
            "kind_label": label(rule.get("notice_kind", "")),
            "condition_texts": [condition_text(c) for c in rule.get("conditions") or []],
            "recipient_texts": [recipient_text(r) for r in rule.get("recipients") or []],
            "etag": http.etag(rule["id"], rule["version"])}


# --------------------------------------------------------------------------
# The form
# --------------------------------------------------------------------------

@dataclass
class RuleForm:
    event_type: str = ""
    notice_kind: str = ""
    enabled: bool = True
    conditions: list = field(default_factory=list)  # [(field, values as written), ...]
    recipients: list = field(default_factory=list)  # [(who, at), ...]; who: a role, or PERSON + a payload field
    etag: str = ""
    idempotency_key: str = ""
    errors: dict = field(default_factory=dict)
    # Which form row each condition and recipient sent is, so that the API's refusal of the n-th lands at its row.
    sent_conditions: list = field(default_factory=list)
    sent_recipients: list = field(default_factory=list)

    @classmethod
    def from_rule(cls, rule: dict) -> "RuleForm":
        return cls(event_type=rule.get("event_type", ""), notice_kind=rule.get("notice_kind", ""),
                   enabled=bool(rule.get("enabled", True)),
                   conditions=[(c.get("field", ""), ", ".join(_value_text(v) for v in c.get("in") or []))
                               for c in rule.get("conditions") or []],
                   recipients=[(PERSON + r["payload"], "") if r.get("payload") else (r.get("role", ""),
                                                                                   r.get("at") or "unit")
                               for r in rule.get("recipients") or []],
                   etag=http.etag(rule["id"], rule["version"]))

    @classmethod
    def from_request(cls) -> "RuleForm":
        form = request.form
        key = form.get("idempotency_key", "")
        # The rows as filled in; the empty ones are left out (the form shows fresh empty rows below).
        conditions = [(form.get(f"condition_field_{i}", "").strip(), form.get(f"condition_values_{i}", "").strip())
                      for i in range(CONDITIONS_MAX)]
        recipients = [(form.get(f"recipient_who_{i}", "").strip(), form.get(f"recipient_at_{i}", "").strip())
                      for i in range(RECIPIENTS_MAX)]
        return cls(event_type=form.get("event_type", "").strip(), notice_kind=form.get("notice_kind", "").strip(),
                   enabled=form.get("enabled") == "1", conditions=[row for row in conditions if any(row)],
                   recipients=[row for row in recipients if row[0]],
                   etag=form.get("etag", ""),
                   idempotency_key=key if 8 <= len(key) <= 100 else client.new_idempotency_key())

    def condition_rows(self) -> list:
        return _padded(self.conditions, ("", ""), CONDITIONS_MAX)

    def recipient_rows(self) -> list:
        return _padded(self.recipients, ("", "unit"), RECIPIENTS_MAX)

    def check(self) -> None:
        """What the page can tell before asking the service; whether the event type and the roles are known is
        the notify service's to say."""
        if not self.event_type:
            self.errors["event_type"] = "Välj vilken händelse regeln gäller."
        if self.notice_kind not in NOTICE_KINDS:
            self.errors["notice_kind"] = "Välj vilken sorts notis regeln ger."
        for i, (name, values) in enumerate(self.conditions):
            if not name and not values:
                continue
            if not name:
                self.errors[f"condition_field_{i}"] = "Skriv vilket fält i händelsen villkoret gäller."
            elif not FIELD_NAME.match(name):
                self.errors[f"condition_field_{i}"] = ("Skriv fältets namn med små bokstäver a–z, siffror och _, "
                                                       "till exempel kind.")
            split = _values(values)
            if not split:
                self.errors[f"condition_values_{i}"] = "Skriv minst ett värde."
            elif len(split) > VALUES_MAX:
                self.errors[f"condition_values_{i}"] = f"Skriv högst {VALUES_MAX} värden."
            elif any(len(value) > VALUE_MAX for value in split):
                self.errors[f"condition_values_{i}"] = f"Ett värde får vara högst {VALUE_MAX} tecken."
        if not any(who for who, _at in self.recipients):
            self.errors["recipient_who_0"] = "Välj minst en mottagare."
        for i, (who, at) in enumerate(self.recipients):
            if who and not who.startswith(PERSON) and at not in LEVELS:
                self.errors[f"recipient_at_{i}"] = "Välj var mottagaren finns."

    def body(self) -> dict:
        conditions, recipients = [], []
        self.sent_conditions, self.sent_recipients = [], []
        for i, (name, values) in enumerate(self.conditions):
            if name or values:
                conditions.append({"field": name, "in": [_parsed(value) for value in _values(values)]})
                self.sent_conditions.append(i)
        for i, (who, at) in enumerate(self.recipients):
            if who:
                recipients.append({"payload": who.removeprefix(PERSON)} if who.startswith(PERSON) else
                                  {"role": who, "at": at})
                self.sent_recipients.append(i)
        return {"event_type": self.event_type, "notice_kind": self.notice_kind, "enabled": self.enabled,
                "conditions": conditions, "recipients": recipients}

    def take(self, problem: ApiProblem) -> None:
        """The API's refusal at its field: a rule problem (unknown_event_type, unknown_role, invalid_rule) names
        where in the rule it is wrong by a JSON pointer (/recipients/1/role), a schema's refusal by its errors."""
        target = self._pointed(problem.document.get("pointer"))
        if target:
            self.errors[target] = problem.message
        else:
            self._take_field_errors(problem.document.get("errors"))
        if not self.errors:
            self.errors["recipient_who_0" if problem.code == "unknown_role" else "event_type"] = problem.message

    def _pointed(self, pointer) -> str | None:
        """The form field a pointer into the sent rule names (the n-th recipient sent is the form row it came from)."""
        parts = pointer.strip("/").split("/") if isinstance(pointer, str) and pointer.startswith("/") else []
        if parts[:1] in (["event_type"], ["unit_field"]):
            return "event_type"  # a unit field the chosen event type does not carry is the event type's fault
        if parts[:1] == ["notice_kind"]:
            return "notice_kind"
        if parts[:1] in (["conditions"], ["recipients"]):
            conditions = parts[0] == "conditions"
            sent = self.sent_conditions if conditions else self.sent_recipients
            index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            row = sent[index] if index < len(sent) else 0
            if conditions:
                return f"condition_values_{row}" if parts[2:3] == ["in"] else f"condition_field_{row}"
            return f"recipient_at_{row}" if parts[2:3] == ["at"] else f"recipient_who_{row}"
        return None

    def _take_field_errors(self, errors) -> None:
        """flask-smorest's {"json": {"conditions": {"0": {"in": ...}}, ...}}, each as the pointer it is."""
        located = errors.get("json") if isinstance(errors, dict) else None
        for name, found in (located.items() if isinstance(located, dict) else ()):
            rows = found.items() if name in ("conditions", "recipients") and isinstance(found, dict) else [("", found)]
            for index, parts in rows:
                part = next(iter(parts), "") if index != "" and isinstance(parts, dict) else ""
                target = self._pointed("/".join(("", name, str(index), part)).rstrip("/"))
                if target:
                    self.errors[target] = _first(parts)


def _first(messages) -> str:
    while isinstance(messages, (list, dict)) and messages:
        messages = messages[0] if isinstance(messages, list) else next(iter(messages.values()))
    return (swedish_part(messages) if isinstance(messages, str) else None) or client.GENERIC_FIELD_ERROR


def _padded(rows: list, blank: tuple, most: int) -> list:
    return (list(rows) + [blank] * max(BLANK_ROWS, MIN_ROWS - len(rows)))[:max(most, len(rows))]


def _values(text: str) -> list[str]:
    return [value.strip() for value in text.split(",") if value.strip()]


def _parsed(value: str):
    """A value as written, as the API compares it: true/false, a whole number, or a code."""
    if value in ("true", "false"):
        return value == "true"
    return int(value) if INTEGER.match(value) else value


# --------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------

def _form_page(form: RuleForm, rule_id: str | None = None, rule: dict | None = None, status: int = 200,
               notice: str | None = None):
    """The rule's form: a change of the rule `rule_id`, else a new one; `notice` above it, and `rule` as it is now
    beside it (after a 412)."""
    return render_template("notices/rule_form.html", form=form, rule_id=rule_id, rule=shown(rule) if rule else None,
                           notice=notice, event_groups=events_by_group(), events=EVENTS, kinds=NOTICE_KINDS,
                           roles=[(role, role_label(role)) for role in UNIT_ROLES], persons=PERSONS,
                           levels=LEVELS, person_prefix=PERSON), status


def _down(error: ServiceUnavailable, form: RuleForm | None = None, rule_id: str | None = None):
    """The service does not answer: the page says so; a form the person filled is shown again, kept."""
    if form is not None:
        return _form_page(form, rule_id, status=503,
                          notice=f"{error.short} Det du har skrivit finns kvar; försök igen om en stund.")
    return render_template("notices/rules.html", rules=[], unavailable=f"{error.short} Försök igen om en stund."), 503


def _to_list(rule_id: str | None = None, message: str | None = None):
    if message:
        flash(message)
    return redirect(url_for("notice_rules.rules") + (f"#regel-{rule_id}" if rule_id else ""), 303)


def _with_rule(rule_id: str, then, form: RuleForm | None = None):
    """The rule as it is now, answered with `then(rule)`; a rule gone is said on the list."""
    try:
        rule = client.notify().get(f"{RULES}/{rule_id}")
    except ServiceUnavailable as error:
        return _down(error, form, rule_id)
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        return _to_list(message=GONE)
    return then(rule)


def _send(form: RuleForm | None, rule_id: str | None, call, refused):
    """Send a change; the service down is said on the page (the form kept), a rule gone on the list, someone's
    change meanwhile (412) by `refused(problem)` as every other refusal but a 403."""
    try:
        return call()
    except ServiceUnavailable as error:
        return _down(error, form, rule_id)
    except ApiProblem as problem:
        if problem.status == 404 and rule_id:
            return _to_list(message=GONE)
        if problem.status == 403:
            raise
        return refused(problem)


@blueprint.get("/notiser/regler")
@admin_required
def rules():
    try:
        items = client.notify().get(RULES)["items"]
    except ServiceUnavailable as error:
        return _down(error)
    return render_template("notices/rules.html", rules=[shown(rule) for rule in items], unavailable=None)


@blueprint.get("/notiser/regler/ny")
@admin_required
def new():
    return _form_page(RuleForm(recipients=[("enhetschef", "unit")], idempotency_key=client.new_idempotency_key()))


@blueprint.post("/notiser/regler/ny")
@admin_required
def create():
    form = RuleForm.from_request()
    form.check()
    if form.errors:
        return _form_page(form, status=422)

    def refused(problem):
        form.take(problem)
        return _form_page(form, status=problem.status)
    answer = _send(form, None, lambda: client.notify().post(
        RULES, json=form.body(), headers={"Idempotency-Key": form.idempotency_key}), refused)
    if not isinstance(answer, dict):
        return answer
    flash(f"Regeln är sparad: händelsen ”{event_label(answer['event_type'])}” ger notisen "
          f"”{label(answer['notice_kind'])}”.")
    return _to_list(answer["id"])


@blueprint.get("/notiser/regler/<uuid:rule_id>")
@admin_required
def edit(rule_id):
    rule_id = str(rule_id)
    return _with_rule(rule_id, lambda rule: _form_page(RuleForm.from_rule(rule), rule_id))


@blueprint.post("/notiser/regler/<uuid:rule_id>")
@admin_required
def change(rule_id):
    rule_id = str(rule_id)
    form = RuleForm.from_request()
    form.check()
    if form.errors:
        return _form_page(form, rule_id, status=422)

    def stale(fresh):
        # Someone changed the rule since the form was made: the person's input, the fresh ETag, the rule as now.
        form.etag = http.etag(fresh["id"], fresh["version"])
        return _form_page(form, rule_id, fresh, 412, STALE)

    def refused(problem):
        if problem.status in (412, 428):
            return _with_rule(rule_id, stale, form)
        form.take(problem)
        return _form_page(form, rule_id, status=problem.status)
    answer = _send(form, rule_id, lambda: client.notify().request(
        "PATCH", f"{RULES}/{rule_id}", json=form.body(), headers={"If-Match": form.etag}), refused)
    if not isinstance(answer, dict):
        return answer
    return _to_list(rule_id, "Regeln är ändrad.")


@blueprint.post("/notiser/regler/<uuid:rule_id>/pa-av")
@admin_required
def switch(rule_id):
    """Turn a rule off (it gives no notices, and stays at hand) or on again."""
    rule_id = str(rule_id)
    answer = _send(None, rule_id, lambda: client.notify().request(
        "PATCH", f"{RULES}/{rule_id}", json={"enabled": request.form.get("enabled") == "1"},
        headers={"If-Match": request.form.get("etag", "")}),
        lambda problem: _to_list(rule_id, STALE_LIST if problem.status in (412, 428) else problem.message))
    if not isinstance(answer, dict):
        return answer
    state = "på" if answer["enabled"] else "avstängd"
    return _to_list(rule_id, f"Regeln för ”{event_label(answer['event_type'])}” med notisen "
                             f"”{label(answer['notice_kind'])}” är {state}.")


def _delete_page(rule: dict, status: int = 200, error: str | None = None):
    return render_template("notices/rule_delete.html", rule=shown(rule), error=error), status


@blueprint.get("/notiser/regler/<uuid:rule_id>/ta-bort")
@admin_required
def delete_confirm(rule_id):
    return _with_rule(str(rule_id), _delete_page)


@blueprint.post("/notiser/regler/<uuid:rule_id>/ta-bort")
@admin_required
def delete(rule_id):
    rule_id = str(rule_id)

    def refused(problem):
        if problem.status not in (412, 428):
            raise problem
        return _with_rule(rule_id, lambda fresh: _delete_page(fresh, 412, DELETE_STALE))
    answer = _send(None, rule_id, lambda: client.notify().request(
        "DELETE", f"{RULES}/{rule_id}", headers={"If-Match": request.form.get("etag", "")}) or {}, refused)
    if not isinstance(answer, dict):
        return answer
    return _to_list(message="Regeln är borttagen.")
