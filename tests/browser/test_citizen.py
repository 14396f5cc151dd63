"""A citizen leaves a klagomål from the municipality's public page on a phone, anonymously, with the
keyboard alone, gets a receipt with a reference and a code, and follows the case with them."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def test_a_citizen_files_a_complaint_anonymously_and_follows_it_with_the_receipt(open_browser):
    citizen = open_browser("phone", "citizen")
    citizen.open("/kommun/0138/lamna-synpunkt")
    assert "Lämna klagomål eller synpunkt" in citizen.text("h1")
    assert citizen.text("#kommun") == "Tyresö kommun"  # the municipality's name, not its code

    state = citizen.tab_to_name("kind")  # no kind is chosen yet: Tab lands on the first, arrows move
    for _ in range(6):
        if state["id"] == "syn-kind-klagomal":
            break
        citizen.arrow_down()
        state = citizen.focus_state()
    assert state["id"] == "syn-kind-klagomal", state
    citizen.space()
    citizen.tab_to_id("syn-unit_id")
    citizen.type("Hemtjänst Norr")
    assert citizen.selected_option("syn-unit_id") == "Hemtjänst Norr"
    citizen.tab_to_id("syn-description")
    citizen.type("Min pappa fick ingen lunch i går; ingen kom från hemtjänsten.")
    citizen.tab_to_id("syn-anonymous-ja")
    citizen.space()
    assert citizen.driver.execute_script("return document.getElementById('syn-anonymous-ja').checked")
    citizen.tab_to_id("skicka-synpunkt")
    citizen.enter()

    assert citizen.text("h1").startswith("Tack, vi har tagit emot"), citizen.text()
    reference = citizen.text("#kvitto-nummer")
    code = citizen.text("#kvitto-kod")
    assert re.fullmatch(r"\d{4}-\d{6}", reference) and len(code) >= 8

    citizen.tab_to_text("Följ ditt ärende")
    citizen.enter()
    citizen.tab_to_id("folj-reference")
    citizen.type(reference)
    citizen.tab_to_id("folj-secret")
    citizen.type(code)
    citizen.tab_to_id("visa-status")
    citizen.enter()
    assert reference in citizen.text("#arendestatus")
    assert citizen.text("#status-text")
    assert citizen.driver.execute_script("return document.documentElement.scrollWidth") <= 360
