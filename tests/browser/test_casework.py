"""The daily work on a case with the keyboard alone (issue 14, item 8): the enhetschef picks an investigator by name
among the role holders at the case's unit and above it, then names a medarbetare without a role by user id (a wrong
id refused at its field first), and the involved unit; the investigator, a medarbetare on a phone, finds the case in
Mina utredningar and investigates it; a duplicate report is closed into its master at phone and desk widths. axe
checks every page at both widths (the fixtures)."""
from __future__ import annotations

import pytest

from .test_case import CASE_PAGE_TABS, press

pytestmark = pytest.mark.e2e


def replace_text(browser, element_id: str, text: str) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.tab_to_id(element_id, limit=CASE_PAGE_TABS)
    length = browser.driver.execute_script("return document.getElementById(arguments[0]).value.length", element_id)
    browser.type(Keys.END + Keys.BACKSPACE * length + text)


def open_case_by_reference(chef, reference: str) -> None:
    """The address a chef types for a case number they were told (Inkorgen pages through many cases)."""
    chef.open(f"/arenden/nummer/{reference}")
    assert chef.path.startswith("/arenden/") and reference in chef.text("h1")


def test_the_chef_names_the_investigator_who_investigates_on_a_phone(open_browser):
    anna = open_browser("phone", "anna")
    anna.sign_in("Anna Andersson")
    reference = anna.report("Brukaren fick fel kost vid lunchen.")

    erik = open_browser("desk", "erik")
    erik.sign_in("Erik Eriksson")
    open_case_by_reference(erik, reference)
    press(erik, "kommando-receive")

    # The investigator picked by name in the list of role holders (Karin at the förvaltning above Norr)
    assert erik.selected_option("utr-id-investigator_id") == "Ingen utredare"
    erik.tab_to_id("utr-id-investigator_id", limit=CASE_PAGE_TABS)
    erik.type("Karin Karlsson")
    assert erik.selected_option("utr-id-investigator_id") == "Karin Karlsson, kvalitetsutvecklare"
    press(erik, "spara-utredare")
    assert erik.text("#fakta-utredare") == "demo-karin"
    assert erik.selected_option("utr-id-investigator_id") == "Karin Karlsson, kvalitetsutvecklare"

    # Anna holds no role: "Annan användare" by user id. A name is no user id: refused at its field, the text kept
    replace_text(erik, "utr-id-other_investigator_id", "Anna Andersson")
    press(erik, "spara-utredare")
    assert "användar" in erik.error_at("utr-id-other_investigator_id")
    assert erik.driver.execute_script("return document.getElementById('utr-id-other_investigator_id').value") == \
        "Anna Andersson"
    replace_text(erik, "utr-id-other_investigator_id", "demo-anna")
    press(erik, "spara-utredare")
    assert erik.text("#fakta-utredare") == "demo-anna"
    assert erik.selected_option("utr-id-investigator_id") == "demo-anna (nuvarande utredare)"

    # The involved unit, chosen by typing its name in the list
    erik.tab_to_id("ber-involved_unit_id", limit=CASE_PAGE_TABS)
    erik.type("Särskilt boende Solgården")
    assert erik.selected_option("ber-involved_unit_id") == "Särskilt boende Solgården"
    press(erik, "spara-berord-enhet")
    assert "Särskilt boende Solgården" in erik.text("#fakta-berord-enhet")

    # Anna finds it in Mina utredningar and investigates; closing stays the chef's
    anna.tab_to_text("Mina utredningar")
    anna.enter()
    assert anna.path == "/mina-utredningar" and reference in anna.text("#rader-utredningar")
    anna.tab_to_text(reference)
    anna.enter()
    assert anna.path.startswith("/arenden/")
    press(anna, "kommando-start_investigation")
    for field, text in (("utr-what_happened", "Köket fick fel beställning."),
                        ("utr-why", "Kostlistan var inte uppdaterad."),
                        ("utr-what_must_change", "Kostlistan ses över varje vecka.")):
        anna.tab_to_id(field, limit=CASE_PAGE_TABS)
        anna.type(text)
    press(anna, "spara-utredning")
    press(anna, "kommando-complete_investigation")
    assert "Utrett" in anna.text("#fakta-status")
    assert not anna.driver.find_elements("id", "kommando-close")
    assert not anna.driver.find_elements("id", "utredare")


def test_a_duplicate_report_is_closed_into_its_master_with_the_keyboard(browser):
    browser.sign_in("Erik Eriksson")
    master = browser.report("Larmet gick inte i lägenhet 4 under natten.")
    duplicate = browser.report("Nattpersonalen: larmet i lägenhet 4 fungerade inte.")
    open_case_by_reference(browser, duplicate)

    browser.tab_to_text("Avsluta som dubblett", limit=CASE_PAGE_TABS)
    browser.enter(navigates=False)  # opens the disclosure
    browser.tab_to_id("dub-master", limit=10)
    browser.type("2099-999999")
    press(browser, "spara-dubblett")
    assert "Huvudärendet finns inte" in browser.error_at("dub-master")

    replace_text(browser, "dub-master", master)
    press(browser, "spara-dubblett")
    assert "Avvisat" in browser.text("#fakta-status")
    assert master in browser.text("#fakta-dubblett-av")

    browser.tab_to_text(f"Ärende {master}", limit=CASE_PAGE_TABS)
    browser.enter()
    assert master in browser.text("h1") and duplicate in browser.text("#dubbletter")
