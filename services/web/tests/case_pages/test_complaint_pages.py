"""Issue 14 in the web against the real services: a klagomål's complainant and answer on the case page (handlers
only), the overdue answer, the återkoppling to the reporter, Mina rapporter, the citizen's receipt's promise."""
from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa
from ordning_deviations import db as deviations_db
from ordning_shared.workdays import today_in_sweden

from .test_case_page import api_case, etag_in, form_of, report
from .test_citizen_pages import FOLLOW, filed, receipt_of

COMPLAINANT = {"relation": "narstaende", "channel": "phone", "name": "Greta Lind", "phone": "070-765 43 21",
               "email": "greta.lind@example.se", "address": "Björkvägen 7, Tyresö"}


def test_a_handler_records_the_complainant_and_the_answer_and_the_late_answer_is_flagged(stack, browser, services):
    case = report(stack, kind="klagomal", user="erik", text="Dottern ringde: ingen kom på tisdagen.")
    path = f"/arenden/{case['id']}"
    erik = browser("erik")
    receipt = erik.get(f"/rapportera/kvitto/{case['id']}").text  # after Rapportera: on to the case
    assert f'href="/arenden/{case["id"]}#klagande" id="till-klagande"' in receipt
    page = erik.get(path).text
    assert 'id="klagande-formular"' in page and 'id="svar"' in page
    assert f"Den klagande ska ha svar senast {case['answer_due']}." in page
    # the web's own checks, at their fields
    answer = erik.post(f"{path}/klagande", {"etag": etag_in(page), "relation": "", "channel": "duva",
                                            "email": "inte-en-adress", "name": "Greta Lind"}, page=page)
    assert answer.status_code == 422
    form = form_of(answer.text, "klagande-formular")
    assert 'href="#kl-relation"' in form and 'id="kl-email-fel"' in form and 'value="Greta Lind"' in form
    assert re.search(r'<input type="email" id="kl-email"[^>]*aria-invalid="true"', form)
    answer = erik.post(f"{path}/klagande", {"etag": etag_in(page), **COMPLAINANT}, page=page)
    assert answer.status_code == 302, answer.text
    page = erik.get(path).text
    assert 'id="klagande-namn">Greta Lind<' in page and "070-765 43 21" in page and "Närstående" in page
    # not to others: the reporter-less medarbetare and a chef of another unit get no case, the history no names
    assert browser("anna").get(path).status_code == 404 and browser("sara").get(path).status_code == 404
    karin = browser("karin").get(path).text  # a kvalitetsutvecklare handles klagomål in her förvaltning
    assert "Greta Lind" in karin and "demo-erik registrerade den klagande." in karin

    # the answer's deadline passed (moved into the past in the service's database): flagged on the page
    platform = services.platforms["deviations"]
    table = deviations_db.deviations
    with platform.engine.begin() as connection:
        connection.execute(sa.update(table).where(table.c.id == case["id"])
                           .values(answer_due=today_in_sweden() - timedelta(days=2)))
    page = erik.get(path).text
    assert 'data-overdue="answer"' in page and "Svaret till den klagande skulle ha lämnats" in page
    # a day in the future: the API's refusal at its field, the input kept
    tomorrow = (today_in_sweden() + timedelta(days=1)).isoformat()
    answer = erik.post(f"{path}/svar", {"etag": etag_in(page), "answered_on": tomorrow, "answer_channel": "letter"},
                       page=page)
    assert answer.status_code == 422
    assert "Svaret kan inte ha lämnats senare än i dag." in answer.text and "cannot" not in answer.text
    assert f'value="{tomorrow}"' in form_of(answer.text, "svar")
    answer = erik.post(f"{path}/svar", {"etag": etag_in(page), "answered_on": today_in_sweden().isoformat(),
                                        "answer_channel": "letter"}, page=page)
    assert answer.status_code == 302
    page = erik.get(path).text
    assert f"Svar lämnat {today_in_sweden().isoformat()} via brev av demo-erik." in page
    assert 'data-overdue="answer"' not in page
    assert api_case(stack, case["id"], "erik")["overdue"] == []


