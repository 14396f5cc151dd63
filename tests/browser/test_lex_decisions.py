"""Lex Sarah on Ärendet with the keyboard alone (issue 14): a kvalitetsutvecklare at her desk reclassifies an
avvikelse to lex Sarah, records that a närstående was informed (first sent without an answer, refused at its
field), and the förvaltningschef the delegation names decides on her phone from lex Sarah's outcomes, with a
motivering; the page shows the outcome and the delegation reference. axe runs at both widths on every page."""
from __future__ import annotations


import pytest
from ordning_shared.workdays import today_in_sweden

from .test_case import press as _press

pytestmark = pytest.mark.e2e

CASE_PAGE_TABS = 200  # the case page is long: facts, commands, investigation, actions, decision, informing


def press(browser, element_id: str) -> None:
    _press(browser, element_id, CASE_PAGE_TABS)


def test_an_avvikelse_becomes_lex_sarah_is_informed_and_decided_by_the_forvaltningschef(open_browser):
    anna = open_browser("phone", "anna")
    anna.sign_in("Anna Andersson")
    reference = anna.report("Brukaren lämnades ensam hela natten utan tillsyn.")
    case_id = anna.path.rsplit("/", 1)[1]  # the receipt's address: /rapportera/kvitto/<id>

    karin = open_browser("desk", "karin")
    karin.sign_in("Karin Karlsson")
    karin.open(f"/arenden/{case_id}")
    assert reference in karin.text("h1") and "avvikelse" in karin.text("h1")
    press(karin, "kommando-receive")
    press(karin, "kommando-start_investigation")

    # Reclassified to lex Sarah: the same case and number, lex Sarah's deadlines from today
    karin.tab_to_id("kom-kind", limit=CASE_PAGE_TABS)
    karin.type("Lex Sarah")
    assert karin.selected_option("kom-kind") == "Lex Sarah"
    karin.tab_to_id("kom-reason_code", limit=CASE_PAGE_TABS)
    karin.type("Utredningen")
    assert karin.selected_option("kom-reason_code") == "Utredningen visade det"
    press(karin, "spara-omklassning")
    assert f"Ärende {reference}: lex Sarah" == karin.text("h1")
    assert "Ärendet är klassat om till Lex Sarah." in karin.text()
    assert "från avvikelse: utredningen visade det" in karin.text("#klassa-om")

    # The informing: sent without saying whether, refused at the question; then a närstående, by phone
    press(karin, "spara-information")
    assert "Har den enskilde informerats" in karin.error_at("inf-informed")
    karin.tab_to_id("inf-ja", limit=CASE_PAGE_TABS)
    karin.type(" ")
    karin.tab_to_id("inf-informed_on", limit=CASE_PAGE_TABS)
    karin.type_date(today_in_sweden().isoformat())
    karin.tab_to_id("inf-method", limit=CASE_PAGE_TABS)
    karin.type("Per telefon")
    karin.tab_to_id("inf-recipient", limit=CASE_PAGE_TABS)
    karin.type("En närstående")
    assert karin.selected_option("inf-recipient") == "En närstående"
    karin.tab_to_id("inf-view", limit=CASE_PAGE_TABS)
    karin.type("Dottern vill att nattbemanningen ses över.")
    press(karin, "spara-information")
    assert "Informationen till den enskilde är antecknad." in karin.text()
    assert f"En närstående informerades {today_in_sweden().isoformat()}, per telefon" in karin.text("#information")
    assert "Dottern vill att nattbemanningen ses över." in karin.text("#information")

    # The förvaltningschef decides, on her phone, from lex Sarah's list
    frida = open_browser("phone", "frida")
    frida.sign_in("Frida Fransson")
    frida.open(f"/arenden/{case_id}")
    assert "Beslutas enligt delegation av förvaltningschef" in frida.text("#allvarlighet")
    press(frida, "spara-allvarlighet")
    assert "Beslut" in frida.error_at("allv-outcome")
    frida.tab_to_id("allv-missforhallande", limit=CASE_PAGE_TABS)
    frida.type(" ")
    frida.tab_to_id("allv-motivering", limit=CASE_PAGE_TABS)
    frida.type("Brukaren utsattes för en allvarlig risk när tillsynen uteblev.")
    press(frida, "spara-allvarlighet")
    assert "Beslutet om allvarlighetsgraden är sparat." in frida.text()
    decision = frida.text("#allvarlighet")
    assert "Allvarligt missförhållande" in decision and "Enligt delegation" in decision
    assert "Brukaren utsattes för en allvarlig risk" in decision
    assert frida.driver.execute_script("return document.documentElement.scrollWidth") <= 360
