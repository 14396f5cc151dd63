"""Kodlistor by keyboard alone, against the embedded stack: the kvalitetsutvecklare opens the settings' code lists,
adds a contact channel of the municipality's own (refused at its field first, without a label), then retires it
again; at phone and desk widths, axe on every page reached (the fixtures). Only a code of its own is added and
retired, so the other tests' lists stay as they were."""
from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.e2e

LIST_TABS = 200  # the list's form: a row of fields per code


def test_a_code_is_added_refused_first_and_then_retired_with_the_keyboard(browser):
    code = f"sms_{uuid.uuid4().hex[:6]}"
    browser.sign_in("Karin Karlsson")
    browser.tab_to_text("Kodlistor", limit=80)
    browser.enter()
    assert browser.path == "/installningar/kodlistor"
    assert "Skäl till omklassning" in browser.text("#kodlistor")
    browser.tab_to_text("Kontaktvägar för klagomål och svar", limit=80)
    browser.enter()
    assert browser.path == "/installningar/kodlistor/contact_channels"

    # a code without its label: refused at the field, the code kept
    browser.tab_to_id("new_code", limit=LIST_TABS)
    browser.type(code)
    browser.tab_to_id("spara-lista", limit=10)
    browser.enter()
    assert "Skriv en benämning." in browser.error_at("new_label")
    assert browser.driver.execute_script("return document.getElementById('new_code').value") == code
    browser.tab_to_id("new_label", limit=LIST_TABS)
    browser.type("per sms")
    browser.tab_to_id("spara-lista", limit=10)
    browser.enter()
    assert "Kodlistan är sparad." in browser.text()
    assert code in browser.text(f"#rad-{code}")

    # retired again: its box unticked with the space bar
    box = browser.driver.execute_script(
        "return document.querySelector(arguments[0]).id", f"#rad-{code} input[type=checkbox]")
    browser.tab_to_id(box, limit=LIST_TABS)
    browser.space()
    browser.tab_to_id("spara-lista", limit=LIST_TABS)
    browser.enter()
    assert "Kodlistan är sparad." in browser.text()
    assert browser.driver.execute_script(
        "return document.querySelector(arguments[0]).checked", f"#rad-{code} input[type=checkbox]") is False
