"""The risk pages with the keyboard alone: an enhetschef makes a risk analysis on a phone (a risk, its scoring, an
action, its completion, the residual scoring, the escalation), the förvaltningschef accepts the escalated risk, a
chef of another unit or municipality cannot open the analysis; an administrator edits the risk matrix, and a bad
matrix shows its error at the field."""
from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.e2e

LONG_PAGE = 200  # the risk page holds the scoring, its history, the actions and the escalation


def press(browser, element_id: str) -> None:
    browser.tab_to_id(element_id, limit=LONG_PAGE)
    browser.enter()


def checked(browser, name: str) -> str | None:
    return browser.driver.execute_script(
        "const c = document.querySelector(`input[name='${arguments[0]}']:checked`); return c ? c.value : null;", name)


def choose_step(browser, name: str, step: int) -> str | None:
    """The step-th choice of a radio group none is checked in: Tab to the group (its first radio), Space checks
    it, each arrow the next; returns the value checked."""
    browser.tab_to_name(name, limit=LONG_PAGE)
    browser.space()
    browser.arrow_down(step - 1)
    return checked(browser, name)


def erase(browser, length: int) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.type(Keys.END + Keys.BACKSPACE * length)


def test_an_enhetschef_makes_a_risk_analysis_on_a_phone_and_the_forvaltningschef_accepts_the_escalation(
        open_browser):
    tag = uuid.uuid4().hex[:6]
    title, description = f"Sommarbemanning {tag}", f"Brukare får fel läkemedel när vikarier delar ut ({tag})."
    erik = open_browser("phone", "erik")
    erik.sign_in("Erik Eriksson")
    erik.tab_to_text("Risker")
    erik.enter()
    assert erik.path == "/riskanalyser"
    press(erik, "ny-riskanalys")
    assert erik.path == "/riskanalyser/ny"

    # Sent without a title: the error is announced and tied to its field; nothing else is lost.
    press(erik, "skapa-analys")
    assert "Skriv vad analysen gäller." in erik.text(".error-summary")
    assert erik.driver.execute_script(
        "const t = document.getElementById('ny-title');"
        "return t.getAttribute('aria-invalid') === 'true'"
        " && t.getAttribute('aria-describedby').includes('ny-title-fel')")

    erik.tab_to_id("ny-title")
    erik.type(title)
    erik.tab_to_id("ny-scope_id")
    erik.type("Hemtjänst Norr")  # a select chooses the option whose name is typed
    assert erik.selected_option("ny-scope_id") == "Hemtjänst Norr (Enhet)"
    state = erik.tab_to_name("trigger")
    assert state["id"] == "ny-trigger", state  # the yearly analysis is pre-chosen: Tab lands on it
    erik.arrow_down(2)
    assert checked(erik, "trigger") == "larger_change"
    assert choose_step(erik, "trigger_change", 3) == "summer_staffing"
    erik.tab_to_id("ny-participants")
    erik.type("Erik Eriksson, enhetschef\nAnna Andersson, undersköterska")
    assert erik.driver.execute_script("return document.getElementById('ny-analysis_date').value") != ""  # today
    press(erik, "skapa-analys")
    assert erik.path.startswith("/riskanalyser/") and title in erik.text("h1")
    assert erik.text("#fakta-status") == "Utkast"
    assert "sommarbemanning" in erik.text("#fakta-anledning")
    analysis_path = erik.path

    press(erik, "kommando-start")
    assert erik.text("#fakta-status") == "Pågår"

    erik.tab_to_id("risk-description", limit=LONG_PAGE)
    erik.type(description)
    erik.tab_to_id("risk-causes", limit=LONG_PAGE)
    erik.type("Vikarier utan introduktion\nOtydlig överlämning")
    press(erik, "lagg-till-risk")
    assert "/risker/" in erik.path
    assert "Vikarier utan introduktion" in erik.text("#fakta-orsaker")
    risk_path = erik.path

    # Scored by choosing the steps by name; the score and level are the matrix's, shown after.
    assert choose_step(erik, "probability", 3) == "3"
    assert choose_step(erik, "consequence", 4) == "4"
    press(erik, "spara-bedomning")
    assert "Riskvärde 12: mycket hög risk." in erik.text()
    assert "Mycket hög, riskvärde 12" in erik.text("#fakta-fore")
    assert "demo-erik" in erik.text("#historik")

    erik.tab_to_id("atg-title", limit=LONG_PAGE)
    erik.type(f"Introduktion för vikarier {tag}")
    assert erik.driver.execute_script("return document.getElementById('atg-owner').value") == "demo-erik"
    erik.tab_to_id("atg-due_date", limit=LONG_PAGE)
    erik.type_date("2030-01-15")
    press(erik, "lagg-till-atgard")
    assert f"Introduktion för vikarier {tag}" in erik.text("#atgarder")

    # Mina åtgärder lists it among the risks' actions, and its link leads back to the risk.
    erik.tab_to_text("Mina åtgärder")
    erik.enter()
    assert f"Introduktion för vikarier {tag}" in erik.text("#rader-risker")
    erik.tab_to_text(title)
    erik.enter()
    assert erik.path == risk_path

    erik.tab_to_name("effect_followup", limit=LONG_PAGE)
    erik.type("Stickprov i augusti.")
    erik.tab_to_text("Markera som klar", limit=10)
    erik.enter()
    assert "Uppföljning av effekten: Stickprov i augusti." in erik.text("#atgarder")

    # Re-scored after the action: the residual risk, pre-chosen now that there is an initial one.
    state = erik.tab_to_name("kind", limit=LONG_PAGE)
    assert state["id"] == "bed-kind-residual", state
    assert choose_step(erik, "probability", 1) == "1"
    assert choose_step(erik, "consequence", 4) == "4"
    press(erik, "spara-bedomning")
    assert "Riskvärde 4: hög risk." in erik.text()
    assert "Hög, riskvärde 4" in erik.text("#fakta-efter")
    history = erik.text("#historik")
    assert "Före åtgärder" in history and "Efter åtgärder (kvarvarande risk)" in history

    erik.tab_to_id("esk-to_unit_id", limit=LONG_PAGE)
    erik.type("Socialförvaltningen")
    assert erik.selected_option("esk-to_unit_id") == "Socialförvaltningen (Förvaltning)"
    erik.tab_to_id("esk-reason", limit=LONG_PAGE)
    erik.type("Bemanningen under sommaren beslutas av förvaltningen.")
    press(erik, "eskalera-risk")
    assert "väntar på svar" in erik.text("#eskalering")
    assert not erik.driver.find_elements("id", "eskalera-risk")  # not twice while it waits
    assert erik.driver.execute_script("return document.documentElement.scrollWidth") <= 360

    frida = open_browser("desk", "frida")
    frida.sign_in("Frida Fransson")
    frida.tab_to_text("Risker")
    frida.enter()
    frida.tab_to_text("Eskalerade risker")
    frida.enter()
    assert frida.path == "/eskalerade-risker"
    accept = frida.driver.execute_script(
        "const item = [...document.querySelectorAll('#vantande > li')]"
        "  .find(li => li.textContent.includes(arguments[0]));"
        "return item.querySelector('button[value=accept]').id;", tag)
    press(frida, accept)
    assert "Risken är mottagen." in frida.text()
    assert "mottagen" in frida.text("#besvarade")
    frida.open(risk_path)
    assert frida.text("#fakta-hanteras") == "Socialförvaltningen"
    assert "mottagen" in frida.text("#eskaleringar")

    # Another unit's chef and another municipality's cannot open the analysis or its risk.
    for person, name in (("sara", "Sara Svensson"), ("olle", "Olle Olsson")):
        other = open_browser("desk", person)
        other.sign_in(name)
        for path in (analysis_path, risk_path):
            other.open(path)
            assert "Riskanalysen finns inte eller så får du inte se den" in other.text(), (person, path)
            assert tag not in other.text()
        other.open("/riskanalyser")
        assert title not in other.text()


