"""Klassificering against the real deviations service: the report form's händelsetyp and place (the place list follows
the chosen unit, with htmx and without JavaScript), the case page's classification form (labels from the tenant's
risk matrix, 412 with the input kept, refusals at their fields) and the administrator's page /klassificering."""
from __future__ import annotations

import re
import uuid

from ordning_shared import demo

NORR = demo.unit_id("0138", "Hemtjänst Norr")
SOLGARDEN = demo.unit_id("0138", "Särskilt boende Solgården")


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


def add_place(stack, unit_id, name):
    status, body, _ = stack.call("deviations", "POST", "/api/v1/places", {"unit_id": unit_id, "name": name},
                                 user="admin")
    assert status == 201, body
    return body


def report_form(page_text: str) -> dict:
    return {"idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', page_text).group(1)}


def test_the_report_form_offers_the_types_and_the_places_of_the_chosen_unit(browser, stack):
    place = add_place(stack, NORR, unique("Matsalen"))
    anna = browser("anna")
    page = anna.get("/rapportera")
    assert '<label for="event_type">Typ av händelse (om du vill)</label>' in page.text
    assert '<option value="hot_och_vald">Hot och våld</option>' in page.text
    assert "Välj enhet först, så visas enhetens platser." in page.text
    # htmx asks for the place field when the unit changes
    fragment = anna.get(f"/rapportera/platser?unit_id={NORR}")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'<option value="{place["id"]}">{place["name"]}</option>' in fragment.text
    assert 'hx-trigger="change from:#unit_id"' in fragment.text
    # without JavaScript: "Visa enhetens platser" shows the form again, as filled, with the unit's places
    form = {**report_form(page.text), "description": "Brukaren satte i halsen.", "unit_id": NORR,
            "kind": "avvikelse", "event_type": "kost_nutrition"}
    again = anna.post("/rapportera/platser", form, page=page.text)
    assert again.status_code == 200
    assert "Brukaren satte i halsen.</textarea>" in again.text
    assert '<option value="kost_nutrition" selected>' in again.text
    assert f'<option value="{place["id"]}">{place["name"]}</option>' in again.text
    sent = anna.post("/rapportera", {**form, "place_id": place["id"]}, page=again.text)
    assert sent.status_code == 303
    case_id = sent.headers["Location"].rsplit("/", 1)[1]
    status, case, _ = stack.call("deviations", "GET", f"/api/v1/deviations/{case_id}", user="erik")
    assert (case["event_type"], case["place_id"], case["place_name"]) == ("kost_nutrition", place["id"], place["name"])


def test_a_place_of_another_unit_is_refused_at_its_field_with_the_input_kept(browser, stack):
    other = add_place(stack, SOLGARDEN, unique("Avdelning 2"))
    anna = browser("anna")
    page = anna.get("/rapportera")
    form = {**report_form(page.text), "description": "Dörren var olåst.", "unit_id": NORR, "kind": "avvikelse",
            "place_id": other["id"]}
    refused = anna.post("/rapportera", form, page=page.text)
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text and '<a href="#place_id">' in refused.text
    assert 'id="place_id-fel"' in refused.text
    assert "Dörren var olåst.</textarea>" in refused.text


def _case(stack):
    status, body, _ = stack.call("deviations", "POST", "/api/v1/deviations",
                                 {"kind": "avvikelse", "unit_id": NORR, "description": "Brukaren föll i hallen.",
                                  "event_type": "fall"}, user="anna")
    assert status == 201, body
    return body


def test_the_case_page_shows_and_changes_the_classification(browser, stack):
    place = add_place(stack, NORR, unique("Hallen"))
    case = _case(stack)
    erik = browser("erik")
    page = erik.get(f"/arenden/{case['id']}")
    assert page.status_code == 200
    assert re.search(r'id="fakta-handelsetyp">Fall<', page.text)
    assert 'id="fakta-konsekvens">Inte bedömd<' in page.text
    assert '<option value="3">3 Betydande</option>' in page.text  # the steps of the tenant's matrix
    etag = re.search(r'name="etag" value="([^"]+)"', page.text).group(1).replace("&#34;", '"').replace("&quot;", '"')
    form = {"etag": etag, "event_type": "lakemedel", "consequence_score": "3", "matrix_version": "1",
            "place_id": place["id"]}
    saved = erik.post(f"/arenden/{case['id']}/klassificering", form, page=page.text)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#klassificering")
    shown = erik.get(f"/arenden/{case['id']}").text
    assert 'id="fakta-handelsetyp">Läkemedel<' in shown
    assert re.search(r'id="fakta-konsekvens">3 Betydande', shown)
    assert f'id="fakta-plats">{place["name"]}<' in shown
    # the same form again on the old ETag: someone changed the case since, the input is kept
    stale = erik.post(f"/arenden/{case['id']}/klassificering", {**form, "event_type": "bemotande"}, page=page.text)
    assert stale.status_code == 412
    assert "Någon annan har ändrat ärendet" in stale.text
    assert '<option value="bemotande" selected>' in stale.text


def test_refusals_are_shown_at_their_fields(browser, stack):
    case = _case(stack)
    erik = browser("erik")
    page = erik.get(f"/arenden/{case['id']}")
    etag = re.search(r'name="etag" value="([^"]+)"', page.text).group(1).replace("&#34;", '"').replace("&quot;", '"')
    bad = erik.post(f"/arenden/{case['id']}/klassificering", {"etag": etag, "consequence_score": "tre"},
                    page=page.text)
    assert bad.status_code == 422
    assert 'href="#kl-consequence_score"' in bad.text
    assert re.search(r'id="kl-consequence_score"[^>]*aria-describedby="[^"]*kl-consequence_score-fel"[^>]*'
                     r'aria-invalid="true"', bad.text)
    outside = erik.post(f"/arenden/{case['id']}/klassificering", {"etag": etag, "consequence_score": "5",
                                                                   "matrix_version": "1"}, page=page.text)
    assert outside.status_code == 422
    assert "Konsekvensen ska vara ett steg från 1 till 4" in outside.text
    # the medarbetare who reported it follows it under Mina rapporter: the case page (and its form) is not hers
    anna = browser("anna").get(f"/arenden/{case['id']}")
    assert anna.status_code == 404 and 'id="klassificering-formular"' not in anna.text


def test_the_administrator_keeps_the_types_and_the_places(browser, stack):
    assert browser("erik").get("/klassificering").status_code == 403
    admin = browser("admin")
    page = admin.get("/klassificering")
    assert page.status_code == 200
    assert 'href="/klassificering" aria-current="page">Klassificering</a>' in page.text
    assert re.search(r'<h3 id="typ-forsvunnen_avvikit-rubrik">Försvunnen eller avviken', page.text)
    label = unique("Trycksår")
    key = re.search(r'id="ny-typ".*?name="idempotency_key" value="([^"]+)"', page.text, re.S).group(1)
    added = admin.post("/klassificering/handelsetyper", {"label": label, "idempotency_key": key}, page=page.text)
    assert added.status_code == 302
    listed = admin.get("/klassificering").text
    assert label in listed
    code = re.search(r'data-code="(trycksar_[0-9a-f]{6})"', listed).group(1)
    renamed = admin.post(f"/klassificering/handelsetyper/{code}", {"etag": f'"{code}.1"', "action": "rename",
                                                                   "label": label + " (hud)"}, page=listed)
    assert renamed.status_code == 302 and renamed.headers["Location"].endswith(f"#typ-{code}")
    retired = admin.post(f"/klassificering/handelsetyper/{code}", {"etag": f'"{code}.2"', "action": "retire"},
                         page=listed)
    assert retired.status_code == 302
    status, found, _ = stack.call("deviations", "GET", f"/api/v1/event-types/{code}", user="anna")
    assert (found["label"], found["retired"]) == (label + " (hud)", True)
    empty = admin.post("/klassificering/handelsetyper", {"label": " ", "idempotency_key": key}, page=listed)
    assert empty.status_code == 422 and 'href="#ny-typ-label"' in empty.text
    twice = admin.post("/klassificering/handelsetyper", {"label": "Fall", "idempotency_key": "nyckel-12345678"},
                       page=listed)
    assert twice.status_code in (409, 422) and "finns redan" in twice.text
    # a place of a unit, renamed on a stale ETag (412, the page again) and then retired
    name = unique("Matsalen")
    placed = admin.post("/klassificering/platser", {"unit_id": NORR, "name": name,
                                                    "idempotency_key": "plats-" + uuid.uuid4().hex},
                        page=listed)
    assert placed.status_code == 302 and f"unit_id={NORR}" in placed.headers["Location"]
    unit_page = admin.get(f"/klassificering?unit_id={NORR}").text
    status, places, _ = stack.call("deviations", "GET", f"/api/v1/places?unit_id={NORR}", user="admin")
    mine = next(p for p in places if p["name"] == name)
    assert f'action="/klassificering/platser/{mine["id"]}"' in unit_page
    stale = admin.post(f"/klassificering/platser/{mine['id']}", {"etag": f'"{mine["id"]}.7"', "action": "rename",
                                                                 "name": "Annat namn", "unit_id": NORR},
                       page=unit_page)
    assert stale.status_code == 412 and "Någon annan har ändrat" in stale.text
    retired = admin.post(f"/klassificering/platser/{mine['id']}", {"etag": f'"{mine["id"]}.1"', "action": "retire",
                                                                   "unit_id": NORR}, page=unit_page)
    assert retired.status_code == 302
    status, places, _ = stack.call("deviations", "GET", f"/api/v1/places?unit_id={NORR}", user="admin")
    assert name not in [p["name"] for p in places]


def test_a_deviations_service_that_does_not_answer_is_named_in_swedish_and_the_input_kept(services):
    from ordning_web.app import create_app

    from ..conftest import csrf_of, free_port_url, sign_in

    web = create_app(services.web_settings(deviations_url=free_port_url())).test_client()
    sign_in(web, "admin")
    page = web.get("/klassificering")
    assert page.status_code == 200 and "Tjänsten för avvikelser svarar inte just nu" in page.text
    sent = web.post("/klassificering/handelsetyper", data={"label": "Trycksår på hälen", "csrf_token": csrf_of(page),
                                                          "idempotency_key": "nyckel-" + uuid.uuid4().hex})
    assert sent.status_code == 503 and 'lang="sv"' in sent.text
    assert "Tjänsten för avvikelser svarar inte just nu" in sent.text
    assert 'value="Trycksår på hälen"' in sent.text
    # Rapportera still shows the form, and says the lists cannot be shown, once
    form = web.get("/rapportera")
    assert form.status_code == 200 and form.text.count("Tjänsten för avvikelser svarar inte just nu") == 1