def test_the_reporter_reads_the_feedback_under_mina_rapporter_and_a_stale_form_keeps_the_text(stack, browser):
    case = report(stack, user="anna", text="Larmet på rum 4 fungerade inte under natten.")
    path = f"/arenden/{case['id']}"
    erik = browser("erik")
    page = erik.get(path).text
    assert 'id="aterkoppling-formular"' in page and "Ingen återkoppling är skriven än." in page
    seen = etag_in(page)
    fresh = api_case(stack, case["id"], "erik")
    status, _, _ = stack.call("deviations", "POST", f"/api/v1/deviations/{case['id']}/transitions",
                              {"command": "receive"}, user="erik", headers={"If-Match": f'"{fresh["id"]}.{fresh["version"]}"'})
    assert status == 200
    sentence = "Larmet är lagat och testas varje vecka."
    answer = erik.post(f"{path}/aterkoppling", {"etag": seen, "feedback": sentence}, page=page)
    assert answer.status_code == 412 and "Någon annan har ändrat ärendet" in answer.text
    form = form_of(answer.text, "aterkoppling-formular")
    assert sentence in form and etag_in(form) != seen
    assert erik.post(f"{path}/aterkoppling", {"etag": etag_in(form), "feedback": "  "}, page=answer.text
                     ).status_code == 422
    answer = erik.post(f"{path}/aterkoppling", {"etag": etag_in(form), "feedback": sentence}, page=answer.text)
    assert answer.status_code == 302
    assert f'id="aterkoppling-nu">{sentence}<' in erik.get(path).text

    anna = browser("anna")
    mine = anna.get("/mina-rapporter")
    assert mine.status_code == 200 and 'aria-current="page">Mina rapporter' in mine.text
    row = re.search(rf'<tr data-case-id="{case["id"]}">(.*?)</tr>', mine.text, re.S).group(1)
    assert case["reference"] in row and "<strong>Ja</strong>" in row and "Mottaget" in row
    view = anna.get(f"/mina-rapporter/{case['id']}")
    assert view.status_code == 200 and f'id="aterkoppling-text">{sentence}<' in view.text
    assert 'id="aterkoppling-status"><span class="status status--received">Mottaget' in view.text
    assert anna.get(path).status_code == 404
    # another person's report is not theirs to follow
    assert browser("frida").get(f"/mina-rapporter/{case['id']}").status_code == 200  # frida reads the case whole
    assert browser("sara").get(f"/mina-rapporter/{case['id']}").status_code == 404
    # the receipt after Rapportera reads the feedback view, so the reporter still gets it
    receipt = anna.get(f"/rapportera/kvitto/{case['id']}")
    assert receipt.status_code == 200 and f"Tack! Ditt ärende har nummer {case['reference']}" in receipt.text
    assert 'id="till-klagande"' not in receipt.text


def test_the_citizens_receipt_promises_what_the_municipality_says(stack, browser):
    citizen = browser()
    answer = first = filed(citizen)
    assert answer.status_code == 201
    assert "Besvaras senast" not in answer.text and 'id="kvitto-lofte"' in answer.text
    status, settings, headers = stack.call("deviations", "GET", "/api/v1/case-settings", user="admin")
    assert status == 200 and settings["answer_promised"] is False
    status, _, put_headers = stack.call("deviations", "PUT", "/api/v1/case-settings",
                                        {"answer_promised": True, "answer_promise_days": 10,
                                         "hide_reporter_names": False}, user="admin",
                                        headers={"If-Match": headers["ETag"]})
    assert status == 200
    try:
        answer = filed(browser())
        assert answer.status_code == 201
        promised = re.search(r'id="kvitto-svar">([0-9-]+)<', answer.text).group(1)
        assert date.fromisoformat(promised) > today_in_sweden() and 'id="kvitto-lofte"' not in answer.text
        # following it with the receipt shows the same promised day; the first case, promised none, shows none
        reference, secret = receipt_of(answer)
        page = citizen.get(FOLLOW).text
        followed = citizen.post(FOLLOW, {"reference": reference, "secret": secret}, page=page)
        assert f'id="status-svar">{promised}<' in followed.text
        reference, secret = receipt_of(first)
        followed = citizen.post(FOLLOW, {"reference": reference, "secret": secret}, page=page)
        assert followed.status_code == 200 and 'id="status-svar"' not in followed.text
    finally:  # the other pages' tests see the default again
        status, _, _ = stack.call("deviations", "PUT", "/api/v1/case-settings",
                                  {"answer_promised": False, "hide_reporter_names": False}, user="admin",
                                  headers={"If-Match": put_headers["ETag"]})
        assert status == 200


def test_a_hidden_reporters_name_is_shown_to_the_handlers_only(stack, browser):
    case = report(stack, user="anna", text="Dörren till förrådet stod öppen.")
    path = f"/arenden/{case['id']}"
    status, _, headers = stack.call("deviations", "GET", "/api/v1/case-settings", user="admin")
    status, _, put_headers = stack.call("deviations", "PUT", "/api/v1/case-settings",
                                        {"answer_promised": False, "hide_reporter_names": True}, user="admin",
                                        headers={"If-Match": headers["ETag"]})
    assert status == 200
    try:
        maria = browser("maria").get(path).text  # MAS reads an avvikelse, does not handle it
        assert 'id="fakta-anmalare">Visas bara för dem som handlägger ärendet<' in maria
        assert "Anna Andersson" not in maria
        assert 'id="fakta-anmalare">Anna Andersson, undersköterska<' in browser("erik").get(path).text
    finally:
        status, _, _ = stack.call("deviations", "PUT", "/api/v1/case-settings",
                                  {"answer_promised": False, "hide_reporter_names": False}, user="admin",
                                  headers={"If-Match": put_headers["ETag"]})
        assert status == 200
