"""Regler för notiser against the real notify service: the tenant's rules in Swedish, a new rule, the API's refusals
at their fields with what was written kept and nothing stored, a change with If-Match (a 412 shows the rule as it
is now beside the person's input), turning a rule off and on, deleting one; only administrators and
kvalitetsutvecklare; a notify that does not answer said in Swedish."""
from __future__ import annotations

import html
import re
import uuid
from pathlib import Path

import requests
import yaml

from ordning_shared.testing import bearer

from ordning_web.app import create_app
from ordning_web.labels import EVENTS, events_by_group
from ordning_web.notice_rules import RuleForm, condition_text, recipient_text
from ordning_web.client import ApiProblem

from .conftest import csrf_of, free_port_url, sign_in

CATALOGUE = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.yaml"
RULES = "/api/v1/notification-rules"


def hidden(page, name) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page.text).group(1))


def api_rules(services, user="admin") -> list[dict]:
    answer = requests.get(services.urls["notify"] + RULES, headers=bearer(services.token(user)), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def new_rule(web, **fields):
    page = web.get("/notiser/regler/ny")
    data = {"csrf_token": csrf_of(page), "idempotency_key": hidden(page, "idempotency_key"),
            "event_type": "se.ordning.deviation.closed.v1", "notice_kind": "case_reported", "enabled": "1",
            "condition_field_0": "", "condition_values_0": "", "condition_field_1": "", "condition_values_1": "",
            "recipient_who_0": "mas", "recipient_at_0": "forvaltning", "recipient_who_1": "", "recipient_at_1": "unit"}
    data.update(fields)
    return web.post("/notiser/regler/ny", data=data)


def field_error_of(page, field) -> str:
    """The error shown at a field, which the field names in aria-describedby and marks aria-invalid."""
    found = re.search(rf'<p class="field-error" id="{field}-fel"><span class="visually-hidden">Fel: </span>([^<]+)</p>',
                      page.text)
    assert found, f"no error at {field}"
    control = re.search(rf'<(?:select|input)[^>]*id="{field}"[^>]*>', page.text).group(0)
    assert f"{field}-fel" in control and 'aria-invalid="true"' in control, control
    assert f'href="#{field}"' in page.text  # the summary links to the field
    return html.unescape(found.group(1))


def test_every_event_type_of_the_catalogue_is_offered_with_a_swedish_name_and_no_other():
    messages = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["components"]["messages"]
    assert set(EVENTS) == {message["name"] for message in messages.values()}
    assert all(text and not text.startswith("se.ordning") for text in EVENTS.values())
    offered = [code for _group, items in events_by_group() for code, _text in items]
    assert sorted(offered) == sorted(EVENTS)


def test_only_administrators_and_kvalitetsutvecklare_have_the_rules(services, web):
    sign_in(web, "erik")
    assert "Regler för notiser" not in web.get("/notiser").text
    assert web.get("/notiser/regler").status_code == 403
    assert web.get("/notiser/regler/ny").status_code == 403
    karin = web.__class__(web.application)
    sign_in(karin, "karin")
    page = karin.get("/notiser/regler")
    assert page.status_code == 200
    assert '<a href="/notiser/regler" aria-current="page">Regler för notiser</a>' in page.text


def test_the_default_rules_are_listed_in_swedish(web):
    sign_in(web, "admin")
    page = web.get("/notiser/regler")
    assert page.status_code == 200
    text = html.unescape(page.text)
    for words in ("Ärende rapporterat", "Typ: Lex Sarah", "Ny lex Sarah-rapport", "Enhetschef vid enheten",
                  "Verksamhetschef i verksamhetsområdet", "Förvaltningschef i förvaltningen", "Risk eskalerad",
                  "Den som är ansvarig för åtgärden", "Förvald"):
        assert words in text, words
    assert "se.ordning." not in text


def test_an_administrator_creates_a_rule_and_the_apis_refusals_land_at_their_fields(services, web):
    sign_in(web, "admin")
    before = api_rules(services)

    empty = new_rule(web, event_type="", notice_kind="", recipient_who_0="")
    assert empty.status_code == 422
    assert field_error_of(empty, "event_type") == "Välj vilken händelse regeln gäller."
    assert field_error_of(empty, "notice_kind") == "Välj vilken sorts notis regeln ger."
    assert field_error_of(empty, "recipient_who_0") == "Välj minst en mottagare."

    # A role the notify service does not know: its refusal at that recipient, the choice kept, nothing stored.
    role = new_rule(web, recipient_who_1="sektionschef", recipient_at_1="unit")
    assert role.status_code == 422
    assert field_error_of(role, "recipient_who_1").startswith("Rollen är okänd")
    assert '<option value="sektionschef" selected>' in role.text
    assert '<option value="mas" selected>' in role.text
    assert '<option value="se.ordning.deviation.closed.v1" selected>' in role.text
    # An event type it does not know (a web newer than its notify): at the event type.
    event = new_rule(web, event_type="se.ordning.deviation.vanished.v1")
    assert event.status_code == 422
    assert field_error_of(event, "event_type").startswith("Händelsetypen finns inte")
    assert '<option value="se.ordning.deviation.vanished.v1" selected>' in event.text
    # A condition on a field the event type does not carry: at that condition.
    condition = new_rule(web, condition_field_0="kind", condition_values_0="lex_sarah", condition_field_1="colour",
                         condition_values_1="red")
    assert condition.status_code == 422
    assert field_error_of(condition, "condition_field_1").startswith("Ett villkor gäller ett fält")
    assert 'value="colour"' in condition.text and 'value="red"' in condition.text
    # A value that is no code (a space: it could be a name) is the schema's refusal, at the values it is among.
    spaced = new_rule(web, condition_field_0="kind", condition_values_0="lex_sarah, lex maria")
    assert spaced.status_code == 422
    assert field_error_of(spaced, "condition_values_0").startswith("Ska vara en kod")
    assert 'value="lex_sarah, lex maria"' in spaced.text
    badly = new_rule(web, condition_field_0="Kind!", condition_values_0="")
    assert badly.status_code == 422
    assert "små bokstäver" in field_error_of(badly, "condition_field_0")
    assert field_error_of(badly, "condition_values_0") == "Skriv minst ett värde."
    # The person an event names, on an event that names none: at that recipient.
    person = new_rule(web, recipient_who_1="person:owner_id")
    assert person.status_code == 422
    assert field_error_of(person, "recipient_who_1").startswith("Mottagarfältet finns inte i händelsetypen")
    assert api_rules(services) == before

    done = new_rule(web, condition_field_0="kind", condition_values_0="lex_sarah, lex_maria",
                    recipient_who_1="verksamhetschef", recipient_at_1="verksamhetsomrade")
    assert done.status_code == 303, done.text
    rule_id = done.headers["Location"].rsplit("#regel-", 1)[1]
    stored = next(rule for rule in api_rules(services) if rule["id"] == rule_id)
    assert stored["event_type"] == "se.ordning.deviation.closed.v1" and stored["enabled"] is True
    assert stored["conditions"] == [{"field": "kind", "in": ["lex_sarah", "lex_maria"]}]
    assert stored["recipients"] == [{"role": "mas", "at": "forvaltning"},
                                    {"role": "verksamhetschef", "at": "verksamhetsomrade"}]
    page = html.unescape(web.get("/notiser/regler").text)
    assert "Regeln är sparad: händelsen ”Ärende avslutat” ger notisen ”Nytt ärende rapporterat”." in page
    row = page[page.index(f'id="regel-{rule_id}"'):]
    row = row[:row.index("</tr>")]
    assert "Ärende avslutat" in row and "Typ: Lex Sarah eller Lex Maria" in row
    assert "Medicinskt ansvarig sjuksköterska (MAS) i förvaltningen" in row


def _create(services, **fields) -> dict:
    body = {"event_type": "se.ordning.action.completed.v1", "notice_kind": "action_assigned",
            "recipients": [{"role": "enhetschef", "at": "unit"}], **fields}
    answer = requests.post(services.urls["notify"] + RULES, json=body, timeout=10,
                           headers=bearer(services.token("admin"), **{"Idempotency-Key": f"web-rule-{uuid.uuid4()}"}))
    assert answer.status_code == 201, answer.text
    return answer.json()


def _patch(services, rule: dict, **fields) -> dict:
    answer = requests.patch(services.urls["notify"] + f"{RULES}/{rule['id']}", json=fields, timeout=10,
                            headers=bearer(services.token("karin"), **{"If-Match": f'"{rule["id"]}.{rule["version"]}"'}))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_change_meanwhile_shows_the_rule_as_it_is_now_and_keeps_what_was_written(services, web):
    rule = _create(services)
    sign_in(web, "admin")
    form = web.get(f"/notiser/regler/{rule['id']}")
    assert form.status_code == 200
    assert '<option value="se.ordning.action.completed.v1" selected>' in form.text
    assert '<option value="enhetschef" selected>' in form.text
    data = {"csrf_token": csrf_of(form), "etag": hidden(form, "etag"), "event_type": "se.ordning.action.completed.v1",
            "notice_kind": "action_overdue", "enabled": "1", "condition_field_0": "", "condition_values_0": "",
            "recipient_who_0": "verksamhetschef", "recipient_at_0": "verksamhetsomrade"}

    fresh = _patch(services, rule, recipients=[{"role": "mar", "at": "unit"}])  # someone else, meanwhile
    stale = web.post(f"/notiser/regler/{rule['id']}", data=data)
    assert stale.status_code == 412
    text = html.unescape(stale.text)
    assert "Någon annan har ändrat regeln medan du hade den öppen." in text
    now = text[text.index("Regeln som den ser ut nu"):text.index("</section>", text.index("Regeln som den ser ut nu"))]
    assert "Medicinskt ansvarig för rehabilitering (MAR) vid enheten" in now
    assert '<option value="verksamhetschef" selected>' in stale.text  # the person's input, kept
    assert '<option value="action_overdue" selected>' in stale.text
    assert hidden(stale, "etag") == f'"{fresh["id"]}.{fresh["version"]}"'

    again = web.post(f"/notiser/regler/{rule['id']}", data={**data, "etag": hidden(stale, "etag")})
    assert again.status_code == 303, again.text
    stored = next(r for r in api_rules(services) if r["id"] == rule["id"])
    assert stored["notice_kind"] == "action_overdue"
    assert stored["recipients"] == [{"role": "verksamhetschef", "at": "verksamhetsomrade"}]
    assert "Regeln är ändrad." in web.get("/notiser/regler").text

    # A refusal of a change lands at its field as a new rule's does, and changes nothing.
    form = web.get(f"/notiser/regler/{rule['id']}")
    refused = web.post(f"/notiser/regler/{rule['id']}", data={**data, "etag": hidden(form, "etag"),
                                                              "recipient_who_0": "sektionschef"})
    assert refused.status_code == 422
    assert field_error_of(refused, "recipient_who_0").startswith("Rollen är okänd")
    assert next(r for r in api_rules(services) if r["id"] == rule["id"])["version"] == stored["version"]


def test_a_rule_is_turned_off_and_on_and_deleted(services, web):
    rule = _create(services, event_type="se.ordning.action.cancelled.v1")
    sign_in(web, "karin")
    page = web.get("/notiser/regler")
    etag = re.search(rf'action="/notiser/regler/{rule["id"]}/pa-av".*?name="etag" value="([^"]+)"', page.text,
                     re.S).group(1)
    off = web.post(f"/notiser/regler/{rule['id']}/pa-av", data={"csrf_token": csrf_of(page),
                                                                "etag": html.unescape(etag), "enabled": "0"})
    assert off.status_code == 303
    assert ("Regeln för ”Åtgärd struken” med notisen ”Du är ansvarig för en åtgärd” är avstängd."
            in html.unescape(web.get("/notiser/regler").text))
    assert next(r for r in api_rules(services) if r["id"] == rule["id"])["enabled"] is False
    # The same button from the page before: the rule has changed since, and the list says so.
    stale = web.post(f"/notiser/regler/{rule['id']}/pa-av", data={"csrf_token": csrf_of(page),
                                                                  "etag": html.unescape(etag), "enabled": "1"})
    assert stale.status_code == 303
    assert "Någon annan har ändrat regeln under tiden." in web.get("/notiser/regler").text
    assert next(r for r in api_rules(services) if r["id"] == rule["id"])["enabled"] is False

    confirm = web.get(f"/notiser/regler/{rule['id']}/ta-bort")
    assert confirm.status_code == 200 and "Ta bort regeln?" in confirm.text
    _patch(services, next(r for r in api_rules(services) if r["id"] == rule["id"]), enabled=True)
    changed = web.post(f"/notiser/regler/{rule['id']}/ta-bort", data={"csrf_token": csrf_of(confirm),
                                                                      "etag": hidden(confirm, "etag")})
    assert changed.status_code == 412 and "vill du fortfarande ta bort den?" in changed.text
    assert "Läge</dt><dd>På" in changed.text  # the rule as it is now
    gone = web.post(f"/notiser/regler/{rule['id']}/ta-bort", data={"csrf_token": csrf_of(changed),
                                                                   "etag": hidden(changed, "etag")})
    assert gone.status_code == 303
    assert "Regeln är borttagen." in web.get("/notiser/regler").text
    assert rule["id"] not in {r["id"] for r in api_rules(services)}
    missing = web.get(f"/notiser/regler/{rule['id']}")
    assert missing.status_code == 303
    assert "Regeln finns inte längre." in web.get("/notiser/regler").text
    # A default rule warns that it does not come back once deleted.
    default = next(r for r in api_rules(services) if r["default_key"])
    assert "En borttagen förvald regel kommer inte tillbaka." in web.get(f"/notiser/regler/{default['id']}/ta-bort").text


def test_with_notify_down_the_rules_say_so_and_a_new_rule_is_kept(services):
    web = create_app(services.web_settings(notify_url=free_port_url())).test_client()
    sign_in(web, "admin")
    listed = web.get("/notiser/regler")
    assert listed.status_code == 503
    assert "Tjänsten för notiser svarar inte just nu. Försök igen om en stund." in listed.text
    page = web.get("/notiser/regler/ny")
    assert page.status_code == 200
    sent = web.post("/notiser/regler/ny", data={
        "csrf_token": csrf_of(page), "idempotency_key": hidden(page, "idempotency_key"),
        "event_type": "se.ordning.deviation.closed.v1", "notice_kind": "case_reported", "enabled": "1",
        "condition_field_0": "kind", "condition_values_0": "lex_maria", "recipient_who_0": "mar",
        "recipient_at_0": "unit"})
    assert sent.status_code == 503
    assert "Tjänsten för notiser svarar inte just nu. Det du har skrivit finns kvar" in sent.text
    assert 'value="lex_maria"' in sent.text and '<option value="mar" selected>' in sent.text
    assert hidden(sent, "idempotency_key") == hidden(page, "idempotency_key")  # sent again, made once
    # A change kept is still a change of that rule, with the ETag it was made from: never sent again as a new one.
    rule_id = "6a1f0c3e-2b4d-4e8f-9a7c-5d3e1f0b2c4a"
    changed = web.post(f"/notiser/regler/{rule_id}", data={
        "csrf_token": csrf_of(page), "etag": '"6a1f0c3e-2b4d-4e8f-9a7c-5d3e1f0b2c4a.3"',
        "event_type": "se.ordning.deviation.closed.v1", "notice_kind": "case_reported", "enabled": "1",
        "recipient_who_0": "mar", "recipient_at_0": "unit"})
    assert changed.status_code == 503 and "Det du har skrivit finns kvar" in changed.text
    assert f'action="/notiser/regler/{rule_id}"' in changed.text
    assert hidden(changed, "etag") == '"6a1f0c3e-2b4d-4e8f-9a7c-5d3e1f0b2c4a.3"'
    assert 'name="idempotency_key"' not in changed.text
    assert web.get(f"/notiser/regler/{rule_id}").status_code == 503


def test_rules_in_words_and_the_schemas_errors_at_their_rows():
    assert condition_text({"field": "serious", "in": [True]}) == "Allvarlig: ja"
    assert condition_text({"field": "level", "in": [3, 4]}) == "Risknivå: 3 eller 4"
    assert recipient_text({"role": "namnd", "at": "tenant"}) == "Nämnd i hela kommunen"
    assert recipient_text({"payload": "user_id"}) == "Den som rollen gäller"

    form = RuleForm(event_type="se.ordning.deviation.reported.v1", notice_kind="case_reported",
                    conditions=[("", ""), ("kind", "lex_sarah, 0138, 12, true")],
                    recipients=[("", "unit"), ("enhetschef", "unit"), ("person:owner_id", "")])
    body = form.body()
    assert body["conditions"] == [{"field": "kind", "in": ["lex_sarah", "0138", 12, True]}]
    assert body["recipients"] == [{"role": "enhetschef", "at": "unit"}, {"payload": "owner_id"}]
    form.take(ApiProblem(422, {"code": "unprocessable", "errors": {"json": {
        "conditions": {"0": {"in": {"3": ["Ska vara en text. Must be a text."]}}},
        "recipients": {"1": {"_schema": ["Ange antingen role eller payload. Give either role or payload."]}}}}}))
    assert form.errors == {"condition_values_1": "Ska vara en text.",
                           "recipient_who_2": "Ange antingen role eller payload."}
    # A rule problem names its place by a JSON pointer into the rule sent: the second recipient sent is row 2.
    for pointer, field in (("/recipients/1/role", "recipient_who_2"), ("/recipients/0/at", "recipient_at_1"),
                           ("/conditions/0/field", "condition_field_1"), ("/unit_field", "event_type"),
                           ("/notice_kind", "notice_kind"), ("/recipients", "recipient_who_1"), (None, "event_type")):
        form.errors = {}
        form.take(ApiProblem(422, {"code": "invalid_rule", "pointer": pointer,
                                   "detail": "Det stämmer inte. It is not right."}))
        assert form.errors == {field: "Det stämmer inte."}, pointer
