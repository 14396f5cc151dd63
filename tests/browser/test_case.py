"""The enhetschef handles a case on Ärendet with the keyboard alone: receives it, investigates, adds an
improvement action, sees why the case cannot be closed yet, completes the action with its effect follow-up,
and closes the case."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

CASE_PAGE_TABS = 150  # the case page is long: facts, commands, the investigation, actions, history


def press(browser, element_id: str) -> None:
    browser.tab_to_id(element_id, limit=CASE_PAGE_TABS)
    browser.enter()


def test_the_enhetschef_receives_investigates_acts_and_closes_with_the_keyboard_alone(open_browser):
    anna = open_browser("phone", "anna")
    anna.sign_in("Anna Andersson")
    reference = anna.report("Brukaren halkade på det våta golvet i badrummet.")

    erik = open_browser("desk", "erik")
    erik.sign_in("Erik Eriksson")
    erik.tab_to_text("Inkorgen")
    erik.enter()
    erik.tab_to_text(reference)
    erik.enter()
    assert erik.path.startswith("/arenden/")
    assert reference in erik.text("h1")

    press(erik, "kommando-receive")
    assert "Mottaget" in erik.text("#fakta-status")
    press(erik, "kommando-start_investigation")

    for field, text in (("utr-what_happened", "Golvet var vått efter duschen."),
                        ("utr-why", "Ingen halkmatta i badrummet."),
                        ("utr-what_must_change", "Halkmatta i alla badrum.")):
        erik.tab_to_id(field, limit=CASE_PAGE_TABS)
        erik.type(text)
    press(erik, "spara-utredning")
    assert "Golvet var vått efter duschen." in erik.text("#utredning")

    erik.tab_to_id("atg-title", limit=CASE_PAGE_TABS)
    erik.type("Köp halkmattor")
    assert erik.driver.execute_script("return document.getElementById('atg-owner').value") == "demo-erik"
    erik.tab_to_id("atg-due_date", limit=CASE_PAGE_TABS)
    erik.type_date("2030-01-15")
    assert erik.driver.execute_script("return document.getElementById('atg-due_date').value") == "2030-01-15"
    press(erik, "lagg-till-atgard")
    assert "Köp halkmattor" in erik.text("#atgarder")
    # The action is Erik's: Mina åtgärder lists it with its case, and its link leads back.
    erik.tab_to_text("Mina åtgärder")
    erik.enter()
    assert erik.path == "/mina-atgarder" and "Köp halkmattor" in erik.text("#rader-oppna")
    erik.tab_to_text(reference)
    erik.enter()
    assert erik.path.startswith("/arenden/")

    press(erik, "kommando-complete_investigation")
    # Closing waits for the action, and says so instead of offering a button.
    assert not erik.driver.find_elements("id", "kommando-close")
    assert "Avsluta" in erik.text("#sparrade")

    erik.tab_to_name("effect_followup", limit=CASE_PAGE_TABS)
    erik.type("Stickprov om tre månader.")
    erik.tab_to_text("Markera som klar", limit=10)
    erik.enter()
    assert "Uppföljning av effekten: Stickprov om tre månader." in erik.text("#atgarder")

    press(erik, "kommando-close")
    assert "Avslutat" in erik.text("#fakta-status")
    assert erik.driver.find_elements("id", "kommando-reopen")


def test_a_chef_of_another_unit_or_another_municipality_cannot_open_the_case(open_browser):
    anna = open_browser("phone", "anna")
    anna.sign_in("Anna Andersson")
    reference = anna.report("Dörrlarmet hos brukaren larmade inte.")
    case_id = anna.path.rsplit("/", 1)[1]  # the receipt's address: /rapportera/kvitto/<id>

    for person, name in (("sara", "Sara Svensson"), ("olle", "Olle Olsson")):  # Solgården; Öckerö
        other = open_browser("desk", person)
        other.sign_in(name)
        for path in (f"/arenden/{case_id}", f"/arenden/nummer/{reference}"):
            other.open(path)
            assert "Ärendet finns inte eller så får du inte se det" in other.text(), (person, path)
            assert "Dörrlarmet" not in other.text()