def test_an_administrator_edits_the_risk_matrix_and_a_bad_one_is_refused_at_its_field(open_browser):
    admin = open_browser("desk", "admin")
    admin.sign_in("Tyresö administratör")
    admin.tab_to_text("Risker")
    admin.enter()
    admin.tab_to_text("Riskmatris")
    admin.enter()
    assert admin.path == "/riskmatris"
    table = admin.text("#matris")
    assert "Sannolikhet 4: Mycket stor" in table and "Konsekvens 1: Mindre" in table and "Mycket hög" in table
    version = admin.text("#matris-version")
    press(admin, "andra-matris")
    assert admin.path == "/riskmatris/andra"

    colour = admin.driver.execute_script("return document.getElementById('level-0-colour').value")
    admin.tab_to_id("level-0-colour", limit=LONG_PAGE)
    erase(admin, len(colour))
    admin.type("grön")
    press(admin, "spara-matris")
    summary = admin.text(".error-summary")
    assert "sparades inte" in summary and "#2e7d32" in summary, summary
    assert admin.driver.execute_script(
        "const c = document.getElementById('level-0-colour');"
        "return c.value === 'grön' && c.getAttribute('aria-invalid') === 'true'"
        " && c.getAttribute('aria-describedby') === 'level-0-colour-fel'")
    assert admin.driver.find_element("css selector", ".error-summary").get_attribute("role") == "alert"

    admin.tab_to_id("level-0-colour", limit=LONG_PAGE)
    erase(admin, len("grön"))
    admin.type(colour)
    press(admin, "spara-matris")
    assert admin.path == "/riskmatris"
    assert "Riskmatrisen är sparad som en ny version." in admin.text()
    assert admin.text("#matris-version") != version
    assert "Version 1" in admin.text("#versioner")
    admin.tab_to_text("Version 1", limit=LONG_PAGE)
    admin.enter()
    assert admin.path == "/riskmatris/versioner/1" and "version 1" in admin.text("h1")


def test_a_staff_member_may_read_the_matrix_but_not_edit_it(open_browser):
    anna = open_browser("phone", "anna")
    anna.sign_in("Anna Andersson")
    anna.open("/riskmatris")
    assert not anna.driver.find_elements("id", "andra-matris")
    anna.open("/riskmatris/andra")
    assert "Du har inte behörighet" in anna.text()
