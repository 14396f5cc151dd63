"""A staff member reports on a phone, between visits, with the keyboard alone; the enhetschef of the unit
then finds the case in Inkorgen."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

REFERENCE = re.compile(r"\b(\d{4}-\d{6})\b")


def sign_in(browser, name: str) -> None:
    browser.open("/")
    browser.tab_to_text(name)
    browser.enter()
    assert f"Inloggad som {name}" in browser.text("header")


def selected_option(browser, element_id: str) -> str:
    return browser.driver.execute_script(
        "const s = document.getElementById(arguments[0]); return s.options[s.selectedIndex].text;", element_id)


def report_by_keyboard(browser, description: str) -> str:
    """Anna's report on the Rapportera page, Tab by Tab; returns the reference on the receipt."""
    browser.tab_to_text("Rapportera")
    browser.enter()
    assert browser.path == "/rapportera"
    assert "Rapportera en händelse" in browser.text()

    # Sent empty: the errors are announced (role=alert), listed with links, and tied to their fields.
    browser.tab_to_id("skicka")
    browser.enter()
    summary = browser.text(".error-summary")
    assert "fel i formuläret" in summary, summary
    assert browser.driver.execute_script(
        "const d = document.getElementById('description');"
        "return d.getAttribute('aria-invalid') === 'true' && d.getAttribute('aria-describedby').includes('description-fel');")

    browser.tab_to_id("description")
    browser.type(description)
    browser.tab_to_id("unit_id")
    browser.type("Hemtjänst Norr")  # a select chooses the option whose name is typed
    assert selected_option(browser, "unit_id") == "Hemtjänst Norr"
    # When: defaults to now; kind: avvikelse is pre-chosen (Tab lands on the checked radio).
    assert browser.driver.execute_script("return document.getElementById('occurred_at').value") != ""
    state = browser.tab_to_name("kind")
    assert state["id"] == "kind-avvikelse", state
    browser.tab_to_id("skicka")
    browser.enter()

    heading = browser.text("h1")
    assert heading.startswith("Tack! Ditt ärende har nummer"), heading
    return REFERENCE.search(heading).group(1)


def test_anna_reports_on_a_phone_with_the_keyboard_alone_and_gets_a_receipt(open_browser):
    anna = open_browser("phone", "anna")
    sign_in(anna, "Anna Andersson")
    reference = report_by_keyboard(anna, "Brukaren föll i badrummet; larmet gick inte att nå.")
    assert re.fullmatch(r"\d{4}-\d{6}", reference)
    assert "Hemtjänst Norr" in anna.text()
    # Nothing of the page overflows the phone's width (no sideways scrolling).
    assert anna.driver.execute_script("return document.documentElement.scrollWidth") <= 360


def test_the_enhetschef_finds_annas_report_in_inkorgen_and_another_units_chef_does_not(open_browser):
    anna = open_browser("phone", "anna")
    sign_in(anna, "Anna Andersson")
    reference = report_by_keyboard(anna, "Nyckeln till brukarens lägenhet saknades vid kvällsbesöket.")

    erik = open_browser("desk", "erik")
    sign_in(erik, "Erik Eriksson")
    erik.tab_to_text("Inkorgen")
    erik.enter()
    assert erik.path == "/inkorg"
    # In the section of new cases (a new case is due to be received), counted at the top.
    assert reference in erik.text("#rader-nya"), erik.text()
    assert int(erik.text("#antal-nya")) >= 1
    state = erik.tab_to_text(reference)  # the case is reached with Tab, as a link
    assert state["tag"] == "a"

    sara = open_browser("desk", "sara")  # enhetschef of Solgården: not her unit's case
    sign_in(sara, "Sara Svensson")
    sara.open("/inkorg")
    assert reference not in sara.text()
