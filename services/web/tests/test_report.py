"""Rapportera against the real processes and deviations services."""
from __future__ import annotations

import re

from ordning_shared import demo

from .conftest import csrf_of, sign_in

NORR = demo.unit_id("0138", "Hemtjänst Norr")
SOLGARDEN = demo.unit_id("0138", "Särskilt boende Solgården")


def form_of(page) -> dict:
    return {"csrf_token": csrf_of(page),
            "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)}


def test_the_form_lists_the_persons_own_units_first_and_defaults_to_an_avvikelse_now(web):
    sign_in(web, "anna")
    page = web.get("/rapportera")
    assert page.status_code == 200
    text = page.text
    mine = text.index('label="Dina enheter"')
    others = text.index('label="Övriga enheter"')
    assert mine < text.index(f'value="{NORR}"') < others < text.index(f'value="{SOLGARDEN}"')
    assert re.search(r'id="kind-avvikelse" name="kind" value="avvikelse"[^>]*checked', text)
    assert re.search(r'type="datetime-local" id="occurred_at" name="occurred_at" value="\d{4}-\d\d-\d\dT\d\d:\d\d"',
                     text)
    assert '<label for="description">' in text and 'Lex Sarah' in text


def test_a_report_gives_a_receipt_with_its_reference_and_a_double_submit_makes_one_case(web):
    sign_in(web, "anna")
    form = form_of(web.get("/rapportera"))
    form.update(description="Brukaren fick fel dos vid kvällsbesöket.", unit_id=NORR, kind="avvikelse",
                occurred_at="2026-01-10T18:30")
    first = web.post("/rapportera", data=form)
    again = web.post("/rapportera", data=form)
    assert first.status_code == 303 and again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    receipt = web.get(first.headers["Location"])
    assert receipt.status_code == 200
    assert re.search(r"Tack! Ditt ärende har nummer \d{4}-\d{6}", receipt.text)
    assert "Vad händer nu?" in receipt.text


def test_missing_fields_are_named_at_the_top_and_tied_to_their_fields(web):
    sign_in(web, "anna")
    form = form_of(web.get("/rapportera"))
    form.update(description="  ", unit_id="", kind="avvikelse", immediate_action="Ringde sjuksköterskan")
    page = web.post("/rapportera", data=form)
    assert page.status_code == 422
    assert 'role="alert"' in page.text and '<a href="#description">Skriv vad som hände.</a>' in page.text
    assert '<a href="#unit_id">Välj var det hände.</a>' in page.text
    assert re.search(r'<textarea id="description"[^>]*aria-describedby="description-hjalp description-fel"'
                     r'[^>]*aria-invalid="true"', page.text)
    assert "Ringde sjuksköterskan</textarea>" in page.text  # what the person wrote is kept


def test_the_apis_field_errors_are_shown_at_their_fields(web):
    sign_in(web, "anna")
    form = form_of(web.get("/rapportera"))
    # A time the clocks skip in spring: only the API knows; its 422 names the field.
    form.update(description="Larmet gick inte fram.", unit_id=NORR, kind="avvikelse", occurred_at="2026-03-29T02:30")
    page = web.post("/rapportera", data=form)
    assert page.status_code == 422, page.text
    assert '<a href="#occurred_at">Tiden finns inte i svensk tid' in page.text
    assert "does not exist" not in page.text  # the Swedish sentence only
    assert re.search(r'<input type="datetime-local" id="occurred_at"[^>]*aria-invalid="true"', page.text)
    assert "Larmet gick inte fram.</textarea>" in page.text


def test_a_unit_the_api_does_not_know_is_an_error_at_the_unit(web):
    sign_in(web, "anna")
    form = form_of(web.get("/rapportera"))
    form.update(description="Något hände.", unit_id="00000000-0000-4000-8000-000000000000", kind="avvikelse")
    page = web.post("/rapportera", data=form)
    assert page.status_code == 422
    assert re.search(r'<p class="field-error" id="unit_id-fel">', page.text)


def test_a_service_that_is_down_is_named_in_swedish_and_the_form_is_kept(services, tmp_path):
    from ordning_web.app import create_app

    from .conftest import free_port_url

    web = create_app(services.web_settings(deviations_url=free_port_url())).test_client()
    sign_in(web, "anna")
    form = form_of(web.get("/rapportera"))
    form.update(description="Dörren till medicinskåpet stod öppen.", unit_id=NORR, kind="lex_maria",
                immediate_action="Stängde och låste")
    page = web.post("/rapportera", data=form)
    assert page.status_code == 503
    assert page.text.count("Tjänsten för avvikelser svarar inte just nu") == 1  # said once, not per list
    assert "Det du har skrivit finns kvar" in page.text
    assert "Dörren till medicinskåpet stod öppen.</textarea>" in page.text
    assert re.search(r'id="kind-lex_maria" name="kind" value="lex_maria"[^>]*checked', page.text)
    assert re.search(f'<option value="{NORR}" selected>', page.text)
    assert "Stängde och låste</textarea>" in page.text
    assert "Traceback" not in page.text


def test_a_post_without_its_csrf_token_is_refused_with_a_page(web):
    sign_in(web, "anna")
    page = web.post("/rapportera", data={"description": "x", "unit_id": NORR, "kind": "avvikelse"})
    assert page.status_code == 400
    assert "Formuläret har gått ut" in page.text and 'lang="sv"' in page.text


def test_not_signed_in_is_sent_to_sign_in(web):
    assert web.get("/rapportera").headers["Location"].startswith("/logga-in?next=/rapportera")


def test_a_token_the_services_refuse_is_renewed_once_and_the_page_asked_for_again(web):
    sign_in(web, "anna")
    with web.session_transaction() as session:
        session["token"] = session["token"][:-8] + "AAAAAAAA"  # its signature no longer holds
    answer = web.get("/rapportera")
    assert answer.status_code == 302 and answer.headers["Location"] == "/rapportera"
    assert web.get("/rapportera").status_code == 200


def test_a_token_the_services_refuse_sends_the_person_to_sign_in_again_when_it_cannot_be_renewed(web):
    sign_in(web, "anna")
    with web.session_transaction() as session:
        session["token"] = session["token"][:-8] + "AAAAAAAA"
        session["signed_in_at"] -= 9 * 3600  # the day's sign-in has ended: the embedded issuer renews no more
    answer = web.get("/rapportera")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/logga-in?next=/rapportera")
    with web.session_transaction() as session:
        assert "token" not in session
